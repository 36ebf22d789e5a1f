// SPDX-License-Identifier: MIT
#include "portvisor/window_table.hpp"

#include <algorithm>
#include <cerrno>

#include "portvisor/guest_detail.hpp"

namespace portvisor {

window_table::window_table(installer install, uint64_t guest_phys_limit, unsigned max_windows)
    : install_(std::move(install))
{
	// Window k ends at (k + 2) GiB: that must be a guest-physical address
	// the CPU has.
	const uint64_t fit = guest_phys_limit / window_size;
	max_windows_ =
	    static_cast<unsigned>(std::min<uint64_t>(max_windows, fit >= 2 ? fit - 1 : 0));
}

const window_table::window* window_table::window_of(uint64_t host_virt) const
{
	const uint64_t base = host_virt & ~(window_size - 1);
	for (const window& w : windows_)
		if (w.host_base == base)
			return host_virt - base < w.size ? &w : nullptr;
	return nullptr;
}

std::optional<uint64_t> window_table::find_guest_phys(uint64_t host_virt) const
{
	const window* w = window_of(host_virt);
	if (!w)
		return std::nullopt;
	return w->guest_phys + (host_virt - w->host_base);
}

std::optional<uint64_t> window_table::to_guest_phys(uint64_t host_virt)
{
	if (auto p = find_guest_phys(host_virt))
		return p;
	if (host_virt >= user_end) {
		last_error_ = error{EFAULT, "host-virtual " + detail::hex(host_virt) +
						" is not in user space (which ends at " +
						detail::hex(user_end) +
						"): no guest memory window can hold it"};
		return std::nullopt;
	}
	const uint64_t base = host_virt & ~(window_size - 1);
	if (windows_.size() >= max_windows_) {
		std::string used;
		for (const window& w : windows_)
			used += (used.empty() ? "" : ", ") + detail::hex(w.host_base);
		last_error_ = error{
		    ENOSPC,
		    "no guest memory window left for host-virtual " + detail::hex(host_virt) +
			": the VM's guest-physical addresses are narrower than user space, so "
			"run_in_guest maps memory in 1 GiB windows, and all " +
			std::to_string(max_windows_) + " are in use (at " +
			(used.empty() ? std::string("none") : used) + ")"};
		return std::nullopt;
	}
	window w;
	w.slot = static_cast<unsigned>(windows_.size());
	w.host_base = base;
	w.guest_phys = (w.slot + 1ULL) * window_size;
	w.size = std::min(window_size, user_end - base);
	if (install_) {
		status s = install_(w);
		if (!s) {
			last_error_ = error{
			    s.err().err, "guest memory window " + std::to_string(w.slot) + " for " +
					     detail::hex(base) + ": " + s.err().message};
			return std::nullopt;
		}
	}
	windows_.push_back(w);
	return w.guest_phys + (host_virt - base);
}

std::optional<uint64_t> window_table::to_host_virt(uint64_t guest_phys) const
{
	for (const window& w : windows_)
		if (guest_phys >= w.guest_phys && guest_phys - w.guest_phys < w.size)
			return w.host_base + (guest_phys - w.guest_phys);
	return std::nullopt;
}

identity_map::translation window_table::translation()
{
	return identity_map::translation{
	    [this](uint64_t host_virt) { return to_guest_phys(host_virt); },
	    [this](uint64_t guest_phys) { return to_host_virt(guest_phys); }};
}

}  // namespace portvisor
