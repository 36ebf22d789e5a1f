// SPDX-License-Identifier: GPL-2.0
// A reference model of the stage-2 engine for tests and the fuzzer: the
// leaves as a std::map from their first guest-physical address, with the
// engine's documented semantics written the simple way (no tables, no
// formats). check_step() runs one operation on an engine and on the model
// and reports the first disagreement as a sentence ("" when they agree).
//
// The model assumes the table has an invalidate hook (config::invalidate):
// then flush is exactly "an unmap removed a leaf or a protect took a
// permission away" (and, without a hook, break-before-make splits and
// collapses on arm64 would set it too: see bbm_flushes).
#pragma once

#include <cinttypes>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "portvisor/core/stage2/table.h"

namespace pv::stage2::test {

inline const char* error_name(error e)
{
	switch (e) {
	case error::ok: return "ok";
	case error::noent: return "ENOENT";
	case error::nomem: return "ENOMEM";
	case error::busy: return "EBUSY";
	case error::exist: return "EEXIST";
	case error::inval: return "EINVAL";
	case error::range: return "ERANGE";
	case error::opnotsupp: return "EOPNOTSUPP";
	}
	return "?";
}

inline std::string hex(u64 v)
{
	char buf[24];
	std::snprintf(buf, sizeof(buf), "%#" PRIx64, v);
	return buf;
}

struct model_leaf {
	u64 hpa;
	unsigned height;
	perm p;
	mem_type m;
	bool operator==(const model_leaf&) const = default;
};

struct expect {
	error err = error::ok;
	bool flush = false;
};

enum class op_kind : u8 { map, unmap, protect, split, collapse };

struct op {
	op_kind kind = op_kind::map;
	u64 gpa = 0;
	u64 hpa = 0;
	u64 size = 0;
	page_size ps = page_size::size_4k;
	perm p = perm::r;
	mem_type m = mem_type::normal_wb;

	[[nodiscard]] std::string describe() const
	{
		static const char* const kinds[] = {"map", "unmap", "protect", "split", "collapse"};
		std::string s = kinds[unsigned(kind)];
		s += " gpa=" + hex(gpa);
		if (kind == op_kind::map || kind == op_kind::unmap || kind == op_kind::protect)
			s += " size=" + hex(size);
		if (kind == op_kind::map)
			s += " hpa=" + hex(hpa) + " type=" + std::to_string(unsigned(m));
		if (kind == op_kind::map || kind == op_kind::collapse)
			s += " ps=" + std::to_string(unsigned(ps));
		if (kind == op_kind::map || kind == op_kind::protect)
			s += " perm=" + std::to_string(unsigned(p));
		return s;
	}
};

class model {
public:
	model(u64 ipa_limit, u64 page_sizes, unsigned output_bits, bool bbm_flushes)
	    : limit_(ipa_limit), sizes_(page_sizes), oa_limit_(1ULL << output_bits),
	      bbm_flushes_(bbm_flushes)
	{}

	[[nodiscard]] const std::map<u64, model_leaf>& leaves() const { return leaves_; }
	[[nodiscard]] u64 invalidations() const { return invalidations_; }
	void count_invalidation() { invalidations_++; }
	[[nodiscard]] u64 count(unsigned height) const { return counts_[height]; }

	[[nodiscard]] std::optional<translation> translate(u64 gpa) const
	{
		auto it = containing(gpa);
		if (it == leaves_.end())
			return std::nullopt;
		return translation{it->second.hpa + (gpa - it->first), it->second.p, it->second.m,
				   page_size(it->second.height)};
	}

	expect apply(const op& o)
	{
		expect e;
		switch (o.kind) {
		case op_kind::map: e = map(o.gpa, o.hpa, o.size, o.ps, o.p, o.m); break;
		case op_kind::unmap: e = unmap(o.gpa, o.size); break;
		case op_kind::protect: e = protect(o.gpa, o.size, o.p); break;
		case op_kind::split: e = split(o.gpa); break;
		case op_kind::collapse: e = collapse(o.gpa, o.ps); break;
		}
		if (e.flush)
			invalidations_++;
		return e;
	}

private:
	using iter = std::map<u64, model_leaf>::iterator;
	using citer = std::map<u64, model_leaf>::const_iterator;

