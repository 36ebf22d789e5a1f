// SPDX-License-Identifier: MIT
// getpid, gettid and getppid made from guest ring 0 answer what the same
// calls answer natively, and they ran in the kernel's exit handler: the
// vCPU's stat_direct_syscalls counted them (a call handed to user space
// and run there would not be counted). A 64-bit return value of the guest
// function comes back whole.
#include <cstdint>
#include <sys/syscall.h>
#include <unistd.h>

#include "portvisor/guest_syscall.h"
#include "vm_case.h"

using namespace pvt;

namespace {

struct ids {
	long pid, tid, ppid;
};

uint64_t guest_ids(void* arg)
{
	auto* r = static_cast<ids*>(arg);
	r->pid = pv_syscall0(SYS_getpid);
	r->tid = pv_syscall0(SYS_gettid);
	r->ppid = pv_syscall0(SYS_getppid);
	return 0xfeedface12345678ULL;
}

uint64_t guest_loop(void* arg)
{
	const long want = *static_cast<long*>(arg);
	uint64_t wrong = 0;
	for (int i = 0; i < 100; i++)
		if (pv_syscall0(SYS_getpid) != want)
			wrong++;
	return wrong;
}

}  // namespace

int main()
{
	vm_case c = begin_vm_case();
	auto* r = guest_object<ids>();
	const pv_run& run = guest_ctx().run_page();
	const uint64_t direct_before = run.stat_direct_syscalls;
	const uint64_t entries_before = run.stat_entries;

	const uint64_t v = guest_run(guest_ids, r, "getpid/gettid/getppid");
	PVT_CHECK(v == 0xfeedface12345678ULL,
		  "the guest function returned %#llx, want "
		  "0xfeedface12345678",
		  static_cast<unsigned long long>(v));
	PVT_CHECK(r->pid == getpid(), "guest getpid = %ld, native %d", r->pid, getpid());
	PVT_CHECK(r->tid == gettid(), "guest gettid = %ld, native %d", r->tid, gettid());
	PVT_CHECK(r->ppid == getppid(), "guest getppid = %ld, native %d", r->ppid, getppid());
	const uint64_t direct = run.stat_direct_syscalls - direct_before;
	note("first run: %llu direct syscalls, %llu VM entries, %llu stage-2 faults, %llu user "
	     "exits in total",
	     static_cast<unsigned long long>(direct),
	     static_cast<unsigned long long>(run.stat_entries - entries_before),
	     static_cast<unsigned long long>(run.stat_stage2_faults),
	     static_cast<unsigned long long>(run.stat_user_exits));
	PVT_CHECK(direct == 3,
		  "stat_direct_syscalls grew by %llu for 3 guest syscalls: they did not all run "
		  "in the exit handler",
		  static_cast<unsigned long long>(direct));

	auto* pid = guest_object<long>();
	*pid = getpid();
	const uint64_t before = run.stat_direct_syscalls;
	const uint64_t exits_before = run.stat_user_exits;
	const uint64_t wrong = guest_run(guest_loop, pid, "100 getpid");
	PVT_CHECK(wrong == 0, "%llu of 100 guest getpid calls were wrong",
		  static_cast<unsigned long long>(wrong));
	PVT_CHECK(run.stat_direct_syscalls - before == 100,
		  "100 guest getpid calls, stat_direct_syscalls grew by %llu",
		  static_cast<unsigned long long>(run.stat_direct_syscalls - before));
	note("100 getpid: %llu returns to user space",
	     static_cast<unsigned long long>(run.stat_user_exits - exits_before));

	release_and_expect_baseline(c, "after releasing the guest VM");
	end_vm_case(c);
	pass("getpid %ld, gettid %ld, getppid %ld from the guest, all 103 calls direct", r->pid,
	     r->tid, r->ppid);
}
