// SPDX-License-Identifier: MIT
// PV_GET_CAPABILITIES describes the guest's CPU as the guest kernel itself
// sees it (/proc/cpuinfo on x86, the boot log on arm64), and includes every
// feature this target's configuration lists (pv.features=a,b,...).
#include <cerrno>
#include <cstring>
#include <sstream>
#include <string>
#include <unistd.h>

#include "case.h"
#include "portvisor/device.hpp"

using namespace pvt;

namespace {

void check_same(bool module_says, bool cpu_says, const char* what)
{
	PVT_CHECK(module_says == cpu_says, "%s: module says %s, guest kernel says %s", what,
		  module_says ? "yes" : "no", cpu_says ? "yes" : "no");
}

void check_x86(const pv_capabilities& c, const std::string& backend)
{
	const bool la57 = cpuinfo_has("flags", "la57");
	PVT_CHECK(c.stage2_levels == (la57 ? 5U : 4U), "stage-2 levels %u with la57=%d",
		  c.stage2_levels, la57);
	check_same(c.features & PV_FEAT_HOST_LA57, la57, "host LA57");
	if (backend == "vmx") {
		PVT_CHECK(cpuinfo_has("vmx flags", "ept"), "guest kernel sees no EPT");
		check_same(c.page_sizes & PV_PAGE_SIZE_1G, cpuinfo_has("vmx flags", "ept_1gb"),
			   "1 GiB EPT pages");
		check_same(c.features & PV_FEAT_STAGE2_AD, cpuinfo_has("vmx flags", "ept_ad"),
			   "EPT A/D");
		check_same(c.features & PV_FEAT_TAGGED_TLB, cpuinfo_has("vmx flags", "vpid"),
			   "VPID");
		check_same(c.features & PV_FEAT_UNRESTRICTED,
			   cpuinfo_has("vmx flags", "unrestricted_guest"), "unrestricted guest");
	} else {
		PVT_CHECK(cpuinfo_has("flags", "npt"), "guest kernel sees no NPT");
		check_same(c.page_sizes & PV_PAGE_SIZE_1G, cpuinfo_has("flags", "pdpe1gb"),
			   "1 GiB pages");
		check_same(c.features & PV_FEAT_NRIP_SAVE, cpuinfo_has("flags", "nrip_save"),
			   "NRIP save");
		check_same(c.features & PV_FEAT_FLUSH_BY_ASID, cpuinfo_has("flags", "flushbyasid"),
			   "flush by ASID");
		PVT_CHECK(c.tlb_tags > 0, "no ASIDs reported");
	}
}

void check_arm64(const pv_capabilities& c)
{
	PVT_CHECK(c.features & PV_FEAT_VHE, "VHE feature bit missing");
	PVT_CHECK(count_occurrences(kernel_log(), "CPU: All CPU(s) started at EL2") == 1,
		  "the guest kernel did not start at EL2");
	// KVM (built into Debian's arm64 kernel) logs the IPA size it derived
	// from the same ID register: both must agree.
	const std::string ipa = log_lines_with("IPA Size Limit: ");
	if (!ipa.empty()) {
		unsigned bits = 0;
		std::sscanf(ipa.substr(ipa.find("IPA Size Limit: ") + 16).c_str(), "%u", &bits);
		PVT_CHECK(c.guest_phys_bits == bits, "guest-physical bits %u, KVM says %u",
			  c.guest_phys_bits, bits);
	} else {
		note("KVM logged no IPA size; cross-check of guest_phys_bits not possible");
	}
	PVT_CHECK(c.stage2_levels == (c.guest_phys_bits - 8) / 9,
		  "stage-2 levels %u for %u-bit IPA", c.stage2_levels, c.guest_phys_bits);
	PVT_CHECK(c.page_sizes & PV_PAGE_SIZE_1G, "no 1 GiB blocks with 4 KiB granule");
	PVT_CHECK(c.tlb_tags == 0xFF || c.tlb_tags == 0xFFFF, "VMID count %u", c.tlb_tags);
}

}  // namespace

int main()
{
	const kernel_problems problems_before = count_kernel_problems();
	ensure_loaded();
	const std::string expect = expected_backend();
	auto dev = portvisor::device::open();
	PVT_CHECK(dev.ok(), "%s", dev.err().message.c_str());
	auto caps_r = dev.value().capabilities();
	PVT_CHECK(caps_r.ok(), "%s", caps_r.err().message.c_str());
	const pv_capabilities c = caps_r.value();
	note("backend=%s levels=%u pages=[%s] features=[%s] tags=%u gpa-bits=%u cpus=%u",
	     c.backend_name, c.stage2_levels, portvisor::page_sizes_string(c.page_sizes).c_str(),
	     portvisor::features_string(c.features).c_str(), c.tlb_tags, c.guest_phys_bits,
	     c.host_cpus);

	PVT_CHECK(c.size == sizeof(pv_capabilities), ".size = %u", c.size);
	PVT_CHECK(expect == portvisor::backend_name(c.backend), "backend %u (%s), expected %s",
		  c.backend, portvisor::backend_name(c.backend), expect.c_str());
	PVT_CHECK(expect == c.backend_name, "backend_name '%s', expected %s", c.backend_name,
		  expect.c_str());
	PVT_CHECK((c.page_sizes & (PV_PAGE_SIZE_4K | PV_PAGE_SIZE_2M)) ==
		      (PV_PAGE_SIZE_4K | PV_PAGE_SIZE_2M),
		  "4K and 2M pages must be supported");
	PVT_CHECK(c.guest_phys_bits >= 32 && c.guest_phys_bits <= 52, "guest-physical bits %u",
		  c.guest_phys_bits);
	const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	PVT_CHECK(c.host_cpus == static_cast<unsigned>(cpus), "host_cpus %u, %ld CPUs online",
		  c.host_cpus, cpus);
	PVT_CHECK(c.reserved0 == 0 && c.reserved[0] == 0 && c.reserved[3] == 0,
		  "reserved fields not zero");
	PVT_CHECK(c.features & PV_FEAT_DIRECT_SYSCALL, "built without direct syscalls?");

	if (expect == "arm64-vhe")
		check_arm64(c);
	else
		check_x86(c, expect);

	// Every feature the target configuration promises.
	std::stringstream wanted(cmdline_param("features"));
	std::string name;
	const std::string have = " " + portvisor::features_string(c.features) + " " +
				 portvisor::page_sizes_string(c.page_sizes) + " ";
	while (std::getline(wanted, name, ','))
		if (!name.empty())
			PVT_CHECK(have.find(" " + name + " ") != std::string::npos,
				  "target expects '%s', module reports [%s]", name.c_str(),
				  have.c_str());
	check_no_new_kernel_problems(problems_before);
	pass("%s: %u-level stage-2, pages %s, features %s", c.backend_name, c.stage2_levels,
	     portvisor::page_sizes_string(c.page_sizes).c_str(),
	     portvisor::features_string(c.features).c_str());
}
