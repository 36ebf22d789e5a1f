// SPDX-License-Identifier: GPL-2.0
// A VM and its vCPUs as the core sees them (DESIGN.md "vCPU", docs/core.md).
// The platform (kmod/vm.c) owns the files, the process binding, guest
// memory and its coherence with the process (mmu notifier); the core owns
// the policy, the vCPU state machine, the run loop and the trap; the
// backend (vm_ops.h) owns the hardware state and the stage-2 tables.
#pragma once

#include "portvisor/core/trap/trap.h"
#include "portvisor/core/vcpu/exit.h"
#include "portvisor/core/vcpu/state.h"

struct pv_run;

namespace pv::core {

struct vm_ops;
struct vcpu;

inline constexpr u32 max_vcpus = 64;  // PV_MAX_VCPUS

struct vm {
	void* os_vm = nullptr;  // the platform's VM (pv_platform_stage2_fault)
	const vm_ops* ops = nullptr;
	void* arch = nullptr;  // the backend's VM state: its stage-2 tables
	// Leaf sizes its stage 2 maps (PV_PAGE_SIZE_* bits), set by vm_init.
	u64 page_sizes = 0;
	trap::trap_policy policy{};
	// Bumped by every stage-2 change that takes a mapping away; a vCPU
	// whose last flush predates it flushes its TLB tag before entering.
	u64 tlb_generation = 0;       // atomic
	vcpu* vcpus[max_vcpus] = {};  // written under the platform's VM lock
	u32 vcpu_count = 0;
};

struct vcpu {
	vm* owner = nullptr;
	u32 id = 0;
	vcpu_state state = vcpu_state::created;
	pv_run* run = nullptr;  // the page user space maps read-only
	void* arch = nullptr;   // the backend's vCPU state (VMCB, GPRs)
	trap::trap_stats stats{};
	// The last PV_RUN handed a syscall or hypercall to user space and
	// neither a PV_RUN nor a PV_SET_REGS/PV_SET_SREGS came since:
	// PV_RUN_WITH_RESULT may answer it. Under the platform's vCPU lock, as
	// every vCPU ioctl.
	bool result_pending = false;
	// Where the vCPU is in the guest now: the CPU id, or -1. Written by
	// its thread with interrupts off; read by stage-2 invalidations.
	int in_guest_cpu = -1;  // atomic
	u64 seen_tlb_generation = 0;
	pv_syscall_frame syscall_frame{};  // the platform's, zeroed here once
};

// Makes every vCPU of `v` flush its stage-2 TLB entries before it enters
// the guest again, and waits until none is in the guest with old ones.
// The stage-2 invalidate hook of every backend (config::invalidate).
void flush_vcpus(vm& v);

}  // namespace pv::core