	[[nodiscard]] citer containing(u64 gpa) const
	{
		auto it = leaves_.upper_bound(gpa);
		if (it == leaves_.begin())
			return leaves_.end();
		--it;
		return gpa - it->first < span(it->second.height) ? it : leaves_.end();
	}
	[[nodiscard]] iter containing(u64 gpa)
	{
		auto it = leaves_.upper_bound(gpa);
		if (it == leaves_.begin())
			return leaves_.end();
		--it;
		return gpa - it->first < span(it->second.height) ? it : leaves_.end();
	}
	[[nodiscard]] bool overlaps(u64 start, u64 end) const
	{
		if (containing(start) != leaves_.end())
			return true;
		auto it = leaves_.lower_bound(start);
		return it != leaves_.end() && it->first < end;
	}
	void split_leaf(iter it)
	{
		const u64 gpa = it->first;
		const model_leaf l = it->second;
		erase(it);
		const u64 s = span(l.height - 1);
		for (u64 i = 0; i < 512; i++)
			add(gpa + i * s, model_leaf{l.hpa + i * s, l.height - 1, l.p, l.m});
	}
	// Splits until a leaf (if any) starts at addr.
	void boundary(u64 addr)
	{
		for (;;) {
			auto it = containing(addr);
			if (it == leaves_.end() || it->first == addr)
				return;
			split_leaf(it);
		}
	}
	[[nodiscard]] error check_range(u64 gpa, u64 size) const
	{
		if (size == 0 || ((gpa | size) & 0xfff) != 0)
			return error::inval;
		if (gpa >= limit_ || size > limit_ - gpa)
			return error::range;
		return error::ok;
	}

	expect map(u64 gpa, u64 hpa, u64 size, page_size ps, perm p, mem_type m)
	{
		const unsigned h = unsigned(ps);
		if (h > max_leaf_height || !valid_perm(p) || !valid_mem_type(m))
			return {error::inval};
		if ((sizes_ & span(h)) == 0)
			return {error::opnotsupp};
		if (size == 0 || ((gpa | hpa | size) & (span(h) - 1)) != 0)
			return {error::inval};
		if (gpa >= limit_ || size > limit_ - gpa)
			return {error::range};
		if (hpa >= oa_limit_ || size > oa_limit_ - hpa)
			return {error::range};
		if (overlaps(gpa, gpa + size))
			return {error::exist};
		for (u64 off = 0; off < size; off += span(h))
			add(gpa + off, model_leaf{hpa + off, h, p, m});
		return {};
	}

	expect unmap(u64 gpa, u64 size)
	{
		if (const error e = check_range(gpa, size); e != error::ok)
			return {e};
		boundary(gpa);
		boundary(gpa + size);
		bool removed = false;
		for (auto it = leaves_.lower_bound(gpa);
		     it != leaves_.end() && it->first < gpa + size;) {
			it = erase(it);
			removed = true;
		}
		return {error::ok, removed};
	}

	expect protect(u64 gpa, u64 size, perm p)
	{
		if (!valid_perm(p))
			return {error::inval};
		if (const error e = check_range(gpa, size); e != error::ok)
			return {e};
		boundary(gpa);
		boundary(gpa + size);
		bool reduced = false;
		for (auto it = leaves_.lower_bound(gpa);
		     it != leaves_.end() && it->first < gpa + size; ++it) {
			reduced |= (it->second.p & ~p) != perm::none;
			it->second.p = p;
		}
		return {error::ok, reduced};
	}

	expect split(u64 gpa)
	{
		if (gpa >= limit_)
			return {error::range};
		auto it = containing(gpa);
		if (it == leaves_.end())
			return {error::noent};
		if (it->second.height == 0)
			return {error::inval};
		split_leaf(it);
		return {error::ok, bbm_flushes_};
	}

