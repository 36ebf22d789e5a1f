// SPDX-License-Identifier: GPL-2.0
// The guest's SYSCALL MSRs (portvisor/x86/syscall_msrs.h): which MSR
// numbers they are, and which values a WRMSR of them accepts.
#include <gtest/gtest.h>

#include "portvisor/x86/syscall_msrs.h"

namespace pv::x86 {
namespace {

TEST(x86_syscall_msrs, slots_are_the_sdm_numbers)
{
	EXPECT_EQ(syscall_msr_slot(0xC0000081), int(star));
	EXPECT_EQ(syscall_msr_slot(0xC0000082), int(lstar));
	EXPECT_EQ(syscall_msr_slot(0xC0000083), int(cstar));
	EXPECT_EQ(syscall_msr_slot(0xC0000084), int(sfmask));
	for (const u32 other : {0xC0000080U, 0xC0000085U, 0xC0000102U, 0x82U, 0U})
		EXPECT_EQ(syscall_msr_slot(other), -1) << std::hex << other;
}

TEST(x86_syscall_msrs, wrmsr_accepts_what_the_cpu_accepts)
{
	EXPECT_TRUE(syscall_msr_value_valid(star, ~0ULL));
	for (const unsigned slot : {unsigned(lstar), unsigned(cstar)}) {
		EXPECT_TRUE(syscall_msr_value_valid(slot, 0x00007fffffffffffULL));
		EXPECT_TRUE(syscall_msr_value_valid(slot, 0xffff800000000000ULL));
		EXPECT_FALSE(syscall_msr_value_valid(slot, 0x0000800000000000ULL));
		EXPECT_FALSE(syscall_msr_value_valid(slot, 0x7fff800000000000ULL));
	}
	EXPECT_TRUE(syscall_msr_value_valid(sfmask, 0xffffffffULL));
	EXPECT_FALSE(syscall_msr_value_valid(sfmask, 1ULL << 32)) << "bits 63:32 reserved";

	syscall_msr_values v{};
	EXPECT_TRUE(v.valid()) << "the reset values";
	v.v[lstar] = 1ULL << 47;
	EXPECT_FALSE(v.valid());
}

TEST(x86_syscall_msrs, sregs_fields_map_to_their_slots)
{
	struct {
		u64 star, lstar, cstar, sfmask;
	} in{1, 2, 3, 4}, out{};
	const syscall_msr_values m = syscall_msrs_of(in);
	EXPECT_EQ(m.v[star], 1U);
	EXPECT_EQ(m.v[lstar], 2U);
	EXPECT_EQ(m.v[cstar], 3U);
	EXPECT_EQ(m.v[sfmask], 4U);
	put_syscall_msrs(m, out);
	EXPECT_EQ(out.star + out.lstar * 10 + out.cstar * 100 + out.sfmask * 1000, 4321U);
}

}  // namespace
}  // namespace pv::x86
