// SPDX-License-Identifier: GPL-2.0
// The pure parts of run_in_guest: the guest's initial registers, and what
// the run loop does with each exit of PV_RUN (and the message it gives).
#include <cerrno>
#include <cstring>
#include <gtest/gtest.h>
#include <string>

#include "portvisor/guest_detail.hpp"
#include "portvisor/portvisor.h"

namespace {

using namespace portvisor::detail;

bool contains(const std::string& s, const std::string& part)
{
	return s.find(part) != std::string::npos;
}

void expect_segment(const pv_segment& s, uint64_t base, uint32_t limit, uint16_t sel,
		    uint16_t attrib, const char* name)
{
	EXPECT_EQ(s.base, base) << name;
	EXPECT_EQ(s.limit, limit) << name;
	EXPECT_EQ(s.selector, sel) << name;
	EXPECT_EQ(s.attrib, attrib) << name;
}

TEST(guest_state, system_registers)
{
	guest_cpu_state in;
	in.cr3 = 0x12345000;
	in.fs_base = 0x7f0012345740;
	in.gs_base = 0x1000;
	in.osxsave = false;
	const pv_sregs_x86_64 s = make_sregs_x86_64(in);
	expect_segment(s.cs, 0, 0xffffffff, 0x08, 0xa9b, "cs");
	expect_segment(s.ss, 0, 0xffffffff, 0x10, 0xc93, "ss");
	expect_segment(s.ds, 0, 0xffffffff, 0x10, 0xc93, "ds");
	expect_segment(s.es, 0, 0xffffffff, 0x10, 0xc93, "es");
	expect_segment(s.fs, 0x7f0012345740, 0xffffffff, 0, 0xc93, "fs");
	expect_segment(s.gs, 0x1000, 0xffffffff, 0, 0xc93, "gs");
	expect_segment(s.tr, 0, 0x67, 0, 0x08b, "tr");
	expect_segment(s.ldt, 0, 0, 0, 0x082, "ldt");
	EXPECT_EQ(s.gdt.base, 0U);
	EXPECT_EQ(s.gdt.limit, 0U);
	EXPECT_EQ(s.idt.base, 0U);
	EXPECT_EQ(s.idt.limit, 0U);
	EXPECT_EQ(s.gdt.reserved | s.idt.reserved, 0U);
	EXPECT_EQ(s.cr0, 0x80050033U);
	EXPECT_EQ(s.cr2, 0U);
	EXPECT_EQ(s.cr3, 0x12345000U);
	EXPECT_EQ(s.cr4, 0x620U);
	EXPECT_EQ(s.efer, 0xd00U);
	EXPECT_EQ(s.pat, 0x0007040600070406ULL);
	EXPECT_EQ(s.kernel_gs_base, 0U);
	// No SYSCALL MSRs: EFER.SCE is off, SYSCALL in the guest is a #UD.
	EXPECT_EQ(s.star | s.lstar | s.cstar | s.sfmask, 0U);
	// CS: 64-bit (L), not D; DPL 0; present; code.
	EXPECT_TRUE(s.cs.attrib & (1 << 9));
	EXPECT_FALSE(s.cs.attrib & (1 << 10));
	EXPECT_EQ((s.cs.attrib >> 5) & 3, 0);

	in.osxsave = true;
	EXPECT_EQ(make_sregs_x86_64(in).cr4, 0x620U | (1U << 18));
}

TEST(guest_state, registers)
{
	const pv_regs_x86_64 r = make_regs_x86_64(0x401000, 0x7e0000040008, 0x402000, 0x4c0000);
	EXPECT_EQ(r.rip, 0x401000U);
	EXPECT_EQ(r.rsp, 0x7e0000040000U);  // 16-byte aligned
	EXPECT_EQ(r.rsi, 0x402000U);
	EXPECT_EQ(r.rdi, 0x4c0000U);
	EXPECT_EQ(r.rflags, 0x2U);
	for (uint64_t v : {r.rax, r.rbx, r.rcx, r.rdx, r.rbp, r.r8, r.r9, r.r10, r.r11, r.r12,
			   r.r13, r.r14, r.r15})
		EXPECT_EQ(v, 0U);
}

pv_run make_run(uint32_t reason)
{
	pv_run r;
	std::memset(&r, 0, sizeof(r));
	r.exit_reason = reason;
	r.guest_ip = 0x401234;
	return r;
}

TEST(classify_exit, run_errors)
{
	pv_run r = make_run(PV_EXIT_INTERRUPTED);
	EXPECT_EQ(classify_exit(r, EINTR).action, exit_action::run_again);
	EXPECT_EQ(classify_exit(r, 0).action, exit_action::run_again);
	auto d = classify_exit(r, EPERM);
	EXPECT_EQ(d.action, exit_action::fail);
	EXPECT_EQ(d.err, EPERM);
	EXPECT_TRUE(contains(d.message, "PV_RUN")) << d.message;
}

TEST(classify_exit, hypercalls)
{
	pv_run r = make_run(PV_EXIT_HYPERCALL);
	r.syscall.nr = PV_HC_EXIT_TO_USER;
	r.syscall.args[0] = 0xfeedface12345678ULL;
	auto d = classify_exit(r, 0);
	EXPECT_EQ(d.action, exit_action::done);
	EXPECT_EQ(d.value, 0xfeedface12345678ULL);

	r.syscall.nr = PV_HC_BASE + 0x55;
	d = classify_exit(r, 0);
	EXPECT_EQ(d.action, exit_action::fail);
	EXPECT_EQ(d.err, EIO);
	EXPECT_TRUE(contains(d.message, "0x7f000055")) << d.message;
	EXPECT_TRUE(contains(d.message, "0x401234")) << d.message;
}

TEST(classify_exit, syscalls)
{
	pv_run r = make_run(PV_EXIT_SYSCALL);
	r.syscall.nr = 39;
	r.syscall.why = PV_SYSCALL_USER_ONLY;
	EXPECT_EQ(classify_exit(r, 0).action, exit_action::user_only_syscall);
	for (uint32_t why : {PV_SYSCALL_NOT_ALLOWED, PV_SYSCALL_SECCOMP, PV_SYSCALL_NO_FILTER}) {
		r.syscall.why = why;
		EXPECT_EQ(classify_exit(r, 0).action, exit_action::native_syscall) << why;
	}
	r.syscall.why = 99;
	auto d = classify_exit(r, 0);
	EXPECT_EQ(d.action, exit_action::fail);
	EXPECT_EQ(d.err, EIO);
	EXPECT_TRUE(contains(d.message, "99")) << d.message;
}

TEST(classify_exit, exceptions)
{
	pv_run r = make_run(PV_EXIT_EXCEPTION);
	r.exception.vector = 14;
	r.exception.error_code_valid = 1;
	r.exception.error_code = 2;
	r.exception.address = 0x7e0000001000ULL;
	auto d = classify_exit(r, 0);
	EXPECT_EQ(d.action, exit_action::page_fault);
	EXPECT_EQ(d.value, 0x7e0000001000ULL);
	const std::string text = describe_exit(r);
	EXPECT_TRUE(contains(text, "#PF")) << text;
	EXPECT_TRUE(contains(text, "0x7e0000001000")) << text;
	EXPECT_TRUE(contains(text, "not-present page, write")) << text;

	r.exception.vector = 13;
	r.exception.error_code = 0x10;
	d = classify_exit(r, 0);
	EXPECT_EQ(d.action, exit_action::fail);
	EXPECT_EQ(d.err, EIO);
	EXPECT_TRUE(contains(d.message, "#GP")) << d.message;
	EXPECT_TRUE(contains(d.message, "vector 13")) << d.message;
	EXPECT_TRUE(contains(d.message, "error code 0x10")) << d.message;
	EXPECT_TRUE(contains(d.message, "guest_ip 0x401234")) << d.message;

	r.exception.vector = 6;
	r.exception.error_code_valid = 0;
	d = classify_exit(r, 0);
	EXPECT_TRUE(contains(d.message, "#UD")) << d.message;
	EXPECT_FALSE(contains(d.message, "error code")) << d.message;
}

TEST(classify_exit, stage2_fault_is_efault)
{
	pv_run r = make_run(PV_EXIT_STAGE2_FAULT);
	r.stage2.guest_phys = 0x7e0000200000ULL;
	r.stage2.access = PV_ACCESS_WRITE;
	auto d = classify_exit(r, 0);
	EXPECT_EQ(d.action, exit_action::fail);
	EXPECT_EQ(d.err, EFAULT);
	EXPECT_TRUE(contains(d.message, "0x7e0000200000")) << d.message;
	EXPECT_TRUE(contains(d.message, "write")) << d.message;
}

TEST(classify_exit, everything_else_is_eio_with_its_name)
{
	const struct {
		uint32_t reason;
		const char* words;
	} cases[] = {{PV_EXIT_HLT, "halted"},
		     {PV_EXIT_SHUTDOWN, "shut down"},
		     {PV_EXIT_FAIL_ENTRY, "refused VM entry"},
		     {PV_EXIT_INTERNAL_ERROR, "internal error"},
		     {PV_EXIT_NONE, "no exit"},
		     {77, "unknown exit reason 77"}};
	for (const auto& c : cases) {
		pv_run r = make_run(c.reason);
		r.hw.hw_reason = 0x400;
		r.hw.error = -ENOMEM;
		auto d = classify_exit(r, 0);
		EXPECT_EQ(d.action, exit_action::fail) << c.reason;
		EXPECT_EQ(d.err, EIO) << c.reason;
		EXPECT_TRUE(contains(d.message, c.words)) << d.message;
		EXPECT_TRUE(contains(d.message, "0x401234")) << d.message;
		if (c.reason == PV_EXIT_FAIL_ENTRY || c.reason == PV_EXIT_SHUTDOWN) {
			EXPECT_TRUE(contains(d.message, "hw reason 0x400")) << d.message;
		}
	}
}

TEST(guest_names, exceptions_and_exits)
{
	EXPECT_EQ(exception_name(0), "#DE");
	EXPECT_EQ(exception_name(14), "#PF");
	EXPECT_EQ(exception_name(13), "#GP");
	EXPECT_EQ(exception_name(15), "vector 15");
	EXPECT_EQ(exception_name(200), "vector 200");
	EXPECT_EQ(page_fault_error_text(0), "not-present page, read");
	EXPECT_EQ(page_fault_error_text(3), "protection violation, write");
	EXPECT_EQ(page_fault_error_text(0x11), "protection violation, instruction fetch");
	EXPECT_EQ(page_fault_error_text(8),
		  "not-present page, read, reserved bit set in a paging entry");
	EXPECT_EQ(hex(0), "0x0");
	EXPECT_EQ(hex(0x7f000000), "0x7f000000");
	EXPECT_STREQ(pv_exit_reason_name(PV_EXIT_HYPERCALL), "hypercall");
	EXPECT_STREQ(pv_exit_reason_name(PV_EXIT_STAGE2_FAULT), "stage2-fault");
	EXPECT_STREQ(pv_exit_reason_name(PV_EXIT_INTERNAL_ERROR), "internal-error");
	EXPECT_STREQ(pv_exit_reason_name(10), "unknown");
	EXPECT_STREQ(pv_syscall_why_name(PV_SYSCALL_USER_ONLY), "user-only");
	EXPECT_STREQ(pv_syscall_why_name(PV_SYSCALL_NO_FILTER), "no-filter");
	EXPECT_STREQ(pv_syscall_why_name(0), "unknown");
}

}  // namespace
