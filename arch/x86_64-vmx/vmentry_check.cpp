// SPDX-License-Identifier: GPL-2.0
// The checks of Intel SDM Vol. 3C, chapter "VM Entries" (27.2 "Checks on VMX
// Controls and Host-State Area", 27.3.1 "Checks on the Guest State Area";
// 26.2 and 26.3.1 in editions before 2023), as they apply to a 64-bit host
// and a guest that is not in virtual-8086 mode.
//
// What is not checked, because the snapshot does not hold what the rule
// depends on or portvisor never uses the feature: controls whose capability
// MSR is not in cpu_snapshot (tertiary controls, VM functions beyond EPTP
// switching, IA32_VMX_EXIT_CTLS2), the TPR threshold against the virtual-APIC
// page, fields of features portvisor does not enable (PERF_GLOBAL_CTRL,
// BNDCFGS, RTIT_CTL, CET, PKRS, LBR_CTL, UINV), the virtual-8086 segment
// rules, the guest PDPTEs of PAE paging (27.3.1.6) and a VMCS link pointer
// other than FFFFFFFF_FFFFFFFFH (portvisor has no shadow VMCS: any other
// value is reported).
//
// Canonical addresses: 57-bit when CR4.LA57 is set in the CR4 field of the
// same area (host CR4 for host fields, guest CR4 for guest fields), 48-bit
// otherwise. CPUs with 5-level paging accept 57-bit canonical bases whatever
// CR4.LA57 says; this checker is stricter there.
//
// Pure and freestanding: it runs in the module too (PV_SET_SREGS, failed
// entries), so no library, no exceptions, nothing static to construct.
#include "x86_64-vmx/vmentry_check.h"

#include "portvisor/x86/rules.h"

#include "x86_64-vmx/vmcs_fields.h"
#include "x86_64-vmx/vmx_caps.h"

namespace pv::vmx {
namespace {

using namespace cap;
namespace f = field;

constexpr u64 b(unsigned n) { return 1ULL << n; }

// Capability bits this file alone needs (SDM Vol. 3D, Appendix A).
constexpr unsigned basic_any_error_code = 56;  // A.1: any exception with or without error code
constexpr unsigned misc_activity_shutdown = 7, misc_activity_wait_sipi = 8;  // A.6
constexpr unsigned misc_inject_zero_length = 30;                             // A.6
constexpr unsigned proc2_subpage_write = 23;                                 // 25.6.2, Table 25-7

// Register bits.
constexpr u64 cr0_pe = b(0), cr0_pg = b(31);
constexpr u64 cr4_pae = b(5), cr4_la57 = b(12), cr4_pcide = b(17);
constexpr u64 efer_lme = b(8), efer_lma = b(10);
constexpr u64 efer_valid = b(0) | efer_lme | efer_lma | b(11);  // SCE LME LMA NXE (Intel)
constexpr u64 rflags_tf = b(8), rflags_if = b(9), rflags_vm = b(17);
constexpr u64 rflags_reserved0 = ~((1ULL << 22) - 1) | b(15) | b(5) | b(3);
constexpr u64 debugctl_btf = b(1);
constexpr u64 debugctl_reserved = ~0xffffULL | 0x38ULL;  // 63:16 and 5:3

// Access rights (25.4.1, Table 25-2).
constexpr u32 ar_type = 0xfU, ar_s = b(4), ar_p = b(7), ar_l = b(13), ar_db = b(14), ar_g = b(15),
	      ar_unusable = b(16);
constexpr u32 ar_reserved_lo = 0xf00U, ar_reserved_hi = 0xfffe0000U;  // 11:8, 31:17
constexpr unsigned ar_dpl(u32 ar) { return (ar >> 5) & 3U; }

// VM-entry interruption-information field (25.8.3, Table 25-17).
constexpr u32 intr_valid = b(31), intr_deliver_error = b(11), intr_reserved = 0x7ffff000U;
enum : unsigned {
	intr_external = 0,
	intr_reserved_type = 1,
	intr_nmi = 2,
	intr_hw_exception = 3,
	intr_sw_interrupt = 4,
	intr_priv_sw_exception = 5,
	intr_sw_exception = 6,
	intr_other = 7,
};

// Interruptibility state (25.4.2, Table 25-3).
constexpr u32 block_sti = b(0), block_mov_ss = b(1), block_smi = b(2), block_nmi = b(3),
	      block_enclave = b(4), block_reserved = ~0x1fU;
// Activity states (25.4.2).
enum : unsigned { act_active = 0, act_hlt = 1, act_shutdown = 2, act_wait_sipi = 3 };
// Pending debug exceptions (25.4.2, Table 25-4): B3:0 11:4 reserved, BS 14, RTM 16.
constexpr u64 pde_bs = b(14), pde_enabled_bp = b(12), pde_rtm = b(16);
constexpr u64 pde_reserved = 0xff0ULL | b(13) | b(15) | ~((1ULL << 17) - 1);

using x86::canonical;
using x86::valid_pat;

// Whether an exception vector pushes an error code (SDM Vol. 3A 6.15):
// #DF #TS #NP #SS #GP #PF #AC. #CP (21) is left out of both lists: with CET
// it has one, without it the vector is reserved.
[[nodiscard]] constexpr bool error_code_vector(unsigned v)
{
	return v == 8 || (v >= 10 && v <= 14) || v == 17;
}

class checker {
public:
	checker(const vmcs_image& vmcs, const cpu_snapshot& cpu, entry_violation* out, unsigned max)
	    : vmcs_(vmcs), cpu_(cpu), out_(out), max_(max)
	{
		pin_ = u32(read(f::pin_based_controls));
		proc_ = u32(read(f::proc_based_controls));
		proc2_ =
		    (proc_ & b(proc_activate_secondary)) ? u32(read(f::secondary_controls)) : 0;
		exit_ = u32(read(f::exit_controls));
		entry_ = u32(read(f::entry_controls));
		ia32e_guest_ = (entry_ & b(entry_ia32e_mode_guest)) != 0;
		host64_ = (exit_ & b(exit_host_address_space_size)) != 0;
		unrestricted_ = (proc2_ & b(proc2_unrestricted_guest)) != 0;
		guest_cr0_ = read(f::guest_cr0);
		const u32 info = u32(read(f::entry_interruption_info));
		injecting_ = (info & intr_valid) != 0;
		inject_type_ = (info >> 8) & 7U;
		inject_vector_ = info & 0xffU;
		host_width_ = (read(f::host_cr4) & cr4_la57) ? 57 : 48;
		guest_width_ = (read(f::guest_cr4) & cr4_la57) ? 57 : 48;
	}

