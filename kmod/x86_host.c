// SPDX-License-Identifier: GPL-2.0
/*
 * x86 host state a hardware-virtualization backend must share with the
 * kernel: CR4 through its shadow, the task's SPEC_CTRL, the L1TF flush, and
 * what VMX exits leave behind (platform.h, x86 section).
 */
#include <linux/preempt.h>
#ifdef CONFIG_X86_64
#include <asm/cpufeature.h>
#include <asm/desc.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>
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
	/* KVM's vmentry_l1d_flush=always, without its software fallback: a
	 * CPU affected by L1TF without IA32_FLUSH_CMD gets no flush. */
	return boot_cpu_has_bug(X86_BUG_L1TF) && boot_cpu_has(X86_FEATURE_FLUSH_L1D);
}

void pv_platform_x86_l1d_flush(void)
{
	native_wrmsrl(MSR_IA32_FLUSH_CMD, L1D_FLUSH);
}

void pv_platform_x86_vmx_restore_host(void)
{
	invalidate_tss_limit();
	load_fixmap_gdt(raw_smp_processor_id());
}
#endif /* CONFIG_X86_64 */
