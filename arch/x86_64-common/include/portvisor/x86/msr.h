// SPDX-License-Identifier: GPL-2.0
// Model-specific registers portvisor reads or writes, with their bits.
// Intel SDM Vol. 4 "Model-Specific Registers"; AMD APM Vol. 2, 15.30 "SVM
// Related MSRs".
#pragma once

#include "portvisor/core/types.h"

namespace pv::x86::msr {

// Intel: SDM Vol. 3C 23.7 "Enabling and Entering VMX Operation".
inline constexpr u32 ia32_feature_control = 0x3A;
inline constexpr unsigned feature_control_lock = 0;
inline constexpr unsigned feature_control_vmx_inside_smx = 1;
inline constexpr unsigned feature_control_vmx_outside_smx = 2;

// Intel VMX capability MSRs: SDM Vol. 3D, Appendix A "VMX Capability Reporting Facility".
inline constexpr u32 ia32_vmx_basic = 0x480;
inline constexpr u32 ia32_vmx_pinbased_ctls = 0x481;
inline constexpr u32 ia32_vmx_procbased_ctls = 0x482;
inline constexpr u32 ia32_vmx_exit_ctls = 0x483;
inline constexpr u32 ia32_vmx_entry_ctls = 0x484;
inline constexpr u32 ia32_vmx_misc = 0x485;
inline constexpr u32 ia32_vmx_cr0_fixed0 = 0x486;
inline constexpr u32 ia32_vmx_cr0_fixed1 = 0x487;
inline constexpr u32 ia32_vmx_cr4_fixed0 = 0x488;
inline constexpr u32 ia32_vmx_cr4_fixed1 = 0x489;
inline constexpr u32 ia32_vmx_procbased_ctls2 = 0x48B;
inline constexpr u32 ia32_vmx_ept_vpid_cap = 0x48C;
inline constexpr u32 ia32_vmx_true_pinbased_ctls = 0x48D;
inline constexpr u32 ia32_vmx_true_procbased_ctls = 0x48E;
inline constexpr u32 ia32_vmx_true_exit_ctls = 0x48F;
inline constexpr u32 ia32_vmx_true_entry_ctls = 0x490;

// AMD: APM Vol. 2, 15.30.1 "VM_CR MSR".
inline constexpr u32 vm_cr = 0xC0010114;
inline constexpr unsigned vm_cr_lock = 3;
inline constexpr unsigned vm_cr_svmdis = 4;
// APM Vol. 2, 15.30.4 "VM_HSAVE_PA MSR".
inline constexpr u32 vm_hsave_pa = 0xC0010117;

// Intel: IA32_FLUSH_CMD, SDM Vol. 4 Table 2-2 (write-only; bit 0 writes
// back and invalidates the L1 data cache).
inline constexpr u32 ia32_flush_cmd = 0x10B;
inline constexpr unsigned flush_cmd_l1d = 0;

// Both: EFER, SDM Vol. 4 Table 2-2 / APM Vol. 2 3.1.7.
inline constexpr u32 ia32_efer = 0xC0000080;
inline constexpr unsigned efer_svme = 12;

}  // namespace pv::x86::msr
