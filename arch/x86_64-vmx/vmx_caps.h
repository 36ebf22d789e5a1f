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

// Allowed-0 settings are the low 32 bits: a 1 there forces the control on.
[[nodiscard]] constexpr bool allowed0_forces(u64 ctls_msr, unsigned control_bit)
{
	return bit(ctls_msr, control_bit);
}

// IA32_VMX_MISC (A.6)
inline constexpr unsigned misc_cr3_targets_hi = 24, misc_cr3_targets_lo = 16;
inline constexpr unsigned misc_max_msr_list_hi = 27, misc_max_msr_list_lo = 25;  // 512*(N+1)
inline constexpr unsigned misc_activity_hlt = 6;

// Pin-based controls (25.6.1, Table 25-5)
inline constexpr unsigned pin_external_interrupt_exiting = 0;
inline constexpr unsigned pin_nmi_exiting = 3;
inline constexpr unsigned pin_virtual_nmis = 5;
inline constexpr unsigned pin_preemption_timer = 6;
inline constexpr unsigned pin_posted_interrupts = 7;
// Primary processor-based controls (25.6.2, Table 25-6)
inline constexpr unsigned proc_interrupt_window_exiting = 2;
inline constexpr unsigned proc_tsc_offsetting = 3;
inline constexpr unsigned proc_hlt_exiting = 7;
inline constexpr unsigned proc_invlpg_exiting = 9;
inline constexpr unsigned proc_mwait_exiting = 10;
inline constexpr unsigned proc_rdpmc_exiting = 11;
inline constexpr unsigned proc_rdtsc_exiting = 12;
inline constexpr unsigned proc_cr3_load_exiting = 15;
inline constexpr unsigned proc_cr3_store_exiting = 16;
inline constexpr unsigned proc_activate_tertiary = 17;
inline constexpr unsigned proc_cr8_load_exiting = 19;
inline constexpr unsigned proc_cr8_store_exiting = 20;
inline constexpr unsigned proc_tpr_shadow = 21;
inline constexpr unsigned proc_nmi_window_exiting = 22;
inline constexpr unsigned proc_mov_dr_exiting = 23;
inline constexpr unsigned proc_unconditional_io_exiting = 24;
inline constexpr unsigned proc_io_bitmaps = 25;
inline constexpr unsigned proc_monitor_trap_flag = 27;
inline constexpr unsigned proc_msr_bitmaps = 28;
inline constexpr unsigned proc_monitor_exiting = 29;
inline constexpr unsigned proc_pause_exiting = 30;
inline constexpr unsigned proc_activate_secondary = 31;
// Secondary processor-based controls (25.6.2, Table 25-7)
inline constexpr unsigned proc2_virtualize_apic = 0;
inline constexpr unsigned proc2_enable_ept = 1;
inline constexpr unsigned proc2_descriptor_exiting = 2;
inline constexpr unsigned proc2_enable_rdtscp = 3;
inline constexpr unsigned proc2_virtualize_x2apic = 4;
inline constexpr unsigned proc2_enable_vpid = 5;
inline constexpr unsigned proc2_wbinvd_exiting = 6;
inline constexpr unsigned proc2_unrestricted_guest = 7;
inline constexpr unsigned proc2_apic_register_virt = 8;
inline constexpr unsigned proc2_virtual_interrupt_delivery = 9;
inline constexpr unsigned proc2_pause_loop_exiting = 10;
inline constexpr unsigned proc2_rdrand_exiting = 11;
inline constexpr unsigned proc2_enable_invpcid = 12;
inline constexpr unsigned proc2_enable_vmfunc = 13;
inline constexpr unsigned proc2_vmcs_shadowing = 14;
inline constexpr unsigned proc2_encls_exiting = 15;
inline constexpr unsigned proc2_rdseed_exiting = 16;
inline constexpr unsigned proc2_enable_pml = 17;
inline constexpr unsigned proc2_ept_violation_ve = 18;
inline constexpr unsigned proc2_enable_xsaves = 20;
inline constexpr unsigned proc2_mode_based_execute = 22;
inline constexpr unsigned proc2_tsc_scaling = 25;
// VM-exit controls (25.7.1, Table 25-13)
inline constexpr unsigned exit_save_debug_controls = 2;
inline constexpr unsigned exit_host_address_space_size = 9;
inline constexpr unsigned exit_load_perf_global_ctrl = 12;
inline constexpr unsigned exit_ack_interrupt = 15;
inline constexpr unsigned exit_save_pat = 18;
inline constexpr unsigned exit_load_pat = 19;
inline constexpr unsigned exit_save_efer = 20;
inline constexpr unsigned exit_load_efer = 21;
inline constexpr unsigned exit_save_preemption_timer = 22;
// VM-entry controls (25.8.1, Table 25-15)
inline constexpr unsigned entry_load_debug_controls = 2;
inline constexpr unsigned entry_ia32e_mode_guest = 9;
inline constexpr unsigned entry_to_smm = 10;
inline constexpr unsigned entry_deactivate_dual_monitor = 11;
inline constexpr unsigned entry_load_perf_global_ctrl = 13;
inline constexpr unsigned entry_load_pat = 14;
inline constexpr unsigned entry_load_efer = 15;

// EPTP (25.6.11): memory type 2:0, walk length - 1 in 5:3, A/D enable 6.
inline constexpr u64 eptp_memtype_wb = 6;
inline constexpr unsigned eptp_walk_shift = 3;
inline constexpr u64 eptp_ad_enable = 1ULL << 6;

// IA32_VMX_EPT_VPID_CAP (A.10)
inline constexpr unsigned ept_execute_only = 0;
inline constexpr unsigned ept_walk_4 = 6;
inline constexpr unsigned ept_walk_5 = 7;
inline constexpr unsigned ept_memtype_uc = 8;
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

// CR4.FRED (SDM Vol. 3A 2.5, with the FRED specification): events are
// delivered without the IDT.
inline constexpr unsigned cr4_fred = 32;

// VPIDs are 16 bits; 0 is the host's (25.6.12).
inline constexpr u32 vpid_count = 0xFFFF;

}  // namespace pv::vmx::cap
