// SPDX-License-Identifier: GPL-2.0
// The VMCS portvisor builds (vmcs_build.h) for three capability sets, run
// through the VM-entry checker (vmentry_check.h): a realistic Linux host and
// the guest userlib's run_in_guest sets up pass every check; one thing
// changed at a time makes the right check fail, naming its field and rule.
#include <cstdio>
#include <cstring>
#include <gtest/gtest.h>
#include <string>
#include <vector>

// The hosted uapi header (Linux's __u64, as gtest's headers already define
// it), before vmcs_build.h asks for the freestanding one.
#include "portvisor/guest_detail.hpp"
#include "uapi/portvisor.h"
#include "vmx_cpus.h"
#include "x86_64-vmx/vmcs_build.h"
#include "x86_64-vmx/vmcs_fields.h"
#include "x86_64-vmx/vmentry_check.h"
#include "x86_64-vmx/vmx_caps.h"

namespace {

using namespace pv::vmx;
namespace f = pv::vmx::field;
using pv::u32;
using pv::u64;

constexpr u64 b(unsigned n) { return 1ULL << n; }

// ---- the state portvisor's VMCS is built from ------------------------------

// A Linux x86-64 kernel's state at VM entry: CR0 PE MP ET NE WP AM PG; CR4
// PSE PAE MCE PGE OSFXSR OSXMMEXCPT VMXE FSGSBASE PCIDE OSXSAVE SMEP SMAP
// (UMIP, LA57 and PKE too where the CPU has them); EFER SCE LME LMA NXE;
// Linux's PAT (WB WC UC- UC WB WP UC- WT); the GDT selectors __KERNEL_CS,
// __KERNEL_DS and GDT_ENTRY_TSS; the cpu_entry_area and direct-map addresses
// of 4- or 5-level paging.
host_state linux_host(const cpu_snapshot& cpu)
{
	const bool la57 = cpu.host_paging_levels == 5;
	constexpr u64 cr4_wanted = 0x10 | 0x20 | 0x40 | 0x80 | 0x200 | 0x400 | b(11) | b(13) |
				   b(16) | b(17) | b(18) | b(20) | b(21) | b(22);
	host_state h;
	h.cr0 = 0x80050033;
	h.cr3 = 0x0000000002a1c000;
	h.cr4 = ((cr4_wanted | (la57 ? b(12) : 0)) & cpu.cr4_fixed1) | cpu.cr4_fixed0;
	h.efer = 0xd01;
	h.pat = 0x0407050600070106;
	h.fs_base = 0;
	h.gs_base = la57 ? 0xff11000100c00000 : 0xffff88807fc00000;
	h.tr_base = 0xfffffe0000003000;
	h.gdtr_base = 0xfffffe0000001000;
	h.idtr_base = 0xfffffe0000000000;
	h.sysenter_esp = 0xfffffe0000003000 + 0x6000;
	h.sysenter_eip = 0xffffffff81a01780;
	h.sysenter_cs = 0x10;
	h.cs_selector = 0x10;
	h.ss_selector = 0x18;
	h.tr_selector = 0x40;
	return h;
}

vcpu_resources resources(const vmx_config& cfg)
{
	vcpu_resources r;
	r.eptp = make_eptp(cfg, 0x12345000);
	r.vpid = cfg.vpid ? 1 : 0;
	r.msr_bitmap_pa = cfg.msr_bitmaps ? 0x23456000 : 0;
	r.guest_msr_list_pa = 0x34567000;
	r.host_msr_list_pa = 0x34568000;
	r.msr_list_count = 4;
	r.host_rip = 0xffffffffc0a01000;
	return r;
}

// The system registers of userlib's run_in_guest (make_sregs_x86_64 in
// userlib/src/guest_detail.cpp), with the code and data attributes that
// carry the G bit their 0xffffffff limits need (0xa9b, 0xc93).
pv_sregs_x86_64 userlib_sregs(bool osxsave)
{
	constexpr uint16_t attrib_code64 = 0xa9b, attrib_data = 0xc93, attrib_tss64 = 0x08b,
			   attrib_ldt = 0x082;
	pv_sregs_x86_64 s{};
	const pv_segment flat_data{0, 0xffffffffU, 0x10, attrib_data};
	s.cs = pv_segment{0, 0xffffffffU, 0x08, attrib_code64};
	s.ss = flat_data;
	s.ds = flat_data;
	s.es = flat_data;
	s.fs = pv_segment{0x00007f1234567740, 0xffffffffU, 0, attrib_data};
	s.gs = pv_segment{0, 0xffffffffU, 0, attrib_data};
	s.tr = pv_segment{0, 0x67, 0, attrib_tss64};
	s.ldt = pv_segment{0, 0, 0, attrib_ldt};
	s.cr0 = 0x80050033;
	s.cr3 = 0x5a000;
	s.cr4 = 0x620 | (osxsave ? b(18) : 0);
	s.efer = 0xd00;
	s.pat = 0x0007040600070406;
	return s;
}

struct built {
	cpu_snapshot cpu;
	vmx_config cfg;
	vmcs_image vmcs;
};

// The whole VMCS for a capability set: controls, host and guest state.
built build(const cpu_snapshot& cpu)
{
	built r{cpu, {}, {}};
	const char* why = make_config(cpu, r.cfg);
	EXPECT_EQ(why, nullptr) << why;
	build_controls(r.cfg, resources(r.cfg), r.vmcs);
	build_host_state(r.cfg, linux_host(cpu), r.vmcs);
	const bool osxsave = (cpu.cr4_fixed1 & b(18)) != 0;
	EXPECT_EQ(build_guest_sregs(r.cfg, userlib_sregs(osxsave), r.vmcs), 0);
	// What the run loop writes with the registers (PV_SET_REGS).
	r.vmcs.set(f::guest_rip, 0x0000000000401000);
	r.vmcs.set(f::guest_rsp, 0x00007ffc12345000);
	return r;
}

std::vector<entry_violation> check(const vmcs_image& vmcs, const cpu_snapshot& cpu,
				   unsigned scope = check_all)
{
	std::vector<entry_violation> v(64);
	const unsigned n = check_vm_entry(vmcs, cpu, scope, v.data(), unsigned(v.size()));
	v.resize(n < v.size() ? n : v.size());
	EXPECT_LE(n, 64U);
	return v;
}

std::string describe(const std::vector<entry_violation>& v)
{
	std::string s;
	for (const auto& x : v) {
		char buf[32];
		std::snprintf(buf, sizeof(buf), "\n  field 0x%04x: ", x.field);
		s += buf;
		s += x.rule ? x.rule : "(no rule)";
	}
	return s.empty() ? " none" : s;
}

bool has(const std::vector<entry_violation>& v, u32 field, const char* rule_part)
{
	for (const auto& x : v)
		if (x.field == field && x.rule && std::strstr(x.rule, rule_part))
			return true;
	return false;
}

// ---- the three capability sets pass -----------------------------------------

struct cpu_case {
	const char* name;
	cpu_snapshot (*make)();
};
void PrintTo(const cpu_case& c, std::ostream* os) { *os << c.name; }

const cpu_case cpus[] = {
    {"bochs_skylake_x", pvtest::bochs_skylake_x},
    {"xeon_granite_rapids", pvtest::xeon_granite_rapids},
    {"minimal", pvtest::minimal},
};

class vmcs_for_cpu : public testing::TestWithParam<cpu_case> {};

TEST_P(vmcs_for_cpu, make_config_accepts_the_cpu)
{
	vmx_config cfg;
	const char* why = make_config(GetParam().make(), cfg);
	EXPECT_EQ(why, nullptr) << why;
}

TEST_P(vmcs_for_cpu, built_vmcs_passes_every_entry_check)
{
	const built r = build(GetParam().make());
	const auto v = check(r.vmcs, r.cpu);
	EXPECT_TRUE(v.empty()) << "violations:" << describe(v);
}

TEST_P(vmcs_for_cpu, each_scope_passes_alone)
{
	const built r = build(GetParam().make());
	for (unsigned scope :
	     {unsigned(check_controls), unsigned(check_host), unsigned(check_guest)})
		EXPECT_EQ(check_vm_entry(r.vmcs, r.cpu, scope, nullptr, 0), 0U)
		    << "scope " << scope;
}

// A guest whose CR4 has every bit it may own on this CPU still passes.
TEST_P(vmcs_for_cpu, guest_with_every_owned_cr4_bit_passes)
{
	built r = build(GetParam().make());
	auto s = userlib_sregs(false);
	s.cr4 = (cr4_guest_owned & r.cpu.cr4_fixed1) | b(5);
	ASSERT_EQ(build_guest_sregs(r.cfg, s, r.vmcs), 0);
	const auto v = check(r.vmcs, r.cpu);
	EXPECT_TRUE(v.empty()) << "violations:" << describe(v);
}

TEST_P(vmcs_for_cpu, sregs_round_trip)
{
	const cpu_snapshot cpu = GetParam().make();
	vmx_config cfg;
	ASSERT_EQ(make_config(cpu, cfg), nullptr);
	const pv_sregs_x86_64 in = userlib_sregs((cpu.cr4_fixed1 & b(18)) != 0);
	vmcs_image img;
	ASSERT_EQ(build_guest_sregs(cfg, in, img), 0);
	pv_sregs_x86_64 out;
	std::memset(&out, 0xa5, sizeof(out));
	read_guest_sregs(img, out);
	const pv_segment* const a[] = {&in.cs, &in.ds, &in.es, &in.fs,
				       &in.gs, &in.ss, &in.tr, &in.ldt};
	const pv_segment* const o[] = {&out.cs, &out.ds, &out.es, &out.fs,
				       &out.gs, &out.ss, &out.tr, &out.ldt};
	for (unsigned i = 0; i < 8; i++) {
		SCOPED_TRACE(i);
		EXPECT_EQ(o[i]->base, a[i]->base);
		EXPECT_EQ(o[i]->limit, a[i]->limit);
		EXPECT_EQ(o[i]->selector, a[i]->selector);
		EXPECT_EQ(o[i]->attrib, a[i]->attrib);
	}
	EXPECT_EQ(out.gdt.base, in.gdt.base);
	EXPECT_EQ(out.gdt.limit, in.gdt.limit);
	EXPECT_EQ(out.idt.base, in.idt.base);
	EXPECT_EQ(out.idt.limit, in.idt.limit);
	EXPECT_EQ(out.cr0, in.cr0);
	EXPECT_EQ(out.cr3, in.cr3);
	EXPECT_EQ(out.cr4, in.cr4);
	EXPECT_EQ(out.efer, in.efer);
	EXPECT_EQ(out.pat, in.pat);
	EXPECT_EQ(out.kernel_gs_base, 0U);  // not in the VMCS: the caller fills it
}

TEST_P(vmcs_for_cpu, build_guest_sregs_rejects_what_entry_would_refuse)
{
	const cpu_snapshot cpu = GetParam().make();
	vmx_config cfg;
	ASSERT_EQ(make_config(cpu, cfg), nullptr);
	vmcs_image img;
	auto s = userlib_sregs(false);
	s.cs.attrib &= ~0x200;  // CS without L: not 64-bit code
	EXPECT_EQ(build_guest_sregs(cfg, s, img), -PV_EINVAL);
	s = userlib_sregs(false);
	s.ds.attrib &= ~0x800;  // 0xffffffff limit without G
	EXPECT_EQ(build_guest_sregs(cfg, s, img), -PV_EINVAL);
	s = userlib_sregs(false);
	s.cs.limit = 0x12345;  // G with limit bits 11:0 not all 1
	EXPECT_EQ(build_guest_sregs(cfg, s, img), -PV_EINVAL);
	s = userlib_sregs(false);
	s.tr.attrib = 0x083;  // TR type 3 (a 16-bit TSS)
	EXPECT_EQ(build_guest_sregs(cfg, s, img), -PV_EINVAL);
	s = userlib_sregs(false);
	s.cr4 |= b(23);  // CET: not a bit a guest may own
	EXPECT_EQ(build_guest_sregs(cfg, s, img), -PV_EINVAL);
	// The SYSCALL MSRs (not VMCS state, checked with it): what WRMSR refuses.
	s = userlib_sregs(false);
	s.lstar = 1ULL << 47;
	EXPECT_EQ(build_guest_sregs(cfg, s, img), -PV_EINVAL);
	s = userlib_sregs(false);
	s.cstar = 0x8000000000000000ULL;
	EXPECT_EQ(build_guest_sregs(cfg, s, img), -PV_EINVAL);
	s = userlib_sregs(false);
	s.sfmask = 1ULL << 32;
	EXPECT_EQ(build_guest_sregs(cfg, s, img), -PV_EINVAL);
	s = userlib_sregs(false);
	s.star = ~0ULL;
	s.lstar = 0xffff800000000000ULL;
	s.sfmask = 0xffffffffULL;
	s.efer |= 1;  // SCE
	EXPECT_EQ(build_guest_sregs(cfg, s, img), 0) << "every STAR, the limits of the others";
	// A CR4 bit a guest may own, which this CPU does not allow.
	for (unsigned n = 0; n < 32; n++) {
		if (!(cr4_guest_owned & b(n)) || (cpu.cr4_fixed1 & b(n)))
			continue;
		s = userlib_sregs(false);
		s.cr4 |= b(n);
		EXPECT_EQ(build_guest_sregs(cfg, s, img), -PV_EINVAL) << "CR4 bit " << n;
	}
}

// What userlib's run_in_guest really sends (PV_SET_SREGS) is accepted and
// passes every entry check.
TEST_P(vmcs_for_cpu, userlib_make_sregs_passes)
{
	built r = build(GetParam().make());
	portvisor::detail::guest_cpu_state g;
	g.cr3 = 0x5a000;
	g.fs_base = 0x00007f1234567740;
	g.osxsave = (r.cpu.cr4_fixed1 & b(18)) != 0;
	ASSERT_EQ(build_guest_sregs(r.cfg, portvisor::detail::make_sregs_x86_64(g), r.vmcs), 0);
	const auto v = check(r.vmcs, r.cpu);
	EXPECT_TRUE(v.empty()) << "violations:" << describe(v);
}

INSTANTIATE_TEST_SUITE_P(vmx, vmcs_for_cpu, testing::ValuesIn(cpus),
			 [](const testing::TestParamInfo<cpu_case>& info) {
				 return info.param.name;
			 });

// The CPUs without some CR4 bits make the loop above test something.
TEST(vmx_vmcs, minimal_and_bochs_lack_owned_cr4_bits)
{
	EXPECT_EQ(pvtest::minimal().cr4_fixed1 & b(18), 0U);          // OSXSAVE
	EXPECT_EQ(pvtest::bochs_skylake_x().cr4_fixed1 & b(11), 0U);  // UMIP
}

// ---- make_config -------------------------------------------------------------

TEST(vmx_make_config, what_each_cpu_gets)
{
	vmx_config cfg;
	ASSERT_EQ(make_config(pvtest::bochs_skylake_x(), cfg), nullptr);
	EXPECT_TRUE(cfg.vpid);
	EXPECT_TRUE(cfg.ept_ad);
	EXPECT_TRUE(cfg.msr_bitmaps);
	EXPECT_FALSE(cfg.cr3_exiting);
	EXPECT_EQ(cfg.ept_levels, 4U);
	EXPECT_EQ(cfg.revision, 0x2BU);
	EXPECT_NE(cfg.exit & b(cap::exit_ack_interrupt), 0U);  // the vector comes with the exit

	ASSERT_EQ(make_config(pvtest::xeon_granite_rapids(), cfg), nullptr);
	EXPECT_EQ(cfg.ept_levels, 5U);
	EXPECT_FALSE(cfg.cr3_exiting);

	// Without TRUE controls, CR3-load and CR3-store exiting are forced on.
	ASSERT_EQ(make_config(pvtest::minimal(), cfg), nullptr);
	EXPECT_TRUE(cfg.cr3_exiting);
	EXPECT_NE(cfg.proc & b(cap::proc_cr3_load_exiting), 0U);
	EXPECT_NE(cfg.proc & b(cap::proc_cr3_store_exiting), 0U);
	EXPECT_FALSE(cfg.vpid);
	EXPECT_FALSE(cfg.ept_ad);
	EXPECT_NE(cfg.exit & b(cap::exit_save_debug_controls), 0U);    // default1
	EXPECT_NE(cfg.entry & b(cap::entry_load_debug_controls), 0U);  // default1
}

struct refusal {
	const char* name;
	cpu_snapshot cpu;
	const char* reason;  // a substring of make_config's answer
};
void PrintTo(const refusal& c, std::ostream* os) { *os << c.name; }

template <class F> cpu_snapshot with(cpu_snapshot s, F change)
{
	change(s);
	return s;
}

class vmx_make_config_refuses : public testing::TestWithParam<refusal> {};

TEST_P(vmx_make_config_refuses, naming_the_control)
{
	vmx_config cfg;
	const char* why = make_config(GetParam().cpu, cfg);
	ASSERT_NE(why, nullptr);
	EXPECT_NE(std::strstr(why, GetParam().reason), nullptr) << why;
}

INSTANTIATE_TEST_SUITE_P(
    vmx, vmx_make_config_refuses,
    testing::Values(
	refusal{"no_load_efer_on_entry",
		with(pvtest::bochs_skylake_x(), [](auto& s) { s.entry_ctls &= ~b(32 + 15); }),
		"VM-entry controls"},
	refusal{"no_ia32e_mode_guest",
		with(pvtest::minimal(), [](auto& s) { s.entry_ctls &= ~b(32 + 9); }),
		"VM-entry controls"},
	refusal{"no_load_efer_on_exit",
		with(pvtest::xeon_granite_rapids(), [](auto& s) { s.exit_ctls &= ~b(32 + 21); }),
		"VM-exit controls"},
	refusal{"no_acknowledge_interrupt_on_exit",
		with(pvtest::bochs_skylake_x(), [](auto& s) { s.exit_ctls &= ~b(32 + 15); }),
		"acknowledge the interrupt"},
	refusal{"no_host_address_space_size",
		with(pvtest::minimal(), [](auto& s) { s.exit_ctls &= ~b(32 + 9); }),
		"VM-exit controls"},
	refusal{"no_ept", with(pvtest::bochs_skylake_x(), [](auto& s) { s.procbased2 &= ~b(33); }),
		"no EPT"},
	refusal{"no_mov_dr_exiting",
		with(pvtest::minimal(), [](auto& s) { s.procbased &= ~b(32 + 23); }),
		"primary processor-based"},
	refusal{"no_nmi_exiting",
		with(pvtest::minimal(), [](auto& s) { s.pinbased &= ~b(32 + 3); }), "pin-based"},
	refusal{"tpr_shadow_forced_on",
		with(pvtest::minimal(), [](auto& s) { s.procbased |= b(21) | b(32 + 21); }),
		"forces a processor-based control"},
	refusal{"posted_interrupts_forced_on",
		with(pvtest::bochs_skylake_x(), [](auto& s) { s.pinbased |= b(7) | b(32 + 7); }),
		"posted interrupts"},
	refusal{"entry_to_smm_forced_on",
		with(pvtest::bochs_skylake_x(), [](auto& s) { s.entry_ctls |= b(10); }), "SMM"}),
    [](const testing::TestParamInfo<refusal>& info) { return info.param.name; });

// ---- each group of checks can fail -------------------------------------------

struct violation_case {
	const char* name;
	cpu_snapshot (*cpu)();
	void (*change)(vmcs_image&);
	u32 field;             // the field the violation must name
	const char* rule;      // a substring of its rule
	unsigned exactly = 0;  // when not 0: the number of violations
};
void PrintTo(const violation_case& c, std::ostream* os) { *os << c.name; }

class entry_check_fails : public testing::TestWithParam<violation_case> {};

TEST_P(entry_check_fails, naming_field_and_rule)
{
	const auto& c = GetParam();
	built r = build(c.cpu());
	ASSERT_TRUE(check(r.vmcs, r.cpu).empty()) << "the unchanged VMCS fails";
	c.change(r.vmcs);
	const auto v = check(r.vmcs, r.cpu);
	EXPECT_TRUE(has(v, c.field, c.rule)) << "want field 0x" << std::hex << c.field << " \""
					     << c.rule << "\"; got:" << describe(v);
	if (c.exactly != 0) {
		EXPECT_EQ(v.size(), c.exactly) << describe(v);
	}
	// The rule cites its section of the SDM.
	for (const auto& x : v)
		EXPECT_EQ(std::strncmp(x.rule, "27.", 3), 0) << x.rule;
}

// Helpers for the changes.
void set_bits(vmcs_image& v, u32 field, u64 bits) { v.set(field, v.get(field) | bits); }
void clear_bits(vmcs_image& v, u32 field, u64 bits) { v.set(field, v.get(field) & ~bits); }
void set_type(vmcs_image& v, u32 ar_field, u64 type)
{
	v.set(ar_field, (v.get(ar_field) & ~0xfULL) | type);
}

constexpr auto bochs = &pvtest::bochs_skylake_x;
constexpr auto xeon = &pvtest::xeon_granite_rapids;
constexpr auto minimal = &pvtest::minimal;

constexpr u64 inject_valid = b(31);
constexpr u64 inject(unsigned type, unsigned vector)
{
	return inject_valid | (u64(type) << 8) | vector;
}

const violation_case control_cases[] = {
    // 27.2.1.1: reserved bits of the control words.
    {"pin_control_not_allowed", minimal,
     [](vmcs_image& v) { set_bits(v, f::pin_based_controls, b(cap::pin_posted_interrupts)); },
     f::pin_based_controls, "allowed-1"},
    {"pin_default1_cleared", bochs,
     [](vmcs_image& v) { clear_bits(v, f::pin_based_controls, b(1)); }, f::pin_based_controls,
     "allowed-0", 1},
    {"proc_cr3_exiting_cleared_without_true_controls", minimal,
     [](vmcs_image& v) { clear_bits(v, f::proc_based_controls, b(cap::proc_cr3_load_exiting)); },
     f::proc_based_controls, "allowed-0", 1},
    {"proc_control_not_allowed", bochs,
     [](vmcs_image& v) { set_bits(v, f::proc_based_controls, b(cap::proc_monitor_trap_flag)); },
     f::proc_based_controls, "allowed-1", 1},
    {"proc2_control_not_allowed", bochs,
     [](vmcs_image& v) { set_bits(v, f::secondary_controls, b(19)); }, f::secondary_controls,
     "allowed-1", 1},
    {"cr3_target_count_above_misc", bochs, [](vmcs_image& v) { v.set(f::cr3_target_count, 5); },
     f::cr3_target_count, "CR3-target count", 1},
    {"msr_bitmap_misaligned", bochs, [](vmcs_image& v) { set_bits(v, f::msr_bitmap, 0x800); },
     f::msr_bitmap, "4-KByte aligned", 1},
    {"msr_bitmap_beyond_phys_width", bochs,
     [](vmcs_image& v) { set_bits(v, f::msr_bitmap, b(40)); }, f::msr_bitmap,
     "physical-address width", 1},
    {"io_bitmap_misaligned", bochs,
     [](vmcs_image& v) {
	     set_bits(v, f::proc_based_controls, b(cap::proc_io_bitmaps));
	     v.set(f::io_bitmap_a, 0x1000);
	     v.set(f::io_bitmap_b, 0x2010);
     },
     f::io_bitmap_b, "I/O-bitmap address B must be 4-KByte aligned", 1},
    {"virtual_nmis_without_nmi_exiting", bochs,
     [](vmcs_image& v) {
	     clear_bits(v, f::pin_based_controls, b(cap::pin_nmi_exiting));
	     set_bits(v, f::pin_based_controls, b(cap::pin_virtual_nmis));
     },
     f::pin_based_controls, "\"virtual NMIs\" must be 0", 1},
    {"nmi_window_without_virtual_nmis", bochs,
     [](vmcs_image& v) { set_bits(v, f::proc_based_controls, b(cap::proc_nmi_window_exiting)); },
     f::proc_based_controls, "NMI-window exiting", 1},
    {"x2apic_mode_without_tpr_shadow", bochs,
     [](vmcs_image& v) { set_bits(v, f::secondary_controls, b(cap::proc2_virtualize_x2apic)); },
     f::secondary_controls, "use TPR shadow", 1},
    {"vpid_0", bochs, [](vmcs_image& v) { v.set(f::vpid, 0); }, f::vpid, "VPID must not be 0000H",
     1},
    // The EPT pointer.
    {"eptp_5_level_walk_unsupported", bochs,
     [](vmcs_image& v) { v.set(f::ept_pointer, (v.get(f::ept_pointer) & ~0x38ULL) | (4U << 3)); },
     f::ept_pointer, "page-walk length", 1},
    {"eptp_2_level_walk", xeon,
     [](vmcs_image& v) { v.set(f::ept_pointer, (v.get(f::ept_pointer) & ~0x38ULL) | (1U << 3)); },
     f::ept_pointer, "page-walk length", 1},
    {"eptp_ad_without_capability", minimal,
     [](vmcs_image& v) { set_bits(v, f::ept_pointer, cap::eptp_ad_enable); }, f::ept_pointer,
     "accessed and dirty", 1},
    {"eptp_uncacheable_without_capability", minimal,
     [](vmcs_image& v) { clear_bits(v, f::ept_pointer, 7); }, f::ept_pointer, "memory type", 1},
    {"eptp_write_through", bochs,
     [](vmcs_image& v) { v.set(f::ept_pointer, (v.get(f::ept_pointer) & ~7ULL) | 4); },
     f::ept_pointer, "memory type", 1},
    {"eptp_reserved_bit_7", xeon, [](vmcs_image& v) { set_bits(v, f::ept_pointer, b(7)); },
     f::ept_pointer, "bits 11:7", 1},
    {"eptp_beyond_phys_width", minimal, [](vmcs_image& v) { set_bits(v, f::ept_pointer, b(36)); },
     f::ept_pointer, "physical-address width", 1},
    {"unrestricted_guest_without_ept", bochs,
     [](vmcs_image& v) {
	     set_bits(v, f::secondary_controls, b(cap::proc2_unrestricted_guest));
	     clear_bits(v, f::secondary_controls, b(cap::proc2_enable_ept));
     },
     f::secondary_controls, "\"unrestricted guest\" requires \"enable EPT\"", 1},
    // 27.2.1.2
    {"exit_default1_cleared", minimal,
     [](vmcs_image& v) { clear_bits(v, f::exit_controls, b(cap::exit_save_debug_controls)); },
     f::exit_controls, "allowed-0", 1},
    {"save_preemption_timer_without_timer", bochs,
     [](vmcs_image& v) {
	     set_bits(v, f::exit_controls, b(cap::exit_save_preemption_timer));
	     v.set(f::pin_based_controls,
		   v.get(f::pin_based_controls) & ~u64(b(cap::pin_preemption_timer)));
     },
     f::exit_controls, "save VMX-preemption timer value", 1},
    {"exit_msr_load_misaligned", bochs,
     [](vmcs_image& v) { set_bits(v, f::exit_msr_load_addr, 8); }, f::exit_msr_load_addr,
     "16-byte aligned", 1},
    {"exit_msr_store_list_too_long", minimal,
     [](vmcs_image& v) { v.set(f::exit_msr_store_count, 513); }, f::exit_msr_store_count,
     "exceeds 512", 1},
    {"exit_msr_store_list_ends_beyond_width", minimal,
     [](vmcs_image& v) { v.set(f::exit_msr_store_addr, b(36) - 16); }, f::exit_msr_store_addr,
     "last byte", 1},
    // 27.2.1.3
    {"entry_control_not_allowed", minimal,
     [](vmcs_image& v) { set_bits(v, f::entry_controls, b(cap::entry_load_perf_global_ctrl)); },
     f::entry_controls, "allowed-1", 1},
    {"entry_to_smm", bochs,
     [](vmcs_image& v) { set_bits(v, f::entry_controls, b(cap::entry_to_smm)); }, f::entry_controls,
     "entry to SMM", 1},
    {"deactivate_dual_monitor", bochs,
     [](vmcs_image& v) { set_bits(v, f::entry_controls, b(cap::entry_deactivate_dual_monitor)); },
     f::entry_controls, "dual-monitor", 1},
    {"entry_msr_load_beyond_width", xeon,
     [](vmcs_image& v) { set_bits(v, f::entry_msr_load_addr, b(46)); }, f::entry_msr_load_addr,
     "physical-address width"},
    {"inject_nmi_with_vector_3", bochs,
     [](vmcs_image& v) { v.set(f::entry_interruption_info, inject(2, 3)); },
     f::entry_interruption_info, "NMI must have vector 2", 1},
    {"inject_reserved_type", bochs,
     [](vmcs_image& v) { v.set(f::entry_interruption_info, inject(1, 0x20)); },
     f::entry_interruption_info, "type 1 is reserved", 1},
    {"inject_hardware_exception_vector_32", bochs,
     [](vmcs_image& v) { v.set(f::entry_interruption_info, inject(3, 32)); },
     f::entry_interruption_info, "at most 31", 1},
    {"inject_gp_without_error_code", xeon,
     [](vmcs_image& v) { v.set(f::entry_interruption_info, inject(3, 13)); },
     f::entry_interruption_info, "must deliver an error code", 1},
    {"inject_ud_with_error_code", xeon,
     [](vmcs_image& v) { v.set(f::entry_interruption_info, inject(3, 6) | b(11)); },
     f::entry_interruption_info, "may deliver an error code", 1},
    {"inject_gp_error_code_above_16_bits", xeon,
     [](vmcs_image& v) {
	     v.set(f::entry_interruption_info, inject(3, 13) | b(11));
	     v.set(f::entry_exception_error_code, 0x10000);
     },
     f::entry_exception_error_code, "bits 31:16", 1},
    {"inject_reserved_bit_12", bochs,
     [](vmcs_image& v) { v.set(f::entry_interruption_info, inject(3, 6) | b(12)); },
     f::entry_interruption_info, "bits 30:12", 1},
    {"inject_other_event_without_mtf", bochs,
     [](vmcs_image& v) { v.set(f::entry_interruption_info, inject(7, 0)); },
     f::entry_interruption_info, "monitor trap flag", 1},
    {"inject_software_interrupt_of_length_0_without_misc_30", minimal,
     [](vmcs_image& v) { v.set(f::entry_interruption_info, inject(4, 0x80)); },
     f::entry_instruction_length, "instruction length", 1},
    {"inject_software_exception_of_length_16", bochs,
     [](vmcs_image& v) {
	     v.set(f::entry_interruption_info, inject(6, 3));
	     v.set(f::entry_instruction_length, 16);
     },
     f::entry_instruction_length, "instruction length", 1},
    // 27.2.4
    {"host_address_space_size_0", bochs,
     [](vmcs_image& v) { clear_bits(v, f::exit_controls, b(cap::exit_host_address_space_size)); },
     f::exit_controls, "\"host address-space size\" must be 1"},
};

const violation_case host_cases[] = {
    {"host_cr0_without_pg", minimal, [](vmcs_image& v) { clear_bits(v, f::host_cr0, b(31)); },
     f::host_cr0, "FIXED0", 1},
    {"host_cr4_without_vmxe", bochs, [](vmcs_image& v) { clear_bits(v, f::host_cr4, b(13)); },
     f::host_cr4, "FIXED0", 1},
    {"host_cr4_la57_on_a_cpu_without_it", bochs,
     [](vmcs_image& v) { set_bits(v, f::host_cr4, b(12)); }, f::host_cr4, "FIXED1", 1},
    {"host_cr4_without_pae", xeon, [](vmcs_image& v) { clear_bits(v, f::host_cr4, b(5)); },
     f::host_cr4, "PAE", 1},
    {"host_cr3_beyond_phys_width", minimal, [](vmcs_image& v) { set_bits(v, f::host_cr3, b(36)); },
     f::host_cr3, "physical-address width", 1},
    {"host_sysenter_eip_not_canonical", bochs,
     [](vmcs_image& v) { v.set(f::host_sysenter_eip, 0x0000800000000000); }, f::host_sysenter_eip,
     "canonical", 1},
    {"host_pat_type_2", bochs, [](vmcs_image& v) { v.set(f::host_ia32_pat, 0x0007040600070402); },
     f::host_ia32_pat, "IA32_PAT", 1},
    {"host_efer_reserved_bit", bochs, [](vmcs_image& v) { set_bits(v, f::host_ia32_efer, b(12)); },
     f::host_ia32_efer, "reserved", 1},
    {"host_efer_without_lma", minimal,
     [](vmcs_image& v) { clear_bits(v, f::host_ia32_efer, b(10)); }, f::host_ia32_efer,
     "LMA and LME", 1},
    {"host_tr_selector_0", bochs, [](vmcs_image& v) { v.set(f::host_tr_selector, 0); },
     f::host_tr_selector, "TR selector must not be 0000H", 1},
    {"host_cs_selector_0", xeon, [](vmcs_image& v) { v.set(f::host_cs_selector, 0); },
     f::host_cs_selector, "CS selector must not be 0000H", 1},
    {"host_cs_selector_rpl_3", minimal, [](vmcs_image& v) { v.set(f::host_cs_selector, 0x13); },
     f::host_cs_selector, "RPL", 1},
    {"host_ds_selector_ti", bochs, [](vmcs_image& v) { v.set(f::host_ds_selector, 0x1c); },
     f::host_ds_selector, "TI", 1},
    {"host_gs_base_not_canonical", bochs,
     [](vmcs_image& v) { v.set(f::host_gs_base, 0x0000800000000000); }, f::host_gs_base,
     "canonical", 1},
    {"host_57_bit_base_without_la57", bochs,
     [](vmcs_image& v) { v.set(f::host_gs_base, 0xff11000100c00000); }, f::host_gs_base,
     "canonical", 1},
    {"host_idtr_base_not_canonical_in_57_bits", xeon,
     [](vmcs_image& v) { v.set(f::host_idtr_base, 0xfe00000000000000); }, f::host_idtr_base,
     "canonical", 1},
    {"host_rip_not_canonical", bochs, [](vmcs_image& v) { v.set(f::host_rip, 0x8000000000000000); },
     f::host_rip, "host RIP must be canonical", 1},
};

const violation_case guest_cases[] = {
    // 27.3.1.1
    {"guest_cr0_pg_without_pe", xeon, [](vmcs_image& v) { clear_bits(v, f::guest_cr0, b(0)); },
     f::guest_cr0, "PG requires CR0.PE"},
    {"guest_cr0_without_ne", bochs, [](vmcs_image& v) { clear_bits(v, f::guest_cr0, b(5)); },
     f::guest_cr0, "FIXED0", 1},
    {"guest_cr4_without_vmxe", minimal, [](vmcs_image& v) { clear_bits(v, f::guest_cr4, b(13)); },
     f::guest_cr4, "FIXED0", 1},
    {"guest_cr4_smxe_not_allowed", xeon, [](vmcs_image& v) { set_bits(v, f::guest_cr4, b(14)); },
     f::guest_cr4, "FIXED1", 1},
    {"guest_cr4_without_pae_in_ia32e_mode", bochs,
     [](vmcs_image& v) { clear_bits(v, f::guest_cr4, b(5)); }, f::guest_cr4, "PAE must be 1", 1},
    {"guest_cr3_beyond_phys_width", bochs, [](vmcs_image& v) { set_bits(v, f::guest_cr3, b(40)); },
     f::guest_cr3, "physical-address width", 1},
    {"guest_debugctl_reserved_bit", minimal,
     [](vmcs_image& v) { set_bits(v, f::guest_ia32_debugctl, b(16)); }, f::guest_ia32_debugctl,
     "IA32_DEBUGCTL", 1},
    {"guest_dr7_upper_bits", bochs, [](vmcs_image& v) { set_bits(v, f::guest_dr7, b(32)); },
     f::guest_dr7, "DR7 bits 63:32", 1},
    {"guest_sysenter_esp_not_canonical", xeon,
     [](vmcs_image& v) { v.set(f::guest_sysenter_esp, 0x0000800000000000); }, f::guest_sysenter_esp,
     "canonical", 1},
    {"guest_pat_type_3", bochs, [](vmcs_image& v) { v.set(f::guest_ia32_pat, 0x0007040600070403); },
     f::guest_ia32_pat, "IA32_PAT", 1},
    {"guest_efer_lma_clear_in_ia32e_mode", bochs,
     [](vmcs_image& v) { clear_bits(v, f::guest_ia32_efer, b(10)); }, f::guest_ia32_efer,
     "LMA must equal"},
    {"guest_efer_lme_clear_with_paging", minimal,
     [](vmcs_image& v) { clear_bits(v, f::guest_ia32_efer, b(8)); }, f::guest_ia32_efer,
     "LME must equal LMA", 1},
    {"guest_efer_reserved_bit", xeon, [](vmcs_image& v) { set_bits(v, f::guest_ia32_efer, b(12)); },
     f::guest_ia32_efer, "reserved", 1},
    // 27.3.1.2
    {"guest_tr_selector_ti", bochs, [](vmcs_image& v) { v.set(f::guest_tr_selector, 0x44); },
     f::guest_tr_selector, "TI flag", 1},
    {"guest_ldtr_selector_ti", bochs, [](vmcs_image& v) { v.set(f::guest_ldtr_selector, 0x4); },
     f::guest_ldtr_selector, "TI flag", 1},
    {"guest_ss_rpl_differs_from_cs_rpl", bochs,
     [](vmcs_image& v) { v.set(f::guest_cs_selector, 0x0b); }, f::guest_ss_selector,
     "RPL must equal CS selector RPL", 1},
    {"guest_fs_base_not_canonical", bochs,
     [](vmcs_image& v) { v.set(f::guest_fs_base, 0x0000800000000000); }, f::guest_fs_base,
     "canonical", 1},
    {"guest_cs_base_above_4g", bochs, [](vmcs_image& v) { v.set(f::guest_cs_base, b(32)); },
     f::guest_cs_base, "bits 63:32", 1},
    {"guest_cs_type_3", bochs, [](vmcs_image& v) { set_type(v, f::guest_cs_ar, 3); },
     f::guest_cs_ar, "type must be 9, 11, 13 or 15", 1},
    {"guest_cs_not_present", minimal, [](vmcs_image& v) { clear_bits(v, f::guest_cs_ar, b(7)); },
     f::guest_cs_ar, "P must be 1", 1},
    {"guest_cs_dpl_3_with_ss_dpl_0", xeon,
     [](vmcs_image& v) { set_bits(v, f::guest_cs_ar, 3U << 5); }, f::guest_cs_ar,
     "DPL must equal SS DPL", 1},
    {"guest_cs_l_and_d", bochs, [](vmcs_image& v) { set_bits(v, f::guest_cs_ar, b(14)); },
     f::guest_cs_ar, "L and D/B", 1},
    {"guest_cs_reserved_bit_8", bochs, [](vmcs_image& v) { set_bits(v, f::guest_cs_ar, b(8)); },
     f::guest_cs_ar, "bits 11:8", 1},
    {"guest_cs_limit_without_g", bochs, [](vmcs_image& v) { clear_bits(v, f::guest_cs_ar, b(15)); },
     f::guest_cs_ar, "G must be 1", 1},
    {"guest_ss_type_1", bochs, [](vmcs_image& v) { set_type(v, f::guest_ss_ar, 1); },
     f::guest_ss_ar, "type must be 3 or 7", 1},
    {"guest_ss_dpl_differs_from_rpl", bochs,
     [](vmcs_image& v) { v.set(f::guest_ss_selector, 0x13); }, f::guest_ss_ar,
     "DPL must equal the RPL"},
    {"guest_ds_limit_without_g", minimal,
     [](vmcs_image& v) { clear_bits(v, f::guest_ds_ar, b(15)); }, f::guest_ds_ar, "G must be 1", 1},
    {"guest_es_g_with_limit_not_ending_in_fff", xeon,
     [](vmcs_image& v) { v.set(f::guest_es_limit, 0xfffff000); }, f::guest_es_ar, "G must be", 1},
    {"guest_gs_not_accessed", bochs, [](vmcs_image& v) { set_type(v, f::guest_gs_ar, 2); },
     f::guest_gs_ar, "accessed", 1},
    {"guest_fs_execute_only_code", bochs, [](vmcs_image& v) { set_type(v, f::guest_fs_ar, 9); },
     f::guest_fs_ar, "readable", 1},
    {"guest_ds_dpl_below_rpl", bochs, [](vmcs_image& v) { v.set(f::guest_ds_selector, 0x13); },
     f::guest_ds_ar, "DPL must not be below", 1},
    {"guest_tr_type_3", bochs, [](vmcs_image& v) { set_type(v, f::guest_tr_ar, 3); },
     f::guest_tr_ar, "type must be 11", 1},
    {"guest_tr_unusable", xeon, [](vmcs_image& v) { set_bits(v, f::guest_tr_ar, b(16)); },
     f::guest_tr_ar, "usable", 1},
    {"guest_tr_s_bit", bochs, [](vmcs_image& v) { set_bits(v, f::guest_tr_ar, b(4)); },
     f::guest_tr_ar, "S must be 0", 1},
    {"guest_ldtr_type_3", minimal, [](vmcs_image& v) { set_type(v, f::guest_ldtr_ar, 3); },
     f::guest_ldtr_ar, "type must be 2", 1},
    {"guest_ldtr_base_not_canonical", bochs,
     [](vmcs_image& v) { v.set(f::guest_ldtr_base, 0x0000800000000000); }, f::guest_ldtr_base,
     "canonical", 1},
    // 27.3.1.3
    {"guest_gdtr_limit_above_ffff", bochs,
     [](vmcs_image& v) { v.set(f::guest_gdtr_limit, 0x10000); }, f::guest_gdtr_limit,
     "limit bits 31:16", 1},
    {"guest_idtr_base_not_canonical", xeon,
     [](vmcs_image& v) { v.set(f::guest_idtr_base, 0x0000800000000000); }, f::guest_idtr_base,
     "canonical", 1},
    // 27.3.1.4
    {"guest_rip_not_canonical", bochs,
     [](vmcs_image& v) { v.set(f::guest_rip, 0x0000800000000000); }, f::guest_rip, "canonical", 1},
    {"guest_rip_above_4g_in_compatibility_mode", bochs,
     [](vmcs_image& v) {
	     clear_bits(v, f::guest_cs_ar, b(13));
	     v.set(f::guest_rip, 0x100000000);
     },
     f::guest_rip, "bits 63:32", 1},
    {"guest_rflags_bit_1_clear", bochs, [](vmcs_image& v) { v.set(f::guest_rflags, 0); },
     f::guest_rflags, "bit 1 must be 1", 1},
    {"guest_rflags_reserved_bit_3", minimal,
     [](vmcs_image& v) { set_bits(v, f::guest_rflags, b(3)); }, f::guest_rflags, "reserved", 1},
    {"guest_rflags_vm_in_ia32e_mode", xeon,
     [](vmcs_image& v) { set_bits(v, f::guest_rflags, b(17)); }, f::guest_rflags, "RFLAGS.VM", 1},
    {"guest_if_clear_while_injecting_an_interrupt", bochs,
     [](vmcs_image& v) { v.set(f::entry_interruption_info, inject(0, 0x20)); }, f::guest_rflags,
     "RFLAGS.IF must be 1", 1},
    // 27.3.1.5
    {"guest_activity_state_4", bochs, [](vmcs_image& v) { v.set(f::guest_activity_state, 4); },
     f::guest_activity_state, "must be 0 (active)", 1},
    {"guest_activity_shutdown_unsupported", minimal,
     [](vmcs_image& v) { v.set(f::guest_activity_state, 2); }, f::guest_activity_state,
     "not supported", 1},
    {"guest_hlt_with_sti_blocking", bochs,
     [](vmcs_image& v) {
	     v.set(f::guest_rflags, 0x202);
	     v.set(f::guest_activity_state, 1);
	     v.set(f::guest_interruptibility, 1);
     },
     f::guest_activity_state, "must be active", 1},
    {"guest_hlt_injecting_gp", xeon,
     [](vmcs_image& v) {
	     v.set(f::guest_activity_state, 1);
	     v.set(f::entry_interruption_info, inject(3, 13) | b(11));
     },
     f::guest_activity_state, "HLT: only", 1},
    {"guest_sti_and_mov_ss_blocking", bochs,
     [](vmcs_image& v) {
	     v.set(f::guest_rflags, 0x202);
	     v.set(f::guest_interruptibility, 3);
     },
     f::guest_interruptibility, "cannot both be 1", 1},
    {"guest_sti_blocking_with_if_clear", bochs,
     [](vmcs_image& v) { v.set(f::guest_interruptibility, 1); }, f::guest_interruptibility,
     "requires RFLAGS.IF", 1},
    {"guest_interruptibility_reserved_bit", minimal,
     [](vmcs_image& v) { v.set(f::guest_interruptibility, b(5)); }, f::guest_interruptibility,
     "bits 31:5", 1},
    {"guest_smi_blocking", bochs, [](vmcs_image& v) { v.set(f::guest_interruptibility, b(2)); },
     f::guest_interruptibility, "SMI", 1},
    {"guest_pending_debug_reserved_bit", bochs,
     [](vmcs_image& v) { v.set(f::guest_pending_debug, b(4)); }, f::guest_pending_debug, "reserved",
     1},
    {"guest_single_step_under_sti_blocking_without_bs", bochs,
     [](vmcs_image& v) {
	     v.set(f::guest_rflags, 0x302);
	     v.set(f::guest_interruptibility, 1);
     },
     f::guest_pending_debug, "BS must be 1", 1},
    {"vmcs_link_pointer_0", minimal, [](vmcs_image& v) { v.set(f::vmcs_link_pointer, 0); },
     f::vmcs_link_pointer, "FFFFFFFF_FFFFFFFFH", 1},
};

auto case_name = [](const testing::TestParamInfo<violation_case>& info) { return info.param.name; };

INSTANTIATE_TEST_SUITE_P(controls, entry_check_fails, testing::ValuesIn(control_cases), case_name);
INSTANTIATE_TEST_SUITE_P(host, entry_check_fails, testing::ValuesIn(host_cases), case_name);
INSTANTIATE_TEST_SUITE_P(guest, entry_check_fails, testing::ValuesIn(guest_cases), case_name);

// ---- what the checker lets through --------------------------------------------

// Secondary controls count only when "activate secondary controls" is set.
TEST(vmx_entry_check, secondary_controls_ignored_when_not_activated)
{
	built r = build(pvtest::bochs_skylake_x());
	clear_bits(r.vmcs, f::proc_based_controls, b(cap::proc_activate_secondary));
	r.vmcs.set(f::secondary_controls, 0xffffffff);
	r.vmcs.set(f::ept_pointer, 0);
	const auto v = check(r.vmcs, r.cpu);
	EXPECT_TRUE(v.empty()) << describe(v);
}

// With "unrestricted guest", PE and PG may be 0 whatever CR0_FIXED0 says;
// PG without PE still fails, and only that.
TEST(vmx_entry_check, unrestricted_guest_exempts_pe_and_pg_from_fixed0)
{
	built r = build(pvtest::bochs_skylake_x());
	set_bits(r.vmcs, f::secondary_controls, b(cap::proc2_unrestricted_guest));
	clear_bits(r.vmcs, f::guest_cr0, b(0));
	auto v = check(r.vmcs, r.cpu);
	ASSERT_EQ(v.size(), 1U) << describe(v);
	EXPECT_TRUE(has(v, f::guest_cr0, "PG requires CR0.PE"));
	// Without it, the same CR0 also breaks FIXED0.
	clear_bits(r.vmcs, f::secondary_controls, b(cap::proc2_unrestricted_guest));
	v = check(r.vmcs, r.cpu);
	EXPECT_TRUE(has(v, f::guest_cr0, "FIXED0")) << describe(v);
	// And CS type 3 (data) is a code segment only for unrestricted guests.
	r = build(pvtest::bochs_skylake_x());
	set_bits(r.vmcs, f::secondary_controls, b(cap::proc2_unrestricted_guest));
	set_type(r.vmcs, f::guest_cs_ar, 3);
	v = check(r.vmcs, r.cpu);
	EXPECT_TRUE(v.empty()) << describe(v);
}

// Unusable data segments are not checked; TR must be usable, LDTR need not.
TEST(vmx_entry_check, unusable_segments_are_not_checked)
{
	built r = build(pvtest::minimal());
	for (u32 ar : {u32(f::guest_ds_ar), u32(f::guest_es_ar), u32(f::guest_fs_ar),
		       u32(f::guest_gs_ar), u32(f::guest_ldtr_ar)})
		r.vmcs.set(ar, b(16) | 0xf00);
	r.vmcs.set(f::guest_ldtr_base, 0x0000800000000000);
	r.vmcs.set(f::guest_ds_base, b(40));
	const auto v = check(r.vmcs, r.cpu);
	EXPECT_TRUE(v.empty()) << describe(v);
}

// 57-bit canonical addresses with CR4.LA57 in the same area's CR4 field.
TEST(vmx_entry_check, la57_widens_canonical_addresses)
{
	built r = build(pvtest::xeon_granite_rapids());
	r.vmcs.set(f::host_gs_base, 0xff11000100c00000);
	r.vmcs.set(f::guest_fs_base, 0xff11000100c00000);
	auto v = check(r.vmcs, r.cpu);
	EXPECT_TRUE(has(v, f::guest_fs_base, "canonical")) << describe(v);
	EXPECT_FALSE(has(v, f::host_gs_base, "canonical")) << describe(v);
	set_bits(r.vmcs, f::guest_cr4, b(12));
	v = check(r.vmcs, r.cpu);
	EXPECT_TRUE(v.empty()) << describe(v);
}

// Event injection the SDM allows passes.
TEST(vmx_entry_check, valid_injections_pass)
{
	struct {
		const char* what;
		cpu_snapshot (*cpu)();
		u64 info, error_code, length, rflags;
	} ok[] = {
	    {"external interrupt", pvtest::minimal, inject(0, 0x20), 0, 0, 0x202},
	    {"NMI", pvtest::bochs_skylake_x, inject(2, 2), 0, 0, 2},
	    {"#PF with error code", pvtest::xeon_granite_rapids, inject(3, 14) | b(11), 0xffff, 0,
	     2},
	    {"#UD", pvtest::minimal, inject(3, 6), 0, 0, 2},
	    {"INT3", pvtest::minimal, inject(6, 3), 0, 1, 2},
	    {"INT 0x80 of length 0 (MISC[30])", pvtest::bochs_skylake_x, inject(4, 0x80), 0, 0, 2},
	    {"invalid, with garbage", pvtest::minimal, 0x7fffffff, 0xffffffff, 99, 2},
	};
	for (const auto& c : ok) {
		SCOPED_TRACE(c.what);
		built r = build(c.cpu());
		r.vmcs.set(f::entry_interruption_info, c.info);
		r.vmcs.set(f::entry_exception_error_code, c.error_code);
		r.vmcs.set(f::entry_instruction_length, c.length);
		r.vmcs.set(f::guest_rflags, c.rflags);
		const auto v = check(r.vmcs, r.cpu);
		EXPECT_TRUE(v.empty()) << describe(v);
	}
}

// Every violation is counted; only max are stored, in SDM order.
TEST(vmx_entry_check, counts_all_stores_at_most_max_in_order)
{
	built r = build(pvtest::bochs_skylake_x());
	r.vmcs.set(f::vmcs_link_pointer, 0);                        // guest
	r.vmcs.set(f::host_tr_selector, 0);                         // host
	set_bits(r.vmcs, f::entry_controls, b(cap::entry_to_smm));  // controls
	entry_violation one[1];
	EXPECT_EQ(check_vm_entry(r.vmcs, r.cpu, check_all, one, 1), 3U);
	EXPECT_EQ(one[0].field, u32(f::entry_controls));
	EXPECT_EQ(check_vm_entry(r.vmcs, r.cpu, check_all, nullptr, 0), 3U);
	EXPECT_EQ(check_vm_entry(r.vmcs, r.cpu, check_guest, one, 1), 1U);
	EXPECT_EQ(one[0].field, u32(f::vmcs_link_pointer));
	EXPECT_EQ(check_vm_entry(r.vmcs, r.cpu, check_host, one, 1), 1U);
	EXPECT_EQ(one[0].field, u32(f::host_tr_selector));
}

// An empty VMCS (everything 0) fails in every group, without crashing.
TEST(vmx_entry_check, empty_vmcs_fails_everywhere)
{
	const vmcs_image empty;
	const auto cpu = pvtest::minimal();
	EXPECT_GT(check_vm_entry(empty, cpu, check_controls, nullptr, 0), 0U);
	EXPECT_GT(check_vm_entry(empty, cpu, check_host, nullptr, 0), 0U);
	EXPECT_GT(check_vm_entry(empty, cpu, check_guest, nullptr, 0), 0U);
}

}  // namespace

// The preemption timer bounds a guest that never exits on its own: used
// whenever the CPU has it, with its start value in the VMCS; absent
// otherwise (the minimal set has no timer).
TEST(vmx_vmcs, preemption_timer_used_when_the_cpu_has_it)
{
	using namespace pv::vmx;
	vmx_config cfg{};
	ASSERT_EQ(make_config(pvtest::bochs_skylake_x(), cfg), nullptr);
	EXPECT_NE(cfg.pin & (1U << cap::pin_preemption_timer), 0U);
	vmcs_image img;
	build_controls(cfg, vcpu_resources{}, img);
	EXPECT_EQ(img.get(field::preemption_timer_value), preemption_timer_ticks);

	ASSERT_EQ(make_config(pvtest::minimal(), cfg), nullptr);
	EXPECT_EQ(cfg.pin & (1U << cap::pin_preemption_timer), 0U);
	vmcs_image none;
	build_controls(cfg, vcpu_resources{}, none);
	EXPECT_FALSE(none.has(field::preemption_timer_value));
}
