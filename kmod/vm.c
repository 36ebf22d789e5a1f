// SPDX-License-Identifier: GPL-2.0
/*
 * VM and vCPU files, guest memory and its coherence with the process.
 *
 * A VM belongs to the mm of the process that created it: its memory slots
 * map guest-physical ranges onto that process's virtual addresses (or, in
 * mirror mode, guest-physical == host-virtual for all of user space), and
 * stage 2 is filled lazily, one leaf per fault, from the process's page
 * tables: a 2 MiB or 1 GiB leaf where the process maps the page with one
 * (THP, hugetlbfs) and the slot allows, else 4 KiB. An mmu notifier takes
 * mappings away before the mm changes them (munmap, mprotect, fork's
 * copy-on-write, THP, reclaim, migration), with KVM's sequence-count
 * protocol against faults in flight.
 *
 * Locks: vm->lock (mutex) serialises slot and vCPU changes; vm->mmu_lock
 * (spinlock) guards the stage-2 tables, the slots as faults read them, and
 * the vCPU list invalidations walk. vcpu->lock serialises its ioctls.
 */
#define pr_fmt(fmt) "portvisor: " fmt

#include <linux/anon_inodes.h>
#include <linux/cc_platform.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <asm/io.h>

#include "portvisor/core_api.h"
#include "platform_internal.h"
#include "uapi/portvisor.h"

struct pv_slot {
	u64 guest_phys;
	u64 size; /* 0: unused */
	u64 user_addr;
	u32 flags;
};

struct pv_vm {
	struct pv_core_vm *core;
	struct mm_struct *mm;
	struct mmu_notifier mn;
	struct file *file;
	struct mutex lock;
	spinlock_t mmu_lock;
	unsigned long mmu_seq;      /* bumped when an invalidation ends */
	long invalidations_running; /* between range_start and range_end */
	bool mirror;
	u64 phys_limit; /* first guest-physical address the CPU cannot use */
	struct pv_slot slots[PV_MAX_MEMORY_SLOTS];
};

struct pv_vcpu {
	struct pv_core_vcpu *core;
	struct pv_vm *vm;
	struct mutex lock;
	void *run_page;
};

static void *pv_zalloc(size_t bytes)
{
	return pv_platform_alloc(bytes);
}

/* A reserved fd (close-on-exec) and an anonymous file for `priv`; the
 * caller installs it once nothing can fail any more. fd or -errno. */
static int pv_new_file(const char *name, const struct file_operations *fops, void *priv,
		       struct file **out)
{
	struct file *file;
	int fd = get_unused_fd_flags(O_CLOEXEC);

	if (fd < 0)
		return fd;
	file = anon_inode_getfile(name, fops, priv, O_RDWR);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		return PTR_ERR(file);
	}
	*out = file;
	return fd;
}

/* ---- stage-2 coherence --------------------------------------------------- */

/* Takes away every guest mapping of host-virtual [start, end). mmu_lock held. */
static void pv_unmap_hva_range(struct pv_vm *vm, u64 start, u64 end)
{
	int i;

	for (i = 0; i < PV_MAX_MEMORY_SLOTS; i++) {
		struct pv_slot *s = &vm->slots[i];
		u64 lo, hi;

		if (!s->size)
			continue;
		lo = max(start, s->user_addr);
		hi = min(end, s->user_addr + s->size);
		if (lo >= hi)
			continue;
		pv_core_vm_unmap(vm->core, s->guest_phys + (lo - s->user_addr), hi - lo);
	}
}

static int pv_mn_invalidate_range_start(struct mmu_notifier *mn,
					const struct mmu_notifier_range *range)
{
	struct pv_vm *vm = container_of(mn, struct pv_vm, mn);

	/* Spinlock and IPIs only: fine where the range may not block. */
	spin_lock(&vm->mmu_lock);
	vm->invalidations_running++;
	pv_unmap_hva_range(vm, range->start, range->end);
	spin_unlock(&vm->mmu_lock);
	return 0;
}

static void pv_mn_invalidate_range_end(struct mmu_notifier *mn,
				       const struct mmu_notifier_range *range)
{
	struct pv_vm *vm = container_of(mn, struct pv_vm, mn);

	spin_lock(&vm->mmu_lock);
	vm->mmu_seq++;
	vm->invalidations_running--;
	spin_unlock(&vm->mmu_lock);
}

