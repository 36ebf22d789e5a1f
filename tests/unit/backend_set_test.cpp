// SPDX-License-Identifier: GPL-2.0
// backend_set<...>::select(): every backend probed on every online CPU, the
// first usable one chosen, and a CPU that disagrees refuses a backend.
#include "portvisor/core/backend_set.h"

#include <array>
#include <gtest/gtest.h>
#include <map>
#include <vector>

#include "fake_platform.h"
#include "probe_expect.h"

namespace {

namespace fake = pv::fake;
using pv::core::backend_kind;
using pv::core::backend_selection;
using pv::core::backend_set;
using pv::core::capabilities;
using pv::core::probe_result;
using pv::core::probe_status;

// What one fake backend answers, per CPU, and where it was asked.
struct probe_table {
	probe_result by_default;
	std::map<unsigned, probe_result> by_cpu;
	std::vector<unsigned> probed_on;

	probe_result answer(unsigned cpu)
	{
		probed_on.push_back(cpu);
		auto it = by_cpu.find(cpu);
		return it == by_cpu.end() ? by_default : it->second;
	}
};

std::array<probe_table, 3> tables;

template <unsigned I, backend_kind K> struct fake_backend {
	static constexpr backend_kind kind = K;
	static probe_result probe_this_cpu() { return tables[I].answer(fake::current_cpu()); }
};
using first = fake_backend<0, backend_kind::vmx>;
using second = fake_backend<1, backend_kind::svm>;
using third = fake_backend<2, backend_kind::arm64_vhe>;
static_assert(pv::core::backend<first>);

using three = backend_set<first, second, third>;

probe_result usable(backend_kind kind, uint32_t tags = 255)
{
	capabilities c;
	c.kind = kind;
	c.stage2_levels = 4;
	c.page_sizes = 0x1000;
	c.tlb_tags = tags;
	c.guest_phys_bits = 40;
	return probe_result{probe_status::usable, nullptr, c};
}

const probe_result absent = probe_result::refuse(probe_status::absent, "not here");

class backend_set_select : public testing::Test {
protected:
	void SetUp() override
	{
		fake::reset();
		tables = {};
	}
	void TearDown() override
	{
		EXPECT_TRUE(fake::misuse().empty());
		fake::reset();
	}
};

TEST_F(backend_set_select, probes_every_backend_on_every_cpu)
{
	fake::set_cpu_count(3);
	tables[0].by_default = usable(backend_kind::vmx);
	tables[1].by_default = absent;
	tables[2].by_default = absent;
	const backend_selection sel = three::select();
	for (const auto& t : tables)
		EXPECT_EQ(t.probed_on, (std::vector<unsigned>{0, 1, 2}));
	EXPECT_EQ(sel.count, 3U);
	EXPECT_EQ(sel.kinds[0], backend_kind::vmx);
	EXPECT_EQ(sel.kinds[1], backend_kind::svm);
	EXPECT_EQ(sel.kinds[2], backend_kind::arm64_vhe);
	EXPECT_EQ(sel.cpus_seen, 3U);
	EXPECT_EQ(fake::on_each_cpu_calls(), 1U);
}

TEST_F(backend_set_select, chooses_the_first_usable_in_list_order)
{
	fake::set_cpu_count(2);
	tables[0].by_default = absent;
	tables[1].by_default = usable(backend_kind::svm, 15);
	tables[2].by_default = usable(backend_kind::arm64_vhe);
	const backend_selection sel = three::select();
	ASSERT_EQ(sel.chosen, 1);
	EXPECT_EQ(sel.caps.kind, backend_kind::svm);
	EXPECT_EQ(sel.caps.tlb_tags, 15U);
	expect_refused(sel.results[0], probe_status::absent, "not here");
	EXPECT_TRUE(sel.results[2].usable());  // later backends are still reported
}

TEST_F(backend_set_select, earlier_backend_wins_when_both_are_usable)
{
	tables[0].by_default = usable(backend_kind::vmx);
	tables[1].by_default = usable(backend_kind::svm);
	tables[2].by_default = absent;
	EXPECT_EQ(three::select().chosen, 0);
}

TEST_F(backend_set_select, host_cpus_is_the_number_of_cpus_probed)
{
	fake::set_online_cpus({0, 2, 5, 6});
	tables[0].by_default = usable(backend_kind::vmx);
	const backend_selection sel = three::select();
	ASSERT_EQ(sel.chosen, 0);
	EXPECT_EQ(sel.caps.host_cpus, 4U);
	EXPECT_EQ(sel.results[0].caps.host_cpus, 0U);  // the per-CPU record is left alone
}

TEST_F(backend_set_select, cpu_with_different_caps_refuses_the_backend)
{
	fake::set_cpu_count(4);
	tables[0].by_default = usable(backend_kind::vmx, 255);
	tables[0].by_cpu[2] = usable(backend_kind::vmx, 65535);
	tables[1].by_default = usable(backend_kind::svm);
	const backend_selection sel = three::select();
	expect_refused(sel.results[0], probe_status::insufficient,
		       "CPUs report different capabilities");
	EXPECT_EQ(sel.refusing_cpu[0], 2U);
	EXPECT_EQ(sel.chosen, 1);  // the next backend agrees everywhere
	EXPECT_EQ(sel.caps.host_cpus, 4U);
}

TEST_F(backend_set_select, cpu_that_refuses_refuses_the_backend_with_its_reason)
{
	fake::set_cpu_count(4);
	tables[0].by_default = usable(backend_kind::vmx);
	tables[0].by_cpu[2] =
	    probe_result::refuse(probe_status::disabled, "VMX disabled by firmware on this one");
	const backend_selection sel = three::select();
	EXPECT_EQ(sel.chosen, -1);
	expect_refused(sel.results[0], probe_status::disabled, "on this one");
	EXPECT_EQ(sel.refusing_cpu[0], 2U);
	EXPECT_EQ(sel.caps, capabilities{});
}

TEST_F(backend_set_select, first_disagreeing_cpu_is_the_one_reported)
{
	fake::set_online_cpus({0, 3, 4, 9});
	tables[0].by_default = usable(backend_kind::vmx);
	tables[0].by_cpu[4] = absent;
	tables[0].by_cpu[9] = usable(backend_kind::vmx, 1);
	const backend_selection sel = three::select();
	expect_refused(sel.results[0], probe_status::absent, "not here");
	EXPECT_EQ(sel.refusing_cpu[0], 4U);  // a CPU id, not an index
}

TEST_F(backend_set_select, refusal_on_cpu_0_stands_even_if_others_could)
{
	fake::set_cpu_count(3);
	tables[0].by_default = usable(backend_kind::vmx);
	tables[0].by_cpu[0] = absent;
	const backend_selection sel = three::select();
	EXPECT_EQ(sel.chosen, -1);
	expect_refused(sel.results[0], probe_status::absent, "not here");
	EXPECT_EQ(sel.refusing_cpu[0], 0U);
}

TEST_F(backend_set_select, nothing_usable_chooses_nothing)
{
	fake::set_cpu_count(2);
	tables[0].by_default = absent;
	tables[1].by_default = probe_result::refuse(probe_status::insufficient, "no NPT");
	tables[2].by_default = absent;
	const backend_selection sel = three::select();
	EXPECT_EQ(sel.chosen, -1);
	EXPECT_EQ(sel.caps, capabilities{});
	expect_refused(sel.results[1], probe_status::insufficient, "no NPT");
}

TEST_F(backend_set_select, on_each_cpu_failure_chooses_nothing)
{
	fake::set_cpu_count(4);
	fake::fail_cpu_call(2, -PV_EIO);
	tables[0].by_default = usable(backend_kind::vmx);
	const backend_selection sel = three::select();
	EXPECT_EQ(sel.chosen, -1);
	EXPECT_EQ(sel.caps, capabilities{});
	EXPECT_EQ(tables[0].probed_on, (std::vector<unsigned>{0, 1}));
	EXPECT_EQ(sel.platform_error, -PV_EIO);
	EXPECT_EQ(sel.cpus_seen, 2U);
}

TEST_F(backend_set_select, no_online_cpu_chooses_nothing)
{
	fake::set_online_cpus({});
	tables[0].by_default = usable(backend_kind::vmx);
	const backend_selection sel = three::select();
	EXPECT_EQ(sel.chosen, -1);
	EXPECT_EQ(sel.cpus_seen, 0U);
	EXPECT_EQ(sel.platform_error, -PV_ENODEV);
}

TEST_F(backend_set_select, a_single_backend_set_works)
{
	tables[1].by_default = usable(backend_kind::svm);
	const backend_selection sel = backend_set<second>::select();
	EXPECT_EQ(sel.count, 1U);
	EXPECT_EQ(sel.chosen, 0);
	EXPECT_EQ(sel.kinds[0], backend_kind::svm);
	EXPECT_TRUE(tables[0].probed_on.empty());
}

}  // namespace
