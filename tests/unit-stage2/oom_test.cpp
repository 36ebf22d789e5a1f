// SPDX-License-Identifier: GPL-2.0
// Out of memory at every allocation of a sequence: the operation that
// fails changes no mapping (translate gives the old result everywhere), the
// ones that need no memory still work, and teardown returns every page.
#include <random>

#include "stage2_fixture.h"
#include "stage2_model.h"

namespace pv::stage2::test {
namespace {

constexpr u64 kib4 = 1ULL << 12;
constexpr u64 mib2 = 1ULL << 21;
constexpr u64 gib = 1ULL << 30;

template <class F> config oom_config()
{
	return __is_same(F, arm_s2) ? config{.ipa_bits = 40} : config{};
}

template <class F> std::vector<op> sequence(u64 seed, int steps)
{
	page_table<F> t;  // for the geometry only
	EXPECT_EQ(t.init(oom_config<F>()), error::ok);
	std::mt19937_64 rng(seed);
	auto next = [&](u64 n) { return n == 0 ? 0 : rng() % n; };
	op_picker picker(t.ipa_limit(), t.page_sizes(), F::output_bits);
	std::vector<op> ops;
	for (int i = 0; i < steps; i++)
		ops.push_back(picker.pick(next));
	return ops;
}

// Runs `ops` with allocations failing after the first `budget`; when
// `recover`, allocations work again after the first failure.
template <class F> void run_with_budget(const std::vector<op>& ops, u64 budget, bool recover)
{
	fake::reset();
	fake::fail_allocs_after(budget);
	hook hk;
	page_table<F> t;
	const error e = t.init(hk.with(oom_config<F>()));
	if (budget == 0) {
		EXPECT_EQ(e, error::nomem);
		EXPECT_EQ(fake::alloc_stats().pages, 0U);
		return;
	}
	ASSERT_EQ(e, error::ok);
	model mdl(t.ipa_limit(), t.page_sizes(), F::output_bits, false);
	for (size_t i = 0; i < ops.size(); i++) {
		const u64 failed = fake::failed_allocs();
		// every leaf now and then, and after every -ENOMEM
		const bool full = i % 16 == 0 || i + 1 == ops.size();
		const std::string diff = check_step(t, mdl, ops[i], true, i, nullptr, full);
		ASSERT_EQ(diff, "") << "step " << i << ", budget " << budget;
		ASSERT_EQ(fake::alloc_stats().pages, t.statistics().table_pages)
		    << "step " << i << ", budget " << budget;
		if (recover && fake::failed_allocs() > failed)
			fake::never_fail_allocs();
	}
	EXPECT_GT(fake::failed_allocs(), 0U) << "budget " << budget << " was never exhausted";
	t.teardown();
	EXPECT_EQ(fake::alloc_stats().pages, 0U) << "budget " << budget;
	EXPECT_EQ(fake::alloc_stats().objects, 0U) << "budget " << budget;
	EXPECT_TRUE(fake::misuse().empty()) << "budget " << budget;
}

template <class T> class oom : public stage2_test {};
using formats = ::testing::Types<ept, npt, arm_s2>;
TYPED_TEST_SUITE(oom, formats);

TYPED_TEST(oom, at_every_allocation_of_a_sequence)
{
	using F = TypeParam;
	const std::vector<op> ops = sequence<F>(42, 400);
	// how many allocations the sequence makes when memory never runs out
	fake::reset();
	u64 total;
	{
		hook hk;
		page_table<F> t;
		ASSERT_EQ(t.init(hk.with(oom_config<F>())), error::ok);
		model mdl(t.ipa_limit(), t.page_sizes(), F::output_bits, false);
		for (size_t i = 0; i < ops.size(); i++)
			ASSERT_EQ(check_step(t, mdl, ops[i], false, i), "") << "step " << i;
		total = fake::alloc_stats().total_allocs;
	}
	ASSERT_GT(total, 50U) << "the sequence should allocate often";
	for (u64 budget = 0; budget < total; budget++) {
		run_with_budget<F>(ops, budget, false);
		if (::testing::Test::HasFatalFailure())
			return;
		run_with_budget<F>(ops, budget, true);
		if (::testing::Test::HasFatalFailure())
			return;
	}
}

// The paths that allocate, one by one, with no memory at all.
TYPED_TEST(oom, each_allocating_operation_is_all_or_nothing)
{
	using F = TypeParam;
	hook hk;
	page_table<F> t;
	ASSERT_EQ(t.init(hk.with(oom_config<F>())), error::ok);
	ASSERT_TRUE(
	    t.map(gib, 0x80000000, gib, page_size::size_1g, perm::rwx, mem_type::normal_wb).ok());
	ASSERT_TRUE(
	    t.map(0, 0x100000, kib4, page_size::size_4k, perm::r, mem_type::normal_wb).ok());
	const stats before = t.statistics();
	auto unchanged = [&] {
		EXPECT_EQ(t.statistics().pages_1g, before.pages_1g);
		EXPECT_EQ(t.statistics().pages_2m, before.pages_2m);
		EXPECT_EQ(t.statistics().pages_4k, before.pages_4k);
		EXPECT_EQ(t.statistics().table_pages, before.table_pages);
		EXPECT_EQ(fake::alloc_stats().pages, before.table_pages);
		translation tr;
		ASSERT_TRUE(t.translate(gib + 5 * mib2 + 0x123, tr));
		EXPECT_EQ(tr.hpa, 0x80000000 + 5 * mib2 + 0x123);
		EXPECT_EQ(tr.size, page_size::size_1g);
		EXPECT_EQ(tr.perms, perm::rwx);
	};
	// one page in the middle of the 1G leaf: 1G -> 2M -> 4K, two splits
	// shared by both edges; with 0 or 1 page available, nothing happens
	for (u64 budget = 0; budget < 2; budget++) {
		fake::fail_allocs_after(budget);
		EXPECT_EQ(t.protect(gib + 5 * mib2 + kib4, kib4, perm::r).err, error::nomem);
		unchanged();
		EXPECT_EQ(t.unmap(gib + 5 * mib2 + kib4, 3 * kib4).err, error::nomem);
		unchanged();
	}
	// edges in two 2M leaves of the 1G one: three splits
	for (u64 budget = 0; budget < 3; budget++) {
		fake::fail_allocs_after(budget);
		EXPECT_EQ(t.unmap(gib + 5 * mib2 + kib4, mib2).err, error::nomem);
		unchanged();
	}
	fake::fail_allocs_after(0);
	EXPECT_EQ(t.split(gib).err, error::nomem);
	unchanged();
	// a map that needs tables in two 1G regions: the first region's leaves
	// are in before the second region's table fails, and are taken back
	fake::fail_allocs_after(1);
	const op_result r = t.map(3 * gib - 2 * mib2, 0, 4 * mib2, page_size::size_2m, perm::r,
				  mem_type::normal_wb);
	EXPECT_EQ(r.err, error::nomem);
	EXPECT_TRUE(r.flush);  // a vCPU may have used them in between
	translation tr;
	EXPECT_FALSE(t.translate(3 * gib - 2 * mib2, tr));
	EXPECT_FALSE(t.translate(3 * gib, tr));
	EXPECT_EQ(t.statistics().pages_2m, 0U);
	EXPECT_EQ(fake::alloc_stats().pages, t.statistics().table_pages);  // the empty table stays
	// with exactly enough, everything works
	fake::fail_allocs_after(2);
	EXPECT_TRUE(t.protect(gib + 5 * mib2 + kib4, kib4, perm::r).ok());
	EXPECT_EQ(t.statistics().table_pages, before.table_pages + 2 + 1);  // + 1: the map above
	fake::fail_allocs_after(1);
	EXPECT_TRUE(t.unmap(gib + 5 * mib2 + kib4, mib2).ok());  // 6th 2M leaf -> 4K
	EXPECT_EQ(t.statistics().table_pages, before.table_pages + 3 + 1);
	fake::never_fail_allocs();
	t.teardown();
	EXPECT_EQ(fake::alloc_stats().pages, 0U);
}

}  // namespace
}  // namespace pv::stage2::test
