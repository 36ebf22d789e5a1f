// SPDX-License-Identifier: GPL-2.0
// The compiled-in backends as a compile-time list, and the load-time choice
// among them: every backend is probed on every online CPU, and the first one
// (in list order) that is usable with the same capabilities on all of them
// is chosen. A CPU that disagrees with CPU 0 refuses the backend: portvisor
// never runs a vCPU on a CPU it did not check.
#pragma once

#include "portvisor/core/backend.h"
#include "portvisor/platform.h"

namespace pv::core {

inline constexpr u32 max_backends = 3;

struct backend_selection {
	u32 count = 0;        // backends probed
	int chosen = -1;      // index into the list, -1 if none
	capabilities caps{};  // of the chosen backend
	backend_kind kinds[max_backends]{};
	probe_result results[max_backends]{};  // CPU 0's result, or the refusal
	u32 refusing_cpu[max_backends]{};      // the CPU whose result refused it
	u32 cpus_seen = 0;
	// Non-zero (-errno) when the probe could not run on every online CPU;
	// then nothing is chosen, whatever the CPUs seen so far said.
	int platform_error = 0;
};

template <backend... Bs> struct backend_set {
	static constexpr u32 count = sizeof...(Bs);
	static_assert(count > 0 && count <= max_backends,
		      "Kconfig guarantees one to three backends");

	// Probes every backend on every online CPU and chooses. May sleep.
	[[nodiscard]] static backend_selection select()
	{
		backend_selection sel;
		sel.count = count;
		const backend_kind kinds[] = {Bs::kind...};
		for (u32 i = 0; i < count; i++)
			sel.kinds[i] = kinds[i];
		const int rc = pv_platform_on_each_cpu(&probe_cpu, &sel);
		if (rc != 0 || sel.cpus_seen == 0) {
			sel.platform_error = rc != 0 ? rc : -PV_ENODEV;
			return sel;  // nothing chosen
		}
		for (u32 i = 0; i < count; i++) {
			if (sel.results[i].usable()) {
				sel.chosen = static_cast<int>(i);
				sel.caps = sel.results[i].caps;
				sel.caps.host_cpus = sel.cpus_seen;
				break;
			}
		}
		return sel;
	}

private:
	// Runs on `cpu` with preemption off (pv_platform_on_each_cpu).
	static int probe_cpu(void* arg, unsigned int cpu)
	{
		auto& sel = *static_cast<backend_selection*>(arg);
		using probe_fn = probe_result (*)();
		static constexpr probe_fn probes[] = {&Bs::probe_this_cpu...};
		const bool first = sel.cpus_seen == 0;
		for (u32 i = 0; i < count; i++) {
			probe_result here = probes[i]();
			if (first) {
				sel.results[i] = here;
				sel.refusing_cpu[i] = cpu;
			} else if (sel.results[i].usable() &&
				   (!here.usable() || !(here.caps == sel.results[i].caps))) {
				sel.results[i] =
				    here.usable()
					? probe_result::refuse(probe_status::insufficient,
							       "CPUs report different capabilities")
					: here;
				sel.refusing_cpu[i] = cpu;
			}
		}
		sel.cpus_seen++;
		return 0;
	}
};

}  // namespace pv::core
