// SPDX-License-Identifier: MIT
// getpid, gettid and getppid made from guest ring 0 answer what the same
// calls answer natively, and they ran in the kernel's exit handler: the
// vCPU's stat_direct_syscalls counted them (a call handed to user space
// and run there would not be counted). A 64-bit return value of the guest
// function comes back whole. The VM is a mirror one where the CPU allows,
// a windowed one elsewhere.
#include <cstdint>
#include <sys/syscall.h>
#include <unistd.h>

#include "portvisor/guest.hpp"
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

	// The VM run_in_guest chose: mirror where the CPU's guest-physical
	// width allows, windowed elsewhere; either way the guest reached *r at
	// a guest-physical address that leads back to it, below the CPU's width.
	auto info = portvisor::guest_vm_info();
	PVT_CHECK(info.ok(), "guest_vm_info: %s", info.err().message.c_str());
	const portvisor::guest_info& gi = info.value();
	PVT_CHECK(gi.windowed == !mirror_vms_possible(c.caps),
		  "run_in_guest made a %s VM on a CPU with %u-bit guest-physical addresses",
		  gi.windowed ? "windowed" : "mirror", c.caps.guest_phys_bits);
	const auto r_addr = reinterpret_cast<uintptr_t>(r);
	const auto r_gpa = portvisor::host_virt_to_guest_phys(r_addr);
	PVT_CHECK(r_gpa.has_value(), "no guest-physical address for %#lx, which the guest wrote",
		  static_cast<unsigned long>(r_addr));
	PVT_CHECK(portvisor::guest_phys_to_host_virt(*r_gpa) == r_addr,
		  "guest-physical %#llx of %#lx does not lead back to it",
		  static_cast<unsigned long long>(*r_gpa), static_cast<unsigned long>(r_addr));
	if (gi.windowed) {
		PVT_CHECK(gi.windows >= 1 && gi.windows <= gi.max_windows &&
			      gi.max_windows <= PV_MAX_MEMORY_SLOTS,
			  "windowed VM: %u windows in use of %u", gi.windows, gi.max_windows);
		PVT_CHECK(*r_gpa < (1ULL << c.caps.guest_phys_bits),
			  "guest-physical %#llx is beyond the CPU's %u bits",
			  static_cast<unsigned long long>(*r_gpa), c.caps.guest_phys_bits);
		note("windowed VM: %u of %u 1 GiB windows in use; %#lx is guest-physical %#llx",
		     gi.windows, gi.max_windows, static_cast<unsigned long>(r_addr),
		     static_cast<unsigned long long>(*r_gpa));
	} else {
		PVT_CHECK(*r_gpa == r_addr, "mirror VM: guest-physical %#llx for %#lx",
			  static_cast<unsigned long long>(*r_gpa),
			  static_cast<unsigned long>(r_addr));
	}

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
