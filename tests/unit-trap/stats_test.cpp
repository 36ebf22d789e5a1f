// SPDX-License-Identifier: GPL-2.0
// The statistics the caller owns, over a mixed sequence of hypercalls, and
// the shape every outcome has (what a backend may rely on).
#include <vector>

#include "trap_fixture.h"

namespace pv::trap::test {
namespace {

// The invariants of trap_outcome a backend relies on.
void expect_well_formed(const trap_outcome& o)
{
	switch (o.kind) {
	case trap_kind::resume:
		EXPECT_EQ(o.update, reg_update::complete) << o;
		EXPECT_EQ(o.exit, trap_exit{}) << o;
		break;
	case trap_kind::restart:
		EXPECT_EQ(o.update, reg_update::restart) << o;
		EXPECT_EQ(o.exit, trap_exit{}) << o;
		break;
	case trap_kind::exit_to_user:
		EXPECT_NE(o.update, reg_update::none) << o;
		EXPECT_NE(o.exit.reason, exit_reason::none) << o;
		EXPECT_EQ(o.exit.why != syscall_why::none, o.exit.reason == exit_reason::syscall)
		    << o;
		break;
	case trap_kind::stop:
		EXPECT_EQ(o.update, reg_update::none) << o;
		EXPECT_NE(o.stop, stop_reason::none) << o;
		break;
	}
	EXPECT_EQ(o.stop != stop_reason::none, o.kind == trap_kind::stop) << o;
	if (o.yield) {
		EXPECT_EQ(o.kind, trap_kind::resume) << o;
	}
}

TEST_F(trap_test, counters_per_outcome)
{
	const syscall_arch x = syscall_arch::x86_64;
	fake::script_results({10, -L::erestartsys, -L::erestartnohand, 11, 12});
	fake::script_signals({PV_SIGNAL_NONE, PV_SIGNAL_NONE, PV_SIGNAL_HANDLER, PV_SIGNAL_FATAL,
			      PV_SIGNAL_NO_HANDLER});
	std::vector<trap_outcome> all;
	all.push_back(run(x, 39));               // resume
	all.push_back(run(x, 39));               // restart
	all.push_back(run(x, 39));               // -EINTR, interrupted
	all.push_back(run(x, 39));               // fatal: stop
	all.push_back(run(x, 39));               // 12, interrupted
	all.push_back(run(x, 56));               // clone: user only
	all.push_back(run(x, 134));              // uselib: denied
	all.push_back(run(x, hc_yield));         // yield
	all.push_back(run(x, hc_exit_to_user));  // exit
	all.push_back(run(x, hc_base + 7));      // unknown
	fake::set_filters({L::seccomp_ret_errno | 3});
	all.push_back(run(x, 39));  // errno
	fake::set_filters({L::seccomp_ret_trap});
	all.push_back(run(x, 39));  // trap
	fake::set_filters({L::seccomp_ret_trace});
	all.push_back(run(x, 39));  // native
	fake::set_filters({L::seccomp_ret_log});
	all.push_back(run(x, 39));  // log + run (default result, none pending)
	fake::set_filters({L::seccomp_ret_kill_thread});
	all.push_back(run(x, 39));  // kill
	fake::get().filter_error = -PV_EPERM;
	all.push_back(run(x, 39));  // no filter
	policy.allow_list.add(1);
	all.push_back(run(x, 39));  // not allowed

	for (const trap_outcome& o : all)
		expect_well_formed(o);

	EXPECT_EQ(stats.hypercalls, all.size());
	EXPECT_EQ(stats.resumed + stats.restarted + stats.exits_to_user + stats.stopped,
		  stats.hypercalls);
	EXPECT_EQ(stats.resumed, 5U);  // 10, uselib, yield, errno, log
	EXPECT_EQ(stats.restarted, 1U);
	EXPECT_EQ(stats.stopped, 2U);  // fatal, kill
	EXPECT_EQ(stats.exits_to_user, 9U);
	EXPECT_EQ(stats.direct_syscalls, 6U);
	EXPECT_EQ(stats.denied, 1U);
	EXPECT_EQ(stats.user_only, 1U);
	EXPECT_EQ(stats.not_allowed, 1U);
	EXPECT_EQ(stats.seccomp_native, 1U);
	EXPECT_EQ(stats.no_filter, 1U);
	EXPECT_EQ(stats.seccomp_log, 1U);
	EXPECT_EQ(stats.seccomp_errno, 1U);
	EXPECT_EQ(stats.seccomp_trap, 1U);
	EXPECT_EQ(stats.seccomp_kill, 1U);
	EXPECT_EQ(stats.interrupted, 2U);
	EXPECT_EQ(stats.restarts, 1U);
	EXPECT_EQ(stats.fatal_signals, 1U);
	EXPECT_EQ(stats.hc_exit_to_user, 1U);
	EXPECT_EQ(stats.hc_yield, 1U);
	EXPECT_EQ(stats.hc_unknown, 1U);
}

TEST_F(trap_test, stats_accumulate_across_calls_and_are_the_callers)
{
	trap_stats mine{};
	for (int i = 0; i < 3; i++)
		(void)handle_hypercall(make_call(syscall_arch::arm64, 172), test_ip, policy, mine);
	EXPECT_EQ(mine.hypercalls, 3U);
	EXPECT_EQ(mine.direct_syscalls, 3U);
	EXPECT_EQ(mine.resumed, 3U);
	EXPECT_EQ(stats.hypercalls, 0U);
}

}  // namespace
}  // namespace pv::trap::test
