// SPDX-License-Identifier: GPL-2.0
/*
 * The direct-syscall services of the platform door (platform.h, "the
 * direct-syscall path"), for the core's trap: run a syscall of the calling
 * task from the exit handler, the seccomp and syscall-work checks, and the
 * pending-signal disposition.
 *
 * Seccomp: the task's filter list is private to kernel/seccomp.c and its
 * evaluation (__secure_computing) is not exported and may call do_exit()
 * in place. So this module does not evaluate filters: a task with any
 * seccomp mode, or any other syscall-entry work (ptrace, audit, syscall
 * tracepoints, syscall user dispatch), gets -EOPNOTSUPP, and the core hands
 * every call of that task to user space (PV_SYSCALL_NO_FILTER), where the
 * native entry applies all of it. Nothing is ever run around a filter.
 */
#define pr_fmt(fmt) "portvisor: " fmt

#include <linux/kprobes.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/seccomp.h>
#include <linux/signal.h>
#include <linux/thread_info.h>
#include <asm/syscall.h>

#include "portvisor/platform.h"
#include "platform_internal.h"

/* x64_sys_call(regs, nr) (arch/x86/entry/syscall_64.c): the dispatcher the
 * native entry uses. Not exported; found through kallsyms. */
typedef long (*pv_sys_call_fn)(const struct pt_regs *regs, unsigned int nr);
static pv_sys_call_fn pv_sys_call;

int pv_platform_syscalls_init(void)
{
	unsigned long (*lookup)(const char *name);
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	int ret;

	/* kallsyms_lookup_name is not exported since 5.7: a kprobe on it
	 * tells its address, and the probe is removed at once. */
	ret = register_kprobe(&kp);
	if (ret < 0) {
		pr_warn("direct syscalls off: cannot find kallsyms_lookup_name (kprobe: %d); every guest syscall exits to user space\n",
			ret);
		return 0;
	}
	lookup = (void *)kp.addr;
	unregister_kprobe(&kp);
#ifdef CONFIG_X86_64
	pv_sys_call = (pv_sys_call_fn)lookup("x64_sys_call");
#endif
	if (!pv_sys_call)
		pr_info("direct syscalls off: no syscall dispatcher found (x64_sys_call); every guest syscall exits to user space\n");
	return 0;
}

/* Syscall-entry work other than seccomp that the native entry would do. */
#define PV_FOREIGN_WORK                                                        \
	(SYSCALL_WORK_SYSCALL_TRACEPOINT | SYSCALL_WORK_SYSCALL_TRACE |        \
	 SYSCALL_WORK_SYSCALL_EMU | SYSCALL_WORK_SYSCALL_AUDIT |               \
	 SYSCALL_WORK_SYSCALL_USER_DISPATCH | SYSCALL_WORK_SYSCALL_EXIT_TRAP)

int pv_platform_seccomp_active(void)
{
#ifdef CONFIG_GENERIC_ENTRY
	unsigned long work = READ_ONCE(current_thread_info()->syscall_work);

	if (!pv_sys_call)
		return 1;
	if (work & (SYSCALL_WORK_SECCOMP | PV_FOREIGN_WORK))
		return 1;
	return READ_ONCE(current->seccomp.mode) != SECCOMP_MODE_DISABLED;
#else
	return 1; /* arm64 6.1 has no generic entry: no direct path yet */
#endif
}

int pv_platform_seccomp_run_filters(const struct pv_seccomp_data *data,
				    void (*fold)(void *ctx, uint32_t result), void *ctx)
{
	/* Filters are never evaluated here (see the top of this file). */
	if (pv_platform_seccomp_active())
		return -EOPNOTSUPP;
	return 0; /* no filter: nothing to fold */
}

/*
 * The three below apply seccomp results. This platform never reports a
 * filter (above), so the core never calls them; they are here, and
 * correct, for completeness of the door.
 */
void pv_platform_seccomp_log(int32_t nr, uint32_t action)
{
}

void pv_platform_seccomp_send_sigsys(const struct pv_seccomp_data *data, uint16_t errno_data)
{
	struct kernel_siginfo info;

	clear_siginfo(&info);
	info.si_signo = SIGSYS;
	info.si_code = SYS_SECCOMP;
	info.si_call_addr = (void __user *)(unsigned long)data->instruction_pointer;
	info.si_errno = errno_data;
	info.si_arch = data->arch;
	info.si_syscall = data->nr;
	send_sig_info(SIGSYS, &info, current);
}

