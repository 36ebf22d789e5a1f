// SPDX-License-Identifier: GPL-2.0
// CPUID leaves and bits portvisor reads, and the instruction itself.
// Intel SDM Vol. 2A, "CPUID"; AMD APM Vol. 3, Appendix E "Obtaining Processor
// Information Via the CPUID Instruction".
#pragma once

#include "portvisor/core/types.h"

namespace pv::x86 {

struct cpuid_regs {
	u32 eax, ebx, ecx, edx;
};

namespace cpuid_leaf {
inline constexpr u32 features = 0x1;        // CPUID.01H
inline constexpr u32 ext_max = 0x80000000;  // highest extended leaf
inline constexpr u32 ext_features = 0x80000001;
inline constexpr u32 ext_address_sizes = 0x80000008;
inline constexpr u32 svm_features = 0x8000000A;  // AMD APM Vol. 3, E.4.9
}  // namespace cpuid_leaf

namespace cpuid_bit {
inline constexpr unsigned leaf1_ecx_vmx = 5;     // SDM Vol. 2A, Table 3-10
inline constexpr unsigned ext_ecx_svm = 2;       // APM Vol. 3, E.4.2 (Fn8000_0001_ECX)
inline constexpr unsigned ext_edx_page1gb = 26;  // Fn8000_0001_EDX Page1GB
inline constexpr unsigned ext_edx_lm = 29;       // long mode
// Fn8000_000A_EDX, APM Vol. 3, E.4.9
inline constexpr unsigned svm_edx_np = 0;             // nested paging
inline constexpr unsigned svm_edx_nrips = 3;          // next sequential RIP saved
inline constexpr unsigned svm_edx_flush_by_asid = 6;  // TLB_CONTROL 3/7
inline constexpr unsigned svm_edx_decode_assists = 7;
}  // namespace cpuid_bit

// Runs on the current CPU; CPUID never faults.
[[nodiscard]] inline cpuid_regs cpuid(u32 leaf, u32 subleaf = 0)
{
	cpuid_regs r;
	asm volatile("cpuid"
		     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
		     : "a"(leaf), "c"(subleaf));
	return r;
}

}  // namespace pv::x86