static void pv_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct pv_vm *vm = container_of(mn, struct pv_vm, mn);

	/* The process is exiting: its memory goes, so do all mappings. */
	spin_lock(&vm->mmu_lock);
	pv_unmap_hva_range(vm, 0, TASK_SIZE_MAX);
	vm->mmu_seq++;
	spin_unlock(&vm->mmu_lock);
}

static const struct mmu_notifier_ops pv_mmu_notifier_ops = {
	.invalidate_range_start = pv_mn_invalidate_range_start,
	.invalidate_range_end = pv_mn_invalidate_range_end,
	.release = pv_mn_release,
};

static struct pv_slot *pv_find_slot(struct pv_vm *vm, u64 gpa)
{
	int i;

	for (i = 0; i < PV_MAX_MEMORY_SLOTS; i++) {
		struct pv_slot *s = &vm->slots[i];

		if (s->size && gpa >= s->guest_phys && gpa - s->guest_phys < s->size)
			return s;
	}
	return NULL;
}

void pv_platform_vm_lock(void *os_vm)
{
	spin_lock(&((struct pv_vm *)os_vm)->mmu_lock);
}

void pv_platform_vm_unlock(void *os_vm)
{
	spin_unlock(&((struct pv_vm *)os_vm)->mmu_lock);
}

/*
 * The size of the leaf through which the process maps hva now: PUD_SIZE or
 * PMD_SIZE for a huge mapping (writable, if `write`), else PAGE_SIZE. Read
 * without the page-table locks, with interrupts off so that no table is
 * freed under the walk (KVM's host_pfn_mapping_level); a change after the
 * caller read mmu_seq is seen there, and the leaf is not used.
 */
static unsigned long pv_host_leaf_size(struct mm_struct *mm, unsigned long hva, bool write)
{
	unsigned long flags, size = PAGE_SIZE;
	pgd_t pgd;
	p4d_t p4d;
	pud_t pud;
	pmd_t pmd;

	local_irq_save(flags);
	pgd = READ_ONCE(*pgd_offset(mm, hva));
	if (pgd_none(pgd) || !pgd_present(pgd))
		goto out;
	p4d = READ_ONCE(*p4d_offset(&pgd, hva));
	if (p4d_none(p4d) || !p4d_present(p4d))
		goto out;
	pud = READ_ONCE(*pud_offset(&p4d, hva));
	if (pud_none(pud) || !pud_present(pud))
		goto out;
	if (pud_leaf(pud)) {
		if (!write || pud_write(pud))
			size = PUD_SIZE;
		goto out;
	}
	pmd = READ_ONCE(*pmd_offset(&pud, hva));
	if (pmd_present(pmd) && pmd_leaf(pmd) && (!write || pmd_write(pmd)))
		size = PMD_SIZE;
out:
	local_irq_restore(flags);
	return size;
}

/*
 * The leaf size for a fault at gpa (slot s, host page at hva, vma): the
 * largest the VM's stage 2 maps that the host's own leaf has, that the slot
 * and the vma cover whole, and at which guest-physical and host-virtual
 * addresses agree (the same offset in the leaf).
 */
static u64 pv_leaf_size(struct pv_vm *vm, const struct pv_slot *s, struct vm_area_struct *vma,
			u64 gpa, unsigned long hva, bool write)
{
	u64 sizes = pv_core_vm_page_sizes(vm->core);
	unsigned long host = 0;
	u64 size;

	for (size = PV_PAGE_SIZE_1G; size > PAGE_SIZE; size >>= 9) {
		u64 gpa_base = gpa & ~(size - 1);
		unsigned long hva_base = hva & ~(unsigned long)(size - 1);

		if (!(sizes & size) || ((s->user_addr - s->guest_phys) & (size - 1)) ||
		    gpa_base < s->guest_phys || gpa_base + size > s->guest_phys + s->size ||
		    hva_base < vma->vm_start || hva_base + size > vma->vm_end)
			continue;
		if (!host)
			host = pv_host_leaf_size(vm->mm, hva, write);
		if (host >= size)
			return size;
	}
	return PAGE_SIZE;
}

