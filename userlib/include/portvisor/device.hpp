// SPDX-License-Identifier: MIT
// portvisor user library, C++ API: /dev/portvisor as an RAII object, and
// results that carry either a value or an errno with a message.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "portvisor/portvisor.h"

namespace portvisor {

struct error {
	int err = 0;          // positive errno
	std::string message;  // what failed and why, for people
};

template <class T> class result {
public:
	result(T value) : v_(std::move(value)) {}
	result(error e) : v_(std::move(e)) {}
	[[nodiscard]] bool ok() const { return std::holds_alternative<T>(v_); }
	explicit operator bool() const { return ok(); }
	[[nodiscard]] const T& value() const { return std::get<T>(v_); }
	[[nodiscard]] T& value() { return std::get<T>(v_); }
	[[nodiscard]] const error& err() const { return std::get<error>(v_); }

private:
	std::variant<T, error> v_;
};

class device {
public:
	// Opens /dev/portvisor and checks that the module speaks PV_API_VERSION.
	[[nodiscard]] static result<device> open();
	device(device&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
	device& operator=(device&& other) noexcept;
	device(const device&) = delete;
	device& operator=(const device&) = delete;
	~device();

	[[nodiscard]] int fd() const { return fd_; }
	[[nodiscard]] result<int> api_version() const;
	[[nodiscard]] result<pv_capabilities> capabilities() const;
	[[nodiscard]] result<pv_module_stats> stats() const;

private:
	explicit device(int fd) : fd_(fd) {}
	int fd_ = -1;
};

// "vmx", "svm", "arm64-vhe" or "none".
[[nodiscard]] const char* backend_name(unsigned int backend);
// "4K 2M 1G" for PV_PAGE_SIZE_* bits; feature bits as space-separated names.
[[nodiscard]] std::string page_sizes_string(unsigned long long sizes);
[[nodiscard]] std::string features_string(unsigned long long features);

}  // namespace portvisor
