// SPDX-License-Identifier: MIT
// The guest-physical memory of a windowed VM (run_in_guest on a CPU whose
// guest-physical width is below the 47 bits of x86-64 user space, where
// the module makes no mirror VM: Intel's MAXPHYADDR is 39 to 46).
//
// The guest still runs the process's code and data at their addresses
// (guest-virtual == host-virtual), but guest-physical memory is compact:
// host-virtual memory is given to the VM in 1 GiB-aligned windows, in the
// order they are first needed. Window k maps host-virtual
// [base, base + 1 GiB) to guest-physical [(k + 1) GiB, (k + 2) GiB)
// through memory slot k (PV_SET_MEMORY_REGION); guest-physical 0 .. 1 GiB
// stays empty, so a null guest-physical address never reaches memory. The
// window at the top of user space is shorter: the module's slots end where
// user space does (one page below 2^47). At most PV_MAX_MEMORY_SLOTS
// windows, and only as many as fit below the CPU's guest-physical limit.
//
// Pure: the slot is set through a hook, so the host unit tests check the
// layout without a module. Not thread-safe (the caller locks).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "portvisor/identity_map.hpp"
#include "portvisor/vm.hpp"

namespace portvisor {

class window_table {
public:
	static constexpr uint64_t window_size = 1ULL << 30;
	// The end of x86-64 user space (Linux's TASK_SIZE_MAX): the module
	// refuses a slot whose user range reaches past it.
	static constexpr uint64_t user_end = (1ULL << 47) - 4096;

	struct window {
		unsigned slot = 0;        // memory slot k
		uint64_t host_base = 0;   // 1 GiB aligned
		uint64_t guest_phys = 0;  // (k + 1) GiB
		uint64_t size = 0;        // 1 GiB; less at the top of user space
	};
	// Gives the VM a window's memory (PV_SET_MEMORY_REGION of its slot).
	using installer = std::function<status(const window&)>;

	// guest_phys_limit: the first guest-physical address the CPU cannot
	// use (2^guest_phys_bits). max_windows: the slots the VM has.
	explicit window_table(installer install, uint64_t guest_phys_limit,
			      unsigned max_windows = PV_MAX_MEMORY_SLOTS);
	window_table(const window_table&) = delete;
	window_table& operator=(const window_table&) = delete;

	// The guest-physical address of host_virt, giving its window the next
	// slot on first use. nullopt when it cannot have one; last_error() says
	// why: ENOSPC (every window in use), EFAULT (not user space), or the
	// installer's error.
	[[nodiscard]] std::optional<uint64_t> to_guest_phys(uint64_t host_virt);
	// The same without assigning: nullopt when no window holds host_virt.
	[[nodiscard]] std::optional<uint64_t> find_guest_phys(uint64_t host_virt) const;
	// The host-virtual address of guest_phys: nullopt when no window holds it
	// (below 1 GiB, past the last window, the missing page of the top one).
	[[nodiscard]] std::optional<uint64_t> to_host_virt(uint64_t guest_phys) const;
	// The window that holds host_virt, or nullptr.
	[[nodiscard]] const window* window_of(uint64_t host_virt) const;

	// Hooks for identity_map, bound to this table (which must outlive it).
	[[nodiscard]] identity_map::translation translation();

	[[nodiscard]] const std::vector<window>& windows() const { return windows_; }
	// How many windows this VM can have: PV_MAX_MEMORY_SLOTS, or fewer when
	// the guest-physical limit is low.
	[[nodiscard]] unsigned max_windows() const { return max_windows_; }
	// Why the last to_guest_phys() failed.
	[[nodiscard]] const error& last_error() const { return last_error_; }

private:
	installer install_;
	unsigned max_windows_;
	std::vector<window> windows_;
	error last_error_;
};

}  // namespace portvisor
