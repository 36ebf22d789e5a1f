// SPDX-License-Identifier: GPL-2.0
// A scriptable host fake of exactly the direct-syscall part of the platform
// door (core/include/portvisor/platform.h): pv_platform_seccomp_run_filters,
// pv_platform_seccomp_log, pv_platform_seccomp_send_sigsys,
// pv_platform_seccomp_kill, pv_platform_run_syscall and
// pv_platform_pending_signal.
//
// It allocates nothing and does the least work per call, so that the trap's
// benchmark measures the trap: records are fixed arrays that keep the first
// `max_records` calls, while the *_calls counters count them all.
//
// The trap's tests and benchmark link this fake and no other platform code
// (the trap calls nothing else of the door). tests/fake/fake_platform.cpp
// defines these six functions too, so one program links one or the other.
//
// Not thread-safe: tests drive it from one thread.
#pragma once

#include <initializer_list>
#include <stdint.h>

#include "portvisor/platform.h"

namespace pv::fake_syscall {

inline constexpr unsigned max_filters = 16;  // filter results one run reports
inline constexpr unsigned max_records = 64;  // calls recorded per function
inline constexpr unsigned max_script = 64;   // scripted results and signals

// `seq` orders calls across functions: every call of the six functions
// takes the next number, from 1 after reset() (pv_platform_seccomp_active,
// a query, only counts its calls).
struct log_record {
	unsigned seq;
	int32_t nr;
	uint32_t action;
};
struct sigsys_record {
	unsigned seq;
	pv_seccomp_data data;
	uint16_t errno_data;
};
struct kill_record {
	unsigned seq;
	bool whole_process;
	pv_seccomp_data data;
};
struct syscall_record {
	unsigned seq;
	uint32_t nr;
	uint64_t args[6];
	const pv_syscall_frame* frame;  // as passed
};

struct state {
	unsigned calls = 0;  // calls of the six functions (the last `seq`)

	// --- pv_platform_seccomp_active --------------------------------------
	// Returned as is; non-zero by default, so that run_filters decides.
	int seccomp_active = 1;
	unsigned active_queries = 0;

	// --- pv_platform_seccomp_run_filters -------------------------------
	// < 0: returned as is, fold() not called. Otherwise fold() is called
	// with filters[0..filter_count) (newest filter first) and filter_count
	// is returned, or `reported_count` when it is >= 0 (a platform whose
	// count disagrees with its folds).
	int filter_error = 0;
	uint32_t filters[max_filters] = {};
	unsigned filter_count = 0;
	int reported_count = -1;
	unsigned filter_runs = 0;
	unsigned last_filter_seq = 0;
	pv_seccomp_data last_filter_data{};

	// --- records ----------------------------------------------------------
	log_record logs[max_records] = {};
	unsigned log_calls = 0;
	sigsys_record sigsys[max_records] = {};
	unsigned sigsys_calls = 0;
	kill_record kills[max_records] = {};
	unsigned kill_calls = 0;

	// --- pv_platform_run_syscall -------------------------------------------
	// Returns results[0..result_count) in order, then default_result.
	syscall_record syscalls[max_records] = {};
	unsigned syscall_calls = 0;
	int64_t results[max_script] = {};
	unsigned result_count = 0;
	int64_t default_result = 0;

	// --- pv_platform_pending_signal ----------------------------------------
	// Returns signals[0..signal_count) in order, then default_signal.
	pv_signal_disposition signals[max_script] = {};
	unsigned signal_count = 0;
	pv_signal_disposition default_signal = PV_SIGNAL_NONE;
	unsigned signal_queries = 0;
	unsigned last_signal_seq = 0;
};

// The fake's one state; reset() restores the defaults above.
[[nodiscard]] state& get();
void reset();

// Scripting helpers: each replaces what it scripts.
void set_filters(std::initializer_list<uint32_t> newest_first);
void script_results(std::initializer_list<int64_t> results);
void script_signals(std::initializer_list<pv_signal_disposition> signals);

}  // namespace pv::fake_syscall
