// SPDX-License-Identifier: GPL-2.0
// Page-table pages for the identity_map tests, from one block of process
// memory below 2^40.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <sys/mman.h>

#include "portvisor/identity_map.hpp"

namespace pvtest {

using portvisor::identity_map;

// Zeroed 4 KiB pages from one block below 2^40 (so that tables with a
// 40-bit limit can use them), starting at a 1 GiB boundary, each pool in
// a GiB of its own; fails on request.
class page_pool {
public:
	explicit page_pool(size_t pages = 256) : pages_(pages)
	{
		for (uint64_t hint = 1ULL << 38; hint < (1ULL << 40); hint += 1ULL << 30) {
			void* p = mmap(reinterpret_cast<void*>(hint), pages * identity_map::size_4k,
				       PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
			if (p == reinterpret_cast<void*>(hint)) {
				base_ = static_cast<unsigned char*>(p);
				break;
			}
			if (p != MAP_FAILED)
				munmap(p, pages * identity_map::size_4k);
		}
		if (!base_)
			throw std::runtime_error("page_pool: no free address range below 2^40");
	}
	~page_pool() { munmap(base_, pages_ * identity_map::size_4k); }
	page_pool(const page_pool&) = delete;
	page_pool& operator=(const page_pool&) = delete;

	identity_map::page_allocator allocator()
	{
		return [this]() -> void* {
			if (fail_ || used_ == pages_)
				return nullptr;
			return base_ + identity_map::size_4k * used_++;
		};
	}
	bool owns(uint64_t addr) const
	{
		auto b = reinterpret_cast<uintptr_t>(base_);
		return addr >= b && addr < b + pages_ * identity_map::size_4k &&
		       (addr & (identity_map::size_4k - 1)) == 0;
	}
	uint64_t base() const { return reinterpret_cast<uintptr_t>(base_); }
	size_t used() const { return used_; }
	void set_failing(bool f) { fail_ = f; }

private:
	unsigned char* base_ = nullptr;
	size_t pages_;
	size_t used_ = 0;
	bool fail_ = false;
};

}  // namespace pvtest
