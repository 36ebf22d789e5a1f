// SPDX-License-Identifier: MIT
// pvdemo: the direct-syscall path, shown. Prints the backend and its
// capabilities; when the backend runs vCPUs (PV_FEAT_RUN), runs a function
// of this process in guest ring 0 (portvisor::run_in_guest) that makes host
// system calls with pv_syscallN (getpid, gettid, uname, openat/read/close of
// /proc/version, write to stdout, clock_gettime, mmap/munmap of 1 MiB that
// it touches), then prints what each call returned next to the same call
// made natively, and the vCPU's run-page counters before and after.
//
// The last line is "direct path: ok" when every compared value matched and
// the vCPU's stat_direct_syscalls grew by the number of calls (each ran in
// the kernel's exit handler), "direct path: MISMATCH: ..." otherwise.
// Exit 0 on ok and on a backend without PV_FEAT_RUN (capabilities only);
// 1 on a mismatch or an error (printed as "pvdemo: ..." on stderr).
#include <cerrno>
#include <cinttypes>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <exception>
#include <fcntl.h>
#include <new>
#include <string>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <vector>

#include "portvisor/device.hpp"
#include "portvisor/guest.hpp"
#include "portvisor/guest_syscall.h"

namespace {

constexpr const char version_path[] = "/proc/version";
constexpr long mmap_bytes = 1L << 20;
constexpr long page_bytes = 4096;
constexpr long mmap_pages = mmap_bytes / page_bytes;
constexpr int max_calls = 16;

// One system call the guest made.
struct call_record {
	long nr;
	const char* name;
	long result;
};

// Shared by host and guest; lives in memory from alloc_guest_memory.
struct demo_area {
	const char* via;  // in: the hypercall instruction, for the hello line
	call_record calls[max_calls];
	long ncalls;
	struct utsname uts;
	char version[1024];
	long version_bytes;
	struct timespec now;
	char line[192];
	long line_bytes;
	long mmap_addr;
	long pages_ok;  // pages of the mmap()ed memory written and read back
};

// ---- guest side: runs in ring 0, only pv_syscall reaches the host kernel ----

bool is_error(long v)
{
	return static_cast<unsigned long>(v) >= static_cast<unsigned long>(-4095L);
}

long record(demo_area* a, long nr, const char* name, long result)
{
	if (a->ncalls < max_calls)
		a->calls[a->ncalls++] = call_record{nr, name, result};
	return result;
}

char* put_str(char* p, const char* s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

char* put_dec(char* p, long v)
{
	char digits[24];
	int n = 0;
	unsigned long u = v < 0 ? -static_cast<unsigned long>(v) : static_cast<unsigned long>(v);
	do {
		digits[n++] = static_cast<char>('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*p++ = '-';
	while (n)
		*p++ = digits[--n];
	return p;
}

uint64_t page_pattern(long page) { return 0x9e3779b97f4a7c15ULL * static_cast<uint64_t>(page + 1); }

uint64_t demo_guest(void* arg)
{
	auto* a = static_cast<demo_area*>(arg);
	a->ncalls = 0;
	const long pid = record(a, SYS_getpid, "getpid", pv_syscall0(SYS_getpid));
	record(a, SYS_gettid, "gettid", pv_syscall0(SYS_gettid));
	record(a, SYS_uname, "uname", pv_syscall1(SYS_uname, reinterpret_cast<long>(&a->uts)));

	const long fd =
	    record(a, SYS_openat, "openat",
		   pv_syscall4(SYS_openat, AT_FDCWD, reinterpret_cast<long>(version_path),
			       O_RDONLY | O_CLOEXEC, 0));
	if (fd >= 0) {
		a->version_bytes =
		    record(a, SYS_read, "read",
			   pv_syscall3(SYS_read, fd, reinterpret_cast<long>(a->version),
				       sizeof(a->version) - 1));
		record(a, SYS_close, "close", pv_syscall1(SYS_close, fd));
	}

	char* p = put_str(a->line, "hello from guest ring 0: pid ");
	p = put_dec(p, pid);
	p = put_str(p, " writes this line with write(2) through ");
	p = put_str(p, a->via);
	p = put_str(p, ", run in the host kernel's exit handler\n");
	a->line_bytes = p - a->line;
	record(a, SYS_write, "write",
	       pv_syscall3(SYS_write, 1, reinterpret_cast<long>(a->line), a->line_bytes));

	record(a, SYS_clock_gettime, "clock_gettime",
	       pv_syscall2(SYS_clock_gettime, CLOCK_MONOTONIC, reinterpret_cast<long>(&a->now)));

	const long m = record(a, SYS_mmap, "mmap",
			      pv_syscall6(SYS_mmap, 0, mmap_bytes, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	if (!is_error(m)) {
		a->mmap_addr = m;
		auto* w = reinterpret_cast<volatile uint64_t*>(m);
		const long words = page_bytes / 8;
		for (long i = 0; i < mmap_pages; i++)
			w[i * words + i % words] = page_pattern(i);
		long ok = 0;
		for (long i = 0; i < mmap_pages; i++)
			if (w[i * words + i % words] == page_pattern(i))
				ok++;
		a->pages_ok = ok;
		record(a, SYS_munmap, "munmap", pv_syscall2(SYS_munmap, m, mmap_bytes));
	}
	return static_cast<uint64_t>(a->ncalls);
}

// ---- host side ----------------------------------------------------------------

std::string format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
std::string format(const char* fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	std::vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return buf;
}

// "-2 (ENOENT)" for an error result, the number otherwise.
std::string result_text(long v)
{
	if (!is_error(v))
		return format("%ld", v);
	const char* name = strerrorname_np(static_cast<int>(-v));
	return format("%ld (%s)", v, name ? name : "?");
}

long nanos(const struct timespec& t) { return t.tv_sec * 1000000000L + t.tv_nsec; }

std::string seconds(const struct timespec& t)
{
	return format("%lld.%09ld s", static_cast<long long>(t.tv_sec), t.tv_nsec);
}

// The first line of /proc/version, at most `max` characters.
std::string first_line(const char* s, size_t max)
{
	std::string l(s, strnlen(s, max));
	const size_t nl = l.find('\n');
	if (nl != std::string::npos)
		l.resize(nl);
	if (std::strlen(s) > l.size() && l.size() == max)
		l += "...";
	return l;
}

int fail(const portvisor::error& e, const char* what)
{
	std::fprintf(stderr, "pvdemo: %s%s%s\n", what, *what ? ": " : "", e.message.c_str());
	return 1;
}

struct counters {
	uint64_t entries, direct, stage2, runs;
};

counters read_counters(const pv_run& r)
{
	return {r.stat_entries, r.stat_direct_syscalls, r.stat_stage2_faults, r.stat_user_exits};
}

int demo()
{
	std::setvbuf(stdout, nullptr, _IOLBF, 0);
	auto dev = portvisor::device::open();
	if (!dev)
		return fail(dev.err(), "");
	auto caps = dev.value().capabilities();
	if (!caps)
		return fail(caps.err(), "");
	const pv_capabilities& c = caps.value();
	std::printf("backend %s: stage-2 %u levels, pages %s, %u guest-physical bits, %u TLB tags, "
		    "%u CPU(s); features: %s\n",
		    c.backend_name, c.stage2_levels,
		    portvisor::page_sizes_string(c.page_sizes).c_str(), c.guest_phys_bits,
		    c.tlb_tags, c.host_cpus, portvisor::features_string(c.features).c_str());
	if (!(c.features & PV_FEAT_RUN)) {
		std::printf("run path: not on backend %s yet (capabilities only)\n",
			    c.backend_name);
		return 0;
	}

	// The guest's memory, the process's VM and this thread's vCPU.
	auto mem = portvisor::alloc_guest_memory(sizeof(demo_area));
	if (!mem)
		return fail(mem.err(), "guest memory");
	auto* a = new (mem.value()) demo_area{};
#if defined(__x86_64__)
	a->via = c.backend == PV_BACKEND_VMX ? "vmcall" : "vmmcall";
#else
	a->via = "hvc #0";
#endif
	auto info = portvisor::guest_vm_info();
	if (!info)
		return fail(info.err(), "guest VM");
	auto ctx = portvisor::guest_context::current();
	if (!ctx)
		return fail(ctx.err(), "guest vCPU");
	const pv_run& run = ctx.value()->run_page();
	const portvisor::guest_info& gi = info.value();
	const std::string layout =
	    gi.windowed ? "windowed VM (" + std::to_string(gi.guest_phys_bits) +
			      "-bit guest-physical addresses: memory in 1 GiB windows, " +
			      std::to_string(gi.windows) + " of " + std::to_string(gi.max_windows) +
			      " in use)"
			: std::string("mirror VM (guest-physical = host-virtual)");
	std::printf("guest: %s, %s guest pages, vCPU %u of this thread\n", layout.c_str(),
		    portvisor::page_sizes_string(gi.leaf_size).c_str(), ctx.value()->cpu().id());
	std::printf("running demo_guest() in guest ring 0 with run_in_guest; its host syscalls "
		    "go through %s\n",
		    a->via);
	std::fflush(stdout);

	const counters before = read_counters(run);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	auto r = portvisor::run_in_guest(demo_guest, a);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	const counters after = read_counters(run);
	if (!r)
		return fail(r.err(), "run_in_guest");

	// The same calls natively.
	const long native_pid = getpid();
	const long native_tid = gettid();
	struct utsname nuts;
	uname(&nuts);
	static char nversion[sizeof(a->version)];
	long nversion_bytes;
	const int nfd = open(version_path, O_RDONLY | O_CLOEXEC);
	if (nfd < 0) {
		nversion_bytes = -errno;
	} else {
		nversion_bytes = read(nfd, nversion, sizeof(nversion) - 1);
		if (nversion_bytes < 0)
			nversion_bytes = -errno;
		close(nfd);
	}

	std::vector<std::string> wrong;
	std::printf("back on the host: demo_guest() returned %" PRIu64 " (its calls)\n", r.value());
	if (r.value() != static_cast<uint64_t>(a->ncalls))
		wrong.push_back(format("demo_guest() returned %" PRIu64 ", it made %ld calls",
				       r.value(), a->ncalls));
	std::printf("%-14s %4s  %-28s %-26s %s\n", "syscall", "nr", "result in the guest", "native",
		    "check");
	auto row = [](const call_record& k, const std::string& guest, const std::string& native,
		      const char* check) {
		std::printf("%-14s %4ld  %-28s %-26s %s\n", k.name, k.nr, guest.c_str(),
			    native.c_str(), check);
	};
	auto compare = [&wrong](bool same, const std::string& what) {
		if (!same)
			wrong.push_back(what);
		return same ? "same" : "DIFFERENT";
	};
	auto succeeded = [&wrong](const call_record& k, bool ok) {
		if (!ok)
			wrong.push_back(
			    format("%s returned %s", k.name, result_text(k.result).c_str()));
		return ok ? "ok" : "FAILED";
	};
	for (long i = 0; i < a->ncalls; i++) {
		const call_record& k = a->calls[i];
		const std::string res = result_text(k.result);
		switch (k.nr) {
		case SYS_getpid:
			row(k, res, format("%ld", native_pid),
			    compare(k.result == native_pid,
				    format("getpid: guest %ld, native %ld", k.result, native_pid)));
			break;
		case SYS_gettid:
			row(k, res, format("%ld", native_tid),
			    compare(k.result == native_tid,
				    format("gettid: guest %ld, native %ld", k.result, native_tid)));
			break;
		case SYS_uname: {
			const bool same = k.result == 0 &&
					  std::strcmp(a->uts.nodename, nuts.nodename) == 0 &&
					  std::strcmp(a->uts.release, nuts.release) == 0 &&
					  std::strcmp(a->uts.machine, nuts.machine) == 0;
			row(k, format("%s, nodename %s", res.c_str(), a->uts.nodename),
			    format("nodename %s", nuts.nodename),
			    compare(same,
				    format("uname: guest %s nodename \"%s\" release %s, native "
					   "nodename \"%s\" release %s",
					   res.c_str(), a->uts.nodename, a->uts.release,
					   nuts.nodename, nuts.release)));
			break;
		}
		case SYS_openat:
			row(k, format("%s (%s)", res.c_str(), version_path), "",
			    succeeded(k, k.result >= 0));
			break;
		case SYS_read: {
			const bool same = k.result > 0 && k.result == nversion_bytes &&
					  std::memcmp(a->version, nversion, k.result) == 0;
			row(k, format("%s bytes", res.c_str()),
			    format("%s bytes", result_text(nversion_bytes).c_str()),
			    compare(same,
				    format("read of %s: guest %s bytes, native %s bytes%s",
					   version_path, res.c_str(),
					   result_text(nversion_bytes).c_str(),
					   k.result == nversion_bytes ? ", other content" : "")));
			break;
		}
		case SYS_write:
			row(k, format("%s bytes", res.c_str()),
			    format("(line of %ld bytes)", a->line_bytes),
			    succeeded(k, k.result == a->line_bytes));
			break;
		case SYS_clock_gettime: {
			// CLOCK_MONOTONIC in the guest: between the native readings
			// just before and after run_in_guest.
			const long g = nanos(a->now);
			const bool within = k.result == 0 && nanos(t0) <= g && g <= nanos(t1);
			if (!within)
				wrong.push_back(
				    format("clock_gettime(CLOCK_MONOTONIC): guest %s %s, "
					   "not within native %s .. %s around the run",
					   res.c_str(), seconds(a->now).c_str(),
					   seconds(t0).c_str(), seconds(t1).c_str()));
			row(k, format("%s, %s", res.c_str(), seconds(a->now).c_str()),
			    format("t0 %+.1f us, run %.1f us", (g - nanos(t0)) / 1e3,
				   (nanos(t1) - nanos(t0)) / 1e3),
			    within ? "within" : "OUTSIDE");
			break;
		}
		case SYS_mmap: {
			const bool ok = !is_error(k.result) && a->pages_ok == mmap_pages;
			row(k, is_error(k.result) ? res : format("%#lx (1 MiB)", k.result),
			    format("%ld/%ld pages touched", a->pages_ok, mmap_pages),
			    succeeded(k, ok));
			if (!is_error(k.result) && a->pages_ok != mmap_pages)
				wrong.push_back(format("mmap: %ld of %ld pages read back what the "
						       "guest wrote",
						       a->pages_ok, mmap_pages));
			break;
		}
		default: row(k, res, "", succeeded(k, k.result == 0)); break;
		}
	}
	if (a->version_bytes > 0)
		std::printf("%s as the guest read it: %s\n", version_path,
			    first_line(a->version, 64).c_str());

	std::printf("%-34s %10s %10s %8s\n", "run-page counters of the vCPU", "before", "after",
		    "delta");
	auto counter = [](const char* name, uint64_t b, uint64_t f) {
		std::printf("%-34s %10" PRIu64 " %10" PRIu64 " %+8" PRId64 "\n", name, b, f,
			    static_cast<int64_t>(f - b));
	};
	counter("VM entries", before.entries, after.entries);
	counter("direct syscalls (in exit handler)", before.direct, after.direct);
	counter("stage-2 faults (filled)", before.stage2, after.stage2);
	counter("RUN calls (returns to user)", before.runs, after.runs);
	const uint64_t direct = after.direct - before.direct;
	if (direct != static_cast<uint64_t>(a->ncalls))
		wrong.push_back(format("stat_direct_syscalls grew by %" PRIu64
				       " for %ld guest syscalls: not all ran in the exit handler",
				       direct, a->ncalls));

	if (!wrong.empty()) {
		std::string all;
		for (const auto& w : wrong)
			all += (all.empty() ? "" : "; ") + w;
		std::printf("direct path: MISMATCH: %s\n", all.c_str());
		return 1;
	}
	std::printf("direct path: ok (%ld syscalls from guest ring 0, all run in the kernel's exit "
		    "handler; getpid, gettid, uname, %s and the clock agree with native)\n",
		    a->ncalls, version_path);
	return 0;
}

}  // namespace

int main()
{
	try {
		return demo();
	} catch (const std::exception& e) {
		std::fprintf(stderr, "pvdemo: %s\n", e.what());
		return 1;
	}
}
