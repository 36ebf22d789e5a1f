// SPDX-License-Identifier: GPL-2.0
// The contract every backend (arch/*) fulfils, checked at compile time.
// Backends are classes with static members: the module calls them through a
// compile-time list (backend_set.h), never through a virtual call.
//
// Two levels: `backend` is what the load-time choice needs (probing), and
// every backend meets it now. `vcpu_backend` is the whole contract a backend
// meets once it runs guests: per-CPU enable/disable, vCPU create/destroy,
// load/put on CPU migration, run once -> exit, registers, TLB flush, and
// its stage-2 descriptor format. Backends assert the level they implement.
#pragma once

#include "portvisor/core/capabilities.h"
#include "portvisor/core/vcpu/exit.h"

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

// How much of the TLB a backend must flush after a stage-2 change.
enum class tlb_scope : u32 {
	guest_physical =
	    0,  // entries derived from the stage-2 tables (INVEPT / TLB_CONTROL / TLBI IPAS2)
	all_of_vcpu = 1,  // everything tagged with the vCPU's VPID / ASID / VMID
};

template <class B>
concept vcpu_backend = backend<B> &&
    requires(typename B::cpu_state& cpu, typename B::vcpu& vcpu, typename B::registers& regs,
	     unsigned int cpu_id, tlb_scope scope)
{
	typename B::stage2_format;  // the descriptor format of core/stage2
	// Per-CPU: turn the extension on while a VM exists (VMXON, EFER.SVME +
	// host save area, EL2 vectors) and off again. 0 or -errno (EBUSY when
	// another hypervisor holds it).
	{
		B::enable_cpu(cpu)
		} -> same_as<int>;
	{
		B::disable_cpu(cpu)
		} -> same_as<void>;
	{
		B::vcpu_create(vcpu)
		} -> same_as<int>;
	{
		B::vcpu_destroy(vcpu)
		} -> same_as<void>;
	// The vCPU's thread arrives on / leaves a CPU (preemption notifiers).
	{
		B::vcpu_load(vcpu, cpu_id)
		} -> same_as<void>;
	{
		B::vcpu_put(vcpu)
		} -> same_as<void>;
	// Enter the guest until the next exit. Runs with interrupts off around
	// the world switch.
	{
		B::run_once(vcpu)
		} -> same_as<exit_info>;
	{
		B::get_registers(vcpu, regs)
		} -> same_as<void>;
	{
		B::set_registers(vcpu, regs)
		} -> same_as<int>;
	{
		B::flush_tlb(vcpu, scope)
		} -> same_as<void>;
};

}  // namespace pv::core
