// SPDX-License-Identifier: GPL-2.0
// RDMSR/WRMSR for the backends' world-switch code: module only, ring 0,
// for MSRs the backend knows exist (pv_platform_rdmsr_safe otherwise).
#pragma once

#include "portvisor/core/types.h"

namespace pv::x86 {

inline void wrmsr(u32 msr, u64 v)
{
	asm volatile("wrmsr" ::"c"(msr), "a"(u32(v)), "d"(u32(v >> 32)) : "memory");
}

[[nodiscard]] inline u64 rdmsr(u32 msr)
{
	u32 lo = 0, hi = 0;
	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (u64(hi) << 32) | lo;
}

}  // namespace pv::x86
