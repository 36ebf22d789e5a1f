// SPDX-License-Identifier: GPL-2.0
/*
 * x86 host state a hardware-virtualization backend must share with the
 * kernel: CR4 through its shadow, the task's SPEC_CTRL, the L1TF policy, and
 * what VMX exits leave behind (platform.h, x86 section).
 */
#include <linux/cpu.h>
#include <linux/preempt.h>
#include <linux/sched/smt.h>
#ifdef CONFIG_X86_64
#include <asm/cpufeature.h>
#include <asm/desc.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>
#include <asm/processor.h>
#include <asm/tlbflush.h>

#include "portvisor/platform.h"

uint64_t pv_platform_x86_cr4_update(uint64_t set, uint64_t clear)
{
	unsigned long flags;
	unsigned long old;

	local_irq_save(flags);
	old = cr4_read_shadow();
	if (set)
		cr4_set_bits_irqsoff(set);
	if (clear)
		cr4_clear_bits_irqsoff(clear);
	local_irq_restore(flags);
	return old;
}

uint64_t pv_platform_x86_host_spec_ctrl(void)
{
	if (!boot_cpu_has(X86_FEATURE_MSR_SPEC_CTRL))
		return 0;
	return this_cpu_read(x86_spec_ctrl_current);
}

int pv_platform_x86_l1d_flush_wanted(void)
{
	u64 cap = 0;

	if (!boot_cpu_has_bug(X86_BUG_L1TF))
		return PV_L1D_FLUSH_NONE;
#if IS_ENABLED(CONFIG_KVM_INTEL)
	/* l1tf=off or mitigations=off: kvm_intel then never flushes either.
	 * The variable is exported only when kvm_intel can be built. */
	if (l1tf_mitigation == L1TF_MITIGATION_OFF)
		return PV_L1D_FLUSH_NONE;
#else
	if (cpu_mitigations_off()) /* l1tf=off alone cannot be seen here */
		return PV_L1D_FLUSH_NONE;
#endif
	if (boot_cpu_has(X86_FEATURE_ARCH_CAPABILITIES) &&
	    !rdmsrl_safe(MSR_IA32_ARCH_CAPABILITIES, &cap) &&
	    (cap & ARCH_CAP_SKIP_VMENTRY_L1DFLUSH))
		return PV_L1D_FLUSH_NONE;
	return boot_cpu_has(X86_FEATURE_FLUSH_L1D) ? PV_L1D_FLUSH_MSR :
						     PV_L1D_FLUSH_SOFTWARE;
}

int pv_platform_x86_l1tf_smt_warning(void)
{
	if (!boot_cpu_has_bug(X86_BUG_L1TF) || !sched_smt_active())
		return 0;
#if IS_ENABLED(CONFIG_KVM_INTEL)
	switch (l1tf_mitigation) {
	case L1TF_MITIGATION_FLUSH:
	case L1TF_MITIGATION_FLUSH_NOSMT:
	case L1TF_MITIGATION_FULL:
		return 1;
	default:
		return 0;
	}
#else
	return !cpu_mitigations_off();
#endif
}

void pv_platform_x86_vmx_restore_host(void)
{
	invalidate_tss_limit();
	load_fixmap_gdt(raw_smp_processor_id());
}
#endif /* CONFIG_X86_64 */
