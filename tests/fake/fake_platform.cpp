// SPDX-License-Identifier: GPL-2.0
// The host fake of the platform door: see fake_platform.h.
#include "fake_platform.h"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <utility>

namespace pv::fake {
namespace {

constexpr uint64_t page_size = 4096;
constexpr unsigned max_pages_order = 4;      // as kmod/platform.c: 16 pages at most
constexpr uint64_t first_phys = 0x10000000;  // fake physical addresses start here

struct allocation {
	uint64_t bytes;
	uint64_t pages;  // 0 for pv_platform_alloc
	uint64_t phys;   // page allocations only
};

struct range {
	uint64_t first, last;  // inclusive, so that a range can reach 2^64 - 1
	bool read_ok;          // read-only ranges fault on writes only
};

struct state {
	std::map<const void*, allocation> live;
	pv_alloc_stats stats{};
	uint64_t allocs_left = ~0ULL;
	uint64_t failed = 0;
	uint64_t next_phys = first_phys;

	std::vector<range> user_ranges;
	uint64_t user_copies = 0;

	std::vector<unsigned> cpus{0};
	unsigned current = no_cpu;
	unsigned fail_index = no_cpu;
	int fail_err = 0;
	unsigned each_cpu_calls = 0;

	std::map<uint32_t, uint64_t> msrs;
	std::map<std::pair<unsigned, uint32_t>, uint64_t> cpu_msrs;
	unsigned paging_levels = 4;

	std::vector<std::string> log;
	std::vector<pv_log_level> levels;
	std::vector<std::string> misuse;

	syscall_path sys;
};

state fresh_state();

state& st()
{
	static state s = fresh_state();
	return s;
}

void report(std::string what) { st().misuse.push_back(std::move(what)); }

std::string hex(uint64_t v)
{
	char buf[24];
	std::snprintf(buf, sizeof(buf), "%#llx", static_cast<unsigned long long>(v));
	return buf;
}

// Counts a new allocation, or refuses it when the test injected a failure.
bool may_allocate()
{
	state& s = st();
	if (s.allocs_left == 0) {
		s.failed++;
		return false;
	}
	if (s.allocs_left != ~0ULL)
		s.allocs_left--;
	return true;
}

void count_alloc(const void* ptr, uint64_t bytes, uint64_t pages, uint64_t phys)
{
	state& s = st();
	s.live[ptr] = allocation{bytes, pages, phys};
	s.stats.bytes += bytes;
	s.stats.objects++;
	s.stats.pages += pages;
	s.stats.total_allocs++;
}

// Releases `ptr`; `bytes` and `pages` are what the caller claims it was, and
// what is subtracted, as kmod/platform.c would.
void count_free(const void* ptr, uint64_t bytes, uint64_t pages, const char* fn)
{
	state& s = st();
	auto it = s.live.find(ptr);
	if (it == s.live.end()) {
		report(std::string(fn) + ": " + hex(reinterpret_cast<uintptr_t>(ptr)) +
		       " is not allocated (double free?)");
		return;
	}
	if (it->second.bytes != bytes || it->second.pages != pages)
		report(std::string(fn) + ": " + hex(reinterpret_cast<uintptr_t>(ptr)) +
		       " freed as " + std::to_string(bytes) + " bytes, allocated as " +
		       std::to_string(it->second.bytes));
	s.live.erase(it);
	s.stats.bytes -= bytes;
	s.stats.objects--;
	s.stats.pages -= pages;
	std::free(const_cast<void*>(ptr));
}

void* alloc_pages_counted(unsigned order)
{
	const uint64_t bytes = page_size << order;
	void* p = std::aligned_alloc(bytes, bytes);
	if (p == nullptr)
		return nullptr;
	std::memset(p, 0, bytes);
	state& s = st();
	// Physical addresses are aligned to the allocation's size, as the buddy
	// allocator's are.
	s.next_phys = (s.next_phys + bytes - 1) & ~(bytes - 1);
	count_alloc(p, bytes, 1ULL << order, s.next_phys);
	s.next_phys += bytes;
	return p;
}

// How many leading bytes of [addr, addr + bytes) may be accessed.
size_t accessible(uint64_t addr, size_t bytes, bool write)
{
	uint64_t ok = bytes;
	if (bytes != 0 && addr + (bytes - 1) < addr)
		ok = 0 - addr;  // wraps around: faults at the top
	for (const range& r : st().user_ranges) {
		if (ok == 0)
			break;
		if (!write && r.read_ok)
			continue;
		if (r.first <= addr + (ok - 1) && addr <= r.last)
			ok = r.first > addr ? r.first - addr : 0;
	}
	return static_cast<size_t>(ok);
}

state fresh_state()
{
	state s;
	s.user_ranges.push_back({0, page_size - 1, false});
	s.user_ranges.push_back({kernel_base, ~0ULL, false});
	return s;
}

}  // namespace

void reset()
{
	for (auto& [ptr, a] : st().live)
		std::free(const_cast<void*>(ptr));
	st() = fresh_state();
}

const std::vector<std::string>& misuse() { return st().misuse; }

pv_alloc_stats alloc_stats() { return st().stats; }
void fail_allocs_after(uint64_t n) { st().allocs_left = n; }
void never_fail_allocs() { st().allocs_left = ~0ULL; }
uint64_t failed_allocs() { return st().failed; }

void mark_user_bad(uint64_t start, uint64_t size)
{
	if (size != 0)
		st().user_ranges.push_back({start, start + (size - 1), false});
}
void mark_user_read_only(uint64_t start, uint64_t size)
{
	if (size != 0)
		st().user_ranges.push_back({start, start + (size - 1), true});
}
uint64_t user_copies() { return st().user_copies; }

void set_cpu_count(unsigned n)
{
	std::vector<unsigned> ids;
	for (unsigned i = 0; i < n; i++)
		ids.push_back(i);
	set_online_cpus(std::move(ids));
}
void set_online_cpus(std::vector<unsigned> ids) { st().cpus = std::move(ids); }
unsigned current_cpu() { return st().current; }
void fail_cpu_call(unsigned index, int err)
{
	st().fail_index = index;
	st().fail_err = err;
}
unsigned on_each_cpu_calls() { return st().each_cpu_calls; }

void set_msr(uint32_t msr, uint64_t value) { st().msrs[msr] = value; }
void set_msr_on(unsigned cpu, uint32_t msr, uint64_t value) { st().cpu_msrs[{cpu, msr}] = value; }
void remove_msr(uint32_t msr) { st().msrs.erase(msr); }
void set_paging_levels(unsigned levels) { st().paging_levels = levels; }

const std::vector<std::string>& log_lines() { return st().log; }
const std::vector<pv_log_level>& log_levels() { return st().levels; }
void clear_log()
{
	st().log.clear();
	st().levels.clear();
}

syscall_path& syscalls() { return st().sys; }

}  // namespace pv::fake

