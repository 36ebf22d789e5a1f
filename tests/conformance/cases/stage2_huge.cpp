// SPDX-License-Identifier: MIT
// Memory the process maps with transparent huge pages reaches the guest
// through 2 MiB stage-2 leaves: the guest reads and writes 4 MiB of THP
// memory and PV_GET_VM_STATS shows one 2 MiB leaf per huge page the
// process has there. Then the process unmaps one 4 KiB page inside the
// first huge page (the kernel splits it): the guest still reads the right
// data in the rest of it, now through 4 KiB leaves, and the second huge
// page keeps its 2 MiB leaf. Nothing is left allocated afterwards.
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <sys/mman.h>

#include "memory_touch.h"
#include "vm_case.h"

using namespace pvt;

namespace {

constexpr uint64_t page = 4096;
constexpr uint64_t huge = 2ULL << 20;
constexpr uint64_t region = 2 * huge;
constexpr uint64_t pages = region / page;
constexpr uint64_t hole = 5;  // the page unmapped in the first huge page

// AnonHugePages of the mapping that contains addr, in kB (/proc/self/smaps).
long anon_huge_kb(uint64_t addr)
{
	std::ifstream smaps("/proc/self/smaps");
	std::string line;
	bool inside = false;
	while (std::getline(smaps, line)) {
		unsigned long lo = 0, hi = 0;
		if (std::sscanf(line.c_str(), "%lx-%lx ", &lo, &hi) == 2 &&
		    line.find(':') > line.find(' ')) {
			inside = addr >= lo && addr < hi;
			continue;
		}
		long kb = 0;
		if (inside && std::sscanf(line.c_str(), "AnonHugePages: %ld kB", &kb) == 1)
			return kb;
	}
	return -1;
}

}  // namespace

int main()
{
	vm_case c = begin_vm_case();
	if ((c.caps.page_sizes & PV_PAGE_SIZE_2M) == 0)
		skip("the backend maps no 2 MiB stage-2 leaves (page_sizes %#llx)",
		     ull(c.caps.page_sizes));
	{
		std::ifstream thp("/sys/kernel/mm/transparent_hugepage/enabled");
		std::string mode;
		std::getline(thp, mode);
		if (mode.empty() || mode.find("[never]") != std::string::npos)
			skip("transparent huge pages are off in this kernel ('%s')", mode.c_str());
	}

	// 4 MiB, 2 MiB aligned, asked to be huge, filled by the process.
	void* raw = mmap(nullptr, region + huge, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	PVT_CHECK(raw != MAP_FAILED, "mmap: %s", std::strerror(errno));
	touch_area a;
	a.base = (reinterpret_cast<uint64_t>(raw) + huge - 1) & ~(huge - 1);
	a.stride = page;
	a.seed = 0x5eed;
	PVT_CHECK(madvise(reinterpret_cast<void*>(a.base), region, MADV_HUGEPAGE) == 0,
		  "madvise(MADV_HUGEPAGE): %s", std::strerror(errno));
	host_fill(a, 0, pages);
	const long huge_kb = anon_huge_kb(a.base);
	if (huge_kb < static_cast<long>(region >> 10))
		skip("the kernel gave the process %ld kB of huge pages there, not %llu "
		     "(fragmented memory?)",
		     huge_kb, ull(region >> 10));

	// The VM and its vCPU first, so that only the region's leaves count.
	guest_touch(a, 0, 0, false, "an empty run");
	const pv_vm_stats s0 = guest_vm_stats();
	guest_touch(a, 0, pages, false, "guest reads 4 MiB of THP memory");
	const pv_vm_stats s1 = guest_vm_stats();
	PVT_CHECK(s1.pages_2m - s0.pages_2m == 2,
		  "after the guest read 2 huge pages: %llu new 2 MiB leaves (and %llu new 4 KiB "
		  "ones), want 2",
		  ull(s1.pages_2m - s0.pages_2m), ull(s1.pages_4k - s0.pages_4k));

	// Guest writes: the read-only leaves become writable ones, still 2 MiB.
	a.seed = 0xfeed;
	guest_touch(a, 0, pages, true, "guest writes 4 MiB of THP memory");
	const pv_vm_stats s2 = guest_vm_stats();
	PVT_CHECK(s2.pages_2m == s1.pages_2m, "after guest writes: %llu 2 MiB leaves, had %llu",
		  ull(s2.pages_2m), ull(s1.pages_2m));
	const uint64_t host_wrong = host_mismatches(a, 0, pages);
	PVT_CHECK(host_wrong == 0, "the process sees %llu pages without the guest's writes",
		  ull(host_wrong));

	// A hole in the first huge page: the kernel splits it, the notifier
	// takes its 2 MiB leaf away; the rest comes back as 4 KiB leaves.
	PVT_CHECK(munmap(reinterpret_cast<void*>(a.base + hole * page), page) == 0, "munmap: %s",
		  std::strerror(errno));
	const pv_vm_stats s3 = guest_vm_stats();
	PVT_CHECK(s3.pages_2m == s2.pages_2m - 1,
		  "after munmap of one page of a huge page: %llu 2 MiB leaves, want %llu",
		  ull(s3.pages_2m), ull(s2.pages_2m - 1));
	a.skip = hole;
	guest_touch(a, 0, huge / page, false, "guest reads the split huge page");
	guest_touch(a, huge / page, pages, false, "guest reads the other huge page");
	const pv_vm_stats s4 = guest_vm_stats();
	PVT_CHECK(s4.pages_2m == s3.pages_2m && s4.pages_4k - s3.pages_4k >= huge / page - 1,
		  "after reading the split page: %llu 2 MiB leaves (want %llu), %llu new 4 KiB "
		  "ones (want at least %llu)",
		  ull(s4.pages_2m), ull(s3.pages_2m), ull(s4.pages_4k - s3.pages_4k),
		  ull(huge / page - 1));

	PVT_CHECK(munmap(raw, region + huge) == 0, "munmap: %s", std::strerror(errno));
	const pv_vm_stats s5 = guest_vm_stats();
	PVT_CHECK(s5.pages_2m == s0.pages_2m,
		  "after munmap of the region: %llu 2 MiB leaves, had %llu before it",
		  ull(s5.pages_2m), ull(s0.pages_2m));
	release_and_expect_baseline(c, "after releasing the guest VM");
	end_vm_case(c);
	pass("4 MiB of THP memory through %llu 2 MiB leaves, read and written; a split huge "
	     "page came back as %llu 4 KiB leaves, the other kept its leaf; nothing left",
	     ull(s1.pages_2m - s0.pages_2m), ull(s4.pages_4k - s3.pages_4k));
}
