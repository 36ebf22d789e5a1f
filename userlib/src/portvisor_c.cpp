// SPDX-License-Identifier: MIT
// The C API: thin wrappers over the ioctls.
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "portvisor/portvisor.h"

extern "C" {

int pv_open(void)
{
	int fd = ::open(PV_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int pv_api_version(int dev_fd)
{
	int v = ::ioctl(dev_fd, PV_GET_API_VERSION);
	return v < 0 ? -errno : v;
}

int pv_get_capabilities(int dev_fd, struct pv_capabilities* caps)
{
	std::memset(caps, 0, sizeof(*caps));
	caps->size = sizeof(*caps);
	return ::ioctl(dev_fd, PV_GET_CAPABILITIES, caps) < 0 ? -errno : 0;
}

int pv_get_stats(int dev_fd, struct pv_module_stats* stats)
{
	std::memset(stats, 0, sizeof(*stats));
	stats->size = sizeof(*stats);
	return ::ioctl(dev_fd, PV_GET_STATS, stats) < 0 ? -errno : 0;
}

int pv_create_vm(int dev_fd, unsigned int flags)
{
	struct pv_create_vm arg;
	std::memset(&arg, 0, sizeof(arg));
	arg.flags = flags;
	int fd = ::ioctl(dev_fd, PV_CREATE_VM, &arg);
	return fd < 0 ? -errno : fd;
}

int pv_set_memory_region(int vm_fd, const struct pv_memory_region* region)
{
	return ::ioctl(vm_fd, PV_SET_MEMORY_REGION, region) < 0 ? -errno : 0;
}

int pv_set_allow_list(int vm_fd, const uint32_t* nrs, uint32_t count)
{
	struct pv_allow_list arg;
	std::memset(&arg, 0, sizeof(arg));
	arg.count = count;
	arg.nrs = reinterpret_cast<uintptr_t>(nrs);
	return ::ioctl(vm_fd, PV_SET_ALLOW_LIST, &arg) < 0 ? -errno : 0;
}

int pv_create_vcpu(int vm_fd, unsigned int id)
{
	int fd = ::ioctl(vm_fd, PV_CREATE_VCPU, static_cast<unsigned long>(id));
	return fd < 0 ? -errno : fd;
}

const struct pv_run* pv_map_run(int vcpu_fd)
{
	void* p = ::mmap(nullptr, PV_RUN_PAGE_SIZE, PROT_READ, MAP_SHARED, vcpu_fd, 0);
	return p == MAP_FAILED ? nullptr : static_cast<const struct pv_run*>(p);
}

void pv_unmap_run(const struct pv_run* run)
{
	if (run)
		::munmap(const_cast<struct pv_run*>(run), PV_RUN_PAGE_SIZE);
}

int pv_vcpu_run(int vcpu_fd) { return ::ioctl(vcpu_fd, PV_RUN, 0) < 0 ? -errno : 0; }

int pv_vcpu_run_with_result(int vcpu_fd, int64_t value)
{
	struct pv_run_result r {};
	r.value = value;
	return ::ioctl(vcpu_fd, PV_RUN_WITH_RESULT, &r) < 0 ? -errno : 0;
}

int pv_get_regs(int vcpu_fd, struct pv_regs_x86_64* regs)
{
	return ::ioctl(vcpu_fd, PV_GET_REGS, regs) < 0 ? -errno : 0;
}

int pv_set_regs(int vcpu_fd, const struct pv_regs_x86_64* regs)
{
	return ::ioctl(vcpu_fd, PV_SET_REGS, regs) < 0 ? -errno : 0;
}

int pv_get_sregs(int vcpu_fd, struct pv_sregs_x86_64* sregs)
{
	return ::ioctl(vcpu_fd, PV_GET_SREGS, sregs) < 0 ? -errno : 0;
}

int pv_set_sregs(int vcpu_fd, const struct pv_sregs_x86_64* sregs)
{
	return ::ioctl(vcpu_fd, PV_SET_SREGS, sregs) < 0 ? -errno : 0;
}

const char* pv_exit_reason_name(unsigned int reason)
{
	switch (reason) {
	case PV_EXIT_NONE: return "none";
	case PV_EXIT_HYPERCALL: return "hypercall";
	case PV_EXIT_SYSCALL: return "syscall";
	case PV_EXIT_HLT: return "hlt";
	case PV_EXIT_SHUTDOWN: return "shutdown";
	case PV_EXIT_EXCEPTION: return "exception";
	case PV_EXIT_STAGE2_FAULT: return "stage2-fault";
	case PV_EXIT_INTERRUPTED: return "interrupted";
	case PV_EXIT_FAIL_ENTRY: return "fail-entry";
	case PV_EXIT_INTERNAL_ERROR: return "internal-error";
	default: return "unknown";
	}
}

const char* pv_syscall_why_name(unsigned int why)
{
	switch (why) {
	case PV_SYSCALL_USER_ONLY: return "user-only";
	case PV_SYSCALL_NOT_ALLOWED: return "not-allowed";
	case PV_SYSCALL_SECCOMP: return "seccomp";
	case PV_SYSCALL_NO_FILTER: return "no-filter";
	default: return "unknown";
	}
}

const char* pv_strerror(int err)
{
	switch (err < 0 ? -err : err) {
	case ENOENT: return "no /dev/portvisor: the portvisor module is not loaded";
	case EACCES: return "permission denied on /dev/portvisor (it is mode 0600, root only)";
	case ENOTTY: return "the module does not know this ioctl (API mismatch?)";
	case EFAULT: return "an argument points at memory the caller cannot access";
	case EINVAL: return "an argument field is invalid (non-zero flags or reserved field)";
	case E2BIG:
		return "the argument struct is smaller than the module's minimum; .size says what "
		       "it needs";
	case ENODEV: return "no usable virtualization backend on this machine";
	case EBUSY:
		return "the virtualization extension is held by another hypervisor (close its "
		       "VMs), or the VM has a vCPU already (PV_SET_ALLOW_LIST)";
	case ERANGE:
		return "mirror VMs need 47-bit guest-physical addresses and this CPU has fewer "
		       "(pv_capabilities.guest_phys_bits; QEMU: -cpu ...,phys-bits=48)";
	case EOPNOTSUPP: return "this backend does not run vCPUs yet (no PV_FEAT_RUN)";
	case ENOEXEC: return "PV_SET_SREGS was never called on this vCPU";
	case EPERM:
		return "not permitted: a VM or vCPU fd used by a process other than the one "
		       "that created it, or a writable mapping of the run page";
	case EEXIST: return "a vCPU with this id exists already";
	default: return std::strerror(err < 0 ? -err : err);
	}
}

}  // extern "C"
