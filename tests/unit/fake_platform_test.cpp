// SPDX-License-Identifier: GPL-2.0
// The fake platform door itself: every other host test trusts its counting,
// its faulting user memory and its CPU iteration.
#include "fake_platform.h"

#include <cstring>
#include <gtest/gtest.h>

namespace {

namespace fake = pv::fake;

class fake_platform : public testing::Test {
protected:
	void SetUp() override { fake::reset(); }
	void TearDown() override { fake::reset(); }
};

uint64_t addr(const void* p) { return reinterpret_cast<uintptr_t>(p); }

TEST_F(fake_platform, counts_allocations_of_every_kind)
{
	void* obj = pv_platform_alloc(100);
	void* page = pv_platform_alloc_page();
	void* four = pv_platform_alloc_pages(2);
	ASSERT_NE(obj, nullptr);
	ASSERT_NE(page, nullptr);
	ASSERT_NE(four, nullptr);
	pv_alloc_stats s{};
	pv_platform_alloc_stats(&s);
	EXPECT_EQ(s.bytes, 100U + 4096U + 4U * 4096U);
	EXPECT_EQ(s.objects, 3U);
	EXPECT_EQ(s.pages, 5U);
	EXPECT_EQ(s.total_allocs, 3U);

	pv_platform_free(obj, 100);
	pv_platform_free_page(page);
	pv_platform_free_pages(four, 2);
	pv_platform_alloc_stats(&s);
	EXPECT_EQ(s.bytes, 0U);
	EXPECT_EQ(s.objects, 0U);
	EXPECT_EQ(s.pages, 0U);
	EXPECT_EQ(s.total_allocs, 3U);
	EXPECT_TRUE(fake::misuse().empty());
}

TEST_F(fake_platform, memory_is_zeroed_and_pages_are_aligned)
{
	auto* obj = static_cast<unsigned char*>(pv_platform_alloc(64));
	auto* pages = static_cast<unsigned char*>(pv_platform_alloc_pages(4));
	ASSERT_NE(obj, nullptr);
	ASSERT_NE(pages, nullptr);
	EXPECT_EQ(addr(pages) % (16 * 4096), 0U);
	for (int i = 0; i < 64; i++)
		EXPECT_EQ(obj[i], 0);
	for (int i = 0; i < 16 * 4096; i += 511)
		EXPECT_EQ(pages[i], 0);
	pv_platform_free(obj, 64);
	pv_platform_free_pages(pages, 4);
}

TEST_F(fake_platform, refuses_zero_bytes_and_large_orders_without_counting)
{
	EXPECT_EQ(pv_platform_alloc(0), nullptr);
	EXPECT_EQ(pv_platform_alloc_pages(5), nullptr);
	EXPECT_EQ(fake::alloc_stats().total_allocs, 0U);
}

TEST_F(fake_platform, injected_failure_starts_after_n_allocations)
{
	fake::fail_allocs_after(2);
	void* a = pv_platform_alloc(8);
	void* b = pv_platform_alloc_page();
	EXPECT_NE(a, nullptr);
	EXPECT_NE(b, nullptr);
	EXPECT_EQ(pv_platform_alloc(8), nullptr);
	EXPECT_EQ(pv_platform_alloc_page(), nullptr);
	EXPECT_EQ(pv_platform_alloc_pages(1), nullptr);
	EXPECT_EQ(fake::failed_allocs(), 3U);
	EXPECT_EQ(fake::alloc_stats().objects, 2U);
	fake::never_fail_allocs();
	void* c = pv_platform_alloc(8);
	EXPECT_NE(c, nullptr);
	pv_platform_free(a, 8);
	pv_platform_free_page(b);
	pv_platform_free(c, 8);
}

TEST_F(fake_platform, reports_double_free_and_wrong_size)
{
	void* a = pv_platform_alloc(32);
	pv_platform_free(a, 16);
	ASSERT_EQ(fake::misuse().size(), 1U);
	EXPECT_NE(fake::misuse()[0].find("freed as 16 bytes, allocated as 32"), std::string::npos);
	pv_platform_free(a, 32);
	ASSERT_EQ(fake::misuse().size(), 2U);
	EXPECT_NE(fake::misuse()[1].find("double free"), std::string::npos);
	pv_platform_free(nullptr, 32);  // ignored, as documented
	pv_platform_free_page(nullptr);
	EXPECT_EQ(fake::misuse().size(), 2U);
}

TEST_F(fake_platform, physical_addresses_round_trip_within_pages)
{
	auto* page = static_cast<char*>(pv_platform_alloc_page());
	auto* pages = static_cast<char*>(pv_platform_alloc_pages(3));
	const uint64_t phys = pv_platform_virt_to_phys(page);
	const uint64_t phys8 = pv_platform_virt_to_phys(pages);
	EXPECT_EQ(phys % 4096, 0U);
	EXPECT_EQ(phys8 % (8 * 4096), 0U);  // aligned to the allocation's size
	EXPECT_NE(phys, addr(page));        // physical is not virtual
	EXPECT_EQ(pv_platform_virt_to_phys(pages + 5000), phys8 + 5000);
	EXPECT_EQ(pv_platform_phys_to_virt(phys + 123), page + 123);
	EXPECT_EQ(pv_platform_phys_to_virt(phys8 + 8 * 4096 - 1), pages + 8 * 4096 - 1);
	EXPECT_TRUE(fake::misuse().empty());
	pv_platform_free_page(page);
	pv_platform_free_pages(pages, 3);
}

TEST_F(fake_platform, physical_address_of_non_page_memory_is_misuse)
{
	void* obj = pv_platform_alloc(64);
	EXPECT_EQ(pv_platform_virt_to_phys(obj), ~0ULL);
	EXPECT_EQ(pv_platform_phys_to_virt(0x1234000), nullptr);
	EXPECT_EQ(fake::misuse().size(), 2U);
	pv_platform_free(obj, 64);
}

TEST_F(fake_platform, user_copies_of_host_memory_work)
{
	char src[8] = "abcdefg";
	char dst[8] = {};
	EXPECT_EQ(pv_platform_copy_from_user(dst, addr(src), sizeof(src)), 0);
	EXPECT_STREQ(dst, "abcdefg");
	char out[4] = {};
	EXPECT_EQ(pv_platform_copy_to_user(addr(out), "xyz", 4), 0);
	EXPECT_STREQ(out, "xyz");
	EXPECT_EQ(fake::user_copies(), 2U);
}

TEST_F(fake_platform, null_and_kernel_addresses_fault)
{
	char buf[16] = {};
	EXPECT_EQ(pv_platform_copy_from_user(buf, 0, 4), -PV_EFAULT);
	EXPECT_EQ(pv_platform_copy_to_user(0, buf, 4), -PV_EFAULT);
	EXPECT_EQ(pv_platform_copy_from_user(buf, 4095, 1), -PV_EFAULT);
	EXPECT_EQ(pv_platform_copy_to_user(fake::kernel_base, buf, 4), -PV_EFAULT);
	EXPECT_EQ(pv_platform_copy_from_user(buf, ~0ULL - 3, 8), -PV_EFAULT);  // wraps
	EXPECT_EQ(pv_platform_copy_to_user(0, buf, 0), 0);                     // nothing to copy
}

TEST_F(fake_platform, copy_into_a_bad_range_stops_at_it)
{
	unsigned char buf[16];
	std::memset(buf, 0xAA, sizeof(buf));
	fake::mark_user_bad(addr(buf) + 10, 6);
	unsigned char src[16];
	std::memset(src, 0x11, sizeof(src));
	EXPECT_EQ(pv_platform_copy_to_user(addr(buf), src, 16), -PV_EFAULT);
	EXPECT_EQ(buf[9], 0x11);   // copied up to the fault
	EXPECT_EQ(buf[10], 0xAA);  // and not beyond
	unsigned char dst[16];
	std::memset(dst, 0x55, sizeof(dst));
	EXPECT_EQ(pv_platform_copy_from_user(dst, addr(buf), 16), -PV_EFAULT);
	EXPECT_EQ(dst[9], 0x11);
	EXPECT_EQ(dst[10], 0);  // the kernel zeroes what it could not read
}

TEST_F(fake_platform, read_only_memory_faults_on_writes_only)
{
	char buf[8] = "ro";
	fake::mark_user_read_only(addr(buf), sizeof(buf));
	char dst[8] = {};
	EXPECT_EQ(pv_platform_copy_from_user(dst, addr(buf), sizeof(buf)), 0);
	EXPECT_EQ(pv_platform_copy_to_user(addr(buf), "rw", 3), -PV_EFAULT);
	EXPECT_STREQ(buf, "ro");
}

int record_cpu(void* arg, unsigned int cpu)
{
	auto* seen = static_cast<std::vector<unsigned>*>(arg);
	EXPECT_EQ(fake::current_cpu(), cpu);
	seen->push_back(cpu);
	return 0;
}

TEST_F(fake_platform, on_each_cpu_visits_every_online_cpu_in_order)
{
	fake::set_cpu_count(4);
	EXPECT_EQ(pv_platform_online_cpus(), 4U);
	std::vector<unsigned> seen;
	EXPECT_EQ(pv_platform_on_each_cpu(&record_cpu, &seen), 0);
	EXPECT_EQ(seen, (std::vector<unsigned>{0, 1, 2, 3}));
	EXPECT_EQ(fake::current_cpu(), fake::no_cpu);

	fake::set_online_cpus({0, 2, 7});
	seen.clear();
	EXPECT_EQ(pv_platform_on_each_cpu(&record_cpu, &seen), 0);
	EXPECT_EQ(seen, (std::vector<unsigned>{0, 2, 7}));
	EXPECT_EQ(pv_platform_online_cpus(), 3U);
	EXPECT_EQ(fake::on_each_cpu_calls(), 2U);
}

int stop_on_cpu_two(void* arg, unsigned int cpu)
{
	static_cast<std::vector<unsigned>*>(arg)->push_back(cpu);
	return cpu == 2 ? -PV_EBUSY : 0;
}

TEST_F(fake_platform, on_each_cpu_stops_at_the_first_error)
{
	fake::set_cpu_count(5);
	std::vector<unsigned> seen;
	EXPECT_EQ(pv_platform_on_each_cpu(&stop_on_cpu_two, &seen), -PV_EBUSY);
	EXPECT_EQ(seen, (std::vector<unsigned>{0, 1, 2}));
}

TEST_F(fake_platform, injected_cpu_call_failure_skips_the_rest)
{
	fake::set_cpu_count(4);
	fake::fail_cpu_call(1, -PV_EIO);
	std::vector<unsigned> seen;
	EXPECT_EQ(pv_platform_on_each_cpu(&record_cpu, &seen), -PV_EIO);
	EXPECT_EQ(seen, (std::vector<unsigned>{0}));
}

int read_msr_here(void* arg, unsigned int)
{
	auto* values = static_cast<std::vector<uint64_t>*>(arg);
	uint64_t v = 0;
	values->push_back(pv_platform_rdmsr_safe(0x3A, &v) == 0 ? v : 0xDEAD);
	return 0;
}

TEST_F(fake_platform, rdmsr_answers_from_the_table_per_cpu)
{
	uint64_t v = 0;
	EXPECT_EQ(pv_platform_rdmsr_safe(0x3A, &v), -PV_EIO);
	fake::set_msr(0x3A, 5);
	fake::set_msr_on(1, 0x3A, 1);
	fake::set_cpu_count(3);
	std::vector<uint64_t> values;
	EXPECT_EQ(pv_platform_on_each_cpu(&read_msr_here, &values), 0);
	EXPECT_EQ(values, (std::vector<uint64_t>{5, 1, 5}));
	fake::remove_msr(0x3A);
	EXPECT_EQ(pv_platform_rdmsr_safe(0x3A, &v), -PV_EIO);
}

TEST_F(fake_platform, paging_levels_are_configurable)
{
	EXPECT_EQ(pv_platform_x86_paging_levels(), 4U);
	fake::set_paging_levels(5);
	EXPECT_EQ(pv_platform_x86_paging_levels(), 5U);
}

TEST_F(fake_platform, log_is_captured_per_line)
{
	pv_platform_log(PV_LOG_INFO, "backend %s: %u levels\n", "vmx", 4U);
	pv_platform_log(PV_LOG_ERR, "no %s\n", "luck");
	EXPECT_EQ(fake::log_lines(),
		  (std::vector<std::string>{"backend vmx: 4 levels", "no luck"}));
	EXPECT_EQ(fake::log_levels(), (std::vector<pv_log_level>{PV_LOG_INFO, PV_LOG_ERR}));
	EXPECT_TRUE(fake::misuse().empty());
	fake::clear_log();
	EXPECT_TRUE(fake::log_lines().empty());
}

TEST_F(fake_platform, log_line_without_newline_is_misuse)
{
	pv_platform_log(PV_LOG_WARN, "half a line");
	pv_platform_log(PV_LOG_WARN, "two\nlines\n");
	EXPECT_EQ(fake::misuse().size(), 2U);
}

void count_fold(void* ctx, uint32_t result)
{
	static_cast<std::vector<uint32_t>*>(ctx)->push_back(result);
}

TEST_F(fake_platform, seccomp_filters_fold_in_order_or_fail)
{
	fake::syscalls().filter_results = {0x7fff0000, 0x00050001};
	pv_seccomp_data d{39, 0xc000003e, 0x1000, {1, 2, 3, 4, 5, 6}};
	std::vector<uint32_t> folded;
	EXPECT_EQ(pv_platform_seccomp_run_filters(&d, &count_fold, &folded), 2);
	EXPECT_EQ(folded, fake::syscalls().filter_results);
	ASSERT_EQ(fake::syscalls().filter_runs.size(), 1U);
	EXPECT_EQ(fake::syscalls().filter_runs[0].nr, 39);

	fake::syscalls().filters_error = -PV_EPERM;
	folded.clear();
	EXPECT_EQ(pv_platform_seccomp_run_filters(&d, &count_fold, &folded), -PV_EPERM);
	EXPECT_TRUE(folded.empty());
}

TEST_F(fake_platform, syscall_path_records_what_the_core_asks)
{
	const uint64_t args[6] = {1, 2, 3, 4, 5, 6};
	EXPECT_EQ(pv_platform_run_syscall(nullptr, 39, args), -38);
	fake::syscalls().run_syscall = [](const fake::syscall_call& c) {
		return static_cast<int64_t>(c.args[0] + c.args[5]);
	};
	EXPECT_EQ(pv_platform_run_syscall(nullptr, 0, args), 7);
	ASSERT_EQ(fake::syscalls().syscalls.size(), 2U);
	EXPECT_EQ(fake::syscalls().syscalls[1].args[4], 5U);

	pv_seccomp_data d{60, 0xc000003e, 0x2000, {}};
	pv_platform_seccomp_log(60, 0x7ffc0000);
	pv_platform_seccomp_send_sigsys(&d, 13);
	pv_platform_seccomp_kill(1, &d);
	EXPECT_EQ(fake::syscalls().logged.size(), 1U);
	ASSERT_EQ(fake::syscalls().sigsys.size(), 1U);
	EXPECT_EQ(fake::syscalls().sigsys[0].second, 13);
	ASSERT_EQ(fake::syscalls().kills.size(), 1U);
	EXPECT_TRUE(fake::syscalls().kills[0].first);

	fake::syscalls().pending_signals = {PV_SIGNAL_HANDLER_RESTART, PV_SIGNAL_FATAL};
	EXPECT_EQ(pv_platform_pending_signal(), PV_SIGNAL_HANDLER_RESTART);
	EXPECT_EQ(pv_platform_pending_signal(), PV_SIGNAL_FATAL);
	EXPECT_EQ(pv_platform_pending_signal(), PV_SIGNAL_NONE);
}

TEST_F(fake_platform, reset_forgets_everything)
{
	(void)pv_platform_alloc(10);  // leaked on purpose: reset frees it
	fake::set_cpu_count(8);
	fake::set_msr(0x480, 1);
	pv_platform_log(PV_LOG_INFO, "x\n");
	fake::reset();
	EXPECT_EQ(fake::alloc_stats().objects, 0U);
	EXPECT_EQ(fake::alloc_stats().total_allocs, 0U);
	EXPECT_EQ(pv_platform_online_cpus(), 1U);
	uint64_t v;
	EXPECT_EQ(pv_platform_rdmsr_safe(0x480, &v), -PV_EIO);
	EXPECT_TRUE(fake::log_lines().empty());
}

}  // namespace
