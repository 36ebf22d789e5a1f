// SPDX-License-Identifier: MIT
// The guest page tables of run_in_guest: x86-64 4-level paging (AMD64 APM
// Vol. 2 5.3, Intel SDM Vol. 3A 4.5) that map guest-virtual == host-virtual,
// built lazily in process memory, one 2 MiB or 1 GiB region at a time.
//
// Where a leaf or a table entry points (and CR3) is a guest-physical
// address, which a translation hook gives for a host-virtual one: the
// identity in a mirror VM (guest-physical == host-virtual), the 1 GiB
// windows of portvisor/window_table.hpp in a windowed VM (CPUs whose
// guest-physical width cannot hold user-space addresses). The reverse hook
// lets this code walk its own tables, which it reaches through
// host-virtual pointers.
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
	// Returns a zeroed, 4 KiB-aligned page, or nullptr when there is no
	// memory. Pages are never given back: the owner frees them with the map.
	using page_allocator = std::function<void*()>;
	// Host-virtual -> guest-physical, for a table page or the base of a leaf
	// region: nullopt when the address has none (the hook's owner says why:
	// window_table::last_error()). Called before the entry that needs the
	// address is written, so a windowed VM can give it memory first.
	using to_phys_fn = std::function<std::optional<uint64_t>(uint64_t host_virt)>;
	// Guest-physical -> host-virtual, for the tables written here (walks).
	using to_virt_fn = std::function<std::optional<uint64_t>(uint64_t guest_phys)>;
	struct translation {
		to_phys_fn to_phys;  // empty: the identity (mirror VM)
		to_virt_fn to_virt;  // empty: the identity
	};

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
	// A table entry: present, writable, user, accessed (executable). User:
	// the memory is the process's user memory, and guest code may run in
	// its own user mode (CPL 3) on it; the guest's CR4 has no SMEP/SMAP,
	// so its kernel mode reaches it too.
	static constexpr uint64_t table_flags = pte_present | pte_write | pte_user | pte_accessed;
	// A leaf: the same, dirty, large; PAT/PCD/PWT 0 = PAT entry 0 (WB).
	static constexpr uint64_t leaf_flags = table_flags | pte_dirty | pte_large;

	enum class map_status {
		mapped,          // the region is mapped now
		already_mapped,  // it was mapped before this call
		out_of_range,    // not below limit() (or not canonical lower half)
		no_memory,       // the allocator returned nullptr (or a page that is not
				 // 4 KiB aligned, or whose guest-physical address is not
				 // below limit()); nothing was mapped (an empty table may
				 // stay linked)
		no_translation,  // to_phys had no guest-physical address for a new table
				 // page or the region (or gave a misaligned one); nothing
				 // was mapped (an empty table may stay linked)
	};

	// leaf_size: size_2m, or size_1g (CPUID 80000001H:EDX.Page1GB).
	// limit: the first guest-virtual address not mapped and the first
	// guest-physical address not used, a power of two at most
	// lower_half_end. run_in_guest maps all of user space (lower_half_end);
	// a smaller one, e.g. 2^MAXPHYADDR with the identity translation, keeps
	// guest-physical addresses out of an entry's reserved bits.
	// tr: the translation hooks; the default is the identity (mirror VM).
	identity_map(page_allocator alloc, uint64_t leaf_size, uint64_t limit = lower_half_end,
		     translation tr = {});
	identity_map(const identity_map&) = delete;
	identity_map& operator=(const identity_map&) = delete;

	// The PML4's guest-physical address (for CR3), allocating it on first
	// use; 0 when there is no memory or no translation for it.
	[[nodiscard]] uint64_t root();
	// Maps the leaf-size region containing addr.
	map_status map(uint64_t addr);
	// Maps every region that [first, last] touches (last inclusive). Stops
	// at the first region that fails and returns its status; otherwise
	// `mapped`, or `already_mapped` when all of them were.
	map_status map_range(uint64_t first, uint64_t last);
	[[nodiscard]] bool is_mapped(uint64_t addr) const { return translate(addr).has_value(); }
	// Walks the tables as the MMU does: the guest-physical address the
	// guest-virtual addr translates to, or nullopt.
	[[nodiscard]] std::optional<uint64_t> translate(uint64_t addr) const;
	// The region (leaf) containing addr.
	[[nodiscard]] uint64_t region_base(uint64_t addr) const { return addr & ~(leaf_size_ - 1); }
	[[nodiscard]] bool in_range(uint64_t addr) const { return addr < limit_; }

	[[nodiscard]] uint64_t leaf_size() const { return leaf_size_; }
	[[nodiscard]] uint64_t limit() const { return limit_; }
	// Table pages in use (root included; not a spare page that is waiting
	// for a translation) and leaves mapped.
	[[nodiscard]] size_t table_pages() const { return table_pages_; }
	[[nodiscard]] size_t leaves() const { return leaves_; }

private:
	struct new_page {
		uint64_t* table = nullptr;  // nullptr: `failure` says why
		uint64_t phys = 0;
		map_status failure = map_status::no_memory;
	};
	// The table an entry points at, through to_virt; nullptr if none.
	uint64_t* table_of(uint64_t entry) const;
	std::optional<uint64_t> to_phys(uint64_t host_virt) const;
	static uint64_t load(const uint64_t* e) { return __atomic_load_n(e, __ATOMIC_ACQUIRE); }
	static void store(uint64_t* e, uint64_t v) { __atomic_store_n(e, v, __ATOMIC_RELEASE); }
	new_page new_table();

	page_allocator alloc_;
	uint64_t leaf_size_;
	uint64_t limit_;
	translation tr_;
	uint64_t* root_ = nullptr;
	uint64_t root_phys_ = 0;
	// A page the allocator gave but to_phys had no address for: used for
	// the next table instead of asking for another one.
	uint64_t* spare_ = nullptr;
	size_t table_pages_ = 0;
	size_t leaves_ = 0;
};

}  // namespace portvisor
