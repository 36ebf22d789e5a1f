// SPDX-License-Identifier: GPL-2.0
// The direct-syscall trap (DESIGN.md "Direct-syscall trap"): one function a
// backend's exit handler calls at a hypercall exit. It decodes the call,
// classifies it, applies the per-VM allow-list and the task's seccomp
// filters with every action's native semantics, runs the syscall through
// the platform, and applies the restart and pending-signal rules. The
// backend then applies the outcome (outcome.h).
//
// Order of the decisions, each final:
//   0. from the guest's user mode: -EPERM, nothing run (KVM answers such a
//      hypercall -KVM_EPERM): the guest kernel, not its user mode, decides
//      what reaches the host
//   1. PV_HC_* numbers: portvisor's own hypercalls (no seccomp)
//   2. class `user`: to user space, PV_SYSCALL_USER_ONLY (no seccomp here:
//      the native call runs the filters, once)
//   3. allow-list set and the number not on it: to user space,
//      PV_SYSCALL_NOT_ALLOWED (no seccomp here)
//   4. seccomp: filters that cannot be evaluated -> PV_SYSCALL_NO_FILTER;
//      ERRNO, TRAP, KILL_*, unknown actions -> applied here; TRACE,
//      USER_NOTIF -> PV_SYSCALL_SECCOMP; LOG, ALLOW -> on
//   5. class `deny`: -ENOSYS, as sys_ni_syscall
//   6. class `direct`: run it, then restart.h
#pragma once

#include "portvisor/core/trap/outcome.h"

namespace pv::trap {

// The VM's policy, set from user space; read-only on the hot path.
struct trap_policy {
	syscall_allow_list allow_list{};
};

// Counters per outcome, owned by the caller (per vCPU: plain, not atomic).
struct trap_stats {
	u64 hypercalls = 0;      // calls of handle_hypercall
	u64 from_user_mode = 0;  // refused: issued at CPL > 0
	// by outcome kind
	u64 resumed = 0;
	u64 restarted = 0;
	u64 exits_to_user = 0;
	u64 stopped = 0;
	// what happened
	u64 direct_syscalls = 0;  // syscalls run through the platform
	u64 denied = 0;           // -ENOSYS for a number that is no syscall
	u64 user_only = 0;        // PV_EXIT_SYSCALL by why
	u64 not_allowed = 0;
	u64 seccomp_native = 0;
	u64 no_filter = 0;
	u64 seccomp_log = 0;    // SECCOMP_RET_LOG, the call ran
	u64 seccomp_errno = 0;  // SECCOMP_RET_ERRNO, result set, not run
	u64 seccomp_trap = 0;   // SIGSYS sent
	u64 seccomp_kill = 0;   // KILL_THREAD, KILL_PROCESS, unknown actions
	u64 interrupted = 0;    // exits because a signal is pending after a direct syscall
	u64 restarts = 0;       // restart register updates (re-entered or not)
	u64 fatal_signals = 0;
	u64 hc_exit_to_user = 0;
	u64 hc_yield = 0;
	u64 hc_unknown = 0;
};

// Runs in the exit handler, in the context of the vCPU's task, with
// preemption enabled (the syscall may sleep). `guest_ip` is the guest's
// address after the hypercall instruction: what native seccomp reports as
// seccomp_data.instruction_pointer and SIGSYS's si_call_addr (KSTK_EIP of a
// task in a syscall is its return address). No allocation, no virtual call.
// `frame`: the calling vCPU's scratch for pv_platform_run_syscall, or
// nullptr for the platform's own.
[[nodiscard]] trap_outcome handle_hypercall(const hypercall& hc, u64 guest_ip,
					    const trap_policy& policy, trap_stats& stats,
					    pv_syscall_frame* frame = nullptr);

// The same, from the registers of a VMX or SVM guest.
[[nodiscard]] inline trap_outcome handle_hypercall(const x86_64_hypercall_regs& regs, u64 guest_ip,
						   const trap_policy& policy, trap_stats& stats)
{
	return handle_hypercall(decode(regs), guest_ip, policy, stats);
}

// The same, from the registers of an arm64 guest.
[[nodiscard]] inline trap_outcome handle_hypercall(const arm64_hypercall_regs& regs, u64 guest_ip,
						   const trap_policy& policy, trap_stats& stats)
{
	return handle_hypercall(decode(regs), guest_ip, policy, stats);
}

}  // namespace pv::trap
