/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * portvisor native user-space ABI: /dev/portvisor.
 *
 * One C header for C, C++ and Go clients, and for the module's freestanding
 * C++ core (which sees no Linux header: it defines PV_UAPI_FREESTANDING and
 * gets the generic ioctl encoding below, the one x86_64 and arm64 share).
 * docs/abi.md describes every ioctl, its arguments and its errors.
 */
#ifndef PORTVISOR_UAPI_H
#define PORTVISOR_UAPI_H

#ifndef PV_UAPI_FREESTANDING
#include <linux/ioctl.h>
#include <linux/types.h>
#else
typedef __UINT32_TYPE__ __u32;
typedef __UINT64_TYPE__ __u64;
/* asm-generic/ioctl.h encoding, used by both x86_64 and arm64. */
#define _IOC_NRSHIFT 0
#define _IOC_TYPESHIFT 8
#define _IOC_SIZESHIFT 16
#define _IOC_DIRSHIFT 30
#define _IOC_NONE 0U
#define _IOC_WRITE 1U
#define _IOC_READ 2U
#define _IOC(dir, type, nr, size)                                              \
	(((dir) << _IOC_DIRSHIFT) | ((type) << _IOC_TYPESHIFT) |               \
	 ((nr) << _IOC_NRSHIFT) | ((size) << _IOC_SIZESHIFT))
#define _IO(type, nr) _IOC(_IOC_NONE, (type), (nr), 0)
#define _IOWR(type, nr, argtype)                                               \
	_IOC(_IOC_READ | _IOC_WRITE, (type), (nr), sizeof(argtype))
#endif

#define PV_DEVICE_NAME "portvisor"
#define PV_DEVICE_PATH "/dev/portvisor"

/* Bumped on every incompatible change of this header. */
#define PV_API_VERSION 1

/* ioctl type byte: 0xB7 is not used by any in-tree driver. */
#define PV_IOCTL_TYPE 0xB7

/* Which backend the module chose at load time. Stable numbers. */
enum pv_backend {
	PV_BACKEND_NONE = 0,
	PV_BACKEND_VMX = 1,       /* Intel VT-x + EPT */
	PV_BACKEND_SVM = 2,       /* AMD-V + NPT */
	PV_BACKEND_ARM64_VHE = 3, /* arm64 EL2 with VHE, stage-2 */
};

/* pv_capabilities.page_sizes: one bit per supported stage-2 mapping size. */
#define PV_PAGE_SIZE_4K (1ULL << 12)
#define PV_PAGE_SIZE_2M (1ULL << 21)
#define PV_PAGE_SIZE_1G (1ULL << 30)

/* pv_capabilities.features: what the chosen backend and CPU offer. */
#define PV_FEAT_STAGE2_AD (1ULL << 0)       /* accessed/dirty flags in stage-2 */
#define PV_FEAT_TAGGED_TLB (1ULL << 1)      /* VPID / ASID / VMID */
#define PV_FEAT_UNRESTRICTED (1ULL << 2)    /* VMX unrestricted guest */
#define PV_FEAT_NRIP_SAVE (1ULL << 3)       /* SVM next-RIP on exits */
#define PV_FEAT_FLUSH_BY_ASID (1ULL << 4)   /* SVM TLB_CONTROL flush-by-ASID */
#define PV_FEAT_PREEMPT_TIMER (1ULL << 5)   /* VMX preemption timer */
#define PV_FEAT_STAGE2_5LEVEL (1ULL << 6)   /* 5-level stage-2 walk */
#define PV_FEAT_VHE (1ULL << 7)             /* host kernel at EL2 with E2H */
#define PV_FEAT_DIRECT_SYSCALL (1ULL << 8)  /* built with PV_DIRECT_SYSCALL */
#define PV_FEAT_STATS (1ULL << 9)           /* built with PV_STATS */
#define PV_FEAT_TRACING (1ULL << 10)        /* built with PV_TRACING */
#define PV_FEAT_HOST_LA57 (1ULL << 11)      /* host uses 5-level paging */

/* Names of the PV_FEAT_* bits, for logs and tools: X(bit, "name"). */
#define PV_FEATURE_LIST(X)                                                     \
	X(PV_FEAT_STAGE2_AD, "stage2-ad")                                      \
	X(PV_FEAT_TAGGED_TLB, "tagged-tlb")                                    \
	X(PV_FEAT_UNRESTRICTED, "unrestricted-guest")                          \
	X(PV_FEAT_NRIP_SAVE, "nrip-save")                                      \
	X(PV_FEAT_FLUSH_BY_ASID, "flush-by-asid")                              \
	X(PV_FEAT_PREEMPT_TIMER, "preemption-timer")                           \
	X(PV_FEAT_STAGE2_5LEVEL, "stage2-5level")                              \
	X(PV_FEAT_VHE, "vhe")                                                  \
	X(PV_FEAT_DIRECT_SYSCALL, "direct-syscall")                            \
	X(PV_FEAT_STATS, "stats")                                              \
	X(PV_FEAT_TRACING, "tracing")                                          \
	X(PV_FEAT_HOST_LA57, "host-la57")

