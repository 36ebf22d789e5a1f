// SPDX-License-Identifier: GPL-2.0
// Module load and unload: choose a backend, say what was found, keep the
// result. The point of no return is the end of pv_core_init: before it,
// every failure frees what was taken and explains itself in one line.
#include "portvisor/core/module.h"

#include "portvisor/core/log_format.h"
#include "portvisor/core/vm/vm_ops.h"
#include "portvisor/core_api.h"
#include "pv_config.h"
#define PV_UAPI_FREESTANDING
#include "uapi/portvisor.h"

namespace pv::core {
namespace {

constinit module_state* g_module = nullptr;

void log_refusal(const backend_selection& sel)
{
	// One line that names every compiled-in backend and why it cannot run.
	line_buffer line;
	for (u32 i = 0; i < sel.count; i++) {
		line.append(i ? "; " : "");
		line.append(backend_name(sel.kinds[i]));
		line.append(": ");
		line.append(sel.results[i].reason ? sel.results[i].reason : "probe failed");
		if (sel.cpus_seen > 1) {
			line.append(" (CPU ");
			line.append_u64(sel.refusing_cpu[i]);
			line.append(")");
		}
	}
	pv_platform_log(PV_LOG_ERR, "no usable backend, not loading: %s\n", line.c_str());
}

void log_choice(const capabilities& caps)
{
	line_buffer pages;
	append_page_sizes(pages, caps.page_sizes);
	line_buffer feats;
	append_feature_names(feats, caps.features);
	pv_platform_log(
	    PV_LOG_INFO,
	    "backend %s: stage-2 %u levels, pages %s, %u TLB tags, %u-bit guest-physical, "
	    "%u CPUs, features:%s\n",
	    backend_name(caps.kind), caps.stage2_levels, pages.c_str(), caps.tlb_tags,
	    caps.guest_phys_bits, caps.host_cpus, feats.c_str());
}

}  // namespace

u64 kconfig_features()
{
	u64 f = 0;
#ifdef PV_CONFIG_DIRECT_SYSCALL
	f |= PV_FEAT_DIRECT_SYSCALL;
#endif
#ifdef PV_CONFIG_STATS
	f |= PV_FEAT_STATS;
#endif
#ifdef PV_CONFIG_TRACING
	f |= PV_FEAT_TRACING;
#endif
	return f;
}

const module_state* current_module() { return g_module; }

}  // namespace pv::core

using namespace pv::core;

extern "C" int pv_core_init(void)
{
	if (g_module != nullptr)
		return -PV_EBUSY;
	backend_selection sel = select_backend();
	if (sel.platform_error != 0) {
		pv_platform_log(
		    PV_LOG_ERR,
		    "cannot probe every online CPU (error %d after %u CPUs), not loading\n",
		    sel.platform_error, sel.cpus_seen);
		return -PV_ENODEV;
	}
	if (sel.chosen < 0) {
		log_refusal(sel);
		return -PV_ENODEV;
	}
	void* mem = pv_platform_alloc(sizeof(module_state));
	if (mem == nullptr) {
		pv_platform_log(PV_LOG_ERR, "cannot allocate the module state (%zu bytes)\n",
				sizeof(module_state));
		return -PV_ENOMEM;
	}
	auto* m = new (mem) module_state{};
	m->caps = sel.caps;
	m->build_features = kconfig_features();
	m->caps.features |= m->build_features;
	if (const vm_ops* ops = vm_ops_for(m->caps.kind); ops != nullptr) {
		const int rc = ops->setup(m->caps);
		if (rc != 0) {
			pv_platform_log(PV_LOG_ERR, "backend %s: setup failed (error %d), not loading\n",
					backend_name(m->caps.kind), rc);
			pv_platform_free(m, sizeof(module_state));
			return rc;
		}
		m->caps.features |= PV_FEAT_RUN;
	}
	log_choice(m->caps);
	g_module = m;  // point of no return
	return 0;
}

extern "C" void pv_core_exit(void)
{
	if (g_module == nullptr)
		return;
	if (const vm_ops* ops = vm_ops_for(g_module->caps.kind); ops != nullptr)
		ops->unsetup();
	pv_platform_free(g_module, sizeof(module_state));
	g_module = nullptr;
}

extern "C" const char* pv_core_backend_name(void)
{
	return g_module ? backend_name(g_module->caps.kind) : "none";
}
