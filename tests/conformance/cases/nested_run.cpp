// SPDX-License-Identifier: MIT
// A guest cannot drive portvisor from inside an exit handler: its ioctls of
// portvisor's type (PV_RUN on its own vCPU, or any other) leave the guest as
// PV_EXIT_SYSCALL / PV_SYSCALL_USER_ONLY instead of nesting a RUN in a RUN
// on one kernel stack. Another ioctl on its own vCPU fd fails at once with
// ENOTTY (no self-deadlock on the vCPU's lock).
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <sys/syscall.h>

#include "portvisor/guest_syscall.h"
#include "vm_case.h"

using namespace pvt;

namespace {

struct nested_args {
	long vcpu_fd;
	long run_r, version_r, foreign_r;
};

constexpr long foreign_cmd = 0x5401;  // TCGETS: not portvisor's

uint64_t guest_nested(void* arg)
{
	auto* a = static_cast<nested_args*>(arg);
	a->run_r = pv_syscall6(SYS_ioctl, a->vcpu_fd, PV_RUN, 0, 0, 0, 0);
	a->version_r = pv_syscall6(SYS_ioctl, a->vcpu_fd, PV_GET_API_VERSION, 0, 0, 0, 0);
	a->foreign_r = pv_syscall6(SYS_ioctl, a->vcpu_fd, foreign_cmd, 0, 0, 0, 0);
	return 0x600d;
}

}  // namespace

int main()
{
	vm_case c = begin_vm_case();
	auto* a = guest_object<nested_args>();
	a->vcpu_fd = guest_ctx().cpu().fd();
	const unsigned long cmds[] = {PV_RUN, PV_GET_API_VERSION};
	size_t seen = 0;
	const uint64_t result = run_answering_syscalls(guest_nested, a, [&](const pv_run& run) {
		PVT_CHECK(seen < 2, "a third syscall exit: nr %llu, cmd %#llx",
			  static_cast<unsigned long long>(run.syscall.nr),
			  static_cast<unsigned long long>(run.syscall.args[1]));
		PVT_CHECK(
		    run.syscall.why == PV_SYSCALL_USER_ONLY && run.syscall.nr == SYS_ioctl &&
			run.syscall.args[0] == static_cast<uint64_t>(a->vcpu_fd) &&
			run.syscall.args[1] == cmds[seen],
		    "exit %zu: why %u nr %llu args %#llx %#llx, want user-only ioctl(%ld, %#lx)",
		    seen, run.syscall.why, static_cast<unsigned long long>(run.syscall.nr),
		    static_cast<unsigned long long>(run.syscall.args[0]),
		    static_cast<unsigned long long>(run.syscall.args[1]), a->vcpu_fd, cmds[seen]);
		seen++;
		return int64_t{-EBUSY};
	});
	PVT_CHECK(seen == 2, "%zu portvisor ioctls left the guest, want 2", seen);
	PVT_CHECK(result == 0x600d, "guest returned %#llx",
		  static_cast<unsigned long long>(result));
	PVT_CHECK(a->run_r == -EBUSY && a->version_r == -EBUSY,
		  "the guest got %ld and %ld, want what user space answered (-EBUSY)", a->run_r,
		  a->version_r);
	PVT_CHECK(a->foreign_r == -ENOTTY,
		  "a foreign ioctl on the vCPU fd from the guest: %ld, want -ENOTTY", a->foreign_r);
	end_vm_case(c);
	pass("PV_RUN and PV_GET_API_VERSION from the guest exit to user space; a foreign ioctl on "
	     "the vCPU fd gets -ENOTTY at once");
}
