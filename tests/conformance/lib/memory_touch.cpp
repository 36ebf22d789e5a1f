// SPDX-License-Identifier: MIT
#include "memory_touch.h"

#include "vm_case.h"

namespace pvt {
namespace {

struct touch_run {
	touch_area area;
	uint64_t first, last;
	bool write;
	uint64_t wrong;
};

// Guest ring 0: only the words, no call out.
uint64_t guest_touch_loop(void* arg)
{
	auto* r = static_cast<touch_run*>(arg);
	uint64_t wrong = 0;
	for (uint64_t i = r->first; i < r->last; i++) {
		if (i == r->area.skip)
			continue;
		auto* w = reinterpret_cast<volatile uint64_t*>(r->area.base + i * r->area.stride);
		if (r->write)
			*w = touch_pattern(i, r->area.seed);
		else if (*w != touch_pattern(i, r->area.seed))
			wrong++;
	}
	r->wrong = wrong;
	return 0;
}

}  // namespace

uint64_t touch_pattern(uint64_t i, uint64_t seed) { return (i + 1) * 0x9e3779b97f4a7c15ULL ^ seed; }

void guest_touch(const touch_area& a, uint64_t first, uint64_t last, bool write, const char* what)
{
	touch_run r{a, first, last, write, 0};
	guest_run(guest_touch_loop, &r, what);
	PVT_CHECK(r.wrong == 0, "%s: %llu of %llu words wrong", what,
		  static_cast<unsigned long long>(r.wrong),
		  static_cast<unsigned long long>(last - first));
}

void host_fill(const touch_area& a, uint64_t first, uint64_t last)
{
	for (uint64_t i = first; i < last; i++)
		if (i != a.skip)
			*reinterpret_cast<volatile uint64_t*>(a.base + i * a.stride) =
			    touch_pattern(i, a.seed);
}

uint64_t host_mismatches(const touch_area& a, uint64_t first, uint64_t last)
{
	uint64_t wrong = 0;
	for (uint64_t i = first; i < last; i++)
		if (i != a.skip && *reinterpret_cast<volatile uint64_t*>(a.base + i * a.stride) !=
				       touch_pattern(i, a.seed))
			wrong++;
	return wrong;
}

pv_vm_stats guest_vm_stats()
{
	auto v = portvisor::guest_vm();
	PVT_CHECK(v.ok(), "%s", v.err().message.c_str());
	auto s = v.value()->stage2_stats();
	PVT_CHECK(s.ok(), "%s", s.err().message.c_str());
	return s.value();
}

}  // namespace pvt
