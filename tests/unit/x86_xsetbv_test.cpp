// SPDX-License-Identifier: GPL-2.0
// Which guest XSETBV the x86 backends complete in the kernel
// (portvisor/x86/xsetbv.h): only XCR0 set to the value it has, on a host
// with CR4.OSXSAVE.
#include <gtest/gtest.h>

#include "portvisor/x86/xsetbv.h"

namespace pv::x86 {
namespace {

constexpr u64 osxsave = cr4_osxsave | (1ULL << 5);  // with PAE, as a host's CR4
constexpr u64 xcr0_avx512 = 0xe7;                   // x87 SSE AVX opmask ZMM_Hi256 Hi16_ZMM

TEST(x86_xsetbv, same_xcr0_changes_nothing)
{
	EXPECT_TRUE(xsetbv_changes_nothing(0, xcr0_avx512, 0, osxsave, xcr0_avx512));
	// EDX:EAX, the upper halves of RAX and RDX ignored (SDM Vol. 2C XSETBV).
	EXPECT_TRUE(
	    xsetbv_changes_nothing(0, 0xffffffff00000007ULL, 0xabcd00000000ULL, osxsave, 7));
	EXPECT_TRUE(xsetbv_changes_nothing(0, 3, 1, osxsave, (1ULL << 32) | 3));
	// ECX is read as 32 bits.
	EXPECT_TRUE(xsetbv_changes_nothing(0x100000000ULL, 7, 0, osxsave, 7));
}

TEST(x86_xsetbv, anything_else_exits)
{
	EXPECT_FALSE(xsetbv_changes_nothing(0, 3, 0, osxsave, 7)) << "a smaller XCR0";
	EXPECT_FALSE(xsetbv_changes_nothing(0, 0xe7, 0, osxsave, 7)) << "a larger XCR0";
	EXPECT_FALSE(xsetbv_changes_nothing(0, 7, 1, osxsave, 7)) << "EDX counts";
	EXPECT_FALSE(xsetbv_changes_nothing(1, 7, 0, osxsave, 7))
	    << "ECX 1: no XCR but XCR0 is written";
	EXPECT_FALSE(xsetbv_changes_nothing(0, 7, 0, 1ULL << 5, 7)) << "host without OSXSAVE";
}

}  // namespace
}  // namespace pv::x86
