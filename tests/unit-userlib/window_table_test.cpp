// SPDX-License-Identifier: GPL-2.0
// The windowed VMs of run_in_guest (CPUs whose guest-physical width is
// below 47 bits): the 1 GiB windows of host-virtual memory at compact
// guest-physical addresses (userlib window_table), and the guest page
// tables built through them (identity_map with a translation). A model of
// the MMU walks the tables as the hardware does, reading each table at the
// host-virtual address the window of its guest-physical address gives, and
// the end of every walk is checked to reach the host memory of the very
// address the guest used.
#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <gtest/gtest.h>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "page_pool.h"
#include "portvisor/identity_map.hpp"
#include "portvisor/window_table.hpp"

namespace {

using portvisor::identity_map;
using portvisor::window_table;
using pvtest::page_pool;
using status = identity_map::map_status;
using window = window_table::window;

constexpr uint64_t mib2 = identity_map::size_2m;
constexpr uint64_t gib1 = identity_map::size_1g;
constexpr uint64_t phys_40 = 1ULL << 40;  // Bochs corei7_skylake_x, QEMU's default

bool contains(const std::string& s, const std::string& part)
{
	return s.find(part) != std::string::npos;
}

// What the module would be asked: every PV_SET_MEMORY_REGION, checked
// against kmod/vm.c's pv_vm_set_region (alignment, user range inside user
// space, guest range below the CPU's limit, no overlap), refusing on
// request with `refuse`.
struct fake_module {
	uint64_t phys_limit = phys_40;
	int refuse = 0;
	std::vector<window> slots;

