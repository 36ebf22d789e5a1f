// SPDX-License-Identifier: GPL-2.0
// The stage-2 page-table engine: one radix tree of 4 KiB tables, a template
// over the descriptor format (ept.h, npt.h, arm_s2.h), with 4 KiB, 2 MiB and
// 1 GiB leaves and 2 to 5 levels.
//
// Operations (all return op_result: error + flush; see types.h):
//   map(gpa, hpa, size, page size, perms, type)  leaves of one size over
//       [gpa, gpa + size); -EEXIST if anything there is mapped already.
//   unmap(gpa, size)          removes what is mapped there (holes are fine).
//   protect(gpa, size, perms) new permissions for what is mapped there.
//   split(gpa)                the huge leaf holding gpa becomes a table of
//                             512 leaves of the next size, same translation.
//   collapse(gpa, size)       the table at gpa whose 512 entries are leaves
//                             of the next smaller size forming one
//                             contiguous, uniform mapping becomes one leaf of
//                             `size`; the table is freed.
//   translate(gpa)            hpa + perms + type + leaf size, or nothing.
//   teardown()                frees every table page.
// unmap and protect split huge leaves they cover only partly.
//
// Every operation is all-or-nothing for the mappings: when it fails
// (-ENOMEM included), translate() gives, for every address, what it gave
// before. unmap and protect allocate the (at most 4) pages they need for
// splits before changing anything; a map that runs out of memory part-way
// removes what it had mapped (and reports flush, since a vCPU may have used
// it). Tables left empty by unmap stay until a covering unmap, a map of a
// larger leaf over them, or teardown; every table page is counted in
// stats().table_pages and returned by teardown().
//
// Concurrency: callers serialize every call, translate included, with the
// VM's lock. The only concurrent reader is the hardware walker: descriptors
// are written with single 64-bit stores (release), a new table is filled
// before it is linked, and a table is freed only after config::invalidate
// ran (or immediately when there is no hook: tables no CPU uses).
//
// Runs in process context with the VM lock held; may sleep (allocations).
// No virtual calls: the format is a template parameter.
#pragma once

#include "portvisor/core/stage2/arm_s2.h"
#include "portvisor/core/stage2/ept.h"
#include "portvisor/core/stage2/format.h"
#include "portvisor/core/stage2/npt.h"
#include "portvisor/core/stage2/types.h"
#include "portvisor/platform.h"

