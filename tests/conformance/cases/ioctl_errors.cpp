// SPDX-License-Identifier: MIT
// Bad ioctls on /dev/portvisor get the documented errno (docs/abi.md) and
// nothing else: ENOTTY for unknown commands, EFAULT for bad pointers, EINVAL
// for non-zero flags, E2BIG (with the needed size written back) for a
// too-small struct. A bigger struct than the module knows is accepted and
// bytes past what the module fills are left alone. Non-root cannot open it.
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "case.h"
#include "uapi/portvisor.h"

using namespace pvt;

namespace {

int fd = -1;
int checks = 0;

void expect_errno(unsigned long cmd, void* arg, int want, const char* what)
{
	errno = 0;
	int rc = ioctl(fd, cmd, arg);
	PVT_CHECK(rc == -1 && errno == want, "%s: rc=%d errno=%s, want %s", what, rc,
		  std::strerror(errno), std::strerror(want));
	checks++;
}

void* kernel_address()
{
#if defined(__x86_64__)
	return reinterpret_cast<void*>(0xffffffff81000000UL);  // kernel text
#else
	return reinterpret_cast<void*>(0xffff800008000000UL);  // kernel image area
#endif
}

template <class T> void sized_struct_rules(unsigned long cmd, uint32_t min_size, const char* name)
{
	alignas(8) unsigned char buf[512];
	auto* head = reinterpret_cast<uint32_t*>(buf);

	// flags must be zero.
	std::memset(buf, 0, sizeof(buf));
	head[0] = sizeof(T);
	head[1] = 1;
	expect_errno(cmd, buf, EINVAL, name);

	// Too small: E2BIG, and .size tells what is needed.
	for (uint32_t small : {0U, 8U, min_size - 8U, min_size - 1U}) {
		std::memset(buf, 0, sizeof(buf));
		head[0] = small;
		expect_errno(cmd, buf, E2BIG, name);
		PVT_CHECK(head[0] == sizeof(T), "%s: E2BIG wrote back size %u, want %zu", name,
			  head[0], sizeof(T));
	}

	// Exactly the minimum: filled up to it, not a byte more.
	std::memset(buf, 0xA5, sizeof(buf));
	head[0] = min_size;
	head[1] = 0;
	PVT_CHECK(ioctl(fd, cmd, buf) == 0, "%s with min size: %s", name, std::strerror(errno));
	PVT_CHECK(head[0] == min_size, "%s: .size %u after min-size call", name, head[0]);
	for (size_t i = min_size; i < sizeof(buf); i++)
		PVT_CHECK(buf[i] == 0xA5, "%s: byte %zu past the min size was written", name, i);
	checks++;

	// Bigger than the module knows: accepted, .size says what was filled.
	std::memset(buf, 0xA5, sizeof(buf));
	head[0] = sizeof(buf);
	head[1] = 0;
	PVT_CHECK(ioctl(fd, cmd, buf) == 0, "%s with big size: %s", name, std::strerror(errno));
	PVT_CHECK(head[0] == sizeof(T), "%s: .size %u, want %zu", name, head[0], sizeof(T));
	for (size_t i = sizeof(T); i < sizeof(buf); i++)
		PVT_CHECK(buf[i] == 0xA5, "%s: byte %zu past the struct was written", name, i);
	checks++;

	// Bad pointers: NULL, kernel memory, unmapped, read-only.
	expect_errno(cmd, nullptr, EFAULT, name);
	expect_errno(cmd, kernel_address(), EFAULT, name);
	const long page = sysconf(_SC_PAGESIZE);
	void* p = mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	PVT_CHECK(p != MAP_FAILED, "mmap");
	auto* ro = static_cast<uint32_t*>(p);
	ro[0] = sizeof(T);
	ro[1] = 0;
	PVT_CHECK(mprotect(p, page, PROT_READ) == 0, "mprotect");
	expect_errno(cmd, p, EFAULT, "read-only struct");
	munmap(p, page);
	expect_errno(cmd, p, EFAULT, "unmapped struct");
	// A struct straddling into an unmapped page: header readable, tail not.
	void* two =
	    mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	PVT_CHECK(two != MAP_FAILED, "mmap");
	munmap(static_cast<char*>(two) + page, page);
	auto* edge = reinterpret_cast<uint32_t*>(static_cast<char*>(two) + page - 16);
	edge[0] = sizeof(T);
	edge[1] = 0;
	expect_errno(cmd, edge, EFAULT, "struct crossing into an unmapped page");
	munmap(two, page);
}

}  // namespace

int main()
{
	const kernel_problems problems_before = count_kernel_problems();
	ensure_loaded();
	fd = open(PV_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	PVT_CHECK(fd >= 0, "open: %s", std::strerror(errno));

	expect_errno(_IO('x', 0x00), nullptr, ENOTTY, "foreign ioctl type");
	expect_errno(_IO(PV_IOCTL_TYPE, 0x7f), nullptr, ENOTTY, "unknown ioctl number");
	expect_errno(_IOR(PV_IOCTL_TYPE, 0x01, struct pv_capabilities), nullptr, ENOTTY,
		     "capabilities with read-only direction");
	expect_errno(_IOW(PV_IOCTL_TYPE, 0x00, int), nullptr, ENOTTY,
		     "API version with a direction");
	expect_errno(0x5401 /* TCGETS */, nullptr, ENOTTY, "TCGETS");

	// The size bits of the command are not the struct's size: both work.
	alignas(8) unsigned char caps[sizeof(pv_capabilities)] = {};
	reinterpret_cast<uint32_t*>(caps)[0] = sizeof(caps);
	PVT_CHECK(ioctl(fd, _IOC(_IOC_READ | _IOC_WRITE, PV_IOCTL_TYPE, 0x01, 8), caps) == 0,
		  "capabilities via a command encoding another size: %s", std::strerror(errno));
	checks++;

	sized_struct_rules<pv_capabilities>(PV_GET_CAPABILITIES, PV_CAPS_MIN_SIZE, "capabilities");
	sized_struct_rules<pv_module_stats>(PV_GET_STATS, PV_STATS_MIN_SIZE, "stats");
	close(fd);

	// /dev/portvisor is root's only (mode 0600).
	pid_t child = fork();
	if (child == 0) {
		if (setgid(65534) != 0 || setuid(65534) != 0)
			_exit(2);
		int f = open(PV_DEVICE_PATH, O_RDWR);
		_exit(f < 0 && errno == EACCES ? 0 : 1);
	}
	int status = 0;
	waitpid(child, &status, 0);
	PVT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "an unprivileged user could open %s (or setuid failed), status %d",
		  PV_DEVICE_PATH, status);
	checks++;

	check_no_new_kernel_problems(problems_before);
	pass("%d error checks gave the documented errno", checks);
}
