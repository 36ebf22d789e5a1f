// SPDX-License-Identifier: MIT
// pvbench: what one getpid costs on each path from guest ring 0 to the host
// kernel, in ns per call (CLOCK_MONOTONIC; under QEMU -icount shift=0 the
// guest clock advances one ns per instruction, so the same figures are
// instructions per call). Each row runs ITERATIONS calls, five times; the
// median is reported.
//
//   pvbench [ITERATIONS]      (a program of the conformance guest binary)
//
// Rows:
//   native getpid                      syscall(SYS_getpid) in a loop
//   portvisor direct                   a guest loop of hypercalls that run
//                                      getpid in the exit handler
//   portvisor hypercall in the kernel  a guest loop of PV_HC_YIELD, which the
//                                      exit handler answers (cond_resched)
//                                      and resumes: the world switch and the
//                                      trap without a syscall
//   portvisor exit-to-user + getpid    the VM's allow-list lacks getpid:
//                                      every call returns from PV_RUN, and
//                                      run_in_guest runs it natively
//   kvm exit-to-user + getpid          a 16-bit KVM guest loops on `out`:
//                                      KVM_RUN returns (KVM_EXIT_IO), then
//                                      a native getpid
//   kvm hypercall in the kernel        a 16-bit KVM guest loops on
//                                      vmmcall/vmcall with an unknown number,
//                                      which KVM answers in the kernel
//
// portvisor and kvm_amd take turns holding AMD-V: the portvisor rows run
// first and close every portvisor fd; a KVM row that cannot run (no
// /dev/kvm, KVM_CREATE_VM failing with EBUSY, ...) is reported as n/a.
// Output: one line "PVBENCH <row>|<ns per call>" (or "|n/a") per row and
// "PVBENCH-NOTE ..." lines, then a table for people.
#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <functional>
#include <string>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <vector>

#if defined(__x86_64__)
#include <cpuid.h>
#include <linux/kvm.h>
#endif

#include "portvisor/guest.hpp"
#include "portvisor/guest_syscall.h"

