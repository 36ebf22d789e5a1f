// SPDX-License-Identifier: GPL-2.0
// The VMCS of a 64-bit ring-0 guest (vmcs_build.h). Every control comes
// from the allowed-0/allowed-1 halves of the capability MSRs: a required
// control the CPU cannot set refuses the load; an optional one is used when
// the CPU has it.
#include "x86_64-vmx/vmcs_build.h"

#include "portvisor/x86/rules.h"
#include "portvisor/x86/syscall_msrs.h"
#include "x86_64-vmx/vmcs_fields.h"
#include "x86_64-vmx/vmx_caps.h"

namespace pv::vmx {
namespace {

using namespace cap;
namespace f = field;

constexpr u32 b(unsigned n) { return 1U << n; }

// The value of one control word: what the CPU forces on (allowed-0), what
// portvisor requires, what it would like when the CPU has it, and what it
// wants off (only possible where allowed-0 does not force it).
struct control_request {
	u32 required = 0;
	u32 optional = 0;
	u32 avoided = 0;
};

[[nodiscard]] bool adjust(u64 msr, const control_request& r, u32& value)
{
	const u32 forced = u32(msr), allowed = u32(msr >> 32);
	if ((r.required & ~allowed) != 0)
		return false;
	value = (forced | r.required | (r.optional & allowed)) & ~(r.avoided & ~forced);
	return true;
}

}  // namespace

const char* make_config(const cpu_snapshot& cpu, vmx_config& cfg)
{
	cfg = vmx_config{};
	cfg.revision = u32(cpu.basic & 0x7fffffffU);
	cfg.cr0_fixed0 = cpu.cr0_fixed0;
	cfg.cr0_fixed1 = cpu.cr0_fixed1;
	cfg.cr4_fixed0 = cpu.cr4_fixed0;
	cfg.cr4_fixed1 = cpu.cr4_fixed1;
	cfg.phys_addr_bits = cpu.phys_addr_bits;
	cfg.ept_levels = cpu.host_paging_levels == 5 ? 5 : 4;

	// Every event that belongs to the host exits: interrupts and NMIs
	// (25.6.1), HLT, MOV DR, port I/O, RDPMC, MONITOR/MWAIT (25.6.2).
	// The guest owns its CR3, TLB and TSC: no CR3/INVLPG/RDTSC exits.
	// The preemption timer bounds how long the guest runs without an exit,
	// whatever happens to the interrupts meant to end it (25.5.1).
	control_request pin{b(pin_external_interrupt_exiting) | b(pin_nmi_exiting),
			    b(pin_preemption_timer),
			    b(pin_posted_interrupts) | b(pin_virtual_nmis)};
	control_request proc{
	    b(proc_hlt_exiting) | b(proc_mov_dr_exiting) | b(proc_unconditional_io_exiting) |
		b(proc_rdpmc_exiting) | b(proc_activate_secondary),
	    b(proc_msr_bitmaps) | b(proc_mwait_exiting) | b(proc_monitor_exiting),
	    b(proc_cr3_load_exiting) | b(proc_cr3_store_exiting) | b(proc_invlpg_exiting) |
		b(proc_rdtsc_exiting) | b(proc_cr8_load_exiting) | b(proc_cr8_store_exiting) |
		b(proc_tsc_offsetting) | b(proc_io_bitmaps) | b(proc_interrupt_window_exiting) |
		b(proc_nmi_window_exiting) | b(proc_monitor_trap_flag) | b(proc_tpr_shadow) |
		b(proc_activate_tertiary) | b(proc_pause_exiting)};
	if (!adjust(cpu.pinbased, pin, cfg.pin))
		return "VMX: cannot exit on external interrupts and NMIs (pin-based controls)";
	if (!adjust(cpu.procbased, proc, cfg.proc))
		return "VMX: cannot exit on HLT, MOV DR, I/O and RDPMC, or has no secondary "
		       "controls (primary processor-based controls)";
	cfg.msr_bitmaps = (cfg.proc & b(proc_msr_bitmaps)) != 0;
	cfg.cr3_exiting = (cfg.proc & (b(proc_cr3_load_exiting) | b(proc_cr3_store_exiting))) != 0;

	const u64 ept = cpu.ept_vpid_cap;
	const bool vpid_usable =
	    (ept >> vpid_invvpid & 1) != 0 &&
	    ((ept >> vpid_invvpid_single & 1) || (ept >> vpid_invvpid_all & 1));
	// RDTSCP and INVPCID would #UD without their enables; WBINVD and
	// ENCLS belong to the host. Unrestricted guest is not needed: the
	// guest is in long mode from its first instruction.
	control_request proc2{
	    b(proc2_enable_ept),
	    b(proc2_enable_rdtscp) | b(proc2_enable_invpcid) | b(proc2_wbinvd_exiting) |
		b(proc2_encls_exiting) | (vpid_usable ? b(proc2_enable_vpid) : 0U),
	    ~(b(proc2_enable_ept) | b(proc2_enable_rdtscp) | b(proc2_enable_invpcid) |
	      b(proc2_wbinvd_exiting) | b(proc2_encls_exiting) | b(proc2_enable_vpid))};
	if (!adjust(cpu.procbased2, proc2, cfg.proc2))
		return "VMX: no EPT (secondary processor-based controls)";
	cfg.vpid = (cfg.proc2 & b(proc2_enable_vpid)) != 0;

	// The exit restores the host's EFER and PAT and acknowledges the
	// interrupt that caused it, whose vector the backend hands to the host's
	// IDT handler before anything else runs (as KVM); the guest's EFER, PAT
	// and DR7/DEBUGCTL are saved and loaded (25.7.1, 25.8.1).
	control_request exit{b(exit_host_address_space_size) | b(exit_save_pat) | b(exit_load_pat) |
				 b(exit_save_efer) | b(exit_load_efer) |
				 b(exit_save_debug_controls) | b(exit_ack_interrupt),
			     0, b(exit_load_perf_global_ctrl) | b(exit_save_preemption_timer)};
	control_request entry{
	    b(entry_ia32e_mode_guest) | b(entry_load_pat) | b(entry_load_efer) |
		b(entry_load_debug_controls),
	    0, b(entry_to_smm) | b(entry_deactivate_dual_monitor) | b(entry_load_perf_global_ctrl)};
	if (!adjust(cpu.exit_ctls, exit, cfg.exit))
		return "VMX: VM exits cannot load the host's EFER and PAT into a 64-bit host "
		       "and acknowledge the interrupt (VM-exit controls)";
	if (!adjust(cpu.entry_ctls, entry, cfg.entry))
		return "VMX: VM entries cannot load a 64-bit guest's EFER and PAT (VM-entry "
		       "controls)";
	// Controls the CPU forces on that portvisor cannot honour.
	if (cfg.pin & b(pin_posted_interrupts))
		return "VMX: the CPU forces posted interrupts on";
	if (cfg.proc &
	    (b(proc_tpr_shadow) | b(proc_monitor_trap_flag) | b(proc_activate_tertiary) |
	     b(proc_interrupt_window_exiting) | b(proc_nmi_window_exiting) | b(proc_io_bitmaps)))
		return "VMX: the CPU forces a processor-based control portvisor does not set up";
	if (cfg.entry & (b(entry_to_smm) | b(entry_deactivate_dual_monitor)))
		return "VMX: the CPU forces an SMM VM-entry control on";

	cfg.ept_ad = (ept >> ept_ad_flags & 1) != 0;
	cfg.invept_single = (ept >> ept_invept_single & 1) != 0;
	cfg.invvpid_single = (ept >> vpid_invvpid_single & 1) != 0;
	return nullptr;
}

u64 make_eptp(const vmx_config& cfg, u64 root_pa)
{
	return (root_pa & ~0xfffULL) | eptp_memtype_wb |
	       (u64(cfg.ept_levels - 1) << eptp_walk_shift) | (cfg.ept_ad ? eptp_ad_enable : 0);
}

void build_controls(const vmx_config& cfg, const vcpu_resources& res, vmcs_image& out)
{
	out.set(f::pin_based_controls, cfg.pin);
	out.set(f::proc_based_controls, cfg.proc);
	out.set(f::secondary_controls, cfg.proc2);
	out.set(f::exit_controls, cfg.exit);
	out.set(f::entry_controls, cfg.entry);
	// Every exception exits (the guest has no IDT portvisor knows of);
	// #PF whatever its error code (mask 0, match 0: 25.6.3).
	out.set(f::exception_bitmap, 0xffffffffU);
	out.set(f::page_fault_error_mask, 0);
	out.set(f::page_fault_error_match, 0);
	out.set(f::cr3_target_count, 0);
	out.set(f::ept_pointer, res.eptp);
	if (cfg.vpid)
		out.set(f::vpid, res.vpid);
	if (cfg.msr_bitmaps)
		out.set(f::msr_bitmap, res.msr_bitmap_pa);
	out.set(f::entry_msr_load_addr, res.guest_msr_list_pa);
	out.set(f::entry_msr_load_count, res.msr_list_count);
	out.set(f::exit_msr_store_addr, res.guest_msr_list_pa);
	out.set(f::exit_msr_store_count, res.msr_list_count);
	out.set(f::exit_msr_load_addr, res.host_msr_list_pa);
	out.set(f::exit_msr_load_count, res.msr_list_count);
	out.set(f::entry_interruption_info, 0);
	out.set(f::tsc_offset, 0);
	if (cfg.pin & b(pin_preemption_timer))  // reloaded at every entry: not saved on exit
		out.set(f::preemption_timer_value, preemption_timer_ticks);
	out.set(f::host_rip, res.host_rip);

	// Guest state portvisor keeps fixed (27.3.1.5): active, nothing
	// blocked, no pending debug exception, no shadow VMCS.
	out.set(f::guest_activity_state, 0);
	out.set(f::guest_interruptibility, 0);
	out.set(f::guest_pending_debug, 0);
	out.set(f::vmcs_link_pointer, ~0ULL);
	out.set(f::guest_dr7, 0x400);
	out.set(f::guest_ia32_debugctl, 0);
	out.set(f::guest_sysenter_cs, 0);
	out.set(f::guest_sysenter_esp, 0);
	out.set(f::guest_sysenter_eip, 0);
	out.set(f::guest_rflags, 2);
}

void build_host_state(const vmx_config&, const host_state& h, vmcs_image& out)
{
	out.set(f::host_cr0, h.cr0);
	out.set(f::host_cr3, h.cr3);
	out.set(f::host_cr4, h.cr4);
	out.set(f::host_ia32_efer, h.efer);
	out.set(f::host_ia32_pat, h.pat);
	// Data segments are null on exit (the kernel does not use DS/ES/FS/GS
	// selectors; the backend puts the host's back when they were not).
	out.set(f::host_cs_selector, h.cs_selector);
	out.set(f::host_ss_selector, h.ss_selector);
	out.set(f::host_tr_selector, h.tr_selector);
	out.set(f::host_ds_selector, 0);
	out.set(f::host_es_selector, 0);
	out.set(f::host_fs_selector, 0);
	out.set(f::host_gs_selector, 0);
	out.set(f::host_fs_base, h.fs_base);
	out.set(f::host_gs_base, h.gs_base);
	out.set(f::host_tr_base, h.tr_base);
	out.set(f::host_gdtr_base, h.gdtr_base);
	out.set(f::host_idtr_base, h.idtr_base);
	out.set(f::host_sysenter_cs, h.sysenter_cs);
	out.set(f::host_sysenter_esp, h.sysenter_esp);
	out.set(f::host_sysenter_eip, h.sysenter_eip);
}

namespace {

constexpr u64 efer_sce = 1ULL << 0, efer_lme = 1ULL << 8, efer_lma = 1ULL << 10,
	      efer_nxe = 1ULL << 11;
constexpr u64 cr0_pe = 1ULL << 0, cr0_ne = 1ULL << 5, cr0_nw = 1ULL << 29, cr0_cd = 1ULL << 30,
	      cr0_pg = 1ULL << 31;
constexpr u64 cr4_pae = 1ULL << 5, cr4_mce = 1ULL << 6, cr4_vmxe = 1ULL << 13;

// The limit must be expressible with the G bit as given (27.3.1.2).
[[nodiscard]] bool limit_matches_g(const pv_segment& s)
{
	const bool g = (s.attrib & 0x800U) != 0;
	if (!g && (s.limit & 0xfff00000U) != 0)
		return false;
	if (g && (s.limit & 0xfffU) != 0xfffU)
		return false;
	return true;
}

[[nodiscard]] long check_segments(const pv_sregs_x86_64& s)
{
	constexpr u16 attr_l = 1U << 9, attr_db = 1U << 10, attr_dpl = 3U << 5, attr_p = 1U << 7,
		      attr_s = 1U << 4;
	const pv_segment* all[] = {&s.es, &s.cs, &s.ss, &s.ds, &s.fs, &s.gs, &s.ldt, &s.tr};
	for (const pv_segment* seg : all) {
		if ((seg->attrib & 0xf000U) != 0)
			return -PV_EINVAL;
		if ((seg->attrib & attr_p) != 0 && !limit_matches_g(*seg))
			return -PV_EINVAL;
	}
	// CS: 64-bit ring-0 code, accessed (type 9/11/13/15), S, P, not D.
	const u16 cs = s.cs.attrib;
	if ((cs & attr_l) == 0 || (cs & attr_db) != 0 || (cs & attr_dpl) != 0 ||
	    (cs & attr_p) == 0 || (cs & attr_s) == 0 || (cs & 0x9U) != 0x9U ||
	    (s.cs.selector & 3) != 0)
		return -PV_EINVAL;
	// SS, DS, ES, FS, GS when present: accessed data (SS writable), DPL 0
	// for SS; FS/GS bases canonical.
	const pv_segment* data[] = {&s.ss, &s.ds, &s.es, &s.fs, &s.gs};
	for (const pv_segment* seg : data) {
		if ((seg->attrib & attr_p) == 0)
			continue;
		const unsigned type = seg->attrib & 0xfU;
		if ((seg->attrib & attr_s) == 0 || (type & 1U) == 0 ||
		    ((type & 8U) && !(type & 2U)))
			return -PV_EINVAL;
	}
	if ((s.ss.attrib & attr_p) != 0 &&
	    ((s.ss.attrib & attr_dpl) != 0 ||
	     ((s.ss.attrib & 0xfU) != 3 && (s.ss.attrib & 0xfU) != 7)))
		return -PV_EINVAL;
	if ((s.ss.selector & 3) != 0 || !x86::canonical(s.fs.base) || !x86::canonical(s.gs.base))
		return -PV_EINVAL;
	// TR: a present busy 64-bit TSS (type 11), TI 0, canonical base.
	if ((s.tr.attrib & attr_p) == 0 || (s.tr.attrib & (attr_s | 0xfU)) != 0xbU ||
	    (s.tr.selector & 4) != 0 || !x86::canonical(s.tr.base))
		return -PV_EINVAL;
	// LDTR when present: an LDT descriptor (type 2, S 0), TI 0.
	if ((s.ldt.attrib & attr_p) != 0 &&
	    ((s.ldt.attrib & (attr_s | 0xfU)) != 0x2U || (s.ldt.selector & 4) != 0 ||
	     !x86::canonical(s.ldt.base)))
		return -PV_EINVAL;
	if (!x86::canonical(s.gdt.base) || !x86::canonical(s.idt.base) || s.gdt.limit > 0xffff ||
	    s.idt.limit > 0xffff || s.gdt.reserved != 0 || s.idt.reserved != 0)
		return -PV_EINVAL;
	return 0;
}

}  // namespace

long build_guest_sregs(const vmx_config& cfg, const pv_sregs_x86_64& s, vmcs_image& out)
{
	constexpr u64 efer_allowed = efer_sce | efer_lme | efer_lma | efer_nxe;
	if ((s.efer & ~efer_allowed) != 0 ||
	    (s.efer & (efer_lme | efer_lma)) != (efer_lme | efer_lma))
		return -PV_EINVAL;
	// CR0: paging and protection on, caches not in the invalid NW-without-CD
	// state, no bit above 31. CD/NW are the host's: they stay 0.
	if ((s.cr0 >> 32) != 0 || (s.cr0 & (cr0_pe | cr0_pg)) != (cr0_pe | cr0_pg) ||
	    (s.cr0 & (cr0_nw | cr0_cd)) == cr0_nw)
		return -PV_EINVAL;
	// CR4: the bits a guest may own, as far as this CPU has them, and PAE.
	const u64 cr4_allowed = (cr4_guest_owned | cr4_pae | cr4_mce) & cfg.cr4_fixed1;
	if ((s.cr4 & ~cr4_allowed) != 0 || (s.cr4 & cr4_pae) == 0)
		return -PV_EINVAL;
	if (cfg.phys_addr_bits < 64 && (s.cr3 >> cfg.phys_addr_bits) != 0)
		return -PV_EINVAL;
	if (!x86::valid_pat(s.pat) || !x86::canonical(s.kernel_gs_base))
		return -PV_EINVAL;
	// Not VMCS state (vmx_run.cpp switches them), but checked with the rest.
	if (!x86::syscall_msrs_of(s).valid())
		return -PV_EINVAL;
	if (const long rc = check_segments(s); rc != 0)
		return rc;

	// What the CPU runs with: the guest's bits, the fixed ones, MCE on (a
	// machine check must reach the host), CD/NW off.
	const u64 cr0 = ((s.cr0 | cfg.cr0_fixed0 | cr0_ne) & cfg.cr0_fixed1) & ~(cr0_cd | cr0_nw);
	const u64 cr4 = (s.cr4 | cfg.cr4_fixed0 | cr4_vmxe | cr4_mce | cr4_pae) & cfg.cr4_fixed1;
	out.set(field::guest_cr0, cr0);
	out.set(field::cr0_read_shadow, s.cr0);
	out.set(field::cr0_guest_host_mask, ~cr0_guest_owned);
	out.set(field::guest_cr4, cr4);
	out.set(field::cr4_read_shadow, s.cr4);
	out.set(field::cr4_guest_host_mask, ~(cr4_guest_owned & cfg.cr4_fixed1));
	out.set(field::guest_cr3, s.cr3);
	out.set(field::guest_ia32_efer, s.efer);
	out.set(field::guest_ia32_pat, s.pat);

	const pv_segment* segs[] = {&s.es, &s.cs, &s.ss, &s.ds, &s.fs, &s.gs, &s.ldt, &s.tr};
	for (unsigned i = 0; i < 8; i++) {
		out.set(field::segment_selector(i), segs[i]->selector);
		out.set(field::segment_limit(i), segs[i]->limit);
		out.set(field::segment_ar(i), vmcs_ar(segs[i]->attrib));
		// CS/SS/DS/ES bases are 32 bits wide in the VMCS checks.
		const bool wide = i == field::seg_fs || i == field::seg_gs ||
				  i == field::seg_ldtr || i == field::seg_tr;
		out.set(field::segment_base(i),
			wide ? segs[i]->base : (segs[i]->base & 0xffffffffULL));
	}
	out.set(field::guest_gdtr_base, s.gdt.base);
	out.set(field::guest_gdtr_limit, s.gdt.limit);
	out.set(field::guest_idtr_base, s.idt.base);
	out.set(field::guest_idtr_limit, s.idt.limit);
	return 0;
}

void read_guest_sregs(const vmcs_image& in, pv_sregs_x86_64& s)
{
	s = pv_sregs_x86_64{};
	pv_segment* segs[] = {&s.es, &s.cs, &s.ss, &s.ds, &s.fs, &s.gs, &s.ldt, &s.tr};
	for (unsigned i = 0; i < 8; i++) {
		segs[i]->selector = u16(in.get(field::segment_selector(i)));
		segs[i]->limit = u32(in.get(field::segment_limit(i)));
		segs[i]->attrib = vmcb_attrib(u32(in.get(field::segment_ar(i))));
		segs[i]->base = in.get(field::segment_base(i));
	}
	s.gdt.base = in.get(field::guest_gdtr_base);
	s.gdt.limit = u32(in.get(field::guest_gdtr_limit));
	s.idt.base = in.get(field::guest_idtr_base);
	s.idt.limit = u32(in.get(field::guest_idtr_limit));
	const u64 cr0_mask = in.get(field::cr0_guest_host_mask);
	const u64 cr4_mask = in.get(field::cr4_guest_host_mask);
	s.cr0 =
	    (in.get(field::guest_cr0) & ~cr0_mask) | (in.get(field::cr0_read_shadow) & cr0_mask);
	s.cr4 =
	    (in.get(field::guest_cr4) & ~cr4_mask) | (in.get(field::cr4_read_shadow) & cr4_mask);
	s.cr3 = in.get(field::guest_cr3);
	s.efer = in.get(field::guest_ia32_efer);
	s.pat = in.get(field::guest_ia32_pat);
}

}  // namespace pv::vmx
