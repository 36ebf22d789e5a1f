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
#include <unistd.h>

#include "vm_case.h"

using namespace pvt;

namespace {

constexpr uint64_t page = 4096;
constexpr uint64_t huge = 2ULL << 20;
constexpr uint64_t region = 2 * huge;
constexpr uint64_t hole = 5;  // the page unmapped in the first huge page

struct area_args {
	uint64_t base;
	uint64_t first, last;  // pages [first, last) are touched
	uint64_t skip;         // a page not touched (~0: none)
	uint64_t seed;
	bool write;
	uint64_t wrong;
};

uint64_t pattern(uint64_t page_index, uint64_t seed)
{
	return (page_index + 1) * 0x9e3779b97f4a7c15ULL ^ seed;
}

// Reads (or writes) the first word of each page and counts the ones that
// differ from the pattern.
uint64_t guest_touch(void* arg)
{
	auto* a = static_cast<area_args*>(arg);
	uint64_t wrong = 0;
	for (uint64_t i = a->first; i < a->last; i++) {
		if (i == a->skip)
			continue;
		auto* w = reinterpret_cast<volatile uint64_t*>(a->base + i * page);
		if (a->write)
			*w = pattern(i, a->seed);
		else if (*w != pattern(i, a->seed))
			wrong++;
	}
	a->wrong = wrong;
	return 0;
}

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

pv_vm_stats vm_stats()
{
	auto v = portvisor::guest_vm();
	PVT_CHECK(v.ok(), "%s", v.err().message.c_str());
	auto s = v.value()->stage2_stats();
	PVT_CHECK(s.ok(), "%s", s.err().message.c_str());
	return s.value();
}

void touch(area_args& a, uint64_t first, uint64_t last, bool write, const char* what)
{
	a.first = first;
	a.last = last;
	a.write = write;
	a.wrong = 0;
	guest_run(guest_touch, &a, what);
	PVT_CHECK(a.wrong == 0, "%s: %llu pages read wrong", what,
		  static_cast<unsigned long long>(a.wrong));
}

}  // namespace

int main()
{
	vm_case c = begin_vm_case();
	if ((c.caps.page_sizes & PV_PAGE_SIZE_2M) == 0)
		skip("the backend maps no 2 MiB stage-2 leaves (page_sizes %#llx)",
		     static_cast<unsigned long long>(c.caps.page_sizes));
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
	const uint64_t base = (reinterpret_cast<uint64_t>(raw) + huge - 1) & ~(huge - 1);
	PVT_CHECK(madvise(reinterpret_cast<void*>(base), region, MADV_HUGEPAGE) == 0,
		  "madvise(MADV_HUGEPAGE): %s", std::strerror(errno));
	area_args a{};
	a.base = base;
	a.skip = ~0ULL;
	a.seed = 0x5eed;
	for (uint64_t i = 0; i < region / page; i++)
		*reinterpret_cast<volatile uint64_t*>(base + i * page) = pattern(i, a.seed);
	const long huge_kb = anon_huge_kb(base);
	if (huge_kb < static_cast<long>(region >> 10))
		skip("the kernel gave the process %ld kB of huge pages there, not %llu "
		     "(fragmented memory?)",
		     huge_kb, static_cast<unsigned long long>(region >> 10));

	// The VM and its vCPU first, so that only the region's leaves count.
	touch(a, 0, 0, false, "an empty run");
	const pv_vm_stats s0 = vm_stats();
	touch(a, 0, region / page, false, "guest reads 4 MiB of THP memory");
	const pv_vm_stats s1 = vm_stats();
	PVT_CHECK(s1.pages_2m - s0.pages_2m == 2,
		  "after the guest read 2 huge pages: %llu new 2 MiB leaves (and %llu new 4 KiB "
		  "ones), want 2",
		  static_cast<unsigned long long>(s1.pages_2m - s0.pages_2m),
		  static_cast<unsigned long long>(s1.pages_4k - s0.pages_4k));

	// Guest writes: the read-only leaves become writable ones, still 2 MiB.
	a.seed = 0xfeed;
	touch(a, 0, region / page, true, "guest writes 4 MiB of THP memory");
	const pv_vm_stats s2 = vm_stats();
	PVT_CHECK(s2.pages_2m == s1.pages_2m, "after guest writes: %llu 2 MiB leaves, had %llu",
		  static_cast<unsigned long long>(s2.pages_2m),
		  static_cast<unsigned long long>(s1.pages_2m));
	uint64_t host_wrong = 0;
	for (uint64_t i = 0; i < region / page; i++)
		if (*reinterpret_cast<volatile uint64_t*>(base + i * page) != pattern(i, a.seed))
			host_wrong++;
	PVT_CHECK(host_wrong == 0, "the process sees %llu pages without the guest's writes",
		  static_cast<unsigned long long>(host_wrong));

	// A hole in the first huge page: the kernel splits it, the notifier
	// takes its 2 MiB leaf away; the rest comes back as 4 KiB leaves.
	PVT_CHECK(munmap(reinterpret_cast<void*>(base + hole * page), page) == 0, "munmap: %s",
		  std::strerror(errno));
	const pv_vm_stats s3 = vm_stats();
	PVT_CHECK(s3.pages_2m == s2.pages_2m - 1,
		  "after munmap of one page of a huge page: %llu 2 MiB leaves, want %llu",
		  static_cast<unsigned long long>(s3.pages_2m),
		  static_cast<unsigned long long>(s2.pages_2m - 1));
	a.skip = hole;
	touch(a, 0, huge / page, false, "guest reads the split huge page");
	touch(a, huge / page, region / page, false, "guest reads the other huge page");
	const pv_vm_stats s4 = vm_stats();
	PVT_CHECK(s4.pages_2m == s3.pages_2m && s4.pages_4k - s3.pages_4k >= huge / page - 1,
		  "after reading the split page: %llu 2 MiB leaves (want %llu), %llu new 4 KiB "
		  "ones (want at least %llu)",
		  static_cast<unsigned long long>(s4.pages_2m),
		  static_cast<unsigned long long>(s3.pages_2m),
		  static_cast<unsigned long long>(s4.pages_4k - s3.pages_4k),
		  static_cast<unsigned long long>(huge / page - 1));

	PVT_CHECK(munmap(raw, region + huge) == 0, "munmap: %s", std::strerror(errno));
	const pv_vm_stats s5 = vm_stats();
	PVT_CHECK(s5.pages_2m == s0.pages_2m,
		  "after munmap of the region: %llu 2 MiB leaves, had %llu before it",
		  static_cast<unsigned long long>(s5.pages_2m),
		  static_cast<unsigned long long>(s0.pages_2m));
	release_and_expect_baseline(c, "after releasing the guest VM");
	end_vm_case(c);
	pass("4 MiB of THP memory through %llu 2 MiB leaves, read and written; a split huge "
	     "page came back as %llu 4 KiB leaves, the other kept its leaf; nothing left",
	     static_cast<unsigned long long>(s1.pages_2m - s0.pages_2m),
	     static_cast<unsigned long long>(s4.pages_4k - s3.pages_4k));
}
