// SPDX-License-Identifier: GPL-2.0
// Architectural validity rules both x86 backends check register values
// against. Pure, host-tested through the backends' tests.
#pragma once

#include "portvisor/core/types.h"

namespace pv::x86 {

// A linear address is canonical when bits 63:width-1 are all equal (SDM
// Vol. 1 3.3.7.1): width 48 with 4-level paging, 57 with LA57.
[[nodiscard]] constexpr bool canonical(u64 a, unsigned width = 48)
{
	const unsigned shift = 64 - width;
	return u64(static_cast<int64_t>(a << shift) >> shift) == a;
}

// Every IA32_PAT entry one of the memory types UC, WC, WT, WP, WB, UC-
// (SDM Vol. 3A 12.12.2; 2, 3 and 8-255 are reserved).
[[nodiscard]] constexpr bool valid_pat(u64 pat)
{
	for (unsigned i = 0; i < 8; i++) {
		const u64 t = (pat >> (8 * i)) & 0xff;
		if (t != 0 && t != 1 && t != 4 && t != 5 && t != 6 && t != 7)
			return false;
	}
	return true;
}

}  // namespace pv::x86
