// SPDX-License-Identifier: GPL-2.0
// The VMX capability MSRs of three CPUs, for the probe tests
// (vmx_probe_test.cpp) and the VMCS tests (vmx_vmcs_test.cpp): the emulated
// CPU the conformance suite runs on, a recent Xeon, and the least portvisor
// accepts.
#pragma once

#include <cstdint>

#include "x86_64-vmx/vmx_probe.h"

namespace pvtest {

constexpr uint64_t lock_and_vmx_outside_smx = 0x5;  // IA32_FEATURE_CONTROL bits 0 and 2

// Bochs 2.7, `cpu: model=corei7_skylake_x` (the conformance VMX target).
// Computed from Bochs' cpu/vmx.h (VMX_MSR_* macros) and cpu/vmcs.cc
// (init_vmx_capabilities) with the VMX extension mask of
// cpu/cpudb/intel/corei7_skylake-x.cc (0x0377ffdf in Debian's bochs
// 2.7+dfsg-4 binary); the exit, entry and MISC values were checked against
// that binary's init_vmexit_ctrls, init_vmentry_ctrls and rdmsr:
//  - IA32_VMX_BASIC: revision 0x2B (BX_VMX_VMCS_REVISION_ID), VMCS area 4 KiB,
//    WB (bits 53:50 = 6), INS/OUTS info (54), TRUE controls (55); bit 48
//    clear (long mode).
//  - TRUE_PINBASED: default1 0x16; allowed1 adds external-interrupt and NMI
//    exiting, virtual NMIs, the preemption timer.
//  - TRUE_PROCBASED: default1 0x04006172; allowed1 everything but bits 0,
//    17, 18 and 27 (no monitor trap flag). Bits 10 and 29 (MWAIT/MONITOR
//    exiting) need a build with --enable-monitor-mwait; decide() ignores them.
//  - PROCBASED2 allowed1: 0-14, 16-18, 20, 25 (APIC virtualization, EPT,
//    descriptor tables, RDTSCP, x2APIC, VPID, WBINVD, unrestricted guest,
//    APIC registers, virtual interrupts, PAUSE loop, RDRAND, INVPCID, VM
//    functions, VMCS shadowing, RDSEED, PML, #VE, XSAVES, TSC scaling).
//  - EPT_VPID_CAP: 0x06114141 (execute-only, 4-level walk, UC, WB, 2M pages,
//    INVEPT single/all context) | 1G pages (17) | EPT A/D (21), and
//    0xf01 << 32 (INVVPID: instruction, individual address, single and all
//    context, single context keeping globals).
//  - TRUE_EXIT_CTLS: default1 0x00036DFB (VMX_MSR_VMX_TRUE_VMEXIT_CTRLS_LO);
//    allowed1 0x00036DFF | save debug controls (2), host address-space
//    size (9), acknowledge interrupt (15) | load PERF_GLOBAL_CTRL (12) |
//    save/load PAT (18, 19) | save/load EFER (20, 21) | save preemption
//    timer (22) = 0x007FFFFF (no CET or PKS: bits 28, 29 stay 0).
//  - TRUE_ENTRY_CTLS: default1 0x000011FB; allowed1 0x000011FF | load debug
//    controls (2), IA-32e mode guest (9), entry to SMM (10), deactivate
//    dual-monitor (11) | load PERF_GLOBAL_CTRL (13) | load PAT (14) | load
//    EFER (15) = 0x0000FFFF.
//  - MISC (VMX_MSR_MISC): rate 0, store LMA (5), HLT/shutdown/wait-for-SIPI
//    (8:6), VMX_CR3_TARGET_MAX_CNT 4 (24:16), MSR list 512 (27:25 = 0),
//    VMWRITE to read-only fields (29, VMCS shadowing), injection with
//    instruction length 0 (30) = 0x600401E0.
//  - CR0_FIXED0 0x80000021 (PE NE PG), CR0_FIXED1 0xFFFFFFFF, CR4_FIXED0
//    0x2000 (VMXE), CR4_FIXED1 get_cr4_allow_mask() for the model's
//    features: VME PVI TSD DE PSE PAE MCE PGE PCE OSFXSR OSXMMEXCPT, VMXE,
//    FSGSBASE, PCIDE, OSXSAVE, SMEP, SMAP = 0x003727FF.
// Bochs resets IA32_FEATURE_CONTROL to 0; the guest kernel's
// init_ia32_feat_ctl() locks it with VMX outside SMX before the module loads.
// CPUID.80000008H reports BX_PHY_ADDRESS_WIDTH, 40 bits.
inline pv::vmx::cpu_snapshot bochs_skylake_x()
{
	pv::vmx::cpu_snapshot s;
	s.cpuid_vmx = true;
	s.msrs_readable = true;
	s.feature_control = lock_and_vmx_outside_smx;
	s.basic = 0x00D81000'0000002BULL;
	s.pinbased = 0x0000007F'00000016ULL;
	s.procbased = 0xF7F9FFFE'04006172ULL;
	s.procbased2 = 0x02177FFF'00000000ULL;
	s.ept_vpid_cap = 0x00000F01'06334141ULL;
	s.exit_ctls = 0x007FFFFF'00036DFBULL;
	s.entry_ctls = 0x0000FFFF'000011FBULL;
	s.misc = 0x00000000'600401E0ULL;
	s.cr0_fixed0 = 0x80000021ULL;
	s.cr0_fixed1 = 0xFFFFFFFFULL;
	s.cr4_fixed0 = 0x00002000ULL;
	s.cr4_fixed1 = 0x003727FFULL;
	s.phys_addr_bits = 40;
	s.host_paging_levels = 4;
	return s;
}

// A recent Xeon with 5-level paging. The allowed-1 settings are those of
// QEMU's GraniteRapids CPU model (target/i386/cpu.c, qemu-devel "[PATCH v2
// 6/6] target/i386: Add new CPU model GraniteRapids", 2023-07-06), which
// models the VMX capabilities of that Xeon: posted interrupts and the
// preemption timer; every primary control but 0, 17, 18; secondary controls
// 0-9, 11-14, 16, 17, 20 (no PAUSE-loop exiting); EPT execute-only, 4- and
// 5-level walks, WB, 2M and 1G pages, INVEPT (single, all), A/D, INVVPID
// (individual address, single, all, single keeping globals). The allowed-0
// halves are the SDM's default1 bits (Vol. 3D, A.3), IA32_VMX_BASIC is
// revision 4 (Bochs' sapphire_rapids.cc) with a 1 KiB WB VMCS, dual-monitor
// SMM, INS/OUTS info and TRUE controls, and MAXPHYADDR is 46 bits, as Ice
// Lake and Sapphire Rapids Xeons report it.
//  - TRUE_EXIT_CTLS: the model's FEAT_VMX_EXIT_CTLS (save debug controls,
//    load PERF_GLOBAL_CTRL, acknowledge interrupt, save/load PAT and EFER,
//    save preemption timer) plus host address-space size, which QEMU copies
//    from CPUID LM; made into an MSR as QEMU's make_vmx_msr_value() does
//    (allowed1 = features | default1 0x00036DFF, allowed0 = default1 &
//    ~features): 0x007FFFFF'00036DFB.
//  - TRUE_ENTRY_CTLS: FEAT_VMX_ENTRY_CTLS (load debug controls, IA-32e mode
//    guest, load PERF_GLOBAL_CTRL, PAT, EFER; no SMM controls), the same
//    way with default1 0x000011FF: 0x0000F3FF'000011FB.
//  - MISC: the model's FEAT_VMX_MISC (store LMA 5, HLT 6, VMWRITE to
//    read-only fields 29); QEMU takes the rest from the host, so the
//    preemption-timer rate (7), CR3-target count (4) and MSR-list size
//    (factor 0) are those of a real Skylake-SP (IA32_VMX_MISC 0x7004C1E7,
//    the MSR dump in Bochs' corei7_skylake-x.cc): 0x20040067.
//  - CR0_FIXED0/1 0x80000021/0xFFFFFFFF and CR4_FIXED0 0x2000 as on every
//    Intel CPU; CR4_FIXED1 from the model's CPUID words as KVM computes it
//    for a nested guest (nested_vmx_cr_fixed1_bits_update): VME PVI TSD DE
//    PSE PAE MCE PGE PCE OSFXSR OSXMMEXCPT, UMIP, LA57, VMXE, FSGSBASE,
//    PCIDE, OSXSAVE, SMEP, SMAP, PKE = 0x00773FFF.
inline pv::vmx::cpu_snapshot xeon_granite_rapids()
{
	pv::vmx::cpu_snapshot s;
	s.cpuid_vmx = true;
	s.msrs_readable = true;
	s.feature_control = lock_and_vmx_outside_smx;
	s.basic = 0x00DA0400'00000004ULL;
	s.pinbased = 0x000000FF'00000016ULL;
	s.procbased = 0xFFF9FFFE'04006172ULL;
	s.procbased2 = 0x00137BFF'00000000ULL;
	s.ept_vpid_cap = 0x00000F01'063340C1ULL;
	s.exit_ctls = 0x007FFFFF'00036DFBULL;
	s.entry_ctls = 0x0000F3FF'000011FBULL;
	s.misc = 0x00000000'20040067ULL;
	s.cr0_fixed0 = 0x80000021ULL;
	s.cr0_fixed1 = 0xFFFFFFFFULL;
	s.cr4_fixed0 = 0x00002000ULL;
	s.cr4_fixed1 = 0x00773FFFULL;
	s.phys_addr_bits = 46;
	s.host_paging_levels = 5;
	return s;
}

// The least portvisor accepts, built from the SDM (Vol. 3D, Appendix A):
// no TRUE controls, no preemption timer, secondary controls with EPT only
// (no VPID, no unrestricted guest), EPT with a 4-level walk, WB and INVEPT
// all-context, but no 2M/1G pages and no A/D flags.
//  - PROCBASED (not TRUE): default1 0x0401E172, which forces CR3-load and
//    CR3-store exiting (15, 16) on; allowed1 adds what make_config()
//    requires and the first VMX CPUs had: HLT (7), RDPMC (11), MOV-DR (23)
//    and unconditional I/O (24) exiting, I/O and MSR bitmaps (25, 28),
//    secondary controls (31).
//  - EXIT_CTLS (not TRUE): default1 0x00036DFF (save debug controls forced
//    on); allowed1 adds host address-space size (9), acknowledge interrupt
//    (15), save/load PAT and EFER (18-21): 0x003FEFFF.
//  - ENTRY_CTLS (not TRUE): default1 0x000011FF (load debug controls
//    forced on); allowed1 adds IA-32e mode guest (9), load PAT and EFER
//    (14, 15): 0x0000D3FF.
//  - MISC: HLT (6), 4 CR3 targets, MSR list factor 0, nothing else.
//  - CR0_FIXED0/1 0x80000021/0xFFFFFFFF, CR4_FIXED0 0x2000, CR4_FIXED1 the
//    CR4 features of a Nehalem-class CPU: VME PVI TSD DE PSE PAE MCE PGE PCE
//    OSFXSR OSXMMEXCPT, VMXE = 0x000027FF (no FSGSBASE, PCIDE, OSXSAVE,
//    SMEP, SMAP).
inline pv::vmx::cpu_snapshot minimal()
{
	pv::vmx::cpu_snapshot s;
	s.cpuid_vmx = true;
	s.msrs_readable = true;
	s.feature_control = lock_and_vmx_outside_smx;
	s.basic = 0x00180800'00000001ULL;
	s.pinbased = 0x0000003F'00000016ULL;
	s.procbased = 0x9781E9F2'0401E172ULL;
	s.procbased2 = 0x00000002'00000000ULL;
	s.ept_vpid_cap = 0x00000000'04104040ULL;
	s.exit_ctls = 0x003FEFFF'00036DFFULL;
	s.entry_ctls = 0x0000D3FF'000011FFULL;
	s.misc = 0x00000000'00040040ULL;
	s.cr0_fixed0 = 0x80000021ULL;
	s.cr0_fixed1 = 0xFFFFFFFFULL;
	s.cr4_fixed0 = 0x00002000ULL;
	s.cr4_fixed1 = 0x000027FFULL;
	s.phys_addr_bits = 36;
	s.host_paging_levels = 4;
	return s;
}

}  // namespace pvtest
