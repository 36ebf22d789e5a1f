// SPDX-License-Identifier: GPL-2.0
// What the direct-syscall trap tells the backend's exit handler to do, and
// how a backend applies it to the guest's registers.
#pragma once

#include "portvisor/core/trap/hypercall.h"

namespace pv::trap {

enum class trap_kind : u8 {
	resume = 0,        // update the registers (complete), enter the guest again
	restart = 1,       // update the registers (restart), enter the guest again
	exit_to_user = 2,  // update the registers as `update` says, then RUN returns `exit`
	stop = 3,          // the vCPU can never run again (seccomp kill, fatal signal)
};

// What the backend does to the guest's registers before going on.
enum class reg_update : u8 {
	// Nothing (stop).
	none = 0,
	// Result register (rax / x0) = value; continue after the hypercall.
	complete = 1,
	// Continue after the hypercall; the result register is left to user
	// space, which has the call to answer.
	advance = 2,
	// Number register (rax / x8) = restart_nr; continue AT the hypercall,
	// which the guest re-executes with its argument registers unchanged
	// (VMX/SVM: leave RIP; arm64: PC = ELR_EL2 - 4).
	restart = 3,
};

// Why a vCPU stopped.
enum class stop_reason : u8 {
	none = 0,
	seccomp_kill_thread = 1,   // SECCOMP_RET_KILL_THREAD
	seccomp_kill_process = 2,  // SECCOMP_RET_KILL_PROCESS, or an action seccomp does not know
	fatal_signal = 3,          // a pending signal kills the task
};

// enum pv_exit_reason and enum pv_syscall_exit_why of the uapi, for the
// values the trap produces (trap.cpp checks them against the header).
enum class exit_reason : u32 { none = 0, hypercall = 1, syscall = 2, interrupted = 7 };
enum class syscall_why : u32 {
	none = 0,
	user_only = 1,    // PV_SYSCALL_USER_ONLY: its class is `user`
	not_allowed = 2,  // PV_SYSCALL_NOT_ALLOWED: not on the VM's allow-list
	seccomp = 3,      // PV_SYSCALL_SECCOMP: TRACE or USER_NOTIF need the native path
	no_filter = 4,    // PV_SYSCALL_NO_FILTER: the filters could not be evaluated
};

// What RUN reports to user space, with the number and arguments of the
// hypercall that ended in it (the core takes them from the hypercall: the
// outcome stays small, as it is built and copied on every direct syscall):
//   hypercall:   the PV_HC_* number and its arguments (args[0] is the value
//                of PV_HC_EXIT_TO_USER)
//   syscall:     why; the call for user space to issue natively
//   interrupted: the syscall after which a signal is pending
struct trap_exit {
	exit_reason reason = exit_reason::none;
	syscall_why why = syscall_why::none;

	[[nodiscard]] constexpr bool operator==(const trap_exit&) const = default;
};

struct trap_outcome {
	trap_kind kind = trap_kind::stop;
	reg_update update = reg_update::none;
	stop_reason stop = stop_reason::none;
	bool yield = false;  // PV_HC_YIELD: give up the CPU before entering again
	u64 value = 0;       // the result, for reg_update::complete
	u64 restart_nr = 0;  // the number register, for reg_update::restart
	trap_exit exit{};    // for trap_kind::exit_to_user

	[[nodiscard]] constexpr bool operator==(const trap_outcome&) const = default;
};

// Writes the outcome's register update into the backend's register view.
// Returns true when the guest continues after the hypercall, false when it
// continues at it (restart) or not at all (stop).
constexpr bool write_back(const trap_outcome& o, x86_64_hypercall_regs& r)
{
	if (o.update == reg_update::complete)
		r.rax = o.value;
	else if (o.update == reg_update::restart)
		r.rax = o.restart_nr;
	return o.update == reg_update::complete || o.update == reg_update::advance;
}

constexpr bool write_back(const trap_outcome& o, arm64_hypercall_regs& r)
{
	if (o.update == reg_update::complete)
		r.x0 = o.value;
	else if (o.update == reg_update::restart)
		r.x8 = o.restart_nr;
	return o.update == reg_update::complete || o.update == reg_update::advance;
}

}  // namespace pv::trap
