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
typedef __UINT16_TYPE__ __u16;
typedef __UINT32_TYPE__ __u32;
typedef __INT32_TYPE__ __s32;
typedef __UINT64_TYPE__ __u64;
typedef __INT64_TYPE__ __s64;
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
#define _IOR(type, nr, argtype) _IOC(_IOC_READ, (type), (nr), sizeof(argtype))
#define _IOW(type, nr, argtype) _IOC(_IOC_WRITE, (type), (nr), sizeof(argtype))
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
#define PV_FEAT_RUN (1ULL << 12)            /* the backend runs vCPUs (PV_CREATE_VM works) */

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
	X(PV_FEAT_HOST_LA57, "host-la57")                                      \
	X(PV_FEAT_RUN, "run")

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

/* ------------------------------------------------------------------------
 * VMs and vCPUs (docs/abi.md "VMs and vCPUs").
 *
 * PV_CREATE_VM on /dev/portvisor returns a VM fd, bound to the calling
 * process's mm: only that process may use it (EPERM otherwise), and guest
 * memory is always memory of that process. On a VM fd, PV_CREATE_VCPU
 * returns a vCPU fd; its first page, mmap()ed read-only at offset 0, is the
 * struct pv_run of the last exit. Every struct is fixed-size; reserved
 * fields and unknown flag bits must be zero (EINVAL).
 * ------------------------------------------------------------------------ */

/* pv_create_vm.flags */
#define PV_VM_MIRROR (1U << 0) /* guest-physical == host-virtual, all of user space */

struct pv_create_vm {
	__u32 flags;       /* PV_VM_* */
	__u32 reserved0;
	__u64 reserved[3];
};

/* pv_memory_region.flags */
#define PV_MEM_READONLY (1U << 0) /* the guest may not write */

/* A slot maps guest-physical [guest_phys, +size) onto the process's
 * [user_addr, +size). size 0 deletes the slot. Not with PV_VM_MIRROR. */
struct pv_memory_region {
	__u32 slot;       /* 0 .. PV_MAX_MEMORY_SLOTS - 1 */
	__u32 flags;      /* PV_MEM_* */
	__u64 guest_phys; /* 4 KiB aligned */
	__u64 size;       /* 4 KiB multiple; 0 deletes */
	__u64 user_addr;  /* 4 KiB aligned, inside user space */
	__u64 reserved[2];
};
#define PV_MAX_MEMORY_SLOTS 32U

/* The syscall numbers the guest may run directly; every other number exits
 * with PV_EXIT_SYSCALL / PV_SYSCALL_NOT_ALLOWED. count 0 removes the list
 * (every syscall the trap allows runs directly). */
struct pv_allow_list {
	__u32 count;   /* entries at nrs, at most PV_ALLOW_LIST_MAX */
	__u32 flags;   /* must be 0 */
	__u64 nrs;     /* user pointer to __u32[count] */
	__u64 reserved[2];
};
#define PV_ALLOW_LIST_MAX 512U /* numbers are below this too */

/*
 * PV_GET_VM_STATS argument: the VM's stage-2 tables now. Same .size
 * protocol as pv_capabilities. Leaves are mapped lazily, at the largest
 * size the host's own mapping, the slot and the capabilities allow.
 */
struct pv_vm_stats {
	__u32 size;
	__u32 flags;          /* in: must be 0 */
	__u64 pages_4k;       /* stage-2 leaves mapped now, by size */
	__u64 pages_2m;
	__u64 pages_1g;
	__u64 table_pages;    /* 4 KiB pages of stage-2 tables */
	__u64 invalidations;  /* changes that needed a TLB flush, since creation */
	__u64 reserved[2];
};
#define PV_VM_STATS_MIN_SIZE 48U /* up to and including invalidations */

/* x86_64 registers (PV_GET_REGS / PV_SET_REGS). */
struct pv_regs_x86_64 {
	__u64 rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp;
	__u64 r8, r9, r10, r11, r12, r13, r14, r15;
	__u64 rip, rflags;
};

/* A segment as the hardware caches it. attrib: AMD VMCB layout (type 3:0,
 * S 4, DPL 6:5, P 7, AVL 8, L 9, D/B 10, G 11). */
struct pv_segment {
	__u64 base;
	__u32 limit;
	__u16 selector;
	__u16 attrib;
};

struct pv_dtable {
	__u64 base;
	__u32 limit; /* at most 0xffff */
	__u32 reserved;
};

/* x86_64 system registers (PV_GET_SREGS / PV_SET_SREGS). The guest is a
 * 64-bit ring-0 guest: long mode, paging on; see docs/abi.md for the bits
 * checked. */
struct pv_sregs_x86_64 {
	struct pv_segment cs, ds, es, fs, gs, ss, tr, ldt;
	struct pv_dtable gdt, idt;
	__u64 cr0, cr2, cr3, cr4, efer;
	__u64 kernel_gs_base;
	__u64 pat;
	/* The guest's SYSCALL/SYSRET MSRs (IA32_STAR, LSTAR, CSTAR, FMASK),
	 * also read and written by the guest's RDMSR/WRMSR. lstar and cstar
	 * canonical, sfmask bits 63:32 zero. */
	__u64 star, lstar, cstar, sfmask;
};