	void controls()
	{
		execution_controls();
		exit_controls();
		entry_controls();
		address_space_controls();
	}
	void host()
	{
		host_registers();
		host_segments();
		host_address_space();
	}
	void guest()
	{
		guest_registers();
		guest_segments();
		guest_descriptor_tables();
		guest_rip_rflags();
		guest_non_register_state();
	}
	[[nodiscard]] unsigned count() const { return count_; }

private:
	// A field's value as the CPU sees it: VMWRITE drops the bits of the
	// source operand that do not fit the field.
	[[nodiscard]] u64 read(u32 encoding) const
	{
		const u64 v = vmcs_.get(encoding);
		switch (f::width_of(encoding)) {
		case f::width::w16: return v & 0xffffU;
		case f::width::w32: return v & 0xffffffffU;
		default: return v;
		}
	}
	void fail(u32 encoding, const char* rule)
	{
		if (out_ != nullptr && count_ < max_)
			out_[count_] = entry_violation{encoding, rule};
		count_++;
	}
	void require(bool ok, u32 encoding, const char* rule)
	{
		if (!ok)
			fail(encoding, rule);
	}
	[[nodiscard]] bool beyond_phys(u64 addr) const
	{
		return cpu_.phys_addr_bits < 64 && (addr >> cpu_.phys_addr_bits) != 0;
	}
	// A control word against its capability MSR: allowed-0 settings in the
	// low half (1: the control must be 1), allowed-1 in the high half (0:
	// the control must be 0).
	void reserved_controls(u32 value, u64 msr, u32 encoding, const char* forced,
			       const char* not_allowed)
	{
		require((value & u32(msr)) == u32(msr), encoding, forced);
		require((value & ~u32(msr >> 32)) == 0, encoding, not_allowed);
	}
	// A 4-KByte aligned physical address within the physical-address width.
	void page_address(u32 encoding, const char* aligned, const char* width)
	{
		const u64 a = read(encoding);
		require((a & 0xfffU) == 0, encoding, aligned);
		require(!beyond_phys(a), encoding, width);
	}
	// A VM-exit/VM-entry MSR list (27.2.1.2, 27.2.1.3).
	void msr_list(u32 count_field, u32 addr_field, const char* aligned, const char* width,
		      const char* last, const char* too_long)
	{
		const u64 n = read(count_field);
		if (n == 0)
			return;
		const u64 a = read(addr_field);
		require((a & 0xfU) == 0, addr_field, aligned);
		require(!beyond_phys(a), addr_field, width);
		require(!beyond_phys(a + n * 16 - 1), addr_field, last);
		// A.6: beyond the recommended maximum, behaviour is undefined.
		require(n <=
			    512 * (bits(cpu_.misc, misc_max_msr_list_hi, misc_max_msr_list_lo) + 1),
			count_field, too_long);
	}
	[[nodiscard]] bool pin(unsigned n) const { return (pin_ & b(n)) != 0; }
	[[nodiscard]] bool proc(unsigned n) const { return (proc_ & b(n)) != 0; }
	[[nodiscard]] bool proc2(unsigned n) const { return (proc2_ & b(n)) != 0; }
	[[nodiscard]] bool exit_ctl(unsigned n) const { return (exit_ & b(n)) != 0; }
	[[nodiscard]] bool entry_ctl(unsigned n) const { return (entry_ & b(n)) != 0; }

	// 27.2.1.1 "VM-Execution Control Fields"
	void execution_controls()
	{
		reserved_controls(
		    pin_, cpu_.pinbased, f::pin_based_controls,
		    "27.2.1.1: pin-based controls: a control the CPU requires (allowed-0 setting "
		    "1) is 0",
		    "27.2.1.1: pin-based controls: a control the CPU does not allow (allowed-1 "
		    "setting 0) is 1");
		reserved_controls(proc_, cpu_.procbased, f::proc_based_controls,
				  "27.2.1.1: primary processor-based controls: a control the CPU "
				  "requires (allowed-0 setting 1) is 0",
				  "27.2.1.1: primary processor-based controls: a control the CPU "
				  "does not allow (allowed-1 setting 0) is 1");
		if (proc(proc_activate_secondary))
			reserved_controls(
			    proc2_, cpu_.procbased2, f::secondary_controls,
			    "27.2.1.1: secondary processor-based controls: a control the "
			    "CPU requires (allowed-0 setting 1) is 0",
			    "27.2.1.1: secondary processor-based controls: a control the "
			    "CPU does not allow (allowed-1 setting 0) is 1");
		require(read(f::cr3_target_count) <=
			    bits(cpu_.misc, misc_cr3_targets_hi, misc_cr3_targets_lo),
			f::cr3_target_count,
			"27.2.1.1: CR3-target count exceeds what IA32_VMX_MISC[24:16] supports");
		if (proc(proc_io_bitmaps)) {
			page_address(f::io_bitmap_a,
				     "27.2.1.1: I/O-bitmap address A must be 4-KByte aligned",
				     "27.2.1.1: I/O-bitmap address A sets bits beyond the "
				     "physical-address width");
			page_address(f::io_bitmap_b,
				     "27.2.1.1: I/O-bitmap address B must be 4-KByte aligned",
				     "27.2.1.1: I/O-bitmap address B sets bits beyond the "
				     "physical-address width");
		}
		if (proc(proc_msr_bitmaps))
			page_address(f::msr_bitmap,
				     "27.2.1.1: MSR-bitmap address must be 4-KByte aligned",
				     "27.2.1.1: MSR-bitmap address sets bits beyond the "
				     "physical-address width");
		if (proc(proc_tpr_shadow)) {
			page_address(f::virtual_apic_address,
				     "27.2.1.1: virtual-APIC address must be 4-KByte aligned",
				     "27.2.1.1: virtual-APIC address sets bits beyond the "
				     "physical-address width");
			if (!proc2(proc2_virtual_interrupt_delivery))
				require((read(f::tpr_threshold) & ~0xfULL) == 0, f::tpr_threshold,
					"27.2.1.1: TPR threshold bits 31:4 must be 0 without "
					"virtual-interrupt delivery");
		} else {
			require(
			    !proc2(proc2_virtualize_x2apic) && !proc2(proc2_apic_register_virt) &&
				!proc2(proc2_virtual_interrupt_delivery),
			    f::secondary_controls,
			    "27.2.1.1: without \"use TPR shadow\", \"virtualize x2APIC mode\", "
			    "\"APIC-register virtualization\" and \"virtual-interrupt delivery\" "
			    "must be 0");
		}
		require(pin(pin_nmi_exiting) || !pin(pin_virtual_nmis), f::pin_based_controls,
			"27.2.1.1: \"virtual NMIs\" must be 0 when \"NMI exiting\" is 0");
		require(pin(pin_virtual_nmis) || !proc(proc_nmi_window_exiting),
			f::proc_based_controls,
			"27.2.1.1: \"NMI-window exiting\" must be 0 when \"virtual NMIs\" is 0");
		if (proc2(proc2_virtualize_apic))
			page_address(f::apic_access_address,
				     "27.2.1.1: APIC-access address must be 4-KByte aligned",
				     "27.2.1.1: APIC-access address sets bits beyond the "
				     "physical-address width");
		require(!proc2(proc2_virtualize_x2apic) || !proc2(proc2_virtualize_apic),
			f::secondary_controls,
			"27.2.1.1: \"virtualize x2APIC mode\" and \"virtualize APIC accesses\" "
			"cannot both be 1");
		require(!proc2(proc2_virtual_interrupt_delivery) ||
			    pin(pin_external_interrupt_exiting),
			f::pin_based_controls,
			"27.2.1.1: \"virtual-interrupt delivery\" requires \"external-interrupt "
			"exiting\"");
		if (pin(pin_posted_interrupts)) {
			require(
			    proc2(proc2_virtual_interrupt_delivery) && exit_ctl(exit_ack_interrupt),
			    f::pin_based_controls,
			    "27.2.1.1: \"process posted interrupts\" requires \"virtual-interrupt "
			    "delivery\" and \"acknowledge interrupt on exit\"");
			require(
			    (read(f::posted_interrupt_vector) & 0xff00U) == 0,
			    f::posted_interrupt_vector,
			    "27.2.1.1: posted-interrupt notification vector bits 15:8 must be 0");
			const u64 desc = read(f::posted_interrupt_descriptor);
			require((desc & 0x3fU) == 0, f::posted_interrupt_descriptor,
				"27.2.1.1: posted-interrupt descriptor address must be 64-byte "
				"aligned");
			require(
			    !beyond_phys(desc), f::posted_interrupt_descriptor,
			    "27.2.1.1: posted-interrupt descriptor address sets bits beyond the "
			    "physical-address width");
		}
		if (proc2(proc2_enable_vpid))
			require(read(f::vpid) != 0, f::vpid,
				"27.2.1.1: VPID must not be 0000H when \"enable VPID\" is 1");
		if (proc2(proc2_enable_ept))
			eptp();
		if (proc2(proc2_enable_pml)) {
			require(proc2(proc2_enable_ept), f::secondary_controls,
				"27.2.1.1: \"enable PML\" requires \"enable EPT\"");
			page_address(f::pml_address,
				     "27.2.1.1: PML address must be 4-KByte aligned",
				     "27.2.1.1: PML address sets bits beyond the physical-address "
				     "width");
		}
		require(!proc2(proc2_unrestricted_guest) || proc2(proc2_enable_ept),
			f::secondary_controls,
			"27.2.1.1: \"unrestricted guest\" requires \"enable EPT\"");
		require(!proc2(proc2_mode_based_execute) || proc2(proc2_enable_ept),
			f::secondary_controls,
			"27.2.1.1: \"mode-based execute control for EPT\" requires \"enable EPT\"");
		require(!proc2(proc2_subpage_write) || proc2(proc2_enable_ept),
			f::secondary_controls,
			"27.2.1.1: \"sub-page write permissions for EPT\" requires \"enable EPT\"");
		if (proc2(proc2_enable_vmfunc) && (read(f::vm_function_controls) & 1U) != 0) {
			require(proc2(proc2_enable_ept), f::vm_function_controls,
				"27.2.1.1: EPTP switching requires \"enable EPT\"");
			page_address(f::eptp_list_address,
				     "27.2.1.1: EPTP-list address must be 4-KByte aligned",
				     "27.2.1.1: EPTP-list address sets bits beyond the "
				     "physical-address width");
		}
		if (proc2(proc2_vmcs_shadowing)) {
			page_address(f::vmread_bitmap,
				     "27.2.1.1: VMREAD-bitmap address must be 4-KByte aligned",
				     "27.2.1.1: VMREAD-bitmap address sets bits beyond the "
				     "physical-address width");
			page_address(f::vmwrite_bitmap,
				     "27.2.1.1: VMWRITE-bitmap address must be 4-KByte aligned",
				     "27.2.1.1: VMWRITE-bitmap address sets bits beyond the "
				     "physical-address width");
		}
		if (proc2(proc2_ept_violation_ve))
			page_address(f::ve_information_address,
				     "27.2.1.1: virtualization-exception information address must "
				     "be 4-KByte aligned",
				     "27.2.1.1: virtualization-exception information address sets "
				     "bits beyond the physical-address width");
	}

