// SPDX-License-Identifier: GPL-2.0
// The vocabulary of the per-arch syscall tables (syscalls_x86_64.h,
// syscalls_arm64.h): which ABI, and what the trap does with a number.
#pragma once

#include "portvisor/core/types.h"

namespace pv::trap {

// The syscall ABI a hypercall follows: VMX and SVM guests use x86_64's,
// arm64 VHE guests AArch64's (AArch32 guests are not supported).
enum class syscall_arch : u32 { x86_64 = 0, arm64 = 1 };

enum class syscall_class : u8 {
	// Run from the exit handler through the host's syscall table, after
	// the task's seccomp filters, then resume the guest.
	direct = 0,
	// Handed to user space (PV_EXIT_SYSCALL, PV_SYSCALL_USER_ONLY), which
	// issues it natively: the call needs the calling thread's own user
	// context (trap frame, stack pointer, register state the backend holds
	// for the guest) or its life cycle, or the 6.1 table does not know it.
	// The native call runs seccomp; the trap does not, so filters see the
	// call exactly once.
	user = 1,
	// Not a system call of this ABI in Linux 6.1 (no entry point, or
	// sys_ni_syscall): after the seccomp filters, as natively, the result
	// is -ENOSYS and nothing runs.
	deny = 2,
};

// One number of a table that is not `direct`; `name` is the table's name.
struct syscall_rule {
	u32 nr;
	syscall_class cls;
	const char* name;
};

// Numbers first..last (inclusive) that the table leaves unassigned.
struct syscall_range {
	u32 first, last;
};

}  // namespace pv::trap
