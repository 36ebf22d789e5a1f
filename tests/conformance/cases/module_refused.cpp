// SPDX-License-Identifier: MIT
// On a CPU where no compiled-in backend fits, the module refuses to load
// with ENODEV and one log line that names every backend and why
// (pv.refusal=a,b lists substrings that line must contain), leaves nothing
// allocated and registers no device.
#include <cerrno>
#include <cstring>
#include <sstream>

#include "case.h"

using namespace pvt;

int main()
{
	const kernel_problems problems_before = count_kernel_problems();
	PVT_CHECK(expected_backend() == "none", "scheduled on a target that expects a backend");
	PVT_CHECK(!module_loaded(), "module already loaded on a CPU without a backend");
	const std::string refusal = "portvisor: no usable backend, not loading: ";
	const int before = count_occurrences(kernel_log(), refusal);
	int err = load_module();
	PVT_CHECK(err == ENODEV, "load: %s, want ENODEV", err ? std::strerror(err) : "succeeded");
	PVT_CHECK(!module_loaded(), "module is loaded");
	PVT_CHECK(!file_exists("/dev/portvisor"), "device exists");
	const std::string lines = log_lines_with(refusal);
	note("%s", lines.c_str());
	PVT_CHECK(count_occurrences(lines, refusal) == before + 1,
		  "want exactly one new refusal line");
	const std::string last = lines.substr(lines.rfind(refusal));
	std::string pieces = cmdline_param("refusal");
	for (char& ch : pieces)
		if (ch == '+')
			ch = ' ';
	std::stringstream want(pieces);
	std::string piece;
	int named = 0;
	while (std::getline(want, piece, ',')) {
		PVT_CHECK(last.find(piece) != std::string::npos, "refusal line lacks '%s'",
			  piece.c_str());
		named++;
	}
	PVT_CHECK(named > 0, "target gives no pv.refusal= to check against");
	PVT_CHECK(count_occurrences(
		      kernel_log(),
		      "portvisor: load failed: 0 bytes in 0 allocations outstanding") == before + 1,
		  "no clean 'load failed' accounting line");
	check_no_new_kernel_problems(problems_before);
	pass("refused with ENODEV: %s",
	     last.substr(refusal.size(), last.find('\n') - refusal.size()).c_str());
}
