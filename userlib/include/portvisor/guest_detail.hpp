// SPDX-License-Identifier: MIT
// The pure parts of run_in_guest (portvisor/guest.hpp), apart so that the
// host unit tests check them: the guest's initial x86-64 registers, and what
// the run loop does with each exit of PV_RUN.
#pragma once

#include <cstdint>
#include <string>

#include "portvisor/portvisor.h"

namespace portvisor::detail {

// The guest run_in_guest sets up: 64-bit ring 0, paging on.
// CR0: PG | AM | WP | NE | ET | MP | PE (Linux's value; AM does nothing
// with RFLAGS.AC clear).
inline constexpr uint64_t guest_cr0 = 0x80050033ULL;
// CR4: PAE | OSFXSR | OSXMMEXCPT; OSXSAVE added when the host has it.
inline constexpr uint64_t guest_cr4 = 0x620ULL;
inline constexpr uint64_t cr4_osxsave = 1ULL << 18;
// EFER: LME | LMA | NXE.
inline constexpr uint64_t guest_efer = 0xd00ULL;
// The power-on PAT: WB, WT, UC-, UC, twice.
inline constexpr uint64_t guest_pat = 0x0007040600070406ULL;
inline constexpr uint64_t guest_rflags = 0x2ULL;  // interrupts off
// Segment attributes (AMD VMCB layout, as struct pv_segment).
// G: the limits are 0xffffffff (VMX entry checks G against the limit).
inline constexpr uint16_t attrib_code64 = 0xa9b;  // code RX accessed, S, P, L, G
inline constexpr uint16_t attrib_data = 0xc93;    // data RW accessed, S, P, D/B, G
inline constexpr uint16_t attrib_tss64 = 0x08b;   // busy 64-bit TSS, P
inline constexpr uint16_t attrib_ldt = 0x082;     // LDT, P
inline constexpr uint16_t selector_code = 0x08;
inline constexpr uint16_t selector_data = 0x10;

struct guest_cpu_state {
	uint64_t cr3 = 0;      // the root of the guest page tables
	uint64_t fs_base = 0;  // the calling thread's (ARCH_GET_FS): %fs:0x28 canary
	uint64_t gs_base = 0;  // ARCH_GET_GS
	bool osxsave = false;  // CPUID.1:ECX.OSXSAVE on the host
};

[[nodiscard]] pv_sregs_x86_64 make_sregs_x86_64(const guest_cpu_state& cpu);
// Enters the trampoline with rdi = arg, rsi = fn, rsp = stack_top (16-byte
// aligned), interrupts off; every other register 0.
[[nodiscard]] pv_regs_x86_64 make_regs_x86_64(uint64_t trampoline, uint64_t stack_top, uint64_t fn,
					      uint64_t arg);

enum class exit_action {
	done,               // PV_HC_EXIT_TO_USER: value is the guest's result
	run_again,          // interrupted by a signal: RUN again
	page_fault,         // #PF: value is the address (CR2)
	native_syscall,     // run syscall.nr natively, the guest gets the result
	user_only_syscall,  // PV_SYSCALL_USER_ONLY: the caller's handler or -ENOSYS
	fail,               // err and message say why
};

struct exit_decision {
	exit_action action = exit_action::fail;
	uint64_t value = 0;
	int err = 0;          // fail: positive errno (EFAULT stage-2 fault, EIO others)
	std::string message;  // fail: the exit and its data
};

// What the run loop does after PV_RUN returned run_errno (0 or a positive
// errno) with `run` as the run page.
[[nodiscard]] exit_decision classify_exit(const pv_run& run, int run_errno);
// One line naming the exit in `run` and its data, for messages.
[[nodiscard]] std::string describe_exit(const pv_run& run);
// "#PF", "#GP", ... for an exception vector; "vector N" beyond 31.
[[nodiscard]] std::string exception_name(unsigned vector);
// "not-present read by supervisor" style text of a #PF error code.
[[nodiscard]] std::string page_fault_error_text(uint64_t error_code);
// 0x-prefixed hex.
[[nodiscard]] std::string hex(uint64_t v);

}  // namespace portvisor::detail
