// SPDX-License-Identifier: GPL-2.0
// The Intel VT-x backend, as the core sees it (core/backend.h).
#pragma once

#include "portvisor/core/backend.h"
#include "portvisor/core/vm/vm_ops.h"
#include "x86_64-vmx/vmx_probe.h"

namespace pv::vmx {

struct backend {
	static constexpr core::backend_kind kind = core::backend_kind::vmx;
	// Runs with preemption off, on each online CPU in turn.
	[[nodiscard]] static core::probe_result probe_this_cpu() { return decide(read_this_cpu()); }
};
static_assert(core::backend<backend>);

// The vCPU operations (vmx_run.cpp): module only.
extern const core::vm_ops ops;

}  // namespace pv::vmx
