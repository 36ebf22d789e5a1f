// SPDX-License-Identifier: GPL-2.0
// Module-wide state of the core: the chosen backend and its capabilities.
// One instance, allocated from the platform at load, freed at unload.
#pragma once

#include "portvisor/core/backend_set.h"

namespace pv::core {

// Defined by the composition root (arch/backends.cpp), which knows which
// backends Kconfig compiled in: backend_set<...>::select() over them.
[[nodiscard]] backend_selection select_backend();

struct module_state {
	capabilities caps;
	u64 build_features;  // PV_FEAT_* bits that come from Kconfig
};

// The PV_FEAT_* bits that come from Kconfig (pv_config.h), not from the CPU.
[[nodiscard]] u64 kconfig_features();

// The loaded module's state, or nullptr before pv_core_init / after pv_core_exit.
[[nodiscard]] const module_state* current_module();

}  // namespace pv::core
