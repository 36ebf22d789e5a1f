// SPDX-License-Identifier: GPL-2.0
// Bits of the VMX capability MSRs that portvisor decides on.
// Intel SDM Vol. 3D, Appendix A; control bit positions from Vol. 3C, 25.6
// "VM-Execution Control Fields".
#pragma once

#include "portvisor/core/types.h"

namespace pv::vmx::cap {

// IA32_VMX_BASIC (A.1)
inline constexpr unsigned basic_revision_hi = 30, basic_revision_lo = 0;
inline constexpr unsigned basic_region_size_hi = 44, basic_region_size_lo = 32;
inline constexpr unsigned basic_phys_32bit = 48;  // addresses limited to 32 bits
inline constexpr unsigned basic_memtype_hi = 53, basic_memtype_lo = 50;
inline constexpr unsigned basic_true_ctls = 55;  // IA32_VMX_TRUE_*_CTLS exist
inline constexpr u64 memtype_wb = 6;

// Allowed-1 settings are the high 32 bits of a *_CTLS MSR (A.3-A.5).
[[nodiscard]] constexpr bool allowed1(u64 ctls_msr, unsigned control_bit)
{
	return bit(ctls_msr, 32 + control_bit);
}

// Pin-based controls (25.6.1, Table 25-5)
inline constexpr unsigned pin_preemption_timer = 6;
// Primary processor-based controls (25.6.2, Table 25-6)
inline constexpr unsigned proc_activate_secondary = 31;
// Secondary processor-based controls (25.6.2, Table 25-7)
inline constexpr unsigned proc2_enable_ept = 1;
inline constexpr unsigned proc2_enable_vpid = 5;
inline constexpr unsigned proc2_unrestricted_guest = 7;

// IA32_VMX_EPT_VPID_CAP (A.10)
inline constexpr unsigned ept_walk_4 = 6;
inline constexpr unsigned ept_walk_5 = 7;
inline constexpr unsigned ept_memtype_wb = 14;
inline constexpr unsigned ept_2m_pages = 16;
inline constexpr unsigned ept_1g_pages = 17;
inline constexpr unsigned ept_invept = 20;
inline constexpr unsigned ept_ad_flags = 21;
inline constexpr unsigned ept_invept_single = 25;
inline constexpr unsigned ept_invept_all = 26;
inline constexpr unsigned vpid_invvpid = 32;
inline constexpr unsigned vpid_invvpid_single = 41;
inline constexpr unsigned vpid_invvpid_all = 42;

// VPIDs are 16 bits; 0 is the host's (25.6.12).
inline constexpr u32 vpid_count = 0xFFFF;

}  // namespace pv::vmx::cap
