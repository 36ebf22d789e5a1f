// SPDX-License-Identifier: GPL-2.0
// ioctls of /dev/portvisor (core/src/dev_ioctl.cpp), with the commands as
// user space encodes them (<linux/ioctl.h>): the numbering rules, the sized
// struct protocol, every error, and what the structs carry (docs/abi.md).
#include <cstring>
#include <gtest/gtest.h>
#include <string>

#include "module_fixture.h"
#include "uapi/portvisor.h"

namespace {

namespace fake = pv::fake;
using namespace pv::test;
using pv::core::backend_kind;

constexpr unsigned char canary = 0xA5;

uint64_t addr(const void* p) { return reinterpret_cast<uintptr_t>(p); }

// A caller's buffer, larger than any struct, filled with a canary so that a
// write past what the module may fill shows.
struct user_buffer {
	alignas(8) unsigned char bytes[160];

	user_buffer(uint32_t size, uint32_t flags = 0)
	{
		std::memset(bytes, canary, sizeof(bytes));
		std::memcpy(bytes, &size, sizeof(size));
		std::memcpy(bytes + 4, &flags, sizeof(flags));
	}
	[[nodiscard]] uint64_t arg() const { return addr(bytes); }
	[[nodiscard]] uint32_t size() const
	{
		uint32_t v;
		std::memcpy(&v, bytes, sizeof(v));
		return v;
	}
	// Whether [from, to) still holds the canary.
	[[nodiscard]] bool untouched(size_t from, size_t to = sizeof(bytes)) const
	{
		for (size_t i = from; i < to; i++)
			if (bytes[i] != canary)
				return false;
		return true;
	}
	template <class T> [[nodiscard]] T as() const
	{
		T v;
		std::memcpy(&v, bytes, sizeof(v));
		return v;
	}
};

// A command as an older or newer header would encode it: other size bits.
constexpr unsigned int caps_cmd_with_size(unsigned int size)
{
	return _IOC(_IOC_READ | _IOC_WRITE, PV_IOCTL_TYPE, 0x01, size);
}

class dev_ioctl_unloaded : public module_fixture {};

TEST_F(dev_ioctl_unloaded, every_command_is_enodev)
{
	user_buffer buf(sizeof(pv_capabilities));
	EXPECT_EQ(pv_core_dev_ioctl(PV_GET_API_VERSION, 0), -PV_ENODEV);
	EXPECT_EQ(pv_core_dev_ioctl(PV_GET_CAPABILITIES, buf.arg()), -PV_ENODEV);
	EXPECT_EQ(pv_core_dev_ioctl(PV_GET_STATS, buf.arg()), -PV_ENODEV);
	EXPECT_EQ(pv_core_dev_ioctl(_IO('k', 7), 0), -PV_ENODEV);
	EXPECT_TRUE(buf.untouched(8));
	EXPECT_EQ(fake::user_copies(), 0U);
}

class dev_ioctl : public module_fixture {
protected:
	void SetUp() override
	{
		module_fixture::SetUp();
		next_selection = chose(skylake_x_caps(), 2);
		ASSERT_EQ(pv_core_init(), 0);
		fake::clear_log();
	}
};

TEST_F(dev_ioctl, api_version)
{
	EXPECT_EQ(pv_core_dev_ioctl(PV_GET_API_VERSION, 0), PV_API_VERSION);
	EXPECT_EQ(pv_core_dev_ioctl(PV_GET_API_VERSION, 0xdeadbeef), PV_API_VERSION);  // ignored
	EXPECT_EQ(pv_core_dev_ioctl(_IOC(_IOC_NONE, PV_IOCTL_TYPE, 0x00, 8), 0), PV_API_VERSION);
	EXPECT_EQ(fake::user_copies(), 0U);
}

TEST_F(dev_ioctl, unknown_type_is_enotty)
{
	user_buffer buf(sizeof(pv_capabilities));
	EXPECT_EQ(pv_core_dev_ioctl(_IOWR(0xB8, 0x01, pv_capabilities), buf.arg()), -PV_ENOTTY);
	EXPECT_EQ(pv_core_dev_ioctl(_IOWR(0x00, 0x01, pv_capabilities), buf.arg()), -PV_ENOTTY);
	EXPECT_EQ(pv_core_dev_ioctl(_IO('T', 0x00), 0), -PV_ENOTTY);
	EXPECT_EQ(pv_core_dev_ioctl(0, 0), -PV_ENOTTY);
	EXPECT_TRUE(buf.untouched(8));
	EXPECT_EQ(fake::user_copies(), 0U);
}

TEST_F(dev_ioctl, unknown_number_is_enotty)
{
	user_buffer buf(sizeof(pv_capabilities));
	EXPECT_EQ(pv_core_dev_ioctl(_IOWR(PV_IOCTL_TYPE, 0x03, pv_capabilities), buf.arg()),
		  -PV_ENOTTY);
	EXPECT_EQ(pv_core_dev_ioctl(_IOWR(PV_IOCTL_TYPE, 0x81, pv_capabilities), buf.arg()),
		  -PV_ENOTTY);
	EXPECT_EQ(pv_core_dev_ioctl(_IO(PV_IOCTL_TYPE, 0xFF), 0), -PV_ENOTTY);
	EXPECT_TRUE(buf.untouched(8));
	EXPECT_EQ(fake::user_copies(), 0U);
}

TEST_F(dev_ioctl, wrong_direction_is_enotty)
{
	user_buffer buf(sizeof(pv_capabilities));
	const uint64_t a = buf.arg();
	EXPECT_EQ(pv_core_dev_ioctl(_IOR(PV_IOCTL_TYPE, 0x00, uint32_t), a), -PV_ENOTTY);
	EXPECT_EQ(pv_core_dev_ioctl(_IOW(PV_IOCTL_TYPE, 0x00, uint32_t), a), -PV_ENOTTY);
	EXPECT_EQ(pv_core_dev_ioctl(_IOWR(PV_IOCTL_TYPE, 0x00, uint32_t), a), -PV_ENOTTY);
	EXPECT_EQ(pv_core_dev_ioctl(_IO(PV_IOCTL_TYPE, 0x01), a), -PV_ENOTTY);
	EXPECT_EQ(pv_core_dev_ioctl(_IOR(PV_IOCTL_TYPE, 0x01, pv_capabilities), a), -PV_ENOTTY);
	EXPECT_EQ(pv_core_dev_ioctl(_IOW(PV_IOCTL_TYPE, 0x01, pv_capabilities), a), -PV_ENOTTY);
	EXPECT_EQ(pv_core_dev_ioctl(_IO(PV_IOCTL_TYPE, 0x02), a), -PV_ENOTTY);
	EXPECT_EQ(pv_core_dev_ioctl(_IOR(PV_IOCTL_TYPE, 0x02, pv_module_stats), a), -PV_ENOTTY);
	EXPECT_EQ(pv_core_dev_ioctl(_IOW(PV_IOCTL_TYPE, 0x02, pv_module_stats), a), -PV_ENOTTY);
	EXPECT_TRUE(buf.untouched(8));
	EXPECT_EQ(fake::user_copies(), 0U);
}

TEST_F(dev_ioctl, caps_with_a_bad_pointer_is_efault)
{
	const uint64_t bad_pointers[] = {
	    0, 8, 4095, fake::kernel_base, fake::kernel_base + 0x1000, ~0ULL - 3};
	for (uint64_t bad : bad_pointers)
		EXPECT_EQ(pv_core_dev_ioctl(PV_GET_CAPABILITIES, bad), -PV_EFAULT)
		    << std::hex << bad;
}

TEST_F(dev_ioctl, caps_into_read_only_memory_is_efault)
{
	user_buffer buf(sizeof(pv_capabilities));
	fake::mark_user_read_only(buf.arg(), sizeof(buf.bytes));
	EXPECT_EQ(pv_core_dev_ioctl(PV_GET_CAPABILITIES, buf.arg()), -PV_EFAULT);
	EXPECT_EQ(buf.size(), sizeof(pv_capabilities));
	EXPECT_TRUE(buf.untouched(8));
}

TEST_F(dev_ioctl, caps_running_into_unmapped_memory_is_efault)
{
	user_buffer buf(sizeof(pv_capabilities));
	fake::mark_user_bad(buf.arg() + 64, sizeof(buf.bytes) - 64);
	EXPECT_EQ(pv_core_dev_ioctl(PV_GET_CAPABILITIES, buf.arg()), -PV_EFAULT);
}

TEST_F(dev_ioctl, e2big_size_that_cannot_be_written_back_is_efault)
{
	user_buffer buf(8);
	fake::mark_user_read_only(buf.arg(), sizeof(buf.bytes));
	EXPECT_EQ(pv_core_dev_ioctl(PV_GET_CAPABILITIES, buf.arg()), -PV_EFAULT);
	EXPECT_EQ(buf.size(), 8U);
}

TEST_F(dev_ioctl, caps_flags_must_be_zero)
{
	for (uint32_t flags : {1U, 0x80000000U, ~0U}) {
		user_buffer buf(sizeof(pv_capabilities), flags);
		EXPECT_EQ(pv_core_dev_ioctl(PV_GET_CAPABILITIES, buf.arg()), -PV_EINVAL) << flags;
		EXPECT_EQ(buf.size(), sizeof(pv_capabilities));
		EXPECT_TRUE(buf.untouched(8));
	}
}

TEST_F(dev_ioctl, caps_below_min_size_is_e2big_with_the_size_written_back)
{
	for (uint32_t size : {0U, 4U, 8U, PV_CAPS_MIN_SIZE - 1}) {
		user_buffer buf(size);
		EXPECT_EQ(pv_core_dev_ioctl(PV_GET_CAPABILITIES, buf.arg()), -PV_E2BIG) << size;
		EXPECT_EQ(buf.size(), sizeof(pv_capabilities)) << size;
		EXPECT_TRUE(buf.untouched(8)) << size;
		EXPECT_EQ(buf.as<pv_capabilities>().flags, 0U) << size;  // as the caller left it
	}
}

TEST_F(dev_ioctl, caps_at_min_size_fills_exactly_that)
{
	user_buffer buf(PV_CAPS_MIN_SIZE);
	ASSERT_EQ(pv_core_dev_ioctl(PV_GET_CAPABILITIES, buf.arg()), 0);
	EXPECT_EQ(buf.size(), PV_CAPS_MIN_SIZE);
	EXPECT_TRUE(buf.untouched(PV_CAPS_MIN_SIZE));
	const auto c = buf.as<pv_capabilities>();
	EXPECT_EQ(c.backend, static_cast<uint32_t>(PV_BACKEND_VMX));
	EXPECT_STREQ(c.backend_name, "vmx");
	EXPECT_EQ(c.tlb_tags, 0xFFFFU);
}

TEST_F(dev_ioctl, caps_between_min_and_full_size_fills_what_was_asked)
{
	user_buffer buf(80);
	ASSERT_EQ(pv_core_dev_ioctl(PV_GET_CAPABILITIES, buf.arg()), 0);
	EXPECT_EQ(buf.size(), 80U);
	EXPECT_TRUE(buf.untouched(80));
	const auto c = buf.as<pv_capabilities>();
	EXPECT_EQ(c.reserved[0], 0U);
	EXPECT_EQ(c.reserved[1], 0U);
}

TEST_F(dev_ioctl, caps_at_full_size_report_the_chosen_backend)
{
	user_buffer buf(sizeof(pv_capabilities));
	ASSERT_EQ(pv_core_dev_ioctl(PV_GET_CAPABILITIES, buf.arg()), 0);
	EXPECT_EQ(buf.size(), sizeof(pv_capabilities));
	EXPECT_TRUE(buf.untouched(sizeof(pv_capabilities)));
	const auto c = buf.as<pv_capabilities>();
	EXPECT_EQ(c.flags, 0U);
	EXPECT_EQ(c.backend, static_cast<uint32_t>(PV_BACKEND_VMX));
	EXPECT_EQ(c.stage2_levels, 4U);
	EXPECT_EQ(c.page_sizes, PV_PAGE_SIZE_4K | PV_PAGE_SIZE_2M | PV_PAGE_SIZE_1G);
	EXPECT_EQ(c.features, skylake_x_caps().features | pv::core::kconfig_features());
	EXPECT_EQ(c.tlb_tags, 0xFFFFU);
	EXPECT_EQ(c.guest_phys_bits, 40U);
	EXPECT_EQ(c.host_cpus, 2U);
	EXPECT_EQ(c.reserved0, 0U);
	for (uint64_t r : c.reserved)
		EXPECT_EQ(r, 0U);
	EXPECT_STREQ(c.backend_name, "vmx");
	for (size_t i = std::strlen(c.backend_name); i < sizeof(c.backend_name); i++)
		EXPECT_EQ(c.backend_name[i], '\0') << "byte " << i << " of backend_name";
}

TEST_F(dev_ioctl, caps_larger_than_the_struct_fill_only_the_struct)
{
	user_buffer buf(sizeof(user_buffer::bytes));
	ASSERT_EQ(pv_core_dev_ioctl(PV_GET_CAPABILITIES, buf.arg()), 0);
	EXPECT_EQ(buf.size(), sizeof(pv_capabilities));
	EXPECT_TRUE(buf.untouched(sizeof(pv_capabilities)));
	const auto c = buf.as<pv_capabilities>();
	EXPECT_EQ(c.reserved0, 0U);
	for (uint64_t r : c.reserved)
		EXPECT_EQ(r, 0U);
}

// The size field of the command is not checked: the struct carries its own.
TEST_F(dev_ioctl, size_bits_of_the_command_are_ignored)
{
	user_buffer want(sizeof(pv_capabilities));
	ASSERT_EQ(pv_core_dev_ioctl(PV_GET_CAPABILITIES, want.arg()), 0);
	for (unsigned int size : {0U, 8U, 64U, 200U, 0x3FFFU}) {
		user_buffer buf(sizeof(pv_capabilities));
		ASSERT_EQ(pv_core_dev_ioctl(caps_cmd_with_size(size), buf.arg()), 0) << size;
		EXPECT_EQ(std::memcmp(buf.bytes, want.bytes, sizeof(buf.bytes)), 0) << size;
	}
	EXPECT_EQ(pv_core_dev_ioctl(_IOC(_IOC_READ | _IOC_WRITE, PV_IOCTL_TYPE, 0x02, 8),
				    user_buffer(sizeof(pv_module_stats)).arg()),
		  0);
}

TEST_F(dev_ioctl, backend_name_and_number_follow_the_chosen_kind)
{
	const struct {
		backend_kind kind;
		uint32_t number;
		const char* name;
	} kinds[] = {{backend_kind::svm, PV_BACKEND_SVM, "svm"},
		     {backend_kind::arm64_vhe, PV_BACKEND_ARM64_VHE, "arm64-vhe"}};
	for (const auto& k : kinds) {
		pv_core_exit();
		auto caps = skylake_x_caps();
		caps.kind = k.kind;
		next_selection = chose(caps, 1);
		ASSERT_EQ(pv_core_init(), 0);
		user_buffer buf(sizeof(pv_capabilities));
		ASSERT_EQ(pv_core_dev_ioctl(PV_GET_CAPABILITIES, buf.arg()), 0);
		const auto c = buf.as<pv_capabilities>();
		EXPECT_EQ(c.backend, k.number);
		EXPECT_STREQ(c.backend_name, k.name);
	}
}

void expect_stats_match_fake(const pv_module_stats& s)
{
	const pv_alloc_stats f = fake::alloc_stats();
	EXPECT_EQ(s.alloc_bytes, f.bytes);
	EXPECT_EQ(s.alloc_objects, f.objects);
	EXPECT_EQ(s.alloc_pages, f.pages);
	EXPECT_EQ(s.total_allocs, f.total_allocs);
}

TEST_F(dev_ioctl, stats_are_the_platform_counters)
{
	user_buffer buf(sizeof(pv_module_stats));
	ASSERT_EQ(pv_core_dev_ioctl(PV_GET_STATS, buf.arg()), 0);
	EXPECT_EQ(buf.size(), sizeof(pv_module_stats));
	EXPECT_TRUE(buf.untouched(sizeof(pv_module_stats)));
	auto s = buf.as<pv_module_stats>();
	expect_stats_match_fake(s);
	EXPECT_EQ(s.alloc_objects, 1U);  // the module's own state
	EXPECT_EQ(s.alloc_bytes, sizeof(pv::core::module_state));
	for (uint64_t r : s.reserved)
		EXPECT_EQ(r, 0U);

	void* obj = pv_platform_alloc(100);
	void* page = pv_platform_alloc_page();
	user_buffer more(sizeof(pv_module_stats));
	ASSERT_EQ(pv_core_dev_ioctl(PV_GET_STATS, more.arg()), 0);
	s = more.as<pv_module_stats>();
	expect_stats_match_fake(s);
	EXPECT_EQ(s.alloc_objects, 3U);
	EXPECT_EQ(s.alloc_pages, 1U);
	EXPECT_EQ(s.total_allocs, 3U);
	pv_platform_free(obj, 100);
	pv_platform_free_page(page);
}

TEST_F(dev_ioctl, stats_follow_the_sized_struct_protocol)
{
	user_buffer small(PV_STATS_MIN_SIZE - 1);
	EXPECT_EQ(pv_core_dev_ioctl(PV_GET_STATS, small.arg()), -PV_E2BIG);
	EXPECT_EQ(small.size(), sizeof(pv_module_stats));
	EXPECT_TRUE(small.untouched(8));

	user_buffer min(PV_STATS_MIN_SIZE);
	ASSERT_EQ(pv_core_dev_ioctl(PV_GET_STATS, min.arg()), 0);
	EXPECT_EQ(min.size(), PV_STATS_MIN_SIZE);
	EXPECT_TRUE(min.untouched(PV_STATS_MIN_SIZE));
	EXPECT_EQ(min.as<pv_module_stats>().total_allocs, fake::alloc_stats().total_allocs);

	user_buffer flags(sizeof(pv_module_stats), 2);
	EXPECT_EQ(pv_core_dev_ioctl(PV_GET_STATS, flags.arg()), -PV_EINVAL);
	EXPECT_TRUE(flags.untouched(8));

	EXPECT_EQ(pv_core_dev_ioctl(PV_GET_STATS, 0), -PV_EFAULT);
	EXPECT_EQ(pv_core_dev_ioctl(PV_GET_STATS, fake::kernel_base), -PV_EFAULT);
}

}  // namespace
