// SPDX-License-Identifier: GPL-2.0
// Descriptors and register values against values computed by hand from the
// manuals' bit layouts (see the format headers for the sections). The leaf
// values are read back from the tables the engine built, not from the
// format functions alone.
#include "arm64-vhe/vhe_probe.h"
#include "stage2_fixture.h"

namespace pv::stage2::test {
namespace {

using encoding = stage2_test;

constexpr u64 gib = 1ULL << 30;

template <class F> void map_ok(page_table<F>& t, u64 gpa, u64 hpa, page_size ps, perm p, mem_type m)
{
	const op_result r = t.map(gpa, hpa, bytes(ps), ps, p, m);
	ASSERT_EQ(r.err, error::ok) << "map " << gpa;
}

// ---- Intel EPT ------------------------------------------------------------------

TEST_F(encoding, ept_leaves_and_tables)
{
	ept_table t;
	ASSERT_EQ(t.init({}), error::ok);
	map_ok(t, 0x5000, 0x12345000, page_size::size_4k, perm::rwx, mem_type::normal_wb);
	map_ok(t, 0x6000, 0xabc000, page_size::size_4k, perm::r, mem_type::device);
	map_ok(t, 0x200000, 0x40200000, page_size::size_2m, perm::rx, mem_type::device);
	map_ok(t, gib, 0x140000000, page_size::size_1g, perm::rw, mem_type::normal_wb);
	map_ok(t, 0x7000, 0xffffffffff000, page_size::size_4k, perm::r, mem_type::normal_wb);

	// 0x12345000 | R W X (0x7) | WB 6 << 3 (0x30) | ignore PAT 1 << 6 (0x40)
	EXPECT_EQ(raw_descriptor(t, 0x5000, 0), 0x12345077ULL);
	// 0xabc000 | R (0x1) | UC 0 << 3, PAT honoured
	EXPECT_EQ(raw_descriptor(t, 0x6000, 0), 0xabc001ULL);
	// 0x40200000 | R X (0x5) | UC | large 1 << 7 (0x80)
	EXPECT_EQ(raw_descriptor(t, 0x200000, 1), 0x40200085ULL);
	// 0x140000000 | R W (0x3) | 0x30 | 0x40 | 0x80
	EXPECT_EQ(raw_descriptor(t, gib, 2), 0x1400000f3ULL);
	// the highest 52-bit page: bits 51:12 all set | R | 0x30 | 0x40
	EXPECT_EQ(raw_descriptor(t, 0x7000, 0), 0x000ffffffffff071ULL);
	// tables: R W X, nothing else in 11:0 nor above bit 51
	for (unsigned h = 1; h < 4; h++) {
		const u64 d = raw_descriptor(t, 0x5000, h);
		EXPECT_EQ(d & 0xfff0000000000fffULL, 0x7ULL) << "height " << h;
		EXPECT_NE(pv_platform_phys_to_virt(d & ept::address_mask), nullptr);
	}
	// protect keeps everything but bits 2:0: 0x12345077 -> 0x12345071
	ASSERT_TRUE(t.protect(0x5000, 0x1000, perm::r).ok());
	EXPECT_EQ(raw_descriptor(t, 0x5000, 0), 0x12345071ULL);
}

TEST_F(encoding, eptp)
{
	// WB (6) in 2:0 | walk length - 1 in 5:3 | A/D enable bit 6
	EXPECT_EQ(ept::eptp(0x10000000, 4, false), 0x1000001eULL);  // 6 | 3 << 3
	EXPECT_EQ(ept::eptp(0x10000000, 4, true), 0x1000005eULL);   // 6 | 3 << 3 | 1 << 6
	EXPECT_EQ(ept::eptp(0x10000000, 5, false), 0x10000026ULL);  // 6 | 4 << 3
	ept_table t;
	ASSERT_EQ(t.init({.levels = 5}), error::ok);
	EXPECT_EQ(ept::eptp(t.root_phys(), t.levels(), false), t.root_phys() | 0x26);
	EXPECT_EQ(t.root_phys() & 0xfff, 0U);
}

// ---- AMD NPT --------------------------------------------------------------------

TEST_F(encoding, npt_leaves_and_tables)
{
	npt_table t;
	ASSERT_EQ(t.init({}), error::ok);
	map_ok(t, 0x5000, 0x12345000, page_size::size_4k, perm::rw, mem_type::normal_wb);
	map_ok(t, 0x6000, 0xabc000, page_size::size_4k, perm::rx, mem_type::device);
	map_ok(t, 0x200000, 0x40200000, page_size::size_2m, perm::rwx, mem_type::normal_wb);
	map_ok(t, gib, 0x140000000, page_size::size_1g, perm::r, mem_type::device);

	// 0x12345000 | P R/W U/S (0x7) | NX 1 << 63; PWT = PCD = PAT = 0: WB
	EXPECT_EQ(raw_descriptor(t, 0x5000, 0), 0x8000000012345007ULL);
	// 0xabc000 | P U/S (0x5) | PWT 0x8 | PCD 0x10 (PAT index 3: UC)
	EXPECT_EQ(raw_descriptor(t, 0x6000, 0), 0xabc01dULL);
	// 0x40200000 | P R/W U/S (0x7) | PS 0x80
	EXPECT_EQ(raw_descriptor(t, 0x200000, 1), 0x40200087ULL);
	// 0x140000000 | P U/S | PWT | PCD | PS (0x9d) | NX
	EXPECT_EQ(raw_descriptor(t, gib, 2), 0x800000014000009dULL);
	// tables: P R/W U/S (nested walks are user accesses), executable
	for (unsigned h = 1; h < 4; h++)
		EXPECT_EQ(raw_descriptor(t, 0x5000, h) & 0xfff0000000000fffULL, 0x7ULL) << h;
	// protect(rx): R/W off, NX off: 0x12345000 | P U/S
	ASSERT_TRUE(t.protect(0x5000, 0x1000, perm::rx).ok());
	EXPECT_EQ(raw_descriptor(t, 0x5000, 0), 0x12345005ULL);
}

TEST_F(encoding, ncr3)
{
	EXPECT_EQ(npt::ncr3(0x10000000), 0x10000000ULL);  // PWT = PCD = 0: WB walks
	npt_table t;
	ASSERT_EQ(t.init({.levels = 5}), error::ok);
	EXPECT_EQ(npt::ncr3(t.root_phys()), t.root_phys());
	EXPECT_EQ(t.levels(), 5U);
	EXPECT_EQ(t.ipa_bits(), 57U);
}

// ---- Arm stage 2 -------------------------------------------------------------------

TEST_F(encoding, arm_leaves_and_tables)
{
	arm_s2_table t;
	ASSERT_EQ(t.init({.ipa_bits = 48}), error::ok);
	map_ok(t, 0x5000, 0x12345000, page_size::size_4k, perm::rw, mem_type::normal_wb);
	map_ok(t, 0x6000, 0xabc000, page_size::size_4k, perm::rx, mem_type::device);
	map_ok(t, 0x200000, 0x40200000, page_size::size_2m, perm::rwx, mem_type::normal_wb);
	map_ok(t, gib, 0x140000000, page_size::size_1g, perm::r, mem_type::device);

	// page: 0b11 | MemAttr 0b1111 << 2 (0x3c) | S2AP 0b11 << 6 (0xc0) |
	// SH 0b11 << 8 (0x300) | AF 1 << 10 (0x400) = 0x7ff, XN 1 << 54
	EXPECT_EQ(raw_descriptor(t, 0x5000, 0), 0x00400000123457ffULL);
	// page: 0b11 | Device-nGnRE 0b0001 << 2 (0x4) | S2AP 0b01 << 6 (0x40) |
	// 0x300 | 0x400 = 0x747, executable
	EXPECT_EQ(raw_descriptor(t, 0x6000, 0), 0xabc747ULL);
	// level-2 block: 0b01 | 0x3c | 0xc0 | 0x300 | 0x400 = 0x7fd
	EXPECT_EQ(raw_descriptor(t, 0x200000, 1), 0x402007fdULL);
	// level-1 block: 0b01 | 0x4 | 0x40 | 0x300 | 0x400 = 0x745 | XN
	EXPECT_EQ(raw_descriptor(t, gib, 2), 0x0040000140000745ULL);
	// tables: 0b11 and the address, no attributes at stage 2
	for (unsigned h = 1; h < 4; h++)
		EXPECT_EQ(raw_descriptor(t, 0x5000, h) & 0xffff000000000fffULL, 0x3ULL) << h;
	// protect(r): S2AP 0b01, XN: 0x7ff - 0x80 -> 0x77f
	ASSERT_TRUE(t.protect(0x5000, 0x1000, perm::r).ok());
	EXPECT_EQ(raw_descriptor(t, 0x5000, 0), 0x004000001234577fULL);
}

TEST_F(encoding, arm_registers)
{
	// VTTBR_EL2: VMID in 63:48, BADDR below
	EXPECT_EQ(arm_s2::vttbr(0x10000000, 5), 0x0005000010000000ULL);
	// VTCR_EL2 = T0SZ | SL0 << 6 | IRGN0 0b01 << 8 | ORGN0 0b01 << 10 |
	//            SH0 0b11 << 12 | TG0 0 << 14 | PS << 16 | RES1 1 << 31
	// 40-bit IPA (start level 1, SL0 1), 40-bit PA (PS 0b010):
	//   24 (0x18) | 0x40 | 0x100 | 0x400 | 0x3000 | 0x20000 | 0x80000000
	EXPECT_EQ(arm_s2::vtcr(40, 40), 0x80023558ULL);
	// 48-bit IPA (start level 0, SL0 0b10), 48-bit PA (PS 0b101):
	//   16 (0x10) | 0x80 | 0x500 | 0x3000 | 0x50000 | 0x80000000
	EXPECT_EQ(arm_s2::vtcr(48, 48), 0x80053590ULL);
	// 39-bit IPA (start level 1), 44-bit PA (PS 0b100):
	//   25 (0x19) | 0x40 | 0x500 | 0x3000 | 0x40000 | 0x80000000
	EXPECT_EQ(arm_s2::vtcr(39, 44), 0x80043559ULL);
	// 32-bit IPA (start level 2, SL0 0), 36-bit PA (PS 0b001):
	//   32 (0x20) | 0 | 0x500 | 0x3000 | 0x10000 | 0x80000000
	EXPECT_EQ(arm_s2::vtcr(32, 36), 0x80013520ULL);
	EXPECT_EQ(arm_s2::vtcr(31, 40), 0U);
	EXPECT_EQ(arm_s2::vtcr(40, 41), 0U);
	EXPECT_EQ(arm_s2::vtcr(49, 48), 0U);
}

struct arm_geometry {
	unsigned ipa, levels, start_level, concatenated, root_order;
	u64 root_entries;
};

TEST_F(encoding, arm_geometry_from_ipa_size)
{
	// root entries = 2^(ipa - (12 + 9 * (levels - 1))); concatenated = entries / 512
	const arm_geometry cases[] = {
	    {48, 4, 0, 1, 0, 512},  {44, 4, 0, 1, 0, 32},   {43, 3, 1, 16, 4, 8192},
	    {42, 3, 1, 8, 3, 4096}, {40, 3, 1, 2, 1, 1024}, {39, 3, 1, 1, 0, 512},
	    {36, 3, 1, 1, 0, 64},   {35, 3, 1, 1, 0, 32},   {34, 2, 2, 16, 4, 8192},
	    {33, 2, 2, 8, 3, 4096}, {32, 2, 2, 4, 2, 2048},
	};
	for (const arm_geometry& c : cases) {
		SCOPED_TRACE(c.ipa);
		EXPECT_EQ(arm_s2::levels_for_ipa(c.ipa), c.levels);
		EXPECT_EQ(arm_s2::start_level(c.levels), c.start_level);
		EXPECT_EQ(arm_s2::concatenated_tables(c.ipa), c.concatenated);
		arm_s2_table t;
		ASSERT_EQ(t.init({.ipa_bits = c.ipa}), error::ok);
		EXPECT_EQ(t.levels(), c.levels);
		EXPECT_EQ(t.root_order(), c.root_order);
		EXPECT_EQ(t.root_entries(), c.root_entries);
		EXPECT_EQ(t.statistics().table_pages, 1ULL << c.root_order);
		EXPECT_EQ(fake::alloc_stats().pages, 1ULL << c.root_order);
		// the root is aligned to its whole size (VTTBR_EL2.BADDR)
		EXPECT_EQ(t.root_phys() & ((0x1000ULL << c.root_order) - 1), 0U);
		// no 1 GiB blocks without a level-1 lookup
		EXPECT_EQ((t.page_sizes() & size_bit(page_size::size_1g)) != 0, c.levels > 2);
	}
	for (unsigned ipa = 32; ipa <= 48; ipa++)
		EXPECT_EQ(arm_s2::levels_for_ipa(ipa), arm64::stage2_levels_for_ipa(ipa)) << ipa;
}

TEST_F(encoding, arm_concatenated_root_top_entry)
{
	arm_s2_table t;
	ASSERT_EQ(t.init({.ipa_bits = 40}), error::ok);
	ASSERT_EQ(t.root_order(), 1U);
	const u64 gpa = (1ULL << 40) - 0x200000;  // last 2 MiB of the IPA space
	map_ok(t, gpa, 0x80000000, page_size::size_2m, perm::rw, mem_type::normal_wb);
	// level-1 index 1023 = entry 511 of the second concatenated table
	const auto* second =
	    static_cast<const u64*>(pv_platform_phys_to_virt(t.root_phys() + 0x1000));
	EXPECT_EQ(second[511] & 3, 3U);  // a table
	EXPECT_EQ(raw_descriptor(t, gpa, 1), 0x800007fdULL | (1ULL << 54));
	translation tr;
	ASSERT_TRUE(t.translate(gpa + 0x1234, tr));
	EXPECT_EQ(tr.hpa, 0x80001234ULL);
	EXPECT_EQ(
	    t.map(1ULL << 40, 0, 0x1000, page_size::size_4k, perm::r, mem_type::normal_wb).err,
	    error::range);
}

}  // namespace
}  // namespace pv::stage2::test
