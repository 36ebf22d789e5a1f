// SPDX-License-Identifier: GPL-2.0
// The checks a CPU makes on VM entry (Intel SDM Vol. 3C, chapter "VM
// Entries": 27.2 "Checks on VMX Controls and Host-State Area", 27.3.1
// "Checks on the Guest State Area"; 26.x in editions before 2023), applied
// to a vmcs_image with the capability MSRs of a CPU. Pure.
//
// Used three ways: the host unit tests run it on the VMCS vmcs_build.h
// makes for several capability sets; PV_SET_SREGS runs the guest-state part
// so that a bad value is an EINVAL naming the rule; and after a failed VM
// entry the module runs it on the VMCS it reads back, to name the failing
// field to user space.
#pragma once

#include "x86_64-vmx/vmcs_image.h"
#include "x86_64-vmx/vmx_probe.h"

namespace pv::vmx {

struct entry_violation {
	u32 field = 0;              // the VMCS field at fault (its encoding)
	const char* rule = nullptr;  // "27.3.1.2: CS access rights: type must be 9, 11, 13 or 15"
};

enum check_scope : unsigned {
	check_controls = 1U << 0,  // 27.2.1
	check_host = 1U << 1,      // 27.2.2, 27.2.3
	check_guest = 1U << 2,     // 27.3.1
	check_all = check_controls | check_host | check_guest,
};

// Runs the checks in SDM order; stores up to max violations in out and
// returns how many there were (0: the entry would pass these checks).
unsigned check_vm_entry(const vmcs_image& vmcs, const cpu_snapshot& cpu, unsigned scope,
			entry_violation* out, unsigned max);

}  // namespace pv::vmx
