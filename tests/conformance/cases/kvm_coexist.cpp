// SPDX-License-Identifier: MIT
// portvisor and KVM take turns holding the CPU's virtualization extension:
// while a portvisor VM exists, KVM cannot create a VM, and the reverse, each
// with EBUSY (portvisor also with one clear log line); once the holder's
// VM is gone, the other one can. x86 only: the guest carries the Debian
// kvm modules of its kernel in /lib/modules/kvm. The portvisor VM is a
// mirror VM where the CPU's guest-physical width allows one, a VM with
// explicit slots elsewhere.
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "case.h"
#include "uapi/portvisor.h"
#include "vm_case.h"

#if defined(__x86_64__)
#include <linux/kvm.h>
#endif

using namespace pvt;

#if defined(__x86_64__)
namespace {

int insmod(const std::string& path)
{
	int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	int rc = static_cast<int>(syscall(SYS_finit_module, fd, "", 0));
	int err = rc == 0 || errno == EEXIST ? 0 : errno;
	close(fd);
	return err;
}

void rmmod(const char* name) { syscall(SYS_delete_module, name, O_NONBLOCK); }

int pv_create_runnable_vm(int dev, const pv_capabilities& caps)
{
	struct pv_create_vm req {};
	req.flags = runnable_vm_flags(caps);
	int fd = ioctl(dev, PV_CREATE_VM, &req);
	return fd >= 0 ? fd : -errno;
}

}  // namespace
#endif

int main()
{
#if !defined(__x86_64__)
	skip("KVM coexistence is an x86 case (AMD-V / VT-x ownership)");
#else
	const kernel_problems problems_before = count_kernel_problems();
	ensure_loaded();
	int dev = open(PV_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	PVT_CHECK(dev >= 0, "open %s: %s", PV_DEVICE_PATH, std::strerror(errno));
	pv_capabilities caps{};
	caps.size = sizeof(caps);
	PVT_CHECK(ioctl(dev, PV_GET_CAPABILITIES, &caps) == 0, "PV_GET_CAPABILITIES: %s",
		  std::strerror(errno));
	if ((caps.features & PV_FEAT_RUN) == 0)
		skip("backend %s does not run vCPUs yet", caps.backend_name);
	const char* vendor_module = caps.backend == PV_BACKEND_SVM ? "kvm-amd" : "kvm-intel";
	const char* vendor_name = caps.backend == PV_BACKEND_SVM ? "kvm_amd" : "kvm_intel";
	const std::string dir = "/lib/modules/kvm/";
	for (const char* m : {"irqbypass", "kvm", "ccp"}) {
		int err = insmod(dir + m + ".ko");
		PVT_CHECK(err == 0, "insmod %s: %s", m, std::strerror(err));
	}
	int err = insmod(dir + vendor_module + ".ko");
	PVT_CHECK(err == 0, "insmod %s: %s", vendor_module, std::strerror(err));
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	PVT_CHECK(kvm >= 0, "open /dev/kvm: %s", std::strerror(errno));

	// portvisor first: KVM must be refused.
	int vm = pv_create_runnable_vm(dev, caps);
	PVT_CHECK(vm >= 0, "PV_CREATE_VM with KVM loaded but idle: %s", std::strerror(-vm));
	int kvm_vm = ioctl(kvm, KVM_CREATE_VM, 0);
	PVT_CHECK(kvm_vm < 0 && errno == EBUSY,
		  "KVM_CREATE_VM while a portvisor VM exists: %d (%s), want EBUSY", kvm_vm,
		  kvm_vm < 0 ? std::strerror(errno) : "succeeded");
	note("%s refused while portvisor holds the CPU: EBUSY", vendor_name);
	close(vm);

	// Released: KVM may now; then portvisor must be refused, with its line.
	kvm_vm = ioctl(kvm, KVM_CREATE_VM, 0);
	PVT_CHECK(kvm_vm >= 0, "KVM_CREATE_VM after the portvisor VM closed: %s",
		  std::strerror(errno));
	const int lines_before = count_occurrences(kernel_log(), "holds AMD-V");
	vm = pv_create_runnable_vm(dev, caps);
	PVT_CHECK(vm == -EBUSY, "PV_CREATE_VM while a KVM VM exists: %d, want -EBUSY", vm);
	const int lines_after = count_occurrences(kernel_log(), "holds AMD-V");
	if (caps.backend == PV_BACKEND_SVM)
		PVT_CHECK(lines_after > lines_before, "no log line naming the holder of AMD-V");
	note("portvisor refused while %s holds the CPU: %s", vendor_name,
	     log_lines_with("holds AMD-V").c_str());
	close(kvm_vm);

	// And back again.
	vm = pv_create_runnable_vm(dev, caps);
	PVT_CHECK(vm >= 0, "PV_CREATE_VM after the KVM VM closed: %s", std::strerror(-vm));
	close(vm);
	close(kvm);
	for (const char* m : {vendor_name, "ccp", "kvm", "irqbypass"})
		rmmod(m);
	close(dev);
	check_no_new_kernel_problems(problems_before);
	pass("portvisor and %s take turns: each gets EBUSY while the other holds the CPU",
	     vendor_name);
#endif
}
