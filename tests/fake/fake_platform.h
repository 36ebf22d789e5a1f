// SPDX-License-Identifier: GPL-2.0
// A host fake of the platform door (core/include/portvisor/platform.h) for
// unit tests. It implements every pv_platform_* function and lets a test
// steer and observe them: counted allocations with injectable failure, user
// memory with addresses that fault, a configurable set of online CPUs, an MSR
// table, the host paging depth, a captured log and the direct-syscall path.
//
// Contract violations the kernel would not catch either (a free of memory the
// platform never gave out, a free with the wrong size, a log line without its
// newline) are recorded in misuse(); test fixtures assert it stays empty.
//
// Not thread-safe: tests drive it from one thread, as on_each_cpu does.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "portvisor/platform.h"

namespace pv::fake {

// Everything back to its default: no allocations and no failure injected,
// addresses 0..4095 and the kernel half bad, one CPU (0), an empty MSR table,
// 4-level paging, an empty log, no seccomp filters.
void reset();

// Contract violations seen since reset(), one sentence each.
[[nodiscard]] const std::vector<std::string>& misuse();

// --- memory ------------------------------------------------------------------
[[nodiscard]] pv_alloc_stats alloc_stats();
// The next `n` allocations (of any kind) succeed, every later one fails.
void fail_allocs_after(uint64_t n);
void never_fail_allocs();
// Allocations refused by fail_allocs_after().
[[nodiscard]] uint64_t failed_allocs();

// --- user memory ----------------------------------------------------------------
// Any other address is a host pointer the test owns.
inline constexpr uint64_t kernel_base = 0xffff800000000000ULL;
// Copies touching [start, start + size) fault, in both directions.
void mark_user_bad(uint64_t start, uint64_t size);
// Copies to [start, start + size) fault; copies from it work.
void mark_user_read_only(uint64_t start, uint64_t size);
// Like the kernel's copy helpers, a copy that faults part-way has copied the
// bytes before the fault (and returns -PV_EFAULT).
[[nodiscard]] uint64_t user_copies();

// --- CPUs ------------------------------------------------------------------------
// CPUs 0..n-1 online.
void set_cpu_count(unsigned n);
// Exactly these CPU ids online, in this order (ids may have holes).
void set_online_cpus(std::vector<unsigned> ids);
// The CPU on_each_cpu is running a function on; no_cpu outside of it.
inline constexpr unsigned no_cpu = ~0U;
[[nodiscard]] unsigned current_cpu();
// Starting the call on the online CPU at `index` (0-based, in online order)
// fails with `err` (negative), as smp_call_function_single can; fn is not
// run there nor on later CPUs.
void fail_cpu_call(unsigned index, int err);
// Completed and started pv_platform_on_each_cpu calls since reset().
[[nodiscard]] unsigned on_each_cpu_calls();

// --- x86 -------------------------------------------------------------------------
// rdmsr_safe answers from this table; an MSR not in it raises #GP (-PV_EIO).
void set_msr(uint32_t msr, uint64_t value);
// Per-CPU value; wins over set_msr(msr, value) on that CPU.
void set_msr_on(unsigned cpu, uint32_t msr, uint64_t value);
void remove_msr(uint32_t msr);
void set_paging_levels(unsigned levels);

// --- log -------------------------------------------------------------------------
// One entry per pv_platform_log call, formatted, without its trailing newline.
[[nodiscard]] const std::vector<std::string>& log_lines();
[[nodiscard]] const std::vector<pv_log_level>& log_levels();
void clear_log();

// --- the direct-syscall path -----------------------------------------------------
struct syscall_call {
	uint32_t nr;
	uint64_t args[6];
};

// Plain data a test sets and reads back; reset() restores the defaults.
struct syscall_path {
	// pv_platform_seccomp_active: returned as is (run_filters decides).
	int seccomp_active = 1;
	// pv_platform_seccomp_run_filters: -errno when < 0, else fold() is
	// called with every entry of filter_results (newest filter first) and
	// their count is returned.
	int filters_error = 0;
	std::vector<uint32_t> filter_results;
	std::vector<pv_seccomp_data> filter_runs;  // data each run saw

	std::vector<std::pair<int32_t, uint32_t>> logged;  // (nr, action)
	std::vector<std::pair<pv_seccomp_data, uint16_t>> sigsys;
	std::vector<std::pair<bool, pv_seccomp_data>> kills;  // (whole process, data)

	// pv_platform_run_syscall: the calls made, and what each returns
	// (default: -ENOSYS).
	std::vector<syscall_call> syscalls;
	std::function<int64_t(const syscall_call&)> run_syscall;

	// pv_platform_pending_signal answers from the front of this list,
	// consuming it; PV_SIGNAL_NONE once it is empty.
	std::vector<pv_signal_disposition> pending_signals;
};
[[nodiscard]] syscall_path& syscalls();

}  // namespace pv::fake
