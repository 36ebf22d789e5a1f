// SPDX-License-Identifier: MIT
// The guest page tables of run_in_guest: x86-64 4-level paging (AMD64 APM
// Vol. 2 5.3, Intel SDM Vol. 3A 4.5) that maps guest-virtual ==
// guest-physical, built lazily in process memory, one 2 MiB or 1 GiB region
// at a time. In a mirror VM guest-physical == host-virtual, so a table
// entry holds the host-virtual address of the next table: the pointer to
// it is its guest-physical address.
//
// Pure: pages come from an allocator hook, nothing else of the OS is used,
// so the host unit tests walk the tables through plain pointers. Not
// thread-safe (the caller locks); entries are written with one atomic
// 64-bit store each, and a new table is linked only once it is complete,
// so a vCPU walking the tables at the same time sees either the old or the
// new mapping.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>

namespace portvisor {

class identity_map {
public:
	// Returns a zeroed, 4 KiB-aligned page below limit(), whose address is
	// also its guest-physical address, or nullptr when there is no memory.
	// Pages are never given back: the owner frees them with the map.
	using page_allocator = std::function<void*()>;

	static constexpr uint64_t size_4k = 1ULL << 12;
	static constexpr uint64_t size_2m = 1ULL << 21;
	static constexpr uint64_t size_1g = 1ULL << 30;
	// Lower half of a 4-level (48-bit) address space: what the tables map.
	static constexpr uint64_t lower_half_end = 1ULL << 47;

	// Entry bits (same in every level; `large` only in PDPTE/PDE).
	static constexpr uint64_t pte_present = 1ULL << 0;
	static constexpr uint64_t pte_write = 1ULL << 1;
	static constexpr uint64_t pte_user = 1ULL << 2;
	static constexpr uint64_t pte_accessed = 1ULL << 5;
	static constexpr uint64_t pte_dirty = 1ULL << 6;
	static constexpr uint64_t pte_large = 1ULL << 7;
	static constexpr uint64_t pte_nx = 1ULL << 63;
	static constexpr uint64_t pte_addr_mask = 0x000ffffffffff000ULL;
	// A table entry: present, writable, accessed (supervisor, executable).
	static constexpr uint64_t table_flags = pte_present | pte_write | pte_accessed;
	// A leaf: the same, dirty, large; PAT/PCD/PWT 0 = PAT entry 0 (WB).
	static constexpr uint64_t leaf_flags = table_flags | pte_dirty | pte_large;

	enum class map_status {
		mapped,          // the region is mapped now
		already_mapped,  // it was mapped before this call
		out_of_range,    // not below limit() (or not canonical lower half)
		no_memory,       // the allocator returned nullptr (or a page that is not
				 // 4 KiB aligned and below limit()); nothing was mapped
				 // (an empty table may stay linked)
	};

	// leaf_size: size_2m, or size_1g (CPUID 80000001H:EDX.Page1GB).
	// limit: the first address not mapped, a power of two at most
	// lower_half_end (2^MAXPHYADDR when that is smaller: a guest-physical
	// address at or above it is a reserved bit in an entry).
	identity_map(page_allocator alloc, uint64_t leaf_size, uint64_t limit = lower_half_end);
	identity_map(const identity_map&) = delete;
	identity_map& operator=(const identity_map&) = delete;

	// The PML4's address (for CR3), allocating it on first use; 0 when
	// there is no memory.
	[[nodiscard]] uint64_t root();
	// Maps the leaf-size region containing addr.
	map_status map(uint64_t addr);
	// Maps every region that [first, last] touches (last inclusive). Stops
	// at the first region that fails and returns its status; otherwise
	// `mapped`, or `already_mapped` when all of them were.
	map_status map_range(uint64_t first, uint64_t last);
	[[nodiscard]] bool is_mapped(uint64_t addr) const { return translate(addr).has_value(); }
	// Walks the tables as the MMU does: the guest-physical address addr
	// translates to, or nullopt.
	[[nodiscard]] std::optional<uint64_t> translate(uint64_t addr) const;
	// The region (leaf) containing addr.
	[[nodiscard]] uint64_t region_base(uint64_t addr) const { return addr & ~(leaf_size_ - 1); }
	[[nodiscard]] bool in_range(uint64_t addr) const { return addr < limit_; }

	[[nodiscard]] uint64_t leaf_size() const { return leaf_size_; }
	[[nodiscard]] uint64_t limit() const { return limit_; }
	// Table pages allocated (root included) and leaves mapped.
	[[nodiscard]] size_t table_pages() const { return table_pages_; }
	[[nodiscard]] size_t leaves() const { return leaves_; }

private:
	static uint64_t* table_of(uint64_t entry)
	{
		return reinterpret_cast<uint64_t*>(static_cast<uintptr_t>(entry & pte_addr_mask));
	}
	static uint64_t load(const uint64_t* e) { return __atomic_load_n(e, __ATOMIC_ACQUIRE); }
	static void store(uint64_t* e, uint64_t v) { __atomic_store_n(e, v, __ATOMIC_RELEASE); }
	uint64_t* new_table();

	page_allocator alloc_;
	uint64_t leaf_size_;
	uint64_t limit_;
	uint64_t* root_ = nullptr;
	size_t table_pages_ = 0;
	size_t leaves_ = 0;
};

}  // namespace portvisor
