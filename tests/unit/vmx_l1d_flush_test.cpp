// SPDX-License-Identifier: GPL-2.0
// The L1D flush before VM entry (arch/x86_64-vmx/l1d_flush.h): the software
// flush's 64 KiB buffer is taken only for that policy, accounted, and given
// back; its absence is a load error, not a guest entry without the flush.
#include <gtest/gtest.h>

#include "fake_platform.h"
#include "x86_64-vmx/l1d_flush.h"

namespace pv::vmx {
namespace {

class vmx_l1d_flush : public ::testing::Test {
protected:
	void SetUp() override { fake::reset(); }
	void TearDown() override { EXPECT_TRUE(fake::misuse().empty()); }
};

TEST_F(vmx_l1d_flush, software_flush_holds_64_kib_until_released)
{
	l1d_flusher f;
	ASSERT_EQ(f.init(PV_L1D_FLUSH_SOFTWARE), 0);
	EXPECT_EQ(f.policy(), PV_L1D_FLUSH_SOFTWARE);
	EXPECT_EQ(fake::alloc_stats().pages, 16U);
	EXPECT_EQ(fake::alloc_stats().bytes, 65536U);
	f.flush();  // reads the buffer: runs anywhere
	f.flush();
	f.release();
	EXPECT_EQ(fake::alloc_stats().pages, 0U);
	EXPECT_EQ(fake::alloc_stats().bytes, 0U);
	EXPECT_EQ(f.policy(), PV_L1D_FLUSH_NONE);
	f.release();  // twice: nothing to give back
	EXPECT_TRUE(fake::misuse().empty());
}

TEST_F(vmx_l1d_flush, other_policies_take_nothing)
{
	for (const int policy : {int(PV_L1D_FLUSH_NONE), int(PV_L1D_FLUSH_MSR)}) {
		l1d_flusher f;
		ASSERT_EQ(f.init(policy), 0);
		EXPECT_EQ(f.policy(), policy);
		EXPECT_EQ(fake::alloc_stats().pages, 0U) << policy;
		f.release();
	}
	l1d_flusher off;
	ASSERT_EQ(off.init(PV_L1D_FLUSH_NONE), 0);
	off.flush();  // nothing to do, no MSR write
	EXPECT_STREQ(off.describe(), "off");
}

TEST_F(vmx_l1d_flush, no_memory_for_the_buffer_is_enomem)
{
	fake::fail_allocs_after(0);
	l1d_flusher f;
	EXPECT_EQ(f.init(PV_L1D_FLUSH_SOFTWARE), -PV_ENOMEM);
	EXPECT_EQ(fake::alloc_stats().pages, 0U);
	EXPECT_EQ(f.policy(), PV_L1D_FLUSH_NONE) << "no buffer: flush() must not read one";
	f.flush();
	f.release();
	EXPECT_TRUE(fake::misuse().empty());
}

}  // namespace
}  // namespace pv::vmx