namespace pv::stage2 {

template <format F> class page_table {
public:
	using format_type = F;

	page_table() = default;
	page_table(const page_table&) = delete;
	page_table& operator=(const page_table&) = delete;
	~page_table() { teardown(); }

	// Allocates the root (2^root_order() pages on arm64 with concatenated
	// tables). -EINVAL for a config the format cannot do, -EBUSY when
	// already initialized, -ENOMEM.
	[[nodiscard]] error init(const config& cfg);
	// Frees every table page. The caller guarantees that no CPU walks the
	// table any more (the VM's vCPUs are gone, or its TLB tag is retired).
	void teardown();

	op_result map(u64 gpa, u64 hpa, u64 size, page_size ps, perm p, mem_type m);
	op_result unmap(u64 gpa, u64 size);
	op_result protect(u64 gpa, u64 size, perm p);
	op_result split(u64 gpa);
	op_result collapse(u64 gpa, page_size ps);

	// Hot path: one walk, no allocation, no call but phys_to_virt.
	[[nodiscard]] bool translate(u64 gpa, translation& out) const
	{
		if (root_ == nullptr || gpa >= ipa_limit()) [[unlikely]]
			return false;
		const u64* t = root_;
		for (unsigned h = top();; h--) {
			const u64 d = load(&t[index(gpa, h)]);
			if (!F::is_valid(d))
				return false;
			if (is_leaf(d, h)) {
				out.hpa = F::leaf_address(d, h) | (gpa & (span(h) - 1));
				out.perms = F::leaf_perm(d);
				out.type = F::leaf_mem_type(d, h);
				out.size = page_size(h);
				return true;
			}
			t = table_virt(F::table_address(d));
		}
	}

	// fn(const leaf_info&) for every leaf, in address order.
	template <class Fn> void for_each_leaf(Fn&& fn) const
	{
		if (root_ != nullptr)
			visit_leaves(root_, top(), 0, root_entries_, fn);
	}
	// fn(u64 phys, unsigned height) for every table, the root first.
	template <class Fn> void for_each_table(Fn&& fn) const
	{
		if (root_ == nullptr)
			return;
		fn(root_phys_, top());
		visit_tables(root_, top(), root_entries_, fn);
	}

	[[nodiscard]] bool initialized() const { return root_ != nullptr; }
	// Physical address of the root table (for F's register value: ept::eptp,
	// npt::ncr3, arm_s2::vttbr).
	[[nodiscard]] u64 root_phys() const { return root_phys_; }
	[[nodiscard]] unsigned levels() const { return levels_; }
	[[nodiscard]] unsigned ipa_bits() const { return ipa_bits_; }
	[[nodiscard]] u64 ipa_limit() const { return 1ULL << ipa_bits_; }
	// Leaf sizes in use (size_bit() values): what the capabilities report.
	[[nodiscard]] u64 page_sizes() const { return page_sizes_; }
	[[nodiscard]] unsigned root_order() const { return root_order_; }
	[[nodiscard]] u64 root_entries() const { return root_entries_; }
	[[nodiscard]] const stats& statistics() const { return stats_; }

private:
	static constexpr unsigned max_deferred = 8;
	static constexpr u64 deferred_counted = 1ULL << 3;  // leaves still in the counters

	// Tables unlinked by the running operation, freed after one invalidation.
	struct op_state {
		bool flush = false;
		unsigned deferred = 0;
		u64 tables[max_deferred];  // phys | height | deferred_counted
	};
	// The leaves map() writes.
	struct leaf_spec {
		unsigned height;
		u64 delta;  // hpa - gpa
		perm p;
		mem_type m;
		u64 done;  // everything below this gpa is mapped by this call
	};
	// Pages allocated before a split, so that splitting cannot fail.
	struct page_pool {
		u64* page[2 * max_leaf_height];
		u64 phys[2 * max_leaf_height];
		unsigned count = 0;
		unsigned used = 0;
	};

	[[nodiscard]] static constexpr unsigned shift(unsigned h) { return 12 + 9 * h; }
	[[nodiscard]] unsigned top() const { return levels_ - 1; }
	[[nodiscard]] u64 entries(unsigned h) const { return h == top() ? root_entries_ : 512; }
	[[nodiscard]] u64 index(u64 gpa, unsigned h) const
	{
		return (gpa >> shift(h)) & (entries(h) - 1);
	}
	[[nodiscard]] static u64 load(const u64* slot)
	{
		return __atomic_load_n(slot, __ATOMIC_RELAXED);
	}
	static void store(u64* slot, u64 v) { __atomic_store_n(slot, v, __ATOMIC_RELEASE); }
	[[nodiscard]] static u64* table_virt(u64 phys)
	{
		return static_cast<u64*>(pv_platform_phys_to_virt(phys));
	}
	// `d` is valid.
	[[nodiscard]] static bool is_leaf(u64 d, unsigned h)
	{
		return h == 0 || !F::is_table(d, h);
	}

	u64& leaf_count(unsigned h);
	u64* alloc_table(u64& phys);
	void free_table_page(u64* t);
	void sync_invalidate(op_state& st);
	void defer_free(op_state& st, u64 phys, unsigned h, bool counted);
	void drain(op_state& st);
	void free_children(u64* t, unsigned h, u64 n, op_state* st, bool counted);
	op_result finish(op_state& st, error e);
	[[nodiscard]] error check_range(u64 gpa, u64 size) const;

	[[nodiscard]] bool any_leaf(const u64* t, unsigned h, u64 base, u64 start, u64 end) const;
	error install(u64* t, unsigned h, u64 base, u64 start, u64 end, leaf_spec& spec,
		      op_state& st);
	void remove(u64* t, unsigned h, u64 base, u64 start, u64 end, op_state& st);
	void reprotect(u64* t, unsigned h, u64 base, u64 start, u64 end, perm p, op_state& st);
	[[nodiscard]] unsigned splits_needed(u64 addr, unsigned& height) const;
	error prepare_boundaries(u64 start, u64 end, op_state& st);
	void split_down(u64 addr, page_pool& pool, op_state& st);
	void split_leaf(u64* slot, u64 d, unsigned h, u64* page, u64 page_phys, op_state& st);
	void replace_table_by_leaf(u64* slot, u64 d, unsigned h, u64 leaf, op_state& st);

	template <class Fn>
	void visit_leaves(const u64* t, unsigned h, u64 base, u64 n, Fn& fn) const
	{
		for (u64 i = 0; i < n; i++) {
			const u64 d = load(&t[i]);
			if (!F::is_valid(d))
				continue;
			const u64 gpa = base + (i << shift(h));
			if (is_leaf(d, h))
				fn(leaf_info{gpa, F::leaf_address(d, h), page_size(h),
					     F::leaf_perm(d), F::leaf_mem_type(d, h)});
			else
				visit_leaves(table_virt(F::table_address(d)), h - 1, gpa, 512, fn);
		}
	}
	template <class Fn> void visit_tables(const u64* t, unsigned h, u64 n, Fn& fn) const
	{
		for (u64 i = 0; i < n; i++) {
			const u64 d = load(&t[i]);
			if (!F::is_valid(d) || is_leaf(d, h))
				continue;
			fn(F::table_address(d), h - 1);
			visit_tables(table_virt(F::table_address(d)), h - 1, 512, fn);
		}
	}

	u64* root_ = nullptr;
	u64 root_phys_ = 0;
	u64 root_entries_ = 0;
	u64 page_sizes_ = 0;
	unsigned levels_ = 0;
	unsigned ipa_bits_ = 0;
	unsigned root_order_ = 0;
	void (*invalidate_)(void* ctx) = nullptr;
	void* invalidate_ctx_ = nullptr;
	stats stats_{};
};

// ---- setup and teardown -------------------------------------------------------

template <format F> error page_table<F>::init(const config& cfg)
{
	if (root_ != nullptr)
		return error::busy;
	const geometry g = F::resolve(cfg);
	if (g.levels == 0)
		return error::inval;
	u64 sizes = cfg.page_sizes;
	if ((sizes & ~all_page_sizes) != 0 || (sizes & span(0)) == 0 ||
	    ((sizes & span(2)) != 0 && (sizes & span(1)) == 0))
		return error::inval;
	for (unsigned h = 1; h <= max_leaf_height; h++) {
		if (h > g.levels - 1)
			sizes &= ~span(h);
	}
	const unsigned root_shift = shift(g.levels - 1);
	const u64 entries = g.ipa_bits > root_shift ? 1ULL << (g.ipa_bits - root_shift) : 1;
	const unsigned order = entries > 512 ? unsigned(__builtin_ctzll(entries)) - 9 : 0;
	void* root = order == 0 ? pv_platform_alloc_page() : pv_platform_alloc_pages(order);
	if (root == nullptr)
		return error::nomem;
	root_ = static_cast<u64*>(root);
	root_phys_ = pv_platform_virt_to_phys(root);
	root_entries_ = entries;
	page_sizes_ = sizes;
	levels_ = g.levels;
	ipa_bits_ = g.ipa_bits;
	root_order_ = order;
	invalidate_ = cfg.invalidate;
	invalidate_ctx_ = cfg.invalidate_ctx;
	stats_ = stats{};
	stats_.table_pages = 1ULL << order;
	return error::ok;
}

template <format F> void page_table<F>::teardown()
{
	if (root_ == nullptr)
		return;
	free_children(root_, top(), root_entries_, nullptr, false);
	if (root_order_ == 0)
		pv_platform_free_page(root_);
	else
		pv_platform_free_pages(root_, root_order_);
	root_ = nullptr;
	root_phys_ = 0;
	stats_.pages_4k = stats_.pages_2m = stats_.pages_1g = 0;
	stats_.table_pages = 0;
}

// ---- helpers ------------------------------------------------------------------

template <format F> u64& page_table<F>::leaf_count(unsigned h)
{
	switch (h) {
	case 0: return stats_.pages_4k;
	case 1: return stats_.pages_2m;
	default: return stats_.pages_1g;
	}
}

template <format F> u64* page_table<F>::alloc_table(u64& phys)
{
	void* page = pv_platform_alloc_page();
	if (page == nullptr)
		return nullptr;
	phys = pv_platform_virt_to_phys(page);
	stats_.table_pages++;
	return static_cast<u64*>(page);
}

template <format F> void page_table<F>::free_table_page(u64* t)
{
	pv_platform_free_page(t);
	stats_.table_pages--;
}

template <format F> void page_table<F>::sync_invalidate(op_state& st)
{
	if (invalidate_ != nullptr) {
		invalidate_(invalidate_ctx_);
		stats_.sync_invalidations++;
	} else {
		st.flush = true;
	}
}

template <format F> void page_table<F>::defer_free(op_state& st, u64 phys, unsigned h, bool counted)
{
	if (st.deferred == max_deferred)
		drain(st);
	st.tables[st.deferred++] = phys | h | (counted ? deferred_counted : 0);
}

// Frees the tables the operation unlinked, after the hardware forgot them.
template <format F> void page_table<F>::drain(op_state& st)
{
	if (st.deferred == 0)
		return;
	sync_invalidate(st);
	for (unsigned i = 0; i < st.deferred; i++) {
		const u64 e = st.tables[i];
		u64* t = table_virt(e & ~0xfffULL);
		free_children(t, unsigned(e & 7), 512, &st, (e & deferred_counted) != 0);
		free_table_page(t);
	}
	st.deferred = 0;
}

// Frees the tables below `t` (not `t`). `counted`: the leaves found are
// still in the statistics, and removing them needs a flush.
template <format F>
void page_table<F>::free_children(u64* t, unsigned h, u64 n, op_state* st, bool counted)
{
	for (u64 i = 0; i < n; i++) {
		const u64 d = load(&t[i]);
		if (!F::is_valid(d))
			continue;
		if (!is_leaf(d, h)) {
			u64* child = table_virt(F::table_address(d));
			free_children(child, h - 1, 512, st, counted);
			free_table_page(child);
		} else if (counted) {
			leaf_count(h)--;
			if (st != nullptr)
				st->flush = true;
		}
	}
}

template <format F> op_result page_table<F>::finish(op_state& st, error e)
{
	drain(st);
	if (st.flush)
		stats_.invalidations++;
	return op_result{e, st.flush};
}

template <format F> error page_table<F>::check_range(u64 gpa, u64 size) const
{
	if (root_ == nullptr || size == 0 || ((gpa | size) & (span(0) - 1)) != 0)
		return error::inval;
	if (gpa >= ipa_limit() || size > ipa_limit() - gpa)
		return error::range;
	return error::ok;
}

// ---- range walks ------------------------------------------------------------------
// Each takes a table `t` at height `h` whose entry 0 maps `base`, and the
// part [start, end) of the guest-physical space below it.

template <format F>
bool page_table<F>::any_leaf(const u64* t, unsigned h, u64 base, u64 start, u64 end) const
{
	const unsigned sh = shift(h);
	const u64 last = (end - 1 - base) >> sh;
	for (u64 i = (start - base) >> sh; i <= last; i++) {
		const u64 d = load(&t[i]);
		if (!F::is_valid(d))
			continue;
		if (is_leaf(d, h))
			return true;
		const u64 eb = base + (i << sh);
		if (any_leaf(table_virt(F::table_address(d)), h - 1, eb, start > eb ? start : eb,
			     min(end, eb + span(h))))
			return true;
	}
	return false;
}

template <format F>
error page_table<F>::install(u64* t, unsigned h, u64 base, u64 start, u64 end, leaf_spec& spec,
			     op_state& st)
{
	const unsigned sh = shift(h);
	const u64 last = (end - 1 - base) >> sh;
	for (u64 i = (start - base) >> sh; i <= last; i++) {
		u64* slot = &t[i];
		const u64 eb = base + (i << sh);
		const u64 d = load(slot);
		if (h == spec.height) {
			const u64 leaf = F::leaf(eb + spec.delta, h, spec.p, spec.m);
			if (!F::is_valid(d)) {
				store(slot, leaf);
			} else {
				if (is_leaf(d, h) || any_leaf(table_virt(F::table_address(d)),
							      h - 1, eb, eb, eb + span(h)))
					return error::exist;
				replace_table_by_leaf(slot, d, h, leaf, st);  // an empty table
			}
			leaf_count(h)++;
			spec.done = eb + span(h);
			continue;
		}
		u64* child;
		if (!F::is_valid(d)) {
			u64 phys;
			child = alloc_table(phys);
			if (child == nullptr)
				return error::nomem;
			store(slot, F::table(phys));
		} else if (is_leaf(d, h)) {
			return error::exist;
		} else {
			child = table_virt(F::table_address(d));
		}
		const error e = install(child, h - 1, eb, start > eb ? start : eb,
					min(end, eb + span(h)), spec, st);
		if (e != error::ok)
			return e;
	}
	return error::ok;
}

// Leaves in [start, end) are whole: prepare_boundaries() split the others
// (or the range is exactly what map() installed).
template <format F>
void page_table<F>::remove(u64* t, unsigned h, u64 base, u64 start, u64 end, op_state& st)
{
	const unsigned sh = shift(h);
	const u64 last = (end - 1 - base) >> sh;
	for (u64 i = (start - base) >> sh; i <= last; i++) {
		u64* slot = &t[i];
		const u64 d = load(slot);
		if (!F::is_valid(d))
			continue;
		if (is_leaf(d, h)) {
			store(slot, 0);
			leaf_count(h)--;
			st.flush = true;
			continue;
		}
		const u64 eb = base + (i << sh);
		const u64 s = start > eb ? start : eb;
		const u64 e = min(end, eb + span(h));
		if (s == eb && e == eb + span(h)) {
			store(slot, 0);
			defer_free(st, F::table_address(d), h - 1, true);
		} else {
			remove(table_virt(F::table_address(d)), h - 1, eb, s, e, st);
		}
	}
}

template <format F>
void page_table<F>::reprotect(u64* t, unsigned h, u64 base, u64 start, u64 end, perm p,
			      op_state& st)
{
	const unsigned sh = shift(h);
	const u64 last = (end - 1 - base) >> sh;
	for (u64 i = (start - base) >> sh; i <= last; i++) {
		u64* slot = &t[i];
		const u64 d = load(slot);
		if (!F::is_valid(d))
			continue;
		if (is_leaf(d, h)) {
			const u64 n = F::with_perm(d, h, p);
			if (n != d) {
				if ((F::leaf_perm(d) & ~p) != perm::none)
					st.flush = true;
				store(slot, n);
			}
			continue;
		}
		const u64 eb = base + (i << sh);
		reprotect(table_virt(F::table_address(d)), h - 1, eb, start > eb ? start : eb,
			  min(end, eb + span(h)), p, st);
	}
}

// ---- splitting and joining ----------------------------------------------------------

// Splits needed so that a leaf starts at `addr`: they split the leaves
// holding addr at heights `height`, height - 1, ... (n of them).
template <format F> unsigned page_table<F>::splits_needed(u64 addr, unsigned& height) const
{
	height = 0;
	if (addr >= ipa_limit())
		return 0;
	const u64* t = root_;
	for (unsigned h = top();; h--) {
		const u64 d = load(&t[index(addr, h)]);
		if (!F::is_valid(d))
			return 0;
		if (is_leaf(d, h)) {
			height = h;
			unsigned n = 0;
			for (; h > 0 && (addr & (span(h) - 1)) != 0; h--)
				n++;
			return n;
		}
		t = table_virt(F::table_address(d));
	}
}

// Makes leaves start at `start` and `end`, allocating every page first:
// -ENOMEM changes nothing.
template <format F> error page_table<F>::prepare_boundaries(u64 start, u64 end, op_state& st)
{
	unsigned hs, he;
	const unsigned ns = splits_needed(start, hs);
	const unsigned ne = splits_needed(end, he);
	// A leaf holding both edges is split once.
	unsigned shared = 0;
	for (unsigned k = he; k + ne > he; k--) {
		if (k <= hs && k + ns > hs && (start >> shift(k)) == (end >> shift(k)))
			shared++;
	}
	const unsigned need = ns + ne - shared;
	if (need == 0)
		return error::ok;
	page_pool pool;
	for (; pool.count < need; pool.count++) {
		pool.page[pool.count] = alloc_table(pool.phys[pool.count]);
		if (pool.page[pool.count] == nullptr) {
			while (pool.count > 0)
				free_table_page(pool.page[--pool.count]);
			return error::nomem;
		}
	}
	split_down(start, pool, st);
	split_down(end, pool, st);
	return error::ok;
}

template <format F> void page_table<F>::split_down(u64 addr, page_pool& pool, op_state& st)
{
	if (addr >= ipa_limit())
		return;
	u64* t = root_;
	for (unsigned h = top(); h > 0; h--) {
		u64* slot = &t[index(addr, h)];
		const u64 d = load(slot);
		if (!F::is_valid(d))
			return;
		if (!is_leaf(d, h)) {
			t = table_virt(F::table_address(d));
			continue;
		}
		if ((addr & (span(h) - 1)) == 0)
			return;
		if (pool.used == pool.count)
			return;  // cannot happen: prepare_boundaries counted the splits
		u64* page = pool.page[pool.used];
		split_leaf(slot, d, h, page, pool.phys[pool.used], st);
		pool.used++;
		t = page;
	}
}

// Replaces the leaf `d` at `slot` (height h > 0) by the zeroed table `page`
// holding 512 leaves of height h - 1 with the same translation.
template <format F>
void page_table<F>::split_leaf(u64* slot, u64 d, unsigned h, u64* page, u64 page_phys, op_state& st)
{
	const u64 pa = F::leaf_address(d, h);
	const perm p = F::leaf_perm(d);
	const mem_type m = F::leaf_mem_type(d, h);
	for (u64 i = 0; i < 512; i++)
		page[i] = F::leaf(pa + i * span(h - 1), h - 1, p, m);
	if constexpr (F::break_before_make) {
		store(slot, 0);
		sync_invalidate(st);
	}
	store(slot, F::table(page_phys));
	leaf_count(h)--;
	leaf_count(h - 1) += 512;
}

// Replaces the table `d` at `slot` by `leaf`; the table is freed once the
// hardware forgot it. Its leaves must already be out of the statistics or
// absent.
template <format F>
void page_table<F>::replace_table_by_leaf(u64* slot, u64 d, unsigned h, u64 leaf, op_state& st)
{
	if constexpr (F::break_before_make) {
		store(slot, 0);
		sync_invalidate(st);
		store(slot, leaf);
		u64* old = table_virt(F::table_address(d));
		free_children(old, h - 1, 512, &st, false);
		free_table_page(old);
	} else {
		store(slot, leaf);
		defer_free(st, F::table_address(d), h - 1, false);
	}
}

// ---- operations -------------------------------------------------------------------

template <format F>
op_result page_table<F>::map(u64 gpa, u64 hpa, u64 size, page_size ps, perm p, mem_type m)
{
	const unsigned h = unsigned(ps);
	if (root_ == nullptr || h > max_leaf_height || !valid_perm(p) || !valid_mem_type(m))
		return {error::inval};
	if ((page_sizes_ & span(h)) == 0)
		return {error::opnotsupp};
	if (size == 0 || ((gpa | hpa | size) & (span(h) - 1)) != 0)
		return {error::inval};
	if (gpa >= ipa_limit() || size > ipa_limit() - gpa)
		return {error::range};
	constexpr u64 oa_limit = 1ULL << F::output_bits;
	if (hpa >= oa_limit || size > oa_limit - hpa)
		return {error::range};
	const u64 end = gpa + size;
	// One leaf: install() finds an existing mapping before writing anything.
	if (size > span(h) && any_leaf(root_, top(), 0, gpa, end))
		return {error::exist};
	op_state st;
	leaf_spec spec{h, hpa - gpa, p, m, gpa};
	const error e = install(root_, top(), 0, gpa, end, spec, st);
	if (e != error::ok && spec.done > gpa)
		remove(root_, top(), 0, gpa, spec.done, st);  // roll back: flush
	return finish(st, e);
}

template <format F> op_result page_table<F>::unmap(u64 gpa, u64 size)
{
	error e = check_range(gpa, size);
	if (e != error::ok)
		return {e};
	op_state st;
	e = prepare_boundaries(gpa, gpa + size, st);
	if (e == error::ok)
		remove(root_, top(), 0, gpa, gpa + size, st);
	return finish(st, e);
}

template <format F> op_result page_table<F>::protect(u64 gpa, u64 size, perm p)
{
	if (!valid_perm(p))
		return {error::inval};
	error e = check_range(gpa, size);
	if (e != error::ok)
		return {e};
	op_state st;
	e = prepare_boundaries(gpa, gpa + size, st);
	if (e == error::ok)
		reprotect(root_, top(), 0, gpa, gpa + size, p, st);
	return finish(st, e);
}

template <format F> op_result page_table<F>::split(u64 gpa)
{
	if (root_ == nullptr)
		return {error::inval};
	if (gpa >= ipa_limit())
		return {error::range};
	u64* t = root_;
	unsigned h = top();
	u64* slot;
	u64 d;
	for (;; h--) {
		slot = &t[index(gpa, h)];
		d = load(slot);
		if (!F::is_valid(d))
			return {error::noent};
		if (is_leaf(d, h))
			break;
		t = table_virt(F::table_address(d));
	}
	if (h == 0)
		return {error::inval};
	u64 phys;
	u64* page = alloc_table(phys);
	if (page == nullptr)
		return {error::nomem};
	op_state st;
	split_leaf(slot, d, h, page, phys, st);
	return finish(st, error::ok);
}

template <format F> op_result page_table<F>::collapse(u64 gpa, page_size ps)
{
	const unsigned h = unsigned(ps);
	if (root_ == nullptr || h == 0 || h > max_leaf_height)
		return {error::inval};
	if ((page_sizes_ & span(h)) == 0)
		return {error::opnotsupp};
	if ((gpa & (span(h) - 1)) != 0)
		return {error::inval};
	if (gpa >= ipa_limit())
		return {error::range};
	u64* t = root_;
	for (unsigned lh = top(); lh > h; lh--) {
		const u64 d = load(&t[index(gpa, lh)]);
		if (!F::is_valid(d))
			return {error::noent};
		if (is_leaf(d, lh))
			return {error::exist};
		t = table_virt(F::table_address(d));
	}
	u64* slot = &t[index(gpa, h)];
	const u64 d = load(slot);
	if (!F::is_valid(d))
		return {error::noent};
	if (is_leaf(d, h))
		return {error::exist};
	const u64* child = table_virt(F::table_address(d));
	const u64 first = load(&child[0]);
	bool uniform = F::is_valid(first) && is_leaf(first, h - 1);
	const u64 pa = F::leaf_address(first, h - 1);
	const perm p = F::leaf_perm(first);
	const mem_type m = F::leaf_mem_type(first, h - 1);
	uniform = uniform && (pa & (span(h) - 1)) == 0;
	for (u64 i = 1; uniform && i < 512; i++) {
		const u64 c = load(&child[i]);
		uniform = F::is_valid(c) && is_leaf(c, h - 1) &&
			  F::leaf_address(c, h - 1) == pa + i * span(h - 1) &&
			  F::leaf_perm(c) == p && F::leaf_mem_type(c, h - 1) == m;
	}
	if (!uniform)
		return {any_leaf(child, h - 1, gpa, gpa, gpa + span(h)) ? error::busy
									: error::noent};
	op_state st;
	leaf_count(h - 1) -= 512;
	leaf_count(h)++;
	replace_table_by_leaf(slot, d, h, F::leaf(pa, h, p, m), st);
	return finish(st, error::ok);
}

// The formats portvisor uses, instantiated once in core/src/stage2/table.cpp.
extern template class page_table<ept>;
extern template class page_table<npt>;
extern template class page_table<arm_s2>;

using ept_table = page_table<ept>;
using npt_table = page_table<npt>;
using arm_s2_table = page_table<arm_s2>;

}  // namespace pv::stage2
