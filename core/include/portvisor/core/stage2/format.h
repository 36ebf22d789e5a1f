// SPDX-License-Identifier: GPL-2.0
// What the stage-2 engine (table.h) needs from a descriptor format: a class
// of static constexpr functions that encode and decode one 64-bit
// descriptor. Heights count from the leaves: 0 is the last level (4 KiB
// pages), 1 holds 2 MiB leaves or tables, 2 holds 1 GiB leaves or tables,
// 3 and 4 hold tables only. Formats: ept.h, npt.h, arm_s2.h.
#pragma once

#include "portvisor/core/stage2/types.h"

namespace pv::stage2 {

template <class F>
concept format = requires(u64 desc, u64 pa, unsigned height, perm p, mem_type m, config cfg)
{
	requires same_as<decltype(F::name), const char* const>;
	// Output (host-physical) address bits a descriptor can hold.
	requires F::output_bits >= 32 && F::output_bits <= 52;
	// Replacing a valid leaf by a table or the reverse needs an invalid
	// descriptor and an invalidation in between (arm64).
	requires same_as<decltype(F::break_before_make), const bool>;
	// Levels and IPA size for a config (levels == 0: invalid).
	{
		F::resolve(cfg)
		} -> same_as<geometry>;
	// The descriptor maps something or points to a table.
	{
		F::is_valid(desc)
		} -> same_as<bool>;
	// A valid descriptor at height > 0 points to a table (else it is a leaf).
	{
		F::is_table(desc, height)
		} -> same_as<bool>;
	{
		F::table(pa)
		} -> same_as<u64>;
	{
		F::table_address(desc)
		} -> same_as<u64>;
	// A leaf at `height` (4 KiB page at 0, block / large page above).
	{
		F::leaf(pa, height, p, m)
		} -> same_as<u64>;
	{
		F::leaf_address(desc, height)
		} -> same_as<u64>;
	{
		F::leaf_perm(desc)
		} -> same_as<perm>;
	{
		F::leaf_mem_type(desc, height)
		} -> same_as<mem_type>;
	// The same leaf with other permissions (everything else kept).
	{
		F::with_perm(desc, height, p)
		} -> same_as<u64>;
};

namespace detail {

// x86 (EPT, NPT): 4 or 5 levels (5 with LA57), any IPA size from 32 bits
// up to what the levels translate.
[[nodiscard]] constexpr geometry resolve_x86(const config& cfg)
{
	const unsigned levels = cfg.levels == 0 ? 4 : cfg.levels;
	if (levels != 4 && levels != 5)
		return {};
	const unsigned max_bits = 12 + 9 * levels;
	const unsigned ipa = cfg.ipa_bits == 0 ? max_bits : cfg.ipa_bits;
	if (ipa < 32 || ipa > max_bits)
		return {};
	return {levels, ipa};
}

}  // namespace detail

}  // namespace pv::stage2
