// SPDX-License-Identifier: GPL-2.0
// Seccomp's decision, as Linux 6.1 makes it (kernel/seccomp.c), over the
// per-filter results the platform reports (pv_platform_seccomp_run_filters):
// the precedence of seccomp_run_filters() and the action switch of
// __seccomp_filter(). Pure functions; trap.cpp applies the verdict.
#pragma once

#include "portvisor/core/trap/linux_abi.h"

namespace pv::trap {

// seccomp_run_filters(): `ret` starts as SECCOMP_RET_ALLOW; a filter's result
// replaces it only when its ACTION_ONLY() value, compared as a signed 32-bit
// number, is strictly lower. Filters run newest first, so on equal actions
// the newest filter's result, data included, stays.
inline constexpr u32 seccomp_initial = linux_abi::seccomp_ret_allow;

[[nodiscard]] constexpr int32_t seccomp_action_only(u32 ret)
{
	return int32_t(ret & linux_abi::seccomp_ret_action_full);
}

[[nodiscard]] constexpr u32 seccomp_combine(u32 so_far, u32 filter_result)
{
	return seccomp_action_only(filter_result) < seccomp_action_only(so_far) ? filter_result
										: so_far;
}

enum class seccomp_verdict : u8 {
	allow = 0,  // SECCOMP_RET_ALLOW: run it
	log = 1,    // SECCOMP_RET_LOG: log, then run it
	error = 2,  // SECCOMP_RET_ERRNO: skip it, result -min(data, MAX_ERRNO)
	trap = 3,   // SECCOMP_RET_TRAP: skip it, SIGSYS with si_errno = data
	// SECCOMP_RET_TRACE, SECCOMP_RET_USER_NOTIF: only the native entry can
	// stop for a tracer or wait for a supervisor.
	native = 4,
	kill_thread = 5,  // SECCOMP_RET_KILL_THREAD
	// SECCOMP_RET_KILL_PROCESS, and every action seccomp does not know (the
	// `default:` of the switch, which kills with a core dump unless the
	// action is KILL_THREAD).
	kill_process = 6,
};

struct seccomp_decision {
	seccomp_verdict verdict = seccomp_verdict::kill_process;
	u32 action = 0;  // filter_ret & SECCOMP_RET_ACTION_FULL
	u16 data = 0;    // filter_ret & SECCOMP_RET_DATA

	[[nodiscard]] constexpr bool operator==(const seccomp_decision&) const = default;
};

// __seccomp_filter()'s switch (action). No value falls through to allow.
[[nodiscard]] constexpr seccomp_decision seccomp_decide(u32 filter_ret)
{
	namespace L = linux_abi;
	const u32 action = filter_ret & L::seccomp_ret_action_full;
	const u16 data = u16(filter_ret & L::seccomp_ret_data);
	seccomp_verdict v = seccomp_verdict::kill_process;
	switch (action) {
	case L::seccomp_ret_allow: v = seccomp_verdict::allow; break;
	case L::seccomp_ret_log: v = seccomp_verdict::log; break;
	case L::seccomp_ret_errno: v = seccomp_verdict::error; break;
	case L::seccomp_ret_trap: v = seccomp_verdict::trap; break;
	case L::seccomp_ret_trace:
	case L::seccomp_ret_user_notif: v = seccomp_verdict::native; break;
	case L::seccomp_ret_kill_thread: v = seccomp_verdict::kill_thread; break;
	case L::seccomp_ret_kill_process:
	default: v = seccomp_verdict::kill_process; break;
	}
	return {v, action, data};
}

// SECCOMP_RET_ERRNO: "Set low-order bits as an errno, capped at MAX_ERRNO"
// (syscall_set_return_value(..., -data, 0)). ERRNO(0) returns 0.
[[nodiscard]] constexpr int64_t seccomp_errno_result(u16 data)
{
	return -int64_t(data > linux_abi::max_errno ? linux_abi::max_errno : data);
}

}  // namespace pv::trap
