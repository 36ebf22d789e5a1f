// SPDX-License-Identifier: GPL-2.0
// Step 0 of the trap (trap.h): a hypercall the guest issued from its user
// mode is answered -EPERM and nothing else happens: no syscall, no seccomp
// filter, no exit to user space, whatever the number.
#include "trap_fixture.h"

namespace pv::trap::test {
namespace {

class user_mode_test : public trap_arch_test {
protected:
	trap_outcome run_from_user(u64 nr_reg)
	{
		hypercall hc = make_call(arch(), nr_reg);
		hc.user_mode = true;
		return run(hc);
	}
};

TEST_P(user_mode_test, a_syscall_is_eperm_and_never_runs)
{
	EXPECT_EQ(run_from_user(getpid_nr(arch())), resumed(-L::eperm));
	expect_untouched();
	EXPECT_EQ(fake::get().active_queries, 0U) << "not even the seccomp pre-check";
	EXPECT_EQ(stats.from_user_mode, 1U);
	EXPECT_EQ(stats.direct_syscalls, 0U);
	EXPECT_EQ(stats.resumed, 1U);

	// The same call from the guest's kernel runs.
	EXPECT_EQ(run(getpid()).kind, trap_kind::resume);
	EXPECT_EQ(fake::get().syscall_calls, 1U);
	EXPECT_EQ(stats.from_user_mode, 1U);
}

TEST_P(user_mode_test, no_filter_sees_it)
{
	fake::set_filters({L::seccomp_ret_kill_process});
	EXPECT_EQ(run_from_user(getpid_nr(arch())), resumed(-L::eperm));
	expect_untouched();
	EXPECT_EQ(stats.seccomp_kill, 0U);
}

TEST_P(user_mode_test, portvisor_hypercalls_and_user_only_calls_too)
{
	const u64 clone_nr = arch() == syscall_arch::arm64 ? 220 : 56;
	for (const u64 nr : {u64(hc_exit_to_user), u64(hc_yield), u64(hc_base + 7), clone_nr}) {
		const trap_outcome o = run_from_user(nr);
		EXPECT_EQ(o, resumed(-L::eperm)) << "number " << nr;
		EXPECT_FALSE(o.yield) << "number " << nr;
	}
	expect_untouched();
	EXPECT_EQ(stats.from_user_mode, 4U);
	EXPECT_EQ(stats.exits_to_user + stats.hc_yield + stats.user_only, 0U);
}

INSTANTIATE_TEST_SUITE_P(arch, user_mode_test,
			 ::testing::Values(syscall_arch::x86_64, syscall_arch::arm64), arch_name);

}  // namespace
}  // namespace pv::trap::test
