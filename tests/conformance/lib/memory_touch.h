// SPDX-License-Identifier: MIT
// What the stage-2 cases share: a guest loop that writes or checks one
// word every `stride` bytes of a region, the same words checked from the
// process, and the VM's stage-2 counters.
#pragma once

#include <cstdint>

#include "portvisor/guest.hpp"

namespace pvt {

struct touch_area {
	uint64_t base = 0;
	uint64_t stride = 4096;
	uint64_t seed = 0;
	uint64_t skip = ~0ULL;  // a word index not touched (~0: none)
};

// The word at index i of an area written with `seed`.
uint64_t touch_pattern(uint64_t i, uint64_t seed);
// Words [first, last) in the guest: written with the pattern, or checked
// against it; fail()s naming `what` if any differs.
void guest_touch(const touch_area& a, uint64_t first, uint64_t last, bool write, const char* what);
// The same words written by the process.
void host_fill(const touch_area& a, uint64_t first, uint64_t last);
// The same words checked by the process: how many differ.
uint64_t host_mismatches(const touch_area& a, uint64_t first, uint64_t last);
// PV_GET_VM_STATS of the process's guest VM; fail()s if it cannot.
pv_vm_stats guest_vm_stats();

}  // namespace pvt
