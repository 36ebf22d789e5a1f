// SPDX-License-Identifier: MIT
#include "portvisor/identity_map.hpp"

#include <stdexcept>

namespace portvisor {
namespace {

// Index of addr in the table of `level` (4 = PML4 ... 1 = PT).
unsigned index_at(uint64_t addr, int level)
{
	return static_cast<unsigned>((addr >> (12 + 9 * (level - 1))) & 511);
}

}  // namespace

identity_map::identity_map(page_allocator alloc, uint64_t leaf_size, uint64_t limit)
    : alloc_(std::move(alloc)), leaf_size_(leaf_size), limit_(limit)
{
	if (leaf_size != size_2m && leaf_size != size_1g)
		throw std::invalid_argument("identity_map: leaf size must be 2 MiB or 1 GiB");
	if (limit == 0 || limit > lower_half_end || (limit & (limit - 1)) != 0 || limit < leaf_size)
		throw std::invalid_argument("identity_map: limit must be a power of two, at "
					    "least the leaf size and at most 2^47");
}

uint64_t* identity_map::new_table()
{
	void* p = alloc_ ? alloc_() : nullptr;
	// A page the walker cannot use (misaligned, or at a guest-physical
	// address with reserved bits) counts as no memory.
	if (!p || (reinterpret_cast<uintptr_t>(p) & (size_4k - 1)) != 0 ||
	    reinterpret_cast<uintptr_t>(p) >= limit_)
		return nullptr;
	table_pages_++;
	return static_cast<uint64_t*>(p);
}

uint64_t identity_map::root()
{
	if (!root_)
		root_ = new_table();
	return reinterpret_cast<uintptr_t>(root_);
}

identity_map::map_status identity_map::map(uint64_t addr)
{
	if (!in_range(addr))
		return map_status::out_of_range;
	if (!root())
		return map_status::no_memory;
	const int leaf_level = leaf_size_ == size_1g ? 3 : 2;
	uint64_t* table = root_;
	for (int level = 4; level > leaf_level; level--) {
		uint64_t* e = &table[index_at(addr, level)];
		uint64_t v = load(e);
		if (!(v & pte_present)) {
			// A new, empty table is linked before its entry is filled:
			// a walker sees not-present below it until then.
			uint64_t* t = new_table();
			if (!t)
				return map_status::no_memory;
			v = reinterpret_cast<uintptr_t>(t) | table_flags;
			store(e, v);
		} else if (v & pte_large) {
			return map_status::already_mapped;  // cannot happen with one leaf size
		}
		table = table_of(v);
	}
	uint64_t* e = &table[index_at(addr, leaf_level)];
	if (load(e) & pte_present)
		return map_status::already_mapped;
	store(e, region_base(addr) | leaf_flags);
	leaves_++;
	return map_status::mapped;
}

identity_map::map_status identity_map::map_range(uint64_t first, uint64_t last)
{
	if (last < first)
		return map_status::already_mapped;
	bool any = false;
	for (uint64_t a = region_base(first);; a += leaf_size_) {
		map_status s = map(a);
		if (s == map_status::mapped)
			any = true;
		else if (s != map_status::already_mapped)
			return s;
		if (a >= region_base(last))
			break;
	}
	return any ? map_status::mapped : map_status::already_mapped;
}

std::optional<uint64_t> identity_map::translate(uint64_t addr) const
{
	// Non-canonical and upper-half addresses are never mapped here.
	if (addr >= lower_half_end || !root_)
		return std::nullopt;
	const uint64_t* table = root_;
	for (int level = 4; level >= 1; level--) {
		uint64_t v = load(&table[index_at(addr, level)]);
		if (!(v & pte_present))
			return std::nullopt;
		if (level == 1 || ((level == 2 || level == 3) && (v & pte_large))) {
			const uint64_t size = 1ULL << (12 + 9 * (level - 1));
			return (v & pte_addr_mask & ~(size - 1)) | (addr & (size - 1));
		}
		table = table_of(v);
	}
	return std::nullopt;
}

}  // namespace portvisor
