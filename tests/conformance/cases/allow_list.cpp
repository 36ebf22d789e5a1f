// SPDX-License-Identifier: MIT
// The VM's allow-list decides what runs in the exit handler: with the list
// {getpid}, a guest getpid runs directly (stat_direct_syscalls grows) while
// a guest gettid exits to user space as PV_EXIT_SYSCALL with why
// PV_SYSCALL_NOT_ALLOWED, its number and arguments, and through
// run_in_guest still returns the right value (run natively). The list is
// taken only before the VM's first vCPU (EBUSY after); a new VM without a
// list runs gettid directly again.
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <sys/syscall.h>
#include <unistd.h>

#include "portvisor/guest_syscall.h"
#include "vm_case.h"

using namespace pvt;

namespace {

uint64_t guest_getpid(void*) { return static_cast<uint64_t>(pv_syscall0(SYS_getpid)); }
uint64_t guest_gettid(void*)
{
	return static_cast<uint64_t>(pv_syscall3(SYS_gettid, 0x61, 0x62, 0x63));
}

portvisor::vm& guest_vm()
{
	auto v = portvisor::guest_vm();
	PVT_CHECK(v.ok(), "%s", v.err().message.c_str());
	return *v.value();
}

void set_list(std::span<const uint32_t> nrs)
{
	auto s = guest_vm().set_allow_list(nrs);
	PVT_CHECK(s.ok(), "%s", s.err().message.c_str());
}

}  // namespace

int main()
{
	vm_case c = begin_vm_case();
	const uint32_t only_getpid[] = {SYS_getpid};
	set_list(only_getpid);
	const pv_run& run = guest_ctx().run_page();

	uint64_t before = run.stat_direct_syscalls;
	PVT_CHECK(static_cast<long>(guest_run(guest_getpid, nullptr, "getpid")) == getpid(),
		  "guest getpid wrong");
	PVT_CHECK(run.stat_direct_syscalls - before == 1,
		  "getpid is on the allow-list but stat_direct_syscalls grew by %llu",
		  static_cast<unsigned long long>(run.stat_direct_syscalls - before));

	// Low level: the gettid exit as it is.
	portvisor::guest_context& ctx = guest_ctx();
	auto p = ctx.prepare(guest_gettid, nullptr);
	PVT_CHECK(p.ok(), "%s", p.err().message.c_str());
	bool saw_exit = false;
	uint64_t result = 0;
	before = run.stat_direct_syscalls;
	for (;;) {
		auto r = ctx.cpu().run();
		if (!r.ok() && r.err().err == EINTR)
			continue;
		PVT_CHECK(r.ok(), "%s", r.err().message.c_str());
		if (run.exit_reason == PV_EXIT_SYSCALL) {
			PVT_CHECK(!saw_exit, "a second syscall exit (nr %llu)",
				  static_cast<unsigned long long>(run.syscall.nr));
			PVT_CHECK(run.syscall.why == PV_SYSCALL_NOT_ALLOWED,
				  "gettid exited with why %u (%s), want not-allowed",
				  run.syscall.why, pv_syscall_why_name(run.syscall.why));
			PVT_CHECK(run.syscall.nr == static_cast<uint64_t>(SYS_gettid) &&
				      run.syscall.args[0] == 0x61 && run.syscall.args[1] == 0x62 &&
				      run.syscall.args[2] == 0x63,
				  "exit nr %llu args %#llx %#llx %#llx, want gettid 0x61 0x62 0x63",
				  static_cast<unsigned long long>(run.syscall.nr),
				  static_cast<unsigned long long>(run.syscall.args[0]),
				  static_cast<unsigned long long>(run.syscall.args[1]),
				  static_cast<unsigned long long>(run.syscall.args[2]));
			saw_exit = true;
			// Registers set since the exit cancel its pending answer:
			// PV_RUN_WITH_RESULT is refused, nothing changes.
			auto g = ctx.cpu().regs();
			PVT_CHECK(g.ok(), "%s", g.err().message.c_str());
			auto s = ctx.cpu().set_regs(g.value());
			PVT_CHECK(s.ok(), "%s", s.err().message.c_str());
			auto w = ctx.cpu().run_with_result(1);
			PVT_CHECK(!w.ok() && w.err().err == ENOMSG,
				  "PV_RUN_WITH_RESULT after PV_SET_REGS: %s, want ENOMSG",
				  w.ok() ? "ran" : w.err().message.c_str());
		}
		// The library's handling: runs gettid natively, maps regions.
		auto h = ctx.handle_exit(0);
		PVT_CHECK(h.ok(), "%s", h.err().message.c_str());
		if (h.value().done) {
			result = h.value().value;
			break;
		}
	}
	PVT_CHECK(saw_exit, "gettid is not on the allow-list but did not exit to user space");
	PVT_CHECK(static_cast<long>(result) == gettid(), "gettid through user space: %ld, want %d",
		  static_cast<long>(result), gettid());
	PVT_CHECK(run.stat_direct_syscalls == before,
		  "gettid is not on the allow-list but stat_direct_syscalls grew by %llu",
		  static_cast<unsigned long long>(run.stat_direct_syscalls - before));

	// run_in_guest answers it natively.
	PVT_CHECK(static_cast<long>(guest_run(guest_gettid, nullptr, "gettid")) == gettid(),
		  "run_in_guest gettid wrong");

	// The list cannot change once the VM has a vCPU.
	auto busy = guest_vm().set_allow_list({});
	PVT_CHECK(!busy.ok() && busy.err().err == EBUSY,
		  "PV_SET_ALLOW_LIST on a VM with a vCPU: %s, want EBUSY",
		  busy.ok() ? "succeeded" : busy.err().message.c_str());

	// A new VM without a list: gettid is direct again.
	auto rel = portvisor::release_guest_vm();
	PVT_CHECK(rel.ok(), "%s", rel.err().message.c_str());
	const pv_run& run2 = guest_ctx().run_page();
	before = run2.stat_direct_syscalls;
	PVT_CHECK(static_cast<long>(guest_run(guest_gettid, nullptr, "gettid (no list)")) ==
		      gettid(),
		  "gettid wrong after removing the list");
	PVT_CHECK(run2.stat_direct_syscalls - before == 1,
		  "without an allow-list gettid did not run directly (grew by %llu)",
		  static_cast<unsigned long long>(run2.stat_direct_syscalls - before));

	release_and_expect_baseline(c, "after releasing the guest VM");
	end_vm_case(c);
	pass("allow-list {getpid}: getpid direct, gettid via user space (not-allowed), right "
	     "values both ways");
}
