// SPDX-License-Identifier: GPL-2.0
// What uapi_freestanding.cpp and uapi_linux.cpp each see of kmod/uapi/portvisor.h:
// the ioctl numbers and the struct layout. Included after the uapi header.
#pragma once

#include <cstddef>

struct uapi_numbers {
	unsigned long long get_api_version, get_capabilities, get_stats;
	size_t caps_size, caps_min, caps_backend_name, caps_reserved;
	size_t stats_size, stats_min, stats_total_allocs, stats_reserved;
	unsigned long long run_with_result;
};

extern const uapi_numbers freestanding_numbers;  // PV_UAPI_FREESTANDING
extern const uapi_numbers linux_numbers;         // <linux/ioctl.h>

#ifdef PV_GET_STATS
// The layout is ABI (docs/abi.md): 96 and 64 bytes, the minimum sizes end
// where the reserved fields start.
static_assert(sizeof(struct pv_capabilities) == 96);
static_assert(alignof(struct pv_capabilities) == 8);
static_assert(offsetof(struct pv_capabilities, flags) == 4);
static_assert(offsetof(struct pv_capabilities, page_sizes) == 16);
static_assert(offsetof(struct pv_capabilities, features) == 24);
static_assert(offsetof(struct pv_capabilities, host_cpus) == 40);
static_assert(offsetof(struct pv_capabilities, backend_name) == 48);
static_assert(offsetof(struct pv_capabilities, reserved) == PV_CAPS_MIN_SIZE);
static_assert(PV_CAPS_MIN_SIZE == 64);
static_assert(sizeof(struct pv_module_stats) == 64);
static_assert(offsetof(struct pv_module_stats, alloc_bytes) == 8);
static_assert(offsetof(struct pv_module_stats, total_allocs) == 32);
static_assert(offsetof(struct pv_module_stats, reserved) == PV_STATS_MIN_SIZE);
static_assert(PV_STATS_MIN_SIZE == 40);
static_assert(sizeof(struct pv_run_result) == 16);
static_assert(offsetof(struct pv_run_result, flags) == 8);

#define PV_UAPI_NUMBERS                                                                            \
	{                                                                                          \
		PV_GET_API_VERSION, PV_GET_CAPABILITIES, PV_GET_STATS,                             \
		    sizeof(struct pv_capabilities), PV_CAPS_MIN_SIZE,                              \
		    offsetof(struct pv_capabilities, backend_name),                                \
		    offsetof(struct pv_capabilities, reserved), sizeof(struct pv_module_stats),    \
		    PV_STATS_MIN_SIZE, offsetof(struct pv_module_stats, total_allocs),             \
		    offsetof(struct pv_module_stats, reserved), PV_RUN_WITH_RESULT                 \
	}
#endif
