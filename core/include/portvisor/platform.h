/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The platform door: the only way portvisor's C++ reaches the operating
 * system. Declared here by core, implemented by kmod/platform.c (Linux),
 * and by tests/fake/fake_platform.cpp for host unit tests.
 *
 * Plain C, so that kernel-style C can implement it; no Linux types.
 * Errors are negative errno values (PV_E* below, the Linux numbers, which
 * are the same on x86_64 and arm64).
 */
#ifndef PORTVISOR_PLATFORM_H
#define PORTVISOR_PLATFORM_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stddef.h>
#include <stdint.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* errno numbers (include/uapi/asm-generic/errno-base.h, errno.h). */
enum {
	PV_EPERM = 1,
	PV_EIO = 5,
	PV_E2BIG = 7,
	PV_ENOMEM = 12,
	PV_EFAULT = 14,
	PV_EBUSY = 16,
	PV_ENODEV = 19,
	PV_EINVAL = 22,
	PV_ENOTTY = 25,
	PV_EOPNOTSUPP = 95,
};

enum pv_log_level {
	PV_LOG_ERR = 3,
	PV_LOG_WARN = 4,
	PV_LOG_INFO = 6,
	PV_LOG_DEBUG = 7,
};

/* --- memory: every allocation is counted; see pv_platform_alloc_stats ---- */

/* Zeroed memory for `bytes` bytes, or NULL. May sleep. */
void *pv_platform_alloc(size_t bytes);
/* `bytes` must be what was asked of pv_platform_alloc. NULL is ignored. */
void pv_platform_free(void *ptr, size_t bytes);
/* One zeroed, page-aligned 4 KiB page, or NULL. May sleep. */
void *pv_platform_alloc_page(void);
void pv_platform_free_page(void *page);
/* Physical address of memory from pv_platform_alloc_page. */
uint64_t pv_platform_virt_to_phys(const void *virt);

struct pv_alloc_stats {
	uint64_t bytes;       /* currently allocated */
	uint64_t objects;     /* allocations currently outstanding */
	uint64_t pages;       /* of which whole pages */
	uint64_t total_allocs; /* since the module was loaded */
};
void pv_platform_alloc_stats(struct pv_alloc_stats *out);

/* --- user memory: 0 or -PV_EFAULT ------------------------------------- */
int pv_platform_copy_from_user(void *dst, uint64_t user_src, size_t bytes);
int pv_platform_copy_to_user(uint64_t user_dst, const void *src, size_t bytes);

/* --- CPUs ----------------------------------------------------------------- */
/* Number of CPUs that are online now. */
unsigned int pv_platform_online_cpus(void);
/*
 * Run fn(arg, cpu) on every online CPU, with preemption off, one CPU at a
 * time, and wait. Returns 0, or the first non-zero result fn returned.
 */
int pv_platform_on_each_cpu(int (*fn)(void *arg, unsigned int cpu), void *arg);

#if defined(__x86_64__)
/* rdmsr that survives a #GP: 0, or -PV_EIO if the MSR does not exist. */
int pv_platform_rdmsr_safe(uint32_t msr, uint64_t *value);
/* Host paging depth: 5 when the kernel runs with LA57, else 4. */
unsigned int pv_platform_x86_paging_levels(void);
#endif

/* --- logging: printk-style format, prefixed "portvisor: " ---------------- */
void pv_platform_log(enum pv_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#ifdef __cplusplus
}
#endif

#endif /* PORTVISOR_PLATFORM_H */
