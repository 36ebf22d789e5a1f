// SPDX-License-Identifier: GPL-2.0
// userlib's pure functions: names of backends, page sizes and features (the
// same as the module logs them) and pv_strerror's explanations.
#include <cerrno>
#include <cstring>
#include <gtest/gtest.h>
#include <string>

#include "portvisor/core/capabilities.h"
#include "portvisor/core/log_format.h"
#include "portvisor/device.hpp"

namespace {

using portvisor::backend_name;
using portvisor::features_string;
using portvisor::page_sizes_string;

bool contains(const char* s, const char* part) { return std::strstr(s, part) != nullptr; }

TEST(userlib, backend_name)
{
	EXPECT_STREQ(backend_name(PV_BACKEND_VMX), "vmx");
	EXPECT_STREQ(backend_name(PV_BACKEND_SVM), "svm");
	EXPECT_STREQ(backend_name(PV_BACKEND_ARM64_VHE), "arm64-vhe");
	EXPECT_STREQ(backend_name(PV_BACKEND_NONE), "none");
	EXPECT_STREQ(backend_name(4), "none");
	EXPECT_STREQ(backend_name(~0U), "none");
}

// The module and the library name the backends alike.
TEST(userlib, backend_names_match_the_module)
{
	using pv::core::backend_kind;
	for (auto kind :
	     {backend_kind::none, backend_kind::vmx, backend_kind::svm, backend_kind::arm64_vhe})
		EXPECT_STREQ(backend_name(static_cast<unsigned>(kind)),
			     pv::core::backend_name(kind));
}

TEST(userlib, page_sizes_string)
{
	EXPECT_EQ(page_sizes_string(0), "none");
	EXPECT_EQ(page_sizes_string(PV_PAGE_SIZE_4K), "4K");
	EXPECT_EQ(page_sizes_string(PV_PAGE_SIZE_1G), "1G");
	EXPECT_EQ(page_sizes_string(PV_PAGE_SIZE_4K | PV_PAGE_SIZE_2M), "4K 2M");
	EXPECT_EQ(page_sizes_string(PV_PAGE_SIZE_4K | PV_PAGE_SIZE_2M | PV_PAGE_SIZE_1G),
		  "4K 2M 1G");
	EXPECT_EQ(page_sizes_string(1ULL << 13), "none");  // not a size bit
}

TEST(userlib, features_string)
{
	EXPECT_EQ(features_string(0), "");
	EXPECT_EQ(features_string(PV_FEAT_VHE), "vhe");
	EXPECT_EQ(features_string(PV_FEAT_STAGE2_AD | PV_FEAT_TAGGED_TLB), "stage2-ad tagged-tlb");
	EXPECT_EQ(features_string(PV_FEAT_HOST_LA57 | PV_FEAT_STAGE2_5LEVEL),
		  "stage2-5level host-la57");  // in bit order, not argument order
	EXPECT_EQ(features_string(1ULL << 63), "");
}

// Every feature bit, one at a time and all together, named as the module's
// log names it (core/log_format.h puts a space before each name).
TEST(userlib, feature_names_match_the_module)
{
	for (unsigned b = 0; b < 64; b++) {
		pv::core::line_buffer line;
		pv::core::append_feature_names(line, 1ULL << b);
		const std::string core = line.c_str();
		EXPECT_EQ(features_string(1ULL << b), core.empty() ? "" : core.substr(1))
		    << "bit " << b;
	}
	pv::core::line_buffer all;
	pv::core::append_feature_names(all, ~0ULL);
	EXPECT_EQ(" " + features_string(~0ULL), all.c_str());
	pv::core::line_buffer pages;
	pv::core::append_page_sizes(pages, ~0ULL);
	EXPECT_EQ(page_sizes_string(~0ULL), pages.c_str());
}

TEST(userlib, strerror_explains_portvisor_errors)
{
	EXPECT_TRUE(contains(pv_strerror(ENOENT), "module is not loaded"));
	EXPECT_TRUE(contains(pv_strerror(EACCES), "root only"));
	EXPECT_TRUE(contains(pv_strerror(ENOTTY), "does not know this ioctl"));
	EXPECT_TRUE(contains(pv_strerror(EFAULT), "cannot access"));
	EXPECT_TRUE(contains(pv_strerror(EINVAL), "flags"));
	EXPECT_TRUE(contains(pv_strerror(E2BIG), ".size says what it needs"));
	EXPECT_TRUE(contains(pv_strerror(ENODEV), "no usable virtualization backend"));
	EXPECT_TRUE(contains(pv_strerror(EBUSY), "another hypervisor"));
}

TEST(userlib, strerror_takes_either_sign)
{
	for (int e : {ENOENT, EACCES, ENOTTY, EFAULT, EINVAL, E2BIG, ENODEV, EBUSY, EIO})
		EXPECT_STREQ(pv_strerror(-e), pv_strerror(e)) << e;
}

TEST(userlib, strerror_falls_back_to_the_c_library)
{
	const std::string want = std::strerror(EIO);
	EXPECT_EQ(pv_strerror(EIO), want);
	EXPECT_EQ(pv_strerror(-EIO), want);
}

}  // namespace
