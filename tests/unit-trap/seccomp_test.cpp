// SPDX-License-Identifier: GPL-2.0
// Seccomp in the trap against tables derived from Linux 6.1's
// kernel/seccomp.c: the precedence of seccomp_run_filters() and the action
// switch of __seccomp_filter(), then every action through the pipeline.
#include <vector>

#include "trap_fixture.h"

namespace pv::trap::test {
namespace {

// --- kernel/seccomp.c, __seccomp_filter(): switch (action) ------------------
//   ERRNO       -> syscall_set_return_value(-min(data, MAX_ERRNO)); skip
//   TRAP        -> force_sig_seccomp(this_syscall, data, false); skip
//   TRACE       -> ptrace_event(PTRACE_EVENT_SECCOMP) or -ENOSYS (native path)
//   USER_NOTIF  -> seccomp_do_user_notification() (native path)
//   LOG         -> seccomp_log(..., true); run
//   ALLOW       -> run
//   KILL_THREAD, KILL_PROCESS, default -> SECCOMP_MODE_DEAD, kill
//     ("action != SECCOMP_RET_KILL_THREAD" kills the process with a core dump)
struct action_row {
	u32 ret;
	seccomp_verdict verdict;
};
const action_row action_table[] = {
    {0x7fff0000, seccomp_verdict::allow},
    {0x7fff1234, seccomp_verdict::allow},  // data ignored
    {0x7ffc0000, seccomp_verdict::log},
    {0x7ffc0007, seccomp_verdict::log},
    {0x00050000, seccomp_verdict::error},
    {0x0005ffff, seccomp_verdict::error},
    {0x00030000, seccomp_verdict::trap},
    {0x00030009, seccomp_verdict::trap},
    {0x7ff00000, seccomp_verdict::native},  // TRACE
    {0x7ff00042, seccomp_verdict::native},
    {0x7fc00000, seccomp_verdict::native},  // USER_NOTIF
    {0x00000000, seccomp_verdict::kill_thread},
    {0x0000ffff, seccomp_verdict::kill_thread},
    {0x80000000, seccomp_verdict::kill_process},
    {0x8000abcd, seccomp_verdict::kill_process},
    // Unknown actions: the switch's default.
    {0x00010000, seccomp_verdict::kill_process},
    {0x00020000, seccomp_verdict::kill_process},
    {0x00040000, seccomp_verdict::kill_process},
    {0x00060000, seccomp_verdict::kill_process},
    {0x7fe00000, seccomp_verdict::kill_process},
    {0x7ffe0000, seccomp_verdict::kill_process},
    {0x7ffd0000, seccomp_verdict::kill_process},
    {0x80010000, seccomp_verdict::kill_process},
    {0xffff0000, seccomp_verdict::kill_process},
};

TEST(seccomp_decide, every_action_as_the_kernel_switch)
{
	for (const action_row& r : action_table) {
		const seccomp_decision d = seccomp_decide(r.ret);
		EXPECT_EQ(d.verdict, r.verdict) << std::hex << r.ret;
		EXPECT_EQ(d.action, r.ret & 0xffff0000U) << std::hex << r.ret;
		EXPECT_EQ(d.data, r.ret & 0xffffU) << std::hex << r.ret;
	}
}

// "Set low-order bits as an errno, capped at MAX_ERRNO."
TEST(seccomp_decide, errno_results_are_capped_at_max_errno)
{
	EXPECT_EQ(seccomp_errno_result(0), 0);
	EXPECT_EQ(seccomp_errno_result(1), -1);
	EXPECT_EQ(seccomp_errno_result(38), -38);
	EXPECT_EQ(seccomp_errno_result(4095), -4095);
	EXPECT_EQ(seccomp_errno_result(4096), -4095);
	EXPECT_EQ(seccomp_errno_result(0xffff), -4095);
}

// --- kernel/seccomp.c, seccomp_run_filters() ----------------------------------
//   ret = SECCOMP_RET_ALLOW;
//   for (; f; f = f->prev)   /* newest first */
//           if (ACTION_ONLY(cur_ret) < ACTION_ONLY(ret)) ret = cur_ret;
// ACTION_ONLY is a signed 32-bit compare of ret & SECCOMP_RET_ACTION_FULL.
struct precedence_row {
	std::vector<u32> newest_first;
	u32 result;
};
const precedence_row precedence_table[] = {
    {{}, 0x7fff0000},                                    // no filter: ALLOW
    {{0x7fff0000, 0x7fff0000, 0x7fff0000}, 0x7fff0000},  // 3 x ALLOW
    {{0x7fff0000, 0x00050005}, 0x00050005},              // older ERRNO beats ALLOW
    {{0x00050005, 0x00050007}, 0x00050005},              // tie: the newest's data
    {{0x00050007, 0x00050005}, 0x00050007},
    {{0x00050007, 0x00030001, 0x7fff0000}, 0x00030001},  // TRAP < ERRNO
    {{0x00030002, 0x00030009}, 0x00030002},
    {{0x7ffc0001, 0x7ff00000}, 0x7ff00000},              // TRACE < LOG
    {{0x7ffc0000, 0x7ff00000, 0x00050001}, 0x00050001},  // ERRNO < TRACE
    {{0x7ff00000, 0x7fc00000, 0x7ffc0000}, 0x7fc00000},  // USER_NOTIF < TRACE
    {{0x7ffc0001, 0x7ffc0002}, 0x7ffc0001},
    {{0x00000000, 0x80000000, 0x00050001}, 0x80000000},  // KILL_PROCESS is the lowest
    {{0x00050001, 0x00000003}, 0x00000003},              // KILL_THREAD < ERRNO
    {{0x00000001, 0x00000002}, 0x00000001},
    {{0xffff0000, 0x00000000}, 0xffff0000},  // negative unknown < KILL_THREAD
    {{0x80000000, 0xffff0000}, 0x80000000},
    {{0x7ffe0000, 0x7fff0000}, 0x7ffe0000},  // unknown between LOG and ALLOW
    {{0x7fff0001, 0x7fff0002}, 0x7fff0000},  // ALLOW never replaces the start
};

TEST(seccomp_combine, precedence_as_seccomp_run_filters)
{
	for (const precedence_row& r : precedence_table) {
		u32 ret = seccomp_initial;
		for (u32 f : r.newest_first)
			ret = seccomp_combine(ret, f);
		EXPECT_EQ(ret, r.result) << std::hex << "stack starting "
					 << (r.newest_first.empty() ? 0 : r.newest_first[0]);
	}
}

// --- every action through the pipeline ---------------------------------------------

class seccomp_test : public trap_arch_test {
protected:
	// The seccomp_data native seccomp would give `hc` (populate_seccomp_data).
	void expect_data(const pv_seccomp_data& d, const hypercall& hc) const
	{
		EXPECT_EQ(d.nr, int32_t(hc.nr));
		EXPECT_EQ(d.arch, audit_arch(arch()));
		EXPECT_EQ(d.instruction_pointer, test_ip);
		for (unsigned i = 0; i < 6; i++)
			EXPECT_EQ(d.args[i], hc.args[i]) << "arg " << i;
	}
};

TEST_P(seccomp_test, no_filter_runs_the_call)
{
	fake::get().default_result = 1000;
	EXPECT_EQ(run(getpid()), resumed(1000));
	const auto& f = fake::get();
	EXPECT_EQ(f.filter_runs, 1U);
	expect_data(f.last_filter_data, getpid());
	ASSERT_EQ(f.syscall_calls, 1U);
	EXPECT_EQ(f.syscalls[0].nr, getpid_nr(arch()));
	for (unsigned i = 0; i < 6; i++)
		EXPECT_EQ(f.syscalls[0].args[i], test_args[i]);
	EXPECT_EQ(f.log_calls + f.sigsys_calls + f.kill_calls, 0U);
	EXPECT_EQ(f.signal_queries, 1U);
	EXPECT_EQ(stats.direct_syscalls, 1U);
}

// The platform's pre-check: a task it reports free of seccomp and of other
// syscall-entry work gets its call run without run_filters (and without its
// seccomp_data being built); a denied number still fails with ENOSYS.
TEST_P(seccomp_test, task_without_seccomp_skips_the_filters)
{
	fake::get().seccomp_active = 0;
	fake::get().default_result = 1000;
	EXPECT_EQ(run(getpid()), resumed(1000));
	EXPECT_EQ(run(make_call(arch(), 0xffffffffU)), resumed(-L::enosys));
	const auto& f = fake::get();
	EXPECT_EQ(f.active_queries, 2U);
	EXPECT_EQ(f.filter_runs, 0U);
	ASSERT_EQ(f.syscall_calls, 1U) << "the denied number never ran";
	EXPECT_EQ(f.syscalls[0].nr, getpid_nr(arch()));
	EXPECT_EQ(stats.direct_syscalls, 1U);
	EXPECT_EQ(stats.denied, 1U);
}

// Asked for every call that reaches the seccomp step, and only for those:
// one the trap hands to user space by its class never asks.
TEST_P(seccomp_test, pre_check_only_for_calls_seccomp_would_see)
{
	fake::set_filters({L::seccomp_ret_errno | 5});
	EXPECT_EQ(run(getpid()), resumed(-5));
	EXPECT_EQ(fake::get().active_queries, 1U);
	EXPECT_EQ(fake::get().filter_runs, 1U) << "an active task's filters decide";
	const hypercall clone = make_call(arch(), arch() == syscall_arch::x86_64 ? 56 : 220);
	EXPECT_EQ(run(clone).exit.why, syscall_why::user_only);
	EXPECT_EQ(fake::get().active_queries, 1U);
}

TEST_P(seccomp_test, allow_runs_the_call)
{
	fake::set_filters({L::seccomp_ret_allow | 0x55});
	fake::get().default_result = 7;
	EXPECT_EQ(run(getpid()), resumed(7));
	EXPECT_EQ(fake::get().syscall_calls, 1U);
	EXPECT_EQ(fake::get().log_calls, 0U);
}

TEST_P(seccomp_test, log_logs_then_runs)
{
	fake::set_filters({L::seccomp_ret_allow, L::seccomp_ret_log | 3});
	fake::get().default_result = 8;
	EXPECT_EQ(run(getpid()), resumed(8));
	const auto& f = fake::get();
	ASSERT_EQ(f.log_calls, 1U);
	EXPECT_EQ(f.logs[0].nr, int32_t(getpid_nr(arch())));
	EXPECT_EQ(f.logs[0].action, L::seccomp_ret_log);
	ASSERT_EQ(f.syscall_calls, 1U);
	EXPECT_LT(f.logs[0].seq, f.syscalls[0].seq) << "logged before it ran";
	EXPECT_EQ(stats.seccomp_log, 1U);
}

TEST_P(seccomp_test, errno_returns_minus_data_capped_without_running)
{
	const std::pair<u32, int64_t> rows[] = {
	    {0, 0}, {1, -1}, {4095, -4095}, {4096, -4095}, {0xffff, -4095}};
	for (const auto& [data, result] : rows) {
		fake::set_filters({L::seccomp_ret_errno | data});
		EXPECT_EQ(run(getpid()), resumed(result)) << "ERRNO(" << data << ")";
	}
	const auto& f = fake::get();
	EXPECT_EQ(f.syscall_calls, 0U) << "ERRNO(0) too skips the call";
	EXPECT_EQ(f.signal_queries, 0U);
	// The skip path's seccomp_log(); the platform decides on a record.
	ASSERT_EQ(f.log_calls, std::size(rows));
	EXPECT_EQ(f.logs[0].action, L::seccomp_ret_errno);
	EXPECT_EQ(stats.seccomp_errno, std::size(rows));
	EXPECT_EQ(stats.resumed, std::size(rows));
}

TEST_P(seccomp_test, trap_sends_sigsys_with_the_native_siginfo_and_exits)
{
	fake::set_filters({L::seccomp_ret_allow, L::seccomp_ret_trap | 0xbeef});
	const hypercall hc = getpid();
	EXPECT_EQ(run(hc), interrupted(-L::enosys, hc));
	const auto& f = fake::get();
	ASSERT_EQ(f.sigsys_calls, 1U);
	// si_syscall, si_arch, si_call_addr come from the data; si_errno = data.
	expect_data(f.sigsys[0].data, hc);
	EXPECT_EQ(f.sigsys[0].errno_data, 0xbeef);
	EXPECT_EQ(f.syscall_calls, 0U);
	EXPECT_EQ(f.kill_calls, 0U);
	ASSERT_EQ(f.log_calls, 1U);
	EXPECT_EQ(f.logs[0].action, L::seccomp_ret_trap);
	EXPECT_EQ(stats.seccomp_trap, 1U);
	EXPECT_EQ(stats.exits_to_user, 1U);
}

TEST_P(seccomp_test, kill_thread_kills_the_thread_and_stops)
{
	fake::set_filters({L::seccomp_ret_kill_thread | 9});
	EXPECT_EQ(run(getpid()), stopped(stop_reason::seccomp_kill_thread));
	const auto& f = fake::get();
	ASSERT_EQ(f.kill_calls, 1U);
	EXPECT_FALSE(f.kills[0].whole_process);
	expect_data(f.kills[0].data, getpid());
	EXPECT_EQ(f.syscall_calls, 0U);
	EXPECT_EQ(f.log_calls, 0U) << "the platform's kill writes the record";
	EXPECT_EQ(stats.seccomp_kill, 1U);
	EXPECT_EQ(stats.stopped, 1U);
}

TEST_P(seccomp_test, kill_process_kills_the_process_and_stops)
{
	fake::set_filters({L::seccomp_ret_errno | 1, L::seccomp_ret_kill_process});
	EXPECT_EQ(run(getpid()), stopped(stop_reason::seccomp_kill_process));
	const auto& f = fake::get();
	ASSERT_EQ(f.kill_calls, 1U);
	EXPECT_TRUE(f.kills[0].whole_process);
	EXPECT_EQ(f.syscall_calls, 0U);
}

TEST_P(seccomp_test, unknown_actions_kill_the_process)
{
	unsigned n = 0;
	for (const action_row& r : action_table) {
		if (r.verdict != seccomp_verdict::kill_process ||
		    (r.ret & 0xffff0000U) == 0x80000000U)
			continue;
		fake::reset();
		fake::set_filters({L::seccomp_ret_allow, r.ret});
		EXPECT_EQ(run(getpid()), stopped(stop_reason::seccomp_kill_process))
		    << std::hex << r.ret;
		ASSERT_EQ(fake::get().kill_calls, 1U);
		EXPECT_TRUE(fake::get().kills[0].whole_process);
		EXPECT_EQ(fake::get().syscall_calls, 0U);
		n++;
	}
	EXPECT_EQ(n, 9U);
}

TEST_P(seccomp_test, trace_and_user_notif_go_to_the_native_path)
{
	for (u32 ret : {L::seccomp_ret_trace | 5, L::seccomp_ret_user_notif}) {
		fake::set_filters({L::seccomp_ret_log, ret});
		const hypercall hc = getpid();
		EXPECT_EQ(run(hc), handed(syscall_why::seccomp, hc)) << std::hex << ret;
	}
	const auto& f = fake::get();
	EXPECT_EQ(f.syscall_calls + f.log_calls + f.sigsys_calls + f.kill_calls, 0U);
	EXPECT_EQ(stats.seccomp_native, 2U);
}

TEST_P(seccomp_test, filters_that_cannot_be_evaluated_go_to_user_space)
{
	for (int err : {-PV_EPERM, -PV_ENOMEM, -1}) {
		fake::get().filter_error = err;
		const hypercall hc = getpid();
		EXPECT_EQ(run(hc), handed(syscall_why::no_filter, hc)) << err;
	}
	EXPECT_EQ(fake::get().syscall_calls, 0U);
	EXPECT_EQ(stats.no_filter, 3U);
}

// A count that disagrees with the results folded leaves the verdict unknown.
TEST_P(seccomp_test, a_filter_count_that_disagrees_never_allows)
{
	const std::pair<std::vector<u32>, int> rows[] = {
	    {{L::seccomp_ret_allow}, 2},  // a filter did not report
	    {{L::seccomp_ret_allow}, 0},
	    {{}, 1},
	};
	for (const auto& [filters, count] : rows) {
		fake::get().filter_count = 0;
		for (u32 r : filters)
			fake::get().filters[fake::get().filter_count++] = r;
		fake::get().reported_count = count;
		EXPECT_EQ(run(getpid()).exit.why, syscall_why::no_filter) << count;
	}
	EXPECT_EQ(fake::get().syscall_calls, 0U);
}

// Stacked filters through the pipeline (precedence_table, applied).
TEST_P(seccomp_test, stacked_filters_apply_the_winner)
{
	fake::set_filters({L::seccomp_ret_allow, L::seccomp_ret_errno | 5, L::seccomp_ret_log});
	EXPECT_EQ(run(getpid()), resumed(-5));
	fake::set_filters({L::seccomp_ret_errno | 5, L::seccomp_ret_errno | 7});
	EXPECT_EQ(run(getpid()), resumed(-5)) << "the newest filter's data on a tie";
	fake::set_filters(
	    {L::seccomp_ret_errno | 7, L::seccomp_ret_errno | 5, L::seccomp_ret_allow});
	EXPECT_EQ(run(getpid()), resumed(-7));
	fake::set_filters(
	    {L::seccomp_ret_errno | 7, L::seccomp_ret_trap | 1, L::seccomp_ret_allow});
	EXPECT_EQ(run(getpid()).exit.reason, exit_reason::interrupted);
	fake::set_filters({L::seccomp_ret_trap | 2, L::seccomp_ret_trap | 9});
	EXPECT_EQ(run(getpid()).exit.reason, exit_reason::interrupted);
	const auto& f = fake::get();
	ASSERT_EQ(f.sigsys_calls, 2U);
	EXPECT_EQ(f.sigsys[0].errno_data, 1);
	EXPECT_EQ(f.sigsys[1].errno_data, 2) << "the newest TRAP's data";
	fake::set_filters({L::seccomp_ret_log, L::seccomp_ret_log | 1, L::seccomp_ret_allow});
	EXPECT_EQ(run(getpid()).kind, trap_kind::resume);
	fake::set_filters(
	    {L::seccomp_ret_kill_thread, L::seccomp_ret_errno | 1, L::seccomp_ret_kill_process});
	EXPECT_EQ(run(getpid()), stopped(stop_reason::seccomp_kill_process));
	EXPECT_EQ(f.syscall_calls, 1U) << "only the LOG stack ran the call";
}

TEST_P(seccomp_test, seccomp_data_of_a_negative_number)
{
	const hypercall hc = make_call(arch(), 0xffffffffU);
	EXPECT_EQ(run(hc), resumed(-L::enosys));
	EXPECT_EQ(fake::get().last_filter_data.nr, -1);
	expect_data(fake::get().last_filter_data, hc);
}

INSTANTIATE_TEST_SUITE_P(arch, seccomp_test,
			 ::testing::Values(syscall_arch::x86_64, syscall_arch::arm64), arch_name);

}  // namespace
}  // namespace pv::trap::test
