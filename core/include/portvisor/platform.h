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
	PV_EINTR = 4,
	PV_EIO = 5,
	PV_E2BIG = 7,
	PV_ENOEXEC = 8,
	PV_ENOMEM = 12,
	PV_EFAULT = 14,
	PV_EBUSY = 16,
	PV_EEXIST = 17,
	PV_ENODEV = 19,
	PV_EINVAL = 22,
	PV_ENOTTY = 25,
	PV_ERANGE = 34,
	PV_ENOSYS = 38,
	PV_ENOMSG = 42,
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
/* 2^order physically contiguous, zeroed pages, aligned to their size, or
 * NULL (arm64 stage-2 roots of concatenated tables). Counted as 2^order
 * pages. */
void *pv_platform_alloc_pages(unsigned int order);
void pv_platform_free_pages(void *pages, unsigned int order);
/* Physical address of memory from pv_platform_alloc_page. */
uint64_t pv_platform_virt_to_phys(const void *virt);
/* Kernel address of a page pv_platform_alloc_page returned, from its
 * physical address (stage-2 table walks). */
void *pv_platform_phys_to_virt(uint64_t phys);

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
/* Runs fn(arg, cpu) on the calling CPU with preemption off (interrupts
 * on) and returns its result. */
int pv_platform_call_on_this_cpu(int (*fn)(void *arg, unsigned int cpu), void *arg);
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
/*
 * Sets, then clears, CR4 bits on this CPU through the kernel's CR4 shadow
 * (cr4_set_bits/cr4_clear_bits), so that the kernel and other hypervisors
 * (kvm_intel reads CR4.VMXE from it) see them. Interrupts or preemption
 * off. Returns the CR4 the shadow held before.
 */
uint64_t pv_platform_x86_cr4_update(uint64_t set, uint64_t clear);
/* The host's IA32_SPEC_CTRL on this CPU now (the kernel's per-CPU copy:
 * the task's SSBD included), or 0 when the CPU has no such MSR. */
uint64_t pv_platform_x86_host_spec_ctrl(void);
/*
 * The kernel's L1TF policy for guest entries (l1tf=, mitigations=; what
 * kvm_intel's vmentry_l1d_flush follows by default). NONE: the CPU is not
 * affected, the mitigation is off, or a hypervisor below flushes for us
 * (ARCH_CAPABILITIES.SKIP_L1DFL_VMENTRY). MSR: flush with IA32_FLUSH_CMD.
 * SOFTWARE: affected but without IA32_FLUSH_CMD (old microcode): flush by
 * reading a buffer. Fixed after boot: a backend asks once, at load.
 */
enum pv_l1d_flush { PV_L1D_FLUSH_NONE = 0, PV_L1D_FLUSH_MSR = 1, PV_L1D_FLUSH_SOFTWARE = 2 };
int pv_platform_x86_l1d_flush_wanted(void);
/* Whether to warn that L1TF leaks between a core's sibling threads
 * whatever the flush before entry does: the CPU is affected, SMT is on
 * now, and the kernel's l1tf= policy is one kvm_intel warns under (flush,
 * flush,nosmt, full; not off, flush,nowarn or full,force). */
int pv_platform_x86_l1tf_smt_warning(void);
/* After VM exits (VMX): the exits left the TSS limit at 0x67 and the GDT
 * limit at 0xffff; put them back before the CPU goes to another task or to
 * user space (KVM's vmx_prepare_switch_to_host). Preemption off. */
void pv_platform_x86_vmx_restore_host(void);
#endif

/* --- preemption hooks of a vCPU thread (KVM's preempt notifiers) --------- */
struct pv_preempt_hook;
/* sched_out(ctx, cpu) runs each time the armed thread is scheduled out, on
 * the CPU it leaves, with interrupts off. NULL when there is no memory. */
struct pv_preempt_hook *pv_platform_preempt_hook_create(void (*sched_out)(void *ctx,
									  unsigned int cpu),
							void *ctx);
