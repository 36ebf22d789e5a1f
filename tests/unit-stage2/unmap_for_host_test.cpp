// SPDX-License-Identifier: GPL-2.0
// unmap_for_host: the mmu notifier's unmap never fails. With memory it splits
// the huge leaf it cuts and removes only the range; without memory it
// removes the whole leaves around the range; either way nothing of the range
// stays mapped and every table page is accounted.
#include "portvisor/core/stage2/unmap_for_host.h"

#include "stage2_fixture.h"

namespace pv::stage2::test {
namespace {

constexpr u64 kib4 = 1ULL << 12;
constexpr u64 mib2 = 1ULL << 21;
constexpr u64 gib = 1ULL << 30;

template <class T> class unmap_for_host_test : public stage2_test {};
using formats = ::testing::Types<ept, npt, arm_s2>;
TYPED_TEST_SUITE(unmap_for_host_test, formats);

template <class F> config table_config()
{
	return __is_same(F, arm_s2) ? config{.ipa_bits = 40} : config{};
}

// A 1 GiB leaf at 1 GiB, a 2 MiB leaf at 4 GiB + 2 MiB, a 4 KiB one next to it.
template <class F> void map_three(page_table<F>& t)
{
	ASSERT_TRUE(
	    t.map(gib, 8 * gib, gib, page_size::size_1g, perm::rw, mem_type::normal_wb).ok());
	ASSERT_TRUE(t.map(4 * gib + mib2, 16 * gib, mib2, page_size::size_2m, perm::rwx,
			  mem_type::normal_wb)
			.ok());
	ASSERT_TRUE(t.map(4 * gib + 2 * mib2, 17 * gib, kib4, page_size::size_4k, perm::r,
			  mem_type::normal_wb)
			.ok());
}

TYPED_TEST(unmap_for_host_test, with_memory_splits_and_removes_only_the_range)
{
	using F = TypeParam;
	page_table<F> t;
	ASSERT_EQ(t.init(table_config<F>()), error::ok);
	map_three(t);
	const op_result r = unmap_for_host(t, 4 * gib + mib2 + 5 * kib4, kib4);
	EXPECT_TRUE(r.ok());
	EXPECT_TRUE(r.flush);
	translation tr;
	EXPECT_FALSE(t.translate(4 * gib + mib2 + 5 * kib4, tr));
	ASSERT_TRUE(t.translate(4 * gib + mib2 + 4 * kib4, tr));
	EXPECT_EQ(tr.hpa, 16 * gib + 4 * kib4);
	EXPECT_EQ(tr.size, page_size::size_4k);
	EXPECT_EQ(tr.perms, perm::rwx);
	EXPECT_EQ(t.statistics().pages_2m, 0U);
	EXPECT_EQ(t.statistics().pages_4k, 511U + 1U);
	EXPECT_EQ(t.statistics().pages_1g, 1U);
	t.teardown();
}

TYPED_TEST(unmap_for_host_test, without_memory_removes_the_whole_leaves_around)
{
	using F = TypeParam;
	page_table<F> t;
	ASSERT_EQ(t.init(table_config<F>()), error::ok);
	map_three(t);
	const u64 tables = t.statistics().table_pages;
	fake::fail_allocs_after(0);
	// Cuts the 2 MiB leaf: a plain unmap cannot, unmap_for_host must.
	EXPECT_EQ(t.unmap(4 * gib + mib2 + 5 * kib4, kib4).err, error::nomem);
	const op_result r = unmap_for_host(t, 4 * gib + mib2 + 5 * kib4, kib4);
	EXPECT_TRUE(r.ok());
	EXPECT_TRUE(r.flush);
	translation tr;
	EXPECT_FALSE(t.translate(4 * gib + mib2, tr));
	EXPECT_FALSE(t.translate(4 * gib + mib2 + 5 * kib4, tr));
	// The 4 KiB leaf shares the 1 GiB-aligned range: it went too.
	EXPECT_FALSE(t.translate(4 * gib + 2 * mib2, tr));
	// The 1 GiB leaf elsewhere stays.
	ASSERT_TRUE(t.translate(gib + 0x1234, tr));
	EXPECT_EQ(tr.hpa, 8 * gib + 0x1234);
	EXPECT_EQ(t.statistics().pages_2m + t.statistics().pages_4k, 0U);
	EXPECT_LE(t.statistics().table_pages, tables);
	EXPECT_EQ(fake::alloc_stats().pages, t.statistics().table_pages);

	// Cutting the 1 GiB leaf without memory takes it whole.
	EXPECT_TRUE(unmap_for_host(t, gib + gib / 2, kib4).ok());
	EXPECT_FALSE(t.translate(gib, tr));
	EXPECT_EQ(t.statistics().pages_1g, 0U);
	fake::never_fail_allocs();
	t.teardown();
}

TYPED_TEST(unmap_for_host_test, clips_to_the_table_and_ignores_empty_ranges)
{
	using F = TypeParam;
	page_table<F> t;
	ASSERT_EQ(t.init(table_config<F>()), error::ok);
	map_three(t);
	EXPECT_FALSE(unmap_for_host(t, t.ipa_limit(), gib).flush);
	EXPECT_FALSE(unmap_for_host(t, gib, 0).flush);
	// From inside the table past its end: what is inside goes.
	EXPECT_TRUE(unmap_for_host(t, 4 * gib, ~0ULL - 4 * gib).flush);
	translation tr;
	EXPECT_FALSE(t.translate(4 * gib + mib2, tr));
	EXPECT_TRUE(t.translate(gib, tr));
	page_table<F> none;  // never initialized
	EXPECT_TRUE(unmap_for_host(none, 0, gib).ok());
	t.teardown();
}

}  // namespace
}  // namespace pv::stage2::test
