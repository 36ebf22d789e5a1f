// SPDX-License-Identifier: MIT
// run_in_guest: run a function of this process in guest ring 0 and get its
// result, with the host's system calls made from the guest
// (portvisor/guest_syscall.h) run directly by the kernel's exit handler.
//
// How (x86_64; arm64 is not implemented yet and fails with ENOSYS):
//  - One VM per process, created on first use; one vCPU per thread that
//    calls run_in_guest, created on the thread's first call and closed when
//    the thread exits; one 256 KiB guest stack per thread, with a PROT_NONE
//    guard page below it. The kernel fills stage 2 from the process's page
//    tables either way. The VM is
//      - a mirror VM (PV_VM_MIRROR: guest-physical == host-virtual) when the
//        CPU's guest-physical width (pv_capabilities.guest_phys_bits) is at
//        least 47 bits, the width of user space (AMD: 48);
//      - a windowed VM below that (Intel: MAXPHYADDR 39 to 46), where the
//        module makes no mirror VM (ERANGE): explicit memory slots, each a
//        1 GiB-aligned window of host-virtual memory at a compact
//        guest-physical address, given as the page tables need them
//        (portvisor/window_table.hpp). At most PV_MAX_MEMORY_SLOTS (32)
//        windows: a guest that touches memory in more 1 GiB areas than that
//        fails with ENOSPC.
//  - Guest page tables that map guest-virtual == host-virtual
//    (portvisor/identity_map.hpp), to the guest-physical address of the
//    same memory, 1 GiB pages when the CPU has them (pdpe1gb), 2 MiB
//    otherwise, built lazily: the stack, the tables and the trampoline are
//    mapped at first, every other region when the guest takes a #PF on it
//    (the kernel exits with PV_EXIT_EXCEPTION). Every user-space address
//    (below 2^47) can be mapped.
//  - The guest: 64-bit ring 0, flat segments, FS/GS bases of the calling
//    thread (so TLS and the %fs:0x28 stack canary work), interrupts off,
//    SSE on (and XSAVE when the host has it); a trampoline calls fn(arg) and
//    passes its result to the hypercall PV_HC_EXIT_TO_USER.
//
// The guest code must not rely on what a ring-0 guest cannot do here: no
// interrupts, no IDT (any exception ends the run with an error, except the
// #PFs that map a new region), no libc calls that need the host kernel
// (use pv_syscall). Signals for the calling thread are delivered while the
// guest runs: their handlers run on the host stack, then the guest resumes.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>

#include "portvisor/vm.hpp"

namespace portvisor {

using guest_fn = uint64_t (*)(void*);

struct run_options {
	// Syscalls the kernel will not run from its exit handler
	// (PV_SYSCALL_USER_ONLY: clone, clone3, fork, vfork, execve, execveat,
	// exit, exit_group, rt_sigreturn, sigaltstack, rseq, prctl, and on
	// x86_64 arch_prctl, modify_ldt, pkey_alloc) are NOT run natively: they
	// would act on the thread of the run loop (a clone child would return
	// into the run loop, an exit would end it, arch_prctl would change the
	// loop's FS base). Without a handler the guest gets -ENOSYS. With one,
	// the guest gets what the handler returns (a value or -errno); the
	// handler sees the call in the run page (syscall.nr, syscall.args) and
	// may do what the guest's kernel would do, e.g. emulate it.
	std::function<int64_t(const pv_run&)> user_only;
};

// Runs fn(arg) in guest ring 0 on the calling thread's vCPU and returns what
// fn returned. The exits of PV_RUN are handled so (per exit):
//  - PV_HC_EXIT_TO_USER: done, the result is its args[0].
//  - a syscall the kernel hands to user space because it is not on the
//    allow-list (PV_SYSCALL_NOT_ALLOWED), or seccomp needs the native path
//    (PV_SYSCALL_SECCOMP, PV_SYSCALL_NO_FILTER): run natively with
//    syscall(2) on this thread; the guest gets the result or -errno.
//  - PV_SYSCALL_USER_ONLY: run_options::user_only, or -ENOSYS.
//  - RUN interrupted by a signal (EINTR): the handler has run; RUN again.
//  - #PF on a region not mapped yet: map it, RUN again.
// Errors (result::err): EFAULT for a stage-2 fault and for a #PF the tables
// cannot fix (a mapped region, a kernel address); ENOSPC when a windowed
// VM has no memory window left for an address the guest touches; EIO for
// any other exit (hlt, shutdown, another exception, failed entry, internal
// error, unknown hypercall); the errno of a failing ioctl (EIO from PV_RUN:
// the vCPU died);
// EBUSY when the thread is already in run_in_guest (from a signal or
// user_only handler); ENOSYS on architectures without guest support;
// EOPNOTSUPP when the backend does not run vCPUs (no PV_FEAT_RUN). The
// message names the exit and its data (vector, address, guest_ip, ...).
[[nodiscard]] result<uint64_t> run_in_guest(guest_fn fn, void* arg,
					    const run_options& options = {});

// One exit handled by the run loop.
struct step_result {
	bool done = false;   // fn returned
	uint64_t value = 0;  // what it returned
};

// The lower level of run_in_guest, for programs (and tests) that run the
// vCPU themselves and look at every exit:
//
//   auto ctx = guest_context::current();          // this thread's vCPU
//   ctx.value()->prepare(fn, arg);                 // registers for fn(arg)
//   ctx.value()->cpu().run();                      // one PV_RUN
//   ... look at ctx.value()->run_page() ...
//   ctx.value()->handle_exit(0);                   // or answer it yourself
//
// A context belongs to its thread; it is valid until the thread exits or
// release_guest_vm() runs.
class guest_context {
public:
	// The calling thread's context, creating the process's VM and this
	// thread's vCPU and stack on first use.
	[[nodiscard]] static result<guest_context*> current();