	// The EPT pointer (25.6.11), checked when "enable EPT" is 1 (27.2.1.1).
	void eptp()
	{
		const u64 e = read(f::ept_pointer), cap = cpu_.ept_vpid_cap;
		const u64 type = e & 7U;
		require((type == 0 && bit(cap, ept_memtype_uc)) ||
			    (type == 6 && bit(cap, ept_memtype_wb)),
			f::ept_pointer,
			"27.2.1.1: EPTP memory type (bits 2:0) must be UC or WB, as "
			"IA32_VMX_EPT_VPID_CAP bits 8 and 14 allow");
		const u64 walk = (e >> eptp_walk_shift) & 7U;
		require((walk == 3 && bit(cap, ept_walk_4)) || (walk == 4 && bit(cap, ept_walk_5)),
			f::ept_pointer,
			"27.2.1.1: EPTP page-walk length - 1 (bits 5:3) must be 3 (4 levels, "
			"IA32_VMX_EPT_VPID_CAP bit 6) or 4 (5 levels, bit 7)");
		require(!(e & eptp_ad_enable) || bit(cap, ept_ad_flags), f::ept_pointer,
			"27.2.1.1: EPTP bit 6 (accessed and dirty flags) must be 0 without "
			"IA32_VMX_EPT_VPID_CAP bit 21");
		require((e & 0xf80U) == 0, f::ept_pointer, "27.2.1.1: EPTP bits 11:7 must be 0");
		require(!beyond_phys(e), f::ept_pointer,
			"27.2.1.1: EPTP sets bits beyond the physical-address width");
	}

	// 27.2.1.2 "VM-Exit Control Fields"
	void exit_controls()
	{
		reserved_controls(exit_, cpu_.exit_ctls, f::exit_controls,
				  "27.2.1.2: VM-exit controls: a control the CPU requires "
				  "(allowed-0 setting 1) is 0",
				  "27.2.1.2: VM-exit controls: a control the CPU does not allow "
				  "(allowed-1 setting "
				  "0) is 1");
		require(pin(pin_preemption_timer) || !exit_ctl(exit_save_preemption_timer),
			f::exit_controls,
			"27.2.1.2: \"save VMX-preemption timer value\" requires \"activate "
			"VMX-preemption timer\"");
		msr_list(
		    f::exit_msr_store_count, f::exit_msr_store_addr,
		    "27.2.1.2: VM-exit MSR-store address must be 16-byte aligned",
		    "27.2.1.2: VM-exit MSR-store address sets bits beyond the physical-address "
		    "width",
		    "27.2.1.2: the last byte of the VM-exit MSR-store area is beyond the "
		    "physical-address width",
		    "27.2.1.2, A.6: VM-exit MSR-store count exceeds 512 * (IA32_VMX_MISC[27:25] "
		    "+ 1)");
		msr_list(
		    f::exit_msr_load_count, f::exit_msr_load_addr,
		    "27.2.1.2: VM-exit MSR-load address must be 16-byte aligned",
		    "27.2.1.2: VM-exit MSR-load address sets bits beyond the physical-address "
		    "width",
		    "27.2.1.2: the last byte of the VM-exit MSR-load area is beyond the "
		    "physical-address width",
		    "27.2.1.2, A.6: VM-exit MSR-load count exceeds 512 * (IA32_VMX_MISC[27:25] "
		    "+ 1)");
	}

