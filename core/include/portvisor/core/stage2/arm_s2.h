// SPDX-License-Identifier: GPL-2.0
// ARMv8-A stage-2 translation descriptors (VMSAv8-64, 4 KiB granule, 48-bit
// output addresses, FEAT_S2FWB not used), VTTBR_EL2 and VTCR_EL2.
//
// Arm ARM DDI 0487 (K.a numbering; older issues put these in D5 / D4):
//   D8.3   "Translation table descriptor formats": Table descriptor
//          (bits 1:0 = 0b11, next-level address 47:12, no attributes at
//          stage 2), Block descriptor (bits 1:0 = 0b01, levels 1 and 2 with
//          4 KiB granules), Page descriptor (bits 1:0 = 0b11, level 3).
//   D8.3   "Stage 2 Block and Page descriptor attributes": MemAttr[3:0] in
//          bits 5:2, S2AP in bits 7:6 (bit 6 read, bit 7 write), SH in 9:8,
//          AF bit 10, XN bit 54 (XN[1:0] = 54:53 with FEAT_XNX; 53 left 0).
//   D8.6   "Stage 2 memory type and Cacheability attributes when
//          FEAT_S2FWB is disabled": MemAttr 0b1111 = Normal, Outer WB,
//          Inner WB; 0b0001 = Device-nGnRE.
//   D8.2   "Translation table walk": concatenation of up to 16 tables at the
//          initial lookup level, chosen by VTCR_EL2.T0SZ and SL0.
//   D23    VTTBR_EL2 (BADDR 47:1, VMID 63:48) and VTCR_EL2 (T0SZ 5:0,
//          SL0 7:6, IRGN0 9:8, ORGN0 11:10, SH0 13:12, TG0 15:14, PS 18:16,
//          bit 31 RES1).
//
// Leaves are written with AF = 1 (no access-flag faults), SH = Inner
// Shareable (Device memory ignores SH; KVM writes IS for both too).
// Replacing a valid block by a table or back needs break-before-make.
#pragma once

#include "portvisor/core/stage2/format.h"

namespace pv::stage2 {

struct arm_s2 {
	static constexpr const char* name = "arm64-s2";
	static constexpr unsigned output_bits = 48;
	static constexpr bool break_before_make = true;

	static constexpr u64 valid = 1ULL << 0;
	static constexpr u64 table_or_page = 1ULL << 1;  // 1: table (levels 0-2) / page (level 3)
	static constexpr unsigned memattr_shift = 2;     // MemAttr[3:0], bits 5:2
	static constexpr u64 s2ap_read = 1ULL << 6;
	static constexpr u64 s2ap_write = 1ULL << 7;
	static constexpr u64 sh_inner = 3ULL << 8;
	static constexpr u64 access_flag = 1ULL << 10;
	static constexpr u64 execute_never = 1ULL << 54;
	static constexpr u64 address_mask = 0x0000fffffffff000ULL;  // 47:12

	static constexpr u64 memattr_normal_wb = 0xf;     // 0b1111
	static constexpr u64 memattr_device_ngnre = 0x1;  // 0b0001

	static constexpr unsigned min_ipa_bits = 32;
	static constexpr unsigned max_ipa_bits = 48;  // 52 needs FEAT_LPA2
	static constexpr unsigned default_ipa_bits = 40;

	// Levels for an IPA size, using up to 16 concatenated tables at the
	// start level (the same rule as arch/arm64-vhe stage2_levels_for_ipa).
	[[nodiscard]] static constexpr unsigned levels_for_ipa(unsigned ipa_bits)
	{
		return (ipa_bits - 8) / 9;
	}
	// Initial lookup level (0..2) of a table with that many levels.
	[[nodiscard]] static constexpr unsigned start_level(unsigned levels) { return 4 - levels; }
	// Tables concatenated at the start level.
	[[nodiscard]] static constexpr unsigned concatenated_tables(unsigned ipa_bits)
	{
		const unsigned root_bits = ipa_bits - (12 + 9 * (levels_for_ipa(ipa_bits) - 1));
		return root_bits > 9 ? 1U << (root_bits - 9) : 1U;
	}

	[[nodiscard]] static constexpr geometry resolve(const config& cfg)
	{
		const unsigned ipa = cfg.ipa_bits == 0 ? default_ipa_bits : cfg.ipa_bits;
		if (ipa < min_ipa_bits || ipa > max_ipa_bits)
			return {};
		const unsigned levels = levels_for_ipa(ipa);
		if (cfg.levels != 0 && cfg.levels != levels)
			return {};
		return {levels, ipa};
	}

