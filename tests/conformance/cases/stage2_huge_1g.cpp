// SPDX-License-Identifier: MIT
// A 1 GiB hugetlbfs page of the process reaches the guest through one 1 GiB
// stage-2 leaf: the guest reads and writes a word every 2 MiB across it,
// PV_GET_VM_STATS shows one new 1 GiB leaf and no new 4 KiB or 2 MiB
// ones for it, the process sees the writes, and after munmap the leaf is
// gone. Needs a backend with 1 GiB stage-2 leaves and a 1 GiB huge page:
// reserved at boot (hugepagesz=1G hugepages=1), or one the case reserves
// itself (nr_hugepages) and gives back.
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <linux/mman.h>
#include <string>
#include <sys/mman.h>

#include "memory_touch.h"
#include "vm_case.h"

using namespace pvt;

namespace {

constexpr uint64_t gib = 1ULL << 30;
constexpr uint64_t step = 2ULL << 20;
constexpr uint64_t words = gib / step;

const char* const huge_1g_dir = "/sys/kernel/mm/hugepages/hugepages-1048576kB/";

long read_count(const char* name)
{
	std::ifstream f(std::string(huge_1g_dir) + name);
	long n = -1;
	f >> n;
	return f ? n : -1;
}
bool write_count(const char* name, long n)
{
	std::ofstream f(std::string(huge_1g_dir) + name);
	f << n;
	f.close();
	return !f.fail();
}
long free_1g_pages() { return read_count("free_hugepages"); }

}  // namespace

int main()
{
	vm_case c = begin_vm_case();
	if ((c.caps.page_sizes & PV_PAGE_SIZE_1G) == 0)
		skip("the backend maps no 1 GiB stage-2 leaves on this CPU (page_sizes %#llx)",
		     ull(c.caps.page_sizes));
	// Reserved at boot (hugepagesz=1G hugepages=1), or asked for now: the
	// kernel then needs a free (or movable) 1 GiB-aligned range.
	const long reserved = read_count("nr_hugepages");
	if (free_1g_pages() == 0 && reserved >= 0)
		(void)write_count("nr_hugepages", reserved + 1);
	const long free_pages = free_1g_pages();
	if (free_pages < 1)
		skip("no free 1 GiB huge page in this guest kernel (free_hugepages %ld, none could "
		     "be reserved now; boot with hugepagesz=1G hugepages=1 and memory for it)",
		     free_pages);

	void* p = mmap(nullptr, gib, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_1GB, -1, 0);
	PVT_CHECK(p != MAP_FAILED, "mmap of a 1 GiB huge page: %s", std::strerror(errno));
	touch_area a;
	a.base = reinterpret_cast<uint64_t>(p);
	a.stride = step;
	a.seed = 0x1ee7;
	PVT_CHECK(a.base % gib == 0, "the 1 GiB huge page is at %#llx, not 1 GiB aligned",
		  ull(a.base));
	host_fill(a, 0, words);
	PVT_CHECK(free_1g_pages() == free_pages - 1, "the mapping took %ld 1 GiB pages, want 1",
		  free_pages - free_1g_pages());

	// The VM, its vCPU and the guest's own page tables first.
	guest_touch(a, 0, 0, false, "an empty run");
	const pv_vm_stats s0 = guest_vm_stats();
	guest_touch(a, 0, words, false, "guest reads 512 words across the 1 GiB page");
	const pv_vm_stats s1 = guest_vm_stats();
	PVT_CHECK(s1.pages_1g - s0.pages_1g == 1 && s1.pages_2m == s0.pages_2m,
		  "after the guest read the 1 GiB page: %llu new 1 GiB leaves, %llu new 2 MiB and "
		  "%llu new 4 KiB ones; want 1, 0 and any",
		  ull(s1.pages_1g - s0.pages_1g), ull(s1.pages_2m - s0.pages_2m),
		  ull(s1.pages_4k - s0.pages_4k));
	a.seed = 0xb16;
	guest_touch(a, 0, words, true, "guest writes 512 words across the 1 GiB page");
	const pv_vm_stats s2 = guest_vm_stats();
	PVT_CHECK(s2.pages_1g == s1.pages_1g, "after guest writes: %llu 1 GiB leaves, had %llu",
		  ull(s2.pages_1g), ull(s1.pages_1g));
	const uint64_t host_wrong = host_mismatches(a, 0, words);
	PVT_CHECK(host_wrong == 0, "the process sees %llu words without the guest's writes",
		  ull(host_wrong));

	PVT_CHECK(munmap(p, gib) == 0, "munmap: %s", std::strerror(errno));
	const pv_vm_stats s3 = guest_vm_stats();
	PVT_CHECK(s3.pages_1g == s0.pages_1g, "after munmap: %llu 1 GiB leaves, had %llu before",
		  ull(s3.pages_1g), ull(s0.pages_1g));
	release_and_expect_baseline(c, "after releasing the guest VM");
	if (read_count("nr_hugepages") != reserved)
		(void)write_count("nr_hugepages", reserved);  // what the case added goes back
	end_vm_case(c);
	pass("a 1 GiB huge page through one 1 GiB leaf, read and written (%llu words), gone "
	     "after munmap; nothing left",
	     ull(words));
}