	[[nodiscard]] vcpu& cpu() { return cpu_; }
	[[nodiscard]] const pv_run& run_page() const { return cpu_.run_page(); }
	[[nodiscard]] uint64_t stack_top() const { return stack_top_; }
	// Sets every register (and the system registers) to call fn(arg) from
	// the trampoline on an empty stack.
	[[nodiscard]] status prepare(guest_fn fn, void* arg);
	// One PV_RUN, then handle_exit(). The answer to a syscall exit is
	// given by the next step(), in its PV_RUN_WITH_RESULT (one ioctl, not
	// three): follow a step() with step(), not with cpu().run().
	[[nodiscard]] result<step_result> step(const run_options& options = {});
	// Handles the exit in the run page as run_in_guest does; run_errno is 0
	// or the errno of the PV_RUN that produced it. A syscall's answer is
	// written with PV_SET_REGS, so any run may follow.
	[[nodiscard]] result<step_result> handle_exit(int run_errno,
						      const run_options& options = {});
	// The guest's result register (rax): the answer to a syscall exit.
	[[nodiscard]] status set_return_value(int64_t value);
	// Maps the region containing addr in the guest page tables.
	[[nodiscard]] status map(uint64_t addr);

	guest_context(const guest_context&) = delete;
	guest_context& operator=(const guest_context&) = delete;

private:
	friend struct guest_context_access;
	guest_context(vcpu cpu, void* stack_base, size_t stack_bytes, uint64_t stack_top,
		      unsigned generation)
	    : cpu_(std::move(cpu)), stack_base_(stack_base), stack_bytes_(stack_bytes),
	      stack_top_(stack_top), generation_(generation)
	{}
	~guest_context();
	[[nodiscard]] status handle_page_fault();
	// answer: for a syscall exit, write the result now (PV_SET_REGS) or
	// leave it in pending_result_ for the next step().
	enum class answer { now, at_next_run };
	[[nodiscard]] result<step_result> handle(int run_errno, const run_options& options,
						 answer how);
	[[nodiscard]] status give_result(int64_t value, answer how);
	vcpu cpu_;
	void* stack_base_;
	size_t stack_bytes_;
	uint64_t stack_top_;
	unsigned generation_;
	uint64_t last_fault_ = ~0ULL;
	bool has_pending_result_ = false;
	int64_t pending_result_ = 0;
	std::atomic<bool> running_{false};
};

// What the process's guest VM found on this machine.
struct guest_info {
	unsigned int backend = 0;          // enum pv_backend
	unsigned int guest_phys_bits = 0;  // MAXPHYADDR
	uint64_t leaf_size = 0;            // guest page size: 2 MiB or 1 GiB
	uint64_t address_limit = 0;        // addresses the guest can reach are below this
	bool windowed = false;             // not a mirror VM: memory in 1 GiB windows
	unsigned int windows = 0;          // windowed: windows in use when asked
	unsigned int max_windows = 0;      // windowed: how many it can have
};

// The process's VM (created on first use), e.g. to set its
// allow-list, which the module takes only before the VM's first vCPU
// (EBUSY after): call it before the first run_in_guest, or after
// release_guest_vm(). Valid until release_guest_vm().
[[nodiscard]] result<vm*> guest_vm();
[[nodiscard]] result<guest_info> guest_vm_info();
// Closes the process's VM, every thread's vCPU, and frees the stacks and
// page tables; the next run_in_guest starts over with a new VM. EBUSY if a
// thread is in run_in_guest; no other thread may use a guest_context while
// this runs. A forked child never uses its parent's VM: the library drops
// what it inherited (pthread_atfork) and creates its own.
[[nodiscard]] status release_guest_vm();
// Zeroed memory for data the guest code reads or writes (any memory of the
// process is reachable, in a windowed VM while windows last; this creates
// the VM first, so it fails as run_in_guest would); free_guest_memory()
// returns it.
[[nodiscard]] result<void*> alloc_guest_memory(size_t bytes);
void free_guest_memory(void* p, size_t bytes);
// The process's VM's view of memory, e.g. for a stage-2 fault's guest_phys:
// a mirror VM uses host-virtual addresses as guest-physical ones; a
// windowed VM the guest-physical address of the window. nullopt when there
// is no VM, or (windowed) no window holds the address yet; neither call
// creates a VM or a window.
[[nodiscard]] std::optional<uint64_t> guest_phys_to_host_virt(uint64_t guest_phys);
[[nodiscard]] std::optional<uint64_t> host_virt_to_guest_phys(uint64_t host_virt);

}  // namespace portvisor
