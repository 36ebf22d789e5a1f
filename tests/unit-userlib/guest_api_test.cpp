// SPDX-License-Identifier: GPL-2.0
// run_in_guest and the C API where there is no module: the errors must be
// clean (errno and a message naming what failed), nothing is left behind.
#include <cerrno>
#include <cstring>
#include <gtest/gtest.h>
#include <string>
#include <sys/stat.h>

#include "portvisor/guest.hpp"
#include "portvisor/portvisor.h"

namespace {

bool have_device()
{
	struct stat st;
	return stat(PV_DEVICE_PATH, &st) == 0;
}

uint64_t return_42(void*) { return 42; }

TEST(guest_api, run_in_guest_without_the_module_fails_cleanly)
{
	if (have_device())
		GTEST_SKIP() << PV_DEVICE_PATH << " exists on this machine";
	auto r = portvisor::run_in_guest(return_42, nullptr);
	ASSERT_FALSE(r.ok());
#if defined(__x86_64__)
	EXPECT_EQ(r.err().err, ENOENT);
	EXPECT_NE(r.err().message.find(PV_DEVICE_PATH), std::string::npos) << r.err().message;
#else
	EXPECT_EQ(r.err().err, ENOSYS);
#endif
	uint64_t v = 7;
	EXPECT_EQ(pv_run_in_guest(return_42, nullptr, &v), -r.err().err);
	EXPECT_EQ(v, 7U);
	EXPECT_EQ(std::string(pv_last_error()), r.err().message);
	EXPECT_FALSE(portvisor::guest_context::current().ok());
	EXPECT_FALSE(portvisor::guest_vm().ok());
	EXPECT_FALSE(portvisor::alloc_guest_memory(4096).ok());
	EXPECT_TRUE(portvisor::release_guest_vm().ok());
}

TEST(guest_api, c_calls_on_a_bad_fd_return_minus_errno)
{
	EXPECT_EQ(pv_create_vm(-1, 0), -EBADF);
	EXPECT_EQ(pv_create_vcpu(-1, 0), -EBADF);
	EXPECT_EQ(pv_set_allow_list(-1, nullptr, 0), -EBADF);
	pv_memory_region region{};
	EXPECT_EQ(pv_set_memory_region(-1, &region), -EBADF);
	EXPECT_EQ(pv_vcpu_run(-1), -EBADF);
	pv_regs_x86_64 regs{};
	pv_sregs_x86_64 sregs{};
	EXPECT_EQ(pv_get_regs(-1, &regs), -EBADF);
	EXPECT_EQ(pv_set_regs(-1, &regs), -EBADF);
	EXPECT_EQ(pv_get_sregs(-1, &sregs), -EBADF);
	EXPECT_EQ(pv_set_sregs(-1, &sregs), -EBADF);
	errno = 0;
	EXPECT_EQ(pv_map_run(-1), nullptr);
	EXPECT_EQ(errno, EBADF);
	pv_unmap_run(nullptr);  // no-op
}

}  // namespace
