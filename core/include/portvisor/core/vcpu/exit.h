// SPDX-License-Identifier: GPL-2.0
// What a backend's run-once reports: an arch-neutral exit record. The core
// decides from `kind`; the raw hardware code and qualification go to user
// space unchanged when the exit is reported there (enum pv_exit_reason).
#pragma once

#include "portvisor/core/types.h"

namespace pv::core {

enum class exit_kind : u32 {
	hypercall = 0,     // VMCALL / VMMCALL / HVC #0: the direct-syscall trap
	stage2_fault = 1,  // EPT violation / NPF / stage-2 abort: populate or report
	exception = 2,     // a guest exception intercepted
	halt = 3,          // HLT / WFI
	shutdown = 4,      // triple fault, shutdown, PSCI SYSTEM_OFF
	host_event = 5,    // external interrupt, NMI, preemption timer: the host handled it; resume
	entry_failed = 6,  // the hardware refused VM entry
	other = 7,         // anything else: reported to user space with the raw code
};

struct exit_info {
	exit_kind kind = exit_kind::other;
	u32 hw_reason = 0;      // VMX exit reason / SVM EXITCODE / ESR_EL2.EC
	u64 qualification = 0;  // exit qualification / EXITINFO1 / ESR_EL2.ISS
	u64 guest_phys = 0;     // faulting guest-physical address, when there is one
	u64 guest_virt = 0;     // faulting guest-virtual address, when known
	u64 guest_ip = 0;       // instruction pointer of the exit
	u32 access = 0;         // stage-2 faults: PV_ACCESS_* of the access
};

}  // namespace pv::core
