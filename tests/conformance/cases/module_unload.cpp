// SPDX-License-Identifier: MIT
// An open /dev/portvisor keeps the module in (rmmod gets EAGAIN); once
// closed it unloads, /dev/portvisor goes away, and nothing is left allocated.
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

#include "case.h"
#include "uapi/portvisor.h"

using namespace pvt;

int main()
{
	const kernel_problems problems_before = count_kernel_problems();
	ensure_loaded();
	const std::string clean = "portvisor: unloaded: 0 bytes in 0 allocations outstanding";
	const int clean_before = count_occurrences(kernel_log(), clean);

	int fd = open(PV_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	PVT_CHECK(fd >= 0, "open: %s", std::strerror(errno));
	int err = unload_module();
	PVT_CHECK(err == EAGAIN || err == EWOULDBLOCK, "unload with an open fd: %s, want EAGAIN",
		  err ? std::strerror(err) : "succeeded");
	PVT_CHECK(module_loaded(), "module gone while its device is open");
	close(fd);

	err = unload_module();
	PVT_CHECK(err == 0, "unload: %s", std::strerror(err));
	PVT_CHECK(!module_loaded(), "/sys/module/portvisor still there");
	PVT_CHECK(!file_exists(PV_DEVICE_PATH), "%s still there", PV_DEVICE_PATH);
	const std::string log = kernel_log();
	note("%s", log_lines_with("portvisor: unloaded").c_str());
	PVT_CHECK(count_occurrences(log, clean) == clean_before + 1, "no clean unload line");
	PVT_CHECK(count_occurrences(log, "LEAK") == 0, "module reported a leak");
	PVT_CHECK(unload_module() == ENOENT, "second unload should say ENOENT");
	check_no_new_kernel_problems(problems_before);
	pass("busy while open, then unloaded with 0 bytes outstanding");
}
