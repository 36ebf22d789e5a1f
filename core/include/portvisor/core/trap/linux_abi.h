// SPDX-License-Identifier: GPL-2.0
// Linux ABI numbers the direct-syscall trap decides with, as data, each with
// the Linux 6.1 file it comes from. They are the same on x86_64 and arm64.
// The per-arch syscall numbers are in syscalls_x86_64.h and syscalls_arm64.h.
#pragma once

#include "portvisor/core/types.h"

namespace pv::trap::linux_abi {

// --- errno values (include/uapi/asm-generic/errno-base.h, errno.h) ----------
inline constexpr int64_t eperm = 1;
inline constexpr int64_t eintr = 4;
inline constexpr int64_t enosys = 38;

// --- kernel-internal restart codes (include/linux/errno.h) -------------------
// A syscall returns one of these when a signal interrupted it; the return
// to user space turns it into -EINTR or a restart (arch/*/kernel/signal.c).
// User space never sees them.
inline constexpr int64_t erestartsys = 512;
inline constexpr int64_t erestartnointr = 513;
inline constexpr int64_t erestartnohand = 514;
inline constexpr int64_t enoioctlcmd = 515;  // not a restart code
inline constexpr int64_t erestart_restartblock = 516;

// --- include/linux/err.h -----------------------------------------------------
inline constexpr u32 max_errno = 4095;

// --- include/uapi/linux/seccomp.h ----------------------------------------------
// A filter returns action | data. The action is the upper 16 bits, ordered
// from least to most permissive as a signed 32-bit value (KILL_PROCESS is
// the most negative); the data is the lower 16 bits.
inline constexpr u32 seccomp_ret_kill_process = 0x80000000U;
inline constexpr u32 seccomp_ret_kill_thread = 0x00000000U;
inline constexpr u32 seccomp_ret_trap = 0x00030000U;
inline constexpr u32 seccomp_ret_errno = 0x00050000U;
inline constexpr u32 seccomp_ret_user_notif = 0x7fc00000U;
inline constexpr u32 seccomp_ret_trace = 0x7ff00000U;
inline constexpr u32 seccomp_ret_log = 0x7ffc0000U;
inline constexpr u32 seccomp_ret_allow = 0x7fff0000U;
inline constexpr u32 seccomp_ret_action_full = 0xffff0000U;
inline constexpr u32 seccomp_ret_data = 0x0000ffffU;

// --- include/uapi/linux/audit.h (seccomp_data.arch, si_arch) -----------------
// EM_* | __AUDIT_ARCH_64BIT (0x80000000) | __AUDIT_ARCH_LE (0x40000000).
inline constexpr u32 audit_arch_x86_64 = 0xC000003EU;   // EM_X86_64 = 62
inline constexpr u32 audit_arch_aarch64 = 0xC00000B7U;  // EM_AARCH64 = 183

}  // namespace pv::trap::linux_abi
