// SPDX-License-Identifier: GPL-2.0
// The VMCS portvisor runs a 64-bit ring-0 guest with, computed from the
// capability MSRs (SDM Vol. 3D, Appendix A) and written as a vmcs_image.
// Pure: the module VMWRITEs the image (vmx_run.cpp); the host unit tests
// build it for several capability sets and run the VM-entry checker on it.
#pragma once

#include "portvisor/platform.h"
#include "x86_64-vmx/vmcs_image.h"
#include "x86_64-vmx/vmx_probe.h"

#if !__STDC_HOSTED__
#define PV_UAPI_FREESTANDING  // the module: no <linux/types.h>
#endif
#include "uapi/portvisor.h"

namespace pv::vmx {

// What the backend decided at load from the boot CPU's capability MSRs.
struct vmx_config {
	u32 revision = 0;  // IA32_VMX_BASIC[30:0], first word of VMXON/VMCS regions
	u32 pin = 0, proc = 0, proc2 = 0, exit = 0, entry = 0;  // control values
	u64 cr0_fixed0 = 0, cr0_fixed1 = 0, cr4_fixed0 = 0, cr4_fixed1 = 0;
	u32 phys_addr_bits = 36;
	unsigned ept_levels = 4;
	bool ept_ad = false;          // EPTP[6]: the CPU sets EPT A/D flags
	bool vpid = false;            // VPIDs with a usable INVVPID
	bool invept_single = false;   // else all-context
	bool invvpid_single = false;  // else all-context
	bool msr_bitmaps = false;     // else every RDMSR/WRMSR exits
	bool cr3_exiting = false;     // forced on (no TRUE controls): emulate MOV CR3
};

// Fills cfg from the capability MSRs. nullptr when portvisor can run its
// guests on this CPU; otherwise the reason (a required control it cannot
// set, or one it cannot clear), for the load error.
[[nodiscard]] const char* make_config(const cpu_snapshot& cpu, vmx_config& cfg);

// The VMX preemption timer's start value at each entry: it counts down at
// the TSC rate >> IA32_VMX_MISC[4:0] (25.5.1): 2^20 is about 2^25 TSC
// ticks with the usual rate 5.
inline constexpr u32 preemption_timer_ticks = 1U << 20;

// EPTP of a table rooted at root_pa (25.6.11): WB, walk length, A/D.
[[nodiscard]] u64 make_eptp(const vmx_config& cfg, u64 root_pa);

// Per-vCPU addresses the controls point at.
struct vcpu_resources {
	u64 eptp = 0;
	u16 vpid = 0;              // 0 when cfg.vpid is false
	u64 msr_bitmap_pa = 0;     // when cfg.msr_bitmaps
	u64 guest_msr_list_pa = 0;  // VM-entry load and VM-exit store list
	u64 host_msr_list_pa = 0;   // VM-exit load list
	u32 msr_list_count = 0;
	u64 host_rip = 0;  // where VM exits land (vmx_vmrun.S)
};

// The host's state, as the VM exit must restore it (27.2.2, 28.5).
struct host_state {
	u64 cr0 = 0, cr3 = 0, cr4 = 0;
	u64 efer = 0, pat = 0;
	u64 fs_base = 0, gs_base = 0, tr_base = 0, gdtr_base = 0, idtr_base = 0;
	u64 sysenter_esp = 0, sysenter_eip = 0;
	u32 sysenter_cs = 0;
	u16 cs_selector = 0, ss_selector = 0, tr_selector = 0;
};

// Controls, and the guest-state fields that stay fixed for portvisor's
// guests (activity, interruptibility, link pointer, DR7, DEBUGCTL, SYSENTER).
void build_controls(const vmx_config& cfg, const vcpu_resources& res, vmcs_image& out);
void build_host_state(const vmx_config& cfg, const host_state& host, vmcs_image& out);

// The guest's system registers (PV_SET_SREGS). 0, or -PV_EINVAL when the
// values cannot be those of a 64-bit ring-0 guest on this CPU: the rules are
// those of set_sregs on SVM plus what VMX entry demands of segments
// (SDM 27.3.1.2), checked here so that a bad value is an EINVAL and not a
// failed entry. Writes CR0/CR4 (with their guest/host masks and read
// shadows), CR3, EFER, PAT, the segments, GDTR/IDTR.
[[nodiscard]] long build_guest_sregs(const vmx_config& cfg, const pv_sregs_x86_64& s,
				     vmcs_image& out);
// The inverse, from the fields build_guest_sregs writes (CR0/CR4 as the
// guest sees them: its own bits and the read shadows of the host's).
// kernel_gs_base is not in the VMCS: the caller fills it.
void read_guest_sregs(const vmcs_image& in, pv_sregs_x86_64& s);

// Segment access rights: struct pv_segment's VMCB layout <-> VMCS layout
// (25.4.1, Table 25-2: AVL/L/D/G move from 11:8 to 15:12; bit 16 unusable,
// for a segment that is not present).
[[nodiscard]] constexpr u32 vmcs_ar(u16 attrib)
{
	if ((attrib & 0x80U) == 0)
		return 1U << 16;
	return (attrib & 0xffU) | ((u32(attrib) & 0xf00U) << 4);
}
[[nodiscard]] constexpr u16 vmcb_attrib(u32 ar)
{
	if (ar & (1U << 16))
		return 0;
	return u16((ar & 0xffU) | ((ar >> 4) & 0xf00U));
}

// CR0 and CR4 bits the guest owns (reads and writes without an exit); the
// others read as the shadow, and a MOV that would change them exits.
inline constexpr u64 cr0_guest_owned =
    (1ULL << 1) | (1ULL << 2) | (1ULL << 3) | (1ULL << 4) | (1ULL << 16) | (1ULL << 18);
// VME PVI TSD DE PSE PGE PCE OSFXSR OSXMMEXCPT UMIP FSGSBASE PCIDE OSXSAVE SMEP SMAP
inline constexpr u64 cr4_guest_owned = 0x79fULL | (1ULL << 9) | (1ULL << 10) | (1ULL << 11) |
				       (1ULL << 16) | (1ULL << 17) | (1ULL << 18) |
				       (1ULL << 20) | (1ULL << 21);

}  // namespace pv::vmx
