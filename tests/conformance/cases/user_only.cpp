// SPDX-License-Identifier: MIT
// Syscalls that cannot run from the exit handler (clone, execve, exit,
// exit_group) leave the guest as PV_EXIT_SYSCALL with why
// PV_SYSCALL_USER_ONLY, the number and the six arguments as the guest
// issued them; the process does not die and keeps one thread; the guest
// gets what user space answers. Through run_in_guest they return -ENOSYS,
// or what a run_options::user_only handler returns.
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <sys/syscall.h>
#include <unistd.h>

#include "portvisor/guest_syscall.h"
#include "vm_case.h"

using namespace pvt;

namespace {

const char no_such_program[] = "/no/such/program";

struct uo_args {
	long clone_r, execve_r, exit_r, exit_group_r;
};

uint64_t guest_user_only(void* arg)
{
	auto* a = static_cast<uo_args*>(arg);
	a->clone_r = pv_syscall6(SYS_clone, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66);
	a->execve_r = pv_syscall3(SYS_execve, reinterpret_cast<long>(no_such_program), 0, 0);
	a->exit_r = pv_syscall1(SYS_exit, 7);
	a->exit_group_r = pv_syscall1(SYS_exit_group, 42);
	return 0x5afe;
}

struct expected_call {
	long nr;
	uint64_t args[6];
	const char* name;
};

std::string threads_line()
{
	std::ifstream f("/proc/self/status");
	std::string line;
	while (std::getline(f, line))
		if (line.rfind("Threads:", 0) == 0)
			return line;
	return "?";
}

}  // namespace

int main()
{
	vm_case c = begin_vm_case();
	auto* a = guest_object<uo_args>();
	const expected_call want[] = {
	    {SYS_clone, {0x11, 0x22, 0x33, 0x44, 0x55, 0x66}, "clone"},
	    {SYS_execve, {reinterpret_cast<uintptr_t>(no_such_program), 0, 0, 0, 0, 0}, "execve"},
	    {SYS_exit, {7, 0, 0, 0, 0, 0}, "exit"},
	    {SYS_exit_group, {42, 0, 0, 0, 0, 0}, "exit_group"},
	};
	const pid_t pid = getpid();

	// Low level: every exit seen here, answered here.
	size_t seen = 0;
	const uint64_t result = run_answering_syscalls(guest_user_only, a, [&](const pv_run& run) {
		PVT_CHECK(seen < 4, "a fifth syscall exit: nr %llu",
			  static_cast<unsigned long long>(run.syscall.nr));
		const expected_call& w = want[seen];
		PVT_CHECK(run.syscall.why == PV_SYSCALL_USER_ONLY,
			  "%s exited with why %u (%s), want user-only", w.name, run.syscall.why,
			  pv_syscall_why_name(run.syscall.why));
		PVT_CHECK(run.syscall.nr == static_cast<uint64_t>(w.nr),
			  "exit %zu: nr %llu, want %s (%ld)", seen,
			  static_cast<unsigned long long>(run.syscall.nr), w.name, w.nr);
		for (int i = 0; i < 6; i++)
			PVT_CHECK(run.syscall.args[i] == w.args[i],
				  "%s: args[%d] = %#llx, want %#llx", w.name, i,
				  static_cast<unsigned long long>(run.syscall.args[i]),
				  static_cast<unsigned long long>(w.args[i]));
		return -1000 - static_cast<int64_t>(seen++);
	});
	PVT_CHECK(seen == 4, "%zu user-only syscall exits, want 4", seen);
	PVT_CHECK(result == 0x5afe, "guest returned %#llx",
		  static_cast<unsigned long long>(result));
	PVT_CHECK(a->clone_r == -1000 && a->execve_r == -1001 && a->exit_r == -1002 &&
		      a->exit_group_r == -1003,
		  "the guest got %ld %ld %ld %ld, want -1000 -1001 -1002 -1003", a->clone_r,
		  a->execve_r, a->exit_r, a->exit_group_r);
	PVT_CHECK(getpid() == pid, "pid changed");
	const std::string threads = threads_line();
	PVT_CHECK(threads == "Threads:\t1", "after the guest's clone: %s", threads.c_str());

	// run_in_guest without a handler: -ENOSYS each.
	*a = uo_args{};
	PVT_CHECK(guest_run(guest_user_only, a, "run_in_guest") == 0x5afe, "guest result");
	PVT_CHECK(a->clone_r == -ENOSYS && a->execve_r == -ENOSYS && a->exit_r == -ENOSYS &&
		      a->exit_group_r == -ENOSYS,
		  "without a handler the guest got %ld %ld %ld %ld, want -ENOSYS each", a->clone_r,
		  a->execve_r, a->exit_r, a->exit_group_r);

	// With a handler: what it returns.
	static long handled[4];
	static int calls;
	portvisor::run_options opts;
	opts.user_only = [](const pv_run& run) -> int64_t {
		if (calls < 4)
			handled[calls] = static_cast<long>(run.syscall.nr);
		calls++;
		return run.syscall.nr == static_cast<uint64_t>(SYS_clone) ? 4321 : -EPERM;
	};
	*a = uo_args{};
	PVT_CHECK(guest_run(guest_user_only, a, "run_in_guest with a handler", opts) == 0x5afe,
		  "guest result");
	PVT_CHECK(calls == 4, "the handler ran %d times, want 4", calls);
	for (int i = 0; i < 4; i++)
		PVT_CHECK(handled[i] == want[i].nr, "handler call %d saw nr %ld, want %ld", i,
			  handled[i], want[i].nr);
	PVT_CHECK(a->clone_r == 4321 && a->execve_r == -EPERM && a->exit_r == -EPERM &&
		      a->exit_group_r == -EPERM,
		  "with a handler the guest got %ld %ld %ld %ld", a->clone_r, a->execve_r,
		  a->exit_r, a->exit_group_r);

	release_and_expect_baseline(c, "after releasing the guest VM");
	end_vm_case(c);
	pass("clone, execve, exit, exit_group exit to user space as issued; process alive");
}
