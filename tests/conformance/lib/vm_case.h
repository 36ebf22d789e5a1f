// SPDX-License-Identifier: MIT
// What the cases that run vCPUs share: the start (module, capabilities,
// skip without PV_FEAT_RUN, the allocation counters as a baseline), the end
// (counters back to the baseline once every VM is gone, no new kernel
// problems), and run_in_guest with fail() on error.
//
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <new>
#include <optional>
#include <string>
#include <sys/types.h>

#include "case.h"
#include "portvisor/guest.hpp"

namespace pvt {

struct vm_case {
	kernel_problems problems;
	pv_capabilities caps{};
	pv_module_stats baseline{};
	std::optional<portvisor::device> dev;
};

// Counts kernel problems, loads the module, opens /dev/portvisor, skip()s
// unless the backend runs vCPUs, checks that PV_CREATE_VM answers ERANGE
// for a mirror VM where the CPU's guest-physical width is below 47 bits
// (run_in_guest uses a windowed VM there), and records the allocation
// counters.
vm_case begin_vm_case();
// Whether this CPU can have mirror VMs: 47 guest-physical bits, the width of
// x86-64 user space (Intel CPUs have 39 to 46; Bochs and QEMU default to 40).
bool mirror_vms_possible(const pv_capabilities& caps);
// PV_CREATE_VM flags for a VM that can exist (and run) on this CPU:
// PV_VM_MIRROR where mirror VMs can, else 0, a VM with explicit slots
// (PV_SET_MEMORY_REGION; it has no memory until then).
unsigned runnable_vm_flags(const pv_capabilities& caps);
pv_module_stats module_stats(const vm_case& c);
// Waits up to `seconds` for alloc_objects and alloc_bytes to equal the
// baseline; fail()s naming `when` and the difference otherwise.
void expect_baseline(const vm_case& c, const char* when, int seconds = 10);
// release_guest_vm(), then expect_baseline().
void release_and_expect_baseline(const vm_case& c, const char* when, int seconds = 10);
// The last check of a case: no new kernel problems.
void end_vm_case(const vm_case& c);

// run_in_guest(fn, arg); fail()s with the library's message.
uint64_t guest_run(portvisor::guest_fn fn, void* arg, const char* what,
		   const portvisor::run_options& options = {});
// After an exit the run loop hands to user space (`after` names it): the
// same vCPU runs a direct getpid and gets the process's pid, or fail().
void expect_guest_runs_on(const char* after);
// The calling thread's guest context (creating it); fail()s if it cannot.
portvisor::guest_context& guest_ctx();
// stat_direct_syscalls of the calling thread's vCPU.
uint64_t direct_syscalls();
// Zeroed memory the guest can reach; fail()s if there is none.
void* guest_memory(size_t bytes);
template <class T> T* guest_object() { return new (guest_memory(sizeof(T))) T(); }

// Runs fn(arg) with guest_context::step() until an exit the run loop does
// not handle; returns a copy of the run page then and the error in *err.
// fail()s if fn returns instead.
pv_run run_until_error(portvisor::guest_fn fn, void* arg, portvisor::error* err, const char* what);

// Runs fn(arg) on the calling thread's vCPU with the low-level API: every
// PV_EXIT_SYSCALL goes to on_syscall, which returns the guest's answer;
// every other exit to guest_context::handle_exit. Returns fn's result;
// fail()s on an error.
uint64_t run_answering_syscalls(portvisor::guest_fn fn, void* arg,
				const std::function<int64_t(const pv_run&)>& on_syscall);

// waitpid(pid) polled every 10 ms; fail()s after `seconds` (the child is
// killed then). Returns the wait status.
int wait_child(pid_t pid, int seconds, const char* what);
// "exited 0", "killed by signal 9 (Killed)", ...
std::string describe_status(int status);
// A kernel-space address, for EFAULT checks.
void* kernel_pointer();
// A native syscall(2) result in the kernel's convention: value or -errno.
long native_result(long rc);

}  // namespace pvt
