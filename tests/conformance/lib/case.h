// SPDX-License-Identifier: MIT
// What every conformance case program uses: verdicts, the target's
// expectations (from the kernel command line), the module, the kernel log.
//
// A case is a static program run by the guest's /init. It prints what it
// checks, and ends with one of pass()/fail()/skip(): a line "reason: ..."
// and exit code 0 (PASS), 1 (FAIL) or 77 (SKIP). /init turns that into the
// PVCASE line the host reads; a case that crashes or hangs is a FAIL there.
#pragma once

#include <cstdarg>
#include <cstdint>
#include <string>

namespace pvt {

// A uint64_t for printf's %llu.
inline unsigned long long ull(uint64_t v) { return static_cast<unsigned long long>(v); }

[[noreturn]] void pass(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
[[noreturn]] void fail(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
[[noreturn]] void skip(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void note(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// fail() unless cond, with the message; returns otherwise.
#define PVT_CHECK(cond, ...)                                                                       \
	do {                                                                                       \
		if (!(cond))                                                                       \
			::pvt::fail(__VA_ARGS__);                                                  \
	} while (0)

// pv.<key>=<value> from /proc/cmdline, or `fallback`.
std::string cmdline_param(const std::string& key, const std::string& fallback = "");
// The backend this guest's CPU should give: "vmx", "svm", "arm64-vhe", "none".
std::string expected_backend();

// The module: where its .ko is in the guest, and load/unload via syscalls.
inline constexpr const char* module_path = "/lib/modules/portvisor.ko";
inline constexpr const char* module_name = "portvisor";
// 0 or errno.
int load_module();
// 0 or errno. Non-blocking, as rmmod: EAGAIN/EWOULDBLOCK while in use.
int unload_module();
bool module_loaded();
// Loads the module unless it is loaded; fail()s if it cannot be.
void ensure_loaded();

// The whole kernel log (klogctl), and how often `needle` occurs in it.
std::string kernel_log();
int count_occurrences(const std::string& haystack, const std::string& needle);
// Lines of the kernel log containing `needle`, joined with newlines.
std::string log_lines_with(const std::string& needle);

// Kernel problems (WARN, BUG, oops, call traces) are counted when a case
// starts and checked when it ends: only new ones fail the case, so that a
// warning the emulated CPU causes at boot is not blamed on portvisor.
struct kernel_problems {
	int count = 0;
};
kernel_problems count_kernel_problems();
// fail()s if the kernel reported problems since `before`, naming them.
void check_no_new_kernel_problems(const kernel_problems& before);

// x86: the words of the first "flags" or "vmx flags" line of /proc/cpuinfo.
bool cpuinfo_has(const std::string& line_key, const std::string& word);
bool file_exists(const char* path);

}  // namespace pvt
