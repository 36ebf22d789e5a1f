// SPDX-License-Identifier: GPL-2.0
// A VMCS as a list of (field encoding, value) pairs: what the backend builds
// (vmcs_build.h) before it VMWRITEs it, what it VMREADs back after a failed
// VM entry, and what the VM-entry checker (vmentry_check.h) examines. Pure,
// so the host unit tests build and check the VMCS of any capability set.
#pragma once

#include "portvisor/core/types.h"

namespace pv::vmx {

class vmcs_image {
public:
	static constexpr unsigned capacity = 128;
	struct entry {
		u32 field;
		u64 value;
	};

	// Sets (or replaces) a field. false when the image is full.
	bool set(u32 field, u64 value)
	{
		for (unsigned i = 0; i < count_; i++)
			if (entries_[i].field == field) {
				entries_[i].value = value;
				return true;
			}
		if (count_ == capacity)
			return false;
		entries_[count_++] = entry{field, value};
		return true;
	}
	// The value of a field; 0 when it was never set (as after VMCLEAR of a
	// zeroed region on the CPUs portvisor knows, and what the checker assumes).
	[[nodiscard]] u64 get(u32 field) const
	{
		for (unsigned i = 0; i < count_; i++)
			if (entries_[i].field == field)
				return entries_[i].value;
		return 0;
	}
	[[nodiscard]] bool has(u32 field) const
	{
		for (unsigned i = 0; i < count_; i++)
			if (entries_[i].field == field)
				return true;
		return false;
	}
	void clear() { count_ = 0; }
	[[nodiscard]] unsigned count() const { return count_; }
	[[nodiscard]] const entry& at(unsigned i) const { return entries_[i]; }

private:
	entry entries_[capacity] = {};
	unsigned count_ = 0;
};

}  // namespace pv::vmx