namespace {

constexpr int runs = 5;

struct row {
	std::string name;
	double ns = 0;
	std::string na;  // why there is no figure
};

double now_ns()
{
	timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return static_cast<double>(t.tv_sec) * 1e9 + static_cast<double>(t.tv_nsec);
}

void note(const std::string& s)
{
	std::printf("PVBENCH-NOTE %s\n", s.c_str());
	std::fflush(stdout);
}

// Median over `runs` of measure(), which returns ns per call, or a reason
// (in *na) why it cannot.
row measure(const std::string& name, const std::function<double(std::string*)>& once)
{
	row r{name, 0, ""};
	std::vector<double> v;
	for (int i = 0; i < runs; i++) {
		std::string na;
		const double ns = once(&na);
		if (!na.empty()) {
			r.na = na;
			return r;
		}
		v.push_back(ns);
	}
	std::sort(v.begin(), v.end());
	r.ns = v[v.size() / 2];
	return r;
}

// ---- native ---------------------------------------------------------------

row native_row(long n)
{
	return measure("native getpid", [n](std::string*) {
		const double t0 = now_ns();
		for (long i = 0; i < n; i++)
			syscall(SYS_getpid);
		return (now_ns() - t0) / static_cast<double>(n);
	});
}

// ---- portvisor ------------------------------------------------------------

struct loop_args {
	long n;
	long pid;
	long wrong;
};

uint64_t guest_getpid_loop(void* arg)
{
	auto* a = static_cast<loop_args*>(arg);
	long wrong = 0;
	for (long i = 0; i < a->n; i++)
		if (pv_syscall0(SYS_getpid) != a->pid)
			wrong++;
	a->wrong = wrong;
	return 0;
}

uint64_t guest_yield_loop(void* arg)
{
	auto* a = static_cast<loop_args*>(arg);
	long wrong = 0;
	for (long i = 0; i < a->n; i++)
		if (pv_syscall0(PV_HC_YIELD) != 0)
			wrong++;
	a->wrong = wrong;
	return 0;
}

// One timed run_in_guest of n calls of `loop` (after one warm-up run that
// maps what the loop touches); also reports how many ran directly.
row portvisor_row(const std::string& name, long n, uint64_t* direct_per_run,
		  portvisor::guest_fn loop = guest_getpid_loop)
{
	static loop_args args;
	args.pid = getpid();
	auto ctx = portvisor::guest_context::current();
	if (!ctx)
		return row{name, 0, ctx.err().message};
	args.n = 16;
	auto warm = portvisor::run_in_guest(loop, &args);
	if (!warm)
		return row{name, 0, warm.err().message};
	const pv_run& run = ctx.value()->run_page();
	return measure(name, [&](std::string* na) {
		args.n = n;
		args.wrong = 0;
		const uint64_t before = run.stat_direct_syscalls;
		const double t0 = now_ns();
		auto r = portvisor::run_in_guest(loop, &args);
		const double t1 = now_ns();
		if (!r) {
			*na = r.err().message;
			return 0.0;
		}
		if (args.wrong) {
			*na = std::to_string(args.wrong) + " wrong results";
			return 0.0;
		}
		*direct_per_run = run.stat_direct_syscalls - before;
		return (t1 - t0) / static_cast<double>(n);
	});
}

void portvisor_rows(long n, std::vector<row>& rows)
{
	uint64_t direct = 0;
	rows.push_back(portvisor_row("portvisor direct", n, &direct));
	if (rows.back().na.empty())
		note("portvisor direct: " + std::to_string(direct) + " of " + std::to_string(n) +
		     " calls ran in the exit handler");
	rows.push_back(
	    portvisor_row("portvisor hypercall in the kernel", n, &direct, guest_yield_loop));
	(void)portvisor::release_guest_vm();

	// An allow-list without getpid (set before the VM's first vCPU).
	const std::string name = "portvisor exit-to-user + native getpid";
	auto vm = portvisor::guest_vm();
	if (!vm) {
		rows.push_back(row{name, 0, vm.err().message});
	} else {
		const uint32_t not_getpid[] = {SYS_gettid};
		auto s = vm.value()->set_allow_list(not_getpid);
		if (!s)
			rows.push_back(row{name, 0, s.err().message});
		else
			rows.push_back(portvisor_row(name, n, &direct));
		if (rows.back().na.empty())
			note("portvisor exit-to-user: " + std::to_string(direct) + " of " +
			     std::to_string(n) + " calls ran in the exit handler (want 0)");
	}
	// Every portvisor fd closed: AMD-V is free for KVM.
	auto r = portvisor::release_guest_vm();
	if (!r)
		note("release_guest_vm: " + r.err().message);
}

// ---- KVM ------------------------------------------------------------------

#if defined(__x86_64__)
// 16-bit real-mode guests, copied to guest-physical 0. The count of the
// hypercall loop is a 32-bit word at guest-physical 0x800.
asm(R"(
	.pushsection .rodata
	.globl pvbench_io_loop, pvbench_io_loop_end
	.globl pvbench_hc_vmmcall, pvbench_hc_vmmcall_end
	.globl pvbench_hc_vmcall, pvbench_hc_vmcall_end
	.code16
pvbench_io_loop:
1:	outb %al, $0x10
	jmp 1b
pvbench_io_loop_end:
pvbench_hc_vmmcall:
1:	movl 0x800, %ecx
2:	movl $0xdead, %eax
	vmmcall
	decl %ecx
	jnz 2b
	outb %al, $0x10
	jmp 1b
pvbench_hc_vmmcall_end:
pvbench_hc_vmcall:
1:	movl 0x800, %ecx
2:	movl $0xdead, %eax
	vmcall
	decl %ecx
	jnz 2b
	outb %al, $0x10
	jmp 1b
pvbench_hc_vmcall_end:
	.code64
	.popsection
)");
extern "C" const unsigned char pvbench_io_loop[], pvbench_io_loop_end[];
extern "C" const unsigned char pvbench_hc_vmmcall[], pvbench_hc_vmmcall_end[];
extern "C" const unsigned char pvbench_hc_vmcall[], pvbench_hc_vmcall_end[];

struct kvm_guest {
	int kvm = -1, vm = -1, cpu = -1;
	kvm_run* run = nullptr;
	size_t run_size = 0;
	unsigned char* mem = nullptr;

