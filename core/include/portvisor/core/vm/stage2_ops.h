// SPDX-License-Identifier: GPL-2.0
// The two stage-2 operations every backend's vm_ops run the same way on its
// own table format (NPT, EPT, ...): map one leaf as the platform's fault
// handler found it, and take a range away for the mmu notifier.
// Under the platform's VM lock.
#pragma once

#include "portvisor/core/stage2/table.h"
#include "portvisor/core/stage2/unmap_for_host.h"
#include "portvisor/core/vm/vm.h"

namespace pv::core {

// One leaf of `size` bytes (4 KiB, or 2 MiB / 1 GiB when the VM's table
// uses them; gpa and hpa aligned to it). What is mapped there already goes
// first, flushed on every vCPU: a page read-only becoming writable, a new
// page after COW, 4 KiB leaves a huge one replaces.
template <class Format>
[[nodiscard]] int map_leaf(vm& v, stage2::page_table<Format>& table, u64 gpa, u64 hpa, u64 size,
			   bool write, bool exec)
{
	stage2::page_size ps = stage2::page_size::size_4k;
	if (size == stage2::bytes(stage2::page_size::size_2m))
		ps = stage2::page_size::size_2m;
	else if (size == stage2::bytes(stage2::page_size::size_1g))
		ps = stage2::page_size::size_1g;
	else if (size != stage2::bytes(stage2::page_size::size_4k))
		return -PV_EINVAL;
	const stage2::op_result gone = table.unmap(gpa, size);
	if (!gone.ok())
		return stage2::to_errno(gone.err);  // a split found no page: the guest faults again
	if (gone.flush)
		flush_vcpus(v);
	stage2::perm p = stage2::perm::r;
	if (write)
		p = p | stage2::perm::w;
	if (exec)
		p = p | stage2::perm::x;
	const stage2::op_result r = table.map(gpa, hpa, size, ps, p, stage2::mem_type::normal_wb);
	return stage2::to_errno(r.err);
}

// Returns whether a valid mapping went. Never fails (unmap_for_host.h).
template <class Format>
[[nodiscard]] bool unmap_range(stage2::page_table<Format>& table, u64 gpa, u64 size)
{
	return stage2::unmap_for_host(table, gpa, size).flush;
}

}  // namespace pv::core
