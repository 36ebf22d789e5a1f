// SPDX-License-Identifier: GPL-2.0
// VM and vCPU lifetime, the hardware reference count, the allow-list, and
// stage-2 invalidation across the VM's vCPUs.
#include "portvisor/core/ioctl.h"
#include "portvisor/core/module.h"
#include "portvisor/core/vm/vm_ops.h"
#include "portvisor/core_api.h"

struct pv_core_vm : pv::core::vm {};
struct pv_core_vcpu : pv::core::vcpu {};

namespace pv::core {
namespace {

static_assert(sizeof(pv_create_vm) == 32, "uapi struct size is ABI");
static_assert(sizeof(pv_memory_region) == 48, "uapi struct size is ABI");
static_assert(sizeof(pv_allow_list) == 32, "uapi struct size is ABI");
static_assert(sizeof(pv_regs_x86_64) == 144, "uapi struct size is ABI");
static_assert(sizeof(pv_segment) == 16 && sizeof(pv_dtable) == 16, "uapi struct size is ABI");
static_assert(sizeof(pv_sregs_x86_64) == 8 * 16 + 2 * 16 + 7 * 8 + 4 * 8,
	      "uapi struct size is ABI");
static_assert(sizeof(pv_run) <= PV_RUN_PAGE_SIZE, "the run page holds struct pv_run");
static_assert(max_vcpus == PV_MAX_VCPUS);
static_assert(trap::syscall_allow_list::capacity == PV_ALLOW_LIST_MAX);

// x86_64 user space with 4-level paging: 47 bits (TASK_SIZE_MAX).
constexpr u32 mirror_min_phys_bits = 47;

// VMs alive; the first turns the extension on, the last off. Under the
// platform's module lock.
constinit u32 g_hardware_users = 0;

const vm_ops* chosen_ops()
{
	const module_state* m = current_module();
	return m ? vm_ops_for(m->caps.kind) : nullptr;
}

long set_allow_list(vm& v, uint64_t arg)
{
	pv_allow_list req{};
	if (pv_platform_copy_from_user(&req, arg, sizeof(req)) != 0)
		return -PV_EFAULT;
	if (req.flags != 0 || req.reserved[0] != 0 || req.reserved[1] != 0)
		return -PV_EINVAL;
	if (req.count > PV_ALLOW_LIST_MAX)
		return -PV_E2BIG;
	// The trap reads the list without a lock: it is set before any vCPU.
	if (v.vcpu_count != 0)
		return -PV_EBUSY;
	trap::syscall_allow_list list{};
	list.active = req.count != 0;
	for (u32 i = 0; i < req.count; i++) {
		u32 nr = 0;
		if (pv_platform_copy_from_user(&nr, req.nrs + u64(i) * sizeof(nr), sizeof(nr)) != 0)
			return -PV_EFAULT;
		if (nr >= trap::syscall_allow_list::capacity)
			return -PV_EINVAL;
		list.words[nr / 64] |= 1ULL << (nr % 64);
	}
	v.policy.allow_list = list;
	return 0;
}

static_assert(sizeof(pv_vm_stats) == 64, "uapi struct size is ABI");
static_assert(offsetof(pv_vm_stats, reserved) == PV_VM_STATS_MIN_SIZE);

long get_vm_stats(vm& v, uint64_t arg)
{
	pv_platform_vm_lock(v.os_vm);
	const stage2::stats t = v.ops->stage2_stats(v);
	pv_platform_vm_unlock(v.os_vm);
	pv_vm_stats s{};
	s.pages_4k = t.pages_4k;
	s.pages_2m = t.pages_2m;
	s.pages_1g = t.pages_1g;
	s.table_pages = t.table_pages;
	s.invalidations = t.invalidations;
	return copy_out_sized(arg, s, PV_VM_STATS_MIN_SIZE);
}

}  // namespace

void flush_vcpus(vm& v)
{
	// The vCPU publishes its CPU before it reads the generation: a vCPU
	// that read the old one is seen here and made to leave the guest.
	__atomic_add_fetch(&v.tlb_generation, 1, __ATOMIC_SEQ_CST);
	for (u32 i = 0; i < max_vcpus; i++) {
		const vcpu* c = __atomic_load_n(&v.vcpus[i], __ATOMIC_ACQUIRE);
		if (c == nullptr)
			continue;
		const int cpu = __atomic_load_n(&c->in_guest_cpu, __ATOMIC_SEQ_CST);
		if (cpu >= 0)
			pv_platform_kick_cpu(static_cast<unsigned>(cpu));
	}
}

}  // namespace pv::core

