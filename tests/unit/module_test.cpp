// SPDX-License-Identifier: GPL-2.0
// Module load and unload (core/src/module.cpp): the choice is kept and told,
// a refusal explains itself in one line, and nothing outlives a failed load
// or an unload.
#include <gtest/gtest.h>
#include <string>

#include "module_fixture.h"
#include "probe_expect.h"
#include "uapi/portvisor.h"

namespace {

namespace fake = pv::fake;
using namespace pv::test;
using pv::core::backend_kind;
using pv::core::backend_selection;
using pv::core::current_module;
using pv::core::kconfig_features;
using pv::core::module_state;
using pv::core::probe_result;
using pv::core::probe_status;

bool contains(const std::string& s, const std::string& part) { return s.find(part) != s.npos; }

// Three compiled-in backends, none usable, probed on four CPUs.
backend_selection none_usable()
{
	backend_selection sel;
	sel.count = 3;
	sel.kinds[0] = backend_kind::vmx;
	sel.kinds[1] = backend_kind::svm;
	sel.kinds[2] = backend_kind::arm64_vhe;
	sel.results[0] = probe_result::refuse(probe_status::absent, "CPU has no VMX");
	sel.results[1] = probe_result::refuse(probe_status::disabled, "SVM disabled by firmware");
	sel.results[2] = probe_result::refuse(probe_status::absent, "not arm64");
	sel.refusing_cpu[0] = 0;
	sel.refusing_cpu[1] = 3;
	sel.refusing_cpu[2] = 0;
	sel.cpus_seen = 4;
	return sel;
}

class module : public module_fixture {};

TEST_F(module, refused_load_is_enodev_with_one_line_naming_every_backend)
{
	next_selection = none_usable();
	EXPECT_EQ(pv_core_init(), -PV_ENODEV);
	EXPECT_EQ(select_calls, 1U);
	ASSERT_EQ(fake::log_lines().size(), 1U);
	const std::string& line = fake::log_lines()[0];
	EXPECT_EQ(line.rfind("no usable backend", 0), 0U) << line;
	EXPECT_EQ(fake::log_levels()[0], PV_LOG_ERR);
	EXPECT_TRUE(contains(line, "vmx: CPU has no VMX (CPU 0)")) << line;
	EXPECT_TRUE(contains(line, "svm: SVM disabled by firmware (CPU 3)")) << line;
	EXPECT_TRUE(contains(line, "arm64-vhe: not arm64 (CPU 0)")) << line;
	EXPECT_LT(line.find("vmx:"), line.find("svm:"));  // in list order
	EXPECT_LT(line.find("svm:"), line.find("arm64-vhe:"));

	const pv_alloc_stats s = fake::alloc_stats();
	EXPECT_EQ(s.bytes, 0U);
	EXPECT_EQ(s.objects, 0U);
	EXPECT_EQ(s.total_allocs, 0U);  // refused before allocating anything
	EXPECT_EQ(current_module(), nullptr);
	EXPECT_STREQ(pv_core_backend_name(), "none");
}

TEST_F(module, refusal_on_one_cpu_names_no_cpu)
{
	next_selection = none_usable();
	next_selection.cpus_seen = 1;
	EXPECT_EQ(pv_core_init(), -PV_ENODEV);
	ASSERT_EQ(fake::log_lines().size(), 1U);
	EXPECT_FALSE(contains(fake::log_lines()[0], "(CPU")) << fake::log_lines()[0];
}

TEST_F(module, refusal_without_a_reason_says_the_probe_failed)
{
	next_selection = none_usable();
	next_selection.results[1] = probe_result{};  // e.g. on_each_cpu failed
	EXPECT_EQ(pv_core_init(), -PV_ENODEV);
	ASSERT_EQ(fake::log_lines().size(), 1U);
	EXPECT_TRUE(contains(fake::log_lines()[0], "svm: probe failed")) << fake::log_lines()[0];
}

TEST_F(module, probe_that_cannot_reach_every_cpu_says_so)
{
	next_selection = none_usable();
	next_selection.platform_error = -PV_EIO;
	next_selection.cpus_seen = 2;
	EXPECT_EQ(pv_core_init(), -PV_ENODEV);
	ASSERT_EQ(fake::log_lines().size(), 1U);
	EXPECT_TRUE(
	    contains(fake::log_lines()[0], "cannot probe every online CPU (error -5 after 2 CPUs)"))
	    << fake::log_lines()[0];
	EXPECT_FALSE(contains(fake::log_lines()[0], "probe failed (CPU")) << fake::log_lines()[0];
	EXPECT_EQ(fake::alloc_stats().objects, 0U);
}

TEST_F(module, load_keeps_the_choice_and_unload_frees_it)
{
	next_selection = chose(skylake_x_caps(), 2);
	ASSERT_EQ(pv_core_init(), 0);
	pv_alloc_stats s = fake::alloc_stats();
	EXPECT_EQ(s.bytes, sizeof(module_state));
	EXPECT_EQ(s.objects, 1U);
	EXPECT_EQ(s.pages, 0U);
	EXPECT_EQ(s.total_allocs, 1U);

	const module_state* m = current_module();
	ASSERT_NE(m, nullptr);
	EXPECT_EQ(m->build_features, kconfig_features());
	auto want = skylake_x_caps();
	want.host_cpus = 2;
	want.features |= kconfig_features();
	EXPECT_EQ(m->caps, want);
	EXPECT_STREQ(pv_core_backend_name(), "vmx");

	pv_core_exit();
	s = fake::alloc_stats();
	EXPECT_EQ(s.bytes, 0U);
	EXPECT_EQ(s.objects, 0U);
	EXPECT_EQ(s.total_allocs, 1U);
	EXPECT_EQ(current_module(), nullptr);
	EXPECT_STREQ(pv_core_backend_name(), "none");
}

TEST_F(module, load_logs_what_was_chosen)
{
	next_selection = chose(skylake_x_caps(), 2);
	ASSERT_EQ(pv_core_init(), 0);
	ASSERT_EQ(fake::log_lines().size(), 1U);
	EXPECT_EQ(fake::log_levels()[0], PV_LOG_INFO);
	std::string want = "backend vmx: stage-2 4 levels, pages 4K 2M 1G, 65535 TLB tags, "
			   "40-bit guest-physical, 2 CPUs, features: stage2-ad tagged-tlb "
			   "unrestricted-guest preemption-timer";
	if (kconfig_features() & PV_FEAT_DIRECT_SYSCALL)
		want += " direct-syscall";
	if (kconfig_features() & PV_FEAT_STATS)
		want += " stats";
	if (kconfig_features() & PV_FEAT_TRACING)
		want += " tracing";
	EXPECT_EQ(fake::log_lines()[0], want);
}

TEST_F(module, second_init_is_busy_and_changes_nothing)
{
	next_selection = chose(skylake_x_caps(), 1);
	ASSERT_EQ(pv_core_init(), 0);
	const module_state* m = current_module();
	EXPECT_EQ(pv_core_init(), -PV_EBUSY);
	EXPECT_EQ(select_calls, 1U);  // busy before probing again
	EXPECT_EQ(current_module(), m);
	EXPECT_EQ(fake::alloc_stats().total_allocs, 1U);
	EXPECT_EQ(fake::log_lines().size(), 1U);
}

TEST_F(module, load_unload_cycles_leave_nothing)
{
	for (int i = 1; i <= 5; i++) {
		next_selection = chose(skylake_x_caps(), 1);
		ASSERT_EQ(pv_core_init(), 0) << "cycle " << i;
		EXPECT_EQ(fake::alloc_stats().objects, 1U);
		pv_core_exit();
		EXPECT_EQ(fake::alloc_stats().objects, 0U);
		EXPECT_EQ(fake::alloc_stats().bytes, 0U);
		EXPECT_EQ(fake::alloc_stats().total_allocs, static_cast<uint64_t>(i));
	}
}

TEST_F(module, exit_without_init_does_nothing)
{
	pv_core_exit();
	pv_core_exit();
	EXPECT_EQ(fake::alloc_stats().total_allocs, 0U);
	EXPECT_TRUE(fake::log_lines().empty());
}

TEST_F(module, allocation_failure_is_enomem_and_leaks_nothing)
{
	next_selection = chose(skylake_x_caps(), 1);
	fake::fail_allocs_after(0);
	EXPECT_EQ(pv_core_init(), -PV_ENOMEM);
	EXPECT_EQ(fake::failed_allocs(), 1U);
	EXPECT_EQ(fake::alloc_stats().objects, 0U);
	EXPECT_EQ(fake::alloc_stats().bytes, 0U);
	EXPECT_EQ(current_module(), nullptr);
	ASSERT_EQ(fake::log_lines().size(), 1U);  // a failed load explains itself
	EXPECT_EQ(fake::log_levels()[0], PV_LOG_ERR);
	EXPECT_TRUE(contains(fake::log_lines()[0], "cannot allocate")) << fake::log_lines()[0];

	fake::never_fail_allocs();
	EXPECT_EQ(pv_core_init(), 0);  // nothing left behind blocks a retry
}

// Whatever allocation fails, init fails cleanly; so does one beyond the last.
TEST_F(module, every_allocation_failure_is_clean)
{
	next_selection = chose(skylake_x_caps(), 1);
	ASSERT_EQ(pv_core_init(), 0);
	const uint64_t needed = fake::alloc_stats().total_allocs;
	pv_core_exit();
	for (uint64_t n = 0; n < needed; n++) {
		fake::reset();
		fake::fail_allocs_after(n);
		EXPECT_EQ(pv_core_init(), -PV_ENOMEM) << "allocation " << n << " failed";
		EXPECT_EQ(fake::alloc_stats().objects, 0U) << "allocation " << n << " failed";
		EXPECT_EQ(fake::alloc_stats().bytes, 0U) << "allocation " << n << " failed";
		EXPECT_EQ(current_module(), nullptr);
	}
	fake::reset();
	fake::fail_allocs_after(needed);
	EXPECT_EQ(pv_core_init(), 0);
}

TEST_F(module, backend_name_follows_the_chosen_kind)
{
	for (auto [kind, name] :
	     {std::pair{backend_kind::vmx, "vmx"}, std::pair{backend_kind::svm, "svm"},
	      std::pair{backend_kind::arm64_vhe, "arm64-vhe"}}) {
		auto caps = skylake_x_caps();
		caps.kind = kind;
		next_selection = chose(caps, 1);
		ASSERT_EQ(pv_core_init(), 0);
		EXPECT_STREQ(pv_core_backend_name(), name);
		pv_core_exit();
	}
}

}  // namespace

TEST(module_features, kconfig_features_of_the_x86_64_defconfig)
{
	// The host tests are built with configs/x86_64_defconfig: direct
	// syscalls and statistics on, tracing off.
	EXPECT_EQ(pv::core::kconfig_features(), PV_FEAT_DIRECT_SYSCALL | PV_FEAT_STATS)
	    << "host tests assume configs/x86_64_defconfig";
}
