// SPDX-License-Identifier: MIT
#include "portvisor/guest_detail.hpp"

#include <cerrno>
#include <cstdio>

namespace portvisor::detail {

pv_sregs_x86_64 make_sregs_x86_64(const guest_cpu_state& cpu)
{
	pv_sregs_x86_64 s{};
	const pv_segment flat_data{0, 0xffffffffU, selector_data, attrib_data};
	s.cs = pv_segment{0, 0xffffffffU, selector_code, attrib_code64};
	s.ss = flat_data;
	s.ds = flat_data;
	s.es = flat_data;
	s.fs = pv_segment{cpu.fs_base, 0xffffffffU, 0, attrib_data};
	s.gs = pv_segment{cpu.gs_base, 0xffffffffU, 0, attrib_data};
	s.tr = pv_segment{0, 0x67, 0, attrib_tss64};
	s.ldt = pv_segment{0, 0, 0, attrib_ldt};
	// Every guest exception exits to the kernel: the IDT is never used.
	s.gdt = pv_dtable{0, 0, 0};
	s.idt = pv_dtable{0, 0, 0};
	s.cr0 = guest_cr0;
	s.cr2 = 0;
	s.cr3 = cpu.cr3;
	s.cr4 = guest_cr4 | (cpu.osxsave ? cr4_osxsave : 0);
	s.efer = guest_efer;
	s.kernel_gs_base = 0;
	s.pat = guest_pat;
	return s;
}

pv_regs_x86_64 make_regs_x86_64(uint64_t trampoline, uint64_t stack_top, uint64_t fn, uint64_t arg)
{
	pv_regs_x86_64 r{};
	r.rip = trampoline;
	r.rsp = stack_top & ~15ULL;
	r.rdi = arg;
	r.rsi = fn;
	r.rflags = guest_rflags;
	return r;
}

std::string hex(uint64_t v)
{
	char buf[24];
	std::snprintf(buf, sizeof(buf), "0x%llx", static_cast<unsigned long long>(v));
	return buf;
}

std::string exception_name(unsigned vector)
{
	static const char* const names[32] = {
	    "#DE", "#DB",       "NMI",       "#BP",       "#OF",       "#BR",       "#UD",
	    "#NM", "#DF",       "vector 9",  "#TS",       "#NP",       "#SS",       "#GP",
	    "#PF", "vector 15", "#MF",       "#AC",       "#MC",       "#XM",       "#VE",
	    "#CP", "vector 22", "vector 23", "vector 24", "vector 25", "vector 26", "vector 27",
	    "#HV", "#VC",       "#SX",       "vector 31"};
	if (vector < 32)
		return names[vector];
	return "vector " + std::to_string(vector);
}

std::string page_fault_error_text(uint64_t ec)
{
	std::string s = (ec & 1) ? "protection violation" : "not-present page";
	s += (ec & 0x10) ? ", instruction fetch" : ((ec & 2) ? ", write" : ", read");
	if (ec & 4)
		s += ", user mode";
	if (ec & 8)
		s += ", reserved bit set in a paging entry";
	return s;
}

namespace {

std::string access_text(uint64_t access)
{
	std::string s;
	if (access & PV_ACCESS_READ)
		s += "read";
	if (access & PV_ACCESS_WRITE)
		s += s.empty() ? "write" : "/write";
	if (access & PV_ACCESS_EXEC)
		s += s.empty() ? "exec" : "/exec";
	return s.empty() ? "access" : s;
}

std::string syscall_text(const pv_run& run)
{
	std::string s = "nr " + std::to_string(run.syscall.nr) + " (";
	for (int i = 0; i < 6; i++)
		s += (i ? ", " : "") + hex(run.syscall.args[i]);
	return s + ")";
}

std::string hw_text(const pv_run& run)
{
	return "hw reason " + hex(run.hw.hw_reason) + ", qualification " +
	       hex(run.hw.hw_qualification) + ", info " + hex(run.hw.hw_info);
}

exit_decision fail(int err, std::string message)
{
	exit_decision d;
	d.action = exit_action::fail;
	d.err = err;
	d.message = std::move(message);
	return d;
}

exit_decision act(exit_action a, uint64_t value = 0)
{
	exit_decision d;
	d.action = a;
	d.value = value;
	return d;
}

}  // namespace

std::string describe_exit(const pv_run& run)
{
	const std::string at = " at guest_ip " + hex(run.guest_ip);
	switch (run.exit_reason) {
	case PV_EXIT_HYPERCALL:
		return "hypercall " + hex(run.syscall.nr) + " (args[0] " +
		       hex(run.syscall.args[0]) + ")" + at;
	case PV_EXIT_SYSCALL:
		return std::string("syscall exit (") + pv_syscall_why_name(run.syscall.why) +
		       "), " + syscall_text(run) + at;
	case PV_EXIT_INTERRUPTED: return "interrupted by a signal" + at;
	case PV_EXIT_EXCEPTION: {
		std::string s = "guest exception " + exception_name(run.exception.vector) +
				" (vector " + std::to_string(run.exception.vector) + ")";
		if (run.exception.error_code_valid)
			s += ", error code " + hex(run.exception.error_code);
		if (run.exception.vector == 14)
			s += ", address " + hex(run.exception.address) + " (" +
			     page_fault_error_text(run.exception.error_code) + ")";
		return s + at;
	}
	case PV_EXIT_STAGE2_FAULT:
		return "stage-2 fault: guest " + access_text(run.stage2.access) +
		       " of guest-physical " + hex(run.stage2.guest_phys) +
		       " has no host memory that allows it (hw qualification " +
		       hex(run.stage2.hw_qualification) + ")" + at;
	case PV_EXIT_HLT: return "the guest halted (hlt)" + at;
	case PV_EXIT_SHUTDOWN: return "the guest shut down (triple fault), " + hw_text(run) + at;
	case PV_EXIT_FAIL_ENTRY: return "the hardware refused VM entry, " + hw_text(run) + at;
	case PV_EXIT_INTERNAL_ERROR:
		return "portvisor internal error " + std::to_string(run.hw.error) + " (" +
		       pv_strerror(run.hw.error) + "), " + hw_text(run) + at;
	case PV_EXIT_NONE: return "no exit recorded (exit reason 0)" + at;
	default: return "unknown exit reason " + std::to_string(run.exit_reason) + at;
	}
}

exit_decision classify_exit(const pv_run& run, int run_errno)
{
	if (run_errno == EINTR)
		return act(exit_action::run_again);
	if (run_errno != 0)
		return fail(run_errno, std::string("PV_RUN failed: ") + pv_strerror(run_errno));
	switch (run.exit_reason) {
	case PV_EXIT_HYPERCALL:
		if (run.syscall.nr == PV_HC_EXIT_TO_USER)
			return act(exit_action::done, run.syscall.args[0]);
		return fail(EIO, "unknown portvisor " + describe_exit(run));
	case PV_EXIT_SYSCALL:
		switch (run.syscall.why) {
		case PV_SYSCALL_USER_ONLY: return act(exit_action::user_only_syscall);
		case PV_SYSCALL_NOT_ALLOWED:
		case PV_SYSCALL_SECCOMP:
		case PV_SYSCALL_NO_FILTER: return act(exit_action::native_syscall);
		default:
			return fail(EIO, "syscall exit with unknown reason " +
					     std::to_string(run.syscall.why) + ": " +
					     describe_exit(run));
		}
	case PV_EXIT_INTERRUPTED: return act(exit_action::run_again);
	case PV_EXIT_EXCEPTION:
		if (run.exception.vector == 14)
			return act(exit_action::page_fault, run.exception.address);
		return fail(EIO, describe_exit(run));
	case PV_EXIT_STAGE2_FAULT: return fail(EFAULT, describe_exit(run));
	default: return fail(EIO, describe_exit(run));
	}
}

}  // namespace portvisor::detail