using namespace pv;
using namespace pv::core;

extern "C" int pv_core_check_create_vm(uint64_t arg, uint32_t* flags, uint64_t* guest_phys_limit)
{
	const module_state* m = current_module();
	if (m == nullptr || vm_ops_for(m->caps.kind) == nullptr)
		return -PV_EOPNOTSUPP;
	pv_create_vm req{};
	if (pv_platform_copy_from_user(&req, arg, sizeof(req)) != 0)
		return -PV_EFAULT;
	if ((req.flags & ~PV_VM_MIRROR) != 0 || req.reserved0 != 0)
		return -PV_EINVAL;
	for (u64 r : req.reserved)
		if (r != 0)
			return -PV_EINVAL;
	// Mirror mode puts host-virtual addresses in guest-physical ones, and
	// the hardware refuses guest-physical addresses beyond its width
	// (VMRUN / VM entry check CR3 and the nested walk against it).
	const u32 bits = m->caps.guest_phys_bits;
	if ((req.flags & PV_VM_MIRROR) != 0 && bits < mirror_min_phys_bits) {
		pv_platform_log(
		    PV_LOG_ERR,
		    "mirror mode needs %u-bit guest-physical addresses to hold user-space "
		    "addresses; this CPU has %u\n",
		    mirror_min_phys_bits, bits);
		return -PV_ERANGE;
	}
	*flags = req.flags;
	// What both the CPU and the stage-2 walk can address (x86: 48 bits
	// with 4 levels, 57 with 5).
	const u32 walk_bits = m->caps.stage2_levels == 5 ? 57 : 48;
	*guest_phys_limit = 1ULL << min(bits, walk_bits);
	return 0;
}

extern "C" int pv_core_vm_create(void* os_vm, pv_core_vm** out)
{
	const vm_ops* ops = chosen_ops();
	if (ops == nullptr)
		return -PV_EOPNOTSUPP;
	void* mem = pv_platform_alloc(sizeof(pv_core_vm));
	if (mem == nullptr)
		return -PV_ENOMEM;
	auto* v = new (mem) pv_core_vm{};
	v->os_vm = os_vm;
	v->ops = ops;
	pv_platform_module_lock();
	int rc = 0;
	if (g_hardware_users == 0)
		rc = ops->hardware_enable();
	if (rc == 0)
		g_hardware_users++;
	pv_platform_module_unlock();
	if (rc == 0) {
		rc = ops->vm_init(*v);
		if (rc != 0) {
			pv_platform_module_lock();
			if (--g_hardware_users == 0)
				ops->hardware_disable();
			pv_platform_module_unlock();
		}
	}
	if (rc != 0) {
		pv_platform_free(v, sizeof(pv_core_vm));
		return rc;
	}
	*out = v;
	return 0;
}

extern "C" void pv_core_vm_destroy(pv_core_vm* v)
{
	const vm_ops* ops = v->ops;
	ops->vm_destroy(*v);
	pv_platform_free(v, sizeof(pv_core_vm));
	pv_platform_module_lock();
	if (--g_hardware_users == 0)
		ops->hardware_disable();
	pv_platform_module_unlock();
}

