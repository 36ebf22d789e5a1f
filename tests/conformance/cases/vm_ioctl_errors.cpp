// SPDX-License-Identifier: MIT
// Misuse of the VM and vCPU ioctls gets the documented errno (docs/abi.md
// "VMs and vCPUs"): unknown flags and non-zero reserved fields, bad
// pointers, memory regions on a mirror VM, misaligned, overlapping, beyond
// the guest-physical width or in a slot past the last, vCPU ids out of
// range or taken, allow-lists too long, with bad numbers or set after the
// first vCPU, fds used by another process, invalid or reserved bits in the
// registers, RUN before the system registers, unknown ioctls, and run-page
// mappings that are writable, longer or at another offset. Where it can,
// each misuse is shown to be the only thing wrong: the call without it
// succeeds. The VMs are mirror VMs where the CPU's guest-physical width
// allows them, VMs with explicit slots elsewhere (runnable_vm_flags()); the
// checks that need a mirror VM are made only where one can exist.
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "portvisor/guest_detail.hpp"
#include "vm_case.h"

using namespace pvt;

namespace {

// ---- the errno of each misuse (docs/abi.md "VMs and vCPUs") ---------------
// One table: what a call must fail with; a second errno is also accepted
// where the ABI has not settled between two (0: only the first).
struct rule {
	const char* key;
	int errno1, errno2;
};
const rule rules[] = {
    {"create_vm.unknown_flags", EINVAL, 0},
    {"create_vm.reserved", EINVAL, 0},
    {"create_vm.bad_pointer", EFAULT, 0},
    {"region.on_mirror_vm", EINVAL, 0},
    {"region.misaligned", EINVAL, 0},
    {"region.slot_too_big", EINVAL, 0},
    {"region.unknown_flags", EINVAL, 0},
    {"region.reserved", EINVAL, 0},
    {"region.beyond_guest_phys", EINVAL, 0},
    {"region.overlap", EEXIST, 0},
    {"region.bad_pointer", EFAULT, 0},
    {"vcpu.id_too_big", EINVAL, 0},
    {"vcpu.id_twice", EEXIST, 0},
    {"allow_list.too_long", E2BIG, 0},
    {"allow_list.flags", EINVAL, 0},
    {"allow_list.reserved", EINVAL, 0},
    {"allow_list.number_too_big", EINVAL, 0},
    {"allow_list.bad_list_pointer", EFAULT, 0},
    {"allow_list.bad_pointer", EFAULT, 0},
    {"allow_list.after_vcpu", EBUSY, 0},
    {"vm_stats.flags", EINVAL, 0},
    {"vm_stats.too_small", E2BIG, 0},
    {"vm_stats.bad_pointer", EFAULT, 0},
    {"other_process", EPERM, 0},
    {"sregs.reserved", EINVAL, 0},
    {"sregs.invalid", EINVAL, 0},
    {"regs.invalid_rflags", EINVAL, 0},
    {"regs.bad_pointer", EFAULT, 0},
    {"run.before_sregs", ENOEXEC, 0},
    {"run_result.none_pending", ENOMSG, 0},
    {"run_result.flags", EINVAL, 0},
    {"run_result.reserved", EINVAL, 0},
    {"run_result.bad_pointer", EFAULT, 0},
    {"unknown_ioctl", ENOTTY, 0},
    {"run_page.writable", EPERM, 0},
    {"run_page.mprotect_writable", EACCES, 0},
    {"run_page.offset", EINVAL, 0},
    {"run_page.length", EINVAL, 0},
};

const rule& want(const char* key)
{
	for (const rule& r : rules)
		if (std::strcmp(r.key, key) == 0)
			return r;
	fail("no errno rule named %s", key);
}

int checks = 0;

// rc must be -1 with an errno the rule allows.
void expect(const char* key, long rc, int err, const std::string& what)
{
	const rule& r = want(key);
	PVT_CHECK(rc == -1 && (err == r.errno1 || (r.errno2 && err == r.errno2)),
		  "%s (%s): rc %ld, errno %d (%s); want %s%s%s", what.c_str(), key, rc,
		  rc == -1 ? err : 0, rc == -1 ? std::strerror(err) : "-", std::strerror(r.errno1),
		  r.errno2 ? " or " : "", r.errno2 ? std::strerror(r.errno2) : "");
	checks++;
}

void expect_ioctl(const char* key, int fd, unsigned long cmd, const void* arg,
		  const std::string& what)
{
	errno = 0;
	const long rc = ioctl(fd, cmd, arg);
	const int err = errno;
	if (rc >= 0 && (cmd == PV_CREATE_VM || cmd == PV_CREATE_VCPU))
		close(static_cast<int>(rc));
	expect(key, rc == -1 ? -1 : rc, err, what);
}

void expect_ok(long rc, const std::string& what)
{
	PVT_CHECK(rc >= 0, "%s (the control call) failed: %s", what.c_str(), std::strerror(errno));
}

int create_vm(int dev, unsigned flags)
{
	struct pv_create_vm a {};
	a.flags = flags;
	const int fd = ioctl(dev, PV_CREATE_VM, &a);
	PVT_CHECK(fd >= 0, "PV_CREATE_VM(%#x): %s", flags, std::strerror(errno));
	return fd;
}

void create_vm_errors(int dev, unsigned flags)
{
	struct pv_create_vm a {};
	a.flags = flags;
	const int ok = ioctl(dev, PV_CREATE_VM, &a);
	expect_ok(ok, flags ? "PV_CREATE_VM mirror" : "PV_CREATE_VM flags 0");
	close(ok);
	for (unsigned bit = 1; bit < 32; bit++) {
		a = {};
		a.flags = flags | (1U << bit);
		expect_ioctl("create_vm.unknown_flags", dev, PV_CREATE_VM, &a,
			     "PV_CREATE_VM flags bit " + std::to_string(bit));
	}
	a = {};
	a.reserved0 = 1;
	expect_ioctl("create_vm.reserved", dev, PV_CREATE_VM, &a, "PV_CREATE_VM reserved0");
	for (int i = 0; i < 3; i++) {
		a = {};
		a.reserved[i] = 1ULL << 40;
		expect_ioctl("create_vm.reserved", dev, PV_CREATE_VM, &a,
			     "PV_CREATE_VM reserved[" + std::to_string(i) + "]");
	}
	expect_ioctl("create_vm.bad_pointer", dev, PV_CREATE_VM, nullptr, "PV_CREATE_VM NULL");
	expect_ioctl("create_vm.bad_pointer", dev, PV_CREATE_VM, kernel_pointer(),
		     "PV_CREATE_VM kernel pointer");
}

void region_errors(int dev, void* mem, unsigned guest_phys_bits, bool have_mirror)
{
	const int mirror = have_mirror ? create_vm(dev, PV_VM_MIRROR) : -1;
	const int plain = create_vm(dev, 0);
	const auto base = reinterpret_cast<uint64_t>(mem);
	auto good = [&] {
		pv_memory_region r{};
		r.slot = 0;
		r.guest_phys = 0x100000;
		r.size = 2 * 4096;
		r.user_addr = base;
		return r;
	};
	pv_memory_region r = good();
	expect_ok(ioctl(plain, PV_SET_MEMORY_REGION, &r), "PV_SET_MEMORY_REGION slot 0");
	r = good();
	if (have_mirror)
		expect_ioctl("region.on_mirror_vm", mirror, PV_SET_MEMORY_REGION, &r,
			     "PV_SET_MEMORY_REGION on a mirror VM");
	else
		note("no mirror VM on a CPU with %u-bit guest-physical addresses: "
		     "PV_SET_MEMORY_REGION on one is not checked",
		     guest_phys_bits);
	r = good();
	r.slot = 1;
	r.guest_phys += 0x800;
	expect_ioctl("region.misaligned", plain, PV_SET_MEMORY_REGION, &r, "guest_phys + 0x800");
	r = good();
	r.slot = 1;
	r.size = 4096 + 8;
	expect_ioctl("region.misaligned", plain, PV_SET_MEMORY_REGION, &r, "size 4 KiB + 8");
	r = good();
	r.slot = 1;
	r.user_addr += 16;
	expect_ioctl("region.misaligned", plain, PV_SET_MEMORY_REGION, &r, "user_addr + 16");
	r = good();
	r.slot = PV_MAX_MEMORY_SLOTS;
	expect_ioctl("region.slot_too_big", plain, PV_SET_MEMORY_REGION, &r,
		     "slot PV_MAX_MEMORY_SLOTS");
	r.slot = ~0U;
	expect_ioctl("region.slot_too_big", plain, PV_SET_MEMORY_REGION, &r, "slot ~0");
	r = good();
	r.slot = 2;
	r.flags = 1U << 7;
	expect_ioctl("region.unknown_flags", plain, PV_SET_MEMORY_REGION, &r, "region flags bit 7");
	r = good();
	r.slot = 2;
	r.reserved[1] = 1;
	expect_ioctl("region.reserved", plain, PV_SET_MEMORY_REGION, &r, "region reserved[1]");
	r = good();
	r.slot = 3;
	r.guest_phys = 1ULL << guest_phys_bits;
	expect_ioctl("region.beyond_guest_phys", plain, PV_SET_MEMORY_REGION, &r,
		     "guest_phys at 2^guest_phys_bits");
	r = good();
	r.slot = 4;
	r.guest_phys += 4096;  // overlaps slot 0's second page
	expect_ioctl("region.overlap", plain, PV_SET_MEMORY_REGION, &r,
		     "a slot overlapping slot 0");
	expect_ioctl("region.bad_pointer", plain, PV_SET_MEMORY_REGION, nullptr,
		     "PV_SET_MEMORY_REGION NULL");
	// Deleting the good slot still works.
	r = good();
	r.size = 0;
	expect_ok(ioctl(plain, PV_SET_MEMORY_REGION, &r), "PV_SET_MEMORY_REGION delete slot 0");
	if (mirror >= 0)
		close(mirror);
	close(plain);
}

void vm_stats_errors(int dev, unsigned flags)
{
	const int vm = create_vm(dev, flags);
	pv_vm_stats st{};
	st.size = sizeof(st);
	st.flags = 1;
	expect_ioctl("vm_stats.flags", vm, PV_GET_VM_STATS, &st, "PV_GET_VM_STATS flags 1");
	st = pv_vm_stats{};
	st.size = PV_VM_STATS_MIN_SIZE - 1;
	expect_ioctl("vm_stats.too_small", vm, PV_GET_VM_STATS, &st,
		     "PV_GET_VM_STATS size PV_VM_STATS_MIN_SIZE - 1");
	PVT_CHECK(st.size == sizeof(st), "PV_GET_VM_STATS E2BIG wrote back size %u, want %zu",
		  st.size, sizeof(st));
	expect_ioctl("vm_stats.bad_pointer", vm, PV_GET_VM_STATS, nullptr, "PV_GET_VM_STATS NULL");
	expect_ioctl("vm_stats.bad_pointer", vm, PV_GET_VM_STATS, kernel_pointer(),
		     "PV_GET_VM_STATS kernel pointer");
	// A new VM: its root table and nothing mapped.
	st = pv_vm_stats{};
	st.size = sizeof(st);
	expect_ok(ioctl(vm, PV_GET_VM_STATS, &st), "PV_GET_VM_STATS");
	PVT_CHECK(st.size == sizeof(st) && st.table_pages >= 1 &&
		      st.pages_4k + st.pages_2m + st.pages_1g == 0,
		  "PV_GET_VM_STATS of a new VM: size %u, %llu table pages, %llu/%llu/%llu leaves",
		  st.size, static_cast<unsigned long long>(st.table_pages),
		  static_cast<unsigned long long>(st.pages_4k),
		  static_cast<unsigned long long>(st.pages_2m),
		  static_cast<unsigned long long>(st.pages_1g));
	checks++;
	close(vm);
}

void allow_list_and_vcpu_errors(int dev, unsigned flags)
{
	// The allow-list first: the module takes it only before the first vCPU.
	const int vm = create_vm(dev, flags);
	static uint32_t nrs[PV_ALLOW_LIST_MAX + 1];
	for (uint32_t i = 0; i <= PV_ALLOW_LIST_MAX; i++)
		nrs[i] = i % PV_ALLOW_LIST_MAX;
	pv_allow_list l{};
	l.count = PV_ALLOW_LIST_MAX;
	l.nrs = reinterpret_cast<uintptr_t>(nrs);
	expect_ok(ioctl(vm, PV_SET_ALLOW_LIST, &l), "PV_SET_ALLOW_LIST of PV_ALLOW_LIST_MAX");
	l.count = PV_ALLOW_LIST_MAX + 1;
	expect_ioctl("allow_list.too_long", vm, PV_SET_ALLOW_LIST, &l,
		     "PV_SET_ALLOW_LIST count PV_ALLOW_LIST_MAX + 1");
	l.count = 1;
	l.flags = 1;
	expect_ioctl("allow_list.flags", vm, PV_SET_ALLOW_LIST, &l, "PV_SET_ALLOW_LIST flags 1");
	l.flags = 0;
	l.reserved[0] = 1;
	expect_ioctl("allow_list.reserved", vm, PV_SET_ALLOW_LIST, &l,
		     "PV_SET_ALLOW_LIST reserved[0]");
	l = pv_allow_list{};
	static uint32_t too_big[2] = {39, PV_ALLOW_LIST_MAX};
	l.count = 2;
	l.nrs = reinterpret_cast<uintptr_t>(too_big);
	expect_ioctl("allow_list.number_too_big", vm, PV_SET_ALLOW_LIST, &l,
		     "PV_SET_ALLOW_LIST with number PV_ALLOW_LIST_MAX");
	l.nrs = 0;
	expect_ioctl("allow_list.bad_list_pointer", vm, PV_SET_ALLOW_LIST, &l,
		     "PV_SET_ALLOW_LIST nrs NULL, count 2");
	l.nrs = reinterpret_cast<uintptr_t>(kernel_pointer());
	expect_ioctl("allow_list.bad_list_pointer", vm, PV_SET_ALLOW_LIST, &l,
		     "PV_SET_ALLOW_LIST nrs kernel pointer");
	expect_ioctl("allow_list.bad_pointer", vm, PV_SET_ALLOW_LIST, nullptr,
		     "PV_SET_ALLOW_LIST NULL");
	l = pv_allow_list{};
	expect_ok(ioctl(vm, PV_SET_ALLOW_LIST, &l), "PV_SET_ALLOW_LIST count 0 (remove)");

	// vCPU ids.
	expect_ioctl("vcpu.id_too_big", vm, PV_CREATE_VCPU,
		     reinterpret_cast<void*>(static_cast<uintptr_t>(PV_MAX_VCPUS)),
		     "PV_CREATE_VCPU id PV_MAX_VCPUS");
	expect_ioctl("vcpu.id_too_big", vm, PV_CREATE_VCPU, reinterpret_cast<void*>(~0UL),
		     "PV_CREATE_VCPU id ~0");
	const int cpu = ioctl(vm, PV_CREATE_VCPU, static_cast<unsigned long>(PV_MAX_VCPUS - 1));
	expect_ok(cpu, "PV_CREATE_VCPU id PV_MAX_VCPUS - 1");
	expect_ioctl("vcpu.id_twice", vm, PV_CREATE_VCPU,
		     reinterpret_cast<void*>(static_cast<uintptr_t>(PV_MAX_VCPUS - 1)),
		     "PV_CREATE_VCPU with an id in use");

	// Now the list is fixed.
	l = pv_allow_list{};
	l.count = 1;
	l.nrs = reinterpret_cast<uintptr_t>(too_big);
	expect_ioctl("allow_list.after_vcpu", vm, PV_SET_ALLOW_LIST, &l,
		     "PV_SET_ALLOW_LIST on a VM with a vCPU");
	close(cpu);
	close(vm);
}

void register_and_mmap_errors(int dev, unsigned flags)
{
	const int vm = create_vm(dev, flags);
	const int cpu = ioctl(vm, PV_CREATE_VCPU, 0UL);
	expect_ok(cpu, "PV_CREATE_VCPU 0");
	expect_ioctl("run.before_sregs", cpu, PV_RUN, nullptr, "PV_RUN before PV_SET_SREGS");
	// PV_RUN_WITH_RESULT: the argument is checked before anything else,
	// then whether a syscall exit awaits the result (none has: never run).
	pv_run_result rr{};
	rr.value = -1;
	expect_ioctl("run_result.none_pending", cpu, PV_RUN_WITH_RESULT, &rr,
		     "PV_RUN_WITH_RESULT on a vCPU that never ran");
	rr.flags = 1;
	expect_ioctl("run_result.flags", cpu, PV_RUN_WITH_RESULT, &rr,
		     "PV_RUN_WITH_RESULT with flags 1");
	rr.flags = 0;
	rr.reserved = 1;
	expect_ioctl("run_result.reserved", cpu, PV_RUN_WITH_RESULT, &rr,
		     "PV_RUN_WITH_RESULT with reserved 1");
	expect_ioctl("run_result.bad_pointer", cpu, PV_RUN_WITH_RESULT, reinterpret_cast<void*>(8),
		     "PV_RUN_WITH_RESULT with pointer 8");
	expect_ioctl("unknown_ioctl", cpu, _IOW(PV_IOCTL_TYPE, 0x25, __u64), &rr,
		     "PV_RUN_WITH_RESULT's number with an 8-byte argument");
	pv_sregs_x86_64 s{};
	expect_ok(ioctl(cpu, PV_GET_SREGS, &s), "PV_GET_SREGS");

	// What run_in_guest sets is accepted; each single change below is not.
	portvisor::detail::guest_cpu_state st;
	st.cr3 = 0x1000;
	const pv_sregs_x86_64 good = portvisor::detail::make_sregs_x86_64(st);
	expect_ok(ioctl(cpu, PV_SET_SREGS, &good), "PV_SET_SREGS of run_in_guest's state");
	const struct {
		const char* what;
		void (*change)(pv_sregs_x86_64&);
	} invalid[] = {
	    {"efer without LME", [](pv_sregs_x86_64& x) { x.efer &= ~0x100ULL; }},
	    {"efer with SVME", [](pv_sregs_x86_64& x) { x.efer |= 1ULL << 12; }},
	    {"cr0 without PG", [](pv_sregs_x86_64& x) { x.cr0 &= ~(1ULL << 31); }},
	    {"cr0 bit 32", [](pv_sregs_x86_64& x) { x.cr0 |= 1ULL << 32; }},
	    {"cr4 without PAE", [](pv_sregs_x86_64& x) { x.cr4 &= ~(1ULL << 5); }},
	    {"cr4 with LA57", [](pv_sregs_x86_64& x) { x.cr4 |= 1ULL << 12; }},
	    {"cr3 bit 63", [](pv_sregs_x86_64& x) { x.cr3 |= 1ULL << 63; }},
	    {"pat entry 1 of type 2",
	     [](pv_sregs_x86_64& x) { x.pat = (x.pat & ~0xff00ULL) | 0x0200; }},
	    {"cs without L", [](pv_sregs_x86_64& x) { x.cs.attrib &= ~(1 << 9); }},
	    {"cs with D", [](pv_sregs_x86_64& x) { x.cs.attrib |= 1 << 10; }},
	    {"cs DPL 3", [](pv_sregs_x86_64& x) { x.cs.attrib |= 3 << 5; }},
	    {"ss attrib bit 12", [](pv_sregs_x86_64& x) { x.ss.attrib |= 1 << 12; }},
	    {"gdt limit 0x10000", [](pv_sregs_x86_64& x) { x.gdt.limit = 0x10000; }},
	    {"lstar not canonical", [](pv_sregs_x86_64& x) { x.lstar = 1ULL << 47; }},
	    {"cstar not canonical", [](pv_sregs_x86_64& x) { x.cstar = 0x8000000000000000ULL; }},
	    {"sfmask bit 32", [](pv_sregs_x86_64& x) { x.sfmask = 1ULL << 32; }},
	};
	for (const auto& inv : invalid) {
		pv_sregs_x86_64 bad = good;
		inv.change(bad);
		expect_ioctl("sregs.invalid", cpu, PV_SET_SREGS, &bad,
			     std::string("PV_SET_SREGS ") + inv.what);
	}
	pv_regs_x86_64 regs{};
	regs.rflags = 2;
	expect_ok(ioctl(cpu, PV_SET_REGS, &regs), "PV_SET_REGS rflags 2");
	regs.rflags = 2 | (1ULL << 17);
	expect_ioctl("regs.invalid_rflags", cpu, PV_SET_REGS, &regs, "PV_SET_REGS rflags.VM");
	regs.rflags = 2 | (1ULL << 3);
	expect_ioctl("regs.invalid_rflags", cpu, PV_SET_REGS, &regs, "PV_SET_REGS rflags bit 3");
	regs.rflags = 2 | (1ULL << 40);
	expect_ioctl("regs.invalid_rflags", cpu, PV_SET_REGS, &regs, "PV_SET_REGS rflags bit 40");

	// The SYSCALL MSRs at their limits are accepted and read back.
	pv_sregs_x86_64 with_msrs = good;
	with_msrs.star = ~0ULL;
	with_msrs.lstar = (1ULL << 47) - 1;
	with_msrs.cstar = 0xffff800000000000ULL;
	with_msrs.sfmask = 0xffffffffULL;
	expect_ok(ioctl(cpu, PV_SET_SREGS, &with_msrs), "PV_SET_SREGS of the SYSCALL MSRs' limits");
	s = pv_sregs_x86_64{};
	expect_ok(ioctl(cpu, PV_GET_SREGS, &s), "PV_GET_SREGS after them");
	PVT_CHECK(s.star == with_msrs.star && s.lstar == with_msrs.lstar &&
		      s.cstar == with_msrs.cstar && s.sfmask == with_msrs.sfmask,
		  "PV_GET_SREGS gave star %#llx lstar %#llx cstar %#llx sfmask %#llx, not what "
		  "PV_SET_SREGS set",
		  static_cast<unsigned long long>(s.star), static_cast<unsigned long long>(s.lstar),
		  static_cast<unsigned long long>(s.cstar),
		  static_cast<unsigned long long>(s.sfmask));

	const pv_sregs_x86_64 got = good;
	s = got;
	s.gdt.reserved = 1;
	expect_ioctl("sregs.reserved", cpu, PV_SET_SREGS, &s, "PV_SET_SREGS gdt.reserved");
	s = got;
	s.idt.reserved = 1;
	expect_ioctl("sregs.reserved", cpu, PV_SET_SREGS, &s, "PV_SET_SREGS idt.reserved");
	expect_ioctl("regs.bad_pointer", cpu, PV_GET_REGS, nullptr, "PV_GET_REGS NULL");
	expect_ioctl("regs.bad_pointer", cpu, PV_SET_REGS, kernel_pointer(),
		     "PV_SET_REGS kernel pointer");
	expect_ioctl("regs.bad_pointer", cpu, PV_GET_SREGS, nullptr, "PV_GET_SREGS NULL");

	// Unknown commands on each kind of fd, and commands of the other kind.
	expect_ioctl("unknown_ioctl", vm, _IO(PV_IOCTL_TYPE, 0x7f), nullptr, "VM fd: 0x7f");
	expect_ioctl("unknown_ioctl", cpu, _IO(PV_IOCTL_TYPE, 0x7f), nullptr, "vCPU fd: 0x7f");
	expect_ioctl("unknown_ioctl", vm, PV_RUN, nullptr, "PV_RUN on a VM fd");
	expect_ioctl("unknown_ioctl", cpu, PV_CREATE_VCPU, nullptr, "PV_CREATE_VCPU on a vCPU fd");
	expect_ioctl("unknown_ioctl", vm, 0x5401 /* TCGETS */, nullptr, "TCGETS on a VM fd");
	expect_ioctl("unknown_ioctl", cpu, 0x5401, nullptr, "TCGETS on a vCPU fd");

	// The run page: read-only, offset 0 only.
	void* p = mmap(nullptr, PV_RUN_PAGE_SIZE, PROT_READ, MAP_SHARED, cpu, 0);
	PVT_CHECK(p != MAP_FAILED, "mmap of the run page (the control call): %s",
		  std::strerror(errno));
	munmap(p, PV_RUN_PAGE_SIZE);
	p = mmap(nullptr, PV_RUN_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, cpu, 0);
	expect("run_page.writable", p == MAP_FAILED ? -1 : 0, errno, "mmap run page PROT_WRITE");
	p = mmap(nullptr, PV_RUN_PAGE_SIZE, PROT_READ, MAP_SHARED, cpu, PV_RUN_PAGE_SIZE);
	expect("run_page.offset", p == MAP_FAILED ? -1 : 0, errno, "mmap run page at offset 4096");
	p = mmap(nullptr, 2 * PV_RUN_PAGE_SIZE, PROT_READ, MAP_SHARED, cpu, 0);
	expect("run_page.length", p == MAP_FAILED ? -1 : 0, errno, "mmap of 8 KiB of the run page");
	// A read-only mapping cannot be made writable later either.
	p = mmap(nullptr, PV_RUN_PAGE_SIZE, PROT_READ, MAP_SHARED, cpu, 0);
	PVT_CHECK(p != MAP_FAILED, "mmap of the run page: %s", std::strerror(errno));
	const int mp = mprotect(p, PV_RUN_PAGE_SIZE, PROT_READ | PROT_WRITE);
	expect("run_page.mprotect_writable", mp, errno, "mprotect of the run page to PROT_WRITE");
	munmap(p, PV_RUN_PAGE_SIZE);
	close(cpu);
	close(vm);
}

// A child uses the VM and vCPU fds it inherited: everything is EPERM.
void other_process_errors(int dev, unsigned flags)
{
	const int vm = create_vm(dev, flags);
	const int cpu = ioctl(vm, PV_CREATE_VCPU, 1UL);
	expect_ok(cpu, "PV_CREATE_VCPU 1");
	int res[2];
	PVT_CHECK(pipe(res) == 0, "pipe: %s", std::strerror(errno));
	std::fflush(stdout);
	const pid_t pid = fork();
	PVT_CHECK(pid >= 0, "fork: %s", std::strerror(errno));
	if (pid == 0) {
		int errs[6];
		pv_regs_x86_64 regs{};
		pv_allow_list l{};
		errno = 0;
		errs[0] = ioctl(vm, PV_CREATE_VCPU, 2UL) == -1 ? errno : 0;
		errno = 0;
		errs[1] = ioctl(vm, PV_SET_ALLOW_LIST, &l) == -1 ? errno : 0;
		errno = 0;
		errs[2] = ioctl(cpu, PV_RUN, 0) == -1 ? errno : 0;
		errno = 0;
		errs[3] = ioctl(cpu, PV_GET_REGS, &regs) == -1 ? errno : 0;
		errno = 0;
		errs[4] = ioctl(cpu, PV_SET_REGS, &regs) == -1 ? errno : 0;
		errno = 0;
		void* p = mmap(nullptr, PV_RUN_PAGE_SIZE, PROT_READ, MAP_SHARED, cpu, 0);
		errs[5] = p == MAP_FAILED ? errno : 0;
		(void)!write(res[1], errs, sizeof(errs));
		_exit(0);
	}
	close(res[1]);
	int errs[6] = {};
	const ssize_t n = read(res[0], errs, sizeof(errs));
	close(res[0]);
	const int status = wait_child(pid, 60, "child using inherited fds");
	PVT_CHECK(n == sizeof(errs) && WIFEXITED(status), "child: %s",
		  describe_status(status).c_str());
	const char* what[6] = {"PV_CREATE_VCPU", "PV_SET_ALLOW_LIST", "PV_RUN",
			       "PV_GET_REGS",    "PV_SET_REGS",       "mmap of the run page"};
	for (int i = 0; i < 6; i++)
		expect("other_process", errs[i] ? -1 : 0, errs[i],
		       std::string(what[i]) + " from a child with the inherited fd");
	// The owner still uses them.
	pv_regs_x86_64 regs{};
	expect_ok(ioctl(cpu, PV_GET_REGS, &regs), "PV_GET_REGS by the owner after the child");
	close(cpu);
	close(vm);
}

}  // namespace

int main()
{
	vm_case c = begin_vm_case();
	const int dev = c.dev->fd();
	void* mem =
	    mmap(nullptr, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	PVT_CHECK(mem != MAP_FAILED, "mmap: %s", std::strerror(errno));

	const unsigned flags = runnable_vm_flags(c.caps);
	create_vm_errors(dev, flags);
	region_errors(dev, mem, c.caps.guest_phys_bits, mirror_vms_possible(c.caps));
	allow_list_and_vcpu_errors(dev, flags);
	vm_stats_errors(dev, flags);
	register_and_mmap_errors(dev, flags);
	other_process_errors(dev, flags);

	munmap(mem, 4 * 4096);
	expect_baseline(c, "after closing every VM of the case");
	end_vm_case(c);
	pass("%d misuses of the VM and vCPU ioctls gave the documented errno", checks);
}