	// 27.2.1.3 "VM-Entry Control Fields"
	void entry_controls()
	{
		reserved_controls(
		    entry_, cpu_.entry_ctls, f::entry_controls,
		    "27.2.1.3: VM-entry controls: a control the CPU requires (allowed-0 setting 1) "
		    "is 0",
		    "27.2.1.3: VM-entry controls: a control the CPU does not allow (allowed-1 "
		    "setting 0) is 1");
		event_injection();
		require(!entry_ctl(entry_to_smm), f::entry_controls,
			"27.2.1.3: \"entry to SMM\" must be 0 outside SMM");
		require(!entry_ctl(entry_deactivate_dual_monitor), f::entry_controls,
			"27.2.1.3: \"deactivate dual-monitor treatment\" must be 0 outside SMM");
		msr_list(
		    f::entry_msr_load_count, f::entry_msr_load_addr,
		    "27.2.1.3: VM-entry MSR-load address must be 16-byte aligned",
		    "27.2.1.3: VM-entry MSR-load address sets bits beyond the physical-address "
		    "width",
		    "27.2.1.3: the last byte of the VM-entry MSR-load area is beyond the "
		    "physical-address width",
		    "27.2.1.3, A.6: VM-entry MSR-load count exceeds 512 * (IA32_VMX_MISC[27:25] "
		    "+ 1)");
	}

	// The VM-entry interruption-information field, when valid (27.2.1.3).
	void event_injection()
	{
		if (!injecting_)
			return;
		constexpr u32 info = f::entry_interruption_info;
		const unsigned type = inject_type_, vector = inject_vector_;
		const u32 value = u32(read(info));
		require(type != intr_reserved_type, info,
			"27.2.1.3: event injection: interruption type 1 is reserved");
		require(type != intr_other || allowed1(cpu_.procbased, proc_monitor_trap_flag),
			info,
			"27.2.1.3: event injection: type 7 (other event) needs the \"monitor trap "
			"flag\" control to be supported");
		require(type != intr_nmi || vector == 2, info,
			"27.2.1.3: event injection: an NMI must have vector 2");
		require(type != intr_hw_exception || vector <= 31, info,
			"27.2.1.3: event injection: a hardware exception must have a vector of at "
			"most 31");
		require(type != intr_other || vector == 0, info,
			"27.2.1.3: event injection: an other event (type 7) must have vector 0");
		const bool deliver = (value & intr_deliver_error) != 0;
		const bool any_error_code = bit(cpu_.basic, basic_any_error_code);
		const bool pe = (guest_cr0_ & cr0_pe) != 0;
		if (type == intr_hw_exception && pe && !any_error_code && error_code_vector(vector))
			require(deliver, info,
				"27.2.1.3: event injection: #DF, #TS, #NP, #SS, #GP, #PF and #AC "
				"in protected mode must deliver an error code");
		if (type != intr_hw_exception || !pe ||
		    (!any_error_code && !error_code_vector(vector) && vector != 21))
			require(!deliver, info,
				"27.2.1.3: event injection: only a hardware exception with an "
				"error code, in protected mode, may deliver an error code");
		require((value & intr_reserved) == 0, info,
			"27.2.1.3: event injection: bits 30:12 are reserved and must be 0");
		if (deliver)
			require((read(f::entry_exception_error_code) & 0xffff0000U) == 0,
				f::entry_exception_error_code,
				"27.2.1.3: event injection: error code bits 31:16 must be 0");
		if (type == intr_sw_interrupt || type == intr_priv_sw_exception ||
		    type == intr_sw_exception) {
			const u64 len = read(f::entry_instruction_length);
			require(
			    len <= 15 && (len != 0 || bit(cpu_.misc, misc_inject_zero_length)),
			    f::entry_instruction_length,
			    "27.2.1.3: event injection: a software interrupt or exception needs "
			    "an instruction length of 1 to 15 (0 only with IA32_VMX_MISC[30])");
		}
	}

	// 27.2.4 "Checks Related to Address-Space Size": the controls. A
	// 64-bit host is in IA-32e mode at VM entry.
	void address_space_controls()
	{
		require(host64_, f::exit_controls,
			"27.2.4: \"host address-space size\" must be 1 on a host in IA-32e mode");
		require(host64_ || !ia32e_guest_, f::entry_controls,
			"27.2.4: \"IA-32e mode guest\" must be 0 when \"host address-space size\" "
			"is 0");
	}

	// 27.2.2 "Checks on Host Control Registers, MSRs, and SSP"
	void host_registers()
	{
		const u64 cr0 = read(f::host_cr0), cr4 = read(f::host_cr4);
		require((cr0 & cpu_.cr0_fixed0) == cpu_.cr0_fixed0, f::host_cr0,
			"27.2.2: host CR0: a bit IA32_VMX_CR0_FIXED0 fixes to 1 is 0");
		require((cr0 & ~cpu_.cr0_fixed1) == 0, f::host_cr0,
			"27.2.2: host CR0: a bit IA32_VMX_CR0_FIXED1 fixes to 0 is 1");
		require((cr4 & cpu_.cr4_fixed0) == cpu_.cr4_fixed0, f::host_cr4,
			"27.2.2: host CR4: a bit IA32_VMX_CR4_FIXED0 fixes to 1 is 0 (VMXE)");
		require((cr4 & ~cpu_.cr4_fixed1) == 0, f::host_cr4,
			"27.2.2: host CR4: a bit IA32_VMX_CR4_FIXED1 fixes to 0 is 1");
		require(!beyond_phys(read(f::host_cr3)), f::host_cr3,
			"27.2.2: host CR3 sets bits beyond the physical-address width");
		require(canonical(read(f::host_sysenter_esp), host_width_), f::host_sysenter_esp,
			"27.2.2: host IA32_SYSENTER_ESP must be canonical");
		require(canonical(read(f::host_sysenter_eip), host_width_), f::host_sysenter_eip,
			"27.2.2: host IA32_SYSENTER_EIP must be canonical");
		if (exit_ctl(exit_load_pat))
			require(valid_pat(read(f::host_ia32_pat)), f::host_ia32_pat,
				"27.2.2: host IA32_PAT: each entry must be 0, 1, 4, 5, 6 or 7 "
				"(\"load IA32_PAT\")");
		if (exit_ctl(exit_load_efer)) {
			const u64 efer = read(f::host_ia32_efer);
			require(
			    (efer & ~efer_valid) == 0, f::host_ia32_efer,
			    "27.2.2: host IA32_EFER: reserved bits must be 0 (\"load IA32_EFER\")");
			require(
			    ((efer & efer_lma) != 0) == host64_ &&
				((efer & efer_lme) != 0) == host64_,
			    f::host_ia32_efer,
			    "27.2.2: host IA32_EFER: LMA and LME must equal \"host address-space "
			    "size\" (\"load IA32_EFER\")");
		}
	}

