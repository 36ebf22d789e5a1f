// SPDX-License-Identifier: GPL-2.0
// x86_64 system calls of Linux 6.1 (arch/x86/entry/syscalls/syscall_64.tbl,
// the "common" and "64" ABIs; the x32 entries 512..547 are reachable only
// with __X32_SYSCALL_BIT set) and what the direct-syscall trap does with
// those it does not run directly. Every number below nr_syscalls that is
// not listed here, nor in `unassigned`, is run directly.
#pragma once

#include "portvisor/core/trap/linux_abi.h"
#include "portvisor/core/trap/syscall_class.h"

namespace pv::trap::x86_64 {

inline constexpr u32 audit_arch = linux_abi::audit_arch_x86_64;
// __NR_syscalls: 450 (set_mempolicy_home_node) is the last 6.1 entry.
inline constexpr u32 nr_syscalls = 451;
// arch/x86/include/uapi/asm/unistd.h: x32 calls are 0x40000000 | n.
inline constexpr u32 x32_syscall_bit = 0x40000000U;

// Numbers the trap itself uses.
inline constexpr u32 nr_getpid = 39;
inline constexpr u32 nr_ioctl = 16;
inline constexpr u32 nr_restart_syscall = 219;  // restart after -ERESTART_RESTARTBLOCK

inline constexpr syscall_rule rules[] = {
    // --- handed to user space -----------------------------------------
    // Restores the registers from the signal frame at the user stack
    // pointer of the trap frame: the VMM thread's, not the guest's.
    {15, syscall_class::user, "rt_sigreturn"},
    // The child copies the caller's trap frame (copy_thread) and returns
    // to the VMM's user instruction pointer; the vCPU stays with the parent.
    {56, syscall_class::user, "clone"},
    {57, syscall_class::user, "fork"},
    {58, syscall_class::user, "vfork"},
    // Replaces the image and rewrites the trap frame (start_thread) under
    // a vCPU that is still loaded.
    {59, syscall_class::user, "execve"},
    // do_exit() never returns: the vCPU would die loaded, with its
    // preemption notifier and hardware state still in place.
    {60, syscall_class::user, "exit"},
    // do_sigaltstack() compares with current_user_stack_pointer(), the
    // VMM thread's stack pointer (on_sig_stack -> EPERM).
    {131, syscall_class::user, "sigaltstack"},
    // install_ldt() reloads LDTR on this CPU (load_mm_ldt), while the
    // backend owns the host segment state between VM exit and the return
    // to user space (VM exit zeroes LDTR); it must run after vcpu_put.
    {154, syscall_class::user, "modify_ldt"},
    // Options that change the calling thread's CPU context at once, which
    // the backend saved for the host at VM entry: PR_SET_TSC (CR4.TSD),
    // PR_SET_SPECULATION_CTRL (SPEC_CTRL MSR).
    {157, syscall_class::user, "prctl"},
    // ARCH_SET_FS/GS write MSR_FS_BASE / MSR_KERNEL_GS_BASE now, below the
    // VMCS/VMCB host state that restores the old bases at the next exit;
    // ARCH_SET_CPUID toggles CPUID faulting; ARCH_REQ_XCOMP_PERM changes the
    // thread's xstate, which holds the guest's while it runs.
    {158, syscall_class::user, "arch_prctl"},
    // As exit (60), for the whole thread group.
    {231, syscall_class::user, "exit_group"},
    // As execve (59).
    {322, syscall_class::user, "execveat"},
    // Writes PKRU (arch_set_user_pkey_access -> write_pkru), part of the
    // thread's xstate, which holds the guest's PKRU while it runs.
    {330, syscall_class::user, "pkey_alloc"},
    // Registers a critical section whose abort fixup rewrites the trap
    // frame's instruction pointer on the return to user space
    // (rseq_ip_fixup): the VMM's, never the guest's.
    {334, syscall_class::user, "rseq"},
    // As clone (56).
    {435, syscall_class::user, "clone3"},

    // --- not system calls in 6.1: -ENOSYS (no entry point in the table) --
    {134, syscall_class::deny, "uselib"},
    {156, syscall_class::deny, "_sysctl"},  // sys_ni_syscall since 5.5
    {174, syscall_class::deny, "create_module"},
    {177, syscall_class::deny, "get_kernel_syms"},
    {178, syscall_class::deny, "query_module"},
    {180, syscall_class::deny, "nfsservctl"},
    {181, syscall_class::deny, "getpmsg"},
    {182, syscall_class::deny, "putpmsg"},
    {183, syscall_class::deny, "afs_syscall"},
    {184, syscall_class::deny, "tuxcall"},
    {185, syscall_class::deny, "security"},
    {205, syscall_class::deny, "set_thread_area"},  // 32-bit only
    {211, syscall_class::deny, "get_thread_area"},  // 32-bit only
    {214, syscall_class::deny, "epoll_ctl_old"},
    {215, syscall_class::deny, "epoll_wait_old"},
    {236, syscall_class::deny, "vserver"},
};

// 335..423 have no entry: numbers from 424 on are shared by every arch.
inline constexpr syscall_range unassigned[] = {{335, 423}};

// Run directly although they change per-thread state, with the reason:
//   iopl (172), ioperm (173): only the thread's I/O bitmap, which the kernel
//     installs in the TSS on the return to user space (tss_update_io_bitmap);
//     guest port I/O is governed by the VMCS/VMCB bitmaps. No trap frame.
//   rt_sigaction, rt_sigprocmask, rt_sigsuspend, pause, ppoll, pselect6,
//     epoll_pwait(2): signal state of the task, the same whichever path
//     runs them; a saved sigmask is restored on the way to user space, which
//     the trap takes whenever a signal is pending (see restart.h).
//   restart_syscall (219): runs current->restart_block, which the
//     interrupted direct syscall left on the same task.

}  // namespace pv::trap::x86_64
