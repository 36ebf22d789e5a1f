// SPDX-License-Identifier: GPL-2.0
/*
 * What the core's run loop needs of Linux around a world switch: pending
 * work, the critical section of the switch, and kicking a CPU out of a
 * guest (platform.h, "running a vCPU").
 */
#include <linux/hw_breakpoint.h>
#include <linux/kvm_host.h>
#include <linux/irqflags.h>
#include <linux/jiffies.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/smp.h>
#ifdef CONFIG_X86_64
#include <asm/debugreg.h>
#include <asm/fpu/api.h>
#endif

#include "portvisor/platform.h"

/* The thread flags the return to user space acts on (xfer_to_guest_mode
 * work, include/linux/entry-kvm.h): a signal, task work (the last fput of
 * a file, for one), a reschedule. */
#define PV_GUEST_ENTRY_WORK                                                    \
	(_TIF_NEED_RESCHED | _TIF_SIGPENDING | _TIF_NOTIFY_SIGNAL | _TIF_NOTIFY_RESUME)

/* The part of it RUN returns to user space for (a reschedule it does in
 * place); the same bits as the entry check, so that the two agree. */
static bool pv_work_flags(void)
{
	return read_thread_flags() & (PV_GUEST_ENTRY_WORK & ~_TIF_NEED_RESCHED);
}

int pv_platform_exit_work_pending(void)
{
	if (need_resched())
		cond_resched();
	return pv_work_flags() ? 1 : 0;
}

void pv_platform_yield(void)
{
	cond_resched();
}

/*
 * The last note this CPU gave RCU of a guest entry: in which jiffy, for
 * which task. KVM's guest_enter_irqoff() notes a context switch on every
 * entry (about 55 instructions of rcu_note_context_switch); a direct
 * syscall enters the guest again every few hundred instructions, and one
 * note a jiffy per task is as good for RCU:
 *  - a grace period waits for every CPU's note, and lasts jiffies;
 *  - RCU Tasks waits for every task's (a task that never sleeps has no
 *    other), hence the task: a task entering after another notes at once;
 *  - a guest that runs on without exits is left by the next tick, whose
 *    entry falls in a new jiffy and notes.
 * With context tracking on (nohz_full) the guest is an extended quiescent
 * state entered and left on every switch, as for KVM. Written with
 * interrupts off; the task pointer is only compared, never followed.
 */
struct pv_rcu_note {
	unsigned long jiffy;
	const struct task_struct *task;
};
static DEFINE_PER_CPU(struct pv_rcu_note, pv_rcu_noted);

static __always_inline void pv_guest_context_enter(void)
{
	const unsigned long now = READ_ONCE(jiffies);

	if (now != __this_cpu_read(pv_rcu_noted.jiffy) ||
	    current != __this_cpu_read(pv_rcu_noted.task)) {
		__this_cpu_write(pv_rcu_noted.jiffy, now);
		__this_cpu_write(pv_rcu_noted.task, current);
		guest_context_enter_irqoff();
	} else {
		(void)context_tracking_guest_enter();
	}
}

int pv_platform_guest_enter_begin(void)
{
	unsigned long flags;

	preempt_disable();
	local_irq_disable();
	/* Work that arrived since the check, with interrupts now off: a signal
	 * sent after this point kicks the CPU, and the guest exits at once.
	 * One read of the flags word, as KVM's xfer_to_guest_mode_work_pending:
	 * this runs before every entry. */
	flags = read_thread_flags();
	if (unlikely(flags & PV_GUEST_ENTRY_WORK)) {
		local_irq_enable();
		preempt_enable();
		return -1;
	}
	/* The guest runs with the task's own FPU registers, as a function of
	 * the task would: load them if a context switch left them in memory. */
#ifdef CONFIG_X86_64
	if (flags & _TIF_NEED_FPU_LOAD)
		switch_fpu_return();
#endif
	/* Guest time accounting and RCU: time in the guest is a quiescent
	 * state, as for KVM (RCU Tasks must not wait for a spinning guest). */
	guest_timing_enter_irqoff();
	pv_guest_context_enter();
	return smp_processor_id();
}

void pv_platform_guest_enter_end(void)
{
	guest_exit_irqoff();
	/* The guest cannot write the debug registers (every DR access exits),
	 * but #VMEXIT resets DR7: put the host's breakpoints back. */
#ifdef CONFIG_X86_64
	if (hw_breakpoint_active())
		hw_breakpoint_restore();
#endif
	local_irq_enable();
	preempt_enable();
}

static void pv_kick_fn(void *unused)
{
}

void pv_platform_kick_cpu(unsigned int cpu)
{
	/* The IPI makes a guest on that CPU exit (the INTR intercept); waiting
	 * means it has left the guest by the time this returns. */
	int me = get_cpu();

	/* No vCPU is in a guest on the CPU this runs on. */
	if (cpu != me)
		smp_call_function_single(cpu, pv_kick_fn, NULL, 1);
	put_cpu();
}

/* --- preemption hooks (platform.h) ----------------------------------------- */
struct pv_preempt_hook {
	struct preempt_notifier notifier;
	void (*sched_out)(void *ctx, unsigned int cpu);
	void *ctx;
};

static void pv_hook_sched_in(struct preempt_notifier *pn, int cpu)
{
}

static void pv_hook_sched_out(struct preempt_notifier *pn, struct task_struct *next)
{
	struct pv_preempt_hook *hook = container_of(pn, struct pv_preempt_hook, notifier);

	hook->sched_out(hook->ctx, raw_smp_processor_id());
}

static struct preempt_ops pv_preempt_ops = {
	.sched_in = pv_hook_sched_in,
	.sched_out = pv_hook_sched_out,
};

struct pv_preempt_hook *pv_platform_preempt_hook_create(void (*sched_out)(void *ctx,
									  unsigned int cpu),
							void *ctx)
{
	struct pv_preempt_hook *hook = pv_platform_alloc(sizeof(*hook));

	if (!hook)
		return NULL;
	preempt_notifier_init(&hook->notifier, &pv_preempt_ops);
	hook->sched_out = sched_out;
	hook->ctx = ctx;
	/* The scheduler calls notifiers only while one is counted (a static
	 * key): one count per hook, as KVM takes one per VM. */
	preempt_notifier_inc();
	return hook;
}

void pv_platform_preempt_hook_destroy(struct pv_preempt_hook *hook)
{
	if (!hook)
		return;
	preempt_notifier_dec();
	pv_platform_free(hook, sizeof(*hook));
}

void pv_platform_preempt_hook_arm(struct pv_preempt_hook *hook)
{
	preempt_disable();
	preempt_notifier_register(&hook->notifier);
	preempt_enable();
}

void pv_platform_preempt_hook_disarm(struct pv_preempt_hook *hook)
{
	preempt_disable();
	preempt_notifier_unregister(&hook->notifier);
	preempt_enable();
}
