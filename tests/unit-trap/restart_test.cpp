// SPDX-License-Identifier: GPL-2.0
// Restart codes and pending signals after a direct syscall, against a table
// derived from Linux 6.1: arch/x86/kernel/signal.c handle_signal() and
// arch_do_signal_or_restart(), arch/arm64/kernel/signal.c do_signal().
#include <tuple>

#include "trap_fixture.h"

namespace pv::trap::test {
namespace {

enum class expect { restart, eintr, stop };

// handle_signal() (a handler runs):
//   -ERESTART_RESTARTBLOCK, -ERESTARTNOHAND: ax = -EINTR
//   -ERESTARTSYS: -EINTR unless SA_RESTART, then as NOINTR
//   -ERESTARTNOINTR: ax = orig_ax, ip -= 2 (restart)
// arch_do_signal_or_restart() without a handler (get_signal() returned 0):
//   -ERESTARTNOHAND, -ERESTARTSYS, -ERESTARTNOINTR: restart
//   -ERESTART_RESTARTBLOCK: ax = __NR_restart_syscall, ip -= 2
// A fatal signal: get_signal() never returns (do_group_exit).
expect native(int64_t code, pv_signal_disposition d)
{
	switch (d) {
	case PV_SIGNAL_FATAL: return expect::stop;
	case PV_SIGNAL_NONE:
	case PV_SIGNAL_NO_HANDLER: return expect::restart;
	case PV_SIGNAL_HANDLER: return code == -L::erestartnointr ? expect::restart : expect::eintr;
	case PV_SIGNAL_HANDLER_RESTART:
		return code == -L::erestartnointr || code == -L::erestartsys ? expect::restart
									     : expect::eintr;
	}
	return expect::stop;
}

const int64_t restart_codes[] = {-512, -513, -514, -516};
const pv_signal_disposition dispositions[] = {PV_SIGNAL_NONE, PV_SIGNAL_HANDLER,
					      PV_SIGNAL_HANDLER_RESTART, PV_SIGNAL_NO_HANDLER,
					      PV_SIGNAL_FATAL};

TEST(restart, the_codes_are_include_linux_errno_h)
{
	EXPECT_EQ(L::erestartsys, 512);
	EXPECT_EQ(L::erestartnointr, 513);
	EXPECT_EQ(L::erestartnohand, 514);
	EXPECT_EQ(L::erestart_restartblock, 516);
	for (int64_t c : restart_codes)
		EXPECT_TRUE(is_restart_code(c)) << c;
	for (int64_t c : {0L, 512L, -511L, -515L, -517L, -4L, -38L, -4095L})
		EXPECT_FALSE(is_restart_code(c)) << c;
}

using restart_param = std::tuple<syscall_arch, int64_t, pv_signal_disposition>;

class restart_test : public trap_test, public ::testing::WithParamInterface<restart_param> {
protected:
	[[nodiscard]] syscall_arch arch() const { return std::get<0>(GetParam()); }
	[[nodiscard]] int64_t code() const { return std::get<1>(GetParam()); }
	[[nodiscard]] pv_signal_disposition signal() const { return std::get<2>(GetParam()); }