	// 27.2.3 "Checks on Host Segment and Descriptor-Table Registers"
	void host_segments()
	{
		constexpr u32 selectors[] = {f::host_es_selector, f::host_cs_selector,
					     f::host_ss_selector, f::host_ds_selector,
					     f::host_fs_selector, f::host_gs_selector,
					     f::host_tr_selector};
		for (u32 s : selectors)
			require((read(s) & 7U) == 0, s,
				"27.2.3: host selector: RPL (bits 1:0) and TI (bit 2) must be 0");
		require(read(f::host_cs_selector) != 0, f::host_cs_selector,
			"27.2.3: host CS selector must not be 0000H");
		require(read(f::host_tr_selector) != 0, f::host_tr_selector,
			"27.2.3: host TR selector must not be 0000H");
		require(host64_ || read(f::host_ss_selector) != 0, f::host_ss_selector,
			"27.2.3: host SS selector must not be 0000H when \"host address-space "
			"size\" is 0");
		struct base {
			u32 field;
			const char* rule;
		};
		constexpr base bases[] = {
		    {f::host_fs_base, "27.2.3: host FS base must be canonical"},
		    {f::host_gs_base, "27.2.3: host GS base must be canonical"},
		    {f::host_gdtr_base, "27.2.3: host GDTR base must be canonical"},
		    {f::host_idtr_base, "27.2.3: host IDTR base must be canonical"},
		    {f::host_tr_base, "27.2.3: host TR base must be canonical"},
		};
		for (const base& x : bases)
			require(canonical(read(x.field), host_width_), x.field, x.rule);
	}

	// 27.2.4 "Checks Related to Address-Space Size": the host state.
	void host_address_space()
	{
		const u64 cr4 = read(f::host_cr4), rip = read(f::host_rip);
		if (host64_) {
			require(
			    (cr4 & cr4_pae) != 0, f::host_cr4,
			    "27.2.4: host CR4.PAE must be 1 when \"host address-space size\" is 1");
			require(
			    canonical(rip, host_width_), f::host_rip,
			    "27.2.4: host RIP must be canonical when \"host address-space size\" "
			    "is 1");
		} else {
			require((cr4 & cr4_pcide) == 0, f::host_cr4,
				"27.2.4: host CR4.PCIDE must be 0 when \"host address-space size\" "
				"is 0");
			require((rip >> 32) == 0, f::host_rip,
				"27.2.4: host RIP bits 63:32 must be 0 when \"host address-space "
				"size\" is 0");
		}
	}

	// 27.3.1.1 "Checks on Guest Control Registers, Debug Registers, and MSRs"
	void guest_registers()
	{
		const u64 cr0 = guest_cr0_, cr4 = read(f::guest_cr4);
		// Unrestricted guests may clear PE and PG whatever FIXED0 says.
		const u64 fixed0 =
		    unrestricted_ ? cpu_.cr0_fixed0 & ~(cr0_pe | cr0_pg) : cpu_.cr0_fixed0;
		require((cr0 & fixed0) == fixed0, f::guest_cr0,
			"27.3.1.1: guest CR0: a bit IA32_VMX_CR0_FIXED0 fixes to 1 is 0 (PE and PG "
			"exempt with \"unrestricted guest\")");
		require((cr0 & ~cpu_.cr0_fixed1) == 0, f::guest_cr0,
			"27.3.1.1: guest CR0: a bit IA32_VMX_CR0_FIXED1 fixes to 0 is 1");
		require(!(cr0 & cr0_pg) || (cr0 & cr0_pe), f::guest_cr0,
			"27.3.1.1: guest CR0.PG requires CR0.PE");
		require((cr4 & cpu_.cr4_fixed0) == cpu_.cr4_fixed0, f::guest_cr4,
			"27.3.1.1: guest CR4: a bit IA32_VMX_CR4_FIXED0 fixes to 1 is 0 (VMXE)");
		require((cr4 & ~cpu_.cr4_fixed1) == 0, f::guest_cr4,
			"27.3.1.1: guest CR4: a bit IA32_VMX_CR4_FIXED1 fixes to 0 is 1");
		const bool load_debug = entry_ctl(entry_load_debug_controls);
		if (load_debug)
			require(
			    (read(f::guest_ia32_debugctl) & debugctl_reserved) == 0,
			    f::guest_ia32_debugctl,
			    "27.3.1.1: guest IA32_DEBUGCTL: reserved bits (63:16, 5:3) must be 0 "
			    "(\"load debug controls\")");
		if (ia32e_guest_) {
			require((cr0 & cr0_pg) != 0, f::guest_cr0,
				"27.3.1.1: guest CR0.PG must be 1 with \"IA-32e mode guest\"");
			require((cr4 & cr4_pae) != 0, f::guest_cr4,
				"27.3.1.1: guest CR4.PAE must be 1 with \"IA-32e mode guest\"");
		} else {
			require(
			    (cr4 & cr4_pcide) == 0, f::guest_cr4,
			    "27.3.1.1: guest CR4.PCIDE must be 0 without \"IA-32e mode guest\"");
		}
		require(!beyond_phys(read(f::guest_cr3)), f::guest_cr3,
			"27.3.1.1: guest CR3 sets bits beyond the physical-address width");
		if (load_debug)
			require(
			    (read(f::guest_dr7) >> 32) == 0, f::guest_dr7,
			    "27.3.1.1: guest DR7 bits 63:32 must be 0 (\"load debug controls\")");
		require(canonical(read(f::guest_sysenter_esp), guest_width_), f::guest_sysenter_esp,
			"27.3.1.1: guest IA32_SYSENTER_ESP must be canonical");
		require(canonical(read(f::guest_sysenter_eip), guest_width_), f::guest_sysenter_eip,
			"27.3.1.1: guest IA32_SYSENTER_EIP must be canonical");
		if (entry_ctl(entry_load_pat))
			require(valid_pat(read(f::guest_ia32_pat)), f::guest_ia32_pat,
				"27.3.1.1: guest IA32_PAT: each entry must be 0, 1, 4, 5, 6 or 7 "
				"(\"load IA32_PAT\")");
		if (entry_ctl(entry_load_efer)) {
			const u64 efer = read(f::guest_ia32_efer);
			require((efer & ~efer_valid) == 0, f::guest_ia32_efer,
				"27.3.1.1: guest IA32_EFER: reserved bits must be 0 (\"load "
				"IA32_EFER\")");
			require(((efer & efer_lma) != 0) == ia32e_guest_, f::guest_ia32_efer,
				"27.3.1.1: guest IA32_EFER.LMA must equal \"IA-32e mode guest\" "
				"(\"load IA32_EFER\")");
			require(!(cr0 & cr0_pg) ||
				    ((efer & efer_lma) != 0) == ((efer & efer_lme) != 0),
				f::guest_ia32_efer,
				"27.3.1.1: guest IA32_EFER.LME must equal LMA when CR0.PG is 1 "
				"(\"load IA32_EFER\")");
		}
	}

