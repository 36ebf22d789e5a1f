// SPDX-License-Identifier: GPL-2.0
// vmx::decide() against the capability MSRs of real and emulated CPUs, and
// every reason it refuses VMX.
#include "x86_64-vmx/vmx_probe.h"

#include <gtest/gtest.h>

#include "probe_expect.h"
#include "uapi/portvisor.h"

namespace {

using pv::core::backend_kind;
using pv::core::capabilities;
using pv::core::probe_status;
using pv::vmx::cpu_snapshot;
using pv::vmx::decide;

constexpr uint64_t lock_and_vmx_outside_smx = 0x5;  // IA32_FEATURE_CONTROL bits 0 and 2

// Bochs 2.7, `cpu: model=corei7_skylake_x` (the conformance VMX target).
// Computed from Bochs' cpu/vmx.h (VMX_MSR_* macros) and cpu/vmcs.cc
// (init_vmx_capabilities) with the VMX extension mask of
// cpu/cpudb/intel/corei7_skylake-x.cc:
//  - IA32_VMX_BASIC: revision 0x2B (BX_VMX_VMCS_REVISION_ID), VMCS area 4 KiB,
//    WB (bits 53:50 = 6), INS/OUTS info (54), TRUE controls (55); bit 48
//    clear (long mode).
//  - TRUE_PINBASED: default1 0x16; allowed1 adds external-interrupt and NMI
//    exiting, virtual NMIs, the preemption timer.
//  - TRUE_PROCBASED: default1 0x04006172; allowed1 everything but bits 0,
//    17, 18 and 27 (no monitor trap flag). Bits 10 and 29 (MWAIT/MONITOR
//    exiting) need a build with --enable-monitor-mwait; decide() ignores them.
//  - PROCBASED2 allowed1: 0-14, 16-18, 20, 25 (APIC virtualization, EPT,
//    descriptor tables, RDTSCP, x2APIC, VPID, WBINVD, unrestricted guest,
//    APIC registers, virtual interrupts, PAUSE loop, RDRAND, INVPCID, VM
//    functions, VMCS shadowing, RDSEED, PML, #VE, XSAVES, TSC scaling).
//  - EPT_VPID_CAP: 0x06114141 (execute-only, 4-level walk, UC, WB, 2M pages,
//    INVEPT single/all context) | 1G pages (17) | EPT A/D (21), and
//    0xf01 << 32 (INVVPID: instruction, individual address, single and all
//    context, single context keeping globals).
// Bochs resets IA32_FEATURE_CONTROL to 0; the guest kernel's
// init_ia32_feat_ctl() locks it with VMX outside SMX before the module loads.
// CPUID.80000008H reports BX_PHY_ADDRESS_WIDTH, 40 bits.
cpu_snapshot bochs_skylake_x()
{
	cpu_snapshot s;
	s.cpuid_vmx = true;
	s.msrs_readable = true;
	s.feature_control = lock_and_vmx_outside_smx;
	s.basic = 0x00D81000'0000002BULL;
	s.pinbased = 0x0000007F'00000016ULL;
	s.procbased = 0xF7F9FFFE'04006172ULL;
	s.procbased2 = 0x02177FFF'00000000ULL;
	s.ept_vpid_cap = 0x00000F01'06334141ULL;
	s.phys_addr_bits = 40;
	s.host_paging_levels = 4;
	return s;
}

// A recent Xeon with 5-level paging. The allowed-1 settings are those of
// QEMU's GraniteRapids CPU model (target/i386/cpu.c, qemu-devel "[PATCH v2
// 6/6] target/i386: Add new CPU model GraniteRapids", 2023-07-06), which
// models the VMX capabilities of that Xeon: posted interrupts and the
// preemption timer; every primary control but 0, 17, 18; secondary controls
// 0-9, 11-14, 16, 17, 20 (no PAUSE-loop exiting); EPT execute-only, 4- and
// 5-level walks, WB, 2M and 1G pages, INVEPT (single, all), A/D, INVVPID
// (individual address, single, all, single keeping globals). The allowed-0
// halves are the SDM's default1 bits (Vol. 3D, A.3), IA32_VMX_BASIC is
// revision 4 (Bochs' sapphire_rapids.cc) with a 1 KiB WB VMCS, dual-monitor
// SMM, INS/OUTS info and TRUE controls, and MAXPHYADDR is 46 bits, as Ice
// Lake and Sapphire Rapids Xeons report it.
cpu_snapshot xeon_granite_rapids()
{
	cpu_snapshot s;
	s.cpuid_vmx = true;
	s.msrs_readable = true;
	s.feature_control = lock_and_vmx_outside_smx;
	s.basic = 0x00DA0400'00000004ULL;
	s.pinbased = 0x000000FF'00000016ULL;
	s.procbased = 0xFFF9FFFE'04006172ULL;
	s.procbased2 = 0x00137BFF'00000000ULL;
	s.ept_vpid_cap = 0x00000F01'063340C1ULL;
	s.phys_addr_bits = 46;
	s.host_paging_levels = 5;
	return s;
}

// The least portvisor accepts, built from the SDM (Vol. 3D, Appendix A):
// no TRUE controls, no preemption timer, secondary controls with EPT only
// (no VPID, no unrestricted guest), EPT with a 4-level walk, WB and INVEPT
// all-context, but no 2M/1G pages and no A/D flags.
cpu_snapshot minimal()
{
	cpu_snapshot s;
	s.cpuid_vmx = true;
	s.msrs_readable = true;
	s.feature_control = lock_and_vmx_outside_smx;
	s.basic = 0x00180800'00000001ULL;
	s.pinbased = 0x0000003F'00000016ULL;
	s.procbased = 0x9701E1F2'0401E172ULL;
	s.procbased2 = 0x00000002'00000000ULL;
	s.ept_vpid_cap = 0x00000000'04104040ULL;
	s.phys_addr_bits = 36;
	s.host_paging_levels = 4;
	return s;
}

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
