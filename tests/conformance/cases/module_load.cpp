// SPDX-License-Identifier: MIT
// The module loads on a CPU that has a backend, registers /dev/portvisor and
// names the backend this target's CPU must give, with nothing alarming in
// the kernel log.
#include <cstring>
#include <string>

#include "case.h"

using namespace pvt;

int main()
{
	const kernel_problems problems_before = count_kernel_problems();
	const std::string expect = expected_backend();
	if (module_loaded())
		PVT_CHECK(unload_module() == 0, "module was loaded and cannot be unloaded");
	const int loads_before = count_occurrences(kernel_log(), "portvisor: loaded:");
	const int err = load_module();
	PVT_CHECK(err == 0, "finit_module: %s; kernel log:\n%s", std::strerror(err),
		  log_lines_with("portvisor").c_str());
	PVT_CHECK(file_exists("/dev/portvisor"), "no /dev/portvisor after load");
	const std::string log = kernel_log();
	note("%s", log_lines_with("portvisor:").c_str());
	PVT_CHECK(count_occurrences(log, "portvisor: loaded:") == loads_before + 1,
		  "expected one new 'portvisor: loaded:' line");
	const std::string loaded = "portvisor: loaded: /dev/portvisor, backend " + expect + ",";
	PVT_CHECK(count_occurrences(log, loaded) >= 1, "log does not say '%s'", loaded.c_str());
	const std::string found = "portvisor: backend " + expect + ": stage-2";
	PVT_CHECK(count_occurrences(log, found) >= 1, "log does not say '%s'", found.c_str());
	check_no_new_kernel_problems(problems_before);
	pass("loaded with backend %s", expect.c_str());
}
