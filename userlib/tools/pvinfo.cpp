// SPDX-License-Identifier: MIT
// pvinfo: what /dev/portvisor says about this machine — API version, the
// backend the module chose, its stage-2 and TLB capabilities, and the
// module's allocation counters. Exit 1 with the reason when it cannot.
#include <cstdio>
#include <exception>

#include "portvisor/device.hpp"

namespace {

int print_info()
{
	auto dev = portvisor::device::open();
	if (!dev) {
		std::fprintf(stderr, "pvinfo: %s\n", dev.err().message.c_str());
		return 1;
	}
	auto caps = dev.value().capabilities();
	auto stats = dev.value().stats();
	if (!caps || !stats) {
		std::fprintf(stderr, "pvinfo: %s\n",
			     (!caps ? caps.err() : stats.err()).message.c_str());
		return 1;
	}
	const pv_capabilities& c = caps.value();
	const pv_module_stats& s = stats.value();
	std::printf("portvisor API version   %d\n", dev.value().api_version().value());
	std::printf("backend                 %s\n", c.backend_name);
	std::printf("stage-2 table levels    %u\n", c.stage2_levels);
	std::printf("stage-2 page sizes      %s\n",
		    portvisor::page_sizes_string(c.page_sizes).c_str());
	std::printf("guest-physical bits     %u\n", c.guest_phys_bits);
	std::printf("TLB tags (VPID/ASID/VMID) %u\n", c.tlb_tags);
	std::printf("CPUs checked            %u\n", c.host_cpus);
	std::printf("features                %s\n", portvisor::features_string(c.features).c_str());
	std::printf("module allocations      %llu bytes in %llu objects (%llu pages)\n",
		    static_cast<unsigned long long>(s.alloc_bytes),
		    static_cast<unsigned long long>(s.alloc_objects),
		    static_cast<unsigned long long>(s.alloc_pages));
	return 0;
}

}  // namespace

int main()
{
	try {
		return print_info();
	} catch (const std::exception& e) {
		std::fprintf(stderr, "pvinfo: %s\n", e.what());
		return 1;
	}
}