	[[nodiscard]] u32 ar(unsigned seg) const { return u32(read(f::segment_ar(seg))); }
	[[nodiscard]] bool usable(unsigned seg) const { return (ar(seg) & ar_unusable) == 0; }

	// G must match the limit: G 0 if any of limit bits 11:0 is 0, G 1 if
	// any of bits 31:20 is 1 (27.3.1.2).
	[[nodiscard]] bool g_matches_limit(unsigned seg) const
	{
		const u32 limit = u32(read(f::segment_limit(seg))), a = ar(seg);
		if ((limit & 0xfffU) != 0xfffU && (a & ar_g) != 0)
			return false;
		if ((limit & 0xfff00000U) != 0 && (a & ar_g) == 0)
			return false;
		return true;
	}

	// 27.3.1.2 "Checks on Guest Segment Registers", outside virtual-8086 mode.
	void guest_segments()
	{
		if (read(f::guest_rflags) & rflags_vm)
			return;  // virtual-8086 mode: not covered (see the top of the file)
		using f::seg_cs, f::seg_ds, f::seg_es, f::seg_fs, f::seg_gs, f::seg_ldtr, f::seg_ss,
		    f::seg_tr;
		// Selectors.
		require((read(f::guest_tr_selector) & 4U) == 0, f::guest_tr_selector,
			"27.3.1.2: guest TR selector: TI flag must be 0");
		if (usable(seg_ldtr))
			require((read(f::guest_ldtr_selector) & 4U) == 0, f::guest_ldtr_selector,
				"27.3.1.2: guest LDTR selector: TI flag must be 0 when LDTR is "
				"usable");
		if (!unrestricted_)
			require((read(f::guest_ss_selector) & 3U) ==
				    (read(f::guest_cs_selector) & 3U),
				f::guest_ss_selector,
				"27.3.1.2: guest SS selector RPL must equal CS selector RPL");
		// Bases.
		require(canonical(read(f::guest_tr_base), guest_width_), f::guest_tr_base,
			"27.3.1.2: guest TR base must be canonical");
		require(canonical(read(f::guest_fs_base), guest_width_), f::guest_fs_base,
			"27.3.1.2: guest FS base must be canonical");
		require(canonical(read(f::guest_gs_base), guest_width_), f::guest_gs_base,
			"27.3.1.2: guest GS base must be canonical");
		if (usable(seg_ldtr))
			require(canonical(read(f::guest_ldtr_base), guest_width_),
				f::guest_ldtr_base,
				"27.3.1.2: guest LDTR base must be canonical when LDTR is usable");
		require((read(f::guest_cs_base) >> 32) == 0, f::guest_cs_base,
			"27.3.1.2: guest CS base bits 63:32 must be 0");
		struct base32 {
			unsigned seg;
			const char* rule;
		};
		constexpr base32 bases[] = {
		    {seg_ss, "27.3.1.2: guest SS base bits 63:32 must be 0 when SS is usable"},
		    {seg_ds, "27.3.1.2: guest DS base bits 63:32 must be 0 when DS is usable"},
		    {seg_es, "27.3.1.2: guest ES base bits 63:32 must be 0 when ES is usable"},
		};
		for (const base32& x : bases)
			if (usable(x.seg))
				require((read(f::segment_base(x.seg)) >> 32) == 0,
					f::segment_base(x.seg), x.rule);
		cs_access_rights();
		ss_access_rights();
		const unsigned data[] = {seg_ds, seg_es, seg_fs, seg_gs};
		for (unsigned s : data)
			data_access_rights(s);
		tr_access_rights();
		ldtr_access_rights();
	}

	void cs_access_rights()
	{
		constexpr u32 fld = f::guest_cs_ar;
		const u32 a = ar(f::seg_cs), type = a & ar_type;
		const unsigned dpl = ar_dpl(a), ss_dpl = ar_dpl(ar(f::seg_ss));
		require(type == 9 || type == 11 || type == 13 || type == 15 ||
			    (unrestricted_ && type == 3),
			fld,
			"27.3.1.2: guest CS access rights: type must be 9, 11, 13 or 15 (or 3 with "
			"\"unrestricted guest\")");
		require((a & ar_s) != 0, fld, "27.3.1.2: guest CS access rights: S must be 1");
		if (type == 3)
			require(dpl == 0, fld,
				"27.3.1.2: guest CS access rights: DPL must be 0 for type 3");
		if (type == 9 || type == 11)
			require(dpl == ss_dpl, fld,
				"27.3.1.2: guest CS access rights: DPL must equal SS DPL for "
				"non-conforming code (type 9 or 11)");
		if (type == 13 || type == 15)
			require(dpl <= ss_dpl, fld,
				"27.3.1.2: guest CS access rights: DPL must not exceed SS DPL for "
				"conforming code (type 13 or 15)");
		require((a & ar_p) != 0, fld, "27.3.1.2: guest CS access rights: P must be 1");
		require((a & ar_reserved_lo) == 0, fld,
			"27.3.1.2: guest CS access rights: bits 11:8 are reserved and must be 0");
		if (ia32e_guest_)
			require(!((a & ar_l) && (a & ar_db)), fld,
				"27.3.1.2: guest CS access rights: L and D/B cannot both be 1 in "
				"IA-32e mode");
		require(g_matches_limit(f::seg_cs), fld,
			"27.3.1.2: guest CS access rights: G must be 1 if limit bits 31:20 are not "
			"all 0, and 0 if limit bits 11:0 are not all 1");
		require((a & ar_reserved_hi) == 0, fld,
			"27.3.1.2: guest CS access rights: bits 31:17 are reserved and must be 0");
	}

	void ss_access_rights()
	{
		constexpr u32 fld = f::guest_ss_ar;
		const u32 a = ar(f::seg_ss), type = a & ar_type;
		const unsigned dpl = ar_dpl(a);
		// The DPL rules hold whether or not SS is usable.
		if (!unrestricted_)
			require(
			    dpl == (read(f::guest_ss_selector) & 3U), fld,
			    "27.3.1.2: guest SS access rights: DPL must equal the RPL of the SS "
			    "selector");
		if ((ar(f::seg_cs) & ar_type) == 3 || !(guest_cr0_ & cr0_pe))
			require(
			    dpl == 0, fld,
			    "27.3.1.2: guest SS access rights: DPL must be 0 when CS type is 3 or "
			    "CR0.PE is 0");
		if (!usable(f::seg_ss))
			return;
		require(type == 3 || type == 7, fld,
			"27.3.1.2: guest SS access rights: type must be 3 or 7 (read/write data, "
			"accessed)");
		require((a & ar_s) != 0, fld, "27.3.1.2: guest SS access rights: S must be 1");
		require((a & ar_p) != 0, fld, "27.3.1.2: guest SS access rights: P must be 1");
		require((a & ar_reserved_lo) == 0, fld,
			"27.3.1.2: guest SS access rights: bits 11:8 are reserved and must be 0");
		require(g_matches_limit(f::seg_ss), fld,
			"27.3.1.2: guest SS access rights: G must be 1 if limit bits 31:20 are not "
			"all 0, and 0 if limit bits 11:0 are not all 1");
		require((a & ar_reserved_hi) == 0, fld,
			"27.3.1.2: guest SS access rights: bits 31:17 are reserved and must be 0");
	}

