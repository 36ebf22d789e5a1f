// SPDX-License-Identifier: GPL-2.0
// The guest page tables of run_in_guest (userlib identity_map): built in
// host memory from a test allocator and walked through plain pointers, as
// the guest's MMU walks them through guest-physical == host-virtual
// addresses.
#include <cstdint>
#include <gtest/gtest.h>
#include <random>
#include <set>
#include <stdexcept>

#include "page_pool.h"
#include "portvisor/identity_map.hpp"

namespace {

using portvisor::identity_map;
using pvtest::page_pool;
using status = identity_map::map_status;

constexpr uint64_t kib4 = identity_map::size_4k;
constexpr uint64_t mib2 = identity_map::size_2m;
constexpr uint64_t gib1 = identity_map::size_1g;

uint64_t* table(uint64_t entry)
{
	return reinterpret_cast<uint64_t*>(entry & identity_map::pte_addr_mask);
}

unsigned idx(uint64_t addr, int level) { return (addr >> (12 + 9 * (level - 1))) & 511; }

TEST(identity_map, rejects_bad_parameters)
{
	page_pool pool;
	EXPECT_THROW(identity_map(pool.allocator(), kib4), std::invalid_argument);
	EXPECT_THROW(identity_map(pool.allocator(), 4 * mib2), std::invalid_argument);
	EXPECT_THROW(identity_map(pool.allocator(), mib2, 0), std::invalid_argument);
	EXPECT_THROW(identity_map(pool.allocator(), mib2, (1ULL << 40) + mib2),
		     std::invalid_argument);
	EXPECT_THROW(identity_map(pool.allocator(), mib2, 1ULL << 48), std::invalid_argument);
	EXPECT_THROW(identity_map(pool.allocator(), gib1, mib2), std::invalid_argument);
	EXPECT_NO_THROW(identity_map(pool.allocator(), gib1, 1ULL << 32));
}

TEST(identity_map, root_is_allocated_once_and_aligned)
{
	page_pool pool;
	identity_map m(pool.allocator(), mib2);
	EXPECT_EQ(m.table_pages(), 0U);
	const uint64_t root = m.root();
	EXPECT_NE(root, 0U);
	EXPECT_TRUE(pool.owns(root));
	EXPECT_EQ(m.root(), root);
	EXPECT_EQ(m.table_pages(), 1U);
	EXPECT_EQ(m.leaves(), 0U);
	EXPECT_FALSE(m.is_mapped(0x400000));
}

TEST(identity_map, maps_a_2m_region_onto_itself)
{
	page_pool pool;
	identity_map m(pool.allocator(), mib2);
	const uint64_t addr = 0x7ffd12345678ULL;
	ASSERT_EQ(m.map(addr), status::mapped);
	EXPECT_EQ(m.leaves(), 1U);
	EXPECT_EQ(m.table_pages(), 3U);  // PML4, PDPT, PD
	const uint64_t base = addr & ~(mib2 - 1);
	EXPECT_EQ(m.region_base(addr), base);
	for (uint64_t off :
	     {uint64_t{0}, uint64_t{1}, uint64_t{0x1000}, uint64_t{0x12345}, mib2 - 1})
		EXPECT_EQ(m.translate(base + off), base + off) << std::hex << off;
	EXPECT_FALSE(m.is_mapped(base - 1));
	EXPECT_FALSE(m.is_mapped(base + mib2));

	// The entries themselves, as the MMU reads them.
	const uint64_t pml4e = table(m.root())[idx(addr, 4)];
	EXPECT_EQ(pml4e & ~identity_map::pte_addr_mask, identity_map::table_flags);
	EXPECT_TRUE(pool.owns(pml4e & identity_map::pte_addr_mask));
	const uint64_t pdpte = table(pml4e)[idx(addr, 3)];
	EXPECT_EQ(pdpte & ~identity_map::pte_addr_mask, identity_map::table_flags);
	EXPECT_TRUE(pool.owns(pdpte & identity_map::pte_addr_mask));
	const uint64_t pde = table(pdpte)[idx(addr, 2)];
	EXPECT_EQ(pde, base | identity_map::leaf_flags);
	// User, executable, write-back (PAT index 0).
	EXPECT_NE(pde & identity_map::pte_user, 0U);
	EXPECT_NE(pml4e & pdpte & identity_map::pte_user, 0U);
	EXPECT_EQ(pde & (identity_map::pte_nx | 0x18 | (1ULL << 12)), 0U);
}

TEST(identity_map, maps_a_1g_region_with_a_pdpt_leaf)
{
	page_pool pool;
	identity_map m(pool.allocator(), gib1);
	const uint64_t addr = 0x5555deadbeefULL;
	ASSERT_EQ(m.map(addr), status::mapped);
	EXPECT_EQ(m.table_pages(), 2U);  // PML4, PDPT
	const uint64_t base = addr & ~(gib1 - 1);
	EXPECT_EQ(m.translate(base), base);
	EXPECT_EQ(m.translate(base + gib1 - 1), base + gib1 - 1);
	EXPECT_EQ(m.translate(addr), addr);
	EXPECT_FALSE(m.is_mapped(base + gib1));
	const uint64_t pml4e = table(m.root())[idx(addr, 4)];
	EXPECT_EQ(table(pml4e)[idx(addr, 3)], base | identity_map::leaf_flags);
}

TEST(identity_map, mapping_again_changes_nothing)
{
	page_pool pool;
	identity_map m(pool.allocator(), mib2);
	ASSERT_EQ(m.map(0x400000), status::mapped);
	EXPECT_EQ(m.map(0x400000), status::already_mapped);
	EXPECT_EQ(m.map(0x5fffff), status::already_mapped);
	EXPECT_EQ(m.leaves(), 1U);
	EXPECT_EQ(m.table_pages(), 3U);
	// Same 1 GiB, next 2 MiB: a new leaf in the same PD.
	EXPECT_EQ(m.map(0x600000), status::mapped);
	EXPECT_EQ(m.table_pages(), 3U);
	// Another GiB: a new PD; another 512 GiB: a new PDPT and PD.
	EXPECT_EQ(m.map(0x40000000), status::mapped);
	EXPECT_EQ(m.table_pages(), 4U);
	EXPECT_EQ(m.map(0x8000000000ULL), status::mapped);
	EXPECT_EQ(m.table_pages(), 6U);
	EXPECT_EQ(m.leaves(), 4U);
	EXPECT_EQ(pool.used(), m.table_pages());
}

TEST(identity_map, maps_only_the_lower_half_below_the_limit)
{
	page_pool pool;
	identity_map m(pool.allocator(), mib2);
	EXPECT_EQ(m.map(1ULL << 47), status::out_of_range);
	EXPECT_EQ(m.map(0xffff800000000000ULL), status::out_of_range);  // kernel half
	EXPECT_EQ(m.map(0x0000900000000000ULL), status::out_of_range);  // non-canonical
	EXPECT_EQ(m.map(~0ULL), status::out_of_range);
	EXPECT_EQ(m.map((1ULL << 47) - 1), status::mapped);
	EXPECT_FALSE(m.is_mapped(0xffff800000000000ULL));

	identity_map low(pool.allocator(), mib2, 1ULL << 40);  // MAXPHYADDR 40
	EXPECT_EQ(low.limit(), 1ULL << 40);
	EXPECT_FALSE(low.in_range(1ULL << 40));
	EXPECT_EQ(low.map(1ULL << 40), status::out_of_range);
	EXPECT_EQ(low.map(0x7ffd00000000ULL), status::out_of_range);
	EXPECT_EQ(low.map((1ULL << 40) - 1), status::mapped);
	EXPECT_EQ(low.translate((1ULL << 40) - 1), (1ULL << 40) - 1);
}

TEST(identity_map, out_of_memory_maps_nothing_and_recovers)
{
	page_pool pool;
	identity_map m(pool.allocator(), mib2);
	pool.set_failing(true);
	EXPECT_EQ(m.map(0x400000), status::no_memory);
	EXPECT_EQ(m.root(), 0U);
	pool.set_failing(false);
	ASSERT_EQ(m.map(0x400000), status::mapped);
	// A new 512 GiB area needs two tables; fail after the first.
	page_pool tight(4);
	identity_map t(tight.allocator(), mib2);
	ASSERT_EQ(t.map(0x400000), status::mapped);  // 3 pages
	EXPECT_EQ(t.map(0x8000000000ULL), status::no_memory);
	EXPECT_FALSE(t.is_mapped(0x8000000000ULL));
	EXPECT_EQ(t.leaves(), 1U);
	EXPECT_TRUE(t.is_mapped(0x400000));
	// The other regions of the first GiB need no table.
	EXPECT_EQ(t.map(0x800000), status::mapped);
}

TEST(identity_map, unusable_pages_count_as_no_memory)
{
	alignas(4096) static unsigned char pages[2][4096];
	identity_map misaligned([] { return static_cast<void*>(&pages[0][8]); }, mib2);
	EXPECT_EQ(misaligned.map(0x400000), status::no_memory);
	EXPECT_EQ(misaligned.table_pages(), 0U);
	// A table at a guest-physical address the limit does not allow.
	const uint64_t p = reinterpret_cast<uintptr_t>(pages[1]);
	uint64_t limit = 1ULL << 32;
	while (limit <= p)
		limit <<= 1;
	identity_map above([] { return static_cast<void*>(pages[1]); }, mib2, limit >> 1);
	if (p >= (limit >> 1)) {
		EXPECT_EQ(above.map(0x400000), status::no_memory);
	}
}

TEST(identity_map, map_range_covers_every_region_it_touches)
{
	page_pool pool;
	identity_map m(pool.allocator(), mib2);
	const uint64_t first = 0x7f0000100000ULL, last = first + 2 * mib2 + 0x1000;
	EXPECT_EQ(m.map_range(first, last), status::mapped);
	EXPECT_EQ(m.leaves(), 3U);
	for (uint64_t a = first; a <= last; a += kib4)
		ASSERT_EQ(m.translate(a), a);
	EXPECT_FALSE(m.is_mapped(first - 0x100001));
	EXPECT_EQ(m.map_range(first, last), status::already_mapped);
	EXPECT_EQ(m.map_range(last, last + mib2), status::mapped);
	EXPECT_EQ(m.leaves(), 4U);
	EXPECT_EQ(m.map_range(last, first), status::already_mapped);  // empty
	EXPECT_EQ(m.map_range((1ULL << 47) - mib2, 1ULL << 47), status::out_of_range);
	EXPECT_TRUE(m.is_mapped((1ULL << 47) - 1));  // mapped before the failure
}

// Random addresses in clusters against a model: the set of regions mapped,
// and the tables that must exist for them.
TEST(identity_map, random_mappings_match_a_model)
{
	for (uint64_t leaf : {mib2, gib1}) {
		page_pool pool(1024);
		identity_map m(pool.allocator(), leaf);
		std::mt19937_64 rng(leaf);
		std::set<uint64_t> regions, pdpts, pds;
		const uint64_t clusters[] = {0x400000ULL, 0x7fe000000000ULL, 0x555555554000ULL,
					     0x100000000ULL, 0x7e0000000000ULL};
		for (int i = 0; i < 3000; i++) {
			uint64_t a = clusters[rng() % 5] + (rng() % (64 * gib1));
			if (rng() % 8 == 0)
				a = rng() & ((1ULL << 47) - 1);
			const bool had = regions.count(a & ~(leaf - 1)) != 0;
			ASSERT_EQ(m.map(a), had ? status::already_mapped : status::mapped);
			regions.insert(a & ~(leaf - 1));
			pdpts.insert(a >> 39);
			pds.insert(a >> 30);
		}
		EXPECT_EQ(m.leaves(), regions.size());
		const size_t expect_tables = 1 + pdpts.size() + (leaf == mib2 ? pds.size() : 0);
		EXPECT_EQ(m.table_pages(), expect_tables);
		for (int i = 0; i < 20000; i++) {
			uint64_t a = clusters[rng() % 5] + (rng() % (64 * gib1));
			const bool want = regions.count(a & ~(leaf - 1)) != 0;
			ASSERT_EQ(m.is_mapped(a), want) << std::hex << a;
			if (want) {
				ASSERT_EQ(m.translate(a), a);
			}
		}
	}
}

}  // namespace
