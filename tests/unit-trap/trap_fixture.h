// SPDX-License-Identifier: GPL-2.0
// Common ground of the direct-syscall trap's unit tests: a fresh fake of the
// direct-syscall platform functions per test, a policy and statistics, and
// ways to build hypercalls and read outcomes.
#pragma once

#include <gtest/gtest.h>

#include <ostream>

#include "fake_direct_syscall.h"
#include "portvisor/core/trap/restart.h"
#include "portvisor/core/trap/seccomp.h"
#include "portvisor/core/trap/trap.h"

namespace pv::trap {

// Readable failures.
inline std::ostream& operator<<(std::ostream& os, const trap_outcome& o)
{
	static const char* const kinds[] = {"resume", "restart", "exit_to_user", "stop"};
	static const char* const updates[] = {"none", "complete", "advance", "restart"};
	static const char* const stops[] = {"none", "kill_thread", "kill_process", "fatal_signal"};
	os << "{" << (unsigned(o.kind) < 4 ? kinds[unsigned(o.kind)] : "?")
	   << " update=" << (unsigned(o.update) < 4 ? updates[unsigned(o.update)] : "?")
	   << " stop=" << (unsigned(o.stop) < 4 ? stops[unsigned(o.stop)] : "?")
	   << " yield=" << o.yield << " value=" << int64_t(o.value)
	   << " restart_nr=" << o.restart_nr << " exit={reason=" << unsigned(o.exit.reason)
	   << " why=" << unsigned(o.exit.why) << "}}";
	return os;
}

namespace test {

namespace fake = pv::fake_syscall;
namespace L = linux_abi;

inline constexpr u64 test_ip = 0x7f12345678ULL;  // the guest's address after the hypercall
inline constexpr u64 test_args[6] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66};

[[nodiscard]] constexpr hypercall make_call(syscall_arch arch, u64 nr_reg,
					    const u64 (&args)[6] = test_args)
{
	hypercall hc{};
	hc.arch = arch;
	hc.nr = u32(nr_reg);
	hc.nr_reg = nr_reg;
	for (unsigned i = 0; i < 6; i++)
		hc.args[i] = args[i];
	return hc;
}

[[nodiscard]] constexpr u32 getpid_nr(syscall_arch arch)
{
	return arch == syscall_arch::arm64 ? arm64::nr_getpid : x86_64::nr_getpid;
}

// The outcomes the pipeline builds, for comparisons.
[[nodiscard]] inline trap_outcome resumed(int64_t value)
{
	trap_outcome o{};
	o.kind = trap_kind::resume;
	o.update = reg_update::complete;
	o.value = u64(value);
	return o;
}

[[nodiscard]] inline trap_outcome restarted(u64 nr_reg)
{
	trap_outcome o{};
	o.kind = trap_kind::restart;
	o.update = reg_update::restart;
	o.restart_nr = nr_reg;
	return o;
}

[[nodiscard]] inline trap_outcome stopped(stop_reason why)
{
	trap_outcome o{};
	o.kind = trap_kind::stop;
	o.stop = why;
	return o;
}

// The helpers below name the call `hc` they answer, for the reader: RUN
// reports its number and arguments from the hypercall itself, and the
// outcome does not carry them (outcome.h).
[[nodiscard]] inline trap_outcome exited(exit_reason reason, syscall_why why, reg_update update)
{
	trap_outcome o{};
	o.kind = trap_kind::exit_to_user;
	o.update = update;
	o.exit.reason = reason;
	o.exit.why = why;
	return o;
}

// PV_EXIT_SYSCALL for user space to issue `hc` natively.
[[nodiscard]] inline trap_outcome handed(syscall_why why, [[maybe_unused]] const hypercall& hc)
{
	return exited(exit_reason::syscall, why, reg_update::advance);
}

// PV_EXIT_INTERRUPTED after `hc`, the result register set to `value`.
[[nodiscard]] inline trap_outcome interrupted(int64_t value, [[maybe_unused]] const hypercall& hc)
{
	trap_outcome o = exited(exit_reason::interrupted, syscall_why::none, reg_update::complete);
	o.value = u64(value);
	return o;
}

// PV_EXIT_INTERRUPTED after `hc`, set up to restart with `nr_reg`.
[[nodiscard]] inline trap_outcome interrupted_restart(u64 nr_reg,
						      [[maybe_unused]] const hypercall& hc)
{
	trap_outcome o = exited(exit_reason::interrupted, syscall_why::none, reg_update::restart);
	o.restart_nr = nr_reg;
	return o;
}

class trap_test : public ::testing::Test {
protected:
	void SetUp() override { fake::reset(); }

	trap_outcome run(const hypercall& hc)
	{
		return handle_hypercall(hc, test_ip, policy, stats, &frame);
	}
	trap_outcome run(syscall_arch arch, u64 nr_reg) { return run(make_call(arch, nr_reg)); }

	// Nothing of the direct-syscall path was called.
	void expect_untouched() const { EXPECT_EQ(fake::get().calls, 0U); }

	trap_policy policy{};
	trap_stats stats{};
	pv_syscall_frame frame{};  // the vCPU's scratch, handed to the platform
};

// The same tests on both syscall ABIs.
class trap_arch_test : public trap_test, public ::testing::WithParamInterface<syscall_arch> {
protected:
	[[nodiscard]] syscall_arch arch() const { return GetParam(); }
	[[nodiscard]] hypercall getpid() const { return make_call(arch(), getpid_nr(arch())); }
};

inline std::string arch_name(const ::testing::TestParamInfo<syscall_arch>& info)
{
	return info.param == syscall_arch::arm64 ? "arm64" : "x86_64";
}

}  // namespace test
}  // namespace pv::trap