	void data_access_rights(unsigned seg)
	{
		if (!usable(seg))
			return;
		const u32 fld = f::segment_ar(seg);
		const u32 a = ar(seg), type = a & ar_type;
		require(
		    (type & 1U) != 0, fld,
		    "27.3.1.2: guest DS/ES/FS/GS access rights: type must have the accessed bit "
		    "(bit 0) set");
		require(
		    !(type & 8U) || (type & 2U), fld,
		    "27.3.1.2: guest DS/ES/FS/GS access rights: a code segment must be readable");
		require((a & ar_s) != 0, fld,
			"27.3.1.2: guest DS/ES/FS/GS access rights: S must be 1");
		if (!unrestricted_ && type <= 11)
			require(ar_dpl(a) >= (read(f::segment_selector(seg)) & 3U), fld,
				"27.3.1.2: guest DS/ES/FS/GS access rights: DPL must not be below "
				"the selector's RPL (types 0-11)");
		require((a & ar_p) != 0, fld,
			"27.3.1.2: guest DS/ES/FS/GS access rights: P must be 1");
		require(
		    (a & ar_reserved_lo) == 0, fld,
		    "27.3.1.2: guest DS/ES/FS/GS access rights: bits 11:8 are reserved and must "
		    "be 0");
		require(
		    g_matches_limit(seg), fld,
		    "27.3.1.2: guest DS/ES/FS/GS access rights: G must be 1 if limit bits 31:20 "
		    "are not all 0, and 0 if limit bits 11:0 are not all 1");
		require(
		    (a & ar_reserved_hi) == 0, fld,
		    "27.3.1.2: guest DS/ES/FS/GS access rights: bits 31:17 are reserved and must "
		    "be 0");
	}

	void tr_access_rights()
	{
		constexpr u32 fld = f::guest_tr_ar;
		const u32 a = ar(f::seg_tr), type = a & ar_type;
		if (ia32e_guest_)
			require(
			    type == 11, fld,
			    "27.3.1.2: guest TR access rights: type must be 11 (busy 64-bit TSS) "
			    "in IA-32e mode");
		else
			require(
			    type == 3 || type == 11, fld,
			    "27.3.1.2: guest TR access rights: type must be 3 or 11 (busy TSS)");
		require((a & ar_s) == 0, fld, "27.3.1.2: guest TR access rights: S must be 0");
		require((a & ar_p) != 0, fld, "27.3.1.2: guest TR access rights: P must be 1");
		require((a & ar_reserved_lo) == 0, fld,
			"27.3.1.2: guest TR access rights: bits 11:8 are reserved and must be 0");
		require(g_matches_limit(f::seg_tr), fld,
			"27.3.1.2: guest TR access rights: G must be 1 if limit bits 31:20 are not "
			"all 0, and 0 if limit bits 11:0 are not all 1");
		require((a & ar_unusable) == 0, fld,
			"27.3.1.2: guest TR access rights: TR must be usable (bit 16 must be 0)");
		require((a & ar_reserved_hi) == 0, fld,
			"27.3.1.2: guest TR access rights: bits 31:17 are reserved and must be 0");
	}

	void ldtr_access_rights()
	{
		if (!usable(f::seg_ldtr))
			return;
		constexpr u32 fld = f::guest_ldtr_ar;
		const u32 a = ar(f::seg_ldtr);
		require((a & ar_type) == 2, fld,
			"27.3.1.2: guest LDTR access rights: type must be 2 (LDT) when usable");
		require((a & ar_s) == 0, fld,
			"27.3.1.2: guest LDTR access rights: S must be 0 when usable");
		require((a & ar_p) != 0, fld,
			"27.3.1.2: guest LDTR access rights: P must be 1 when usable");
		require((a & ar_reserved_lo) == 0, fld,
			"27.3.1.2: guest LDTR access rights: bits 11:8 are reserved and must be 0");
		require(g_matches_limit(f::seg_ldtr), fld,
			"27.3.1.2: guest LDTR access rights: G must be 1 if limit bits 31:20 are "
			"not all 0, and 0 if limit bits 11:0 are not all 1");
		require(
		    (a & ar_reserved_hi) == 0, fld,
		    "27.3.1.2: guest LDTR access rights: bits 31:17 are reserved and must be 0");
	}

	// 27.3.1.3 "Checks on Guest Descriptor-Table Registers"
	void guest_descriptor_tables()
	{
		require(canonical(read(f::guest_gdtr_base), guest_width_), f::guest_gdtr_base,
			"27.3.1.3: guest GDTR base must be canonical");
		require(canonical(read(f::guest_idtr_base), guest_width_), f::guest_idtr_base,
			"27.3.1.3: guest IDTR base must be canonical");
		require((read(f::guest_gdtr_limit) >> 16) == 0, f::guest_gdtr_limit,
			"27.3.1.3: guest GDTR limit bits 31:16 must be 0");
		require((read(f::guest_idtr_limit) >> 16) == 0, f::guest_idtr_limit,
			"27.3.1.3: guest IDTR limit bits 31:16 must be 0");
	}

	// 27.3.1.4 "Checks on Guest RIP, RFLAGS, and SSP"
	void guest_rip_rflags()
	{
		const u64 rip = read(f::guest_rip), rflags = read(f::guest_rflags);
		if (!ia32e_guest_ || !(ar(f::seg_cs) & ar_l))
			require((rip >> 32) == 0, f::guest_rip,
				"27.3.1.4: guest RIP bits 63:32 must be 0 outside 64-bit mode "
				"(IA-32e mode guest with CS.L)");
		else
			require(canonical(rip, guest_width_), f::guest_rip,
				"27.3.1.4: guest RIP must be canonical in 64-bit mode");
		require((rflags & rflags_reserved0) == 0, f::guest_rflags,
			"27.3.1.4: guest RFLAGS: reserved bits 63:22, 15, 5 and 3 must be 0");
		require((rflags & b(1)) != 0, f::guest_rflags,
			"27.3.1.4: guest RFLAGS: bit 1 must be 1");
		if (ia32e_guest_ || !(guest_cr0_ & cr0_pe))
			require((rflags & rflags_vm) == 0, f::guest_rflags,
				"27.3.1.4: guest RFLAGS.VM must be 0 in IA-32e mode or when CR0.PE "
				"is 0");
		if (injecting_ && inject_type_ == intr_external)
			require((rflags & rflags_if) != 0, f::guest_rflags,
				"27.3.1.4: guest RFLAGS.IF must be 1 when injecting an external "
				"interrupt");
	}