/* The run page: mmap(vcpu_fd, offset 0, PV_RUN_PAGE_SIZE, PROT_READ). */
#define PV_RUN_PAGE_SIZE 4096U

struct pv_run {
	__u32 exit_reason;  /* enum pv_exit_reason */
	__u32 reserved0;
	__u64 guest_ip;     /* instruction pointer at the exit */
	union {
		/* PV_EXIT_HYPERCALL, PV_EXIT_SYSCALL, PV_EXIT_INTERRUPTED */
		struct {
			__u64 nr;
			__u64 args[6];
			__u32 why; /* enum pv_syscall_exit_why (PV_EXIT_SYSCALL) */
			__u32 reserved;
		} syscall;
		/* PV_EXIT_EXCEPTION */
		struct {
			__u32 vector;
			__u32 error_code_valid;
			__u64 error_code;
			__u64 address; /* #PF: the faulting linear address (CR2) */
		} exception;
		/* PV_EXIT_STAGE2_FAULT */
		struct {
			__u64 guest_phys;
			__u64 access; /* PV_ACCESS_* of the faulting access */
			__u64 hw_qualification;
		} stage2;
		/* PV_EXIT_FAIL_ENTRY, PV_EXIT_INTERNAL_ERROR, PV_EXIT_SHUTDOWN */
		struct {
			__u64 hw_reason;        /* VMX exit reason / SVM EXITCODE */
			__u64 hw_qualification; /* exit qualification / EXITINFO1 */
			__u64 hw_info;          /* EXITINFO2 / failing field */
			__s32 error;            /* INTERNAL_ERROR: -errno */
			__u32 reserved;
		} hw;
		__u64 pad[16];
	};
	/* Counters of this vCPU since it was created. */
	__u64 stat_entries;         /* VM entries */
	__u64 stat_direct_syscalls; /* syscalls run in the exit handler */
	__u64 stat_stage2_faults;   /* stage-2 faults filled from the process */
	__u64 stat_user_exits;      /* RUN returns */
};

/* PV_RUN_WITH_RESULT argument: the result of the syscall (or hypercall)
 * the last PV_RUN handed to user space, for the guest's return register. */
struct pv_run_result {
	__s64 value;    /* rax on x86_64 */
	__u32 flags;    /* must be 0 */
	__u32 reserved; /* must be 0 */
};

#define PV_ACCESS_READ (1U << 0)
#define PV_ACCESS_WRITE (1U << 1)
#define PV_ACCESS_EXEC (1U << 2)

/* Returns PV_API_VERSION as the ioctl result. No argument. */
#define PV_GET_API_VERSION _IO(PV_IOCTL_TYPE, 0x00)
/* Fills struct pv_capabilities. */
#define PV_GET_CAPABILITIES _IOWR(PV_IOCTL_TYPE, 0x01, struct pv_capabilities)
/* Fills struct pv_module_stats. */
#define PV_GET_STATS _IOWR(PV_IOCTL_TYPE, 0x02, struct pv_module_stats)
/* Returns a new VM fd (O_CLOEXEC). */
#define PV_CREATE_VM _IOW(PV_IOCTL_TYPE, 0x03, struct pv_create_vm)

/* On a VM fd. */
#define PV_SET_MEMORY_REGION _IOW(PV_IOCTL_TYPE, 0x10, struct pv_memory_region)
#define PV_SET_ALLOW_LIST _IOW(PV_IOCTL_TYPE, 0x11, struct pv_allow_list)
/* Fills struct pv_vm_stats. */
#define PV_GET_VM_STATS _IOWR(PV_IOCTL_TYPE, 0x13, struct pv_vm_stats)
/* Returns a new vCPU fd (O_CLOEXEC). Argument: the vCPU id, 0 .. PV_MAX_VCPUS - 1. */
#define PV_CREATE_VCPU _IO(PV_IOCTL_TYPE, 0x12)
#define PV_MAX_VCPUS 64U

/* On a vCPU fd. RUN: 0 with pv_run filled, or -1 with errno (EINTR: a signal
 * is pending, pv_run.exit_reason is PV_EXIT_INTERRUPTED). */
#define PV_RUN _IO(PV_IOCTL_TYPE, 0x20)
#define PV_GET_REGS _IOR(PV_IOCTL_TYPE, 0x21, struct pv_regs_x86_64)
#define PV_SET_REGS _IOW(PV_IOCTL_TYPE, 0x22, struct pv_regs_x86_64)
#define PV_GET_SREGS _IOR(PV_IOCTL_TYPE, 0x23, struct pv_sregs_x86_64)
#define PV_SET_SREGS _IOW(PV_IOCTL_TYPE, 0x24, struct pv_sregs_x86_64)
/* The last PV_RUN ended with PV_EXIT_SYSCALL or PV_EXIT_HYPERCALL: writes
 * value into the guest's return register, then runs as PV_RUN. One ioctl
 * where PV_GET_REGS + PV_SET_REGS + PV_RUN would be three. */
#define PV_RUN_WITH_RESULT _IOW(PV_IOCTL_TYPE, 0x25, struct pv_run_result)

#endif /* PORTVISOR_UAPI_H */
