// SPDX-License-Identifier: GPL-2.0
// The guest's own SYSCALL/SYSRET MSRs (STAR, LSTAR, CSTAR, SFMASK): which
// MSRs they are and which values a WRMSR of them accepts. A guest kernel
// sets them for its own user mode (gVisor's ring0 does at start-up); the
// host's are what a host SYSCALL needs, so both backends switch them
// (docs/abi.md "The guest's SYSCALL MSRs"). Pure: host-tested.
#pragma once

#include "portvisor/core/types.h"
#include "portvisor/x86/rules.h"

namespace pv::x86 {

// SDM Vol. 4, Table 2-2 (IA32_STAR, IA32_LSTAR, IA32_CSTAR, IA32_FMASK);
// AMD APM Vol. 2, 6.1.1 "SYSCALL and SYSRET". In the order of the fields
// of struct pv_sregs_x86_64 and of the VMCB's save area.
enum syscall_msr : unsigned { star = 0, lstar = 1, cstar = 2, sfmask = 3 };
inline constexpr unsigned syscall_msr_count = 4;
inline constexpr u32 syscall_msr_index[syscall_msr_count] = {0xC0000081, 0xC0000082, 0xC0000083,
							     0xC0000084};

// The slot of an MSR number, or -1 when it is not one of the four.
[[nodiscard]] constexpr int syscall_msr_slot(u32 msr)
{
	for (unsigned i = 0; i < syscall_msr_count; i++)
		if (syscall_msr_index[i] == msr)
			return int(i);
	return -1;
}

// Whether WRMSR accepts the value without #GP: LSTAR and CSTAR hold
// linear addresses and must be canonical (48 bits: the guest pages with
// 4 levels); SFMASK's bits 63:32 are reserved; every STAR value is valid.
[[nodiscard]] constexpr bool syscall_msr_value_valid(unsigned slot, u64 value)
{
	switch (slot) {
	case lstar:
	case cstar: return canonical(value);
	case sfmask: return (value >> 32) == 0;
	default: return true;
	}
}

// The guest's values, as SET_SREGS gives them and WRMSR changes them.
struct syscall_msr_values {
	u64 v[syscall_msr_count] = {};

	[[nodiscard]] bool valid() const
	{
		for (unsigned i = 0; i < syscall_msr_count; i++)
			if (!syscall_msr_value_valid(i, v[i]))
				return false;
		return true;
	}
};

// The four fields of struct pv_sregs_x86_64 (star, lstar, cstar, sfmask),
// to and from the slots.
template <class Sregs> [[nodiscard]] constexpr syscall_msr_values syscall_msrs_of(const Sregs& s)
{
	return {{s.star, s.lstar, s.cstar, s.sfmask}};
}
template <class Sregs> constexpr void put_syscall_msrs(const syscall_msr_values& m, Sregs& s)
{
	s.star = m.v[star];
	s.lstar = m.v[lstar];
	s.cstar = m.v[cstar];
	s.sfmask = m.v[sfmask];
}

// EFER.SCE (SDM Vol. 4 Table 2-2): without it SYSCALL and SYSRET are #UD,
// and the four MSRs do nothing.
inline constexpr u64 efer_sce = 1ULL << 0;

}  // namespace pv::x86
