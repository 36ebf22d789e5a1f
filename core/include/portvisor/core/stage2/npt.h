// SPDX-License-Identifier: GPL-2.0
// AMD64 long-mode page-table entries as AMD-V nested paging (NPT) uses them,
// and nCR3.
//
// AMD APM Vol. 2: 5.3 "Long-Mode Page Translation" (figures of the 4-Kbyte,
// 2-Mbyte and 1-Gbyte PML4E / PDPE / PDE / PTE formats, 5-level with
// PML5E), 5.4 "Page-Translation-Table Entry Fields", 7.8 "Page-Attribute
// Table Mechanism", and 15.25 "Nested Paging": nested walks are user
// accesses (15.25.5), so U/S is 1 in every nested entry; nCR3 is in the VMCB
// (15.25.3); the nested tables take the host's paging depth (5 levels with
// LA57) and the host's PAT MSR for their memory types (15.25.8).
//
//   bit 0  present (implies read)   bit 5  accessed    } set by the CPU
//   bit 1  read/write               bit 6  dirty       }
//   bit 2  user/supervisor = 1      bit 7  PS (PDPE, PDE: 1 GiB / 2 MiB leaf);
//   bit 3  PWT                             PAT in a PTE (4 KiB leaf)
//   bit 4  PCD                      bit 12 PAT in a 2 MiB / 1 GiB leaf
//   51:12  physical address (51:21, 51:30 for large pages)
//   bit 63 NX (valid because Linux always runs with EFER.NXE = 1)
// Memory type = host PAT entry PAT*4 + PCD*2 + PWT. Entry 0 is WB and entry 3
// is UC both at power-on and under Linux, so: WB = all three 0,
// UC = PCD|PWT; the PAT bit is never set.
#pragma once

#include "portvisor/core/stage2/format.h"

namespace pv::stage2 {

struct npt {
	static constexpr const char* name = "npt";
	static constexpr unsigned output_bits = 52;
	static constexpr bool break_before_make = false;

	static constexpr u64 present = 1ULL << 0;
	static constexpr u64 writable = 1ULL << 1;
	static constexpr u64 user = 1ULL << 2;
	static constexpr u64 pwt = 1ULL << 3;
	static constexpr u64 pcd = 1ULL << 4;
	static constexpr u64 accessed = 1ULL << 5;
	static constexpr u64 dirty = 1ULL << 6;
	static constexpr u64 page_size_bit = 1ULL << 7;  // PS, in PDPEs and PDEs
	static constexpr u64 pat_4k = 1ULL << 7;         // PAT, in PTEs
	static constexpr u64 pat_large = 1ULL << 12;     // PAT, in 2M / 1G leaves
	static constexpr u64 no_execute = 1ULL << 63;
	static constexpr u64 address_mask = 0x000ffffffffff000ULL;  // 51:12

	[[nodiscard]] static constexpr geometry resolve(const config& cfg)
	{
		return detail::resolve_x86(cfg);
	}

	[[nodiscard]] static constexpr bool is_valid(u64 d) { return (d & present) != 0; }
	[[nodiscard]] static constexpr bool is_table(u64 d, unsigned height)
	{
		return height > max_leaf_height || (d & page_size_bit) == 0;
	}
	// Tables allow everything (read/write, user, executable): leaves decide.
	[[nodiscard]] static constexpr u64 table(u64 pa)
	{
		return (pa & address_mask) | present | writable | user;
	}
	[[nodiscard]] static constexpr u64 table_address(u64 d) { return d & address_mask; }

	[[nodiscard]] static constexpr u64 leaf(u64 pa, unsigned height, perm p, mem_type m)
	{
		return (pa & address_mask & ~(span(height) - 1)) | present | user |
		       (height > 0 ? page_size_bit : 0) | (m == mem_type::device ? pcd | pwt : 0) |
		       perm_bits(p);
	}
	// For large pages the mask also drops the PAT bit (12).
	[[nodiscard]] static constexpr u64 leaf_address(u64 d, unsigned height)
	{
		return d & address_mask & ~(span(height) - 1);
	}
	[[nodiscard]] static constexpr perm leaf_perm(u64 d)
	{
		return perm::r | ((d & writable) ? perm::w : perm::none) |
		       ((d & no_execute) ? perm::none : perm::x);
	}
	// PAT index 0 is WB; anything else this engine writes is index 3 (UC).
	[[nodiscard]] static constexpr mem_type leaf_mem_type(u64 d, unsigned height)
	{
		const u64 pat = height > 0 ? pat_large : pat_4k;
		return (d & (pat | pcd | pwt)) == 0 ? mem_type::normal_wb : mem_type::device;
	}
	[[nodiscard]] static constexpr u64 with_perm(u64 d, unsigned, perm p)
	{
		return (d & ~(writable | no_execute)) | perm_bits(p);
	}

	// VMCB nCR3: the root table's address; PWT = PCD = 0 make the walk WB.
	[[nodiscard]] static constexpr u64 ncr3(u64 root_phys) { return root_phys & address_mask; }

private:
	[[nodiscard]] static constexpr u64 perm_bits(perm p)
	{
		return (has(p, perm::w) ? writable : 0) | (has(p, perm::x) ? 0 : no_execute);
	}
};

static_assert(format<npt>);

}  // namespace pv::stage2
