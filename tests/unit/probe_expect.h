// SPDX-License-Identifier: GPL-2.0
// What the probe and selection tests share: readable gtest output for the
// core's records, and the check of a refusal.
#pragma once

#include <cstring>
#include <gtest/gtest.h>
#include <ostream>

#include "portvisor/core/capabilities.h"

namespace pv::core {

// Found by argument-dependent lookup, so gtest prints names, not bytes.
inline std::ostream& operator<<(std::ostream& os, probe_status s)
{
	switch (s) {
	case probe_status::usable: return os << "usable";
	case probe_status::absent: return os << "absent";
	case probe_status::disabled: return os << "disabled";
	case probe_status::insufficient: return os << "insufficient";
	}
	return os << "probe_status(" << static_cast<u32>(s) << ")";
}

inline std::ostream& operator<<(std::ostream& os, backend_kind k) { return os << backend_name(k); }

inline std::ostream& operator<<(std::ostream& os, const capabilities& c)
{
	return os << "{" << c.kind << ", levels " << c.stage2_levels << ", pages " << std::hex
		  << c.page_sizes << ", features " << c.features << std::dec << ", tags "
		  << c.tlb_tags << ", " << c.guest_phys_bits << " bits, " << c.host_cpus
		  << " CPUs}";
}

}  // namespace pv::core

// A refusal has the status, a reason containing `reason`, and no capabilities.
inline void expect_refused(const pv::core::probe_result& r, pv::core::probe_status status,
			   const char* reason)
{
	EXPECT_FALSE(r.usable());
	EXPECT_EQ(r.status, status);
	ASSERT_NE(r.reason, nullptr);
	EXPECT_NE(std::strstr(r.reason, reason), nullptr)
	    << "reason \"" << r.reason << "\" does not contain \"" << reason << "\"";
	EXPECT_EQ(r.caps, pv::core::capabilities{});
}