	~kvm_guest()
	{
		if (run)
			munmap(run, run_size);
		if (mem)
			munmap(mem, 4096);
		for (int fd : {cpu, vm, kvm})
			if (fd >= 0)
				close(fd);
	}

	// "" or why not.
	std::string setup(const unsigned char* code, const unsigned char* end)
	{
		kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
		if (kvm < 0)
			return std::string("open /dev/kvm: ") + std::strerror(errno) +
			       " (kvm_amd not loaded?)";
		if (ioctl(kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
			return "KVM API version mismatch";
		vm = ioctl(kvm, KVM_CREATE_VM, 0);
		if (vm < 0)
			return std::string("KVM_CREATE_VM: ") + std::strerror(errno) +
			       (errno == EBUSY ? " (another hypervisor holds AMD-V/VT-x)" : "");
		ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000UL);  // VMX real mode; harmless on SVM
		mem = static_cast<unsigned char*>(mmap(nullptr, 4096, PROT_READ | PROT_WRITE,
						       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
		if (mem == MAP_FAILED) {
			mem = nullptr;
			return "mmap";
		}
		std::memcpy(mem, code, static_cast<size_t>(end - code));
		kvm_userspace_memory_region region{};
		region.slot = 0;
		region.guest_phys_addr = 0;
		region.memory_size = 4096;
		region.userspace_addr = reinterpret_cast<uintptr_t>(mem);
		if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) != 0)
			return std::string("KVM_SET_USER_MEMORY_REGION: ") + std::strerror(errno);
		cpu = ioctl(vm, KVM_CREATE_VCPU, 0);
		if (cpu < 0)
			return std::string("KVM_CREATE_VCPU: ") + std::strerror(errno);
		const int size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
		if (size <= 0)
			return "KVM_GET_VCPU_MMAP_SIZE";
		run_size = static_cast<size_t>(size);
		void* r = mmap(nullptr, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, cpu, 0);
		if (r == MAP_FAILED)
			return std::string("mmap kvm_run: ") + std::strerror(errno);
		run = static_cast<kvm_run*>(r);
		kvm_sregs sregs;
		if (ioctl(cpu, KVM_GET_SREGS, &sregs) != 0)
			return std::string("KVM_GET_SREGS: ") + std::strerror(errno);
		sregs.cs.base = 0;
		sregs.cs.selector = 0;
		if (ioctl(cpu, KVM_SET_SREGS, &sregs) != 0)
			return std::string("KVM_SET_SREGS: ") + std::strerror(errno);
		kvm_regs regs{};
		regs.rip = 0;
		regs.rflags = 2;
		if (ioctl(cpu, KVM_SET_REGS, &regs) != 0)
			return std::string("KVM_SET_REGS: ") + std::strerror(errno);
		return "";
	}

	// One KVM_RUN that must end at the guest's `out`.
	std::string run_to_io()
	{
		if (ioctl(cpu, KVM_RUN, 0) != 0)
			return std::string("KVM_RUN: ") + std::strerror(errno) +
			       (errno == EINTR ? " (the guest did not reach its out in time)" : "");
		if (run->exit_reason != KVM_EXIT_IO || run->io.port != 0x10)
			return "KVM_RUN: exit reason " + std::to_string(run->exit_reason) +
			       ", not the guest's out to port 0x10";
		return "";
	}
};

// A KVM guest that never reaches its `out` must not hang the benchmark:
// SIGALRM (no SA_RESTART) ends the KVM_RUN with EINTR.
constexpr unsigned kvm_time_limit_s = 120;
void on_alarm(int) {}
void arm_alarm()
{
	struct sigaction sa;
	std::memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, nullptr);
	alarm(kvm_time_limit_s);
}

bool cpu_has_svm()
{
	unsigned a, b, c, d;
	return __get_cpuid(0x80000001U, &a, &b, &c, &d) && (c & (1U << 2));
}

void kvm_rows(long n, std::vector<row>& rows)
{
	struct disarm {
		~disarm() { alarm(0); }
	} disarm_at_return;
	const std::string io_name = "kvm exit-to-user + native getpid";
	const std::string hc_name = "kvm hypercall in the kernel";
	{
		kvm_guest g;
		std::string why = g.setup(pvbench_io_loop, pvbench_io_loop_end);
		arm_alarm();
		if (why.empty())
			why = g.run_to_io();  // warm up
		if (!why.empty()) {
			rows.push_back(row{io_name, 0, why});
		} else {
			rows.push_back(measure(io_name, [&](std::string* na) {
				alarm(kvm_time_limit_s);
				const double t0 = now_ns();
				for (long i = 0; i < n; i++) {
					std::string e = g.run_to_io();
					if (!e.empty()) {
						*na = e;
						return 0.0;
					}
					syscall(SYS_getpid);
				}
				return (now_ns() - t0) / static_cast<double>(n);
			}));
		}
	}
	{
		kvm_guest g;
		const bool svm = cpu_has_svm();
		std::string why = svm ? g.setup(pvbench_hc_vmmcall, pvbench_hc_vmmcall_end)
				      : g.setup(pvbench_hc_vmcall, pvbench_hc_vmcall_end);
		if (why.empty()) {
			const uint32_t count = static_cast<uint32_t>(n);
			std::memcpy(g.mem + 0x800, &count, sizeof(count));
			arm_alarm();
			why = g.run_to_io();  // warm up
		}
		if (!why.empty()) {
			rows.push_back(row{hc_name, 0, why});
		} else {
			note(std::string("kvm hypercall: ") + (svm ? "vmmcall" : "vmcall") +
			     " with eax 0xdead, " + std::to_string(n) + " per KVM_RUN");
			rows.push_back(measure(hc_name, [&](std::string* na) {
				alarm(kvm_time_limit_s);
				const double t0 = now_ns();
				std::string e = g.run_to_io();
				const double t1 = now_ns();
				if (!e.empty()) {
					*na = e;
					return 0.0;
				}
				return (t1 - t0) / static_cast<double>(n);
			}));
		}
	}
}
#else
void kvm_rows(long, std::vector<row>& rows)
{
	rows.push_back(row{"kvm exit-to-user + native getpid", 0, "x86_64 only"});
	rows.push_back(row{"kvm hypercall in the kernel", 0, "x86_64 only"});
}
#endif

}  // namespace

int main(int argc, char** argv)
{
	long n = 20000;
	if (argc > 1) {
		char* end = nullptr;
		n = std::strtol(argv[1], &end, 10);
		if (!end || *end || n <= 0) {
			std::fprintf(stderr, "usage: pvbench [ITERATIONS]\n");
			return 2;
		}
	}
	std::vector<row> rows;
	rows.push_back(native_row(n));
	portvisor_rows(n, rows);
	kvm_rows(n, rows);

	for (const row& r : rows) {
		if (r.na.empty()) {
			std::printf("PVBENCH %s|%.1f\n", r.name.c_str(), r.ns);
		} else {
			std::printf("PVBENCH %s|n/a\n", r.name.c_str());
			note(r.name + ": n/a: " + r.na);
		}
	}
	std::printf("\npvbench: getpid, %ld calls per run, median of %d runs, ns per call\n", n,
		    runs);
	std::printf("%-42s %12s\n", "path", "ns/call");
	for (const row& r : rows) {
		if (r.na.empty())
			std::printf("%-42s %12.1f\n", r.name.c_str(), r.ns);
		else
			std::printf("%-42s %12s  (%s)\n", r.name.c_str(), "n/a", r.na.c_str());
	}
	std::fflush(stdout);
	return 0;
}
