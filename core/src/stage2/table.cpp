// SPDX-License-Identifier: GPL-2.0
// The stage-2 engine for the three descriptor formats, compiled once, and
// compile-time checks of encodings against the manuals' bit layouts.
#include "portvisor/core/stage2/table.h"

namespace pv::stage2 {

template class page_table<ept>;
template class page_table<npt>;
template class page_table<arm_s2>;

// The configuration bits of page sizes are the uapi's PV_PAGE_SIZE_* values.
static_assert(size_bit(page_size::size_4k) == (1ULL << 12));
static_assert(size_bit(page_size::size_2m) == (1ULL << 21));
static_assert(size_bit(page_size::size_1g) == (1ULL << 30));

// Round trips of every permission and type through every format and height.
template <format F> constexpr bool round_trips()
{
	constexpr perm perms[] = {perm::r, perm::rw, perm::rx, perm::rwx};
	constexpr mem_type types[] = {mem_type::normal_wb, mem_type::device};
	for (unsigned h = 0; h <= max_leaf_height; h++) {
		const u64 pa = span(h) * 3;
		for (perm p : perms) {
			for (mem_type m : types) {
				const u64 d = F::leaf(pa, h, p, m);
				if (!F::is_valid(d) || (h > 0 && F::is_table(d, h)) ||
				    F::leaf_address(d, h) != pa || F::leaf_perm(d) != p ||
				    F::leaf_mem_type(d, h) != m)
					return false;
				for (perm q : perms) {
					const u64 e = F::with_perm(d, h, q);
					if (F::leaf_perm(e) != q || F::leaf_address(e, h) != pa ||
					    F::leaf_mem_type(e, h) != m)
						return false;
				}
			}
		}
		if (h > 0 && !F::is_table(F::table(pa), h))
			return false;
	}
	return F::is_valid(F::table(0x1000)) && F::table_address(F::table(0x1000)) == 0x1000 &&
	       !F::is_valid(0);
}
static_assert(round_trips<ept>());
static_assert(round_trips<npt>());
static_assert(round_trips<arm_s2>());

}  // namespace pv::stage2