void pv_platform_preempt_hook_destroy(struct pv_preempt_hook *hook);
/* Arms the hook for the calling thread until disarm (same thread).
 * Preemptible context; returns with preemption as it was. */
void pv_platform_preempt_hook_arm(struct pv_preempt_hook *hook);
void pv_platform_preempt_hook_disarm(struct pv_preempt_hook *hook);

/* --- the direct-syscall path: all in the context of the calling task ----- */

/* The seccomp_data the task's filters see (include/uapi/linux/seccomp.h). */
struct pv_seccomp_data {
	int32_t nr;
	uint32_t arch;                /* AUDIT_ARCH_X86_64, AUDIT_ARCH_AARCH64 */
	uint64_t instruction_pointer; /* the guest's address after the hypercall
				       * instruction (KSTK_EIP of a task in a
				       * native syscall is its return address) */
	uint64_t args[6];
};

/*
 * Whether the calling task's syscalls need pv_platform_seccomp_run_filters:
 * 0 only when the task has no seccomp mode and no other syscall-entry work
 * (ptrace, audit, tracepoints, syscall user dispatch), so that run_filters
 * would run no filter and report no error; the core then runs an allowed
 * call without building its seccomp_data. Non-zero: the core calls
 * run_filters, whose answer decides. Runs before every direct syscall.
 */
int pv_platform_seccomp_active(void);
/*
 * Runs every seccomp filter of the calling task on `data`, newest first,
 * and calls fold(ctx, result) with each filter's raw return value
 * (action | data); the core applies seccomp's precedence as it goes.
 * Returns how many filters ran (0: the task has none), or -errno when the
 * filters cannot be evaluated (the core then never runs the call itself).
 * SECCOMP_MODE_STRICT is reported as one filter returning KILL_THREAD for
 * every syscall but read, write, exit and rt_sigreturn.
 */
int pv_platform_seccomp_run_filters(const struct pv_seccomp_data *data,
				    void (*fold)(void *ctx, uint32_t result), void *ctx);
/*
 * The core applied `action` (filter result & SECCOMP_RET_ACTION_FULL) to
 * syscall `nr`: called for every LOG, ERRNO and TRAP it applies. The
 * platform writes the audit record when seccomp_log() would: LOG when the
 * actions_logged sysctl has it; ERRNO and TRAP only when, in addition, the
 * filter whose result won has SECCOMP_FILTER_FLAG_LOG (the platform knows it
 * from the run_filters call just before).
 */
void pv_platform_seccomp_log(int32_t nr, uint32_t action);
/* Queue SIGSYS to the calling thread with the siginfo a native seccomp
 * RET_TRAP gives: si_code SYS_SECCOMP, si_call_addr, si_syscall, si_arch,
 * si_errno = the filter's data. */
void pv_platform_seccomp_send_sigsys(const struct pv_seccomp_data *data, uint16_t errno_data);
/* Kill the calling thread (false) or its whole process (true) with SIGSYS,
 * as seccomp's KILL_THREAD / KILL_PROCESS do, audit record included. The
 * core also calls it with true for actions seccomp does not know, which
 * __seccomp_filter() kills the same way. Returns; the task dies on its way
 * back to user space. */
void pv_platform_seccomp_kill(int whole_process, const struct pv_seccomp_data *data);

/* Scratch of one vCPU that pv_platform_run_syscall keeps between calls
 * (x86-64: the pt_regs it hands the syscall dispatcher). The core zeroes it
 * once, when the vCPU is created; the platform writes only the fields a
 * call sets, so that the rest need not be cleared on every call. */
#define PV_SYSCALL_FRAME_BYTES 192
struct pv_syscall_frame {
	uint64_t words[PV_SYSCALL_FRAME_BYTES / 8];
};

/* Runs system call `nr` of the calling task's native ABI with `args`, as
 * the syscall entry would after seccomp. `frame` is the calling vCPU's
 * scratch, or NULL (the platform then uses a zeroed one of its own).
 * Returns the raw result: a value, -errno, or one of the -ERESTART* codes. */
