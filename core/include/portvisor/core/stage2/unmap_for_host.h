// SPDX-License-Identifier: GPL-2.0
// The unmap the host's memory changes need (the mmu notifier, a deleted
// slot): it cannot fail, because the host is about to reuse the pages.
// page_table::unmap splits a huge leaf the range covers only partly, and a
// split needs a table page, which may not be there in atomic context; then
// the whole leaves around the range go instead. Widened to 1 GiB boundaries
// (the largest leaf), the range cuts no leaf, so nothing is split and
// nothing allocated; the guest faults back what it still uses.
#pragma once

#include "portvisor/core/stage2/table.h"

namespace pv::stage2 {

// Removes every mapping of [gpa, gpa + size) clipped to the table, and maybe
// more around it (whole huge leaves). Never fails on a table that init()
// accepted; flush as page_table::unmap.
template <format F> op_result unmap_for_host(page_table<F>& t, u64 gpa, u64 size)
{
	const u64 limit = t.ipa_limit();
	if (!t.initialized() || gpa >= limit || size == 0)
		return {};
	if (size > limit - gpa)
		size = limit - gpa;
	const op_result r = t.unmap(gpa, size);
	if (r.err != error::nomem)
		return r;
	constexpr u64 widest = span(max_leaf_height);
	const u64 start = gpa & ~(widest - 1);
	const u64 end =
	    gpa + size > limit - widest ? limit : (gpa + size + widest - 1) & ~(widest - 1);
	return t.unmap(start, end - start);
}

}  // namespace pv::stage2
