// SPDX-License-Identifier: GPL-2.0
// What a backend found on the CPU: the arch-neutral capability record and the
// outcome of a probe. Reported to user space through PV_GET_CAPABILITIES.
#pragma once

#include "portvisor/core/types.h"

namespace pv::core {

// Stable numbers: they are enum pv_backend of the uapi header.
enum class backend_kind : u32 { none = 0, vmx = 1, svm = 2, arm64_vhe = 3 };

struct capabilities {
	backend_kind kind = backend_kind::none;
	u32 stage2_levels = 0;    // table levels the module will use
	u64 page_sizes = 0;       // PV_PAGE_SIZE_* bits
	u64 features = 0;         // PV_FEAT_* bits
	u32 tlb_tags = 0;         // VPIDs / ASIDs / VMIDs; 0 when untagged
	u32 guest_phys_bits = 0;  // guest-physical (IPA) width
	u32 host_cpus = 0;        // CPUs that agreed on this record

	[[nodiscard]] bool operator==(const capabilities&) const = default;
};

enum class probe_status : u32 {
	usable,        // the backend can run on this CPU
	absent,        // the CPU lacks the extension altogether
	disabled,      // present but turned off (firmware lock, SVMDIS, not at EL2)
	insufficient,  // present but missing a feature portvisor requires
};

struct probe_result {
	probe_status status = probe_status::absent;
	// Static string: why the backend is not usable, or nullptr when it is.
	const char* reason = nullptr;
	capabilities caps{};

	[[nodiscard]] static constexpr probe_result refuse(probe_status s, const char* why)
	{
		return probe_result{s, why, {}};
	}
	[[nodiscard]] bool usable() const { return status == probe_status::usable; }
};

[[nodiscard]] constexpr const char* backend_name(backend_kind kind)
{
	switch (kind) {
	case backend_kind::vmx: return "vmx";
	case backend_kind::svm: return "svm";
	case backend_kind::arm64_vhe: return "arm64-vhe";
	case backend_kind::none: break;
	}
	return "none";
}

}  // namespace pv::core
