// SPDX-License-Identifier: GPL-2.0
// vmx::decide() against the capability MSRs of real and emulated CPUs, and
// every reason it refuses VMX.
#include "x86_64-vmx/vmx_probe.h"

#include <gtest/gtest.h>

#include "probe_expect.h"
#include "uapi/portvisor.h"
#include "vmx_cpus.h"

namespace {

using pv::core::backend_kind;
using pv::core::capabilities;
using pv::core::probe_status;
using pv::vmx::cpu_snapshot;
using pv::vmx::decide;
using pvtest::bochs_skylake_x;
using pvtest::minimal;
using pvtest::xeon_granite_rapids;

TEST(vmx_decide, bochs_skylake_x)
{
	const auto r = decide(bochs_skylake_x());
	ASSERT_TRUE(r.usable()) << r.reason;
	EXPECT_EQ(r.reason, nullptr);
	EXPECT_EQ(r.caps.kind, backend_kind::vmx);
	EXPECT_EQ(r.caps.stage2_levels, 4U);
	EXPECT_EQ(r.caps.page_sizes, PV_PAGE_SIZE_4K | PV_PAGE_SIZE_2M | PV_PAGE_SIZE_1G);
	EXPECT_EQ(r.caps.features, PV_FEAT_STAGE2_AD | PV_FEAT_TAGGED_TLB | PV_FEAT_UNRESTRICTED |
				       PV_FEAT_PREEMPT_TIMER);
	EXPECT_EQ(r.caps.tlb_tags, 0xFFFFU);
	EXPECT_EQ(r.caps.guest_phys_bits, 40U);
	EXPECT_EQ(r.caps.host_cpus, 0U);  // the backend set counts CPUs, not the probe
}

TEST(vmx_decide, bochs_skylake_x_on_a_la57_host_has_no_5_level_walk)
{
	auto s = bochs_skylake_x();
	s.host_paging_levels = 5;
	expect_refused(decide(s), probe_status::insufficient, "5-level");
}

TEST(vmx_decide, xeon_with_la57_host_uses_5_levels)
{
	const auto r = decide(xeon_granite_rapids());
	ASSERT_TRUE(r.usable()) << r.reason;
	EXPECT_EQ(r.caps.kind, backend_kind::vmx);
	EXPECT_EQ(r.caps.stage2_levels, 5U);
	EXPECT_EQ(r.caps.page_sizes, PV_PAGE_SIZE_4K | PV_PAGE_SIZE_2M | PV_PAGE_SIZE_1G);
	EXPECT_EQ(r.caps.features, PV_FEAT_STAGE2_AD | PV_FEAT_TAGGED_TLB | PV_FEAT_UNRESTRICTED |
				       PV_FEAT_PREEMPT_TIMER | PV_FEAT_STAGE2_5LEVEL |
				       PV_FEAT_HOST_LA57);
	EXPECT_EQ(r.caps.tlb_tags, 0xFFFFU);
	EXPECT_EQ(r.caps.guest_phys_bits, 46U);
}

TEST(vmx_decide, xeon_with_4_level_host_uses_4_levels)
{
	auto s = xeon_granite_rapids();
	s.host_paging_levels = 4;
	const auto r = decide(s);
	ASSERT_TRUE(r.usable()) << r.reason;
	EXPECT_EQ(r.caps.stage2_levels, 4U);
	EXPECT_EQ(r.caps.features & (PV_FEAT_STAGE2_5LEVEL | PV_FEAT_HOST_LA57), 0U);
}

TEST(vmx_decide, minimal)
{
	const auto r = decide(minimal());
	ASSERT_TRUE(r.usable()) << r.reason;
	EXPECT_EQ(r.caps.kind, backend_kind::vmx);
	EXPECT_EQ(r.caps.stage2_levels, 4U);
	EXPECT_EQ(r.caps.page_sizes, PV_PAGE_SIZE_4K);
	EXPECT_EQ(r.caps.features, 0U);
	EXPECT_EQ(r.caps.tlb_tags, 0U);  // untagged without VPID
	EXPECT_EQ(r.caps.guest_phys_bits, 36U);
}

TEST(vmx_decide, page_sizes_follow_ept_bits_16_and_17)
{
	auto s = minimal();
	s.ept_vpid_cap |= 1ULL << 16;
	EXPECT_EQ(decide(s).caps.page_sizes, PV_PAGE_SIZE_4K | PV_PAGE_SIZE_2M);
	s.ept_vpid_cap |= 1ULL << 17;
	EXPECT_EQ(decide(s).caps.page_sizes, PV_PAGE_SIZE_4K | PV_PAGE_SIZE_2M | PV_PAGE_SIZE_1G);
}

TEST(vmx_decide, invept_single_context_alone_is_enough)
{
	auto s = minimal();
	s.ept_vpid_cap = (s.ept_vpid_cap & ~(1ULL << 26)) | (1ULL << 25);
	EXPECT_TRUE(decide(s).usable());
}

// VPID tags the TLB only with the control, INVVPID and a usable INVVPID type.
TEST(vmx_decide, tagged_tlb_needs_vpid_control_and_invvpid)
{
	auto s = bochs_skylake_x();
	s.procbased2 &= ~(1ULL << (32 + 5));  // VPID control not allowed
	auto r = decide(s);
	EXPECT_TRUE(r.usable());
	EXPECT_EQ(r.caps.features & PV_FEAT_TAGGED_TLB, 0U);
	EXPECT_EQ(r.caps.tlb_tags, 0U);

	s = bochs_skylake_x();
	s.ept_vpid_cap &= ~(1ULL << 32);  // no INVVPID
	r = decide(s);
	EXPECT_EQ(r.caps.features & PV_FEAT_TAGGED_TLB, 0U);
	EXPECT_EQ(r.caps.tlb_tags, 0U);

	s = bochs_skylake_x();
	s.ept_vpid_cap &= ~((1ULL << 41) | (1ULL << 42));  // individual-address INVVPID only
	r = decide(s);
	EXPECT_EQ(r.caps.features & PV_FEAT_TAGGED_TLB, 0U);

	s = bochs_skylake_x();
	s.ept_vpid_cap &= ~(1ULL << 41);  // all-context alone is usable
	r = decide(s);
	EXPECT_NE(r.caps.features & PV_FEAT_TAGGED_TLB, 0U);
	EXPECT_EQ(r.caps.tlb_tags, 0xFFFFU);
}

// A control is available when its allowed-1 bit (the high half) is set;
// the same bit in the allowed-0 half does not count.
TEST(vmx_decide, controls_are_read_from_the_allowed_1_half)
{
	auto s = minimal();
	s.procbased2 |= 1ULL << 7;  // unrestricted guest in the low half only
	s.pinbased |= 1ULL << 6;    // preemption timer in the low half only
	const auto r = decide(s);
	EXPECT_TRUE(r.usable());
	EXPECT_EQ(r.caps.features, 0U);

	s = minimal();
	s.procbased2 = 0x00000000'00000002ULL;  // EPT in the low half only
	expect_refused(decide(s), probe_status::insufficient, "no EPT");
}

TEST(vmx_decide, ept_5_level_walk_on_a_4_level_host_is_not_used)
{
	auto s = minimal();
	s.ept_vpid_cap |= 1ULL << 7;
	const auto r = decide(s);
	EXPECT_EQ(r.caps.stage2_levels, 4U);
	EXPECT_EQ(r.caps.features & PV_FEAT_STAGE2_5LEVEL, 0U);
}

// Every refusal, each from the Bochs snapshot (or the Xeon's, for the walk
// lengths) with one thing taken away, so that every earlier check passes.
struct refusal_case {
	const char* name;
	cpu_snapshot cpu;
	probe_status status;
	const char* reason;  // a substring of the reason
};

// gtest prints the case's name, not its bytes.
void PrintTo(const refusal_case& c, std::ostream* os) { *os << c.name; }

template <class F> cpu_snapshot with(cpu_snapshot s, F change)
{
	change(s);
	return s;
}

class vmx_refusal : public testing::TestWithParam<refusal_case> {};

TEST_P(vmx_refusal, refuses_with_status_and_reason)
{
	expect_refused(decide(GetParam().cpu), GetParam().status, GetParam().reason);
}

INSTANTIATE_TEST_SUITE_P(
    vmx_decide, vmx_refusal,
    testing::Values(
	refusal_case{"no_cpuid_vmx", with(bochs_skylake_x(), [](auto& s) { s.cpuid_vmx = false; }),
		     probe_status::absent, "CPU has no VMX"},
	refusal_case{"msrs_unreadable",
		     with(bochs_skylake_x(), [](auto& s) { s.msrs_readable = false; }),
		     probe_status::insufficient, "cannot be read"},
	refusal_case{"host_runs_with_fred",
		     with(bochs_skylake_x(), [](auto& s) { s.host_fred = true; }),
		     probe_status::insufficient, "FRED"},
	refusal_case{"feature_control_unlocked",
		     with(bochs_skylake_x(), [](auto& s) { s.feature_control = 0x4; }),
		     probe_status::disabled, "not locked"},
	refusal_case{"feature_control_zero",
		     with(bochs_skylake_x(), [](auto& s) { s.feature_control = 0; }),
		     probe_status::disabled, "not locked"},
	refusal_case{"vmx_outside_smx_off",
		     with(bochs_skylake_x(), [](auto& s) { s.feature_control = 0x3; }),
		     probe_status::disabled, "bit 2 clear"},
	refusal_case{"vmcs_uncacheable",
		     with(bochs_skylake_x(), [](auto& s) { s.basic &= ~(0xFULL << 50); }),
		     probe_status::insufficient, "not write-back"},
	refusal_case{"vmcs_write_through",
		     with(bochs_skylake_x(),
			  [](auto& s) { s.basic = (s.basic & ~(0xFULL << 50)) | (4ULL << 50); }),
		     probe_status::insufficient, "not write-back"},
	refusal_case{"phys_32_bit", with(bochs_skylake_x(), [](auto& s) { s.basic |= 1ULL << 48; }),
		     probe_status::insufficient, "32-bit physical"},
	refusal_case{"no_secondary_controls",
		     with(bochs_skylake_x(), [](auto& s) { s.procbased &= ~(1ULL << 63); }),
		     probe_status::insufficient, "no secondary"},
	refusal_case{"no_ept",
		     with(bochs_skylake_x(), [](auto& s) { s.procbased2 &= ~(1ULL << 33); }),
		     probe_status::insufficient, "no EPT"},
	refusal_case{"la57_without_5_level_ept",
		     with(xeon_granite_rapids(), [](auto& s) { s.ept_vpid_cap &= ~(1ULL << 7); }),
		     probe_status::insufficient, "5-level paging but EPT has no 5-level walk"},
	refusal_case{"no_4_level_walk",
		     with(xeon_granite_rapids(),
			  [](auto& s) {
				  s.host_paging_levels = 4;
				  s.ept_vpid_cap &= ~(1ULL << 6);
			  }),
		     probe_status::insufficient, "no 4-level walk"},
	refusal_case{"ept_not_write_back",
		     with(bochs_skylake_x(), [](auto& s) { s.ept_vpid_cap &= ~(1ULL << 14); }),
		     probe_status::insufficient, "cannot be write-back"},
	refusal_case{"no_invept",
		     with(bochs_skylake_x(), [](auto& s) { s.ept_vpid_cap &= ~(1ULL << 20); }),
		     probe_status::insufficient, "INVEPT"},
	refusal_case{"invept_without_single_or_all_context",
		     with(bochs_skylake_x(),
			  [](auto& s) { s.ept_vpid_cap &= ~((1ULL << 25) | (1ULL << 26)); }),
		     probe_status::insufficient, "no usable INVEPT"}),
    [](const testing::TestParamInfo<refusal_case>& info) { return info.param.name; });

}  // namespace
