// SPDX-License-Identifier: GPL-2.0
// arm64::decide() against the ID registers of QEMU's CPU models, the IPA
// size rules, and every reason it refuses the VHE backend.
#include "arm64-vhe/vhe_probe.h"

#include <gtest/gtest.h>

#include "probe_expect.h"
#include "uapi/portvisor.h"

namespace {

using pv::arm64::cpu_snapshot;
using pv::arm64::decide;
using pv::arm64::stage2_levels_for_ipa;
using pv::core::backend_kind;
using pv::core::probe_status;

// A field [lo + 3 : lo] of an ID register set to `value`.
constexpr uint64_t field(uint64_t reg, unsigned lo, uint64_t value)
{
	return (reg & ~(0xFULL << lo)) | (value << lo);
}

// ID_AA64MMFR0_EL1 and ID_AA64MMFR1_EL1 field positions (DDI 0487, D19).
constexpr unsigned parange = 0, tgran4 = 28, tgran4_2 = 40;
constexpr unsigned hafdbs = 0, vmidbits = 4, vh = 8;
constexpr uint64_t hcr_e2h = 1ULL << 34, hcr_tge = 1ULL << 27, hcr_rw = 1ULL << 31;

// QEMU TCG `-M virt,virtualization=on -cpu max` (the conformance arm64
// target), as target/arm/cpu64.c's aarch64_max_initfn() sets the fields:
// PARange 6 (52 bits), TGran4 0 (supported), TGran4_2 2 (supported at stage
// 2); VH 1, VMIDBits 2 (16 bits), HAFDBS 2 (access flag and dirty state).
// Linux boots it at EL2 with VHE: HCR_EL2 has E2H, TGE and RW set.
cpu_snapshot qemu_max_vhe()
{
	cpu_snapshot s;
	s.current_el = 2;
	s.id_aa64mmfr0 = field(field(field(0, parange, 6), tgran4, 0), tgran4_2, 2);
	s.id_aa64mmfr1 = field(field(field(0, vh, 1), vmidbits, 2), hafdbs, 2);
	s.hcr_el2 = hcr_e2h | hcr_tge | hcr_rw;
	return s;
}

// QEMU `-cpu cortex-a72` (the conformance refusal variant): ARMv8.0, no VHE,
// and the kernel runs at EL1. ID_AA64MMFR0_EL1 is the A72's 0x1124 (PARange
// 44 bits, 16-bit ASIDs, 4K/64K granules), ID_AA64MMFR1_EL1 is 0.
cpu_snapshot cortex_a72()
{
	cpu_snapshot s;
	s.current_el = 1;
	s.id_aa64mmfr0 = 0x1124;
	s.id_aa64mmfr1 = 0;
	return s;
}

TEST(vhe_decide, qemu_max_at_el2_with_vhe)
{
	const auto r = decide(qemu_max_vhe());
	ASSERT_TRUE(r.usable()) << r.reason;
	EXPECT_EQ(r.caps.kind, backend_kind::arm64_vhe);
	EXPECT_EQ(r.caps.guest_phys_bits, 48U);  // 52-bit PA capped: no FEAT_LPA2 yet
	EXPECT_EQ(r.caps.stage2_levels, 4U);
	EXPECT_EQ(r.caps.page_sizes, PV_PAGE_SIZE_4K | PV_PAGE_SIZE_2M | PV_PAGE_SIZE_1G);
	EXPECT_EQ(r.caps.features, PV_FEAT_VHE | PV_FEAT_TAGGED_TLB | PV_FEAT_STAGE2_AD);
	EXPECT_EQ(r.caps.tlb_tags, 0xFFFFU);
}

TEST(vhe_decide, cortex_a72_at_el1)
{
	expect_refused(decide(cortex_a72()), probe_status::disabled,
		       "kernel is not running at EL2 (CurrentEL=EL1) and the CPU has no VHE");
}

TEST(vhe_decide, vhe_cpu_booted_at_el1)
{
	auto s = qemu_max_vhe();
	s.current_el = 1;
	s.hcr_el2 = 0;  // not readable at EL1
	const auto r = decide(s);
	expect_refused(r, probe_status::disabled, "boot it with EL2 available");
	EXPECT_EQ(std::strstr(r.reason, "no VHE"), nullptr) << r.reason;
}

TEST(vhe_decide, el2_without_vh)
{
	auto s = qemu_max_vhe();
	s.id_aa64mmfr1 = field(s.id_aa64mmfr1, vh, 0);
	s.hcr_el2 = hcr_rw;
	expect_refused(decide(s), probe_status::absent, "CPU has no VHE (ID_AA64MMFR1_EL1.VH=0)");
}

TEST(vhe_decide, el2_with_e2h_clear)
{
	auto s = qemu_max_vhe();
	s.hcr_el2 = hcr_rw;  // nVHE: KVM's hypervisor at EL2, the kernel at EL1
	expect_refused(decide(s), probe_status::disabled, "HCR_EL2.E2H=0");
}

TEST(vhe_decide, tgran4_2_not_supported)
{
	auto s = qemu_max_vhe();
	s.id_aa64mmfr0 = field(s.id_aa64mmfr0, tgran4_2, 1);
	expect_refused(decide(s), probe_status::insufficient, "no 4 KiB granule at stage 2");
}

TEST(vhe_decide, tgran4_2_as_stage1_without_4k_granule)
{
	auto s = qemu_max_vhe();
	s.id_aa64mmfr0 = field(field(s.id_aa64mmfr0, tgran4_2, 0), tgran4, 0xF);
	expect_refused(decide(s), probe_status::insufficient, "no 4 KiB granule at stage 2");
}

TEST(vhe_decide, tgran4_2_as_stage1_with_4k_granule)
{
	auto s = qemu_max_vhe();
	s.id_aa64mmfr0 = field(field(s.id_aa64mmfr0, tgran4_2, 0), tgran4, 0);
	EXPECT_TRUE(decide(s).usable());
	s.id_aa64mmfr0 = field(s.id_aa64mmfr0, tgran4, 1);  // 52-bit with 4K (FEAT_LPA2)
	EXPECT_TRUE(decide(s).usable());
}

TEST(vhe_decide, tgran4_2_with_52_bit_support)
{
	auto s = qemu_max_vhe();
	s.id_aa64mmfr0 = field(s.id_aa64mmfr0, tgran4_2, 3);
	EXPECT_TRUE(decide(s).usable());
}

TEST(vhe_decide, reserved_parange)
{
	auto s = qemu_max_vhe();
	s.id_aa64mmfr0 = field(s.id_aa64mmfr0, parange, 0xF);
	expect_refused(decide(s), probe_status::insufficient, "unknown PARange");
}

TEST(vhe_decide, vmid_bits)
{
	auto s = qemu_max_vhe();
	s.id_aa64mmfr1 = field(s.id_aa64mmfr1, vmidbits, 0);
	EXPECT_EQ(decide(s).caps.tlb_tags, 0xFFU);  // 8-bit VMIDs, VMID 0 unused
	s.id_aa64mmfr1 = field(s.id_aa64mmfr1, vmidbits, 2);
	EXPECT_EQ(decide(s).caps.tlb_tags, 0xFFFFU);
	s.id_aa64mmfr1 = field(s.id_aa64mmfr1, vmidbits, 1);  // reserved: assume 8 bits
	EXPECT_EQ(decide(s).caps.tlb_tags, 0xFFU);
}

// Stage-2 dirty tracking needs hardware dirty state, not only the access flag.
TEST(vhe_decide, stage2_ad_needs_hafdbs_dirty_state)
{
	auto s = qemu_max_vhe();
	for (uint64_t v : {0ULL, 1ULL}) {
		s.id_aa64mmfr1 = field(s.id_aa64mmfr1, hafdbs, v);
		EXPECT_EQ(decide(s).caps.features & PV_FEAT_STAGE2_AD, 0U) << "HAFDBS " << v;
	}
	for (uint64_t v : {2ULL, 3ULL}) {
		s.id_aa64mmfr1 = field(s.id_aa64mmfr1, hafdbs, v);
		EXPECT_NE(decide(s).caps.features & PV_FEAT_STAGE2_AD, 0U) << "HAFDBS " << v;
	}
}

// PARange encodings 0..6, what they mean, and the stage-2 depth that follows.
struct ipa_case {
	uint64_t parange;
	uint32_t pa_bits;
	uint32_t ipa_bits;
	uint32_t levels;
};

void PrintTo(const ipa_case& c, std::ostream* os) { *os << "PARange " << c.parange; }

class vhe_parange : public testing::TestWithParam<ipa_case> {};

TEST_P(vhe_parange, guest_phys_bits_and_levels)
{
	auto s = qemu_max_vhe();
	s.id_aa64mmfr0 = field(s.id_aa64mmfr0, parange, GetParam().parange);
	const auto r = decide(s);
	ASSERT_TRUE(r.usable()) << r.reason;
	EXPECT_EQ(r.caps.guest_phys_bits, GetParam().ipa_bits);
	EXPECT_EQ(r.caps.stage2_levels, GetParam().levels);
	EXPECT_EQ(r.caps.stage2_levels, stage2_levels_for_ipa(r.caps.guest_phys_bits));
}

INSTANTIATE_TEST_SUITE_P(vhe_decide, vhe_parange,
			 testing::Values(ipa_case{0, 32, 32, 2}, ipa_case{1, 36, 36, 3},
					 ipa_case{2, 40, 40, 3}, ipa_case{3, 42, 42, 3},
					 ipa_case{4, 44, 44, 4}, ipa_case{5, 48, 48, 4},
					 ipa_case{6, 52, 48, 4}),
			 [](const testing::TestParamInfo<ipa_case>& info) {
				 return "pa_" + std::to_string(info.param.pa_bits) + "_bits";
			 });

// With 4 KiB granules a level resolves 9 bits and the start level may
// concatenate up to 16 tables (4 more bits): the fewest levels that cover
// the IPA are what stage2_levels_for_ipa() must give.
TEST(vhe_stage2_levels_for_ipa, fewest_levels_that_cover_the_ipa)
{
	for (uint32_t ipa = 32; ipa <= 48; ipa++) {
		const uint32_t levels = stage2_levels_for_ipa(ipa);
		EXPECT_GE(12 + 9 * levels + 4, ipa) << ipa << " bits";
		EXPECT_LT(12 + 9 * (levels - 1) + 4, ipa) << ipa << " bits";
	}
}

}  // namespace