int64_t pv_platform_run_syscall(struct pv_syscall_frame *frame, uint32_t nr,
				const uint64_t args[6]);

/*
 * What delivering the calling task's next pending signal would do now.
 * PV_SIGNAL_NONE only when the return to user space would have no signal
 * work at all: no deliverable signal, no TIF_NOTIFY_SIGNAL task work, no
 * saved sigmask to restore (TIF_RESTORE_SIGMASK), no freezing or job-control
 * stop. Otherwise at least PV_SIGNAL_NO_HANDLER, so that the core exits to
 * user space: restarting in the guest instead would spin, the call failing
 * with -ERESTART* again while that work waits, or lose a saved sigmask.
 */
enum pv_signal_disposition {
	PV_SIGNAL_NONE = 0,          /* nothing pending (that is not blocked) */
	PV_SIGNAL_HANDLER = 1,       /* a handler runs, without SA_RESTART */
	PV_SIGNAL_HANDLER_RESTART = 2, /* a handler runs, with SA_RESTART */
	PV_SIGNAL_NO_HANDLER = 3,    /* ignored, or a default that does not kill (stop, continue) */
	PV_SIGNAL_FATAL = 4,         /* the task dies */
};
enum pv_signal_disposition pv_platform_pending_signal(void);

/* --- running a vCPU: the calling task is the vCPU's thread ---------------- */

/* A module-wide sleeping lock (VM creation and teardown, hardware enable). */
void pv_platform_module_lock(void);
void pv_platform_module_unlock(void);

/* Number of CPU ids (nr_cpu_ids): per-CPU arrays of the backends. */
unsigned int pv_platform_cpu_ids(void);

/*
 * Work the return to user space must do before the guest may run again:
 * 1 when a signal or task work is pending (the vCPU then exits to user
 * space, which delivers or runs it), 0 otherwise. Gives up the CPU first
 * when the scheduler asks for it. Preemptible context.
 */
int pv_platform_exit_work_pending(void);
/* Gives up the CPU if another task should run (PV_HC_YIELD). */
void pv_platform_yield(void);

/*
 * Brackets one world switch. begin: preemption and interrupts off, the
 * task's user FPU registers loaded (the guest runs with them, as a function
 * of the task would). Returns the CPU id, or -1 when work arrived in the
 * meantime and the guest must not be entered (end is then not called).
 * end: restores host debug registers if the host uses them, then
 * interrupts and preemption back on (pending interrupts are taken here).
 */
int pv_platform_guest_enter_begin(void);
void pv_platform_guest_enter_end(void);

/* Interrupts `cpu` (an IPI) and waits until it took it: a vCPU running there
 * leaves the guest. Preemptible or atomic context, interrupts on. */
void pv_platform_kick_cpu(unsigned int cpu);

/*
 * A stage-2 fault at guest-physical `gpa` of VM `os_vm` (the platform's VM,
 * see pv_core_vm_create): the platform looks up the host page behind it and
 * maps it through pv_core_vm_map, as a huge leaf where the host maps it
 * with one and the slot allows. access: PV_ACCESS_* of the uapi.
 * 0: mapped, or a concurrent change asks to retry (enter the guest again);
 * -PV_EFAULT: no memory the guest may access that way there; -errno else.
 */
int pv_platform_stage2_fault(void *os_vm, uint64_t gpa, unsigned int access);
/* The VM lock under which the platform calls pv_core_vm_map/_unmap (a
 * spinlock: atomic context), for the core's readers of the stage 2. */
void pv_platform_vm_lock(void *os_vm);
void pv_platform_vm_unlock(void *os_vm);

/* --- logging: printk-style format, prefixed "portvisor: " ---------------- */
void pv_platform_log(enum pv_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#ifdef __cplusplus
}
#endif

#endif /* PORTVISOR_PLATFORM_H */