using namespace pv::fake;

extern "C" {

void* pv_platform_alloc(size_t bytes)
{
	if (bytes == 0 || !may_allocate())
		return nullptr;
	void* p = std::calloc(1, bytes);
	if (p != nullptr)
		count_alloc(p, bytes, 0, 0);
	return p;
}

void pv_platform_free(void* ptr, size_t bytes)
{
	if (ptr != nullptr)
		count_free(ptr, bytes, 0, "pv_platform_free");
}

void* pv_platform_alloc_page(void) { return may_allocate() ? alloc_pages_counted(0) : nullptr; }

void pv_platform_free_page(void* page)
{
	if (page != nullptr)
		count_free(page, page_size, 1, "pv_platform_free_page");
}

void* pv_platform_alloc_pages(unsigned int order)
{
	if (order > max_pages_order || !may_allocate())
		return nullptr;
	return alloc_pages_counted(order);
}

void pv_platform_free_pages(void* pages, unsigned int order)
{
	if (pages != nullptr)
		count_free(pages, page_size << order, 1ULL << order, "pv_platform_free_pages");
}

uint64_t pv_platform_virt_to_phys(const void* virt)
{
	const auto v = reinterpret_cast<uintptr_t>(virt);
	for (const auto& [ptr, a] : st().live) {
		const auto base = reinterpret_cast<uintptr_t>(ptr);
		if (a.pages != 0 && v >= base && v < base + a.bytes)
			return a.phys + (v - base);
	}
	report("pv_platform_virt_to_phys: " + hex(v) + " is not in an allocated page");
	return ~0ULL;
}

void* pv_platform_phys_to_virt(uint64_t phys)
{
	for (const auto& [ptr, a] : st().live) {
		if (a.pages != 0 && phys >= a.phys && phys < a.phys + a.bytes)
			return const_cast<char*>(static_cast<const char*>(ptr)) + (phys - a.phys);
	}
	report("pv_platform_phys_to_virt: " + hex(phys) + " is not in an allocated page");
	return nullptr;
}

void pv_platform_alloc_stats(struct pv_alloc_stats* out) { *out = st().stats; }

int pv_platform_copy_from_user(void* dst, uint64_t user_src, size_t bytes)
{
	st().user_copies++;
	const size_t ok = accessible(user_src, bytes, false);
	const bool fine = ok == bytes;
	if (ok != 0)
		std::memcpy(dst, reinterpret_cast<const void*>(user_src), ok);
	if (!fine)  // the kernel zeroes what it could not copy
		std::memset(static_cast<char*>(dst) + ok, 0, bytes - ok);
	return fine ? 0 : -PV_EFAULT;
}

int pv_platform_copy_to_user(uint64_t user_dst, const void* src, size_t bytes)
{
	st().user_copies++;
	const size_t ok = accessible(user_dst, bytes, true);
	const bool fine = ok == bytes;
	if (ok != 0)
		std::memcpy(reinterpret_cast<void*>(user_dst), src, ok);
	return fine ? 0 : -PV_EFAULT;
}

unsigned int pv_platform_online_cpus(void) { return static_cast<unsigned>(st().cpus.size()); }

int pv_platform_on_each_cpu(int (*fn)(void* arg, unsigned int cpu), void* arg)
{
	state& s = st();
	s.each_cpu_calls++;
	if (s.current != no_cpu)
		report("pv_platform_on_each_cpu: called from a function it runs (would deadlock)");
	const std::vector<unsigned> cpus = s.cpus;  // fn may not change the set under us
	int ret = 0;
	for (unsigned i = 0; i < cpus.size() && ret == 0; i++) {
		if (i == s.fail_index) {
			ret = s.fail_err;
			break;
		}
		s.current = cpus[i];
		ret = fn(arg, cpus[i]);
		s.current = no_cpu;
	}
	return ret;
}

int pv_platform_rdmsr_safe(uint32_t msr, uint64_t* value)
{
	state& s = st();
	if (auto it = s.cpu_msrs.find({s.current, msr}); it != s.cpu_msrs.end()) {
		*value = it->second;
		return 0;
	}
	if (auto it = s.msrs.find(msr); it != s.msrs.end()) {
		*value = it->second;
		return 0;
	}
	return -PV_EIO;
}

unsigned int pv_platform_x86_paging_levels(void) { return st().paging_levels; }

int pv_platform_seccomp_active(void) { return st().sys.seccomp_active; }

int pv_platform_seccomp_run_filters(const struct pv_seccomp_data* data,
				    void (*fold)(void* ctx, uint32_t result), void* ctx)
{
	syscall_path& p = st().sys;
	p.filter_runs.push_back(*data);
	if (p.filters_error < 0)
		return p.filters_error;
	for (uint32_t r : p.filter_results)
		fold(ctx, r);
	return static_cast<int>(p.filter_results.size());
}

void pv_platform_seccomp_log(int32_t nr, uint32_t action)
{
	st().sys.logged.emplace_back(nr, action);
}

void pv_platform_seccomp_send_sigsys(const struct pv_seccomp_data* data, uint16_t errno_data)
{
	st().sys.sigsys.emplace_back(*data, errno_data);
}

void pv_platform_seccomp_kill(int whole_process, const struct pv_seccomp_data* data)
{
	st().sys.kills.emplace_back(whole_process != 0, *data);
}

int64_t pv_platform_run_syscall(pv_syscall_frame* /*frame*/, uint32_t nr, const uint64_t args[6])
{
	syscall_path& p = st().sys;
	syscall_call call{nr, {}};
	std::memcpy(call.args, args, sizeof(call.args));
	p.syscalls.push_back(call);
	constexpr int64_t enosys = 38;  // asm-generic/errno.h
	return p.run_syscall ? p.run_syscall(call) : -enosys;
}

enum pv_signal_disposition pv_platform_pending_signal(void)
{
	auto& pending = st().sys.pending_signals;
	if (pending.empty())
		return PV_SIGNAL_NONE;
	const pv_signal_disposition d = pending.front();
	pending.erase(pending.begin());
	return d;
}

void pv_platform_log(enum pv_log_level level, const char* fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	va_list again;
	va_copy(again, ap);
	const int n = std::vsnprintf(nullptr, 0, fmt, ap);
	std::string line(n > 0 ? static_cast<size_t>(n) : 0, '\0');
	std::vsnprintf(line.data(), line.size() + 1, fmt, again);
	va_end(again);
	va_end(ap);
	// printk needs exactly one line per call: a missing newline merges it
	// with the next message.
	if (line.empty() || line.back() != '\n')
		report("pv_platform_log: message without a trailing newline: " + line);
	else
		line.pop_back();
	if (line.find('\n') != std::string::npos)
		report("pv_platform_log: message of several lines: " + line);
	st().log.push_back(line);
	st().levels.push_back(level);
}

}  // extern "C"
