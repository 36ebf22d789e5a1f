// SPDX-License-Identifier: MIT
#include "portvisor/device.hpp"

#include <unistd.h>

namespace portvisor {
namespace {

error make_error(int negative_errno, const char* what)
{
	return error{-negative_errno, std::string(what) + ": " + pv_strerror(negative_errno)};
}

}  // namespace

result<device> device::open()
{
	int fd = pv_open();
	if (fd < 0)
		return make_error(fd, "open " PV_DEVICE_PATH);
	device dev(fd);
	int v = pv_api_version(fd);
	if (v < 0)
		return make_error(v, "PV_GET_API_VERSION");
	if (v != PV_API_VERSION)
		return error{EPROTO, "module API version " + std::to_string(v) +
					 ", library expects " + std::to_string(PV_API_VERSION)};
	return dev;
}

device& device::operator=(device&& other) noexcept
{
	if (this != &other) {
		if (fd_ >= 0)
			::close(fd_);
		fd_ = std::exchange(other.fd_, -1);
	}
	return *this;
}

device::~device()
{
	if (fd_ >= 0)
		::close(fd_);
}

result<int> device::api_version() const
{
	int v = pv_api_version(fd_);
	if (v < 0)
		return make_error(v, "PV_GET_API_VERSION");
	return v;
}

result<pv_capabilities> device::capabilities() const
{
	pv_capabilities caps;
	int rc = pv_get_capabilities(fd_, &caps);
	if (rc < 0)
		return make_error(rc, "PV_GET_CAPABILITIES");
	return caps;
}

result<pv_module_stats> device::stats() const
{
	pv_module_stats s;
	int rc = pv_get_stats(fd_, &s);
	if (rc < 0)
		return make_error(rc, "PV_GET_STATS");
	return s;
}

const char* backend_name(unsigned int backend)
{
	switch (backend) {
	case PV_BACKEND_VMX: return "vmx";
	case PV_BACKEND_SVM: return "svm";
	case PV_BACKEND_ARM64_VHE: return "arm64-vhe";
	default: return "none";
	}
}

std::string page_sizes_string(unsigned long long sizes)
{
	std::string s;
	auto add = [&](unsigned long long bit, const char* name) {
		if (sizes & bit)
			s += (s.empty() ? "" : " ") + std::string(name);
	};
	add(PV_PAGE_SIZE_4K, "4K");
	add(PV_PAGE_SIZE_2M, "2M");
	add(PV_PAGE_SIZE_1G, "1G");
	return s.empty() ? "none" : s;
}

std::string features_string(unsigned long long f)
{
	static const struct {
		unsigned long long bit;
		const char* name;
#define PV_FEATURE_ENTRY(bit, name) {bit, name},
	} names[] = {PV_FEATURE_LIST(PV_FEATURE_ENTRY)};
#undef PV_FEATURE_ENTRY
	std::string s;
	for (const auto& n : names)
		if (f & n.bit)
			s += (s.empty() ? "" : " ") + std::string(n.name);
	return s;
}

}  // namespace portvisor
