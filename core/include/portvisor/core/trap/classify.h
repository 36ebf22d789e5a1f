// SPDX-License-Identifier: GPL-2.0
// Which syscalls the trap runs directly, hands to user space or denies: the
// per-arch tables (syscalls_x86_64.h, syscalls_arm64.h) compiled into one
// byte per number, and the per-VM allow-list on top of them.
#pragma once

#include "portvisor/core/trap/syscalls_arm64.h"
#include "portvisor/core/trap/syscalls_x86_64.h"
#include "portvisor/platform.h"

namespace pv::trap {

// One class per number below N, built at compile time (constant-initialized:
// no static constructor in the module).
template <u32 N> struct class_table {
	u8 cls[N];
};

template <u32 N, size_t R, size_t G>
[[nodiscard]] constexpr class_table<N> build_class_table(const syscall_rule (&rules)[R],
							 const syscall_range (&unassigned)[G])
{
	class_table<N> t{};
	for (u32 nr = 0; nr < N; nr++)
		t.cls[nr] = u8(syscall_class::direct);
	for (const syscall_range& r : unassigned)
		for (u32 nr = r.first; nr <= r.last && nr < N; nr++)
			t.cls[nr] = u8(syscall_class::deny);
	for (const syscall_rule& r : rules)
		if (r.nr < N)
			t.cls[r.nr] = u8(r.cls);
	return t;
}

inline constexpr class_table<x86_64::nr_syscalls> x86_64_classes =
    build_class_table<x86_64::nr_syscalls>(x86_64::rules, x86_64::unassigned);
inline constexpr class_table<arm64::nr_syscalls> arm64_classes =
    build_class_table<arm64::nr_syscalls>(arm64::rules, arm64::unassigned);

// The class of syscall `nr` (the low 32 bits of the number register, as the
// native entry reads it: an int). Beyond the 6.1 tables:
//   - negative numbers (>= 0x80000000) are never syscalls: deny (-ENOSYS);
//   - others (x32's 0x40000000 | n, numbers a later kernel assigned) go to
//     user space, whose native call knows what this kernel makes of them.
// Hypercall numbers (hypercall.h) never get here.
[[nodiscard]] constexpr syscall_class classify(syscall_arch arch, u32 nr)
{
	if (nr >= 0x80000000U)
		return syscall_class::deny;
	switch (arch) {
	case syscall_arch::x86_64:
		if (nr < x86_64::nr_syscalls)
			return syscall_class(x86_64_classes.cls[nr]);
		break;
	case syscall_arch::arm64:
		if (nr < arm64::nr_syscalls)
			return syscall_class(arm64_classes.cls[nr]);
		break;
	}
	return syscall_class::user;
}

[[nodiscard]] constexpr u32 audit_arch(syscall_arch arch)
{
	return arch == syscall_arch::arm64 ? arm64::audit_arch : x86_64::audit_arch;
}

// ioctl of portvisor's own type byte (uapi PV_IOCTL_TYPE, 0xB7): a guest may
// not drive portvisor from inside an exit handler (a RUN nested in a RUN
// would stack exit handlers on one kernel stack, and the vCPU's lock is
// held), so these go to user space like the `user` class.
inline constexpr u32 portvisor_ioctl_type = 0xB7;

[[nodiscard]] constexpr bool is_portvisor_ioctl(syscall_arch arch, u32 nr, u64 cmd)
{
	const u32 ioctl_nr = arch == syscall_arch::arm64 ? arm64::nr_ioctl : x86_64::nr_ioctl;
	return nr == ioctl_nr && ((cmd >> 8) & 0xff) == portvisor_ioctl_type;
}

[[nodiscard]] constexpr u32 restart_syscall_nr(syscall_arch arch)
{
	return arch == syscall_arch::arm64 ? arm64::nr_restart_syscall : x86_64::nr_restart_syscall;
}

// The per-VM allow-list, a bitmap of syscall numbers set from user space.
//   not set (the default): every syscall that is not handed to user space
//     by its class may run directly (after seccomp);
//   set: a syscall whose bit is clear (or whose number is beyond the bitmap)
//     is handed to user space with PV_SYSCALL_NOT_ALLOWED, before seccomp.
// It never widens anything: `user` syscalls go to user space either way.
struct syscall_allow_list {
	static constexpr u32 capacity = 512;  // bits; covers both 6.1 tables
	static constexpr u32 words_count = capacity / 64;

	bool active = false;
	u64 words[words_count] = {};

	[[nodiscard]] constexpr bool permits(u32 nr) const
	{
		if (!active)
			return true;
		return nr < capacity && ((words[nr / 64] >> (nr % 64)) & 1U) != 0;
	}
	// Sets the list from user space's bitmap of `count` 64-bit words (bit n
	// of word w is syscall 64 * w + n); words beyond `count` are clear.
	// 0, or -PV_E2BIG when the bitmap is longer than the list (nothing changes).
	[[nodiscard]] constexpr int assign(const u64* bitmap, u32 count)
	{
		if (count > words_count)
			return -PV_E2BIG;
		for (u32 w = 0; w < words_count; w++)
			words[w] = w < count ? bitmap[w] : 0;
		active = true;
		return 0;
	}
	// Allows one more number; makes the list active (with only the bits set so far).
	constexpr void add(u32 nr)
	{
		active = true;
		if (nr < capacity)
			words[nr / 64] |= 1ULL << (nr % 64);
	}
	// Back to "not set".
	constexpr void clear()
	{
		active = false;
		for (u64& w : words)
			w = 0;
	}
};

}  // namespace pv::trap
