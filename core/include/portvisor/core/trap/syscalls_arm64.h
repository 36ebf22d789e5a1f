// SPDX-License-Identifier: GPL-2.0
// arm64 (AArch64) system calls of Linux 6.1: the generic numbering of
// include/uapi/asm-generic/unistd.h with arm64's __ARCH_WANT_RENAMEAT,
// NEW_STAT, SET_GET_RLIMIT, TIME32_SYSCALLS, SYS_CLONE3 and MEMFD_SECRET
// (arch/arm64/include/uapi/asm/unistd.h), dispatched by
// arch/arm64/kernel/sys.c; and what the direct-syscall trap does with those
// it does not run directly. Every number below nr_syscalls that is not
// listed here, nor in `unassigned`, is run directly. arm64 has no fork,
// vfork, arch_prctl nor modify_ldt.
#pragma once

#include "portvisor/core/trap/linux_abi.h"
#include "portvisor/core/trap/syscall_class.h"

namespace pv::trap::arm64 {

inline constexpr u32 audit_arch = linux_abi::audit_arch_aarch64;
// __NR_syscalls: 450 (set_mempolicy_home_node) is the last 6.1 entry.
inline constexpr u32 nr_syscalls = 451;

// Numbers the trap itself uses.
inline constexpr u32 nr_getpid = 172;
inline constexpr u32 nr_ioctl = 29;
inline constexpr u32 nr_restart_syscall = 128;  // setup_restart_syscall()

inline constexpr syscall_rule rules[] = {
    // --- handed to user space -----------------------------------------
    // As do_exit() never returns, the vCPU would die loaded.
    {93, syscall_class::user, "exit"},
    {94, syscall_class::user, "exit_group"},
    // restart_syscall (128) is run directly: see syscalls_x86_64.h.
    // Compares with the user stack pointer of the trap frame (sp_el0 of
    // the VMM thread): do_sigaltstack(current_user_stack_pointer()).
    {132, syscall_class::user, "sigaltstack"},
    // Restores the registers from the frame at the VMM thread's sp.
    {139, syscall_class::user, "rt_sigreturn"},
    // Options that rewrite the calling thread's register context, which
    // holds the guest's while it runs: PR_SVE_SET_VL / PR_SME_SET_VL
    // (FP/SVE state), PR_PAC_RESET_KEYS (pointer authentication keys),
    // PR_SET_TAGGED_ADDR_CTRL (MTE fault mode, TCO).
    {167, syscall_class::user, "prctl"},
    // copy_thread() copies the caller's trap frame; the child returns to
    // the VMM's user pc.
    {220, syscall_class::user, "clone"},
    // start_thread() rewrites the trap frame of a thread whose vCPU is loaded.
    {221, syscall_class::user, "execve"},
    {281, syscall_class::user, "execveat"},
    // The abort fixup rewrites the trap frame's pc (rseq_ip_fixup): the VMM's.
    {293, syscall_class::user, "rseq"},
    {435, syscall_class::user, "clone3"},

    // --- not system calls in 6.1: -ENOSYS -------------------------------
    {42, syscall_class::deny, "nfsservctl"},  // __SYSCALL(__NR_nfsservctl, sys_ni_syscall)
};

inline constexpr syscall_range unassigned[] = {
    {244, 259},  // __NR_arch_specific_syscall + 0..15: arm64 defines none
    {295, 402},  // not allocated in asm-generic/unistd.h
    {403, 423},  // time64 variants, 32-bit ABIs only (__BITS_PER_LONG == 32)
};

// pkey_alloc (289) is run directly: arm64 has no protection keys in 6.1, so
// the call fails without touching a register (x86_64's writes PKRU).

}  // namespace pv::trap::arm64