	[[nodiscard]] static constexpr bool is_valid(u64 d) { return (d & valid) != 0; }
	[[nodiscard]] static constexpr bool is_table(u64 d, unsigned)
	{
		return (d & table_or_page) != 0;
	}
	[[nodiscard]] static constexpr u64 table(u64 pa)
	{
		return (pa & address_mask) | valid | table_or_page;
	}
	[[nodiscard]] static constexpr u64 table_address(u64 d) { return d & address_mask; }

	[[nodiscard]] static constexpr u64 leaf(u64 pa, unsigned height, perm p, mem_type m)
	{
		const u64 attr = m == mem_type::device ? memattr_device_ngnre : memattr_normal_wb;
		return (pa & address_mask & ~(span(height) - 1)) | valid |
		       (height == 0 ? table_or_page : 0) | (attr << memattr_shift) | sh_inner |
		       access_flag | perm_bits(p);
	}
	[[nodiscard]] static constexpr u64 leaf_address(u64 d, unsigned height)
	{
		return d & address_mask & ~(span(height) - 1);
	}
	[[nodiscard]] static constexpr perm leaf_perm(u64 d)
	{
		return ((d & s2ap_read) ? perm::r : perm::none) |
		       ((d & s2ap_write) ? perm::w : perm::none) |
		       ((d & execute_never) ? perm::none : perm::x);
	}
	[[nodiscard]] static constexpr mem_type leaf_mem_type(u64 d, unsigned)
	{
		return bits(d, 5, 2) == memattr_normal_wb ? mem_type::normal_wb : mem_type::device;
	}
	[[nodiscard]] static constexpr u64 with_perm(u64 d, unsigned, perm p)
	{
		return (d & ~(s2ap_read | s2ap_write | execute_never)) | perm_bits(p);
	}

	// VTTBR_EL2: BADDR (the root, aligned to the size of all its concatenated
	// tables) and the VMID in 63:48 (8-bit VMIDs use 55:48); CnP (bit 0) 0.
	[[nodiscard]] static constexpr u64 vttbr(u64 root_phys, u16 vmid)
	{
		return (root_phys & address_mask) | (u64(vmid) << 48);
	}

	// VTCR_EL2.PS for an output (physical) address size, or ~0 if none.
	[[nodiscard]] static constexpr u64 ps_field(unsigned pa_bits)
	{
		switch (pa_bits) {
		case 32: return 0;
		case 36: return 1;
		case 40: return 2;
		case 42: return 3;
		case 44: return 4;
		case 48: return 5;
		case 52: return 6;
		default: return ~0ULL;
		}
	}

	// VTCR_EL2 for a table of `ipa_bits` on a CPU with `pa_bits` of physical
	// address (ID_AA64MMFR0_EL1.PARange): T0SZ = 64 - ipa_bits, SL0 from the
	// start level (4 KiB granule: 0b10 level 0, 0b01 level 1, 0b00 level 2),
	// table walks Inner/Outer Write-Back Read/Write-Allocate (0b01) and Inner
	// Shareable, TG0 = 4 KiB, PS, RES1 bit 31. VS (16-bit VMID), HA/HD and
	// the other feature bits are the backend's. 0 for sizes out of range.
	[[nodiscard]] static constexpr u64 vtcr(unsigned ipa_bits, unsigned pa_bits)
	{
		if (ipa_bits < min_ipa_bits || ipa_bits > max_ipa_bits ||
		    ps_field(pa_bits) == ~0ULL)
			return 0;
		const u64 sl0 = 2 - start_level(levels_for_ipa(ipa_bits));
		return u64(64 - ipa_bits) | (sl0 << 6) | (1ULL << 8) | (1ULL << 10) | (3ULL << 12) |
		       (0ULL << 14) | (ps_field(pa_bits) << 16) | (1ULL << 31);
	}

private:
	[[nodiscard]] static constexpr u64 perm_bits(perm p)
	{
		return (has(p, perm::r) ? s2ap_read : 0) | (has(p, perm::w) ? s2ap_write : 0) |
		       (has(p, perm::x) ? 0 : execute_never);
	}
};

static_assert(format<arm_s2>);

}  // namespace pv::stage2
