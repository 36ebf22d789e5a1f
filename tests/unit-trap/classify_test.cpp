// SPDX-License-Identifier: GPL-2.0
// Every number of both 6.1 syscall tables gets the class this test expects
// (an independent list, not the data header), the rules' numbers and names
// are the host's x86_64 <asm/unistd_64.h> (linux-libc-dev 6.1), and the
// allow-list has the semantics trap.h gives it.
#include <asm/unistd_64.h>

#include <set>
#include <string>

#include "trap_fixture.h"

namespace pv::trap::test {
namespace {

// arch/x86/entry/syscalls/syscall_64.tbl of 6.1, read by hand.
const std::set<u32> x86_64_user = {15,  56,  57,  58,  59,  60,  131, 154,
				   157, 158, 231, 322, 330, 334, 435};
const std::set<u32> x86_64_deny_named = {134, 156, 174, 177, 178, 180, 181, 182,
					 183, 184, 185, 205, 211, 214, 215, 236};

// include/uapi/asm-generic/unistd.h of 6.1 with arm64's __ARCH_WANT_*.
const std::set<u32> arm64_user = {93, 94, 132, 139, 167, 220, 221, 281, 293, 435};

syscall_class expected_x86_64(u32 nr)
{
	if (x86_64_user.count(nr) != 0)
		return syscall_class::user;
	if (x86_64_deny_named.count(nr) != 0 || (nr >= 335 && nr <= 423))
		return syscall_class::deny;
	return syscall_class::direct;
}

syscall_class expected_arm64(u32 nr)
{
	if (arm64_user.count(nr) != 0)
		return syscall_class::user;
	if (nr == 42 || (nr >= 244 && nr <= 259) || (nr >= 295 && nr <= 423))
		return syscall_class::deny;
	return syscall_class::direct;
}

TEST(classify, every_x86_64_number_of_the_6_1_table)
{
	ASSERT_EQ(x86_64::nr_syscalls, 451U);
	unsigned direct = 0;
	for (u32 nr = 0; nr < x86_64::nr_syscalls; nr++) {
		EXPECT_EQ(classify(syscall_arch::x86_64, nr), expected_x86_64(nr)) << "nr " << nr;
		direct += expected_x86_64(nr) == syscall_class::direct;
	}
	// 362 numbers have a __NR_ define; 16 of them have no entry point,
	// 15 go to user space.
	EXPECT_EQ(direct, 362U - 16U - 15U);
}

TEST(classify, every_arm64_number_of_the_6_1_table)
{
	ASSERT_EQ(arm64::nr_syscalls, 451U);
	unsigned direct = 0;
	for (u32 nr = 0; nr < arm64::nr_syscalls; nr++) {
		EXPECT_EQ(classify(syscall_arch::arm64, nr), expected_arm64(nr)) << "nr " << nr;
		direct += expected_arm64(nr) == syscall_class::direct;
	}
	// 306 numbers have a __NR_ define; nfsservctl is sys_ni_syscall,
	// 10 go to user space.
	EXPECT_EQ(direct, 306U - 1U - 10U);
}

TEST(classify, the_rules_are_the_lists_above)
{
	for (const syscall_rule& r : x86_64::rules)
		EXPECT_EQ(r.cls, expected_x86_64(r.nr)) << r.name;
	for (const syscall_rule& r : arm64::rules)
		EXPECT_EQ(r.cls, expected_arm64(r.nr)) << r.name;
	EXPECT_EQ(std::size(x86_64::rules), x86_64_user.size() + x86_64_deny_named.size());
	EXPECT_EQ(std::size(arm64::rules), arm64_user.size() + 1);
}

// The names and numbers of the x86_64 rules are the kernel's.
TEST(classify, x86_64_rules_match_asm_unistd_64)
{
	const std::pair<const char*, u32> nrs[] = {
	    {"rt_sigreturn", __NR_rt_sigreturn},
	    {"clone", __NR_clone},
	    {"fork", __NR_fork},
	    {"vfork", __NR_vfork},
	    {"execve", __NR_execve},
	    {"exit", __NR_exit},
	    {"sigaltstack", __NR_sigaltstack},
	    {"modify_ldt", __NR_modify_ldt},
	    {"prctl", __NR_prctl},
	    {"arch_prctl", __NR_arch_prctl},
	    {"exit_group", __NR_exit_group},
	    {"execveat", __NR_execveat},
	    {"pkey_alloc", __NR_pkey_alloc},
	    {"rseq", __NR_rseq},
	    {"clone3", __NR_clone3},
	    {"uselib", __NR_uselib},
	    {"_sysctl", __NR__sysctl},
	    {"create_module", __NR_create_module},
	    {"get_kernel_syms", __NR_get_kernel_syms},
	    {"query_module", __NR_query_module},
	    {"nfsservctl", __NR_nfsservctl},
	    {"getpmsg", __NR_getpmsg},
	    {"putpmsg", __NR_putpmsg},
	    {"afs_syscall", __NR_afs_syscall},
	    {"tuxcall", __NR_tuxcall},
	    {"security", __NR_security},
	    {"set_thread_area", __NR_set_thread_area},
	    {"get_thread_area", __NR_get_thread_area},
	    {"epoll_ctl_old", __NR_epoll_ctl_old},
	    {"epoll_wait_old", __NR_epoll_wait_old},
	    {"vserver", __NR_vserver},
	};
	ASSERT_EQ(std::size(nrs), std::size(x86_64::rules));
	for (const syscall_rule& r : x86_64::rules) {
		bool found = false;
		for (const auto& [name, nr] : nrs)
			if (std::string(name) == r.name) {
				EXPECT_EQ(r.nr, nr) << r.name;
				found = true;
			}
		EXPECT_TRUE(found) << r.name;
	}
	EXPECT_EQ(x86_64::nr_getpid, u32(__NR_getpid));
	EXPECT_EQ(x86_64::nr_restart_syscall, u32(__NR_restart_syscall));
	// The last 6.1 number, and the first after the unassigned range.
	EXPECT_EQ(x86_64::nr_syscalls, u32(__NR_set_mempolicy_home_node) + 1);
	EXPECT_EQ(u32(__NR_rseq), 334U);
	EXPECT_EQ(u32(__NR_pidfd_send_signal), 424U);
}

TEST(classify, numbers_beyond_the_tables)
{
	for (syscall_arch a : {syscall_arch::x86_64, syscall_arch::arm64}) {
		// A later kernel may have assigned them: its native call decides.
		EXPECT_EQ(classify(a, 451), syscall_class::user);
		EXPECT_EQ(classify(a, 0x3fffffff), syscall_class::user);
		// x32's numbers, and any other below the negative ones.
		EXPECT_EQ(classify(a, x86_64::x32_syscall_bit | 39), syscall_class::user);
		EXPECT_EQ(classify(a, 0x7fffffff), syscall_class::user);
		// Negative as the int the entry reads: never a syscall.
		EXPECT_EQ(classify(a, 0x80000000U), syscall_class::deny);
		EXPECT_EQ(classify(a, 0xffffffffU), syscall_class::deny);
	}
	// An arch value the trap does not know is never run.
	EXPECT_EQ(classify(syscall_arch(7), 39), syscall_class::user);
}

TEST(classify, per_arch_constants)
{
	EXPECT_EQ(audit_arch(syscall_arch::x86_64), 0xC000003EU);
	EXPECT_EQ(audit_arch(syscall_arch::arm64), 0xC00000B7U);
	EXPECT_EQ(restart_syscall_nr(syscall_arch::x86_64), 219U);
	EXPECT_EQ(restart_syscall_nr(syscall_arch::arm64), 128U);
	EXPECT_EQ(classify(syscall_arch::x86_64, 219), syscall_class::direct);
	EXPECT_EQ(classify(syscall_arch::arm64, 128), syscall_class::direct);
}

// --- the allow-list ---------------------------------------------------------------

TEST(allow_list, not_set_permits_everything)
{
	const syscall_allow_list l{};
	EXPECT_FALSE(l.active);
	for (u32 nr : {0U, 39U, 450U, 511U, 512U, 0x7effffffU, 0xffffffffU})
		EXPECT_TRUE(l.permits(nr)) << nr;
}

TEST(allow_list, set_permits_only_its_bits)
{
	syscall_allow_list l{};
	l.add(39);
	l.add(511);
	l.add(600);  // beyond the bitmap: no effect but activation
	EXPECT_TRUE(l.active);
	EXPECT_TRUE(l.permits(39));
	EXPECT_TRUE(l.permits(511));
	EXPECT_FALSE(l.permits(38));
	EXPECT_FALSE(l.permits(40));
	EXPECT_FALSE(l.permits(512));
	EXPECT_FALSE(l.permits(600));
	EXPECT_FALSE(l.permits(0xffffffffU));
}

TEST(allow_list, assign_from_a_user_bitmap)
{
	syscall_allow_list l{};
	const u64 bits[3] = {1ULL << 39, 0, 1ULL << (172 - 128)};
	ASSERT_EQ(l.assign(bits, 3), 0);
	EXPECT_TRUE(l.active);
	EXPECT_TRUE(l.permits(39));
	EXPECT_TRUE(l.permits(172));
	EXPECT_FALSE(l.permits(0));
	EXPECT_FALSE(l.permits(200));

	// Shorter bitmaps clear what they do not cover.
	const u64 one[1] = {1};
	ASSERT_EQ(l.assign(one, 1), 0);
	EXPECT_TRUE(l.permits(0));
	EXPECT_FALSE(l.permits(172));

	// An empty bitmap is a list that permits nothing.
	ASSERT_EQ(l.assign(nullptr, 0), 0);
	EXPECT_TRUE(l.active);
	EXPECT_FALSE(l.permits(0));
}

TEST(allow_list, a_bitmap_longer_than_the_list_changes_nothing)
{
	syscall_allow_list l{};
	l.add(39);
	u64 big[syscall_allow_list::words_count + 1] = {};
	big[0] = ~0ULL;
	EXPECT_EQ(l.assign(big, syscall_allow_list::words_count + 1), -PV_E2BIG);
	EXPECT_TRUE(l.permits(39));
	EXPECT_FALSE(l.permits(0));
	u64 full[syscall_allow_list::words_count];
	for (u64& w : full)
		w = ~0ULL;
	EXPECT_EQ(l.assign(full, syscall_allow_list::words_count), 0);
	EXPECT_TRUE(l.permits(511));
}

TEST(allow_list, clear_unsets_it)
{
	syscall_allow_list l{};
	l.add(1);
	l.clear();
	EXPECT_FALSE(l.active);
	EXPECT_TRUE(l.permits(2));
	EXPECT_EQ(l.words[0], 0U);
}

// --- classes and the allow-list through the pipeline ------------------------------

TEST_P(trap_arch_test, user_syscalls_go_to_user_space_without_seccomp)
{
	const auto& rules =
	    arch() == syscall_arch::arm64 ? std::set<u32>(arm64_user) : std::set<u32>(x86_64_user);
	fake::set_filters({L::seccomp_ret_kill_process});
	policy.allow_list.add(56);  // on the list or not, they go to user space
	policy.allow_list.add(220);
	for (u32 nr : rules) {
		const hypercall hc = make_call(arch(), nr);
		EXPECT_EQ(run(hc), handed(syscall_why::user_only, hc)) << nr;
	}
	EXPECT_EQ(fake::get().calls, 0U) << "no filter ran, nothing was called";
	EXPECT_EQ(stats.user_only, rules.size());
	EXPECT_EQ(stats.exits_to_user, rules.size());
}

// A RUN (or any portvisor ioctl) from inside an exit handler would nest exit
// handlers on one kernel stack: user space gets it, without seccomp.
TEST_P(trap_arch_test, portvisor_ioctls_go_to_user_space)
{
	const u32 ioctl_nr = arch() == syscall_arch::arm64 ? 29U : 16U;
	for (u64 cmd : {0xB720ULL, 0x4090B703ULL, 0xC060B701ULL}) {
		hypercall hc = make_call(arch(), ioctl_nr);
		hc.args[1] = cmd;
		EXPECT_EQ(run(hc), handed(syscall_why::user_only, hc)) << std::hex << cmd;
	}
	EXPECT_EQ(fake::get().calls, 0U) << "no filter ran, nothing was called";
	// Other ioctls (TCGETS, FIONREAD) run directly.
	for (u64 cmd : {0x5401ULL, 0x541BULL}) {
		hypercall hc = make_call(arch(), ioctl_nr);
		hc.args[1] = cmd;
		EXPECT_EQ(run(hc).kind, trap_kind::resume) << std::hex << cmd;
	}
	EXPECT_EQ(fake::get().syscall_calls, 2U);
}

TEST_P(trap_arch_test, numbers_beyond_the_table_go_to_user_space)
{
	for (u32 nr : {451U, x86_64::x32_syscall_bit | 1U, 0x7effffffU}) {
		const hypercall hc = make_call(arch(), nr);
		EXPECT_EQ(run(hc), handed(syscall_why::user_only, hc)) << nr;
	}
	expect_untouched();
}

// sys_ni_syscall after the filters: native seccomp sees these numbers too.
TEST_P(trap_arch_test, deny_syscalls_return_enosys_after_seccomp)
{
	const u32 nrs[] = {arch() == syscall_arch::arm64 ? 42U : 134U, 400U, 423U, 0xffffffffU};
	for (u32 nr : nrs) {
		const hypercall hc = make_call(arch(), nr);
		EXPECT_EQ(run(hc), resumed(-L::enosys)) << nr;
		EXPECT_EQ(fake::get().last_filter_data.nr, int32_t(nr));
	}
	EXPECT_EQ(fake::get().filter_runs, std::size(nrs));
	EXPECT_EQ(fake::get().syscall_calls, 0U);
	EXPECT_EQ(fake::get().signal_queries, 0U);
	EXPECT_EQ(stats.denied, std::size(nrs));
	EXPECT_EQ(stats.resumed, std::size(nrs));

	// The filters' verdict comes first, as natively.
	fake::set_filters({L::seccomp_ret_errno | 1});
	EXPECT_EQ(run(make_call(arch(), 400)), resumed(-1));
	fake::set_filters({L::seccomp_ret_kill_thread});
	EXPECT_EQ(run(make_call(arch(), 400)), stopped(stop_reason::seccomp_kill_thread));
}

TEST_P(trap_arch_test, allow_list_not_set_runs_everything_direct)
{
	EXPECT_FALSE(policy.allow_list.active);
	EXPECT_EQ(run(getpid()).kind, trap_kind::resume);
	EXPECT_EQ(fake::get().syscall_calls, 1U);
}

TEST_P(trap_arch_test, allow_list_set_hands_what_is_not_on_it_to_user_space)
{
	policy.allow_list.add(getpid_nr(arch()));
	fake::get().default_result = 5;
	EXPECT_EQ(run(getpid()), resumed(5));

	const hypercall other = make_call(arch(), 0);  // io_setup / read: not on the list
	EXPECT_EQ(run(other), handed(syscall_why::not_allowed, other));
	const hypercall deny = make_call(arch(), 400);  // not a syscall, not on the list
	EXPECT_EQ(run(deny), handed(syscall_why::not_allowed, deny));
	EXPECT_EQ(fake::get().filter_runs, 1U) << "handed calls never ran the filters";
	EXPECT_EQ(fake::get().syscall_calls, 1U);
	EXPECT_EQ(stats.not_allowed, 2U);

	policy.allow_list.add(400);
	EXPECT_EQ(run(deny), resumed(-L::enosys));
	policy.allow_list.clear();
	EXPECT_EQ(run(other), resumed(5));
}

INSTANTIATE_TEST_SUITE_P(arch, trap_arch_test,
			 ::testing::Values(syscall_arch::x86_64, syscall_arch::arm64), arch_name);

}  // namespace
}  // namespace pv::trap::test
