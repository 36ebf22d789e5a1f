// SPDX-License-Identifier: GPL-2.0
// What follows a direct syscall: its result, the -ERESTART* codes and the
// pending signal, with the rules of the native return to user space in
// Linux 6.1 -- arch/x86/kernel/signal.c handle_signal() and
// arch_do_signal_or_restart(), arch/arm64/kernel/signal.c do_signal(), which
// agree:
//
//   result                  nothing pending, or no       a handler runs
//                           handler runs
//   -ERESTARTNOHAND         restart                      -EINTR
//   -ERESTART_RESTARTBLOCK  restart as restart_syscall   -EINTR
//   -ERESTARTSYS            restart                      restart with SA_RESTART, else -EINTR
//   -ERESTARTNOINTR         restart                      restart
//   anything else           the result                   the result
//   (a fatal signal: the task dies; the vCPU stops)
//
// "Restart" puts the number back (the original one, or restart_syscall's for
// -ERESTART_RESTARTBLOCK) and leaves the guest at the hypercall, so that it
// re-executes it with its original arguments (x86_64 regs->ip -= 2 with
// ax = orig_ax; arm64 pc = restart_addr with x0 = orig_x0: the trap never
// wrote x0).
//
// Whenever a signal is pending (anything but PV_SIGNAL_NONE), the vCPU exits
// to user space after that register update, so that the return to user
// space delivers it (and restores a saved sigmask, runs task work, stops for
// job control or the freezer). Only with nothing pending does a restart
// re-enter the guest at once.
#pragma once

#include "portvisor/core/trap/outcome.h"
#include "portvisor/platform.h"

namespace pv::trap {

[[nodiscard]] constexpr bool is_restart_code(int64_t result)
{
	using namespace linux_abi;
	return result == -erestartsys || result == -erestartnointr || result == -erestartnohand ||
	       result == -erestart_restartblock;
}

// The outcome of direct syscall `hc`, which returned `result`, when the
// task's next pending signal would be handled as `signal`. A disposition the
// enum does not know is taken as PV_SIGNAL_NO_HANDLER: the vCPU exits and
// the native return to user space decides.
[[nodiscard]] constexpr trap_outcome after_syscall(const hypercall& hc, int64_t result,
						   pv_signal_disposition signal)
{
	using namespace linux_abi;
	trap_outcome o{};
	if (signal == PV_SIGNAL_FATAL) {
		o.kind = trap_kind::stop;
		o.stop = stop_reason::fatal_signal;
		return o;
	}
	const bool handler = signal == PV_SIGNAL_HANDLER || signal == PV_SIGNAL_HANDLER_RESTART;
	bool restart = false;
	if (is_restart_code(result)) {
		if (!handler)
			restart = true;
		else if (result == -erestartnointr)
			restart = true;
		else if (result == -erestartsys)
			restart = signal == PV_SIGNAL_HANDLER_RESTART;
		if (!restart)
			result = -eintr;
	}
	if (restart) {
		o.update = reg_update::restart;
		o.restart_nr =
		    result == -erestart_restartblock ? restart_syscall_nr(hc.arch) : hc.nr_reg;
	} else {
		o.update = reg_update::complete;
		o.value = u64(result);
	}
	if (signal == PV_SIGNAL_NONE) {
		o.kind = restart ? trap_kind::restart : trap_kind::resume;
		return o;
	}
	o.kind = trap_kind::exit_to_user;
	o.exit.reason = exit_reason::interrupted;
	return o;
}

}  // namespace pv::trap
