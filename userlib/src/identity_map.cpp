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

identity_map::identity_map(page_allocator alloc, uint64_t leaf_size, uint64_t limit, translation tr)
    : alloc_(std::move(alloc)), leaf_size_(leaf_size), limit_(limit), tr_(std::move(tr))
{
	if (leaf_size != size_2m && leaf_size != size_1g)
		throw std::invalid_argument("identity_map: leaf size must be 2 MiB or 1 GiB");
	if (limit == 0 || limit > lower_half_end || (limit & (limit - 1)) != 0 || limit < leaf_size)
		throw std::invalid_argument("identity_map: limit must be a power of two, at "
					    "least the leaf size and at most 2^47");
	if (static_cast<bool>(tr_.to_phys) != static_cast<bool>(tr_.to_virt))
		throw std::invalid_argument("identity_map: a translation needs both directions");
}

std::optional<uint64_t> identity_map::to_phys(uint64_t host_virt) const
{
	return tr_.to_phys ? tr_.to_phys(host_virt) : std::optional<uint64_t>(host_virt);
}

uint64_t* identity_map::table_of(uint64_t entry) const
{
	const uint64_t phys = entry & pte_addr_mask;
	const std::optional<uint64_t> virt = tr_.to_virt ? tr_.to_virt(phys) : phys;
	return virt ? reinterpret_cast<uint64_t*>(static_cast<uintptr_t>(*virt)) : nullptr;
}

identity_map::new_page identity_map::new_table()
{
	new_page r;
	void* p = spare_ ? static_cast<void*>(spare_) : (alloc_ ? alloc_() : nullptr);
	spare_ = nullptr;
	// A page the walker cannot use (misaligned) counts as no memory.
	if (!p || (reinterpret_cast<uintptr_t>(p) & (size_4k - 1)) != 0)
		return r;
	// Its guest-physical address goes into an entry (or CR3): it must
	// exist (a windowed VM gives the page's window memory now) before the
	// entry does. Without one, the page waits for the next table.
	const std::optional<uint64_t> phys = to_phys(reinterpret_cast<uintptr_t>(p));
	if (!phys || (*phys & (size_4k - 1)) != 0) {
		spare_ = static_cast<uint64_t*>(p);
		r.failure = map_status::no_translation;
		return r;
	}
	// At a guest-physical address with reserved bits: no memory either.
	if (*phys >= limit_)
		return r;
	table_pages_++;
	r.table = static_cast<uint64_t*>(p);
	r.phys = *phys;
	return r;
}

uint64_t identity_map::root()
{
	if (!root_) {
		new_page t = new_table();
		root_ = t.table;
		root_phys_ = t.phys;
	}
	return root_ ? root_phys_ : 0;
}

identity_map::map_status identity_map::map(uint64_t addr)
{
	if (!in_range(addr))
		return map_status::out_of_range;
	if (!root_) {
		new_page t = new_table();
		if (!t.table)
			return t.failure;
		root_ = t.table;
		root_phys_ = t.phys;
	}
	const int leaf_level = leaf_size_ == size_1g ? 3 : 2;
	uint64_t* table = root_;
	for (int level = 4; level > leaf_level; level--) {
		uint64_t* e = &table[index_at(addr, level)];
		uint64_t v = load(e);
		if (!(v & pte_present)) {
			// A new, empty table is linked before its entry is filled:
			// a walker sees not-present below it until then.
			new_page t = new_table();
			if (!t.table)
				return t.failure;
			store(e, t.phys | table_flags);
			table = t.table;
			continue;
		}
		if (v & pte_large)
			return map_status::already_mapped;  // cannot happen with one leaf size
		table = table_of(v);
		if (!table)
			return map_status::no_translation;  // an entry this map did not write
	}
	uint64_t* e = &table[index_at(addr, leaf_level)];
	if (load(e) & pte_present)
		return map_status::already_mapped;
	// The leaf covers [base, base + leaf size) of guest-virtual space with
	// as much contiguous guest-physical memory: a window is 1 GiB and
	// aligned, so an aligned leaf inside one is contiguous.
	const std::optional<uint64_t> phys = to_phys(region_base(addr));
	if (!phys || (*phys & (leaf_size_ - 1)) != 0 || *phys >= limit_)
		return map_status::no_translation;
	store(e, *phys | leaf_flags);
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
		if (!table)
			return std::nullopt;
	}
	return std::nullopt;
}

}  // namespace portvisor
