// SPDX-License-Identifier: MIT
// portvisor user library, C++ API for VMs and vCPUs: RAII owners of a VM fd
// and of a vCPU fd with its run page. Every call returns a result<T> that
// carries the errno and a message saying what failed.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <variant>

#include "portvisor/device.hpp"

namespace portvisor {

// The result of a call that returns nothing but may fail.
using status = result<std::monostate>;

class vcpu;

class vm {
public:
	// PV_CREATE_VM on the device; flags PV_VM_* (PV_VM_MIRROR: guest-physical
	// == host-virtual, stage 2 filled from the process's page tables).
	[[nodiscard]] static result<vm> create(const device& dev, unsigned int flags = 0);
	vm(vm&& other) noexcept : fd_(std::exchange(other.fd_, -1)), flags_(other.flags_) {}
	vm& operator=(vm&& other) noexcept;
	vm(const vm&) = delete;
	vm& operator=(const vm&) = delete;
	~vm();

	[[nodiscard]] int fd() const { return fd_; }
	[[nodiscard]] unsigned int flags() const { return flags_; }
	// PV_SET_MEMORY_REGION (not on a mirror VM).
	[[nodiscard]] status set_memory_region(const pv_memory_region& region) const;
	// PV_SET_ALLOW_LIST: the syscalls the guest may run directly. An empty
	// list removes it (every syscall the trap allows runs directly).
	[[nodiscard]] status set_allow_list(std::span<const uint32_t> nrs) const;
	// PV_GET_VM_STATS: the stage-2 leaves by size and the table pages now.
	[[nodiscard]] result<pv_vm_stats> stage2_stats() const;
	// PV_CREATE_VCPU with id 0 .. PV_MAX_VCPUS - 1, and its run page mapped.
	[[nodiscard]] result<vcpu> create_vcpu(unsigned int id) const;
	// Closes the fd now (the destructor does it otherwise).
	void close();

private:
	vm(int fd, unsigned int flags) : fd_(fd), flags_(flags) {}
	int fd_ = -1;
	unsigned int flags_ = 0;
};

class vcpu {
public:
	vcpu(vcpu&& other) noexcept
	    : fd_(std::exchange(other.fd_, -1)), id_(other.id_),
	      run_(std::exchange(other.run_, nullptr))
	{}
	vcpu& operator=(vcpu&& other) noexcept;
	vcpu(const vcpu&) = delete;
	vcpu& operator=(const vcpu&) = delete;
	~vcpu();

	[[nodiscard]] int fd() const { return fd_; }
	[[nodiscard]] unsigned int id() const { return id_; }
	// PV_RUN once. On success the run page describes the exit. An error
	// with err == EINTR means a signal is pending for this thread (exit
	// reason PV_EXIT_INTERRUPTED; the handler has run): run again.
	[[nodiscard]] status run() const;
	// PV_RUN_WITH_RESULT: value is the answer (rax) to the syscall or
	// hypercall exit of the last run(), then as run(). ENOMSG when the
	// last run did not end with one.
	[[nodiscard]] status run_with_result(int64_t value) const;
	// The exit of the last run(): the kernel's page, read-only.
	[[nodiscard]] const pv_run& run_page() const { return *run_; }
	[[nodiscard]] result<pv_regs_x86_64> regs() const;
	[[nodiscard]] status set_regs(const pv_regs_x86_64& regs) const;
	[[nodiscard]] result<pv_sregs_x86_64> sregs() const;
	[[nodiscard]] status set_sregs(const pv_sregs_x86_64& sregs) const;
	// Unmaps the run page and closes the fd now.
	void close();

private:
	friend class vm;
	vcpu(int fd, unsigned int id, const pv_run* run) : fd_(fd), id_(id), run_(run) {}
	int fd_ = -1;
	unsigned int id_ = 0;
	const pv_run* run_ = nullptr;
};

// "PV_RUN: <errno text>" style: an error for a call that returned -errno.
[[nodiscard]] error make_error(int negative_errno, const std::string& what);

}  // namespace portvisor
