// SPDX-License-Identifier: GPL-2.0
// The contract every backend (arch/*) fulfils, checked at compile time.
// Backends are classes with static members: the module calls them through a
// compile-time list (backend_set.h), never through a virtual call.
//
// This is the contract as far as it is implemented today: probing. Enabling a
// CPU, vCPUs, run-once and stage-2 formats join it as the backends gain them.
#pragma once

#include "portvisor/core/capabilities.h"

namespace pv::core {

template <class B>
concept backend = requires
{
	// Which backend this is (stable uapi number).
	requires same_as<decltype(B::kind), const backend_kind>;
	// Probe the CPU this runs on. Called once per online CPU, with
	// preemption off; reads CPU registers only, allocates nothing.
	{
		B::probe_this_cpu()
		} -> same_as<probe_result>;
};

}  // namespace pv::core
