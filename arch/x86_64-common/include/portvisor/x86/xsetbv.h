// SPDX-License-Identifier: GPL-2.0
// XSETBV from the guest. The guest runs with the calling thread's XCR0 (its
// FPU/SSE/AVX state is the thread's), so the one XSETBV the backends
// complete in the kernel is the one that changes nothing: XCR0 (ECX = 0)
// set to the value it already has. Guest kernels written for bare metal or
// KVM (gVisor's ring0, for one) execute exactly that at start-up. Any other
// XSETBV exits to user space (PV_EXIT_INTERNAL_ERROR with the exit reason):
// a different XCR0 would have to be switched around every exit.
// Intel SDM Vol. 2C "XSETBV", Vol. 1 13.3; AMD APM Vol. 3 "XSETBV".
#pragma once

#include "portvisor/core/types.h"

namespace pv::x86 {

inline constexpr u64 cr4_osxsave = 1ULL << 18;  // SDM Vol. 3A 2.5
inline constexpr u32 xcr_xcr0 = 0;              // ECX of XCR0

// Whether XSETBV with ECX:EDX:EAX (the guest's registers) leaves XCR0 as
// it is: `host_cr4` the CR4 the exit handler runs with, `xcr0` read with
// XGETBV only when CR4.OSXSAVE is set (XGETBV faults otherwise).
[[nodiscard]] constexpr bool xsetbv_changes_nothing(u64 rcx, u64 rax, u64 rdx, u64 host_cr4,
						    u64 xcr0)
{
	if ((host_cr4 & cr4_osxsave) == 0 || u32(rcx) != xcr_xcr0)
		return false;
	return (u64(u32(rdx)) << 32 | u32(rax)) == xcr0;
}

// XCR0 of this CPU. Ring 0 with CR4.OSXSAVE set only.
[[nodiscard]] inline u64 xgetbv_xcr0()
{
	u32 lo, hi;
	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(xcr_xcr0));
	return u64(hi) << 32 | lo;
}

// The exit handler's answer for a guest XSETBV: reads this CPU's CR4 and,
// when OSXSAVE is on, XCR0. Ring 0.
[[nodiscard]] inline bool guest_xsetbv_changes_nothing(u64 rcx, u64 rax, u64 rdx)
{
	u64 cr4;
	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	return (cr4 & cr4_osxsave) != 0 &&
	       xsetbv_changes_nothing(rcx, rax, rdx, cr4, xgetbv_xcr0());
}

}  // namespace pv::x86
