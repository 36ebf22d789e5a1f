// SPDX-License-Identifier: GPL-2.0
// The allocation-free log line and the names of page sizes and features
// (core/include/portvisor/core/log_format.h).
#include "portvisor/core/log_format.h"

#include <gtest/gtest.h>
#include <string>

#include "uapi/portvisor.h"

namespace {

using pv::core::append_feature_names;
using pv::core::append_page_sizes;
using pv::core::line_buffer;

std::string page_sizes(uint64_t sizes)
{
	line_buffer b;
	append_page_sizes(b, sizes);
	return b.c_str();
}

std::string features(uint64_t f)
{
	line_buffer b;
	append_feature_names(b, f);
	return b.c_str();
}

TEST(line_buffer, appends_strings_and_numbers)
{
	line_buffer b;
	EXPECT_STREQ(b.c_str(), "");
	b.append("CPU ");
	b.append_u64(0);
	b.append(", ");
	b.append_u64(18446744073709551615ULL);
	EXPECT_STREQ(b.c_str(), "CPU 0, 18446744073709551615");
	EXPECT_EQ(b.size(), std::string(b.c_str()).size());
}

TEST(line_buffer, truncates_instead_of_overflowing)
{
	line_buffer b;
	const std::string chunk(100, 'x');
	for (int i = 0; i < 5; i++)
		b.append(chunk.c_str());
	EXPECT_EQ(b.size(), 383U);  // 384 bytes with the NUL
	EXPECT_EQ(std::string(b.c_str()), std::string(383, 'x'));
	b.append_u64(42);
	EXPECT_EQ(b.size(), 383U);
}

TEST(log_format, page_sizes)
{
	EXPECT_EQ(page_sizes(0), "none");
	EXPECT_EQ(page_sizes(PV_PAGE_SIZE_4K), "4K");
	EXPECT_EQ(page_sizes(PV_PAGE_SIZE_2M | PV_PAGE_SIZE_1G), "2M 1G");
	EXPECT_EQ(page_sizes(PV_PAGE_SIZE_4K | PV_PAGE_SIZE_2M | PV_PAGE_SIZE_1G), "4K 2M 1G");
	EXPECT_EQ(page_sizes(1ULL << 40), "none");  // not a size portvisor maps
}

TEST(log_format, feature_names_each_with_a_leading_space)
{
	EXPECT_EQ(features(0), "");
	EXPECT_EQ(features(PV_FEAT_STAGE2_AD), " stage2-ad");
	EXPECT_EQ(features(PV_FEAT_TAGGED_TLB | PV_FEAT_HOST_LA57), " tagged-tlb host-la57");
	EXPECT_EQ(features(~0ULL),
		  " stage2-ad tagged-tlb unrestricted-guest nrip-save flush-by-asid "
		  "preemption-timer stage2-5level vhe direct-syscall stats tracing host-la57 run");
	EXPECT_EQ(features(1ULL << 63), "");  // unknown bits are not named
}

}  // namespace
