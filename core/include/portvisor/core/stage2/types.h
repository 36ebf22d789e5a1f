// SPDX-License-Identifier: GPL-2.0
// Vocabulary of the stage-2 page-table engine (table.h): permissions, memory
// types, page sizes, errors, results, statistics and the per-VM configuration.
// Arch-neutral; each descriptor format (ept.h, npt.h, arm_s2.h) encodes these.
#pragma once

#include "portvisor/core/types.h"
#include "portvisor/platform.h"

namespace pv::stage2 {

// Access a guest has to a mapping. Every mapping is readable: the formats
// agree on r, rw, rx and rwx only (EPT needs a CPU capability for execute-only
// and forbids write-without-read; NPT cannot express a non-readable present
// page), so those are the only valid values.
enum class perm : u8 { none = 0, r = 1, w = 2, x = 4, rw = 3, rx = 5, rwx = 7 };

[[nodiscard]] constexpr perm operator|(perm a, perm b) { return perm(u8(a) | u8(b)); }
[[nodiscard]] constexpr perm operator&(perm a, perm b) { return perm(u8(a) & u8(b)); }
[[nodiscard]] constexpr perm operator~(perm a) { return perm(~u8(a) & 7U); }
// All of `want` is in `set`.
[[nodiscard]] constexpr bool has(perm set, perm want) { return (u8(set) & u8(want)) == u8(want); }
[[nodiscard]] constexpr bool valid_perm(perm p) { return u8(p) <= 7 && has(p, perm::r); }

// Memory type of a mapping: guest RAM, or a device region (MMIO).
//   normal_wb: EPT WB + ignore-PAT, NPT PAT index 0 (WB), ARM Normal Inner/Outer WB.
//   device:    EPT UC (guest PAT may still pick WC), NPT PAT index 3 (UC), ARM Device-nGnRE.
enum class mem_type : u8 { normal_wb = 0, device = 1 };
[[nodiscard]] constexpr bool valid_mem_type(mem_type m) { return u8(m) <= 1; }

// A leaf's size. The value is the leaf's height in the tree: 0 for the last
// level (4 KiB pages), 1 for 2 MiB, 2 for 1 GiB.
enum class page_size : u8 { size_4k = 0, size_2m = 1, size_1g = 2 };
inline constexpr unsigned max_leaf_height = 2;

// Bytes covered by one entry of a table at `height` (4 KiB granule: 9 bits a level).
[[nodiscard]] constexpr u64 span(unsigned height) { return 1ULL << (12 + 9 * height); }
[[nodiscard]] constexpr u64 bytes(page_size s) { return span(unsigned(s)); }
// Configuration bit of a page size: its size in bytes, as PV_PAGE_SIZE_* of the uapi.
[[nodiscard]] constexpr u64 size_bit(page_size s) { return bytes(s); }
inline constexpr u64 all_page_sizes = span(0) | span(1) | span(2);

// Results: 0 or a negative Linux errno (the numbers of x86_64 and arm64).
// platform.h lacks ENOENT, EEXIST and ERANGE, so they are spelled here.
enum class error : int {
	ok = 0,
	noent = -2,                  // ENOENT: nothing mapped where the operation needs a mapping
	nomem = -PV_ENOMEM,          // a table page could not be allocated; nothing changed
	busy = -PV_EBUSY,            // collapse: the table is not one uniform, contiguous mapping
	exist = -17,                 // EEXIST: map over an existing mapping; collapse of a leaf
	inval = -PV_EINVAL,          // misaligned, zero size, bad permissions/type, not initialized
	range = -34,                 // ERANGE: beyond the IPA size or the output address size
	opnotsupp = -PV_EOPNOTSUPP,  // a page size this table does not use
};
[[nodiscard]] constexpr int to_errno(error e) { return int(e); }

// What an operation did. `flush` is set when it removed or reduced a valid
// mapping (unmap, protect that took a permission away, a map rolled back
// after a failure), or when it needed a synchronous invalidation and the
// table has no invalidate hook: the backend must then flush the guest's
// stage-2 TLB entries (INVEPT / INVLPGA or TLB_CONTROL / TLBI IPAS2E1IS)
// before the host reuses the memory that was mapped.
struct [[nodiscard]] op_result {
	error err = error::ok;
	bool flush = false;

	[[nodiscard]] constexpr bool ok() const { return err == error::ok; }
};

// What translate() finds for one guest-physical address.
struct translation {
	u64 hpa = 0;  // host-physical address of that very byte
	perm perms = perm::none;
	mem_type type = mem_type::normal_wb;
	page_size size = page_size::size_4k;  // size of the leaf that maps it
};

// One leaf, as for_each_leaf() reports it.
struct leaf_info {
	u64 gpa = 0;  // first byte of the leaf
	u64 hpa = 0;
	page_size size = page_size::size_4k;
	perm perms = perm::none;
	mem_type type = mem_type::normal_wb;
};

// Per-VM statistics, kept by the engine.
struct stats {
	u64 pages_4k = 0;  // leaves mapped now, by size
	u64 pages_2m = 0;
	u64 pages_1g = 0;
	u64 table_pages = 0;    // 4 KiB pages of tables held now, root (all its pages) included
	u64 invalidations = 0;  // operations that returned flush = true
	u64 sync_invalidations = 0;  // calls of config::invalidate made by the engine

	[[nodiscard]] bool operator==(const stats&) const = default;
};

// How a table is set up (page_table::init).
struct config {
	// Table levels. x86 (EPT, NPT): 4 or 5, 0 meaning 4; use 5 exactly when
	// the host runs with LA57. arm64: 0, or the number ipa_bits implies.
	unsigned levels = 0;
	// Guest-physical address bits; 0: all that the levels translate
	// (x86: 48 or 57; arm64: 40, as KVM's default). arm64: 32..48, and it
	// decides the levels and the concatenated tables at the start level.
	unsigned ipa_bits = 0;
	// Leaf sizes that may be used (size_bit(); PV_PAGE_SIZE_* values).
	// 4 KiB is required, 1 GiB needs 2 MiB; sizes the geometry cannot hold
	// (1 GiB with a 2-level arm64 table) are dropped: see page_sizes().
	u64 page_sizes = all_page_sizes;
	// Invalidates, on every CPU, everything the hardware may cache from this
	// VM's stage-2 tables (TLB and paging-structure caches), and waits.
	// Called with the caller's VM lock held: before table pages are freed
	// while the table may be live, and in the middle of a break-before-make
	// sequence (arm64). nullptr: no CPU uses the table yet (or host tests);
	// the operation then reports flush = true instead.
	void (*invalidate)(void* ctx) = nullptr;
	void* invalidate_ctx = nullptr;
};

// Levels and IPA size of a table, as a format resolves a config; levels == 0
// when the config is not valid for the format.
struct geometry {
	unsigned levels = 0;
	unsigned ipa_bits = 0;
};

}  // namespace pv::stage2
