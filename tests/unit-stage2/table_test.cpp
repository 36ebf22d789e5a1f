// SPDX-License-Identifier: GPL-2.0
// The engine's operations one by one: results, errors, flush flags,
// statistics, break-before-make and the order of invalidation and freeing.
#include "stage2_fixture.h"

namespace pv::stage2::test {
namespace {

constexpr u64 kib4 = 1ULL << 12;
constexpr u64 mib2 = 1ULL << 21;
constexpr u64 gib = 1ULL << 30;

template <class T> class ops : public stage2_test {};
using formats = ::testing::Types<ept, npt, arm_s2>;
TYPED_TEST_SUITE(ops, formats);

template <class F> config full_config()
{
	// arm64: 48-bit IPA (4 levels) so that every size and height exists
	return __is_same(F, arm_s2) ? config{.ipa_bits = 48} : config{};
}

template <class F> translation must_translate(const page_table<F>& t, u64 gpa)
{
	translation tr;
	EXPECT_TRUE(t.translate(gpa, tr)) << std::hex << gpa;
	return tr;
}

TYPED_TEST(ops, init_rejects_bad_configs)
{
	using F = TypeParam;
	page_table<F> t;
	EXPECT_EQ(t.init({.page_sizes = size_bit(page_size::size_2m)}), error::inval);  // no 4K
	EXPECT_EQ(
	    t.init({.page_sizes = size_bit(page_size::size_4k) | size_bit(page_size::size_1g)}),
	    error::inval);  // 1G without 2M
	EXPECT_EQ(t.init({.page_sizes = all_page_sizes | 1}), error::inval);
	if constexpr (__is_same(F, arm_s2)) {
		EXPECT_EQ(t.init({.ipa_bits = 31}), error::inval);
		EXPECT_EQ(t.init({.ipa_bits = 49}), error::inval);
		EXPECT_EQ(t.init({.levels = 4, .ipa_bits = 40}),
			  error::inval);  // 40 bits: 3 levels
		EXPECT_EQ(t.init({.levels = 3, .ipa_bits = 40}), error::ok);
	} else {
		EXPECT_EQ(t.init({.levels = 3}), error::inval);
		EXPECT_EQ(t.init({.levels = 6}), error::inval);
		EXPECT_EQ(t.init({.levels = 4, .ipa_bits = 49}), error::inval);
		EXPECT_EQ(t.init({.levels = 5, .ipa_bits = 58}), error::inval);
		EXPECT_EQ(t.init({.ipa_bits = 31}), error::inval);
		EXPECT_EQ(t.init({}), error::ok);
		EXPECT_EQ(t.levels(), 4U);
		EXPECT_EQ(t.ipa_bits(), 48U);
	}
	EXPECT_EQ(t.init({}), error::busy);
	EXPECT_EQ(fake::alloc_stats().pages, t.statistics().table_pages);
}

TYPED_TEST(ops, uninitialized_table_refuses_everything)
{
	page_table<TypeParam> t;
	translation tr;
	EXPECT_FALSE(t.translate(0, tr));
	EXPECT_EQ(t.map(0, 0, kib4, page_size::size_4k, perm::r, mem_type::normal_wb).err,
		  error::inval);
	EXPECT_EQ(t.unmap(0, kib4).err, error::inval);
	EXPECT_EQ(t.protect(0, kib4, perm::r).err, error::inval);
	EXPECT_EQ(t.split(0).err, error::inval);
	EXPECT_EQ(t.collapse(0, page_size::size_2m).err, error::inval);
	t.teardown();
}

TYPED_TEST(ops, map_translate_each_size)
{
	using F = TypeParam;
	page_table<F> t;
	ASSERT_EQ(t.init(full_config<F>()), error::ok);
	ASSERT_TRUE(
	    t.map(0x3000, 0x7777000, kib4, page_size::size_4k, perm::rx, mem_type::device).ok());
	ASSERT_TRUE(
	    t.map(4 * mib2, 0x40000000, 2 * mib2, page_size::size_2m, perm::rw, mem_type::normal_wb)
		.ok());
	ASSERT_TRUE(
	    t.map(3 * gib, 5 * gib, gib, page_size::size_1g, perm::rwx, mem_type::normal_wb).ok());

	translation tr = must_translate(t, 0x3abc);
	EXPECT_EQ(tr.hpa, 0x7777abcULL);
	EXPECT_EQ(tr.perms, perm::rx);
	EXPECT_EQ(tr.type, mem_type::device);
	EXPECT_EQ(tr.size, page_size::size_4k);
	tr = must_translate(t, 5 * mib2 + 0x12345);  // second 2M leaf
	EXPECT_EQ(tr.hpa, 0x40000000 + mib2 + 0x12345);
	EXPECT_EQ(tr.perms, perm::rw);
	EXPECT_EQ(tr.size, page_size::size_2m);
	tr = must_translate(t, 4 * gib - 1);
	EXPECT_EQ(tr.hpa, 6 * gib - 1);
	EXPECT_EQ(tr.size, page_size::size_1g);
	EXPECT_FALSE(t.translate(0x2fff, tr));
	EXPECT_FALSE(t.translate(0x4000, tr));
	EXPECT_FALSE(t.translate(t.ipa_limit(), tr));

	const stats& s = t.statistics();
	EXPECT_EQ(s.pages_4k, 1U);
	EXPECT_EQ(s.pages_2m, 2U);
	EXPECT_EQ(s.pages_1g, 1U);
	EXPECT_EQ(s.invalidations, 0U);
	// the root and one table at each lower height for the 4K page; the 2M
	// leaves sit in that page's 2M-level table, the 1G leaf in its 1G-level one
	EXPECT_EQ(s.table_pages, u64(t.levels()));
	EXPECT_EQ(fake::alloc_stats().pages, s.table_pages);
}

TYPED_TEST(ops, map_argument_errors)
{
	using F = TypeParam;
	page_table<F> t;
	ASSERT_EQ(t.init(full_config<F>()), error::ok);
	const u64 lim = t.ipa_limit();
	const u64 oa = 1ULL << F::output_bits;
	auto map = [&](u64 gpa, u64 hpa, u64 size, page_size ps, perm p = perm::r,
		       mem_type m = mem_type::normal_wb) {
		return t.map(gpa, hpa, size, ps, p, m).err;
	};
	EXPECT_EQ(map(0x800, 0, kib4, page_size::size_4k), error::inval);  // gpa misaligned
	EXPECT_EQ(map(0, 0x800, kib4, page_size::size_4k), error::inval);  // hpa misaligned
	EXPECT_EQ(map(0, 0, 0x1800, page_size::size_4k), error::inval);    // size misaligned
	EXPECT_EQ(map(0, 0, 0, page_size::size_4k), error::inval);         // empty
	EXPECT_EQ(map(kib4, 0, mib2, page_size::size_2m), error::inval);   // 2M misaligned
	EXPECT_EQ(map(0, kib4, mib2, page_size::size_2m), error::inval);
	EXPECT_EQ(map(0, 0, kib4, page_size(3)), error::inval);
	EXPECT_EQ(map(0, 0, kib4, page_size::size_4k, perm::none), error::inval);
	EXPECT_EQ(map(0, 0, kib4, page_size::size_4k, perm::w), error::inval);
	EXPECT_EQ(map(0, 0, kib4, page_size::size_4k, perm::x), error::inval);
	EXPECT_EQ(map(0, 0, kib4, page_size::size_4k, perm(9)), error::inval);
	EXPECT_EQ(map(0, 0, kib4, page_size::size_4k, perm::r, mem_type(2)), error::inval);
	EXPECT_EQ(map(lim, 0, kib4, page_size::size_4k), error::range);
	EXPECT_EQ(map(lim - kib4, 0, 2 * kib4, page_size::size_4k), error::range);
	EXPECT_EQ(map(lim - kib4, 0, ~0ULL << 12, page_size::size_4k), error::range);  // wraps
	EXPECT_EQ(map(0, oa, kib4, page_size::size_4k), error::range);
	EXPECT_EQ(map(0, oa - kib4, 2 * kib4, page_size::size_4k), error::range);
	// the very last page of both spaces is fine
	EXPECT_EQ(map(lim - kib4, oa - kib4, kib4, page_size::size_4k), error::ok);
	translation tr = must_translate(t, lim - 1);
	EXPECT_EQ(tr.hpa, oa - 1);
	EXPECT_EQ(t.statistics().pages_4k, 1U);
}

TYPED_TEST(ops, page_sizes_not_in_use)
{
	using F = TypeParam;
	page_table<F> t;
	config c = full_config<F>();
	c.page_sizes = size_bit(page_size::size_4k);
	ASSERT_EQ(t.init(c), error::ok);
	EXPECT_EQ(t.page_sizes(), size_bit(page_size::size_4k));
	EXPECT_EQ(t.map(0, 0, mib2, page_size::size_2m, perm::r, mem_type::normal_wb).err,
		  error::opnotsupp);
	EXPECT_EQ(t.collapse(0, page_size::size_2m).err, error::opnotsupp);
	EXPECT_EQ(t.collapse(0, page_size::size_4k).err, error::inval);
}

TYPED_TEST(ops, map_over_mappings_is_eexist_and_changes_nothing)
{
	using F = TypeParam;
	page_table<F> t;
	ASSERT_EQ(t.init(full_config<F>()), error::ok);
	ASSERT_TRUE(t.map(mib2, 0, mib2, page_size::size_2m, perm::r, mem_type::normal_wb).ok());
	ASSERT_TRUE(
	    t.map(4 * mib2 + 5 * kib4, 0, kib4, page_size::size_4k, perm::r, mem_type::normal_wb)
		.ok());
	const stats before = t.statistics();
	auto map = [&](u64 gpa, u64 size, page_size ps) {
		return t.map(gpa, 8 * gib, size, ps, perm::rw, mem_type::normal_wb);
	};
	EXPECT_EQ(map(mib2 + kib4, kib4, page_size::size_4k).err,
		  error::exist);                                               // inside a 2M leaf
	EXPECT_EQ(map(4 * mib2, mib2, page_size::size_2m).err, error::exist);  // over a 4K leaf
	EXPECT_EQ(map(0, gib, page_size::size_1g).err, error::exist);          // over both
	// several leaves: the collision is at the end, nothing is mapped first
	const op_result r = map(4 * mib2, 6 * kib4, page_size::size_4k);
	EXPECT_EQ(r.err, error::exist);
	EXPECT_FALSE(r.flush);
	translation tr;
	EXPECT_FALSE(t.translate(4 * mib2, tr));
	EXPECT_EQ(t.statistics(), before);
}

TYPED_TEST(ops, unmap_splits_partly_covered_huge_pages)
{
	using F = TypeParam;
	hook hk;
	page_table<F> t;
	ASSERT_EQ(t.init(hk.with(full_config<F>())), error::ok);
	ASSERT_TRUE(
	    t.map(gib, 10 * gib, gib, page_size::size_1g, perm::rwx, mem_type::normal_wb).ok());
	const u64 hole = gib + 3 * mib2 + 7 * kib4;
	const op_result r = t.unmap(hole, 2 * kib4);
	ASSERT_TRUE(r.ok());
	EXPECT_TRUE(r.flush);
	// 1G -> 512 2M, the one holding the hole -> 512 4K, two of them gone
	const stats& s = t.statistics();
	EXPECT_EQ(s.pages_1g, 0U);
	EXPECT_EQ(s.pages_2m, 511U);
	EXPECT_EQ(s.pages_4k, 510U);
	EXPECT_EQ(s.invalidations, 1U);
	translation tr;
	EXPECT_FALSE(t.translate(hole, tr));
	EXPECT_FALSE(t.translate(hole + kib4 + 0xfff, tr));
	tr = must_translate(t, hole - 1);
	EXPECT_EQ(tr.hpa, 10 * gib + (hole - gib) - 1);
	EXPECT_EQ(tr.size, page_size::size_4k);
	EXPECT_EQ(tr.perms, perm::rwx);
	tr = must_translate(t, hole + 2 * kib4);
	EXPECT_EQ(tr.hpa, 10 * gib + (hole - gib) + 2 * kib4);
	tr = must_translate(t, gib + 100 * mib2 + 5);
	EXPECT_EQ(tr.size, page_size::size_2m);
	EXPECT_EQ(tr.hpa, 10 * gib + 100 * mib2 + 5);
	// the splits allocated two tables, neither freed (no invalidation needed
	// on x86; arm64 did break-before-make twice)
	EXPECT_EQ(hk.calls, F::break_before_make ? 2 : 0);
}

TYPED_TEST(ops, unmap_of_holes_needs_no_flush_and_frees_covered_tables)
{
	using F = TypeParam;
	hook hk;
	page_table<F> t;
	ASSERT_EQ(t.init(hk.with(full_config<F>())), error::ok);
	op_result r = t.unmap(0, gib);
	EXPECT_TRUE(r.ok());
	EXPECT_FALSE(r.flush);
	ASSERT_TRUE(
	    t.map(gib + mib2 + kib4, 0, kib4, page_size::size_4k, perm::r, mem_type::normal_wb)
		.ok());
	const u64 tables = t.statistics().table_pages;
	r = t.unmap(gib + mib2 + kib4, kib4);  // the leaf: its (now empty) tables stay
	EXPECT_TRUE(r.flush);
	EXPECT_EQ(t.statistics().table_pages, tables);
	EXPECT_EQ(hk.calls, 0);
	r = t.unmap(gib, gib);  // covers the 1G-level entry: its two tables go
	EXPECT_TRUE(r.ok());
	EXPECT_FALSE(r.flush);
	EXPECT_EQ(t.statistics().table_pages, tables - 2);
	EXPECT_EQ(fake::alloc_stats().pages, tables - 2);
	EXPECT_EQ(hk.calls, 1);  // once, before freeing
	EXPECT_EQ(t.statistics().sync_invalidations, 1U);
}

TYPED_TEST(ops, unmap_and_protect_argument_errors)
{
	using F = TypeParam;
	page_table<F> t;
	ASSERT_EQ(t.init(full_config<F>()), error::ok);
	const u64 lim = t.ipa_limit();
	EXPECT_EQ(t.unmap(0x800, kib4).err, error::inval);
	EXPECT_EQ(t.unmap(0, 0x800).err, error::inval);
	EXPECT_EQ(t.unmap(0, 0).err, error::inval);
	EXPECT_EQ(t.unmap(lim, kib4).err, error::range);
	EXPECT_EQ(t.unmap(lim - kib4, 2 * kib4).err, error::range);
	EXPECT_EQ(t.unmap(kib4, ~0ULL << 12).err, error::range);
	EXPECT_TRUE(t.unmap(lim - kib4, kib4).ok());
	EXPECT_EQ(t.protect(0, kib4, perm::w).err, error::inval);
	EXPECT_EQ(t.protect(0, kib4, perm::none).err, error::inval);
	EXPECT_EQ(t.protect(0x800, kib4, perm::r).err, error::inval);
	EXPECT_EQ(t.protect(lim, kib4, perm::r).err, error::range);
	EXPECT_EQ(t.split(lim).err, error::range);
	EXPECT_EQ(t.collapse(lim, page_size::size_2m).err, error::range);
	EXPECT_EQ(t.collapse(kib4, page_size::size_2m).err, error::inval);
	EXPECT_EQ(t.collapse(mib2, page_size::size_1g).err, error::inval);
}

TYPED_TEST(ops, protect_flushes_only_when_taking_away)
{
	using F = TypeParam;
	hook hk;
	page_table<F> t;
	ASSERT_EQ(t.init(hk.with(full_config<F>())), error::ok);
	ASSERT_TRUE(
	    t.map(0, 0x100000000, 4 * mib2, page_size::size_2m, perm::r, mem_type::normal_wb).ok());
	op_result r = t.protect(0, 4 * mib2, perm::rwx);  // adds only
	EXPECT_TRUE(r.ok());
	EXPECT_FALSE(r.flush);
	r = t.protect(0, 4 * mib2, perm::rwx);  // nothing changes
	EXPECT_FALSE(r.flush);
	r = t.protect(mib2 + 3 * kib4, kib4, perm::rx);  // takes w from one page
	EXPECT_TRUE(r.ok());
	EXPECT_TRUE(r.flush);
	EXPECT_EQ(must_translate(t, mib2 + 3 * kib4).perms, perm::rx);
	EXPECT_EQ(must_translate(t, mib2 + 2 * kib4).perms, perm::rwx);
	EXPECT_EQ(must_translate(t, mib2 + 4 * kib4).perms, perm::rwx);
	EXPECT_EQ(must_translate(t, 0).size, page_size::size_2m);
	EXPECT_EQ(must_translate(t, mib2).size, page_size::size_4k);
	EXPECT_EQ(t.statistics().pages_2m, 3U);
	EXPECT_EQ(t.statistics().pages_4k, 512U);
	EXPECT_EQ(t.statistics().invalidations, 1U);
	r = t.protect(gib, mib2, perm::r);  // a hole: nothing to do
	EXPECT_TRUE(r.ok());
	EXPECT_FALSE(r.flush);
}

TYPED_TEST(ops, split_and_collapse_round_trip)
{
	using F = TypeParam;
	hook hk;
	page_table<F> t;
	ASSERT_EQ(t.init(hk.with(full_config<F>())), error::ok);
	ASSERT_TRUE(
	    t.map(2 * gib, 7 * gib, gib, page_size::size_1g, perm::rw, mem_type::device).ok());
	const u64 tables = t.statistics().table_pages;

	op_result r = t.split(2 * gib + 12345);
	ASSERT_TRUE(r.ok());
	EXPECT_FALSE(r.flush);  // the invalidate hook did the break-before-make
	EXPECT_EQ(t.statistics().pages_2m, 512U);
	r = t.split(2 * gib + 5 * mib2);
	ASSERT_TRUE(r.ok());
	EXPECT_EQ(t.statistics().pages_2m, 511U);
	EXPECT_EQ(t.statistics().pages_4k, 512U);
	EXPECT_EQ(t.statistics().table_pages, tables + 2);
	translation tr = must_translate(t, 2 * gib + 5 * mib2 + 0x1abc);
	EXPECT_EQ(tr.hpa, 7 * gib + 5 * mib2 + 0x1abc);
	EXPECT_EQ(tr.size, page_size::size_4k);
	EXPECT_EQ(tr.type, mem_type::device);
	EXPECT_EQ(tr.perms, perm::rw);
	EXPECT_EQ(t.split(2 * gib + 5 * mib2).err, error::inval);  // a 4K leaf
	EXPECT_EQ(t.split(0).err, error::noent);

	EXPECT_EQ(t.collapse(2 * gib, page_size::size_1g).err,
		  error::busy);  // one entry is a table
	r = t.collapse(2 * gib + 5 * mib2, page_size::size_2m);
	ASSERT_TRUE(r.ok());
	EXPECT_FALSE(r.flush);
	r = t.collapse(2 * gib, page_size::size_1g);
	ASSERT_TRUE(r.ok());
	EXPECT_EQ(t.statistics().table_pages, tables);
	EXPECT_EQ(fake::alloc_stats().pages, tables);
	EXPECT_EQ(t.statistics().pages_1g, 1U);
	EXPECT_EQ(t.statistics().pages_2m, 0U);
	EXPECT_EQ(t.statistics().pages_4k, 0U);
	EXPECT_EQ(t.statistics().invalidations, 0U);
	tr = must_translate(t, 2 * gib + 5 * mib2 + 0x1abc);
	EXPECT_EQ(tr.size, page_size::size_1g);
	EXPECT_EQ(tr.hpa, 7 * gib + 5 * mib2 + 0x1abc);
	EXPECT_EQ(t.collapse(2 * gib, page_size::size_1g).err, error::exist);
	EXPECT_EQ(t.collapse(2 * gib + mib2, page_size::size_2m).err, error::exist);
	EXPECT_EQ(t.collapse(0, page_size::size_2m).err, error::noent);
	// break-before-make on arm64 for each split and collapse; on x86 the
	// collapses invalidate once each, before freeing the table
	EXPECT_EQ(hk.calls, F::break_before_make ? 4 : 2);
}

TYPED_TEST(ops, collapse_needs_uniform_contiguous_leaves)
{
	using F = TypeParam;
	page_table<F> t;
	hook hk;
	ASSERT_EQ(t.init(hk.with(full_config<F>())), error::ok);
	const u64 base = 0x40000000;
	// 512 4K pages mapped one call, contiguous: collapsible
	ASSERT_TRUE(t.map(0, base, mib2, page_size::size_4k, perm::rx, mem_type::normal_wb).ok());
	// one page with other permissions: not
	ASSERT_TRUE(t.protect(0x5000, kib4, perm::r).ok());
	EXPECT_EQ(t.collapse(0, page_size::size_2m).err, error::busy);
	ASSERT_TRUE(t.protect(0x5000, kib4, perm::rx).ok());
	// one page missing: not
	ASSERT_TRUE(t.unmap(0x1ff000, kib4).ok());
	EXPECT_EQ(t.collapse(0, page_size::size_2m).err, error::busy);
	// the page back at another address: not contiguous
	ASSERT_TRUE(
	    t.map(0x1ff000, 0x1000000, kib4, page_size::size_4k, perm::rx, mem_type::normal_wb)
		.ok());
	EXPECT_EQ(t.collapse(0, page_size::size_2m).err, error::busy);
	ASSERT_TRUE(t.unmap(0x1ff000, kib4).ok());
	// other memory type: not
	ASSERT_TRUE(
	    t.map(0x1ff000, base + 0x1ff000, kib4, page_size::size_4k, perm::rx, mem_type::device)
		.ok());
	EXPECT_EQ(t.collapse(0, page_size::size_2m).err, error::busy);
	ASSERT_TRUE(t.unmap(0x1ff000, kib4).ok());
	ASSERT_TRUE(t.map(0x1ff000, base + 0x1ff000, kib4, page_size::size_4k, perm::rx,
			  mem_type::normal_wb)
			.ok());
	EXPECT_TRUE(t.collapse(0, page_size::size_2m).ok());
	EXPECT_EQ(must_translate(t, 0x1ff123).hpa, base + 0x1ff123);
	// contiguous but not aligned to 2M in host memory: not
	ASSERT_TRUE(t.map(mib2, base + 0x1000 + mib2, mib2, page_size::size_4k, perm::rx,
			  mem_type::normal_wb)
			.ok());
	EXPECT_EQ(t.collapse(mib2, page_size::size_2m).err, error::busy);
	// a table left empty by unmaps: nothing to collapse
	ASSERT_TRUE(t.unmap(mib2, mib2 / 2).ok());
	ASSERT_TRUE(t.unmap(mib2 + mib2 / 2, mib2 / 2).ok());
	EXPECT_EQ(t.collapse(mib2, page_size::size_2m).err, error::noent);
}

TYPED_TEST(ops, map_huge_leaf_over_an_empty_table_frees_it)
{
	using F = TypeParam;
	hook hk;
	page_table<F> t;
	ASSERT_EQ(t.init(hk.with(full_config<F>())), error::ok);
	ASSERT_TRUE(
	    t.map(mib2 + kib4, 0, kib4, page_size::size_4k, perm::r, mem_type::normal_wb).ok());
	ASSERT_TRUE(t.unmap(mib2 + kib4, kib4).ok());
	const u64 tables = t.statistics().table_pages;
	const int calls = hk.calls;
	const op_result r =
	    t.map(mib2, 0x200000, mib2, page_size::size_2m, perm::r, mem_type::normal_wb);
	ASSERT_TRUE(r.ok());
	EXPECT_FALSE(r.flush);
	EXPECT_EQ(t.statistics().table_pages, tables - 1);
	EXPECT_EQ(hk.calls, calls + 1);
	EXPECT_EQ(must_translate(t, mib2 + kib4).size, page_size::size_2m);
}

// While the hook runs, the old table must still be allocated (x86: the
// hardware may still walk it), and on arm64 the entry must be invalid
// (break-before-make).
template <class F> struct bbm_probe {
	const page_table<F>* t = nullptr;
	u64 gpa = 0;
	std::vector<bool> mapped;
	std::vector<u64> pages;
};

TYPED_TEST(ops, invalidate_runs_between_break_and_make_and_before_free)
{
	using F = TypeParam;
	page_table<F> t;
	bbm_probe<F> probe;
	probe.t = &t;
	probe.gpa = 3 * mib2;
	hook hk;
	hk.user = &probe;
	hk.probe = [](hook& h) {
		auto& p = *static_cast<bbm_probe<F>*>(h.user);
		translation tr;
		p.mapped.push_back(p.t->translate(p.gpa, tr));
		p.pages.push_back(fake::alloc_stats().pages);
	};
	ASSERT_EQ(t.init(hk.with(full_config<F>())), error::ok);
	ASSERT_TRUE(
	    t.map(2 * mib2, 0, 2 * mib2, page_size::size_2m, perm::rw, mem_type::normal_wb).ok());
	const u64 pages = fake::alloc_stats().pages;
	ASSERT_TRUE(t.split(3 * mib2).ok());
	EXPECT_EQ(t.collapse(2 * mib2, page_size::size_2m).err, error::exist);  // not the one split
	ASSERT_TRUE(t.collapse(3 * mib2, page_size::size_2m).ok());
	if (F::break_before_make) {
		// split: invalid while the new table is allocated; collapse: invalid,
		// the table still there
		EXPECT_EQ(probe.mapped, (std::vector<bool>{false, false}));
		EXPECT_EQ(probe.pages, (std::vector<u64>{pages + 1, pages + 1}));
	} else {
		// collapse only: the new leaf is in, the table not yet freed
		EXPECT_EQ(probe.mapped, (std::vector<bool>{true}));
		EXPECT_EQ(probe.pages, (std::vector<u64>{pages + 1}));
	}
	EXPECT_EQ(fake::alloc_stats().pages, pages);
}

TYPED_TEST(ops, without_invalidate_hook_the_caller_is_told_to_flush)
{
	using F = TypeParam;
	page_table<F> t;
	ASSERT_EQ(t.init(full_config<F>()), error::ok);
	ASSERT_TRUE(t.map(0, 0, mib2, page_size::size_2m, perm::rw, mem_type::normal_wb).ok());
	op_result r = t.split(0);
	ASSERT_TRUE(r.ok());
	EXPECT_EQ(r.flush, F::break_before_make);  // no one did the break-before-make
	r = t.collapse(0, page_size::size_2m);
	ASSERT_TRUE(r.ok());
	EXPECT_TRUE(r.flush);  // a table was freed (and on arm64, break-before-make)
	EXPECT_EQ(t.statistics().sync_invalidations, 0U);
}

// x86 only: arm64 stage 2 has at most 4 levels (48-bit IPA without LPA2).
template <class F> void five_levels_reach_57_bits()
{
	page_table<F> t4, t5;
	ASSERT_EQ(t4.init({.levels = 4}), error::ok);
	ASSERT_EQ(t5.init({.levels = 5}), error::ok);
	const u64 gpa = (1ULL << 56) + 3 * gib;
	EXPECT_EQ(t4.map(gpa, 0, gib, page_size::size_1g, perm::r, mem_type::normal_wb).err,
		  error::range);
	ASSERT_TRUE(t5.map(gpa, 0, gib, page_size::size_1g, perm::r, mem_type::normal_wb).ok());
	EXPECT_EQ(must_translate(t5, gpa + 77).hpa, 77U);
	translation tr;
	EXPECT_FALSE(t5.translate(gpa & ((1ULL << 48) - 1), tr));  // no aliasing
	EXPECT_EQ(t5.statistics().table_pages, 3U);                // root, 512G-level, 1G-level
}

TEST_F(stage2_test, ept_five_levels_reach_57_bits) { five_levels_reach_57_bits<ept>(); }
TEST_F(stage2_test, npt_five_levels_reach_57_bits) { five_levels_reach_57_bits<npt>(); }

TYPED_TEST(ops, teardown_returns_every_page)
{
	using F = TypeParam;
	const pv_alloc_stats start = fake::alloc_stats();
	{
		page_table<F> t;
		ASSERT_EQ(t.init(full_config<F>()), error::ok);
		for (u64 i = 0; i < 64; i++) {
			const u64 gpa = (i % 8) * gib + (i / 8) * 37 * mib2 + (i % 5) * kib4;
			ASSERT_TRUE(
			    t.map(gpa, gpa, kib4, page_size::size_4k, perm::rw, mem_type::normal_wb)
				.ok());
		}
		ASSERT_TRUE(
		    t.map(20 * gib, 0, gib, page_size::size_1g, perm::rw, mem_type::normal_wb)
			.ok());
		ASSERT_TRUE(t.split(20 * gib).ok());
		ASSERT_TRUE(t.split(20 * gib + 3 * mib2).ok());
		EXPECT_GT(t.statistics().table_pages, 64U);
		EXPECT_EQ(fake::alloc_stats().pages - start.pages, t.statistics().table_pages);
		t.teardown();
		EXPECT_EQ(t.statistics().table_pages, 0U);
		EXPECT_EQ(t.statistics().pages_4k, 0U);
		EXPECT_EQ(fake::alloc_stats().pages, start.pages);
		EXPECT_EQ(fake::alloc_stats().objects, start.objects);
		t.teardown();  // twice is fine
		translation tr;
		EXPECT_FALSE(t.translate(0, tr));
		// and the table can be set up again
		ASSERT_EQ(t.init(full_config<F>()), error::ok);
		ASSERT_TRUE(
		    t.map(0, 0, kib4, page_size::size_4k, perm::r, mem_type::normal_wb).ok());
	}  // the destructor tears down
	EXPECT_EQ(fake::alloc_stats().pages, start.pages);
}

TEST_F(stage2_test, arm_teardown_of_concatenated_roots)
{
	for (unsigned ipa : {32U, 34U, 40U, 43U}) {
		arm_s2_table t;
		ASSERT_EQ(t.init({.ipa_bits = ipa}), error::ok);
		const u64 top = t.ipa_limit() - mib2;
		ASSERT_TRUE(
		    t.map(top, 0, mib2, page_size::size_4k, perm::r, mem_type::normal_wb).ok());
		ASSERT_TRUE(
		    t.map(0, mib2, mib2, page_size::size_2m, perm::r, mem_type::normal_wb).ok());
		EXPECT_EQ(fake::alloc_stats().pages, t.statistics().table_pages);
		t.teardown();
		EXPECT_EQ(fake::alloc_stats().pages, 0U) << ipa;
	}
}

}  // namespace
}  // namespace pv::stage2::test
