// SPDX-License-Identifier: GPL-2.0
// Deciding whether the arm64 VHE backend can run on a CPU, from a snapshot
// of its registers (read in vhe_probe_read.cpp, decided in vhe_probe.cpp).
#pragma once

#include "portvisor/core/capabilities.h"

namespace pv::arm64 {

struct cpu_snapshot {
	u32 current_el = 1;
	u64 id_aa64mmfr0 = 0;
	u64 id_aa64mmfr1 = 0;
	u64 hcr_el2 = 0;  // read only when current_el == 2
};

// The stage-2 IPA size portvisor uses: the CPU's PA size, at most 48 bits
// (52-bit IPAs with 4 KiB granules need FEAT_LPA2, not supported yet).
inline constexpr u32 max_ipa_bits = 48;

// Stage-2 levels for an IPA size with 4 KiB granules, using up to 16
// concatenated tables at the start level (DDI 0487, D8.2.8 / VTCR_EL2.SL0).
[[nodiscard]] constexpr u32 stage2_levels_for_ipa(u32 ipa_bits) { return (ipa_bits - 8) / 9; }

[[nodiscard]] core::probe_result decide(const cpu_snapshot& cpu);
[[nodiscard]] cpu_snapshot read_this_cpu();

}  // namespace pv::arm64
