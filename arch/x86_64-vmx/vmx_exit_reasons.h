// SPDX-License-Identifier: GPL-2.0
// Basic VM-exit reasons and the exit-qualification and interruption-info
// formats portvisor decodes. Intel SDM Vol. 3D, Appendix C "VMX Basic Exit
// Reasons"; Vol. 3C 28.2.1 "Basic VM-Exit Information" (exit
// qualifications: Table 28-3 control-register accesses, Table 28-7 EPT
// violations) and 25.9.2 "Information for VM Exits Due to Vectored Events".
#pragma once

#include "portvisor/core/types.h"

namespace pv::vmx::exit_reason {

enum : u32 {
	exception_or_nmi = 0,
	external_interrupt = 1,
	triple_fault = 2,
	init_signal = 3,
	sipi = 4,
	io_smi = 5,
	other_smi = 6,
	interrupt_window = 7,
	nmi_window = 8,
	task_switch = 9,
	cpuid = 10,
	getsec = 11,
	hlt = 12,
	invd = 13,
	invlpg = 14,
	rdpmc = 15,
	rdtsc = 16,
	rsm = 17,
	vmcall = 18,
	vmclear = 19,
	vmlaunch = 20,
	vmptrld = 21,
	vmptrst = 22,
	vmread = 23,
	vmresume = 24,
	vmwrite = 25,
	vmxoff = 26,
	vmxon = 27,
	cr_access = 28,
	mov_dr = 29,
	io_instruction = 30,
	rdmsr = 31,
	wrmsr = 32,
	entry_invalid_guest_state = 33,
	entry_msr_loading = 34,
	mwait = 36,
	monitor_trap_flag = 37,
	monitor = 39,
	pause = 40,
	entry_machine_check = 41,
	tpr_below_threshold = 43,
	apic_access = 44,
	virtualized_eoi = 45,
	gdtr_idtr_access = 46,
	ldtr_tr_access = 47,
	ept_violation = 48,
	ept_misconfiguration = 49,
	invept = 50,
	rdtscp = 51,
	preemption_timer = 52,
	invvpid = 53,
	wbinvd = 54,
	xsetbv = 55,
	apic_write = 56,
	rdrand = 57,
	invpcid = 58,
	vmfunc = 59,
	encls = 60,
	rdseed = 61,
	pml_full = 62,
	xsaves = 63,
	xrstors = 64,
};

// Exit-reason field: bits 15:0 the basic reason, bit 31 "VM-entry failure".
inline constexpr u32 basic_mask = 0xFFFF;
inline constexpr u32 entry_failure = 1U << 31;

}  // namespace pv::vmx::exit_reason

namespace pv::vmx::exit_qual {

// EPT violation (Table 28-7): the access that caused it.
inline constexpr u64 ept_read = 1ULL << 0;
inline constexpr u64 ept_write = 1ULL << 1;
inline constexpr u64 ept_fetch = 1ULL << 2;

// Control-register access (Table 28-3).
[[nodiscard]] constexpr unsigned cr_number(u64 q) { return unsigned(q & 0xf); }
[[nodiscard]] constexpr unsigned cr_access_type(u64 q) { return unsigned((q >> 4) & 3); }
[[nodiscard]] constexpr unsigned cr_gpr(u64 q) { return unsigned((q >> 8) & 0xf); }
inline constexpr unsigned cr_mov_to = 0, cr_mov_from = 1;

}  // namespace pv::vmx::exit_qual

namespace pv::vmx::intr_info {

// VM-exit / VM-entry interruption information (25.9.2, 25.8.3).
[[nodiscard]] constexpr u32 vector(u32 info) { return info & 0xff; }
[[nodiscard]] constexpr u32 type(u32 info) { return (info >> 8) & 7; }
inline constexpr u32 error_code_valid = 1U << 11;
inline constexpr u32 valid = 1U << 31;
inline constexpr u32 type_external = 0, type_nmi = 2, type_hw_exception = 3,
		     type_sw_interrupt = 4, type_priv_sw_exception = 5, type_sw_exception = 6;

}  // namespace pv::vmx::intr_info
