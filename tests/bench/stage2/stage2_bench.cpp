// SPDX-License-Identifier: GPL-2.0
// ns/op of the stage-2 engine's hot paths, for each descriptor format.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>

#include "portvisor/core/stage2/table.h"

uint64_t bench_live_pages();

namespace {

using namespace pv;
using namespace pv::stage2;

constexpr u64 kib4 = 1ULL << 12;
constexpr u64 mib2 = 1ULL << 21;
constexpr u64 gib = 1ULL << 30;

// Stands for INVEPT / INVLPGA / TLBI: called, does nothing.
__attribute__((noinline)) void invalidate(void*) { benchmark::ClobberMemory(); }

template <class F> config bench_config()
{
	config c = __is_same(F, arm_s2) ? config{.ipa_bits = 48} : config{};
	c.invalidate = invalidate;
	return c;
}

void check(bool ok, const char* what)
{
	if (!ok) {
		std::fprintf(stderr, "stage2 bench: %s failed\n", what);
		std::abort();
	}
}

// translate() of addresses mapped by leaves of one size (state.range(0):
// 0 = 4K, 1 = 2M, 2 = 1G), 8 leaves, walked in turn.
template <class F> void translate_hit(benchmark::State& state)
{
	const auto ps = page_size(state.range(0));
	page_table<F> t;
	check(t.init(bench_config<F>()) == error::ok, "init");
	u64 gpas[8];
	for (u64 i = 0; i < 8; i++) {
		gpas[i] = 4 * gib + i * 3 * bytes(ps);
		check(t.map(gpas[i], 16 * gib + i * bytes(ps), bytes(ps), ps, perm::rwx,
			    mem_type::normal_wb)
			  .ok(),
		      "map");
	}
	u64 i = 0;
	for (auto _ : state) {
		translation tr;
		const bool hit = t.translate(gpas[i++ & 7] + 0x123, tr);
		benchmark::DoNotOptimize(hit);
		benchmark::DoNotOptimize(tr);
	}
}

// map + unmap of one 4K page whose tables exist (the steady state).
template <class F> void map_unmap_4k(benchmark::State& state)
{
	page_table<F> t;
	check(t.init(bench_config<F>()) == error::ok, "init");
	const u64 gpa = 4 * gib + 5 * mib2 + 7 * kib4;
	check(t.map(gpa, 0x1000000, kib4, page_size::size_4k, perm::rw, mem_type::normal_wb).ok(),
	      "map");
	check(t.unmap(gpa, kib4).ok(), "unmap");
	for (auto _ : state) {
		const op_result m =
		    t.map(gpa, 0x1000000, kib4, page_size::size_4k, perm::rw, mem_type::normal_wb);
		const op_result u = t.unmap(gpa, kib4);
		benchmark::DoNotOptimize(m);
		benchmark::DoNotOptimize(u);
	}
}

// map of a 2M page into an empty slot of an existing 2M-level table; every
// 512 maps the 1G region is unmapped outside the timing.
template <class F> void map_2m(benchmark::State& state)
{
	page_table<F> t;
	check(t.init(bench_config<F>()) == error::ok, "init");
	const u64 region = 4 * gib;
	check(t.map(region, 0, mib2, page_size::size_2m, perm::rw, mem_type::normal_wb).ok(),
	      "map");
	check(t.unmap(region, mib2).ok(), "unmap");
	u64 slot = 0;
	for (auto _ : state) {
		const op_result r = t.map(region + slot * mib2, 8 * gib + slot * mib2, mib2,
					  page_size::size_2m, perm::rw, mem_type::normal_wb);
		benchmark::DoNotOptimize(r);
		if (++slot == 512) {
			state.PauseTiming();
			// leave one 2M page so the 2M-level table survives
			check(t.unmap(region + mib2, gib - mib2).ok(), "unmap");
			check(t.unmap(region, mib2).ok(), "unmap");
			slot = 0;
			state.ResumeTiming();
		}
	}
}

template <class F> void map_unmap_2m(benchmark::State& state)
{
	page_table<F> t;
	check(t.init(bench_config<F>()) == error::ok, "init");
	const u64 gpa = 4 * gib + 6 * mib2;
	check(t.map(gpa - mib2, 0, mib2, page_size::size_2m, perm::rw, mem_type::normal_wb).ok(),
	      "map");
	for (auto _ : state) {
		const op_result m =
		    t.map(gpa, 8 * gib, mib2, page_size::size_2m, perm::rw, mem_type::normal_wb);
		const op_result u = t.unmap(gpa, mib2);
		benchmark::DoNotOptimize(m);
		benchmark::DoNotOptimize(u);
	}
}

// split of a 2M leaf into 512 4K leaves and collapse back (one table page
// allocated and freed each time, one invalidation hook call, two on arm64).
template <class F> void split_collapse_2m(benchmark::State& state)
{
	page_table<F> t;
	check(t.init(bench_config<F>()) == error::ok, "init");
	const u64 gpa = 4 * gib + 6 * mib2;
	check(t.map(gpa, 8 * gib, mib2, page_size::size_2m, perm::rw, mem_type::normal_wb).ok(),
	      "map");
	for (auto _ : state) {
		const op_result s = t.split(gpa);
		const op_result c = t.collapse(gpa, page_size::size_2m);
		benchmark::DoNotOptimize(s);
		benchmark::DoNotOptimize(c);
	}
}

#define PV_FORMATS(X, ...)                                                                         \
	BENCHMARK_TEMPLATE(X, ept) __VA_ARGS__;                                                    \
	BENCHMARK_TEMPLATE(X, npt) __VA_ARGS__;                                                    \
	BENCHMARK_TEMPLATE(X, arm_s2) __VA_ARGS__

PV_FORMATS(translate_hit, ->ArgName("size_4k_2m_1g")->Arg(0)->Arg(1)->Arg(2));
PV_FORMATS(map_unmap_4k, );
PV_FORMATS(map_2m, );
PV_FORMATS(map_unmap_2m, );
PV_FORMATS(split_collapse_2m, );

// Every table page came back.
struct leak_check {
	~leak_check()
	{
		if (bench_live_pages() != 0)
			std::fprintf(stderr, "stage2 bench: %llu pages leaked\n",
				     static_cast<unsigned long long>(bench_live_pages()));
	}
} at_exit;

}  // namespace
