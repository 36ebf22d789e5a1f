// SPDX-License-Identifier: GPL-2.0
// The module's tests choose what backend selection pv_core_init() sees:
// module_fixture.cpp defines pv::core::select_backend() (arch/backends.cpp,
// which probes real CPUs, is not linked into these tests).
#pragma once

#include <gtest/gtest.h>

#include "fake_platform.h"
#include "portvisor/core/module.h"
#include "portvisor/core_api.h"

namespace pv::test {

// What the next select_backend() call returns, and how often it was called.
extern core::backend_selection next_selection;
extern unsigned select_calls;

// A selection of two compiled-in backends, vmx and svm, that chose vmx with
// `caps` on `cpus` CPUs (svm refused).
[[nodiscard]] core::backend_selection chose(const core::capabilities& caps, u32 cpus);

// Capabilities as Bochs' corei7_skylake_x gives them (vmx_probe_test.cpp).
[[nodiscard]] core::capabilities skylake_x_caps();

// The PV_FEAT_* bits the x86_64 Kconfig build adds (pv_config.h).

// Fresh fake and selection before each test; after it, the module unloaded,
// nothing outstanding and no contract broken.
class module_fixture : public testing::Test {
protected:
	void SetUp() override;
	void TearDown() override;
};

}  // namespace pv::test
