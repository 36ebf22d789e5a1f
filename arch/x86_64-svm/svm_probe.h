// SPDX-License-Identifier: GPL-2.0
// Deciding whether AMD SVM can run on a CPU, from a snapshot of its
// registers (read in svm_probe_read.cpp, decided in svm_probe.cpp).
#pragma once

#include "portvisor/core/capabilities.h"

namespace pv::svm {

struct cpu_snapshot {
	bool cpuid_svm = false;  // CPUID.80000001H:ECX.SVM
	bool svm_leaf = false;   // CPUID leaf 8000000AH exists
	u32 svm_revision = 0;    // Fn8000_000A_EAX[7:0]
	u32 asid_count = 0;      // Fn8000_000A_EBX
	u32 svm_edx = 0;         // Fn8000_000A_EDX feature bits
	bool vm_cr_readable = false;
	u64 vm_cr = 0;
	bool page1gb = false;             // Fn8000_0001_EDX.Page1GB: NPT uses host page formats
	u32 phys_addr_bits = 36;          // Fn8000_0008_EAX[7:0]
	unsigned host_paging_levels = 4;  // 5 with LA57
};

[[nodiscard]] core::probe_result decide(const cpu_snapshot& cpu);
[[nodiscard]] cpu_snapshot read_this_cpu();

}  // namespace pv::svm
