// SPDX-License-Identifier: GPL-2.0
// The arm64 EL2/VHE backend, as the core sees it (core/backend.h).
#pragma once

#include "arm64-vhe/vhe_probe.h"
#include "portvisor/core/backend.h"

namespace pv::arm64 {

struct backend {
	static constexpr core::backend_kind kind = core::backend_kind::arm64_vhe;
	// Runs with preemption off, on each online CPU in turn.
	[[nodiscard]] static core::probe_result probe_this_cpu() { return decide(read_this_cpu()); }
};
static_assert(core::backend<backend>);

}  // namespace pv::arm64