int pv_platform_stage2_fault(void *os_vm, uint64_t gpa, unsigned int access)
{
	struct pv_vm *vm = os_vm;
	bool write = access & PV_ACCESS_WRITE;
	struct vm_area_struct *vma;
	unsigned long seq, hva;
	struct pv_slot slot;
	struct page *page;
	struct pv_slot *s;
	bool exec, readonly;
	u64 size = PAGE_SIZE, hpa = 0;
	long got;
	int ret;

	if (current->mm != vm->mm)
		return -EFAULT;
	spin_lock(&vm->mmu_lock);
	s = pv_find_slot(vm, gpa);
	if (s) {
		slot = *s;
		hva = (s->user_addr + (gpa - s->guest_phys)) & PAGE_MASK;
		readonly = s->flags & PV_MEM_READONLY;
	}
	seq = vm->mmu_seq;
	spin_unlock(&vm->mmu_lock);
	if (!s || (write && readonly))
		return -EFAULT;
	/* The sequence is read before the page: an invalidation after this
	 * point is seen below, and the page is not mapped. A slot change
	 * bumps it too, so the copy of the slot stays true until then. */
	smp_rmb();

	mmap_read_lock(vm->mm);
	vma = vma_lookup(vm->mm, hva);
	/* Only what the process itself could access that way. */
	if (!vma || (vma->vm_flags & (VM_IO | VM_PFNMAP)) || !(vma->vm_flags & VM_READ) ||
	    (write && !(vma->vm_flags & VM_WRITE)) ||
	    ((access & PV_ACCESS_EXEC) && !(vma->vm_flags & VM_EXEC))) {
		mmap_read_unlock(vm->mm);
		return -EFAULT;
	}
	exec = vma->vm_flags & VM_EXEC;
	got = get_user_pages(hva, 1, write ? FOLL_WRITE : 0, &page, NULL);
	if (got == 1) {
		/* After the page is in: the walk sees the mapping gup made. */
		size = pv_leaf_size(vm, &slot, vma, gpa & PAGE_MASK, hva, write);
		/* The huge leaf holds the page at hva's offset in it. */
		hpa = page_to_phys(page) - (hva & (size - 1));
		if (hpa & (size - 1)) {
			size = PAGE_SIZE; /* not the leaf the walk saw: changed meanwhile */
			hpa = page_to_phys(page);
		}
	}
	mmap_read_unlock(vm->mm);
	if (got != 1)
		return got < 0 && got != -EFAULT ? (int)got : -EFAULT;

	spin_lock(&vm->mmu_lock);
	if (vm->invalidations_running || vm->mmu_seq != seq)
		ret = 0; /* changed meanwhile: the guest faults again */
	else
		ret = pv_core_vm_map(vm->core, gpa & ~(size - 1), hpa, size, write, exec);
	spin_unlock(&vm->mmu_lock);
	put_page(page);
	if (ret == -ENOMEM) {
		/* A table page could not be had without sleeping (the lock is
		 * a spinlock): reclaim here, where sleeping is fine, and let
		 * the guest fault again; -ENOMEM only if even that fails. */
		struct page *spare = alloc_page(GFP_KERNEL_ACCOUNT);

		if (!spare)
			return -ENOMEM;
		__free_page(spare);
		return 0;
	}
	return ret;
}

/* ---- vCPU files ------------------------------------------------------------ */

static long pv_vcpu_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct pv_vcpu *vcpu = file->private_data;
	long ret;

	if (current->mm != vcpu->vm->mm)
		return -EPERM;
	if (_IOC_TYPE(cmd) != PV_IOCTL_TYPE)
		return -ENOTTY; /* before the lock: a guest's stray ioctl on its own fd */
	/*
	 * A reference of our own for the whole call: a single-threaded caller's
	 * fd table lends none, and a direct syscall inside PV_RUN may close
	 * this fd and run the final fput's task work (io_uring does).
	 */
	get_file(file);
	if (mutex_lock_killable(&vcpu->lock)) {
		fput(file);
		return -EINTR;
	}
	ret = pv_core_vcpu_ioctl(vcpu->core, cmd, arg);
	mutex_unlock(&vcpu->lock);
	fput(file);
	return ret;
}

