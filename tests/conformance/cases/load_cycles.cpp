// SPDX-License-Identifier: MIT
// 20 load / use / unload cycles: every cycle allocates the same, every
// unload returns the allocation counter to zero, and the kernel log shows
// no leak, warning or oops.
#include <cerrno>
#include <cstring>

#include "case.h"
#include "portvisor/device.hpp"

using namespace pvt;

int main()
{
	const kernel_problems problems_before = count_kernel_problems();
	constexpr int cycles = 20;
	if (module_loaded())
		PVT_CHECK(unload_module() == 0, "cannot unload before the cycles");
	const std::string clean = "portvisor: unloaded: 0 bytes in 0 allocations outstanding";
	const int clean_before = count_occurrences(kernel_log(), clean);
	unsigned long long first_bytes = 0, first_objects = 0;
	for (int i = 0; i < cycles; i++) {
		int err = load_module();
		PVT_CHECK(err == 0, "cycle %d: load: %s", i, std::strerror(err));
		{
			auto dev = portvisor::device::open();
			PVT_CHECK(dev.ok(), "cycle %d: %s", i, dev.err().message.c_str());
			auto caps = dev.value().capabilities();
			PVT_CHECK(caps.ok(), "cycle %d: %s", i, caps.err().message.c_str());
			auto st = dev.value().stats();
			PVT_CHECK(st.ok(), "cycle %d: %s", i, st.err().message.c_str());
			const auto& s = st.value();
			PVT_CHECK(s.alloc_objects > 0 && s.alloc_bytes > 0,
				  "cycle %d: the loaded module reports no allocation", i);
			if (i == 0) {
				first_bytes = s.alloc_bytes;
				first_objects = s.alloc_objects;
				note("loaded module holds %llu bytes in %llu allocations",
				     static_cast<unsigned long long>(s.alloc_bytes),
				     static_cast<unsigned long long>(s.alloc_objects));
			}
			PVT_CHECK(
			    s.alloc_bytes == first_bytes && s.alloc_objects == first_objects,
			    "cycle %d: %llu bytes / %llu allocations, first cycle had %llu / %llu",
			    i, static_cast<unsigned long long>(s.alloc_bytes),
			    static_cast<unsigned long long>(s.alloc_objects), first_bytes,
			    first_objects);
		}  // device closed here
		err = unload_module();
		PVT_CHECK(err == 0, "cycle %d: unload: %s", i, std::strerror(err));
	}
	const std::string log = kernel_log();
	const int clean_now = count_occurrences(log, clean);
	PVT_CHECK(clean_now == clean_before + cycles, "%d clean unloads logged, want %d",
		  clean_now - clean_before, cycles);
	PVT_CHECK(count_occurrences(log, "portvisor: unloaded: LEAK") == 0,
		  "module reported a leak");
	check_no_new_kernel_problems(problems_before);
	pass("%d cycles, %llu bytes while loaded, 0 outstanding after each unload", cycles,
	     first_bytes);
}
