// SPDX-License-Identifier: GPL-2.0
// The hypercall ABI (DESIGN.md "Hypercall ABI"): the registers each backend
// reads at a hypercall exit, and their decoding into {nr, args[6]}. Each
// arch's Linux syscall convention, so that a guest's syscall entry stub
// only swaps the trapping instruction:
//   x86_64 VMX (vmcall), SVM (vmmcall): nr rax; args rdi rsi rdx r10 r8 r9; result rax
//   arm64 (hvc #0):                     nr x8;  args x0..x5;                result x0
#pragma once

#include "portvisor/core/trap/classify.h"

namespace pv::trap {

// What a VMX or SVM backend copies out of the guest state (VMCS/VMCB and
// its saved GPRs) at a VMCALL / VMMCALL exit.
struct x86_64_hypercall_regs {
	u64 rax;  // number in, result out
	u64 rdi, rsi, rdx, r10, r8, r9;
};

// What the arm64 VHE backend copies out of the saved guest context at an
// HVC #0 exit (ESR_EL2.EC = 0x16, ISS = 0).
struct arm64_hypercall_regs {
	u64 x0, x1, x2, x3, x4, x5;  // x0 is argument 0 in, the result out
	u64 x8;                      // number
};

struct hypercall {
	syscall_arch arch = syscall_arch::x86_64;
	u32 nr = 0;      // low 32 bits of the number register, as the native entry reads it
	u64 nr_reg = 0;  // the whole register, written back when the call restarts
	u64 args[6] = {};
	// Issued from the guest's user mode (x86 CPL > 0), which the backend
	// reads from the guest state. arm64 never sets it: HVC is UNDEFINED
	// at EL0 and traps to the guest's EL1, not to EL2.
	bool user_mode = false;
};

[[nodiscard]] constexpr hypercall decode(const x86_64_hypercall_regs& r)
{
	return {syscall_arch::x86_64, u32(r.rax), r.rax, {r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9}};
}

[[nodiscard]] constexpr hypercall decode(const arm64_hypercall_regs& r)
{
	return {syscall_arch::arm64, u32(r.x8), r.x8, {r.x0, r.x1, r.x2, r.x3, r.x4, r.x5}};
}

// The reserved numbers (kmod/uapi/portvisor.h PV_HC_*, checked against it in
// trap.cpp): above every syscall number, x32's included, and below the
// negative ones. They are portvisor's own and never reach seccomp.
inline constexpr u32 hc_base = 0x7f000000U;
inline constexpr u32 hc_exit_to_user = hc_base + 0;  // exit to user space with args[0]
inline constexpr u32 hc_yield = hc_base + 1;         // give up the CPU, then resume
inline constexpr u32 hc_end = 0x80000000U;           // first number after the range

[[nodiscard]] constexpr bool is_hypercall_number(u32 nr) { return nr >= hc_base && nr < hc_end; }

}  // namespace pv::trap
