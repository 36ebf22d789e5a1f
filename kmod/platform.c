// SPDX-License-Identifier: GPL-2.0
/*
 * Linux implementation of the platform door (core/include/portvisor/platform.h).
 * Every allocation the module makes passes through here and is counted;
 * main.c reports what is still outstanding when the module unloads.
 */
#define pr_fmt(fmt) "portvisor: " fmt

#include <linux/atomic.h>
#include <linux/cpu.h>
#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/preempt.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/uaccess.h>
#include <asm/io.h>
#ifdef CONFIG_X86_64
#include <asm/msr.h>
#include <asm/pgtable_types.h>
#endif

#include "portvisor/platform.h"
#include "platform_internal.h"

static atomic64_t pv_alloc_bytes = ATOMIC64_INIT(0);
static atomic64_t pv_alloc_objects = ATOMIC64_INIT(0);
static atomic64_t pv_alloc_pages = ATOMIC64_INIT(0);
static atomic64_t pv_total_allocs = ATOMIC64_INIT(0);

static void pv_count_alloc(size_t bytes, int pages)
{
	atomic64_add(bytes, &pv_alloc_bytes);
	atomic64_inc(&pv_alloc_objects);
	atomic64_add(pages, &pv_alloc_pages);
	atomic64_inc(&pv_total_allocs);
}

static void pv_count_free(size_t bytes, int pages)
{
	atomic64_sub(bytes, &pv_alloc_bytes);
	atomic64_dec(&pv_alloc_objects);
	atomic64_sub(pages, &pv_alloc_pages);
}

static DEFINE_MUTEX(pv_module_mutex);

void pv_platform_module_lock(void)
{
	mutex_lock(&pv_module_mutex);
}

void pv_platform_module_unlock(void)
{
	mutex_unlock(&pv_module_mutex);
}

unsigned int pv_platform_cpu_ids(void)
{
	return nr_cpu_ids;
}

void *pv_platform_alloc(size_t bytes)
{
	void *ptr;

	if (bytes == 0)
		return NULL;
	/* _ACCOUNT: charged to the memory cgroup of the process that asked. */
	ptr = kzalloc(bytes, GFP_KERNEL_ACCOUNT);
	if (ptr)
		pv_count_alloc(bytes, 0);
	return ptr;
}

void pv_platform_free(void *ptr, size_t bytes)
{
	if (!ptr)
		return;
	kfree(ptr);
	pv_count_free(bytes, 0);
}

void *pv_platform_alloc_page(void)
{
	/* Stage-2 tables grow under a VM's spinlock (a stage-2 fault filling
	 * a page): there, no sleep and no reclaim, which could call back into
	 * the mmu notifier that needs that lock. */
	gfp_t gfp = preemptible() ? GFP_KERNEL_ACCOUNT : (GFP_NOWAIT | __GFP_ACCOUNT);
	void *page = (void *)get_zeroed_page(gfp);

	if (page)
		pv_count_alloc(PAGE_SIZE, 1);
	return page;
}

void pv_platform_free_page(void *page)
{
	if (!page)
		return;
	free_page((unsigned long)page);
	pv_count_free(PAGE_SIZE, 1);
}

void *pv_platform_alloc_pages(unsigned int order)
{
	void *pages;

	if (order > 4) /* at most 16 pages: arm64's concatenated stage-2 roots */
		return NULL;
	pages = (void *)__get_free_pages(GFP_KERNEL_ACCOUNT | __GFP_ZERO, order);
	if (pages)
		pv_count_alloc(PAGE_SIZE << order, 1 << order);
	return pages;
}

void pv_platform_free_pages(void *pages, unsigned int order)
{
	if (!pages)
		return;
	free_pages((unsigned long)pages, order);
	pv_count_free(PAGE_SIZE << order, 1 << order);
}

uint64_t pv_platform_virt_to_phys(const void *virt)
{
	return virt_to_phys((void *)virt);
}

void *pv_platform_phys_to_virt(uint64_t phys)
{
	return phys_to_virt(phys);
}

void pv_platform_alloc_stats(struct pv_alloc_stats *out)
{
	out->bytes = atomic64_read(&pv_alloc_bytes);
	out->objects = atomic64_read(&pv_alloc_objects);
	out->pages = atomic64_read(&pv_alloc_pages);
	out->total_allocs = atomic64_read(&pv_total_allocs);
}

int pv_platform_copy_from_user(void *dst, uint64_t user_src, size_t bytes)
{
	return copy_from_user(dst, u64_to_user_ptr(user_src), bytes) ? -EFAULT : 0;
}

int pv_platform_copy_to_user(uint64_t user_dst, const void *src, size_t bytes)
{
	return copy_to_user(u64_to_user_ptr(user_dst), src, bytes) ? -EFAULT : 0;
}

unsigned int pv_platform_online_cpus(void)
{
	return num_online_cpus();
}

struct pv_cpu_call {
	int (*fn)(void *arg, unsigned int cpu);
	void *arg;
	int ret;
};

/* IPI context (or local with interrupts off): preemption is off. */
static void pv_cpu_call_fn(void *info)
{
	struct pv_cpu_call *call = info;

	call->ret = call->fn(call->arg, smp_processor_id());
}

int pv_platform_on_each_cpu(int (*fn)(void *arg, unsigned int cpu), void *arg)
{
	int cpu, ret = 0;

	cpus_read_lock(); /* no CPU comes or goes while we walk them */
	for_each_online_cpu(cpu) {
		struct pv_cpu_call call = { .fn = fn, .arg = arg, .ret = 0 };

		ret = smp_call_function_single(cpu, pv_cpu_call_fn, &call, 1);
		if (!ret)
			ret = call.ret;
		if (ret)
			break;
	}
	cpus_read_unlock();
	return ret;
}

int pv_platform_call_on_this_cpu(int (*fn)(void *arg, unsigned int cpu), void *arg)
{
	int ret;

	preempt_disable();
	ret = fn(arg, smp_processor_id());
	preempt_enable();
	return ret;
}

#ifdef CONFIG_X86_64
int pv_platform_rdmsr_safe(uint32_t msr, uint64_t *value)
{
	unsigned long long v;

	if (rdmsrl_safe(msr, &v))
		return -EIO;
	*value = v;
	return 0;
}

unsigned int pv_platform_x86_paging_levels(void)
{
	return pgtable_l5_enabled() ? 5 : 4;
}
#endif

void pv_platform_log(enum pv_log_level level, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	switch (level) {
	case PV_LOG_ERR:
		pr_err("%pV", &vaf);
		break;
	case PV_LOG_WARN:
		pr_warn("%pV", &vaf);
		break;
	case PV_LOG_INFO:
		pr_info("%pV", &vaf);
		break;
	default:
		pr_debug("%pV", &vaf);
		break;
	}
	va_end(args);
}

bool pv_platform_report_outstanding(const char *when)
{
	struct pv_alloc_stats s;

	pv_platform_alloc_stats(&s);
	if (s.objects == 0 && s.bytes == 0) {
		pr_info("%s: 0 bytes in 0 allocations outstanding (%llu allocations made)\n",
			when, s.total_allocs);
		return true;
	}
	pr_err("%s: LEAK: %llu bytes in %llu allocations (%llu pages) outstanding\n",
	       when, s.bytes, s.objects, s.pages);
	return false;
}
