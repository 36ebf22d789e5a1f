// SPDX-License-Identifier: GPL-2.0
// libFuzzer harness of the stage-2 engine: the input chooses a table
// (format, levels, IPA size, page sizes) and a sequence of operations, some
// drawn like the unit tests' random sequences (addresses that collide), some
// raw (any address, size, permission), some with the next allocations
// failing. After every operation the engine is checked against the
// reference model of tests/unit-stage2/stage2_model.h; at the end, teardown
// must return every page. Any disagreement aborts.
// Build and run: tests/fuzz/run-stage2.sh.
#include <cstdio>
#include <cstdlib>

#include "fake_platform.h"
#include "stage2_model.h"

namespace {

using namespace pv;
using namespace pv::stage2;
using namespace pv::stage2::test;

// Numbers from the input; zeros once it is used up.
struct byte_source {
	const uint8_t* p;
	size_t n;

	u64 take(unsigned bytes)
	{
		u64 v = 0;
		for (unsigned i = 0; i < bytes; i++) {
			v = v << 8;
			if (n != 0) {
				v |= *p++;
				n--;
			}
		}
		return v;
	}
	// A number in [0, range).
	u64 operator()(u64 range)
	{
		if (range <= 1)
			return 0;
		const unsigned bytes = range <= 0x100        ? 1
				       : range <= 0x10000    ? 2
				       : range <= 1ULL << 32 ? 4
							     : 8;
		return take(bytes) % range;
	}
};

[[noreturn]] void fail(const std::string& what)
{
	std::fprintf(stderr, "stage2_fuzz: %s\n", what.c_str());
	std::abort();
}

void count_call(void* ctx) { ++*static_cast<u64*>(ctx); }

template <class F> void run(byte_source& in, config cfg)
{
	u64 hook_calls = 0;
	cfg.invalidate = count_call;
	cfg.invalidate_ctx = &hook_calls;
	{
		page_table<F> t;
		if (t.init(cfg) != error::ok)
			fail("init");
		model mdl(t.ipa_limit(), t.page_sizes(), F::output_bits, false);
		op_picker picker(t.ipa_limit(), t.page_sizes(), F::output_bits);
		const u64 limit = t.ipa_limit();
		for (int step = 0; step < 96 && in.n != 0; step++) {
			const u64 how = in.take(1);
			op o;
			if (how < 192) {
				o = picker.pick(in);
			} else {
				// raw: anything, but maps of a bounded number of leaves
				o.kind = op_kind(in(5));
				o.gpa = in.take(8) & ((limit << 1) - 1);
				if (in(4) != 0)
					o.gpa &= ~0xfffULL;
				o.ps = page_size(in(4));
				o.size = in.take(8);
				if (o.kind == op_kind::map && in(8) != 0)
					o.size = (1 + in(16)) * span(unsigned(o.ps) & 3);
				else if (o.kind == op_kind::map)
					o.size |= 1;  // never valid: misaligned
				else if (in(2) != 0)
					o.size &= ~0xfffULL;
				o.hpa = in.take(8) & ((2ULL << F::output_bits) - 1);
				if (in(4) != 0)
					o.hpa &= ~(span(unsigned(o.ps) & 3) - 1);
				o.p = perm(in(9));
				o.m = mem_type(in(3));
			}
			// the next 0..3 allocations succeed, later ones fail
			const bool starve = (how & 0x30) == 0x30;
			if (starve)
				fake::fail_allocs_after(in(4));
			const std::string diff = check_step(t, mdl, o, starve, in.take(8), nullptr,
							    step % 8 == 0 || in.n == 0);
			fake::never_fail_allocs();
			if (!diff.empty())
				fail("step " + std::to_string(step) + ": " + diff);
			if (fake::alloc_stats().pages != t.statistics().table_pages)
				fail("platform pages differ from table_pages after " +
				     o.describe());
		}
		const std::string diff = compare_state(t, mdl, {}, true);
		if (!diff.empty())
			fail("final state: " + diff);
		if (t.statistics().sync_invalidations != hook_calls)
			fail("sync_invalidations differs from the hook's calls");
		t.teardown();
	}
	if (fake::alloc_stats().pages != 0 || fake::alloc_stats().objects != 0)
		fail("teardown left pages allocated");
	for (const std::string& m : fake::misuse())
		fail("platform misuse: " + m);
}

constexpr u64 no_1g = size_bit(page_size::size_4k) | size_bit(page_size::size_2m);

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
	fake::reset();
	byte_source in{data, size};
	switch (in(10)) {
	case 0: run<ept>(in, {.levels = 4}); break;
	case 1: run<ept>(in, {.levels = 5}); break;
	case 2: run<ept>(in, {.levels = 4, .page_sizes = no_1g}); break;
	case 3: run<npt>(in, {.levels = 4}); break;
	case 4: run<npt>(in, {.levels = 5}); break;
	case 5: run<arm_s2>(in, {.ipa_bits = 48}); break;
	case 6: run<arm_s2>(in, {.ipa_bits = 40}); break;
	case 7: run<arm_s2>(in, {.ipa_bits = 39}); break;
	case 8: run<arm_s2>(in, {.ipa_bits = 34}); break;
	default: run<arm_s2>(in, {.ipa_bits = 32}); break;
	}
	return 0;
}
