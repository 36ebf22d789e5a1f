// SPDX-License-Identifier: MIT
// Suspend and resume with a VM alive, through the kernel's suspend test
// mode "core" (Documentation/power/basic-pm-debugging.rst): every step of
// suspend-to-RAM up to the platform's entry runs (freezer, devices, the
// other CPUs offline, syscore_ops with interrupts off), then it all
// resumes. The module's syscore callbacks turn the extension off on the
// last CPU (VMXOFF, EFER.SVME clear) and on again on resume; both say so
// in the kernel log. The vCPU that ran before runs direct syscalls again,
// the kernel reports no problem and the allocations go back to the
// baseline once the VM is gone.
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <unistd.h>

#include "vm_case.h"

using namespace pvt;

namespace {

const char* const delay_path = "/sys/module/suspend/parameters/pm_test_delay";

std::string read_sysfs(const char* path)
{
	const int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return {};
	char buf[256] = {};
	const ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? std::string(buf, size_t(n)) : std::string();
}

// 0, or the errno of the write.
int write_sysfs(const char* path, const char* value)
{
	const int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	const ssize_t n = write(fd, value, std::strlen(value));
	const int err = n < 0 ? errno : 0;
	close(fd);
	return err;
}

}  // namespace

int main()
{
	vm_case c = begin_vm_case();
	const std::string states = read_sysfs("/sys/power/state");
	if (states.find("mem") == std::string::npos)
		skip("no suspend-to-RAM in this guest (/sys/power/state: \"%s\")",
		     states.empty() ? "missing" : states.substr(0, states.size() - 1).c_str());
	const std::string tests = read_sysfs("/sys/power/pm_test");
	if (tests.find("core") == std::string::npos)
		skip("the guest kernel has no suspend test mode \"core\" (CONFIG_PM_DEBUG)");

	expect_guest_runs_on("the VM's creation");
	const int off_before = count_occurrences(kernel_log(), "suspend: virtualization off");
	const int on_before = count_occurrences(kernel_log(), "resume: virtualization on");
	// The test mode waits pm_test_delay seconds (5) busy, interrupts off:
	// minutes of Bochs. No wait is needed here.
	const std::string delay = read_sysfs(delay_path);
	if (!delay.empty())
		(void)write_sysfs(delay_path, "0");
	PVT_CHECK(write_sysfs("/sys/power/pm_test", "core") == 0, "pm_test core: %s",
		  std::strerror(errno));
	const int err = write_sysfs("/sys/power/state", "mem");
	(void)write_sysfs("/sys/power/pm_test", "none");
	if (!delay.empty())
		(void)write_sysfs(delay_path, delay.c_str());
	PVT_CHECK(err == 0, "suspend (mem, pm_test core): %s", std::strerror(err));

	const std::string log = kernel_log();
	const int off = count_occurrences(log, "suspend: virtualization off") - off_before;
	const int on = count_occurrences(log, "resume: virtualization on") - on_before;
	PVT_CHECK(off == 1 && on == 1,
		  "the module logged %d suspend and %d resume lines, want 1 each (kernel log: %s)",
		  off, on, log_lines_with("portvisor").c_str());
	// The test mode's own line: the suspend went through syscore_ops and
	// the core stage, not only the freezer and the devices.
	PVT_CHECK(count_occurrences(log, "suspend debug: Waiting") > 0,
		  "no \"suspend debug: Waiting\" line from the core test mode (kernel log: %s)",
		  log_lines_with("PM: ").c_str());
	expect_guest_runs_on("suspend and resume");
	release_and_expect_baseline(c, "after suspend and resume");
	end_vm_case(c);
	pass("suspend to RAM (test mode core) with a VM alive: the extension went off and on "
	     "again in syscore_ops, the vCPU ran direct syscalls before and after");
}