	expect collapse(u64 gpa, page_size ps)
	{
		const unsigned h = unsigned(ps);
		if (h == 0 || h > max_leaf_height)
			return {error::inval};
		if ((sizes_ & span(h)) == 0)
			return {error::opnotsupp};
		if ((gpa & (span(h) - 1)) != 0)
			return {error::inval};
		if (gpa >= limit_)
			return {error::range};
		if (auto it = containing(gpa); it != leaves_.end() && it->second.height >= h)
			return {error::exist};
		const u64 end = gpa + span(h);
		auto first = leaves_.lower_bound(gpa);
		if (first == leaves_.end() || first->first >= end)
			return {error::noent};
		const model_leaf l0 = first->second;
		const u64 s = span(h - 1);
		bool uniform =
		    first->first == gpa && l0.height == h - 1 && (l0.hpa & (span(h) - 1)) == 0;
		u64 n = 0;
		auto it = first;
		for (; uniform && it != leaves_.end() && it->first < end; ++it, n++) {
			const model_leaf& l = it->second;
			uniform = it->first == gpa + n * s && l.height == h - 1 &&
				  l.hpa == l0.hpa + n * s && l.p == l0.p && l.m == l0.m;
		}
		if (!uniform || n != 512)
			return {error::busy};
		while (first != it)
			first = erase(first);
		add(gpa, model_leaf{l0.hpa, h, l0.p, l0.m});
		return {error::ok, bbm_flushes_};
	}

	void add(u64 gpa, const model_leaf& l)
	{
		leaves_[gpa] = l;
		counts_[l.height]++;
	}
	iter erase(iter it)
	{
		counts_[it->second.height]--;
		return leaves_.erase(it);
	}

