// SPDX-License-Identifier: GPL-2.0
// Common ground of the stage-2 unit tests: a fresh fake platform per test,
// and no contract violation nor page left over at its end.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "fake_platform.h"
#include "portvisor/core/stage2/table.h"

namespace pv::stage2::test {

class stage2_test : public ::testing::Test {
protected:
	void SetUp() override { fake::reset(); }
	void TearDown() override
	{
		std::string all;
		for (const std::string& m : fake::misuse())
			all += m + "\n";
		EXPECT_EQ(all, "") << "platform contract violated";
		EXPECT_EQ(fake::alloc_stats().pages, 0U) << "table pages leaked";
		EXPECT_EQ(fake::alloc_stats().objects, 0U) << "allocations leaked";
	}
};

// config::invalidate that counts its calls and can look at the table.
struct hook {
	int calls = 0;
	void (*probe)(hook&) = nullptr;
	void* user = nullptr;

	static void fn(void* ctx)
	{
		hook& h = *static_cast<hook*>(ctx);
		h.calls++;
		if (h.probe != nullptr)
			h.probe(h);
	}
	[[nodiscard]] config with(config c)
	{
		c.invalidate = fn;
		c.invalidate_ctx = this;
		return c;
	}
};

// The descriptor on gpa's path at `height`, read from the raw tables (not
// through the engine's walk). Table descriptors of every format keep their
// address in bits 51:12.
template <class F> u64 raw_descriptor(const page_table<F>& t, u64 gpa, unsigned height)
{
	u64 phys = t.root_phys();
	for (unsigned h = t.levels() - 1;; h--) {
		const u64 entries = h == t.levels() - 1 ? t.root_entries() : 512;
		const auto* tab = static_cast<const u64*>(pv_platform_phys_to_virt(phys));
		const u64 d = tab[(gpa >> (12 + 9 * h)) & (entries - 1)];
		if (h == height || h == 0)
			return d;
		phys = d & 0x000ffffffffff000ULL;
	}
}

}  // namespace pv::stage2::test
