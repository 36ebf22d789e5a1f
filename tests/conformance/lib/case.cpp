// SPDX-License-Identifier: MIT
#include "case.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/klog.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace pvt {
namespace {

[[noreturn]] void verdict(int code, const char* fmt, va_list ap)
{
	std::fflush(stdout);
	std::printf("reason: ");
	std::vprintf(fmt, ap);
	std::printf("\n");
	std::fflush(stdout);
	std::exit(code);
}

}  // namespace

void pass(const char* fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verdict(0, fmt, ap);
}

void fail(const char* fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verdict(1, fmt, ap);
}

void skip(const char* fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verdict(77, fmt, ap);
}

void note(const char* fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	std::vprintf(fmt, ap);
	va_end(ap);
	std::printf("\n");
	std::fflush(stdout);
}

std::string cmdline_param(const std::string& key, const std::string& fallback)
{
	std::ifstream f("/proc/cmdline");
	std::string word;
	const std::string prefix = "pv." + key + "=";
	while (f >> word)
		if (word.rfind(prefix, 0) == 0)
			return word.substr(prefix.size());
	return fallback;
}

std::string expected_backend() { return cmdline_param("expect", "unset"); }

int load_module()
{
	int fd = open(module_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	int rc = static_cast<int>(syscall(SYS_finit_module, fd, "", 0));
	int err = rc == 0 ? 0 : errno;
	close(fd);
	return err;
}

int unload_module()
{
	int rc = static_cast<int>(syscall(SYS_delete_module, module_name, O_NONBLOCK));
	return rc == 0 ? 0 : errno;
}

bool module_loaded() { return file_exists("/sys/module/portvisor"); }

void ensure_loaded()
{
	if (module_loaded())
		return;
	int err = load_module();
	PVT_CHECK(err == 0, "cannot load %s: %s", module_path, std::strerror(err));
}

std::string kernel_log()
{
	int size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, nullptr, 0);
	if (size <= 0)
		size = 1 << 20;
	std::string buf(static_cast<size_t>(size), '\0');
	int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf.data(), size);
	if (n < 0)
		fail("klogctl(READ_ALL): %s", std::strerror(errno));
	buf.resize(static_cast<size_t>(n));
	return buf;
}

int count_occurrences(const std::string& haystack, const std::string& needle)
{
	int n = 0;
	for (size_t pos = haystack.find(needle); pos != std::string::npos;
	     pos = haystack.find(needle, pos + needle.size()))
		n++;
	return n;
}

std::string log_lines_with(const std::string& needle)
{
	std::istringstream in(kernel_log());
	std::string line, out;
	while (std::getline(in, line))
		if (line.find(needle) != std::string::npos)
			out += line + "\n";
	return out;
}

namespace {
// What the kernel prints for WARN(), BUG(), oopses and faults.
constexpr const char* problem_markers[] = {
    "WARNING: CPU:", "BUG:", "Oops", "Call Trace", "general protection fault", "Kernel panic"};
}  // namespace

kernel_problems count_kernel_problems()
{
	const std::string log = kernel_log();
	kernel_problems p;
	for (const char* m : problem_markers)
		p.count += count_occurrences(log, m);
	return p;
}

void check_no_new_kernel_problems(const kernel_problems& before)
{
	const kernel_problems now = count_kernel_problems();
	if (now.count == before.count)
		return;
	std::string lines;
	for (const char* m : problem_markers)
		lines += log_lines_with(m);
	fail("kernel reported %d new problem line(s) during this case:\n%s",
	     now.count - before.count, lines.c_str());
}

bool cpuinfo_has(const std::string& line_key, const std::string& word)
{
	std::ifstream f("/proc/cpuinfo");
	std::string line;
	while (std::getline(f, line)) {
		auto colon = line.find(':');
		if (colon == std::string::npos)
			continue;
		std::string key = line.substr(0, colon);
		while (!key.empty() && (key.back() == ' ' || key.back() == '\t'))
			key.pop_back();
		if (key != line_key)
			continue;
		std::istringstream words(line.substr(colon + 1));
		std::string w;
		while (words >> w)
			if (w == word)
				return true;
		return false;
	}
	return false;
}

bool file_exists(const char* path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

}  // namespace pvt
