/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The core's entry points, called by the C shim (kmod/). Plain C.
 * Errors are negative errno values.
 */
#ifndef PORTVISOR_CORE_API_H
#define PORTVISOR_CORE_API_H

#include "portvisor/platform.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Probe the CPUs and choose a backend. The point of no return of module
 * init: on failure nothing is left allocated and the message says why. */
int pv_core_init(void);
/* Free everything pv_core_init allocated. */
void pv_core_exit(void);
/* Name of the chosen backend ("vmx", "svm", "arm64-vhe"). */
const char *pv_core_backend_name(void);
/* ioctl on /dev/portvisor; `arg` is the user pointer as an integer. */
long pv_core_dev_ioctl(unsigned int cmd, uint64_t arg);

/* --- VMs and vCPUs (kmod/vm.c owns their files and memory) --------------- */
struct pv_core_vm;
struct pv_core_vcpu;

/* Checks a struct pv_create_vm at user address `arg`: its flags in *flags,
 * and the first guest-physical address the CPU cannot use. -PV_ERANGE:
 * mirror mode on a CPU whose guest-physical width cannot hold user space. */
int pv_core_check_create_vm(uint64_t arg, uint32_t *flags, uint64_t *guest_phys_limit);
/* A VM of the chosen backend; the first one turns the extension on
 * (-PV_EBUSY when another hypervisor holds it, -PV_EOPNOTSUPP when the
 * backend runs no vCPU). `os_vm` is passed back in pv_platform_stage2_fault. */
int pv_core_vm_create(void *os_vm, struct pv_core_vm **out);
/* No vCPU is left. */
void pv_core_vm_destroy(struct pv_core_vm *vm);
/* PV_SET_ALLOW_LIST, PV_GET_VM_STATS. */
long pv_core_vm_ioctl(struct pv_core_vm *vm, unsigned int cmd, uint64_t arg);
/* Leaf sizes the VM's stage 2 maps: PV_PAGE_SIZE_* bits, 4K always. */
uint64_t pv_core_vm_page_sizes(const struct pv_core_vm *vm);
/* Under the platform's VM lock (atomic): map one leaf of `size` bytes (one
 * of pv_core_vm_page_sizes; gpa and hpa aligned to it), replacing what is
 * there; take a range away, leaving no vCPU with a stale TLB entry for it
 * when it returns (never fails: huge leaves it cuts may go whole). */
int pv_core_vm_map(struct pv_core_vm *vm, uint64_t gpa, uint64_t hpa, uint64_t size, int write,
		   int exec);
void pv_core_vm_unmap(struct pv_core_vm *vm, uint64_t gpa, uint64_t size);

/* A vCPU with its run page (one page from pv_platform_alloc_page). */
int pv_core_vcpu_create(struct pv_core_vm *vm, unsigned int id, void *run_page,
			struct pv_core_vcpu **out);
/* Under the platform's VM lock: make the vCPU known to invalidations
 * (-PV_EEXIST: that id exists), and forget it again before destroy. */
int pv_core_vcpu_attach(struct pv_core_vcpu *vcpu);
void pv_core_vcpu_detach(struct pv_core_vcpu *vcpu);
void pv_core_vcpu_destroy(struct pv_core_vcpu *vcpu);
/* RUN and the register ioctls, one caller at a time. */
long pv_core_vcpu_ioctl(struct pv_core_vcpu *vcpu, unsigned int cmd, uint64_t arg);

/* CPU hotplug: called on `cpu` as it comes online / before it goes. */
int pv_core_cpu_online(unsigned int cpu);
void pv_core_cpu_offline(unsigned int cpu);

#ifdef __cplusplus
}
#endif

#endif /* PORTVISOR_CORE_API_H */
