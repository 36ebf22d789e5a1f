// SPDX-License-Identifier: MIT
// Memory mapped from the guest is the process's memory: an anonymous
// mmap() made in the guest is seen natively with what the guest wrote and
// the other way round; after the guest's munmap() a guest access to the old
// address must not reach the old page (the run ends in a stage-2 fault or a
// #PF at that address); after mprotect(PROT_READ) from the guest, guest
// reads still work and a guest write faults, and after a native
// mprotect(PROT_READ|PROT_WRITE) the guest can write again.
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "portvisor/guest_syscall.h"
#include "vm_case.h"

using namespace pvt;

namespace {

constexpr long len = 16 * 4096;

struct mm_args {
	long hint;
	long addr;    // result of mmap
	long rc;      // result of munmap / mprotect
	long seed;    // pattern to write / expect
	long wrong;   // words that differed
	long offset;  // the word a single access touches
};

uint64_t word_pattern(long i, long seed)
{
	return static_cast<uint64_t>(i) * 0x9e3779b97f4a7c15ULL ^ seed;
}

uint64_t guest_mmap(void* arg)
{
	auto* a = static_cast<mm_args*>(arg);
	a->addr = pv_syscall6(SYS_mmap, a->hint, len, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return 0;
}

uint64_t guest_fill(void* arg)
{
	auto* a = static_cast<mm_args*>(arg);
	auto* w = reinterpret_cast<volatile uint64_t*>(a->addr);
	for (long i = 0; i < len / 8; i++)
		w[i] = word_pattern(i, a->seed);
	return 0;
}

uint64_t guest_check(void* arg)
{
	auto* a = static_cast<mm_args*>(arg);
	auto* w = reinterpret_cast<volatile uint64_t*>(a->addr);
	long wrong = 0;
	for (long i = 0; i < len / 8; i++)
		if (w[i] != word_pattern(i, a->seed))
			wrong++;
	a->wrong = wrong;
	return 0;
}

uint64_t guest_munmap(void* arg)
{
	auto* a = static_cast<mm_args*>(arg);
	a->rc = pv_syscall2(SYS_munmap, a->addr, len);
	return 0;
}

uint64_t guest_mprotect_ro(void* arg)
{
	auto* a = static_cast<mm_args*>(arg);
	a->rc = pv_syscall3(SYS_mprotect, a->addr, len, PROT_READ);
	return 0;
}

uint64_t guest_read_word(void* arg)
{
	auto* a = static_cast<mm_args*>(arg);
	return reinterpret_cast<volatile uint64_t*>(a->addr)[a->offset];
}

uint64_t guest_write_word(void* arg)
{
	auto* a = static_cast<mm_args*>(arg);
	reinterpret_cast<volatile uint64_t*>(a->addr)[a->offset] = 0x5151515151515151ULL;
	return 0;
}

// An address range the guest can reach and nothing else uses: reserved
// through the library, then unmapped so that the guest's mmap() gets it.
long free_low_range()
{
	void* p = guest_memory(len);
	munmap(p, len);
	return reinterpret_cast<long>(p);
}

void run(portvisor::guest_fn fn, mm_args* a, const char* what) { guest_run(fn, a, what); }

long native_wrong(const mm_args* a)
{
	const auto* w = reinterpret_cast<const uint64_t*>(a->addr);
	long wrong = 0;
	for (long i = 0; i < len / 8; i++)
		if (w[i] != word_pattern(i, a->seed))
			wrong++;
	return wrong;
}

// The run of fn must end at `addr`: a stage-2 fault on its page, or a #PF
// at it. Returns which.
const char* expect_fault_at(portvisor::guest_fn fn, mm_args* a, uint64_t addr, bool write,
			    const char* what)
{
	portvisor::error err;
	const pv_run r = run_until_error(fn, a, &err, what);
	note("%s: %s (errno %d)", what, err.message.c_str(), err.err);
	if (r.exit_reason == PV_EXIT_STAGE2_FAULT) {
		// Guest-physical is host-virtual in a mirror VM; a windowed VM
		// (narrow CPUs) has it in the window of addr.
		const auto host = portvisor::guest_phys_to_host_virt(r.stage2.guest_phys);
		PVT_CHECK(host && (*host & ~4095ULL) == (addr & ~4095ULL),
			  "%s: stage-2 fault at guest-physical %#llx (host-virtual %#llx), want "
			  "the page of %#llx",
			  what, static_cast<unsigned long long>(r.stage2.guest_phys),
			  static_cast<unsigned long long>(host ? *host : ~0ULL),
			  static_cast<unsigned long long>(addr));
		if (write)
			PVT_CHECK(r.stage2.access & PV_ACCESS_WRITE,
				  "%s: stage-2 fault access %#llx is not a write", what,
				  static_cast<unsigned long long>(r.stage2.access));
		PVT_CHECK(err.err == EFAULT,
			  "%s: run_in_guest errno %d for a stage-2 fault, want "
			  "EFAULT",
			  what, err.err);
		return "stage-2 fault";
	}
	if (r.exit_reason == PV_EXIT_EXCEPTION && r.exception.vector == 14) {
		PVT_CHECK(r.exception.address == addr, "%s: #PF at %#llx, want %#llx", what,
			  static_cast<unsigned long long>(r.exception.address),
			  static_cast<unsigned long long>(addr));
		return "#PF";
	}
	fail("%s: the run ended with %s, want a stage-2 fault or #PF at %#llx", what,
	     err.message.c_str(), static_cast<unsigned long long>(addr));
}

}  // namespace

int main()
{
	vm_case c = begin_vm_case();
	auto* a = guest_object<mm_args>();
	const uint64_t direct_before = direct_syscalls();

	// mmap from the guest, filled there, read natively; and back.
	a->hint = free_low_range();
	run(guest_mmap, a, "guest mmap");
	PVT_CHECK(a->addr > 0 || a->addr < -4095, "guest mmap failed: %ld", a->addr);
	PVT_CHECK(a->addr == a->hint, "guest mmap placed the memory at %#lx, not at the hint %#lx",
		  a->addr, a->hint);
	a->seed = 0x1234;
	run(guest_fill, a, "guest fill");
	PVT_CHECK(native_wrong(a) == 0, "%ld words differ natively from what the guest wrote",
		  native_wrong(a));
	a->seed = 0x777;
	auto* w = reinterpret_cast<uint64_t*>(a->addr);
	for (long i = 0; i < len / 8; i++)
		w[i] = word_pattern(i, a->seed);
	run(guest_check, a, "guest check");
	PVT_CHECK(a->wrong == 0, "%ld words differ in the guest from what was written natively",
		  a->wrong);

	// munmap from the guest: the old page must be gone for the guest too.
	run(guest_munmap, a, "guest munmap");
	PVT_CHECK(a->rc == 0, "guest munmap returned %ld", a->rc);
	unsigned char vec;
	PVT_CHECK(mincore(reinterpret_cast<void*>(a->addr), 4096, &vec) == -1 && errno == ENOMEM,
		  "the memory is still mapped natively after the guest's munmap");
	a->offset = 3;
	const char* how_unmapped =
	    expect_fault_at(guest_read_word, a, a->addr + 3 * 8, false, "guest read after munmap");

	// mprotect read-only from the guest: reads work, a write faults.
	a->hint = free_low_range();
	run(guest_mmap, a, "guest mmap (2)");
	PVT_CHECK(a->addr == a->hint, "second guest mmap: %#lx, hint %#lx", a->addr, a->hint);
	a->seed = 0x4242;
	run(guest_fill, a, "guest fill (2)");
	run(guest_mprotect_ro, a, "guest mprotect");
	PVT_CHECK(a->rc == 0, "guest mprotect(PROT_READ) returned %ld", a->rc);
	run(guest_check, a, "guest check after mprotect");
	PVT_CHECK(a->wrong == 0, "%ld words differ after mprotect", a->wrong);
	a->offset = 4096 / 8 * 5 + 1;  // page 5
	const char* how_ro = expect_fault_at(guest_write_word, a, a->addr + a->offset * 8, true,
					     "guest write after mprotect(PROT_READ)");
	PVT_CHECK(native_wrong(a) == 0, "the read-only memory changed (%ld words)",
		  native_wrong(a));

	// Writable again natively: the guest's write goes through.
	PVT_CHECK(mprotect(reinterpret_cast<void*>(a->addr), len, PROT_READ | PROT_WRITE) == 0,
		  "mprotect: %s", std::strerror(errno));
	run(guest_write_word, a, "guest write after mprotect(PROT_READ|PROT_WRITE)");
	PVT_CHECK(reinterpret_cast<uint64_t*>(a->addr)[a->offset] == 0x5151515151515151ULL,
		  "the guest's write after mprotect(RW) is not seen natively");
	munmap(reinterpret_cast<void*>(a->addr), len);

	note("%llu direct syscalls",
	     static_cast<unsigned long long>(direct_syscalls() - direct_before));
	release_and_expect_baseline(c, "after releasing the guest VM");
	end_vm_case(c);
	pass("guest mmap shared both ways; after munmap: %s; after mprotect(PROT_READ): %s",
	     how_unmapped, how_ro);
}
