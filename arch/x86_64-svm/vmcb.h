// SPDX-License-Identifier: GPL-2.0
// The VMCB as data: field offsets, intercept bits, exit codes and the
// values portvisor writes. AMD64 Architecture Programmer's Manual Vol. 2
// (rev. 3.41): Appendix B "Layout of VMCB" (tables B-1 control area, B-2
// state save area), Appendix C "SVM Intercept Exit Codes", 15.13-15.15
// (intercepts), 15.16 (TLB control), 15.25.6 (#NPF EXITINFO1).
#pragma once

#include "portvisor/core/types.h"

namespace pv::svm::vmcb {

// --- control area (table B-1) ------------------------------------------------
inline constexpr u32 intercept_cr = 0x000;   // 15:0 reads, 31:16 writes of CR0-15
inline constexpr u32 intercept_dr = 0x004;   // 15:0 reads, 31:16 writes of DR0-15
inline constexpr u32 intercept_exc = 0x008;  // bit n: exception vector n
inline constexpr u32 intercept_misc1 = 0x00c;
inline constexpr u32 intercept_misc2 = 0x010;
inline constexpr u32 intercept_misc3 = 0x014;
inline constexpr u32 iopm_base_pa = 0x040;
inline constexpr u32 msrpm_base_pa = 0x048;
inline constexpr u32 tsc_offset = 0x050;
inline constexpr u32 guest_asid = 0x058;
inline constexpr u32 tlb_control = 0x05c;  // u8
inline constexpr u32 v_intr = 0x060;       // V_TPR 7:0, V_IRQ 8, V_INTR_MASKING 24
inline constexpr u32 int_state = 0x068;    // bit 0 interrupt shadow
inline constexpr u32 exit_code = 0x070;
inline constexpr u32 exit_info1 = 0x078;
inline constexpr u32 exit_info2 = 0x080;
inline constexpr u32 exit_int_info = 0x088;
inline constexpr u32 np_control = 0x090;  // bit 0 NP_ENABLE
inline constexpr u32 event_inj = 0x0a8;
inline constexpr u32 n_cr3 = 0x0b0;
inline constexpr u32 clean_bits = 0x0c0;  // u32; 0: the CPU reloads everything
inline constexpr u32 next_rip = 0x0c8;

// --- state save area (table B-2), at 0x400 -----------------------------------
// A segment: selector u16, attrib u16, limit u32, base u64.
inline constexpr u32 es = 0x400, cs = 0x410, ss = 0x420, ds = 0x430, fs = 0x440, gs = 0x450;
inline constexpr u32 gdtr = 0x460, ldtr = 0x470, idtr = 0x480, tr = 0x490;
inline constexpr u32 cpl = 0x4cb;  // u8
inline constexpr u32 efer = 0x4d0;
inline constexpr u32 cr4 = 0x548, cr3 = 0x550, cr0 = 0x558, dr7 = 0x560, dr6 = 0x568;
inline constexpr u32 rflags = 0x570, rip = 0x578, rsp = 0x5d8, rax = 0x5f8;
inline constexpr u32 star = 0x600, lstar = 0x608, cstar = 0x610, sfmask = 0x618;
inline constexpr u32 kernel_gs_base = 0x620;
inline constexpr u32 sysenter_cs = 0x628, sysenter_esp = 0x630, sysenter_eip = 0x638;
inline constexpr u32 cr2 = 0x640;
inline constexpr u32 g_pat = 0x668;

// --- intercept bits ------------------------------------------------------------
namespace misc1 {  // word at 0x00c (15.13.1 table 15-7)
inline constexpr u32 intr = 1U << 0, nmi = 1U << 1, smi = 1U << 2, init = 1U << 3;
inline constexpr u32 rdpmc = 1U << 15, cpuid = 1U << 18, rsm = 1U << 19, invd = 1U << 22;
inline constexpr u32 hlt = 1U << 24, invlpga = 1U << 26, ioio_prot = 1U << 27;
inline constexpr u32 msr_prot = 1U << 28, task_switch = 1U << 29, ferr_freeze = 1U << 30;
inline constexpr u32 shutdown = 1U << 31;
}  // namespace misc1
namespace misc2 {  // word at 0x010
inline constexpr u32 vmrun = 1U << 0, vmmcall = 1U << 1, vmload = 1U << 2, vmsave = 1U << 3;
inline constexpr u32 stgi = 1U << 4, clgi = 1U << 5, skinit = 1U << 6, icebp = 1U << 8;
inline constexpr u32 wbinvd = 1U << 9, monitor = 1U << 10, mwait = 1U << 11;
inline constexpr u32 mwait_cond = 1U << 12, xsetbv = 1U << 13, rdpru = 1U << 14;
}  // namespace misc2
namespace misc3 {  // word at 0x014
inline constexpr u32 invlpgb = 1U << 0, invlpgb_illegal = 1U << 1, invpcid = 1U << 2;
inline constexpr u32 mcommit = 1U << 3, tlbsync = 1U << 4;
}  // namespace misc3
inline constexpr u64 v_intr_masking = 1ULL << 24;
inline constexpr u64 np_enable = 1ULL << 0;

// TLB_CONTROL (15.16.1).
inline constexpr u8 tlb_nothing = 0, tlb_flush_all = 1, tlb_flush_asid = 3;

// --- exit codes (Appendix C) ---------------------------------------------------
namespace exit {
inline constexpr u64 excp_base = 0x40;  // + vector, 0x40..0x5f
inline constexpr u64 intr = 0x60, nmi = 0x61, smi = 0x62, init = 0x63;
inline constexpr u64 cpuid = 0x72, hlt = 0x78, ioio = 0x7b, msr = 0x7c;
inline constexpr u64 shutdown = 0x7f, vmrun = 0x80, vmmcall = 0x81, xsetbv = 0x8d;
inline constexpr u64 npf = 0x400;
inline constexpr u64 invalid = ~0ULL;  // VMEXIT_INVALID: consistency checks failed
}  // namespace exit

// #NPF EXITINFO1 (15.25.6): the page-fault error code of the nested walk.
namespace npf {
inline constexpr u64 present = 1ULL << 0, write = 1ULL << 1, user = 1ULL << 2;
inline constexpr u64 rsvd = 1ULL << 3, fetch = 1ULL << 4;
inline constexpr u64 final_gpa = 1ULL << 32, table_walk = 1ULL << 33;
}  // namespace npf

inline constexpr u64 vector_mc = 18;  // #MC

// Exceptions that push an error code (AMD APM Vol. 2, 8.2, table 8-1).
[[nodiscard]] constexpr bool has_error_code(u32 vector)
{
	return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21 ||
	       vector == 29 || vector == 30;
}

// Sizes of the permission maps (15.10.1, 15.11): 12 KiB and 8 KiB.
inline constexpr unsigned iopm_order = 2;   // 16 KiB allocated, 12 used
inline constexpr unsigned msrpm_order = 1;  // 8 KiB

// The MSR permission map (15.11): MSRs C000_0000h-C000_1FFFh from byte
// 0x800, two bits each, read intercept in the even bit, write in the odd.
inline constexpr u32 msrpm_c000_base = 0x800;
inline constexpr u32 msrpm_byte(u32 msr) { return msrpm_c000_base + (msr & 0x1fffU) * 2 / 8; }
inline constexpr u32 msrpm_read_bit(u32 msr) { return (msr & 0x1fffU) * 2 % 8; }
// EXITINFO1 of an MSR intercept (15.11): 0 RDMSR, 1 WRMSR.
inline constexpr u64 msr_exit_write = 1;

// MSRs (APM Vol. 2, 15.30 and Appendix A).
inline constexpr u32 msr_efer = 0xc0000080;
inline constexpr u32 msr_vm_cr = 0xc0010114;
inline constexpr u32 msr_vm_hsave_pa = 0xc0010117;
inline constexpr u64 efer_svme = 1ULL << 12;
inline constexpr u64 vm_cr_svmdis = 1ULL << 4;

}  // namespace pv::svm::vmcb
