// SPDX-License-Identifier: GPL-2.0
// arm64 system register fields portvisor decides on.
// Arm Architecture Reference Manual for A-profile (DDI 0487), D19 "AArch64
// System Register Descriptions".
#pragma once

#include "portvisor/core/types.h"

namespace pv::arm64::reg {

// CurrentEL [3:2] (D19.2.30)
inline constexpr unsigned current_el_hi = 3, current_el_lo = 2;

// ID_AA64MMFR0_EL1 (D19.2.64)
inline constexpr unsigned mmfr0_parange_hi = 3, mmfr0_parange_lo = 0;
inline constexpr unsigned mmfr0_tgran4_hi = 31, mmfr0_tgran4_lo = 28;
inline constexpr unsigned mmfr0_tgran4_2_hi = 43, mmfr0_tgran4_2_lo = 40;
inline constexpr u64 tgran4_not_supported = 0xF;
inline constexpr u64 tgran4_2_as_stage1 = 0, tgran4_2_not_supported = 1;

// PARange encodings -> physical address bits.
inline constexpr u32 parange_bits[] = {32, 36, 40, 42, 44, 48, 52};

// ID_AA64MMFR1_EL1 (D19.2.65)
inline constexpr unsigned mmfr1_hafdbs_hi = 3, mmfr1_hafdbs_lo = 0;
inline constexpr u64 hafdbs_access_and_dirty = 2;  // 1: access flag only
inline constexpr unsigned mmfr1_vmidbits_hi = 7, mmfr1_vmidbits_lo = 4;
inline constexpr unsigned mmfr1_vh_hi = 11, mmfr1_vh_lo = 8;
inline constexpr u64 vmidbits_16 = 2;

// HCR_EL2 (D19.2.48)
inline constexpr unsigned hcr_tge = 27;
inline constexpr unsigned hcr_rw = 31;
inline constexpr unsigned hcr_e2h = 34;

}  // namespace pv::arm64::reg