	std::map<u64, model_leaf> leaves_;
	u64 counts_[3] = {};
	u64 limit_;
	u64 sizes_;
	u64 oa_limit_;
	bool bbm_flushes_;
	u64 invalidations_ = 0;
};

template <class F> op_result run_op(page_table<F>& t, const op& o)
{
	switch (o.kind) {
	case op_kind::map: return t.map(o.gpa, o.hpa, o.size, o.ps, o.p, o.m);
	case op_kind::unmap: return t.unmap(o.gpa, o.size);
	case op_kind::protect: return t.protect(o.gpa, o.size, o.p);
	case op_kind::split: return t.split(o.gpa);
	case op_kind::collapse: return t.collapse(o.gpa, o.ps);
	}
	return {error::inval};
}

inline std::string describe(const std::optional<translation>& t)
{
	if (!t)
		return "unmapped";
	return "hpa " + hex(t->hpa) + " perm " + std::to_string(unsigned(t->perms)) + " type " +
	       std::to_string(unsigned(t->type)) + " size " + std::to_string(unsigned(t->size));
}

// Every leaf of the engine against the model's, and the table count.
template <class F> std::string compare_leaves(const page_table<F>& t, const model& mdl)
{
	std::vector<std::pair<u64, model_leaf>> got;
	t.for_each_leaf([&](const leaf_info& l) {
		got.emplace_back(l.gpa, model_leaf{l.hpa, unsigned(l.size), l.perms, l.type});
	});
	auto want = mdl.leaves().begin();
	for (size_t i = 0; i < got.size() || want != mdl.leaves().end(); i++, ++want) {
		if (i == got.size())
			return "engine lacks the leaf at " + hex(want->first);
		if (want == mdl.leaves().end())
			return "engine has an extra leaf at " + hex(got[i].first);
		if (got[i].first != want->first || !(got[i].second == want->second))
			return "leaf differs: engine " + hex(got[i].first) + " -> " +
			       hex(got[i].second.hpa) + " h" +
			       std::to_string(got[i].second.height) + " p" +
			       std::to_string(unsigned(got[i].second.p)) + ", model " +
			       hex(want->first) + " -> " + hex(want->second.hpa) + " h" +
			       std::to_string(want->second.height) + " p" +
			       std::to_string(unsigned(want->second.p));
	}
	const stats& s = t.statistics();
	u64 tables = 0;
	t.for_each_table(
	    [&](u64, unsigned h) { tables += h == t.levels() - 1 ? (1ULL << t.root_order()) : 1; });
	if (tables != s.table_pages)
		return "table_pages " + std::to_string(s.table_pages) + " but " +
		       std::to_string(tables) + " reachable";
	return "";
}

// The engine's state against the model's: the statistics, translate() at
// `probes`, and with `full` every leaf and table. "" when they agree.
template <class F>
std::string compare_state(const page_table<F>& t, const model& mdl, const std::vector<u64>& probes,
			  bool full = true)
{
	if (full) {
		std::string diff = compare_leaves(t, mdl);
		if (!diff.empty())
			return diff;
	}
	const stats& s = t.statistics();
	if (s.pages_4k != mdl.count(0) || s.pages_2m != mdl.count(1) || s.pages_1g != mdl.count(2))
		return "page counts " + std::to_string(s.pages_4k) + "/" +
		       std::to_string(s.pages_2m) + "/" + std::to_string(s.pages_1g) + ", model " +
		       std::to_string(mdl.count(0)) + "/" + std::to_string(mdl.count(1)) + "/" +
		       std::to_string(mdl.count(2));
	if (s.invalidations != mdl.invalidations())
		return "invalidations " + std::to_string(s.invalidations) + ", model " +
		       std::to_string(mdl.invalidations());
	for (u64 gpa : probes) {
		translation tr;
		std::optional<translation> got_t;
		if (t.translate(gpa, tr))
			got_t = tr;
		const std::optional<translation> want_t = mdl.translate(gpa);
		const bool same =
		    got_t.has_value() == want_t.has_value() &&
		    (!got_t || (got_t->hpa == want_t->hpa && got_t->perms == want_t->perms &&
				got_t->type == want_t->type && got_t->size == want_t->size));
		if (!same)
			return "translate(" + hex(gpa) + "): engine " + describe(got_t) +
			       ", model " + describe(want_t);
	}
	return "";
}

// Addresses an operation touched, and its neighbours.
inline std::vector<u64> probes_for(const op& o, u64 limit, u64 salt)
{
	std::vector<u64> p;
	const u64 size =
	    o.kind == op_kind::split || o.kind == op_kind::collapse ? bytes(o.ps) : o.size;
	const u64 start = o.gpa & ~0xfffULL;
	const u64 end = start + (size == 0 ? 0x1000 : size);
	auto add = [&](u64 a) {
		if (a < limit)
			p.push_back(a);
	};
	add(start - 0x1000);
	add(start);
	add(start + 0x123);
	add(o.gpa);
	add(end - 0x1000);
	add(end - 1);
	add(end);
	add(start + ((size / 2) & ~0xfffULL));
	const u64 pages = (end - start) >> 12;
	if (pages != 0 && pages <= 32) {
		for (u64 i = 0; i < pages; i++)
			add(start + (i << 12) + (i * 8 & 0xfff));
	} else if (pages != 0) {
		u64 x = salt | 1;
		for (int i = 0; i < 32; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;  // xorshift
			add(start + ((x % pages) << 12) + (x >> 52));
		}
	}
	return p;
}

// One step: the operation on both, results compared, then the state
// (every leaf when `full`, and always after -ENOMEM). With
// `may_fail_alloc`, the engine may answer -ENOMEM where the model succeeds
// (or, for a one-leaf map, finds EEXIST); the model then stays as it was,
// which is what all-or-nothing promises.
template <class F>
std::string check_step(page_table<F>& t, model& mdl, const op& o, bool may_fail_alloc, u64 salt,
		       op_result* result = nullptr, bool full = true)
{
	const op_result got = run_op(t, o);
	if (result != nullptr)
		*result = got;
	if (got.err == error::nomem && may_fail_alloc) {
		model trial = mdl;  // what the model would have done; mdl stays
		const expect want = trial.apply(o);
		if (want.err != error::ok && !(o.kind == op_kind::map && want.err == error::exist))
			return o.describe() + ": ENOMEM, model says " + error_name(want.err);
		if (got.flush)
			mdl.count_invalidation();
		full = true;
	} else {
		const expect want = mdl.apply(o);
		if (got.err != want.err || got.flush != want.flush)
			return o.describe() + ": engine " + error_name(got.err) +
			       (got.flush ? " flush" : "") + ", model " + error_name(want.err) +
			       (want.flush ? " flush" : "");
	}
	std::string diff = compare_state(t, mdl, probes_for(o, t.ipa_limit(), salt), full);
	return diff.empty() ? diff : o.describe() + ": " + diff;
}

// ---- operations from a source of random numbers ---------------------------------

// Addresses cluster in a few 1 GiB regions at the bottom and the top of the
// IPA space, a few 2 MiB regions in them and a few pages in those, so that
// operations collide. `next(n)` returns a number in [0, n).
template <class Rand> u64 pick_gpa(Rand& next, u64 limit)
{
	const u64 base = (limit > (8ULL << 30) && next(3) == 0) ? limit - (4ULL << 30) : 0;
	const u64 g = next(4) << 30;
	const u64 m = (next(8) == 0 ? 511 : next(4)) << 21;
	const u64 pg = (next(8) == 0 ? 511 : next(8)) << 12;
	return base + g + m + pg;
}

// Operations over pick_gpa()'s addresses, mostly valid, and now and then
// not. Collapses mostly aim at where recent splits and maps went, so that
// some succeed.
class op_picker {
public:
	op_picker(u64 limit, u64 page_sizes, unsigned output_bits)
	    : limit_(limit), sizes_(page_sizes), output_bits_(output_bits)
	{}