	// 27.3.1.5 "Checks on Guest Non-Register State"
	void guest_non_register_state()
	{
		const u64 activity = read(f::guest_activity_state);
		const u32 intr = u32(read(f::guest_interruptibility));
		const u64 rflags = read(f::guest_rflags);
		// Activity state.
		constexpr u32 act = f::guest_activity_state;
		require(activity <= act_wait_sipi, act,
			"27.3.1.5: guest activity state must be 0 (active), 1 (HLT), 2 (shutdown) "
			"or 3 (wait-for-SIPI)");
		if (activity >= act_hlt && activity <= act_wait_sipi) {
			const unsigned cap_bit = misc_activity_hlt + unsigned(activity) - 1;
			require(bit(cpu_.misc, cap_bit), act,
				"27.3.1.5: guest activity state is not supported by the CPU "
				"(IA32_VMX_MISC bits 8:6)");
		}
		if (activity == act_hlt)
			require(ar_dpl(ar(f::seg_ss)) == 0, act,
				"27.3.1.5: guest activity state HLT requires SS.DPL 0");
		if (intr & (block_sti | block_mov_ss))
			require(
			    activity == act_active, act,
			    "27.3.1.5: guest activity state must be active with blocking by STI "
			    "or MOV SS");
		if (injecting_)
			injection_and_activity(activity);
		// Interruptibility state.
		constexpr u32 is = f::guest_interruptibility;
		require(
		    (intr & block_reserved) == 0, is,
		    "27.3.1.5: guest interruptibility state: bits 31:5 are reserved and must be 0");
		require((intr & (block_sti | block_mov_ss)) != (block_sti | block_mov_ss), is,
			"27.3.1.5: guest interruptibility state: blocking by STI and by MOV SS "
			"cannot both be 1");
		require(
		    !(intr & block_sti) || (rflags & rflags_if), is,
		    "27.3.1.5: guest interruptibility state: blocking by STI requires RFLAGS.IF");
		if (injecting_ && inject_type_ == intr_external)
			require((intr & (block_sti | block_mov_ss)) == 0, is,
				"27.3.1.5: guest interruptibility state: no blocking by STI or MOV "
				"SS when injecting an external interrupt");
		if (injecting_ && inject_type_ == intr_nmi)
			require(
			    (intr & block_mov_ss) == 0, is,
			    "27.3.1.5: guest interruptibility state: no blocking by MOV SS when "
			    "injecting an NMI");
		require((intr & block_smi) == 0, is,
			"27.3.1.5: guest interruptibility state: blocking by SMI must be 0 outside "
			"SMM");
		if (injecting_ && inject_type_ == intr_nmi && pin(pin_virtual_nmis))
			require((intr & block_nmi) == 0, is,
				"27.3.1.5: guest interruptibility state: no blocking by NMI when "
				"injecting an NMI with \"virtual NMIs\"");
		require(!(intr & block_enclave) || !(intr & block_mov_ss), is,
			"27.3.1.5: guest interruptibility state: enclave interruption and blocking "
			"by MOV SS cannot both be 1");
		pending_debug_exceptions(activity, intr, rflags);
		// VMCS link pointer.
		require(read(f::vmcs_link_pointer) == ~0ULL, f::vmcs_link_pointer,
			"27.3.1.5: VMCS link pointer must be FFFFFFFF_FFFFFFFFH (portvisor uses no "
			"shadow VMCS)");
	}

	// An event injected into a non-active state (27.3.1.5).
	void injection_and_activity(u64 activity)
	{
		constexpr u32 act = f::guest_activity_state;
		const unsigned t = inject_type_, v = inject_vector_;
		if (activity == act_hlt)
			require(
			    t == intr_external || t == intr_nmi ||
				(t == intr_hw_exception && (v == 1 || v == 18)) ||
				(t == intr_other && v == 0),
			    act,
			    "27.3.1.5: guest activity state HLT: only an external interrupt, NMI, "
			    "#DB, #MC or pending MTF VM exit may be injected");
		if (activity == act_shutdown)
			require(
			    t == intr_nmi || (t == intr_hw_exception && v == 18), act,
			    "27.3.1.5: guest activity state shutdown: only an NMI or #MC may be "
			    "injected");
		require(activity != act_wait_sipi, act,
			"27.3.1.5: guest activity state wait-for-SIPI: no event may be injected");
	}

	void pending_debug_exceptions(u64 activity, u32 intr, u64 rflags)
	{
		constexpr u32 pd = f::guest_pending_debug;
		const u64 p = read(pd);
		require((p & pde_reserved) == 0, pd,
			"27.3.1.5: guest pending debug exceptions: bits 11:4, 13, 15 and 63:17 are "
			"reserved and must be 0");
		if ((intr & (block_sti | block_mov_ss)) || activity == act_hlt) {
			const bool tf = (rflags & rflags_tf) != 0;
			const bool btf = (read(f::guest_ia32_debugctl) & debugctl_btf) != 0;
			if (tf && !btf)
				require(
				    (p & pde_bs) != 0, pd,
				    "27.3.1.5: guest pending debug exceptions: BS must be 1 when "
				    "RFLAGS.TF is 1 and DEBUGCTL.BTF is 0 (blocking or HLT)");
			else
				require(
				    (p & pde_bs) == 0, pd,
				    "27.3.1.5: guest pending debug exceptions: BS must be 0 when "
				    "RFLAGS.TF is 0 or DEBUGCTL.BTF is 1 (blocking or HLT)");
		}
		if (p & pde_rtm) {
			require(
			    (p & 0xfffULL) == pde_enabled_bp && (p & 0xe000ULL) == 0, pd,
			    "27.3.1.5: guest pending debug exceptions: with RTM (bit 16), bit 12 "
			    "must be 1 and bits 11:0 and 15:13 0");
			require((intr & block_mov_ss) == 0, pd,
				"27.3.1.5: guest pending debug exceptions: RTM (bit 16) excludes "
				"blocking by MOV SS");
		}
	}

	const vmcs_image& vmcs_;
	const cpu_snapshot& cpu_;
	entry_violation* out_;
	unsigned max_;
	unsigned count_ = 0;
	u32 pin_ = 0, proc_ = 0, proc2_ = 0, exit_ = 0, entry_ = 0;
	bool ia32e_guest_ = false, host64_ = false, unrestricted_ = false, injecting_ = false;
	unsigned inject_type_ = 0, inject_vector_ = 0;
	u64 guest_cr0_ = 0;
	unsigned host_width_ = 48, guest_width_ = 48;
};

}  // namespace

unsigned check_vm_entry(const vmcs_image& vmcs, const cpu_snapshot& cpu, unsigned scope,
			entry_violation* out, unsigned max)
{
	checker c(vmcs, cpu, out, max);
	if (scope & check_controls)
		c.controls();
	if (scope & check_host)
		c.host();
	if (scope & check_guest)
		c.guest();
	return c.count();
}

}  // namespace pv::vmx