/*
 * PV_GET_CAPABILITIES argument. Extensible: the caller sets .size to
 * sizeof(struct pv_capabilities) as it knows it; the module fills at most
 * that many bytes, zeroes what it does not know, and writes back in .size
 * the number of bytes it filled. A .size below PV_CAPS_MIN_SIZE fails with
 * E2BIG and .size set to the size the module needs.
 */
struct pv_capabilities {
	__u32 size;            /* in: caller's struct size; out: bytes filled */
	__u32 flags;           /* in: must be 0 */
	__u32 backend;         /* enum pv_backend */
	__u32 stage2_levels;   /* table levels the module will use (4 or 5) */
	__u64 page_sizes;      /* PV_PAGE_SIZE_* */
	__u64 features;        /* PV_FEAT_* */
	__u32 tlb_tags;        /* number of VPIDs / ASIDs / VMIDs, 0 if untagged */
	__u32 guest_phys_bits; /* guest-physical (IPA) address width */
	__u32 host_cpus;       /* CPUs the backend checked at load */
	__u32 reserved0;       /* out: 0 */
	char backend_name[16]; /* NUL-terminated, e.g. "vmx" */
	__u64 reserved[4];     /* out: 0 */
};
#define PV_CAPS_MIN_SIZE 64U /* up to and including backend_name */

/*
 * PV_GET_STATS argument: module-wide counters. Same .size protocol as
 * pv_capabilities.
 */
struct pv_module_stats {
	__u32 size;
	__u32 flags;          /* in: must be 0 */
	__u64 alloc_bytes;    /* bytes currently allocated by the module */
	__u64 alloc_objects;  /* allocations currently outstanding */
	__u64 alloc_pages;    /* of which whole pages */
	__u64 total_allocs;   /* allocations made since load */
	__u64 reserved[3];
};
#define PV_STATS_MIN_SIZE 40U /* up to and including total_allocs */

/*
 * Hypercalls (guest -> host). The number is the low 32 bits of the register
 * that carries a syscall number natively (rax on x86_64, x8 on arm64), read
 * as the native syscall entry reads it; other numbers are host system calls
 * of that ABI, run directly when allowed. The reserved range
 * PV_HC_BASE..PV_HC_END - 1 is above every Linux syscall number, x32's
 * (0x40000000 | n) included, and below the negative numbers. A number of the
 * range that is not defined here exits with PV_EXIT_HYPERCALL.
 */
#define PV_HC_BASE 0x7f000000U
#define PV_HC_EXIT_TO_USER (PV_HC_BASE + 0) /* args[0] is passed to user space */
#define PV_HC_YIELD (PV_HC_BASE + 1)        /* give up the CPU, then resume */
#define PV_HC_LAST PV_HC_YIELD
#define PV_HC_END 0x80000000U /* first number after the reserved range */

/* Why RUN returned to user space (pv_run.exit_reason). Stable numbers. */
enum pv_exit_reason {
	PV_EXIT_NONE = 0,
	PV_EXIT_HYPERCALL = 1,     /* PV_HC_EXIT_TO_USER, or an unknown PV_HC_* number */
	PV_EXIT_SYSCALL = 2,       /* a syscall for user space to run natively */
	PV_EXIT_HLT = 3,           /* the guest halted */
	PV_EXIT_SHUTDOWN = 4,      /* triple fault / shutdown / PSCI off */
	PV_EXIT_EXCEPTION = 5,     /* an exception the guest did not handle */
	PV_EXIT_STAGE2_FAULT = 6,  /* guest-physical address with no backing */
	PV_EXIT_INTERRUPTED = 7,   /* a signal is pending for the vCPU thread */
	PV_EXIT_FAIL_ENTRY = 8,    /* the hardware refused to enter the guest */
	PV_EXIT_INTERNAL_ERROR = 9 /* portvisor could not continue this vCPU */
};

/* Why a syscall came to user space (exit data of PV_EXIT_SYSCALL). */
enum pv_syscall_exit_why {
	PV_SYSCALL_USER_ONLY = 1,   /* cannot run from an exit handler (clone, execve, ...) */
	PV_SYSCALL_NOT_ALLOWED = 2, /* not on the VM's allow-list */
	PV_SYSCALL_SECCOMP = 3,     /* seccomp needs the native path (TRACE, USER_NOTIF) */
	PV_SYSCALL_NO_FILTER = 4    /* the task's seccomp filters could not be evaluated */
};

/* Returns PV_API_VERSION as the ioctl result. No argument. */
#define PV_GET_API_VERSION _IO(PV_IOCTL_TYPE, 0x00)
/* Fills struct pv_capabilities. */
#define PV_GET_CAPABILITIES _IOWR(PV_IOCTL_TYPE, 0x01, struct pv_capabilities)
/* Fills struct pv_module_stats. */
#define PV_GET_STATS _IOWR(PV_IOCTL_TYPE, 0x02, struct pv_module_stats)

#endif /* PORTVISOR_UAPI_H */
