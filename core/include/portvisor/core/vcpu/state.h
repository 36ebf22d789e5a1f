// SPDX-License-Identifier: GPL-2.0
// The life of a vCPU as a state machine, one table for every backend.
//
//   created --configured--> runnable --enter--> running --hw_exit--> exiting
//   exiting --resume--> running            (handled in the kernel, e.g. a direct syscall)
//   exiting --return_to_user--> runnable   (RUN returns with an exit reason)
//   any but dead --kill--> dead            (fatal signal, seccomp kill, VM teardown)
//
// Everything else is refused: RUN on a vCPU that is running on another thread,
// entering a vCPU that was never configured, anything on a dead one.
#pragma once

#include "portvisor/core/types.h"

namespace pv::core {

enum class vcpu_state : u32 { created = 0, runnable = 1, running = 2, exiting = 3, dead = 4 };

enum class vcpu_event : u32 {
	configured = 0,      // registers and memory set: may be entered
	enter = 1,           // VM entry (RUN)
	hw_exit = 2,         // the hardware left the guest
	resume = 3,          // the exit was handled in the kernel: enter again
	return_to_user = 4,  // RUN returns to user space
	kill = 5,            // the vCPU can never run again
};

inline constexpr u32 vcpu_state_count = 5;
inline constexpr u32 vcpu_event_count = 6;

struct vcpu_transition {
	bool allowed;
	vcpu_state next;  // meaningful only when allowed
};

// The whole table: pure, constexpr, unit-tested exhaustively.
[[nodiscard]] constexpr vcpu_transition next_vcpu_state(vcpu_state s, vcpu_event e)
{
	using S = vcpu_state;
	using E = vcpu_event;
	if (s == S::dead)
		return {false, S::dead};
	if (e == E::kill)
		return {true, S::dead};
	switch (s) {
	case S::created:
		if (e == E::configured)
			return {true, S::runnable};
		break;
	case S::runnable:
		if (e == E::enter)
			return {true, S::running};
		if (e == E::configured)  // registers set again between runs
			return {true, S::runnable};
		break;
	case S::running:
		if (e == E::hw_exit)
			return {true, S::exiting};
		break;
	case S::exiting:
		if (e == E::resume)
			return {true, S::running};
		if (e == E::return_to_user)
			return {true, S::runnable};
		break;
	case S::dead: break;
	}
	return {false, s};
}

[[nodiscard]] constexpr const char* vcpu_state_name(vcpu_state s)
{
	switch (s) {
	case vcpu_state::created: return "created";
	case vcpu_state::runnable: return "runnable";
	case vcpu_state::running: return "running";
	case vcpu_state::exiting: return "exiting";
	case vcpu_state::dead: return "dead";
	}
	return "invalid";
}

}  // namespace pv::core
