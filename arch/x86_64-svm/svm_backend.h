// SPDX-License-Identifier: GPL-2.0
// The AMD-V backend, as the core sees it (core/backend.h).
#pragma once

#include "portvisor/core/backend.h"
#include "portvisor/core/vm/vm_ops.h"
#include "x86_64-svm/svm_probe.h"

namespace pv::svm {

struct backend {
	static constexpr core::backend_kind kind = core::backend_kind::svm;
	// Runs with preemption off, on each online CPU in turn.
	[[nodiscard]] static core::probe_result probe_this_cpu() { return decide(read_this_cpu()); }
};
static_assert(core::backend<backend>);

// The vCPU operations (svm_run.cpp): module only.
extern const core::vm_ops ops;

}  // namespace pv::svm
