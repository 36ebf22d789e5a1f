// SPDX-License-Identifier: GPL-2.0
// The page part of the platform door for the stage-2 benchmark: zeroed,
// aligned pages from the C library, physical address = virtual address
// (user-space addresses fit in the 48 and 52 output bits of the formats),
// so that phys_to_virt costs what __va costs in the kernel: nothing.
#include <cstdlib>
#include <cstring>

#include "portvisor/platform.h"

namespace {
uint64_t live_pages;

void* zeroed(size_t bytes)
{
	void* p = std::aligned_alloc(bytes, bytes);
	if (p != nullptr) {
		std::memset(p, 0, bytes);
		live_pages += bytes / 4096;
	}
	return p;
}
}  // namespace

extern "C" {

void* pv_platform_alloc_page(void) { return zeroed(4096); }
void pv_platform_free_page(void* page)
{
	if (page != nullptr)
		live_pages--;
	std::free(page);
}
void* pv_platform_alloc_pages(unsigned int order) { return zeroed(size_t(4096) << order); }
void pv_platform_free_pages(void* pages, unsigned int order)
{
	if (pages != nullptr)
		live_pages -= 1ULL << order;
	std::free(pages);
}
uint64_t pv_platform_virt_to_phys(const void* virt) { return reinterpret_cast<uintptr_t>(virt); }
void* pv_platform_phys_to_virt(uint64_t phys) { return reinterpret_cast<void*>(phys); }

}  // extern "C"

// Pages still allocated: the benchmark checks it is back to 0 at the end.
uint64_t bench_live_pages() { return live_pages; }
