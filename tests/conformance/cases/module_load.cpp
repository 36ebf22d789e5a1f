// SPDX-License-Identifier: MIT
// The module loads on a CPU that has a backend, registers /dev/portvisor and
// names the backend this target's CPU must give, with nothing alarming in
// the kernel log. On VMX its L1D flush before entry follows the guest
// kernel's L1TF state and policy.
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "case.h"

using namespace pvt;

namespace {

std::string read_text(const char* path)
{
	std::ifstream f(path);
	std::stringstream ss;
	ss << f.rdbuf();
	std::string s = ss.str();
	while (!s.empty() && s.back() == '\n')
		s.pop_back();
	return s;
}

// What the VMX backend's load line must say about the L1D flush: off where
// the CPU is not affected or l1tf/mitigations=off; else IA32_FLUSH_CMD when
// the CPU has it, else the software flush. A CPU with ARCH_CAPABILITIES may
// also say a hypervisor below flushes (SKIP_L1DFL_VMENTRY): off.
void check_l1d_flush_policy(const std::string& log)
{
	const std::string l1tf = read_text("/sys/devices/system/cpu/vulnerabilities/l1tf");
	const std::string cmdline = " " + read_text("/proc/cmdline");
	const bool policy_off = cmdline.find(" mitigations=off") != std::string::npos ||
				cmdline.find(" l1tf=off") != std::string::npos;
	std::string want = "L1D flush before entry ";
	if (l1tf.rfind("Not affected", 0) == 0 || policy_off)
		want += "off";
	else if (cpuinfo_has("flags", "flush_l1d"))
		want += "IA32_FLUSH_CMD";
	else
		want += "by software";
	const bool below_may_flush = cpuinfo_has("flags", "arch_capabilities");
	note("l1tf: %s; expecting '%s'", l1tf.empty() ? "(no sysfs file)" : l1tf.c_str(),
	     want.c_str());
	PVT_CHECK(
	    count_occurrences(log, want) >= 1 ||
		(below_may_flush && count_occurrences(log, "L1D flush before entry off") >= 1),
	    "the vmx load line does not say '%s'", want.c_str());
}

}  // namespace

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
	if (expect == "vmx")
		check_l1d_flush_policy(log);
	check_no_new_kernel_problems(problems_before);
	pass("loaded with backend %s", expect.c_str());
}
