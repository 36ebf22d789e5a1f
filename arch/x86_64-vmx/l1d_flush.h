// SPDX-License-Identifier: GPL-2.0
// L1 Terminal Fault in a guest (CVE-2018-3646): a guest page-table entry
// that is not present still lets the CPU read, speculatively and past EPT,
// whatever L1D line its address names as host-physical. What the host left
// in L1D (the direct syscall just run, an interrupt, another task) would be
// the guest's to read, so L1D is flushed before every VM entry when the
// kernel's L1TF policy asks (pv_platform_x86_l1d_flush_wanted). Intel,
// "Deep Dive: Intel Analysis of L1 Terminal Fault": IA32_FLUSH_CMD.L1D_FLUSH
// where the microcode has it; else reading a 64 KiB buffer (twice the
// 32 KiB L1D of the affected cores) displaces every line. Module only.
#pragma once

#include "portvisor/core/types.h"

namespace pv::vmx {

class l1d_flusher {
public:
	// The policy (enum pv_l1d_flush); allocates the software flush's
	// buffer when it is needed. -PV_ENOMEM without it.
	[[nodiscard]] int init(int policy);
	void release();
	[[nodiscard]] int policy() const { return policy_; }
	[[nodiscard]] const char* describe() const;
	// Right before VM entry, interrupts off (nothing may run between the
	// flush and the entry that could fill L1D again). Inline: most CPUs
	// need none, and this runs before every entry.
	void flush() const
	{
		if (policy_ != 0)  // PV_L1D_FLUSH_NONE
			flush_now();
	}

private:
	void flush_now() const;
	int policy_ = 0;
	u8* buffer_ = nullptr;
};

}  // namespace pv::vmx
