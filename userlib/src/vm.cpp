// SPDX-License-Identifier: MIT
#include "portvisor/vm.hpp"

#include <cerrno>
#include <sys/ioctl.h>
#include <unistd.h>

namespace portvisor {

error make_error(int negative_errno, const std::string& what)
{
	return error{-negative_errno, what + ": " + pv_strerror(negative_errno)};
}

result<vm> vm::create(const device& dev, unsigned int flags)
{
	int fd = pv_create_vm(dev.fd(), flags);
	if (fd < 0)
		return make_error(fd, "PV_CREATE_VM (flags " + std::to_string(flags) + ")");
	return vm(fd, flags);
}

vm& vm::operator=(vm&& other) noexcept
{
	if (this != &other) {
		close();
		fd_ = std::exchange(other.fd_, -1);
		flags_ = other.flags_;
	}
	return *this;
}

vm::~vm() { close(); }

void vm::close()
{
	if (fd_ >= 0)
		::close(fd_);
	fd_ = -1;
}

status vm::set_memory_region(const pv_memory_region& region) const
{
	int rc = pv_set_memory_region(fd_, &region);
	if (rc < 0)
		return make_error(rc, "PV_SET_MEMORY_REGION (slot " + std::to_string(region.slot) +
					  ")");
	return std::monostate{};
}

status vm::set_allow_list(std::span<const uint32_t> nrs) const
{
	int rc = pv_set_allow_list(fd_, nrs.data(), static_cast<uint32_t>(nrs.size()));
	if (rc < 0)
		return make_error(rc,
				  "PV_SET_ALLOW_LIST (" + std::to_string(nrs.size()) + " numbers)");
	return std::monostate{};
}

result<pv_vm_stats> vm::stage2_stats() const
{
	pv_vm_stats s{};
	s.size = sizeof(s);
	if (::ioctl(fd_, PV_GET_VM_STATS, &s) < 0)
		return make_error(-errno, "PV_GET_VM_STATS");
	return s;
}

result<vcpu> vm::create_vcpu(unsigned int id) const
{
	int fd = pv_create_vcpu(fd_, id);
	if (fd < 0)
		return make_error(fd, "PV_CREATE_VCPU (id " + std::to_string(id) + ")");
	const pv_run* run = pv_map_run(fd);
	if (!run) {
		int err = errno;
		::close(fd);
		return make_error(-err, "mmap of the run page of vCPU " + std::to_string(id));
	}
	return vcpu(fd, id, run);
}

vcpu& vcpu::operator=(vcpu&& other) noexcept
{
	if (this != &other) {
		close();
		fd_ = std::exchange(other.fd_, -1);
		id_ = other.id_;
		run_ = std::exchange(other.run_, nullptr);
	}
	return *this;
}

vcpu::~vcpu() { close(); }

void vcpu::close()
{
	pv_unmap_run(run_);
	run_ = nullptr;
	if (fd_ >= 0)
		::close(fd_);
	fd_ = -1;
}

namespace {

// The status of a run ioctl (PV_RUN, PV_RUN_WITH_RESULT) that returned rc.
// The message is built only for an error: a run is the hot path of every
// exit to user space, and a std::string of this length costs a malloc.
status run_status(int rc, const char* ioctl_name, unsigned int id)
{
	if (rc >= 0)
		return std::monostate{};
	const std::string what = std::string(ioctl_name) + " (vCPU " + std::to_string(id) + ")";
	if (rc == -EINTR)
		return error{EINTR, what + ": interrupted by a signal; run again"};
	return make_error(rc, what);
}

}  // namespace

status vcpu::run() const { return run_status(pv_vcpu_run(fd_), "PV_RUN", id_); }

status vcpu::run_with_result(int64_t value) const
{
	return run_status(pv_vcpu_run_with_result(fd_, value), "PV_RUN_WITH_RESULT", id_);
}

result<pv_regs_x86_64> vcpu::regs() const
{
	pv_regs_x86_64 r{};
	int rc = pv_get_regs(fd_, &r);
	if (rc < 0)
		return make_error(rc, "PV_GET_REGS (vCPU " + std::to_string(id_) + ")");
	return r;
}

status vcpu::set_regs(const pv_regs_x86_64& regs) const
{
	int rc = pv_set_regs(fd_, &regs);
	if (rc < 0)
		return make_error(rc, "PV_SET_REGS (vCPU " + std::to_string(id_) + ")");
	return std::monostate{};
}

result<pv_sregs_x86_64> vcpu::sregs() const
{
	pv_sregs_x86_64 s{};
	int rc = pv_get_sregs(fd_, &s);
	if (rc < 0)
		return make_error(rc, "PV_GET_SREGS (vCPU " + std::to_string(id_) + ")");
	return s;
}

status vcpu::set_sregs(const pv_sregs_x86_64& sregs) const
{
	int rc = pv_set_sregs(fd_, &sregs);
	if (rc < 0)
		return make_error(rc, "PV_SET_SREGS (vCPU " + std::to_string(id_) + ")");
	return std::monostate{};
}

}  // namespace portvisor
