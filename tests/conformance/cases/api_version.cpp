// SPDX-License-Identifier: MIT
// PV_GET_API_VERSION answers the version of the header the suite was built
// with, both raw and through the user library.
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "case.h"
#include "portvisor/device.hpp"

using namespace pvt;

int main()
{
	const kernel_problems problems_before = count_kernel_problems();
	ensure_loaded();
	int fd = open(PV_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	PVT_CHECK(fd >= 0, "open %s: %s", PV_DEVICE_PATH, std::strerror(errno));
	int v = ioctl(fd, PV_GET_API_VERSION);
	PVT_CHECK(v == PV_API_VERSION, "PV_GET_API_VERSION = %d (errno %s), want %d", v,
		  v < 0 ? std::strerror(errno) : "-", PV_API_VERSION);
	// The argument is ignored: a stray pointer must not matter.
	v = ioctl(fd, PV_GET_API_VERSION, 0xdeadbeefUL);
	PVT_CHECK(v == PV_API_VERSION, "PV_GET_API_VERSION with a stray argument = %d", v);
	close(fd);

	auto dev = portvisor::device::open();
	PVT_CHECK(dev.ok(), "userlib device::open: %s", dev.err().message.c_str());
	auto ver = dev.value().api_version();
	PVT_CHECK(ver.ok() && ver.value() == PV_API_VERSION, "userlib api_version failed");
	check_no_new_kernel_problems(problems_before);
	pass("API version %d", PV_API_VERSION);
}
