// SPDX-License-Identifier: MIT
// SIGKILL ends a process whose thread is in the guest: two children spin in
// guest ring 0 (no exits of their own), one with interrupts off, one after
// STI; a third blocks in a direct read() of an empty pipe. All are killed by
// SIGKILL about 300 ms after they report that the guest runs, are reaped
// within a generous limit, and the module's allocations are back to the
// baseline afterwards.
//
// Host interrupts end a guest's slice whatever its RFLAGS.IF (SDM Vol. 3C
// 26.2, external-interrupt exiting; AMD V_INTR_MASKING). Bochs 2.7 exits on
// them only when the guest's IF is 1, and otherwise relies on the VMX
// preemption timer: the STI spinner is what runs the VMX backend's
// acknowledge-on-exit dispatch there.
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "portvisor/guest_syscall.h"
#include "vm_case.h"

using namespace pvt;

namespace {

struct kill_args {
	int ready_fd, rfd;
};

uint64_t guest_spin(void* arg)
{
	auto* a = static_cast<kill_args*>(arg);
	pv_syscall3(SYS_write, a->ready_fd, reinterpret_cast<long>("s"), 1);
	for (;;)
		__asm__ volatile("" ::: "memory");
}

uint64_t guest_spin_sti(void* arg)
{
	auto* a = static_cast<kill_args*>(arg);
	pv_syscall3(SYS_write, a->ready_fd, reinterpret_cast<long>("i"), 1);
	// The guest has no vector table: the host intercepts every interrupt.
#if defined(__x86_64__)
	__asm__ volatile("sti" ::: "memory");
#elif defined(__aarch64__)
	__asm__ volatile("msr daifclr, #2" ::: "memory");
#endif
	for (;;)
		__asm__ volatile("" ::: "memory");
}

uint64_t guest_block(void* arg)
{
	auto* a = static_cast<kill_args*>(arg);
	char c;
	pv_syscall3(SYS_write, a->ready_fd, reinterpret_cast<long>("b"), 1);
	return static_cast<uint64_t>(pv_syscall3(SYS_read, a->rfd, reinterpret_cast<long>(&c), 1));
}

pid_t start(portvisor::guest_fn fn, int ready_fd, int rfd)
{
	std::fflush(stdout);
	const pid_t pid = fork();
	PVT_CHECK(pid >= 0, "fork: %s", std::strerror(errno));
	if (pid == 0) {
		auto m = portvisor::alloc_guest_memory(sizeof(kill_args));
		if (!m)
			_exit(3);
		auto* a = static_cast<kill_args*>(m.value());
		a->ready_fd = ready_fd;
		a->rfd = rfd;
		auto r = portvisor::run_in_guest(fn, a);
		// Only reached if the guest ended: report how.
		std::printf("child %d: run_in_guest returned: %s\n", getpid(),
			    r ? "a value" : r.err().message.c_str());
		std::fflush(stdout);
		_exit(4);
	}
	return pid;
}

}  // namespace

int main()
{
	vm_case c = begin_vm_case();
	int ready[2], data[2];
	PVT_CHECK(pipe2(ready, O_CLOEXEC) == 0 && pipe2(data, O_CLOEXEC) == 0, "pipe2: %s",
		  std::strerror(errno));
	const pid_t spinner = start(guest_spin, ready[1], data[0]);
	const pid_t spinner_sti = start(guest_spin_sti, ready[1], data[0]);
	const pid_t blocker = start(guest_block, ready[1], data[0]);
	close(ready[1]);

	// All report from the guest (a direct write) that they run there.
	int got = 0;
	while (got < 3) {
		pollfd p{ready[0], POLLIN, 0};
		if (poll(&p, 1, 120000) != 1)
			break;
		char buf[3];
		const ssize_t n = read(ready[0], buf, sizeof(buf));
		if (n <= 0)
			break;
		got += static_cast<int>(n);
	}
	if (got < 3) {
		kill(spinner, SIGKILL);
		kill(spinner_sti, SIGKILL);
		kill(blocker, SIGKILL);
		fail("only %d of 3 children reported from the guest within 120 s (spinner %s, "
		     "spinner after STI %s, blocker %s)",
		     got, describe_status(wait_child(spinner, 20, "spinner")).c_str(),
		     describe_status(wait_child(spinner_sti, 20, "spinner after STI")).c_str(),
		     describe_status(wait_child(blocker, 20, "blocker")).c_str());
	}
	const timespec pause{0, 300 * 1000000L};
	nanosleep(&pause, nullptr);
	timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	PVT_CHECK(kill(spinner, SIGKILL) == 0 && kill(spinner_sti, SIGKILL) == 0 &&
		      kill(blocker, SIGKILL) == 0,
		  "kill: %s", std::strerror(errno));
	const int s_spin = wait_child(spinner, 20, "spinning guest after SIGKILL");
	const int s_sti = wait_child(spinner_sti, 20, "spinning guest (STI) after SIGKILL");
	const int s_block = wait_child(blocker, 20, "blocked guest after SIGKILL");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	const long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	PVT_CHECK(WIFSIGNALED(s_spin) && WTERMSIG(s_spin) == SIGKILL, "spinning child: %s",
		  describe_status(s_spin).c_str());
	PVT_CHECK(WIFSIGNALED(s_sti) && WTERMSIG(s_sti) == SIGKILL, "spinning child (STI): %s",
		  describe_status(s_sti).c_str());
	PVT_CHECK(WIFSIGNALED(s_block) && WTERMSIG(s_block) == SIGKILL, "blocked child: %s",
		  describe_status(s_block).c_str());
	note("all three children reaped %ld ms after SIGKILL", ms);
	for (int fd : {ready[0], data[0], data[1]})
		close(fd);
	expect_baseline(c, "after the children were reaped");
	end_vm_case(c);
	pass("spinning (IF 0 and 1) and blocked guests killed by SIGKILL, reaped in %ld ms, "
	     "nothing left",
	     ms);
}
