// SPDX-License-Identifier: GPL-2.0
#include "module_fixture.h"
#include "portvisor/core/vm/vm_ops.h"

#include "pv_config.h"
#include "uapi/portvisor.h"

namespace pv::test {

core::backend_selection next_selection;
unsigned select_calls = 0;

core::backend_selection chose(const core::capabilities& caps, u32 cpus)
{
	core::backend_selection sel;
	sel.count = 2;
	sel.kinds[0] = core::backend_kind::vmx;
	sel.kinds[1] = core::backend_kind::svm;
	sel.results[0] = core::probe_result{core::probe_status::usable, nullptr, caps};
	sel.results[1] = core::probe_result::refuse(core::probe_status::absent, "CPU has no SVM");
	sel.chosen = 0;
	sel.caps = caps;
	sel.caps.host_cpus = cpus;
	sel.cpus_seen = cpus;
	return sel;
}

core::capabilities skylake_x_caps()
{
	core::capabilities c;
	c.kind = core::backend_kind::vmx;
	c.stage2_levels = 4;
	c.page_sizes = PV_PAGE_SIZE_4K | PV_PAGE_SIZE_2M | PV_PAGE_SIZE_1G;
	c.features =
	    PV_FEAT_STAGE2_AD | PV_FEAT_TAGGED_TLB | PV_FEAT_UNRESTRICTED | PV_FEAT_PREEMPT_TIMER;
	c.tlb_tags = 0xFFFF;
	c.guest_phys_bits = 40;
	return c;
}

void module_fixture::SetUp()
{
	fake::reset();
	next_selection = core::backend_selection{};
	select_calls = 0;
}

void module_fixture::TearDown()
{
	pv_core_exit();
	const pv_alloc_stats s = fake::alloc_stats();
	EXPECT_EQ(s.bytes, 0U) << "leaked after pv_core_exit";
	EXPECT_EQ(s.objects, 0U) << "leaked after pv_core_exit";
	for (const auto& m : fake::misuse())
		ADD_FAILURE() << "platform misuse: " << m;
	fake::reset();
}

}  // namespace pv::test

namespace pv::core {

backend_selection select_backend()
{
	test::select_calls++;
	return test::next_selection;
}

// No backend of the host tests runs vCPUs (arch/backends.cpp).
const vm_ops* vm_ops_for(backend_kind) { return nullptr; }

}  // namespace pv::core
