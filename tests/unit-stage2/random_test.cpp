// SPDX-License-Identifier: GPL-2.0
// Random sequences of map / unmap / protect / split / collapse over a small
// set of addresses, for every format and level count, checked after every
// step against the reference model (stage2_model.h): the result and flush
// flag, every leaf, the statistics, translate() at the addresses the step
// touched, and the platform's page count.
#include <random>

#include "stage2_fixture.h"
#include "stage2_model.h"

namespace pv::stage2::test {
namespace {

enum class fmt { ept, npt, arm };

struct table_kind {
	const char* name;
	fmt format;
	config cfg;
	int steps;
};

std::ostream& operator<<(std::ostream& os, const table_kind& k) { return os << k.name; }

// What the sequences did: one that never splits or collapses proves little.
struct coverage {
	int ok[5] = {};
	int errors = 0;
	int flushes = 0;
	u64 max_leaves[3] = {};  // most leaves of each size seen at once
};

template <class F> void random_sequence(const table_kind& kind, u64 seed, coverage& cov)
{
	hook hk;
	page_table<F> t;
	ASSERT_EQ(t.init(hk.with(kind.cfg)), error::ok);
	model mdl(t.ipa_limit(), t.page_sizes(), F::output_bits, false);
	std::mt19937_64 rng(seed);
	auto next = [&](u64 n) { return n == 0 ? 0 : rng() % n; };
	op_picker picker(t.ipa_limit(), t.page_sizes(), F::output_bits);
	for (int i = 0; i < kind.steps; i++) {
		const op o = picker.pick(next);
		op_result r;
		const std::string diff = check_step(t, mdl, o, false, rng(), &r);
		ASSERT_EQ(diff, "") << "step " << i << " of seed " << seed;
		ASSERT_EQ(fake::alloc_stats().pages, t.statistics().table_pages) << "step " << i;
		if (r.ok())
			cov.ok[unsigned(o.kind)]++;
		else
			cov.errors++;
		cov.flushes += r.flush;
		const stats& s = t.statistics();
		const u64 counts[3] = {s.pages_4k, s.pages_2m, s.pages_1g};
		for (unsigned h = 0; h < 3; h++)
			cov.max_leaves[h] = std::max(cov.max_leaves[h], counts[h]);
	}
	t.teardown();
	EXPECT_EQ(fake::alloc_stats().pages, 0U);
}

template <class F> void run_kind(const table_kind& kind)
{
	coverage cov;
	for (u64 seed = 1; seed <= 3; seed++) {
		fake::reset();
		random_sequence<F>(kind, seed * 7919 + u64(kind.format), cov);
		if (::testing::Test::HasFatalFailure())
			return;
	}
	const int steps = 3 * kind.steps;
	EXPECT_GT(cov.ok[unsigned(op_kind::map)], steps / 20);
	EXPECT_GT(cov.ok[unsigned(op_kind::unmap)], steps / 20);
	EXPECT_GT(cov.ok[unsigned(op_kind::protect)], steps / 20);
	EXPECT_GT(cov.ok[unsigned(op_kind::split)], steps / 100);
	EXPECT_GT(cov.ok[unsigned(op_kind::collapse)], steps / 300);
	EXPECT_GT(cov.errors, steps / 20);
	EXPECT_GT(cov.flushes, steps / 20);
	EXPECT_GT(cov.max_leaves[0], 512U);
	EXPECT_GT(cov.max_leaves[1], 0U);
	// 1 GiB leaves where the table has them
	const bool has_1g =
	    (kind.cfg.page_sizes & size_bit(page_size::size_1g)) != 0 &&
	    (kind.format != fmt::arm || arm_s2::levels_for_ipa(kind.cfg.ipa_bits) > 2);
	EXPECT_EQ(cov.max_leaves[2] > 0, has_1g);
}

class random_ops : public stage2_test, public ::testing::WithParamInterface<table_kind> {};

constexpr u64 no_1g = size_bit(page_size::size_4k) | size_bit(page_size::size_2m);

const table_kind kinds[] = {
    {"ept_4_levels", fmt::ept, {.levels = 4}, 1500},
    {"ept_5_levels", fmt::ept, {.levels = 5}, 1500},
    {"ept_4_levels_39_bits", fmt::ept, {.levels = 4, .ipa_bits = 39}, 1000},
    {"ept_4_levels_no_1g", fmt::ept, {.levels = 4, .page_sizes = no_1g}, 1000},
    {"npt_4_levels", fmt::npt, {.levels = 4}, 1500},
    {"npt_5_levels", fmt::npt, {.levels = 5}, 1500},
    {"arm_48_bits_4_levels", fmt::arm, {.ipa_bits = 48}, 1500},
    {"arm_44_bits_4_levels", fmt::arm, {.ipa_bits = 44}, 1000},
    {"arm_40_bits_3_levels_2_concatenated", fmt::arm, {.ipa_bits = 40}, 1500},
    {"arm_39_bits_3_levels", fmt::arm, {.ipa_bits = 39}, 1000},
    {"arm_36_bits_3_levels", fmt::arm, {.ipa_bits = 36}, 1000},
    {"arm_34_bits_2_levels_16_concatenated", fmt::arm, {.ipa_bits = 34}, 1500},
    {"arm_32_bits_2_levels_4_concatenated", fmt::arm, {.ipa_bits = 32}, 1000},
};

INSTANTIATE_TEST_SUITE_P(kinds, random_ops, ::testing::ValuesIn(kinds),
			 [](const auto& info) { return std::string(info.param.name); });

TEST_P(random_ops, agree_with_the_model)
{
	switch (GetParam().format) {
	case fmt::ept: run_kind<ept>(GetParam()); break;
	case fmt::npt: run_kind<npt>(GetParam()); break;
	case fmt::arm: run_kind<arm_s2>(GetParam()); break;
	}
}

}  // namespace
}  // namespace pv::stage2::test