extern "C" long pv_core_vm_ioctl(pv_core_vm* v, unsigned int cmd, uint64_t arg)
{
	if (ioc_type(cmd) != PV_IOCTL_TYPE)
		return -PV_ENOTTY;
	if (ioc_nr(cmd) == ioc_nr(PV_SET_ALLOW_LIST) && ioc_dir(cmd) == _IOC_WRITE)
		return set_allow_list(*v, arg);
	if (ioc_nr(cmd) == ioc_nr(PV_GET_VM_STATS) && ioc_dir(cmd) == (_IOC_READ | _IOC_WRITE))
		return get_vm_stats(*v, arg);
	return -PV_ENOTTY;
}

extern "C" uint64_t pv_core_vm_page_sizes(const pv_core_vm* v) { return v->page_sizes; }

extern "C" int pv_core_vm_map(pv_core_vm* v, uint64_t gpa, uint64_t hpa, uint64_t size, int write,
			      int exec)
{
	if ((size & v->page_sizes) == 0 || (size & (size - 1)) != 0 ||
	    ((gpa | hpa) & (size - 1)) != 0)
		return -PV_EINVAL;
	return v->ops->map(*v, gpa, hpa, size, write != 0, exec != 0);
}

extern "C" void pv_core_vm_unmap(pv_core_vm* v, uint64_t gpa, uint64_t size)
{
	if (v->ops->unmap(*v, gpa, size))
		flush_vcpus(*v);
}

extern "C" int pv_core_vcpu_create(pv_core_vm* v, unsigned int id, void* run_page,
				   pv_core_vcpu** out)
{
	if (id >= max_vcpus)
		return -PV_EINVAL;
	void* mem = pv_platform_alloc(sizeof(pv_core_vcpu));
	if (mem == nullptr)
		return -PV_ENOMEM;
	auto* c = new (mem) pv_core_vcpu{};
	c->owner = v;
	c->id = id;
	c->run = static_cast<pv_run*>(run_page);
	const int rc = v->ops->vcpu_init(*c);
	if (rc != 0) {
		pv_platform_free(c, sizeof(pv_core_vcpu));
		return rc;
	}
	*out = c;
	return 0;
}

extern "C" int pv_core_vcpu_attach(pv_core_vcpu* c)
{
	vm& v = *c->owner;
	if (v.vcpus[c->id] != nullptr)
		return -PV_EEXIST;
	__atomic_store_n(&v.vcpus[c->id], static_cast<vcpu*>(c), __ATOMIC_RELEASE);
	v.vcpu_count++;
	return 0;
}

extern "C" void pv_core_vcpu_detach(pv_core_vcpu* c)
{
	vm& v = *c->owner;
	if (v.vcpus[c->id] == c) {
		__atomic_store_n(&v.vcpus[c->id], nullptr, __ATOMIC_RELEASE);
		v.vcpu_count--;
	}
}

extern "C" void pv_core_vcpu_destroy(pv_core_vcpu* c)
{
	c->owner->ops->vcpu_destroy(*c);
	pv_platform_free(c, sizeof(pv_core_vcpu));
}

extern "C" int pv_core_cpu_online(unsigned int cpu)
{
	const vm_ops* ops = chosen_ops();
	if (ops == nullptr)
		return 0;
	// Called by the hotplug machinery, which excludes hardware_enable's
	// walk over the online CPUs; the count is read without the lock. The
	// backend hears of every CPU that comes back, VMs or not: it marked
	// the CPU as going away in cpu_offline.
	return ops->cpu_online(cpu, __atomic_load_n(&g_hardware_users, __ATOMIC_ACQUIRE) != 0);
}

extern "C" void pv_core_cpu_offline(unsigned int cpu)
{
	// Always: the backend forgets what it had turned on there, whatever
	// the count says (a CPU comes back with the extension off).
	const vm_ops* ops = chosen_ops();
	if (ops != nullptr)
		ops->cpu_offline(cpu);
}
