// SPDX-License-Identifier: MIT
// A CPU goes offline and comes back while a VM exists: the module turns the
// extension off there (VMXOFF, EFER.SVME clear) and on again when it returns,
// and the vCPU runs direct syscalls on the CPU before, on another CPU while
// it is gone, and on it again afterwards. Then, with no VM left, the same
// CPU goes off and on once more (the extension stays off: nothing to turn
// on), and a new VM runs there again (the extension turned on on every CPU,
// that one included); the allocations are back to the baseline.
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sched.h>
#include <string>
#include <sys/syscall.h>
#include <unistd.h>

#include "portvisor/guest_syscall.h"
#include "vm_case.h"

using namespace pvt;

namespace {

constexpr int calls = 100;
constexpr int hot_cpu = 1;
const char* const online_path = "/sys/devices/system/cpu/cpu1/online";

uint64_t guest_loop(void* arg)
{
	const long want = *static_cast<long*>(arg);
	uint64_t wrong = 0;
	for (int i = 0; i < calls; i++)
		if (pv_syscall0(SYS_getpid) != want)
			wrong++;
	return wrong;
}

void pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	PVT_CHECK(sched_setaffinity(0, sizeof(set), &set) == 0, "sched_setaffinity(CPU %d): %s",
		  cpu, std::strerror(errno));
}

void set_online(bool on)
{
	const int fd = open(online_path, O_WRONLY | O_CLOEXEC);
	PVT_CHECK(fd >= 0, "open %s: %s", online_path, std::strerror(errno));
	const ssize_t n = write(fd, on ? "1" : "0", 1);
	const int err = errno;
	close(fd);
	PVT_CHECK(n == 1, "writing %d to %s: %s", on ? 1 : 0, online_path, std::strerror(err));
}

// Runs the loop on `cpu`, checks the answers and that they were direct.
void run_on(int cpu, const char* when)
{
	pin(cpu);
	long pid = getpid();
	const uint64_t before = direct_syscalls();
	const uint64_t wrong = guest_run(guest_loop, &pid, when);
	const int now = sched_getcpu();
	PVT_CHECK(wrong == 0, "%s: %llu of %d getpid wrong", when,
		  static_cast<unsigned long long>(wrong), calls);
	const uint64_t direct = direct_syscalls() - before;
	PVT_CHECK(direct == calls, "%s: %llu direct syscalls counted, want %d", when,
		  static_cast<unsigned long long>(direct), calls);
	PVT_CHECK(now == cpu, "%s: pinned to CPU %d, ran on CPU %d", when, cpu, now);
}

}  // namespace

int main()
{
	vm_case c = begin_vm_case();
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		skip("needs 2 online CPUs, this guest has %ld", sysconf(_SC_NPROCESSORS_ONLN));
	if (access(online_path, W_OK) != 0)
		skip("CPU %d cannot be taken offline here (%s: %s)", hot_cpu, online_path,
		     std::strerror(errno));

	run_on(hot_cpu, "on CPU 1 before it went offline");
	run_on(0, "on CPU 0 with CPU 1 online");
	set_online(false);
	PVT_CHECK(sysconf(_SC_NPROCESSORS_ONLN) == 1, "%ld CPUs online after CPU 1 went offline",
		  sysconf(_SC_NPROCESSORS_ONLN));
	run_on(0, "on CPU 0 while CPU 1 was offline");
	set_online(true);
	run_on(hot_cpu, "on CPU 1 after it came back");
	pin(0);

	// No VM: the CPU goes and comes back with nothing turned on there.
	release_and_expect_baseline(c, "after releasing the guest VM");
	set_online(false);
	set_online(true);
	expect_baseline(c, "after CPU 1 went off and on again with no VM");

	// A new VM turns the extension on on every CPU, CPU 1 included.
	run_on(hot_cpu, "on CPU 1 in a new VM after it went off and on with no VM");
	pin(0);
	release_and_expect_baseline(c, "after releasing the new VM");
	end_vm_case(c);
	pass("%d direct getpid on CPU 1, on CPU 0 while CPU 1 was offline, on CPU 1 again, "
	     "and in a new VM after CPU 1 went off and on with no VM; nothing left",
	     calls);
}
