// SPDX-License-Identifier: GPL-2.0
// The hypercall ABI: decoding each arch's registers into {nr, args[6]}, the
// reserved PV_HC_* numbers, and writing an outcome back into the registers.
#include "trap_fixture.h"

#include "uapi/portvisor.h"  // the user-space view (<linux/ioctl.h>)

namespace pv::trap::test {
namespace {

// DESIGN.md "Hypercall ABI": nr rax; args rdi, rsi, rdx, r10, r8, r9 (VMX and SVM).
TEST(decode, x86_64_registers_in_the_linux_syscall_order)
{
	const x86_64_hypercall_regs r{39, 0xd1, 0x51, 0xd2, 0x10, 0x08, 0x09};
	const hypercall hc = decode(r);
	EXPECT_EQ(hc.arch, syscall_arch::x86_64);
	EXPECT_EQ(hc.nr, 39U);
	EXPECT_EQ(hc.nr_reg, 39U);
	const u64 want[6] = {0xd1, 0x51, 0xd2, 0x10, 0x08, 0x09};
	for (unsigned i = 0; i < 6; i++)
		EXPECT_EQ(hc.args[i], want[i]) << "arg " << i;
}

// nr x8; args x0..x5.
TEST(decode, arm64_registers_in_the_linux_syscall_order)
{
	const arm64_hypercall_regs r{0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 172};
	const hypercall hc = decode(r);
	EXPECT_EQ(hc.arch, syscall_arch::arm64);
	EXPECT_EQ(hc.nr, 172U);
	EXPECT_EQ(hc.nr_reg, 172U);
	for (unsigned i = 0; i < 6; i++)
		EXPECT_EQ(hc.args[i], 0xa0U + i) << "arg " << i;
}

// The native entries read an int: x86_64 `movslq %eax` into do_syscall_64,
// arm64 `int scno = regs->regs[8]` in el0_svc_common. The whole register is
// kept for a restart (x86_64 ax = orig_ax).
TEST(decode, the_number_is_the_low_32_bits_and_the_register_is_kept_whole)
{
	const hypercall x = decode(x86_64_hypercall_regs{0xdead000000000027ULL, 0, 0, 0, 0, 0, 0});
	EXPECT_EQ(x.nr, 39U);
	EXPECT_EQ(x.nr_reg, 0xdead000000000027ULL);
	const hypercall a = decode(arm64_hypercall_regs{0, 0, 0, 0, 0, 0, 0x1000000000ULL | 172});
	EXPECT_EQ(a.nr, 172U);
	EXPECT_EQ(a.nr_reg, 0x1000000000ULL | 172);
}

TEST(decode, args_are_64_bit)
{
	const hypercall hc = decode(x86_64_hypercall_regs{0, ~0ULL, 1ULL << 63, 0, 0, 0, ~1ULL});
	EXPECT_EQ(hc.args[0], ~0ULL);
	EXPECT_EQ(hc.args[1], 1ULL << 63);
	EXPECT_EQ(hc.args[5], ~1ULL);
}

TEST(decode, hypercall_numbers_are_the_uapi_range)
{
	EXPECT_EQ(hc_base, PV_HC_BASE);
	EXPECT_EQ(hc_exit_to_user, PV_HC_EXIT_TO_USER);
	EXPECT_EQ(hc_yield, PV_HC_YIELD);
	EXPECT_EQ(hc_end, PV_HC_END);
	EXPECT_FALSE(is_hypercall_number(PV_HC_BASE - 1));
	EXPECT_TRUE(is_hypercall_number(PV_HC_BASE));
	EXPECT_TRUE(is_hypercall_number(PV_HC_LAST));
	EXPECT_TRUE(is_hypercall_number(PV_HC_END - 1));
	EXPECT_FALSE(is_hypercall_number(PV_HC_END));
	EXPECT_FALSE(is_hypercall_number(0xffffffffU));
	EXPECT_FALSE(is_hypercall_number(x86_64::x32_syscall_bit | 39));
	// Above every syscall number of both 6.1 tables and x32's.
	EXPECT_GT(PV_HC_BASE, x86_64::x32_syscall_bit | 547);
	EXPECT_GT(PV_HC_BASE, arm64::nr_syscalls);
}

TEST(write_back, x86_64_result_in_rax_and_where_the_guest_goes_on)
{
	trap_outcome o = resumed(-4);
	x86_64_hypercall_regs r{39, 1, 2, 3, 4, 5, 6};
	EXPECT_TRUE(write_back(o, r));
	EXPECT_EQ(r.rax, u64(-4));
	EXPECT_EQ(r.rdi, 1U);

	r.rax = 39;
	EXPECT_FALSE(write_back(restarted(0x100000000ULL | 219), r));
	EXPECT_EQ(r.rax, 0x100000000ULL | 219);
	EXPECT_EQ(r.rdi, 1U);

	r.rax = 39;
	o = {};
	o.kind = trap_kind::exit_to_user;
	o.update = reg_update::advance;
	EXPECT_TRUE(write_back(o, r));
	EXPECT_EQ(r.rax, 39U) << "advance leaves the result to user space";

	EXPECT_FALSE(write_back(stopped(stop_reason::fatal_signal), r));
	EXPECT_EQ(r.rax, 39U);
}

TEST(write_back, arm64_result_in_x0_number_in_x8)
{
	arm64_hypercall_regs r{10, 11, 12, 13, 14, 15, 172};
	EXPECT_TRUE(write_back(resumed(1234), r));
	EXPECT_EQ(r.x0, 1234U);
	EXPECT_EQ(r.x8, 172U);

	r.x0 = 10;
	EXPECT_FALSE(write_back(restarted(128), r));
	EXPECT_EQ(r.x8, 128U);
	EXPECT_EQ(r.x0, 10U) << "a restart re-executes with the original x0 (orig_x0)";

	trap_outcome o{};
	o.kind = trap_kind::exit_to_user;
	o.update = reg_update::advance;
	EXPECT_TRUE(write_back(o, r));
	EXPECT_EQ(r.x0, 10U);
	EXPECT_FALSE(write_back(stopped(stop_reason::seccomp_kill_thread), r));
}

// --- the reserved PV_HC_* numbers through the pipeline ----------------------

TEST_F(trap_test, exit_to_user_passes_its_argument_and_skips_seccomp)
{
	fake::set_filters({L::seccomp_ret_kill_process});
	const hypercall hc = make_call(syscall_arch::x86_64, PV_HC_EXIT_TO_USER);
	const trap_outcome o = run(hc);
	EXPECT_EQ(o, exited(exit_reason::hypercall, syscall_why::none, reg_update::advance));
	expect_untouched();
	EXPECT_EQ(stats.hc_exit_to_user, 1U);
	EXPECT_EQ(stats.exits_to_user, 1U);
}

TEST_F(trap_test, yield_resumes_with_0_after_giving_up_the_cpu)
{
	const trap_outcome o = run(syscall_arch::arm64, PV_HC_YIELD);
	trap_outcome want = resumed(0);
	want.yield = true;
	EXPECT_EQ(o, want);
	expect_untouched();
	EXPECT_EQ(stats.hc_yield, 1U);
	EXPECT_EQ(stats.resumed, 1U);
}

TEST_F(trap_test, unknown_hypercall_numbers_exit_as_hypercall)
{
	for (u32 nr : {PV_HC_LAST + 1, PV_HC_BASE + 0x1234, PV_HC_END - 1}) {
		const hypercall hc = make_call(syscall_arch::x86_64, nr);
		EXPECT_EQ(run(hc),
			  exited(exit_reason::hypercall, syscall_why::none, reg_update::advance))
		    << nr;
	}
	expect_untouched();
	EXPECT_EQ(stats.hc_unknown, 3U);
	EXPECT_EQ(stats.exits_to_user, 3U);
}

TEST_F(trap_test, hypercalls_ignore_the_allow_list)
{
	policy.allow_list.add(39);
	const hypercall hc = make_call(syscall_arch::arm64, PV_HC_EXIT_TO_USER);
	EXPECT_EQ(run(hc).exit.reason, exit_reason::hypercall);
	EXPECT_TRUE(run(syscall_arch::arm64, PV_HC_YIELD).yield);
	expect_untouched();
}

// The number register's upper half does not make a PV_HC_* number.
TEST_F(trap_test, hypercall_number_with_upper_bits_is_still_the_hypercall)
{
	const hypercall hc = make_call(syscall_arch::x86_64, (1ULL << 32) | PV_HC_YIELD);
	EXPECT_TRUE(run(hc).yield);
	const hypercall not_hc = make_call(syscall_arch::x86_64, u64(PV_HC_YIELD) << 32);
	EXPECT_EQ(run(not_hc), resumed(0)) << "nr 0 (read) ran with the fake's default result";
	EXPECT_EQ(fake::get().syscall_calls, 1U);
	EXPECT_EQ(fake::get().syscalls[0].nr, 0U);
}

// --- the register-view overloads ------------------------------------------------

TEST_F(trap_test, x86_64_view_runs_getpid_with_the_seccomp_data_of_x86_64)
{
	fake::get().default_result = 4242;
	const x86_64_hypercall_regs r{39, 1, 2, 3, 4, 5, 6};
	const trap_outcome o = handle_hypercall(r, test_ip, policy, stats);
	EXPECT_EQ(o, resumed(4242));
	const auto& f = fake::get();
	ASSERT_EQ(f.syscall_calls, 1U);
	EXPECT_EQ(f.syscalls[0].nr, 39U);
	EXPECT_EQ(f.syscalls[0].args[3], 4U) << "r10 is argument 3";
	EXPECT_EQ(f.last_filter_data.arch, 0xC000003EU);
	EXPECT_EQ(f.last_filter_data.nr, 39);
	EXPECT_EQ(f.last_filter_data.instruction_pointer, test_ip);
	EXPECT_EQ(f.syscalls[0].frame, nullptr) << "the register-view overload has no vCPU frame";
}

TEST_F(trap_test, direct_syscall_gets_the_callers_frame)
{
	// The platform keeps the vCPU's pt_regs there between calls (zeroed
	// once): every direct syscall must be handed the same frame.
	const trap_outcome first = run(syscall_arch::x86_64, 39);
	const trap_outcome second = run(syscall_arch::x86_64, 39);
	EXPECT_EQ(first.kind, trap_kind::resume);
	EXPECT_EQ(second.kind, trap_kind::resume);
	const auto& f = fake::get();
	ASSERT_EQ(f.syscall_calls, 2U);
	EXPECT_EQ(f.syscalls[0].frame, &frame);
	EXPECT_EQ(f.syscalls[1].frame, &frame);
}

TEST_F(trap_test, arm64_view_runs_getpid_with_the_seccomp_data_of_aarch64)
{
	fake::get().default_result = 77;
	const arm64_hypercall_regs r{10, 11, 12, 13, 14, 15, 172};
	const trap_outcome o = handle_hypercall(r, test_ip, policy, stats);
	EXPECT_EQ(o, resumed(77));
	const auto& f = fake::get();
	ASSERT_EQ(f.syscall_calls, 1U);
	EXPECT_EQ(f.syscalls[0].nr, 172U);
	EXPECT_EQ(f.syscalls[0].args[0], 10U);
	EXPECT_EQ(f.syscalls[0].args[5], 15U);
	EXPECT_EQ(f.last_filter_data.arch, 0xC00000B7U);
	EXPECT_EQ(f.last_filter_data.args[0], 10U);
}

}  // namespace
}  // namespace pv::trap::test
