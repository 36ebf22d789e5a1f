// SPDX-License-Identifier: GPL-2.0
// The uapi header gives the same ABI whether the module's freestanding core
// or user space with <linux/ioctl.h> compiles it.
#include <gtest/gtest.h>

#include "uapi_numbers.h"

namespace {

TEST(uapi, freestanding_ioctl_numbers_match_linux)
{
	EXPECT_EQ(freestanding_numbers.get_api_version, linux_numbers.get_api_version);
	EXPECT_EQ(freestanding_numbers.get_capabilities, linux_numbers.get_capabilities);
	EXPECT_EQ(freestanding_numbers.get_stats, linux_numbers.get_stats);
	EXPECT_EQ(freestanding_numbers.run_with_result, linux_numbers.run_with_result);
}

// _IO(0xB7, 0) and _IOWR(0xB7, n, 96 / 64 bytes): dir 3 << 30, size << 16.
TEST(uapi, ioctl_numbers_are_the_documented_ones)
{
	EXPECT_EQ(linux_numbers.get_api_version, 0xB700ULL);
	EXPECT_EQ(linux_numbers.get_capabilities, 0xC060B701ULL);
	EXPECT_EQ(linux_numbers.get_stats, 0xC040B702ULL);
	EXPECT_EQ(linux_numbers.run_with_result, 0x4010B725ULL) << "_IOW(0xB7, 0x25, 16 bytes)";
}

TEST(uapi, struct_layout_is_the_same_both_ways)
{
	EXPECT_EQ(freestanding_numbers.caps_size, linux_numbers.caps_size);
	EXPECT_EQ(freestanding_numbers.caps_min, linux_numbers.caps_min);
	EXPECT_EQ(freestanding_numbers.caps_backend_name, linux_numbers.caps_backend_name);
	EXPECT_EQ(freestanding_numbers.caps_reserved, linux_numbers.caps_reserved);
	EXPECT_EQ(freestanding_numbers.stats_size, linux_numbers.stats_size);
	EXPECT_EQ(freestanding_numbers.stats_min, linux_numbers.stats_min);
	EXPECT_EQ(freestanding_numbers.stats_total_allocs, linux_numbers.stats_total_allocs);
	EXPECT_EQ(freestanding_numbers.stats_reserved, linux_numbers.stats_reserved);
	EXPECT_EQ(linux_numbers.caps_size, 96U);
	EXPECT_EQ(linux_numbers.stats_size, 64U);
}

}  // namespace
