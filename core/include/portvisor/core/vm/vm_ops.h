// SPDX-License-Identifier: GPL-2.0
// The operations list of a backend that runs vCPUs (KVM's kvm_x86_ops):
// one constant table per backend, chosen at load with the backend. The
// core's run loop (vcpu_run.cpp) calls it; nothing else does.
#pragma once

#include "portvisor/core/capabilities.h"
#include "portvisor/core/stage2/types.h"
#include "portvisor/core/vm/vm.h"

namespace pv::core {

struct vm_ops {
	// Once, at module load after the backend was chosen (per-CPU state,
	// permission maps: KVM's hardware_setup), and at unload. A failure
	// refuses the load.
	int (*setup)(const capabilities& caps);
	void (*unsetup)();
	// Turn the extension on on every online CPU, once, when the first VM is
	// created; off when the last one goes. -PV_EBUSY when another hypervisor
	// holds it (the backend logs which).
	int (*hardware_enable)();
	void (*hardware_disable)();
	// CPU hotplug, on that CPU, whether or not VMs exist: the backend
	// forgets or learns the CPU; `in_use` (VMs exist) asks it to turn the
	// extension on there.
	int (*cpu_online)(unsigned int cpu, bool in_use);
	void (*cpu_offline)(unsigned int cpu);

	int (*vm_init)(vm& v);
	void (*vm_destroy)(vm& v);
	// One leaf of `size` bytes, a size in vm::page_sizes, under the
	// platform's VM lock (atomic context). What is mapped there is
	// replaced. 0 or -errno.
	int (*map)(vm& v, u64 gpa, u64 hpa, u64 size, bool write, bool exec);
	// Under the platform's VM lock; never fails (huge leaves the range cuts
	// may go whole). Returns whether a valid mapping went.
	bool (*unmap)(vm& v, u64 gpa, u64 size);
	// The stage-2 table's counters, under the platform's VM lock.
	stage2::stats (*stage2_stats)(const vm& v);

	int (*vcpu_init)(vcpu& c);
	void (*vcpu_destroy)(vcpu& c);
	// Around one PV_RUN, in the vCPU's thread, preemptible (KVM's
	// vcpu_load/vcpu_put): per-thread hardware state such as a VMCS that
	// must follow the thread from CPU to CPU. Either may be null.
	void (*vcpu_load)(vcpu& c);
	void (*vcpu_put)(vcpu& c);
	// Register ioctls (arch-specific structs). -PV_ENOTTY for others.
	long (*vcpu_ioctl)(vcpu& c, unsigned int cmd, uint64_t arg);

	// One world switch, between pv_platform_guest_enter_begin/_end, on
	// `cpu`, with interrupts off. Flushes the vCPU's TLB tag when the VM's
	// tlb_generation moved.
	exit_info (*run_once)(vcpu& c, unsigned int cpu);
	// At a hypercall exit: the registers, and the guest address after the
	// hypercall instruction.
	trap::hypercall (*read_hypercall)(vcpu& c, u64& next_ip);
	// Applies the trap's register update (result, advance, restart).
	void (*apply_trap)(vcpu& c, const trap::trap_outcome& o);
	// Writes user space's result of a syscall exit into the guest's
	// return register, and nothing else (RIP is past the hypercall
	// already). Preemptible.
	void (*set_result)(vcpu& c, u64 value);
	// Fills the arch-specific exit data of the run page (exceptions).
	void (*describe_exit)(vcpu& c, const exit_info& e, pv_run& run);
};

// The list of the backend chosen at load, or nullptr when it runs no vCPU
// yet (arch/backends.cpp).
[[nodiscard]] const vm_ops* vm_ops_for(backend_kind kind);

}  // namespace pv::core
