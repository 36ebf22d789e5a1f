/* SPDX-License-Identifier: GPL-2.0 */
/* What platform.c offers the rest of the C shim (not the C++ core). */
#ifndef PORTVISOR_PLATFORM_INTERNAL_H
#define PORTVISOR_PLATFORM_INTERNAL_H

#include <linux/types.h>

/* Logs the allocation counters; true when nothing is outstanding. */
bool pv_platform_report_outstanding(const char *when);

/* Finds the kernel's syscall dispatcher (direct_syscall.c). */
int pv_platform_syscalls_init(void);

/* PV_CREATE_VM on /dev/portvisor (vm.c): a VM fd or -errno. */
long pv_vm_create(unsigned long arg);

#endif