	window_table::installer installer()
	{
		return [this](const window& w) -> portvisor::status {
			if (refuse)
				return portvisor::error{refuse, "PV_SET_MEMORY_REGION: refused"};
			const uint64_t task_size_max = (1ULL << 47) - 4096;
			EXPECT_LT(w.slot, PV_MAX_MEMORY_SLOTS);
			EXPECT_EQ(w.guest_phys % 4096, 0U);
			EXPECT_EQ(w.host_base % 4096, 0U);
			EXPECT_EQ(w.size % 4096, 0U);
			EXPECT_GT(w.size, 0U);
			EXPECT_LE(w.host_base + w.size, task_size_max) << std::hex << w.host_base;
			EXPECT_LE(w.guest_phys + w.size, phys_limit);
			for (const window& o : slots) {
				EXPECT_NE(o.slot, w.slot);
				EXPECT_TRUE(w.guest_phys + w.size <= o.guest_phys ||
					    o.guest_phys + o.size <= w.guest_phys);
			}
			slots.push_back(w);
			return std::monostate{};
		};
	}
	// The slot lookup of a stage-2 fault (pv_find_slot): guest-physical to
	// host-virtual.
	std::optional<uint64_t> host_of(uint64_t gpa) const
	{
		for (const window& s : slots)
			if (gpa >= s.guest_phys && gpa - s.guest_phys < s.size)
				return s.host_base + (gpa - s.guest_phys);
		return std::nullopt;
	}
};

// The MMU: a 4-level walk of guest-virtual va from CR3, reading each table
// where the module's slots put its guest-physical address. The
// guest-physical address va reaches, or nullopt.
std::optional<uint64_t> mmu_walk(const fake_module& mod, uint64_t cr3, uint64_t va)
{
	uint64_t table_gpa = cr3;
	for (int level = 4; level >= 1; level--) {
		auto hva = mod.host_of(table_gpa);
		if (!hva)
			return std::nullopt;  // a stage-2 fault on the walk itself
		const auto* t = reinterpret_cast<const uint64_t*>(*hva);
		const uint64_t e = t[(va >> (12 + 9 * (level - 1))) & 511];
		if (!(e & identity_map::pte_present))
			return std::nullopt;
		const uint64_t size = 1ULL << (12 + 9 * (level - 1));
		if (level == 1 || (e & identity_map::pte_large))
			return (e & identity_map::pte_addr_mask & ~(size - 1)) | (va & (size - 1));
		table_gpa = e & identity_map::pte_addr_mask;
	}
	return std::nullopt;
}

TEST(window_table, windows_are_assigned_in_order_of_first_use)
{
	fake_module mod;
	window_table w(mod.installer(), phys_40);
	EXPECT_EQ(w.max_windows(), PV_MAX_MEMORY_SLOTS);
	const uint64_t a = 0x555555554123ULL, b = 0x7ffd12345678ULL, c = 0x400000ULL;
	EXPECT_EQ(w.to_guest_phys(a), 1 * gib1 + (a & (gib1 - 1)));
	EXPECT_EQ(w.to_guest_phys(b), 2 * gib1 + (b & (gib1 - 1)));
	EXPECT_EQ(w.to_guest_phys(c), 3 * gib1 + c);
	// The same GiB again: the same window, no new slot.
	EXPECT_EQ(w.to_guest_phys(a + 0x1000), 1 * gib1 + ((a + 0x1000) & (gib1 - 1)));
	EXPECT_EQ(w.to_guest_phys(b | (gib1 - 1)), 3 * gib1 - 1);
	ASSERT_EQ(mod.slots.size(), 3U);
	ASSERT_EQ(w.windows().size(), 3U);
	const uint64_t bases[3] = {a & ~(gib1 - 1), b & ~(gib1 - 1), 0};
	for (unsigned k = 0; k < 3; k++) {
		const window& win = w.windows()[k];
		EXPECT_EQ(win.slot, k);
		EXPECT_EQ(win.host_base, bases[k]);
		EXPECT_EQ(win.guest_phys, (k + 1) * gib1);
		EXPECT_EQ(win.size, gib1);
		// The module was told exactly that.
		EXPECT_EQ(mod.slots[k].slot, k);
		EXPECT_EQ(mod.slots[k].host_base, bases[k]);
		EXPECT_EQ(mod.slots[k].guest_phys, (k + 1) * gib1);
		EXPECT_EQ(mod.slots[k].size, gib1);
	}
	// And back.
	EXPECT_EQ(w.to_host_virt(2 * gib1 + 0x123), bases[1] + 0x123);
	EXPECT_EQ(w.to_host_virt(1 * gib1), bases[0]);
	EXPECT_EQ(w.to_host_virt(4 * gib1 - 1), gib1 - 1);
	EXPECT_EQ(w.to_host_virt(0x1000), std::nullopt);    // below the first window
	EXPECT_EQ(w.to_host_virt(4 * gib1), std::nullopt);  // past the last
	EXPECT_EQ(w.window_of(b)->slot, 1U);
	EXPECT_EQ(w.window_of(gib1), nullptr);
}

TEST(window_table, find_does_not_assign)
{
	fake_module mod;
	window_table w(mod.installer(), phys_40);
	EXPECT_EQ(w.find_guest_phys(0x400000), std::nullopt);
	EXPECT_TRUE(mod.slots.empty());
	EXPECT_TRUE(w.windows().empty());
	ASSERT_TRUE(w.to_guest_phys(0x400000).has_value());
	EXPECT_EQ(w.find_guest_phys(0x401000), gib1 + 0x401000);
	EXPECT_EQ(w.find_guest_phys(gib1 + 0x1000), std::nullopt);
	EXPECT_EQ(mod.slots.size(), 1U);
}

TEST(window_table, the_window_at_the_top_of_user_space_is_shorter)
{
	fake_module mod;
	window_table w(mod.installer(), phys_40);
	const uint64_t top_base = (1ULL << 47) - gib1;      // 0x7fffc0000000
	const uint64_t last_page = window_table::user_end;  // 0x7ffffffff000
	ASSERT_EQ(last_page, 0x7ffffffff000ULL);
	EXPECT_EQ(w.to_guest_phys(last_page - 8), gib1 + (last_page - 8 - top_base));
	ASSERT_EQ(mod.slots.size(), 1U);
	EXPECT_EQ(mod.slots[0].host_base, top_base);
	EXPECT_EQ(mod.slots[0].size, gib1 - 4096);
	EXPECT_EQ(mod.slots[0].host_base + mod.slots[0].size, last_page);
	// The page past user space has no guest-physical address, and its
	// guest-physical page no host one.
	EXPECT_EQ(w.find_guest_phys(last_page), std::nullopt);
	EXPECT_EQ(w.to_host_virt(2 * gib1 - 4096), std::nullopt);
	EXPECT_EQ(w.to_host_virt(2 * gib1 - 4097), last_page - 1);
	EXPECT_EQ(w.to_guest_phys(last_page), std::nullopt);
	EXPECT_EQ(w.last_error().err, EFAULT);
	EXPECT_TRUE(contains(w.last_error().message, "0x7ffffffff000")) << w.last_error().message;
	EXPECT_EQ(w.to_guest_phys(1ULL << 47), std::nullopt);
	EXPECT_EQ(w.to_guest_phys(0xffff888000000000ULL), std::nullopt);
	EXPECT_EQ(w.last_error().err, EFAULT);
	EXPECT_EQ(mod.slots.size(), 1U);
}

TEST(window_table, the_33rd_window_is_enospc_naming_the_address)
{
	fake_module mod;
	window_table w(mod.installer(), phys_40);
	for (uint64_t k = 0; k < PV_MAX_MEMORY_SLOTS; k++)
		ASSERT_EQ(w.to_guest_phys(0x100000000000ULL + k * gib1 + 0x10),
			  (k + 1) * gib1 + 0x10)
		    << k;
	EXPECT_EQ(mod.slots.size(), PV_MAX_MEMORY_SLOTS);
	const uint64_t one_more = 0x7f1234567000ULL;
	EXPECT_EQ(w.to_guest_phys(one_more), std::nullopt);
	EXPECT_EQ(w.last_error().err, ENOSPC);
	EXPECT_TRUE(contains(w.last_error().message, "0x7f1234567000")) << w.last_error().message;
	EXPECT_TRUE(contains(w.last_error().message, "32")) << w.last_error().message;
	EXPECT_EQ(mod.slots.size(), PV_MAX_MEMORY_SLOTS);  // the module was not asked
	// The windows there still work, and still only they.
	EXPECT_EQ(w.to_guest_phys(0x100000000000ULL + 31 * gib1), 32 * gib1);
	EXPECT_EQ(w.to_guest_phys(one_more + gib1), std::nullopt);
}

TEST(window_table, a_narrow_cpu_has_fewer_windows)
{
	// 32-bit guest-physical addresses: windows at 1, 2 and 3 GiB.
	fake_module mod;
	mod.phys_limit = 1ULL << 32;
	window_table w(mod.installer(), 1ULL << 32);
	EXPECT_EQ(w.max_windows(), 3U);
	for (uint64_t k = 0; k < 3; k++)
		ASSERT_TRUE(w.to_guest_phys(k * gib1).has_value());
	EXPECT_EQ(w.to_guest_phys(3 * gib1), std::nullopt);
	EXPECT_EQ(w.last_error().err, ENOSPC);
	EXPECT_EQ(window_table(nullptr, gib1).max_windows(), 0U);
	EXPECT_EQ(window_table(nullptr, phys_40, 4).max_windows(), 4U);
}

TEST(window_table, a_slot_the_module_refuses_is_no_window)
{
	fake_module mod;
	window_table w(mod.installer(), phys_40);
	mod.refuse = ENOMEM;
	EXPECT_EQ(w.to_guest_phys(0x400000), std::nullopt);
	EXPECT_EQ(w.last_error().err, ENOMEM);
	EXPECT_TRUE(contains(w.last_error().message, "refused")) << w.last_error().message;
	EXPECT_TRUE(w.windows().empty());
	// Once it takes it, the window gets slot 0 after all.
	mod.refuse = 0;
	EXPECT_EQ(w.to_guest_phys(0x400000), gib1 + 0x400000);
	ASSERT_EQ(mod.slots.size(), 1U);
	EXPECT_EQ(mod.slots[0].slot, 0U);
}

// ---- the guest page tables through windows ---------------------------------

TEST(windowed_identity_map, table_pages_and_cr3_are_guest_physical)
{
	page_pool pool;
	fake_module mod;
	window_table w(mod.installer(), phys_40);
	identity_map m(pool.allocator(), mib2, identity_map::lower_half_end, w.translation());
	const uint64_t root = m.root();
	// The root's page is the first thing that needed a window.
	ASSERT_EQ(mod.slots.size(), 1U);
	EXPECT_EQ(mod.slots[0].host_base, pool.base());
	EXPECT_EQ(root, gib1);  // the pool starts at a 1 GiB boundary: its first page
	EXPECT_FALSE(pool.owns(root));

	const uint64_t addr = 0x7ffd12345678ULL;
	ASSERT_EQ(m.map(addr), status::mapped);
	EXPECT_EQ(m.table_pages(), 3U);
	ASSERT_EQ(mod.slots.size(), 2U);  // the region's window
	const uint64_t region_gpa = 2 * gib1 + ((addr & ~(mib2 - 1)) & (gib1 - 1));
	// Each entry holds the guest-physical address of the next table (in the
	// pool's window), the leaf that of the region (in its own window).
	const auto* pml4 = reinterpret_cast<const uint64_t*>(pool.base());
	const uint64_t pml4e = pml4[(addr >> 39) & 511];
	EXPECT_EQ(pml4e & ~identity_map::pte_addr_mask, identity_map::table_flags);
	const uint64_t pdpt_gpa = pml4e & identity_map::pte_addr_mask;
	EXPECT_EQ(pdpt_gpa, gib1 + 4096);
	const auto* pdpt = reinterpret_cast<const uint64_t*>(*w.to_host_virt(pdpt_gpa));
	EXPECT_TRUE(pool.owns(reinterpret_cast<uintptr_t>(pdpt)));
	const uint64_t pd_gpa = pdpt[(addr >> 30) & 511] & identity_map::pte_addr_mask;
	EXPECT_EQ(pd_gpa, gib1 + 2 * 4096);
	const auto* pd = reinterpret_cast<const uint64_t*>(*w.to_host_virt(pd_gpa));
	EXPECT_EQ(pd[(addr >> 21) & 511], region_gpa | identity_map::leaf_flags);
	// translate() is what the MMU reaches, and so is the model's walk.
	EXPECT_EQ(m.translate(addr), region_gpa + (addr & (mib2 - 1)));
	EXPECT_EQ(mmu_walk(mod, root, addr), m.translate(addr));
	EXPECT_EQ(mod.host_of(*m.translate(addr)), addr);
	EXPECT_FALSE(m.is_mapped(addr + mib2));
}

TEST(windowed_identity_map, table_pages_in_several_windows)
{
	// Tables from two pools in different GiBs, in turn: each table entry
	// names its table's own window.
	page_pool a, b;
	ASSERT_NE(a.base() & ~(gib1 - 1), b.base() & ~(gib1 - 1));
	auto from_a = a.allocator(), from_b = b.allocator();
	int n = 0;
	fake_module mod;
	window_table w(mod.installer(), phys_40);
	identity_map m([&]() { return n++ % 2 ? from_b() : from_a(); }, mib2,
		       identity_map::lower_half_end, w.translation());
	const uint64_t addrs[] = {0x400000ULL, 0x7f0000000000ULL, 0x555500000000ULL};
	for (uint64_t x : addrs)
		ASSERT_EQ(m.map(x), status::mapped) << std::hex << x;
	EXPECT_EQ(m.table_pages(), 7U);  // PML4; PDPT+PD; PDPT+PD; PD
	EXPECT_GE(a.used(), 3U);
	EXPECT_GE(b.used(), 3U);
	for (uint64_t x : addrs) {
		auto gpa = mmu_walk(mod, m.root(), x + 0x1234);
		ASSERT_TRUE(gpa.has_value()) << std::hex << x;
		EXPECT_EQ(gpa, m.translate(x + 0x1234));
		EXPECT_EQ(mod.host_of(*gpa), x + 0x1234) << std::hex << x;
	}
	// Two pools and three regions (0x400000 shares no GiB with them).
	EXPECT_EQ(w.windows().size(), 5U);
	std::set<uint64_t> bases;
	for (const window& win : w.windows())
		bases.insert(win.host_base);
	EXPECT_TRUE(bases.count(a.base() & ~(gib1 - 1)));
	EXPECT_TRUE(bases.count(b.base() & ~(gib1 - 1)));
}

TEST(windowed_identity_map, a_1g_leaf_maps_exactly_one_window)
{
	page_pool pool;
	fake_module mod;
	window_table w(mod.installer(), phys_40);
	identity_map m(pool.allocator(), gib1, identity_map::lower_half_end, w.translation());
	const uint64_t addr = 0x5555deadbeefULL, base = addr & ~(gib1 - 1);
	ASSERT_EQ(m.map(addr), status::mapped);
	EXPECT_EQ(m.table_pages(), 2U);
	const window* win = w.window_of(addr);
	ASSERT_NE(win, nullptr);
	EXPECT_EQ(win->host_base, base);
	EXPECT_EQ(m.translate(base), win->guest_phys);
	EXPECT_EQ(m.translate(base + gib1 - 1), win->guest_phys + gib1 - 1);
	EXPECT_EQ(m.translate(addr), win->guest_phys + (addr - base));
	const auto* pdpt = reinterpret_cast<const uint64_t*>(pool.base() + 4096);
	EXPECT_EQ(pdpt[(addr >> 30) & 511], win->guest_phys | identity_map::leaf_flags);
	for (uint64_t off : {uint64_t{0}, uint64_t{0x1000}, gib1 / 2, gib1 - 8}) {
		auto gpa = mmu_walk(mod, m.root(), base + off);
		ASSERT_TRUE(gpa.has_value());
		EXPECT_EQ(mod.host_of(*gpa), base + off);
	}
	EXPECT_FALSE(m.is_mapped(base + gib1));
	// The next GiB is a leaf of its own, in a window of its own.
	ASSERT_EQ(m.map(base + gib1), status::mapped);
	EXPECT_EQ(w.window_of(base + gib1)->guest_phys, m.translate(base + gib1));
	EXPECT_NE(w.window_of(base + gib1)->slot, win->slot);
}

TEST(windowed_identity_map, 2m_leaves_inside_one_window)
{
	page_pool pool;
	fake_module mod;
	window_table w(mod.installer(), phys_40);
	identity_map m(pool.allocator(), mib2, identity_map::lower_half_end, w.translation());
	const uint64_t base = 0x7f0040000000ULL;  // a GiB boundary
	for (uint64_t off : {uint64_t{0}, 7 * mib2, gib1 - mib2})
		ASSERT_EQ(m.map(base + off + 0x123), status::mapped);
	const window* win = w.window_of(base);
	ASSERT_NE(win, nullptr);
	EXPECT_EQ(w.windows().size(), 2U);  // the pool's and this one
	for (uint64_t off : {uint64_t{0}, 7 * mib2, gib1 - mib2}) {
		EXPECT_EQ(m.translate(base + off + 0x4567), win->guest_phys + off + 0x4567);
		auto gpa = mmu_walk(mod, m.root(), base + off + mib2 - 1);
		ASSERT_TRUE(gpa.has_value());
		EXPECT_EQ(mod.host_of(*gpa), base + off + mib2 - 1);
	}
	EXPECT_FALSE(m.is_mapped(base + mib2));
}

TEST(windowed_identity_map, the_top_of_user_space)
{
	for (uint64_t leaf : {mib2, gib1}) {
		page_pool pool;
		fake_module mod;
		window_table w(mod.installer(), phys_40);
		identity_map m(pool.allocator(), leaf, identity_map::lower_half_end,
			       w.translation());
		const uint64_t top = (1ULL << 47) - 1;
		ASSERT_EQ(m.map(top), status::mapped);
		const window* win = w.window_of(top - 4096);
		ASSERT_NE(win, nullptr);
		EXPECT_EQ(win->size, gib1 - 4096);
		// The last user page reaches its memory; the page past user space
		// is mapped by the leaf but has no slot: a stage-2 fault.
		const uint64_t last_user = window_table::user_end - 1;
		EXPECT_EQ(mod.host_of(*mmu_walk(mod, m.root(), last_user)), last_user);
		auto gpa = mmu_walk(mod, m.root(), top);
		ASSERT_TRUE(gpa.has_value());
		EXPECT_EQ(*gpa, win->guest_phys + gib1 - 1);
		EXPECT_EQ(mod.host_of(*gpa), std::nullopt);
	}
}

TEST(windowed_identity_map, no_window_left_maps_nothing)
{
	page_pool pool;
	fake_module mod;
	window_table w(mod.installer(), phys_40, 2);  // the pool's and one more
	identity_map m(pool.allocator(), mib2, identity_map::lower_half_end, w.translation());
	ASSERT_EQ(m.map(0x400000), status::mapped);
	const size_t tables = m.table_pages(), used = pool.used();
	EXPECT_EQ(m.map(0x7f0000000000ULL), status::no_translation);
	EXPECT_EQ(w.last_error().err, ENOSPC);
	EXPECT_TRUE(contains(w.last_error().message, "0x7f0000000000")) << w.last_error().message;
	EXPECT_FALSE(m.is_mapped(0x7f0000000000ULL));
	EXPECT_EQ(m.leaves(), 1U);
	// The tables for it came from the pool's window, which exists: they
	// are linked (empty), and a region of the first window still maps.
	EXPECT_GT(m.table_pages(), tables);
	EXPECT_EQ(m.map(0x600000), status::mapped);
	// Failing again takes no more pages.
	const size_t used_after = pool.used();
	EXPECT_GT(used_after, used);
	EXPECT_EQ(m.map(0x7f0000000000ULL), status::no_translation);
	EXPECT_EQ(m.map(0x7f0000200000ULL), status::no_translation);
	EXPECT_EQ(pool.used(), used_after);
}

TEST(windowed_identity_map, a_table_page_without_a_window_waits_as_a_spare)
{
	page_pool pool;
	fake_module mod;
	window_table w(mod.installer(), phys_40);
	identity_map m(pool.allocator(), mib2, identity_map::lower_half_end, w.translation());
	mod.refuse = EBUSY;
	EXPECT_EQ(m.root(), 0U);
	EXPECT_EQ(m.map(0x400000), status::no_translation);
	EXPECT_EQ(m.map(0x400000), status::no_translation);
	EXPECT_EQ(pool.used(), 1U);  // one page, offered again each time
	EXPECT_EQ(m.table_pages(), 0U);
	mod.refuse = 0;
	ASSERT_EQ(m.map(0x400000), status::mapped);
	EXPECT_EQ(pool.used(), 3U);
	EXPECT_EQ(m.table_pages(), 3U);
	EXPECT_EQ(m.root(), gib1);  // that first page became the root
}

TEST(windowed_identity_map, a_misaligned_translation_is_refused)
{
	page_pool pool;
	identity_map::translation odd{
	    [](uint64_t hv) -> std::optional<uint64_t> { return (hv & (gib1 - 1)) + gib1 + 4096; },
	    // Never needed: new tables are used through their pointers.
	    [](uint64_t) -> std::optional<uint64_t> { return std::nullopt; }};
	identity_map m(pool.allocator(), mib2, identity_map::lower_half_end, odd);
	// Table pages are only 4 KiB aligned anyway; a leaf must be leaf-aligned.
	EXPECT_EQ(m.map(0x400000), status::no_translation);
	EXPECT_EQ(m.leaves(), 0U);
	EXPECT_FALSE(m.is_mapped(0x400000));
	EXPECT_THROW(identity_map(pool.allocator(), mib2, identity_map::lower_half_end,
				  identity_map::translation{odd.to_phys, nullptr}),
		     std::invalid_argument);
}

TEST(windowed_identity_map, mirror_translation_is_the_identity)
{
	// No hooks (mirror VM): CR3, table entries and leaves hold host-virtual
	// addresses, as before windows existed.
	page_pool pool;
	identity_map m(pool.allocator(), gib1);
	const uint64_t addr = 0x7f1234567890ULL;
	ASSERT_EQ(m.map(addr), status::mapped);
	EXPECT_EQ(m.root(), pool.base());
	const auto* pml4 = reinterpret_cast<const uint64_t*>(pool.base());
	EXPECT_EQ(pml4[(addr >> 39) & 511], (pool.base() + 4096) | identity_map::table_flags);
	EXPECT_EQ(m.translate(addr), addr);
}

// Random addresses against a model: every mapped address reaches its own
// host memory through the walk, windows are one per GiB touched, in order.
TEST(windowed_identity_map, random_mappings_reach_their_own_memory)
{
	for (uint64_t leaf : {mib2, gib1}) {
		page_pool pool(1024);
		fake_module mod;
		window_table w(mod.installer(), phys_40);
		identity_map m(pool.allocator(), leaf, identity_map::lower_half_end,
			       w.translation());
		std::mt19937_64 rng(leaf + 1);
		// Up to 41 GiBs with the pool's: more than the windows there are.
		const uint64_t clusters[] = {0x400000ULL, 0x7fe000000000ULL, 0x555555554000ULL,
					     0x7ffff0000000ULL};
		const uint64_t spread = 12 * gib1;
		std::vector<uint64_t> order{pool.base() & ~(gib1 - 1)};
		std::set<uint64_t> regions;
		for (int i = 0; i < 2000; i++) {
			const uint64_t a = clusters[rng() % 4] + (rng() % spread);
			if (a >= window_table::user_end)
				continue;
			const uint64_t g = a & ~(gib1 - 1);
			if (std::find(order.begin(), order.end(), g) == order.end())
				order.push_back(g);
			const bool had = regions.count(a & ~(leaf - 1)) != 0;
			if (order.size() > PV_MAX_MEMORY_SLOTS) {
				ASSERT_EQ(m.map(a), status::no_translation);
				order.pop_back();
				continue;
			}
			ASSERT_EQ(m.map(a), had ? status::already_mapped : status::mapped)
			    << std::hex << a;
			regions.insert(a & ~(leaf - 1));
		}
		ASSERT_EQ(w.windows().size(), order.size());
		EXPECT_EQ(order.size(), PV_MAX_MEMORY_SLOTS);
		for (size_t k = 0; k < order.size(); k++) {
			EXPECT_EQ(w.windows()[k].host_base, order[k]);
			EXPECT_EQ(w.windows()[k].guest_phys, (k + 1) * gib1);
		}
		for (int i = 0; i < 5000; i++) {
			const uint64_t a = clusters[rng() % 4] + (rng() % spread);
			if (a >= window_table::user_end)
				continue;
			const bool want = regions.count(a & ~(leaf - 1)) != 0;
			ASSERT_EQ(m.is_mapped(a), want) << std::hex << a;
			if (want) {
				auto gpa = mmu_walk(mod, m.root(), a);
				ASSERT_TRUE(gpa.has_value());
				ASSERT_EQ(gpa, m.translate(a));
				ASSERT_EQ(mod.host_of(*gpa), a) << std::hex << a;
			}
		}
	}
}

}  // namespace
