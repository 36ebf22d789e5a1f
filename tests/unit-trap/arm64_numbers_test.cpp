// SPDX-License-Identifier: GPL-2.0
// The arm64 rules' numbers and names are those of the host's
// <asm-generic/unistd.h> (linux-libc-dev 6.1) read as arm64 reads it: with
// the __ARCH_WANT_* of arch/arm64/include/uapi/asm/unistd.h and 64-bit longs.
// The numbers are captured before any other header: the C library's
// <sys/syscall.h>, which GoogleTest may pull in, redefines the same __NR_
// names with x86_64's numbers.
#define __ARCH_WANT_RENAMEAT
#define __ARCH_WANT_NEW_STAT
#define __ARCH_WANT_SET_GET_RLIMIT
#define __ARCH_WANT_TIME32_SYSCALLS
#define __ARCH_WANT_SYS_CLONE3
#define __ARCH_WANT_MEMFD_SECRET
#include <asm-generic/unistd.h>

namespace {
namespace generic {
constexpr unsigned exit = __NR_exit, exit_group = __NR_exit_group, sigaltstack = __NR_sigaltstack,
		   rt_sigreturn = __NR_rt_sigreturn, prctl = __NR_prctl, clone = __NR_clone,
		   execve = __NR_execve, execveat = __NR_execveat, rseq = __NR_rseq,
		   clone3 = __NR_clone3, nfsservctl = __NR_nfsservctl, getpid = __NR_getpid,
		   restart_syscall = __NR_restart_syscall, syscalls = __NR_syscalls,
		   arch_specific_syscall = __NR_arch_specific_syscall, wait4 = __NR_wait4,
		   kexec_file_load = __NR_kexec_file_load,
		   pidfd_send_signal = __NR_pidfd_send_signal;
#ifdef __NR_fork
constexpr bool has_fork = true;
#else
constexpr bool has_fork = false;
#endif
}  // namespace generic
}  // namespace

#include <string>
#include <utility>

#include "trap_fixture.h"

namespace pv::trap::test {
namespace {

TEST(classify, arm64_rules_match_asm_generic_unistd)
{
	const std::pair<const char*, u32> nrs[] = {
	    {"exit", generic::exit},
	    {"exit_group", generic::exit_group},
	    {"sigaltstack", generic::sigaltstack},
	    {"rt_sigreturn", generic::rt_sigreturn},
	    {"prctl", generic::prctl},
	    {"clone", generic::clone},
	    {"execve", generic::execve},
	    {"execveat", generic::execveat},
	    {"rseq", generic::rseq},
	    {"clone3", generic::clone3},
	    {"nfsservctl", generic::nfsservctl},
	};
	ASSERT_EQ(std::size(nrs), std::size(arm64::rules));
	for (const syscall_rule& r : arm64::rules) {
		bool found = false;
		for (const auto& [name, nr] : nrs)
			if (std::string(name) == r.name) {
				EXPECT_EQ(r.nr, nr) << r.name;
				found = true;
			}
		EXPECT_TRUE(found) << r.name;
	}
	EXPECT_EQ(arm64::nr_getpid, generic::getpid);
	EXPECT_EQ(arm64::nr_restart_syscall, generic::restart_syscall);
	EXPECT_EQ(arm64::nr_syscalls, generic::syscalls);
	// The edges of the unassigned ranges.
	EXPECT_EQ(generic::arch_specific_syscall, 244U);
	EXPECT_EQ(generic::wait4, 260U);
	EXPECT_EQ(generic::kexec_file_load, 294U);
	EXPECT_EQ(generic::pidfd_send_signal, 424U);
	EXPECT_FALSE(generic::has_fork) << "arm64 has no fork: clone does it";
}

}  // namespace
}  // namespace pv::trap::test
