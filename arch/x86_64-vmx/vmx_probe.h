// SPDX-License-Identifier: GPL-2.0
// Deciding whether VMX can run on a CPU, from a snapshot of its registers.
// Reading (vmx_probe_read.cpp) is apart from deciding (vmx_probe.cpp) so that
// the decision is unit-tested against the capability MSRs of real CPUs.
#pragma once

#include "portvisor/core/capabilities.h"

namespace pv::vmx {

struct cpu_snapshot {
	bool cpuid_vmx = false;      // CPUID.01H:ECX.VMX
	bool msrs_readable = false;  // every MSR below could be read
	u64 feature_control = 0;
	u64 basic = 0;
	u64 pinbased = 0;  // TRUE_ variant when basic[55], else plain
	u64 procbased = 0;
	u64 procbased2 = 0;                  // 0 when secondary controls cannot be activated
	u64 ept_vpid_cap = 0;                // 0 when neither EPT nor VPID can be enabled
	u64 exit_ctls = 0;                   // TRUE_ variant when basic[55], else plain
	u64 entry_ctls = 0;                  // TRUE_ variant when basic[55], else plain
	u64 misc = 0;                        // IA32_VMX_MISC
	u64 cr0_fixed0 = 0, cr0_fixed1 = 0;  // IA32_VMX_CR0_FIXED0/1
	u64 cr4_fixed0 = 0, cr4_fixed1 = 0;  // IA32_VMX_CR4_FIXED0/1
	u32 phys_addr_bits = 36;             // CPUID.80000008H:EAX[7:0]
	unsigned host_paging_levels = 4;     // 5 with LA57
	bool host_fred = false;              // CR4.FRED: the host takes events without the IDT
};

[[nodiscard]] core::probe_result decide(const cpu_snapshot& cpu);

// Reads the snapshot on the current CPU (preemption off).
[[nodiscard]] cpu_snapshot read_this_cpu();

}  // namespace pv::vmx