static int pv_vcpu_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct pv_vcpu *vcpu = file->private_data;

	if (current->mm != vcpu->vm->mm)
		return -EPERM;
	if (vma->vm_pgoff != 0 || vma->vm_end - vma->vm_start != PAGE_SIZE)
		return -EINVAL;
	if (vma->vm_flags & VM_WRITE)
		return -EPERM; /* the run page is the module's: read-only */
	vma->vm_flags &= ~VM_MAYWRITE;
	vma->vm_flags |= VM_DONTEXPAND;
	return vm_insert_page(vma, vma->vm_start, virt_to_page(vcpu->run_page));
}

static int pv_vcpu_release(struct inode *inode, struct file *file)
{
	struct pv_vcpu *vcpu = file->private_data;
	struct pv_vm *vm = vcpu->vm;

	mutex_lock(&vm->lock);
	spin_lock(&vm->mmu_lock);
	pv_core_vcpu_detach(vcpu->core);
	spin_unlock(&vm->mmu_lock);
	mutex_unlock(&vm->lock);
	pv_core_vcpu_destroy(vcpu->core);
	/* A user mapping keeps the page (vm_insert_page took a reference). */
	pv_platform_free_page(vcpu->run_page);
	pv_platform_free(vcpu, sizeof(*vcpu));
	fput(vm->file);
	return 0;
}

static const struct file_operations pv_vcpu_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = pv_vcpu_ioctl,
	.mmap = pv_vcpu_mmap,
	.release = pv_vcpu_release,
	.llseek = noop_llseek,
};

static long pv_vm_create_vcpu(struct pv_vm *vm, unsigned long id)
{
	struct pv_vcpu *vcpu;
	struct file *file;
	int fd, ret;

	if (id >= PV_MAX_VCPUS)
		return -EINVAL;
	vcpu = pv_zalloc(sizeof(*vcpu));
	if (!vcpu)
		return -ENOMEM;
	mutex_init(&vcpu->lock);
	vcpu->vm = vm;
	vcpu->run_page = pv_platform_alloc_page();
	if (!vcpu->run_page) {
		ret = -ENOMEM;
		goto out_free;
	}
	ret = pv_core_vcpu_create(vm->core, id, vcpu->run_page, &vcpu->core);
	if (ret)
		goto out_page;
	mutex_lock(&vm->lock);
	spin_lock(&vm->mmu_lock);
	ret = pv_core_vcpu_attach(vcpu->core);
	spin_unlock(&vm->mmu_lock);
	mutex_unlock(&vm->lock);
	if (ret)
		goto out_core;
	fd = pv_new_file("portvisor-vcpu", &pv_vcpu_fops, vcpu, &file);
	if (fd < 0) {
		ret = fd;
		goto out_detach;
	}
	get_file(vm->file); /* the vCPU keeps its VM */
	fd_install(fd, file);
	return fd;

out_detach:
	mutex_lock(&vm->lock);
	spin_lock(&vm->mmu_lock);
	pv_core_vcpu_detach(vcpu->core);
	spin_unlock(&vm->mmu_lock);
	mutex_unlock(&vm->lock);
out_core:
	pv_core_vcpu_destroy(vcpu->core);
out_page:
	pv_platform_free_page(vcpu->run_page);
out_free:
	pv_platform_free(vcpu, sizeof(*vcpu));
	return ret;
}

/* ---- VM files --------------------------------------------------------------- */

