// SPDX-License-Identifier: MIT
// Exits the guest cannot handle itself reach user space with their data,
// and leave the vCPU usable: HLT (RIP past it), an exception (#UD: vector,
// no error code; not INT3: QEMU's TCG checks it as a software interrupt
// against the guest's empty IDT before the #BP intercept, unlike the APM), and instructions that
// touch host hardware state (an I/O port, a debug register), reported as PV_EXIT_INTERNAL_ERROR
// with the hardware exit code. After each, the same vCPU runs a direct getpid.
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <sys/syscall.h>
#include <unistd.h>

#include "portvisor/guest_syscall.h"
#include "vm_case.h"

using namespace pvt;

namespace {

#if defined(__x86_64__)
uint64_t guest_hlt(void*)
{
	__asm__ volatile("hlt");
	return 0;
}
uint64_t guest_ud2(void*)
{
	__asm__ volatile("ud2");
	return 0;
}
uint64_t guest_port(void*)
{
	__asm__ volatile("outb %%al, $0x80" ::"a"(0));
	return 0;
}
uint64_t guest_dr7(void*)
{
	__asm__ volatile("mov %0, %%dr7" ::"r"(0x400UL));
	return 0;
}

uint64_t guest_getpid(void*) { return static_cast<uint64_t>(pv_syscall0(SYS_getpid)); }

void still_runs(const char* after)
{
	const uint64_t pid = guest_run(guest_getpid, nullptr, after);
	PVT_CHECK(pid == static_cast<uint64_t>(getpid()), "after %s the guest's getpid gave %llu",
		  after, static_cast<unsigned long long>(pid));
}

#endif

}  // namespace

int main()
{
#if !defined(__x86_64__)
	skip("the instructions of this case are x86 ones; arm64 runs no vCPU yet");
#else
	vm_case c = begin_vm_case();
	portvisor::error err;

	pv_run r = run_until_error(guest_hlt, nullptr, &err, "hlt");
	PVT_CHECK(r.exit_reason == PV_EXIT_HLT, "hlt: exit %u (%s), want PV_EXIT_HLT",
		  r.exit_reason, pv_exit_reason_name(r.exit_reason));
	const uint64_t hlt_at = reinterpret_cast<uint64_t>(&guest_hlt);
	PVT_CHECK(r.guest_ip > hlt_at && r.guest_ip < hlt_at + 64,
		  "hlt: guest_ip %#llx is not just past the hlt in guest_hlt (%#llx)",
		  static_cast<unsigned long long>(r.guest_ip),
		  static_cast<unsigned long long>(hlt_at));
	still_runs("hlt");

	struct {
		portvisor::guest_fn fn;
		unsigned vector;
		const char* name;
	} const exceptions[] = {{guest_ud2, 6, "ud2"}};
	for (const auto& x : exceptions) {
		r = run_until_error(x.fn, nullptr, &err, x.name);
		PVT_CHECK(
		    r.exit_reason == PV_EXIT_EXCEPTION && r.exception.vector == x.vector &&
			r.exception.error_code_valid == 0,
		    "%s: exit %u (%s) vector %u error code valid %u, want exception %u without "
		    "error code",
		    x.name, r.exit_reason, pv_exit_reason_name(r.exit_reason), r.exception.vector,
		    r.exception.error_code_valid, x.vector);
		still_runs(x.name);
	}

	// AMD APM Vol. 2, Appendix C: IOIO 0x7b, DR7 write 0x37. Intel SDM
	// Vol. 3D, Appendix C: I/O instruction 30, MOV DR 29.
	const bool vmx = c.caps.backend == PV_BACKEND_VMX;
	struct {
		portvisor::guest_fn fn;
		uint64_t hw_reason;
		const char* name;
	} const hardware[] = {{guest_port, vmx ? 30U : 0x7bU, "outb to port 0x80"},
			      {guest_dr7, vmx ? 29U : 0x37U, "mov to dr7"}};
	for (const auto& h : hardware) {
		r = run_until_error(h.fn, nullptr, &err, h.name);
		PVT_CHECK(r.exit_reason == PV_EXIT_INTERNAL_ERROR && r.hw.hw_reason == h.hw_reason,
			  "%s: exit %u (%s) hw_reason %#llx, want internal error %#llx", h.name,
			  r.exit_reason, pv_exit_reason_name(r.exit_reason),
			  static_cast<unsigned long long>(r.hw.hw_reason),
			  static_cast<unsigned long long>(h.hw_reason));
		still_runs(h.name);
	}
	end_vm_case(c);
	pass("hlt, #UD, an I/O port and a debug register exit with their data; the vCPU runs "
	     "on after each");
#endif
}
