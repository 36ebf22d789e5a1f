// SPDX-License-Identifier: GPL-2.0
// ns per decision of the direct-syscall trap (handle_hypercall), with the
// platform's direct-syscall functions faked: run_syscall returns at once, so
// the figures are the trap's own cost, not a syscall's.
//   getpid_no_filter      an allowed getpid, the task has no seccomp filter
//   getpid_3_allow        the same under 3 stacked ALLOW filters
//   errno                 a filter returns ERRNO(1): decided, not run
//   restart               getpid returns -ERESTARTSYS, nothing pending: restart
//   user_only             clone, handed to user space (no seccomp)
//   fake_platform_only    the fake's three calls of a direct getpid, alone
// Run: build/tests/bench/trap/pv_bench_trap
#include <benchmark/benchmark.h>

#include "fake_direct_syscall.h"
#include "portvisor/core/trap/trap.h"

namespace {

using namespace pv::trap;
namespace fake = pv::fake_syscall;

constexpr pv::u64 guest_ip = 0x401000;

template <class Regs> void run_loop(benchmark::State& state, const Regs& regs)
{
	const trap_policy policy{};
	trap_stats stats{};
	for (auto _ : state) {
		trap_outcome o = handle_hypercall(regs, guest_ip, policy, stats);
		benchmark::DoNotOptimize(o);
	}
	if (stats.hypercalls != pv::u64(state.iterations()))
		state.SkipWithError("a hypercall was not counted");
}

void ignore(void*, uint32_t) {}

// The floor: the three fake platform calls a direct getpid makes, alone.
void fake_platform_only(benchmark::State& state)
{
	fake::reset();
	const pv_seccomp_data data{39, linux_abi::audit_arch_x86_64, guest_ip, {}};
	const uint64_t args[6] = {};
	for (auto _ : state) {
		benchmark::DoNotOptimize(pv_platform_seccomp_run_filters(&data, ignore, nullptr));
		benchmark::DoNotOptimize(pv_platform_run_syscall(nullptr, 39, args));
		benchmark::DoNotOptimize(pv_platform_pending_signal());
	}
}
BENCHMARK(fake_platform_only);

void getpid_no_filter(benchmark::State& state)
{
	fake::reset();
	fake::get().default_result = 4242;
	run_loop(state, x86_64_hypercall_regs{x86_64::nr_getpid, 0, 0, 0, 0, 0, 0});
}
BENCHMARK(getpid_no_filter);

void getpid_no_filter_arm64(benchmark::State& state)
{
	fake::reset();
	fake::get().default_result = 4242;
	run_loop(state, arm64_hypercall_regs{0, 0, 0, 0, 0, 0, arm64::nr_getpid});
}
BENCHMARK(getpid_no_filter_arm64);

void getpid_3_allow(benchmark::State& state)
{
	fake::reset();
	fake::set_filters({linux_abi::seccomp_ret_allow, linux_abi::seccomp_ret_allow,
			   linux_abi::seccomp_ret_allow});
	run_loop(state, x86_64_hypercall_regs{x86_64::nr_getpid, 0, 0, 0, 0, 0, 0});
}
BENCHMARK(getpid_3_allow);

void errno_action(benchmark::State& state)
{
	fake::reset();
	fake::set_filters({linux_abi::seccomp_ret_errno | 1});
	run_loop(state, x86_64_hypercall_regs{x86_64::nr_getpid, 0, 0, 0, 0, 0, 0});
}
BENCHMARK(errno_action)->Name("errno");

void restart(benchmark::State& state)
{
	fake::reset();
	fake::get().default_result = -linux_abi::erestartsys;
	run_loop(state, x86_64_hypercall_regs{x86_64::nr_getpid, 0, 0, 0, 0, 0, 0});
}
BENCHMARK(restart);

void user_only(benchmark::State& state)
{
	fake::reset();
	run_loop(state, x86_64_hypercall_regs{56, 0, 0, 0, 0, 0, 0});
}
BENCHMARK(user_only);

}  // namespace

BENCHMARK_MAIN();
