// SPDX-License-Identifier: GPL-2.0
// svm::decide() against what QEMU and AMD EPYC CPUs report, and every reason
// it refuses SVM.
#include "x86_64-svm/svm_probe.h"

#include <gtest/gtest.h>

#include "probe_expect.h"
#include "uapi/portvisor.h"

namespace {

using pv::core::backend_kind;
using pv::core::probe_status;
using pv::svm::cpu_snapshot;
using pv::svm::decide;

// CPUID Fn8000_000A_EDX bits (AMD APM Vol. 3, E.4.9).
constexpr uint32_t np = 1U << 0, nrips = 1U << 3, flush_by_asid = 1U << 6;
// VM_CR bits (APM Vol. 2, 15.30.1).
constexpr uint64_t vm_cr_lock = 1U << 3, vm_cr_svmdis = 1U << 4;

// QEMU TCG, `-cpu qemu64,+svm,+npt` (the conformance SVM target). QEMU's
// cpu_x86_cpuid() answers leaf 8000000AH with revision 1, 16 ASIDs and the
// model's SVM features in EDX: NPT only (TCG offers no NRIPS here). qemu64 has
// no Page1GB, TCG's MAXPHYADDR is 40 bits, and its VM_CR reads as 0.
cpu_snapshot qemu64_svm_npt()
{
	cpu_snapshot s;
	s.cpuid_svm = true;
	s.svm_leaf = true;
	s.svm_revision = 1;
	s.asid_count = 16;
	s.svm_edx = np;
	s.vm_cr_readable = true;
	s.vm_cr = 0;
	s.page1gb = false;
	s.phys_addr_bits = 40;
	s.host_paging_levels = 4;
	return s;
}

// An EPYC 7002 (Zen 2): 32768 ASIDs; NP, LbrVirt, SVML, NRIPS, TscRateMsr,
// VmcbClean, FlushByAsid, DecodeAssists, PauseFilter, PauseFilterThreshold,
// AVIC, VMSAVEvirt, VGIF (the flags /proc/cpuinfo lists for it); Page1GB;
// 43 physical address bits (lscpu on Rome: "43 bits physical", the memory
// encryption bits taken off); VM_CR.LOCK set by firmware with SVM enabled.
cpu_snapshot epyc_rome()
{
	cpu_snapshot s;
	s.cpuid_svm = true;
	s.svm_leaf = true;
	s.svm_revision = 1;
	s.asid_count = 32768;
	s.svm_edx = 0x0001B4FF;
	s.vm_cr_readable = true;
	s.vm_cr = vm_cr_lock;
	s.page1gb = true;
	s.phys_addr_bits = 43;
	s.host_paging_levels = 4;
	return s;
}

TEST(svm_decide, qemu64_svm_npt)
{
	const auto r = decide(qemu64_svm_npt());
	ASSERT_TRUE(r.usable()) << r.reason;
	EXPECT_EQ(r.caps.kind, backend_kind::svm);
	EXPECT_EQ(r.caps.stage2_levels, 4U);
	EXPECT_EQ(r.caps.page_sizes, PV_PAGE_SIZE_4K | PV_PAGE_SIZE_2M);
	EXPECT_EQ(r.caps.features, PV_FEAT_STAGE2_AD | PV_FEAT_TAGGED_TLB);
	EXPECT_EQ(r.caps.tlb_tags, 15U);  // ASID 0 is the host's
	EXPECT_EQ(r.caps.guest_phys_bits, 40U);
}

TEST(svm_decide, epyc_rome)
{
	const auto r = decide(epyc_rome());
	ASSERT_TRUE(r.usable()) << r.reason;
	EXPECT_EQ(r.caps.kind, backend_kind::svm);
	EXPECT_EQ(r.caps.stage2_levels, 4U);
	EXPECT_EQ(r.caps.page_sizes, PV_PAGE_SIZE_4K | PV_PAGE_SIZE_2M | PV_PAGE_SIZE_1G);
	EXPECT_EQ(r.caps.features, PV_FEAT_STAGE2_AD | PV_FEAT_TAGGED_TLB | PV_FEAT_NRIP_SAVE |
				       PV_FEAT_FLUSH_BY_ASID);
	EXPECT_EQ(r.caps.tlb_tags, 32767U);
	EXPECT_EQ(r.caps.guest_phys_bits, 43U);
}

// Nested page tables use the host's paging mode: 5 levels under LA57.
TEST(svm_decide, la57_host_uses_5_levels)
{
	auto s = qemu64_svm_npt();
	s.host_paging_levels = 5;
	const auto r = decide(s);
	ASSERT_TRUE(r.usable()) << r.reason;
	EXPECT_EQ(r.caps.stage2_levels, 5U);
	EXPECT_EQ(r.caps.features, PV_FEAT_STAGE2_AD | PV_FEAT_TAGGED_TLB | PV_FEAT_STAGE2_5LEVEL |
				       PV_FEAT_HOST_LA57);
}

TEST(svm_decide, optional_features_follow_their_cpuid_bits)
{
	auto s = qemu64_svm_npt();
	s.svm_edx = np | nrips;
	EXPECT_EQ(decide(s).caps.features,
		  PV_FEAT_STAGE2_AD | PV_FEAT_TAGGED_TLB | PV_FEAT_NRIP_SAVE);
	s.svm_edx = np | flush_by_asid;
	EXPECT_EQ(decide(s).caps.features,
		  PV_FEAT_STAGE2_AD | PV_FEAT_TAGGED_TLB | PV_FEAT_FLUSH_BY_ASID);
}

TEST(svm_decide, lock_without_svmdis_is_usable)
{
	auto s = qemu64_svm_npt();
	s.vm_cr = vm_cr_lock;
	EXPECT_TRUE(decide(s).usable());
}

TEST(svm_decide, two_asids_give_one_tag)
{
	auto s = qemu64_svm_npt();
	s.asid_count = 2;
	const auto r = decide(s);
	ASSERT_TRUE(r.usable());
	EXPECT_EQ(r.caps.tlb_tags, 1U);
}

TEST(svm_decide, svmdis_without_lock)
{
	auto s = epyc_rome();
	s.vm_cr = vm_cr_svmdis;
	const auto r = decide(s);
	expect_refused(r, probe_status::disabled, "SVM disabled by firmware (VM_CR.SVMDIS=1)");
	EXPECT_EQ(std::strstr(r.reason, "LOCK"), nullptr) << r.reason;
}

TEST(svm_decide, svmdis_with_lock)
{
	auto s = epyc_rome();
	s.vm_cr = vm_cr_svmdis | vm_cr_lock;
	expect_refused(decide(s), probe_status::disabled, "disabled and locked");
}

TEST(svm_decide, no_svm)
{
	auto s = qemu64_svm_npt();
	s.cpuid_svm = false;
	expect_refused(decide(s), probe_status::absent, "CPU has no SVM");
}

TEST(svm_decide, no_svm_leaf)
{
	auto s = qemu64_svm_npt();
	s.svm_leaf = false;
	expect_refused(decide(s), probe_status::insufficient, "8000000AH missing");
}

TEST(svm_decide, vm_cr_unreadable)
{
	auto s = qemu64_svm_npt();
	s.vm_cr_readable = false;
	expect_refused(decide(s), probe_status::insufficient, "VM_CR MSR cannot be read");
}

TEST(svm_decide, no_nested_paging)
{
	auto s = epyc_rome();
	s.svm_edx &= ~np;
	expect_refused(decide(s), probe_status::insufficient, "no nested paging");
}

TEST(svm_decide, fewer_than_two_asids)
{
	auto s = qemu64_svm_npt();
	s.asid_count = 1;
	expect_refused(decide(s), probe_status::insufficient, "fewer than two ASIDs");
	s.asid_count = 0;
	expect_refused(decide(s), probe_status::insufficient, "fewer than two ASIDs");
}

}  // namespace
