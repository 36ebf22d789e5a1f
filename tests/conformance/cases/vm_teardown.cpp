// SPDX-License-Identifier: MIT
// Every way a VM ends gives back all of its memory: closing the vCPU and
// VM fds (in either order), releasing the library's guest VM after a run,
// closing many VMs with several vCPUs each, a child that ran a guest and
// exits without closing anything, and a child killed by SIGKILL while it
// holds a VM, a vCPU and the mapped run page. The module's allocation
// counters are back to the value before the case each time. The VMs are
// mirror VMs where the CPU's guest-physical width allows them, VMs with
// explicit slots elsewhere (runnable_vm_flags()).
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <optional>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "portvisor/guest_syscall.h"
#include "vm_case.h"

using namespace pvt;

namespace {

uint64_t guest_getpid(void*) { return static_cast<uint64_t>(pv_syscall0(SYS_getpid)); }

void expect_above_baseline(const vm_case& c, const char* what)
{
	const pv_module_stats s = module_stats(c);
	PVT_CHECK(s.alloc_objects > c.baseline.alloc_objects,
		  "%s: the module reports no allocation for it (%llu objects, baseline %llu)", what,
		  static_cast<unsigned long long>(s.alloc_objects),
		  static_cast<unsigned long long>(c.baseline.alloc_objects));
}

portvisor::vm make_vm(const vm_case& c, unsigned flags)
{
	auto v = portvisor::vm::create(*c.dev, flags);
	PVT_CHECK(v.ok(), "%s", v.err().message.c_str());
	return std::move(v.value());
}

portvisor::vcpu make_vcpu(const portvisor::vm& v, unsigned id)
{
	auto cpu = v.create_vcpu(id);
	PVT_CHECK(cpu.ok(), "%s", cpu.err().message.c_str());
	return std::move(cpu.value());
}

}  // namespace

int main()
{
	vm_case c = begin_vm_case();
	const unsigned flags = runnable_vm_flags(c.caps);

	// vCPU closed before the VM, and the other way round.
	for (bool vm_first : {false, true}) {
		std::optional<portvisor::vm> v(make_vm(c, flags));
		std::optional<portvisor::vcpu> cpu(make_vcpu(*v, 0));
		expect_above_baseline(c, "a VM with one vCPU");
		if (vm_first) {
			v.reset();
			cpu.reset();
		} else {
			cpu.reset();
			v.reset();
		}
		expect_baseline(c, vm_first ? "VM fd closed, then the vCPU fd"
					    : "vCPU fd closed, then the VM fd");
	}

	// A run through the library, then release.
	PVT_CHECK(static_cast<long>(guest_run(guest_getpid, nullptr, "getpid")) == getpid(),
		  "guest getpid wrong");
	expect_above_baseline(c, "the library's guest VM");
	release_and_expect_baseline(c, "after release_guest_vm()");
	// And again: a new VM after the release works.
	PVT_CHECK(static_cast<long>(guest_run(guest_getpid, nullptr, "getpid (2)")) == getpid(),
		  "guest getpid wrong after a release");
	release_and_expect_baseline(c, "after the second release_guest_vm()");

	// Many VMs and vCPUs at once.
	{
		std::vector<portvisor::vm> vms;
		std::vector<portvisor::vcpu> cpus;
		for (int i = 0; i < 8; i++) {
			vms.push_back(make_vm(c, i % 2 ? flags : 0));
			for (unsigned id = 0; id < 4; id++)
				cpus.push_back(make_vcpu(vms.back(), id * 7));
		}
		expect_above_baseline(c, "8 VMs with 4 vCPUs each");
	}
	expect_baseline(c, "after closing 8 VMs and 32 vCPUs");

	// A child that runs a guest and exits without closing anything.
	std::fflush(stdout);
	pid_t pid = fork();
	PVT_CHECK(pid >= 0, "fork: %s", std::strerror(errno));
	if (pid == 0) {
		auto r = portvisor::run_in_guest(guest_getpid, nullptr);
		_exit(r && static_cast<long>(r.value()) == getpid() ? 0 : 1);
	}
	int status = wait_child(pid, 120, "child running a guest");
	PVT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child: %s",
		  describe_status(status).c_str());
	expect_baseline(c, "after a child that ran a guest exited without closing");

	// A child killed while it holds a VM, a vCPU and its run page.
	int ready[2];
	PVT_CHECK(pipe(ready) == 0, "pipe: %s", std::strerror(errno));
	pid = fork();
	PVT_CHECK(pid >= 0, "fork: %s", std::strerror(errno));
	if (pid == 0) {
		auto dev = portvisor::device::open();
		if (!dev)
			_exit(2);
		auto v = portvisor::vm::create(dev.value(), flags);
		if (!v)
			_exit(3);
		auto cpu = v.value().create_vcpu(3);
		if (!cpu)
			_exit(4);
		(void)!write(ready[1], "k", 1);
		pause();
		_exit(5);
	}
	close(ready[1]);
	char k = 0;
	const ssize_t n = read(ready[0], &k, 1);
	close(ready[0]);
	if (n != 1) {
		status = wait_child(pid, 20, "child creating a VM");
		fail("the child could not create its VM: %s", describe_status(status).c_str());
	}
	expect_above_baseline(c, "a child's VM");
	kill(pid, SIGKILL);
	status = wait_child(pid, 20, "child killed with a VM");
	PVT_CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "child: %s",
		  describe_status(status).c_str());
	expect_baseline(c, "after a child holding a VM was killed");

	end_vm_case(c);
	pass("allocations back to the baseline after every kind of teardown");
}