static long pv_vm_set_region(struct pv_vm *vm, unsigned long arg)
{
	struct pv_memory_region r;
	struct pv_slot *s;
	u64 end;
	int i;

	if (copy_from_user(&r, (void __user *)arg, sizeof(r)))
		return -EFAULT;
	if (r.reserved[0] || r.reserved[1] || (r.flags & ~PV_MEM_READONLY))
		return -EINVAL;
	if (vm->mirror || r.slot >= PV_MAX_MEMORY_SLOTS)
		return -EINVAL;
	if (!PAGE_ALIGNED(r.guest_phys) || !PAGE_ALIGNED(r.size) || !PAGE_ALIGNED(r.user_addr))
		return -EINVAL;
	if (r.size && (check_add_overflow(r.guest_phys, r.size, &end) ||
		       r.user_addr + r.size < r.user_addr || r.user_addr + r.size > TASK_SIZE_MAX ||
		       end > vm->phys_limit))
		return -EINVAL;
	mutex_lock(&vm->lock);
	for (i = 0; r.size && i < PV_MAX_MEMORY_SLOTS; i++) {
		s = &vm->slots[i];
		if (i != r.slot && s->size && r.guest_phys < s->guest_phys + s->size &&
		    s->guest_phys < r.guest_phys + r.size) {
			mutex_unlock(&vm->lock);
			return -EEXIST;
		}
	}
	s = &vm->slots[r.slot];
	spin_lock(&vm->mmu_lock);
	if (s->size)
		pv_core_vm_unmap(vm->core, s->guest_phys, s->size);
	s->guest_phys = r.guest_phys;
	s->size = r.size;
	s->user_addr = r.user_addr;
	s->flags = r.flags;
	vm->mmu_seq++;
	spin_unlock(&vm->mmu_lock);
	mutex_unlock(&vm->lock);
	return 0;
}

static long pv_vm_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct pv_vm *vm = file->private_data;
	long ret;

	if (current->mm != vm->mm)
		return -EPERM; /* a VM is its creator's: not a child's after fork */
	switch (cmd) {
	case PV_SET_MEMORY_REGION:
		return pv_vm_set_region(vm, arg);
	case PV_CREATE_VCPU:
		return pv_vm_create_vcpu(vm, arg);
	default:
		mutex_lock(&vm->lock);
		ret = pv_core_vm_ioctl(vm->core, cmd, arg);
		mutex_unlock(&vm->lock);
		return ret;
	}
}

static int pv_vm_release(struct inode *inode, struct file *file)
{
	struct pv_vm *vm = file->private_data;

	/* No vCPU is left: each holds a reference on this file. */
	mmu_notifier_unregister(&vm->mn, vm->mm);
	pv_core_vm_destroy(vm->core);
	pv_platform_free(vm, sizeof(*vm));
	return 0;
}

static const struct file_operations pv_vm_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = pv_vm_ioctl,
	.release = pv_vm_release,
	.llseek = noop_llseek,
};

long pv_vm_create(unsigned long arg)
{
	struct pv_vm *vm;
	struct file *file;
	u64 phys_limit;
	u32 flags;
	int fd, ret;

	ret = pv_core_check_create_vm(arg, &flags, &phys_limit);
	if (ret)
		return ret;
	/* Addresses handed to the hardware (VMCB, nested tables) carry no
	 * encryption bit: with host memory encryption they would be wrong. */
	if (cc_platform_has(CC_ATTR_HOST_MEM_ENCRYPT)) {
		pr_err_ratelimited("no VMs with host memory encryption (SME) active\n");
		return -EOPNOTSUPP;
	}
	if (!current->mm)
		return -EINVAL;
	vm = pv_zalloc(sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	mutex_init(&vm->lock);
	spin_lock_init(&vm->mmu_lock);
	vm->mm = current->mm;
	vm->mirror = flags & PV_VM_MIRROR;
	vm->phys_limit = phys_limit;
	if (vm->mirror)
		vm->slots[0] = (struct pv_slot){ .guest_phys = 0,
						 .size = min_t(u64, TASK_SIZE_MAX, phys_limit),
						 .user_addr = 0 };
	ret = pv_core_vm_create(vm, &vm->core);
	if (ret)
		goto out_free;
	vm->mn.ops = &pv_mmu_notifier_ops;
	ret = mmu_notifier_register(&vm->mn, current->mm);
	if (ret)
		goto out_core;
	fd = pv_new_file("portvisor-vm", &pv_vm_fops, vm, &file);
	if (fd < 0) {
		ret = fd;
		goto out_mn;
	}
	vm->file = file;
	fd_install(fd, file);
	return fd;

out_mn:
	mmu_notifier_unregister(&vm->mn, current->mm);
out_core:
	pv_core_vm_destroy(vm->core);
out_free:
	pv_platform_free(vm, sizeof(*vm));
	return ret;
}