	template <class Rand> op pick(Rand& next)
	{
		op o;
		const u64 r = next(100);
		const u64 gpa = pick_gpa(next, limit_);
		unsigned heights[3];  // page sizes in use, and one of them
		unsigned nh = 0;
		for (unsigned h = 0; h <= max_leaf_height; h++)
			if (sizes_ & span(h))
				heights[nh++] = h;
		const unsigned h = heights[next(nh)];
		static constexpr perm perms[] = {perm::r, perm::rw, perm::rx, perm::rwx};
		if (r < 36) {
			o.kind = op_kind::map;
			o.ps = page_size(h);
			o.gpa = gpa & ~(span(h) - 1);
			const u64 n =
			    next(8) == 0 ? (h < max_leaf_height ? 512 : 2) : 1 + next(2) * next(3);
			o.size = n * span(h);
			// hpa = gpa (low 40 bits) + a 4 GiB multiple, so that collapse
			// can succeed; sometimes a scattered one
			o.hpa = next(5) == 0 ? (next(1ULL << 20) << 21) & ~(span(h) - 1)
					     : (o.gpa & ((1ULL << 40) - 1)) + ((1 + next(3)) << 32);
			o.p = perms[next(4)];
			o.m = next(4) == 0 ? mem_type::device : mem_type::normal_wb;
			remember(o.gpa);
		} else if (r < 56) {
			o.kind = op_kind::unmap;
		} else if (r < 70) {
			o.kind = op_kind::protect;
			o.p = perms[next(4)];
		} else if (r < 85) {
			o.kind = op_kind::split;
			o.gpa = (next(2) == 0 ? recent_[next(4)] : gpa) + next(0x1000);
			remember(o.gpa);
		} else {
			o.kind = op_kind::collapse;
			const unsigned ch = next(3) == 0 ? 2 : 1;
			o.ps = page_size(ch);
			o.gpa = (next(3) != 0 ? recent_[next(4)] : gpa) & ~(span(ch) - 1);
		}
		if (o.kind == op_kind::unmap || o.kind == op_kind::protect) {
			o.gpa = gpa;
			switch (next(5)) {
			case 0: o.size = (1 + next(8)) << 12; break;
			case 1: o.size = 2ULL << 20; break;
			case 2: o.size = (2ULL << 20) + ((1 + next(4)) << 12); break;
			case 3: o.size = (1 + next(600)) << 12; break;
			default: o.size = next(4) == 0 ? 1ULL << 30 : (1 + next(3)) << 21; break;
			}
		}
		// now and then, something invalid
		switch (next(40)) {
		case 0: o.gpa += 0x800; break;
		case 1: o.size = 0; break;
		case 2: o.gpa = limit_ - 0x1000; break;
		case 3: o.size = ~0ULL << 12; break;
		case 4: o.p = next(2) == 0 ? perm::none : perm::w; break;
		case 5: o.hpa = (1ULL << output_bits_) - span(h); break;
		case 6: o.ps = page_size(3); break;
		case 7: o.m = mem_type(2); break;
		default: break;
		}
		return o;
	}

private:
	void remember(u64 gpa) { recent_[n_++ % 4] = gpa & ~0xfffULL; }

	u64 limit_;
	u64 sizes_;
	unsigned output_bits_;
	u64 recent_[4] = {};
	unsigned n_ = 0;
};

}  // namespace pv::stage2::test
