// SPDX-License-Identifier: GPL-2.0
// Intel EPT descriptors and the EPTP.
//
// Intel SDM Vol. 3C, chapter "VMX Support for Address Translation" (29 in
// the 2023+ editions, 28 before): "EPT Translation Mechanism" and the tables
// "Format of an EPT PML5 / PML4 Entry", "... PDPTE that Maps a 1-GByte
// Page", "... PDPTE that References an EPT Page Directory", "... PDE that
// Maps a 2-MByte Page", "... PDE that References an EPT Page Table",
// "... PTE that Maps a 4-KByte Page"; "EPT and Memory Typing"; and
// "Extended-Page-Table Pointer (EPTP)" (25.6.11, 24.6.11 before).
//
//   bit 0   read          bit 6   ignore PAT (leaves)
//   bit 1   write         bit 7   leaf at 1 GiB / 2 MiB (PDPTE, PDE)
//   bit 2   execute       bit 8   accessed  } set by the CPU when EPTP
//   5:3     memory type   bit 9   dirty     } enables A/D; never by us
//   bit 10  user-mode execute: only with mode-based execute control (MBEC),
//           which portvisor does not enable; left 0 (ignored without it).
//   51:12   physical address (51:21 for 2 MiB, 51:30 for 1 GiB leaves)
// An entry is present when any of bits 2:0 is set. Entries that reference
// a table get read+write+execute, so the leaf alone decides the access.
#pragma once

#include "portvisor/core/stage2/format.h"

namespace pv::stage2 {

struct ept {
	static constexpr const char* name = "ept";
	static constexpr unsigned output_bits = 52;
	static constexpr bool break_before_make = false;

	static constexpr u64 read = 1ULL << 0;
	static constexpr u64 write = 1ULL << 1;
	static constexpr u64 execute = 1ULL << 2;
	static constexpr unsigned memtype_shift = 3;  // bits 5:3
	static constexpr u64 ignore_pat = 1ULL << 6;
	static constexpr u64 large = 1ULL << 7;
	static constexpr u64 accessed = 1ULL << 8;
	static constexpr u64 dirty = 1ULL << 9;
	static constexpr u64 user_execute = 1ULL << 10;             // MBEC only; unused
	static constexpr u64 address_mask = 0x000ffffffffff000ULL;  // 51:12

	// Memory types (SDM "Memory Types That Can Be Encoded in MTRRs" / EPT).
	static constexpr u64 mt_uc = 0;
	static constexpr u64 mt_wb = 6;

	[[nodiscard]] static constexpr geometry resolve(const config& cfg)
	{
		return detail::resolve_x86(cfg);
	}

	[[nodiscard]] static constexpr bool is_valid(u64 d)
	{
		return (d & (read | write | execute)) != 0;
	}
	[[nodiscard]] static constexpr bool is_table(u64 d, unsigned height)
	{
		return height > max_leaf_height || (d & large) == 0;
	}
	[[nodiscard]] static constexpr u64 table(u64 pa)
	{
		return (pa & address_mask) | read | write | execute;
	}
	[[nodiscard]] static constexpr u64 table_address(u64 d) { return d & address_mask; }

	// Guest RAM: WB and ignore the guest's PAT (as KVM does without
	// non-coherent DMA). Devices: UC, guest PAT honoured (the combination
	// stays uncached, or WC when the guest asks for it).
	[[nodiscard]] static constexpr u64 leaf(u64 pa, unsigned height, perm p, mem_type m)
	{
		const u64 type = m == mem_type::device ? mt_uc << memtype_shift
						       : (mt_wb << memtype_shift) | ignore_pat;
		return (pa & address_mask & ~(span(height) - 1)) | perm_bits(p) | type |
		       (height > 0 ? large : 0);
	}
	[[nodiscard]] static constexpr u64 leaf_address(u64 d, unsigned height)
	{
		return d & address_mask & ~(span(height) - 1);
	}
	[[nodiscard]] static constexpr perm leaf_perm(u64 d) { return perm(d & 7); }
	[[nodiscard]] static constexpr mem_type leaf_mem_type(u64 d, unsigned)
	{
		return bits(d, 5, 3) == mt_wb ? mem_type::normal_wb : mem_type::device;
	}
	[[nodiscard]] static constexpr u64 with_perm(u64 d, unsigned, perm p)
	{
		return (d & ~(read | write | execute)) | perm_bits(p);
	}

	// EPTP (VMCS field 0x201A): paging-structure memory type WB (bits 2:0),
	// page-walk length - 1 (bits 5:3), A/D flags enable (bit 6), root 51:12.
	[[nodiscard]] static constexpr u64 eptp(u64 root_phys, unsigned levels, bool accessed_dirty)
	{
		return (root_phys & address_mask) | mt_wb | (u64(levels - 1) << 3) |
		       (accessed_dirty ? 1ULL << 6 : 0);
	}

private:
	[[nodiscard]] static constexpr u64 perm_bits(perm p) { return u64(u8(p) & 7); }
};

static_assert(format<ept>);

}  // namespace pv::stage2