void pv_platform_seccomp_kill(int whole_process, const struct pv_seccomp_data *data)
{
	if (whole_process)
		kill_pid(task_tgid(current), SIGKILL, 1);
	else
		force_sig(SIGKILL);
}

#ifdef CONFIG_X86_64
static_assert(sizeof(struct pt_regs) <= sizeof(struct pv_syscall_frame),
	      "PV_SYSCALL_FRAME_BYTES holds a pt_regs");
static_assert(__alignof__(struct pt_regs) <= __alignof__(struct pv_syscall_frame),
	      "a pv_syscall_frame is aligned for a pt_regs");
#endif

#ifdef CONFIG_X86_64
/* A frame of its own, on the stack: out of line, as the kernel zeroes
 * every automatic variable (CONFIG_INIT_STACK_ALL_ZERO) and the frame is
 * 192 bytes. */
static noinline int64_t pv_run_syscall_unframed(uint32_t nr, const uint64_t args[6])
{
	struct pv_syscall_frame frame = {};

	return pv_platform_run_syscall(&frame, nr, args);
}
#endif

int64_t pv_platform_run_syscall(struct pv_syscall_frame *frame, uint32_t nr,
				const uint64_t args[6])
{
#ifndef CONFIG_X86_64
	return -ENOSYS; /* arm64 runs no vCPU yet */
#else
	struct pt_regs *regs;

	if (!pv_sys_call)
		return -ENOSYS;
	if (unlikely(!frame))
		return pv_run_syscall_unframed(nr, args);
	/* Only these fields are ever written: the others stay as the core
	 * zeroed them. The handlers read the arguments from here (the
	 * SYSCALL_DEFINE wrappers); none keeps the pointer. */
	regs = (struct pt_regs *)frame;
	regs->di = args[0];
	regs->si = args[1];
	regs->dx = args[2];
	regs->r10 = args[3];
	regs->r8 = args[4];
	regs->r9 = args[5];
	regs->orig_ax = nr;
	regs->ax = -ENOSYS;
	/* x64_sys_call answers -ENOSYS for numbers it does not know. */
	return pv_sys_call(regs, nr);
#endif
}

static int pv_first_signal(const sigset_t *set)
{
	int i;

	for (i = 0; i < _NSIG_WORDS; i++)
		if (set->sig[i])
			return i * _NSIG_BPW + __ffs(set->sig[i]) + 1;
	return 0;
}

/*
 * What get_signal() would do with the first signal it would dequeue
 * (kernel/signal.c): the lowest-numbered unblocked pending one, private
 * before shared; synchronous faults cannot be pending here.
 */
enum pv_signal_disposition pv_platform_pending_signal(void)
{
	struct task_struct *t = current;
	enum pv_signal_disposition d = PV_SIGNAL_NO_HANDLER;
	struct k_sigaction *ka;
	sigset_t pending;
	int sig;

	/* The common case in one read of the flags word: no signal, no task
	 * work. A sigmask saved by ppoll/pselect/sigsuspend is restored by the
	 * return to user space: exit there even without a signal. */
	if (likely(!(read_thread_flags() &
		     (_TIF_SIGPENDING | _TIF_NOTIFY_SIGNAL | _TIF_NOTIFY_RESUME))) &&
	    !test_restore_sigmask())
		return PV_SIGNAL_NONE;
	if (fatal_signal_pending(t))
		return PV_SIGNAL_FATAL;
	spin_lock_irq(&t->sighand->siglock);
	sigandnsets(&pending, &t->pending.signal, &t->blocked);
	sig = pv_first_signal(&pending);
	if (!sig) {
		sigandnsets(&pending, &t->signal->shared_pending.signal, &t->blocked);
		sig = pv_first_signal(&pending);
	}
	if (sig) {
		ka = &t->sighand->action[sig - 1];
		if (ka->sa.sa_handler == SIG_IGN)
			d = PV_SIGNAL_NO_HANDLER;
		else if (ka->sa.sa_handler == SIG_DFL)
			d = sig_kernel_ignore(sig) || sig_kernel_stop(sig) ? PV_SIGNAL_NO_HANDLER
									    : PV_SIGNAL_FATAL;
		else
			d = (ka->sa.sa_flags & SA_RESTART) ? PV_SIGNAL_HANDLER_RESTART
							   : PV_SIGNAL_HANDLER;
	}
	spin_unlock_irq(&t->sighand->siglock);
	return d;
}
