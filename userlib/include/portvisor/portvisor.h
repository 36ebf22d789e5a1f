/* SPDX-License-Identifier: MIT */
/*
 * portvisor user library, C API. Every call returns 0 (or a non-negative
 * value) on success and -errno on failure; pv_strerror() explains the errno
 * in the context of portvisor.
 */
#ifndef PORTVISOR_USERLIB_H
#define PORTVISOR_USERLIB_H

#include <stdint.h>

#include "uapi/portvisor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Opens /dev/portvisor (O_RDWR | O_CLOEXEC). Returns an fd or -errno. */
int pv_open(void);
/* PV_GET_API_VERSION: the module's API version, or -errno. */
int pv_api_version(int dev_fd);
/* PV_GET_CAPABILITIES into *caps (its .size is set here). 0 or -errno. */
int pv_get_capabilities(int dev_fd, struct pv_capabilities *caps);
/* PV_GET_STATS into *stats. 0 or -errno. */
int pv_get_stats(int dev_fd, struct pv_module_stats *stats);
/* A sentence for an errno a portvisor call returned (positive or negative). */
const char *pv_strerror(int err);

/* ---- VMs and vCPUs (docs/abi.md "VMs and vCPUs") ------------------------ */

/* PV_CREATE_VM with flags PV_VM_*: a VM fd (O_CLOEXEC), or -errno. */
int pv_create_vm(int dev_fd, unsigned int flags);
/* PV_SET_MEMORY_REGION (not on PV_VM_MIRROR VMs). 0 or -errno. */
int pv_set_memory_region(int vm_fd, const struct pv_memory_region *region);
/* PV_SET_ALLOW_LIST: the syscall numbers the guest may run directly;
 * count 0 removes the list. 0 or -errno. */
int pv_set_allow_list(int vm_fd, const uint32_t *nrs, uint32_t count);
/* PV_CREATE_VCPU with id 0 .. PV_MAX_VCPUS - 1: a vCPU fd, or -errno. */
int pv_create_vcpu(int vm_fd, unsigned int id);
/* Maps the vCPU's run page (PV_RUN_PAGE_SIZE bytes, read-only, offset 0).
 * Returns it, or NULL with errno set. pv_unmap_run() unmaps it. */
const struct pv_run *pv_map_run(int vcpu_fd);
void pv_unmap_run(const struct pv_run *run);
/* PV_RUN: 0 with the run page filled, or -errno. -EINTR: a signal is
 * pending for this thread (exit_reason PV_EXIT_INTERRUPTED); its handler has
 * run when this returns, and RUN may be called again. (Not named pv_run:
 * in C++ a function of that name would hide struct pv_run.) */
int pv_vcpu_run(int vcpu_fd);
/* PV_RUN_WITH_RESULT: value into the guest's return register (rax) as the
 * answer to the PV_EXIT_SYSCALL or PV_EXIT_HYPERCALL the last run ended
 * with, then as pv_vcpu_run(). -ENOMSG when no such exit awaits one. */
int pv_vcpu_run_with_result(int vcpu_fd, int64_t value);
/* PV_GET_REGS / PV_SET_REGS / PV_GET_SREGS / PV_SET_SREGS (x86_64 layouts).
 * 0 or -errno. */
int pv_get_regs(int vcpu_fd, struct pv_regs_x86_64 *regs);
int pv_set_regs(int vcpu_fd, const struct pv_regs_x86_64 *regs);
int pv_get_sregs(int vcpu_fd, struct pv_sregs_x86_64 *sregs);
int pv_set_sregs(int vcpu_fd, const struct pv_sregs_x86_64 *sregs);
/* "hypercall", "syscall", ... for enum pv_exit_reason; "unknown" otherwise. */
const char *pv_exit_reason_name(unsigned int reason);
/* "user-only", "not-allowed", "seccomp", "no-filter" for enum
 * pv_syscall_exit_why; "unknown" otherwise. */
const char *pv_syscall_why_name(unsigned int why);

/* Runs fn(arg) in guest ring 0 on this thread's vCPU of the process's VM
 * (created on first use: a mirror VM, or a windowed one on CPUs with fewer
 * than 47 guest-physical address bits) and stores its return value in
 * *result.
 * 0 or -errno; pv_last_error() then says what failed. See
 * portvisor/guest.hpp for what the guest may do; syscalls from the guest use
 * portvisor/guest_syscall.h. Syscalls the kernel hands to user space run
 * natively, except the PV_SYSCALL_USER_ONLY ones (clone, execve, exit, ...),
 * which return -ENOSYS to the guest. */
int pv_run_in_guest(uint64_t (*fn)(void *), void *arg, uint64_t *result);
/* The message of the last pv_run_in_guest() that failed on this thread. */
const char *pv_last_error(void);

#ifdef __cplusplus
}
#endif

#endif
