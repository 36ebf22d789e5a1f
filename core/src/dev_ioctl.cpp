// SPDX-License-Identifier: GPL-2.0
// ioctls of /dev/portvisor itself (not of a VM or vCPU). Every user pointer
// goes through the platform's copy helpers; every field is checked.
// docs/abi.md is the reference for what each returns.
#include "portvisor/core/module.h"
#include "portvisor/core_api.h"

#include "portvisor/core/ioctl.h"

namespace pv::core {
namespace {

static_assert(sizeof(pv_capabilities) == 96, "uapi struct size is ABI");
static_assert(offsetof(pv_capabilities, reserved) == PV_CAPS_MIN_SIZE);
static_assert(sizeof(pv_module_stats) == 64, "uapi struct size is ABI");
static_assert(offsetof(pv_module_stats, reserved) == PV_STATS_MIN_SIZE);

[[nodiscard]] long get_capabilities(uint64_t arg, const module_state& m)
{
	pv_capabilities caps{};
	caps.backend = static_cast<u32>(m.caps.kind);
	caps.stage2_levels = m.caps.stage2_levels;
	caps.page_sizes = m.caps.page_sizes;
	caps.features = m.caps.features;
	caps.tlb_tags = m.caps.tlb_tags;
	caps.guest_phys_bits = m.caps.guest_phys_bits;
	caps.host_cpus = m.caps.host_cpus;
	const char* name = backend_name(m.caps.kind);
	for (u32 i = 0; name[i] != '\0' && i + 1 < sizeof(caps.backend_name); i++)
		caps.backend_name[i] = name[i];
	return copy_out_sized(arg, caps, PV_CAPS_MIN_SIZE);
}

[[nodiscard]] long get_stats(uint64_t arg)
{
	pv_alloc_stats a{};
	pv_platform_alloc_stats(&a);
	pv_module_stats s{};
	s.alloc_bytes = a.bytes;
	s.alloc_objects = a.objects;
	s.alloc_pages = a.pages;
	s.total_allocs = a.total_allocs;
	return copy_out_sized(arg, s, PV_STATS_MIN_SIZE);
}

}  // namespace
}  // namespace pv::core

using namespace pv::core;

// The size bits of `cmd` are not checked: the structs carry their own size,
// so that a client built against an older or newer header still reaches
// the same ioctl. Type, number and direction must match.
extern "C" long pv_core_dev_ioctl(unsigned int cmd, uint64_t arg)
{
	const module_state* m = current_module();
	if (m == nullptr)
		return -PV_ENODEV;
	if (ioc_type(cmd) != PV_IOCTL_TYPE)
		return -PV_ENOTTY;
	switch (ioc_nr(cmd)) {
	case ioc_nr(PV_GET_API_VERSION):
		if (ioc_dir(cmd) != _IOC_NONE)
			return -PV_ENOTTY;
		return PV_API_VERSION;
	case ioc_nr(PV_GET_CAPABILITIES):
		if (ioc_dir(cmd) != (_IOC_READ | _IOC_WRITE))
			return -PV_ENOTTY;
		return get_capabilities(arg, *m);
	case ioc_nr(PV_GET_STATS):
		if (ioc_dir(cmd) != (_IOC_READ | _IOC_WRITE))
			return -PV_ENOTTY;
		return get_stats(arg);
	default: return -PV_ENOTTY;
	}
}