	// A number register with upper bits: a restart puts all of it back.
	[[nodiscard]] hypercall call() const
	{
		const u32 nr = arch() == syscall_arch::arm64 ? 98 : 202;  // futex
		return make_call(arch(), (0xabcdULL << 32) | nr);
	}
	[[nodiscard]] trap_outcome expected() const
	{
		const hypercall hc = call();
		const u64 nr =
		    code() == -L::erestart_restartblock ? restart_syscall_nr(arch()) : hc.nr_reg;
		const bool pending = signal() != PV_SIGNAL_NONE;
		switch (native(code(), signal())) {
		case expect::restart: return pending ? interrupted_restart(nr, hc) : restarted(nr);
		case expect::eintr: return interrupted(-L::eintr, hc);  // a handler: pending
		case expect::stop: break;
		}
		return stopped(stop_reason::fatal_signal);
	}
};

TEST_P(restart_test, pure_decision_as_native)
{
	EXPECT_EQ(after_syscall(call(), code(), signal()), expected());
}

TEST_P(restart_test, through_the_pipeline)
{
	fake::script_results({code()});
	fake::script_signals({signal()});
	EXPECT_EQ(run(call()), expected());
	const auto& f = fake::get();
	ASSERT_EQ(f.syscall_calls, 1U);
	EXPECT_EQ(f.syscalls[0].nr, call().nr);
	EXPECT_EQ(f.signal_queries, 1U);
	EXPECT_GT(f.last_signal_seq, f.syscalls[0].seq) << "asked after the call returned";
	const expect e = native(code(), signal());
	EXPECT_EQ(stats.restarts, e == expect::restart ? 1U : 0U);
	EXPECT_EQ(stats.interrupted, signal() != PV_SIGNAL_NONE && e != expect::stop ? 1U : 0U);
	EXPECT_EQ(stats.fatal_signals, e == expect::stop ? 1U : 0U);
	EXPECT_EQ(stats.restarted, e == expect::restart && signal() == PV_SIGNAL_NONE ? 1U : 0U);
}

// The guest's registers after the backend applied the outcome.
TEST_P(restart_test, registers_after_write_back)
{
	const trap_outcome o = after_syscall(call(), code(), signal());
	const expect e = native(code(), signal());
	if (arch() == syscall_arch::x86_64) {
		x86_64_hypercall_regs r{call().nr_reg, 1, 2, 3, 4, 5, 6};
		const bool after = write_back(o, r);
		if (e == expect::restart) {
			EXPECT_FALSE(after);
			EXPECT_EQ(r.rax, code() == -516 ? 219U : call().nr_reg);
		} else if (e == expect::eintr) {
			EXPECT_TRUE(after);
			EXPECT_EQ(r.rax, u64(-4));
		}
		EXPECT_EQ(r.rdi, 1U);
	} else {
		arm64_hypercall_regs r{1, 2, 3, 4, 5, 6, call().nr_reg};
		const bool after = write_back(o, r);
		if (e == expect::restart) {
			EXPECT_FALSE(after);
			EXPECT_EQ(r.x8, code() == -516 ? 128U : call().nr_reg);
			EXPECT_EQ(r.x0, 1U) << "orig_x0";
		} else if (e == expect::eintr) {
			EXPECT_TRUE(after);
			EXPECT_EQ(r.x0, u64(-4));
		}
	}
}

std::string restart_name(const ::testing::TestParamInfo<restart_param>& info)
{
	const char* const codes[] = {"ERESTARTSYS", "ERESTARTNOINTR", "ERESTARTNOHAND", "",
				     "ERESTART_RESTARTBLOCK"};
	const char* const signals[] = {"none", "handler", "handler_sa_restart", "no_handler",
				       "fatal"};
	return std::string(std::get<0>(info.param) == syscall_arch::arm64 ? "arm64_" : "x86_64_") +
	       codes[-std::get<1>(info.param) - 512] + "_" + signals[std::get<2>(info.param)];
}

INSTANTIATE_TEST_SUITE_P(
    all, restart_test,
    ::testing::Combine(::testing::Values(syscall_arch::x86_64, syscall_arch::arm64),
		       ::testing::ValuesIn(restart_codes), ::testing::ValuesIn(dispositions)),
    restart_name);

// --- ordinary results with and without a pending signal ---------------------------

using result_param = std::tuple<int64_t, pv_signal_disposition>;

class result_test : public trap_test, public ::testing::WithParamInterface<result_param> {};

TEST_P(result_test, results_are_kept_and_a_pending_signal_exits)
{
	const auto [result, signal] = GetParam();
	const hypercall hc = make_call(syscall_arch::x86_64, 0);
	trap_outcome want{};
	switch (signal) {
	case PV_SIGNAL_NONE: want = resumed(result); break;
	case PV_SIGNAL_FATAL: want = stopped(stop_reason::fatal_signal); break;
	default: want = interrupted(result, hc); break;
	}
	EXPECT_EQ(after_syscall(hc, result, signal), want);
	fake::script_results({result});
	fake::script_signals({signal});
	EXPECT_EQ(run(hc), want);
	EXPECT_EQ(stats.restarts, 0U);
}

INSTANTIATE_TEST_SUITE_P(
    all, result_test,
    ::testing::Combine(::testing::Values(int64_t{0}, int64_t{42}, int64_t{-4}, int64_t{-11},
					 int64_t{-515}, int64_t{-517}, int64_t{-511},
					 int64_t{-4095}, int64_t{0x7fffffffffff}, int64_t{-1}),
		       ::testing::ValuesIn(dispositions)));

// A disposition the enum does not know: exit, and let the native return to
// user space decide; a restart code restarts (as without a handler).
TEST(restart, unknown_disposition_is_taken_as_no_handler)
{
	const auto unknown = pv_signal_disposition(99);
	const hypercall hc = make_call(syscall_arch::arm64, 98);
	EXPECT_EQ(after_syscall(hc, 5, unknown), interrupted(5, hc));
	EXPECT_EQ(after_syscall(hc, -L::erestartsys, unknown), interrupted_restart(98, hc));
	EXPECT_EQ(after_syscall(hc, -L::erestart_restartblock, unknown),
		  interrupted_restart(128, hc));
}

// restart_syscall itself is a direct syscall: the guest re-executes the
// hypercall with nr 219 / 128 and the trap runs it like any other.
TEST_F(trap_test, restart_syscall_runs_directly_after_a_restartblock)
{
	fake::script_results({-L::erestart_restartblock, 0});
	const hypercall nanosleep = make_call(syscall_arch::x86_64, 35);
	const trap_outcome first = run(nanosleep);
	EXPECT_EQ(first, restarted(219));
	x86_64_hypercall_regs r{35, 1, 2, 3, 4, 5, 6};
	EXPECT_FALSE(write_back(first, r));
	EXPECT_EQ(run(decode(r)), resumed(0));
	ASSERT_EQ(fake::get().syscall_calls, 2U);
	EXPECT_EQ(fake::get().syscalls[1].nr, 219U);
	EXPECT_EQ(fake::get().syscalls[1].args[0], 1U);
	EXPECT_EQ(stats.restarted, 1U);
	EXPECT_EQ(stats.resumed, 1U);
}

}  // namespace
}  // namespace pv::trap::test
