// SPDX-License-Identifier: GPL-2.0
// The two stage-2 operations every backend's vm_ops run the same way on its
// own table format (NPT, EPT, ...): map one 4 KiB page as the platform's
// fault handler found it, and take a range away for the mmu notifier.
// Under the platform's VM lock.
#pragma once

#include "portvisor/core/stage2/table.h"
#include "portvisor/core/vm/vm.h"

namespace pv::core {

// A page mapped already is replaced (read-only becoming writable, a new
// page after COW): the old entry goes first, flushed on every vCPU.
template <class Format>
[[nodiscard]] int map_4k_page(vm& v, stage2::page_table<Format>& table, u64 gpa, u64 hpa,
			      bool write, bool exec)
{
	stage2::translation t{};
	if (table.translate(gpa, t) && table.unmap(gpa, 4096).flush)
		flush_vcpus(v);
	stage2::perm p = stage2::perm::r;
	if (write)
		p = p | stage2::perm::w;
	if (exec)
		p = p | stage2::perm::x;
	const stage2::op_result r =
	    table.map(gpa, hpa, 4096, stage2::page_size::size_4k, p, stage2::mem_type::normal_wb);
	return stage2::to_errno(r.err);
}

// Clipped to what the table can address. Returns whether a valid mapping went.
template <class Format>
[[nodiscard]] bool unmap_range(stage2::page_table<Format>& table, u64 gpa, u64 size)
{
	const u64 limit = table.ipa_limit();
	if (gpa >= limit || size == 0)
		return false;
	if (size > limit - gpa)
		size = limit - gpa;
	return table.unmap(gpa, size).flush;
}

}  // namespace pv::core
