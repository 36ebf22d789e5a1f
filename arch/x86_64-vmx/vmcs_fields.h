// SPDX-License-Identifier: GPL-2.0
// VMCS field encodings portvisor reads or writes.
// Intel SDM Vol. 3D, Appendix B "Field Encoding in VMCS" (tables B-1 to
// B-14). Bits 14:13 of an encoding give the width (0 16-bit, 1 64-bit,
// 2 32-bit, 3 natural), bits 11:10 the type (0 control, 1 read-only data,
// 2 guest state, 3 host state).
#pragma once

#include "portvisor/core/types.h"

namespace pv::vmx::field {

enum : u32 {
	// 16-bit control (B.1.1), guest (B.1.2), host (B.1.3)
	vpid = 0x0000,
	posted_interrupt_vector = 0x0002,
	guest_es_selector = 0x0800,
	guest_cs_selector = 0x0802,
	guest_ss_selector = 0x0804,
	guest_ds_selector = 0x0806,
	guest_fs_selector = 0x0808,
	guest_gs_selector = 0x080A,
	guest_ldtr_selector = 0x080C,
	guest_tr_selector = 0x080E,
	host_es_selector = 0x0C00,
	host_cs_selector = 0x0C02,
	host_ss_selector = 0x0C04,
	host_ds_selector = 0x0C06,
	host_fs_selector = 0x0C08,
	host_gs_selector = 0x0C0A,
	host_tr_selector = 0x0C0C,

	// 64-bit control (B.2.1), read-only (B.2.2), guest (B.2.3), host (B.2.4)
	io_bitmap_a = 0x2000,
	io_bitmap_b = 0x2002,
	msr_bitmap = 0x2004,
	exit_msr_store_addr = 0x2006,
	exit_msr_load_addr = 0x2008,
	entry_msr_load_addr = 0x200A,
	pml_address = 0x200E,
	tsc_offset = 0x2010,
	virtual_apic_address = 0x2012,
	apic_access_address = 0x2014,
	posted_interrupt_descriptor = 0x2016,
	vm_function_controls = 0x2018,
	ept_pointer = 0x201A,
	eptp_list_address = 0x2024,
	vmread_bitmap = 0x2026,
	vmwrite_bitmap = 0x2028,
	ve_information_address = 0x202A,
	guest_physical_address = 0x2400,
	vmcs_link_pointer = 0x2800,
	guest_ia32_debugctl = 0x2802,
	guest_ia32_pat = 0x2804,
	guest_ia32_efer = 0x2806,
	host_ia32_pat = 0x2C00,
	host_ia32_efer = 0x2C02,

	// 32-bit control (B.3.1), read-only (B.3.2), guest (B.3.3), host (B.3.4)
	pin_based_controls = 0x4000,
	proc_based_controls = 0x4002,
	exception_bitmap = 0x4004,
	page_fault_error_mask = 0x4006,
	page_fault_error_match = 0x4008,
	cr3_target_count = 0x400A,
	exit_controls = 0x400C,
	exit_msr_store_count = 0x400E,
	exit_msr_load_count = 0x4010,
	entry_controls = 0x4012,
	entry_msr_load_count = 0x4014,
	entry_interruption_info = 0x4016,
	entry_exception_error_code = 0x4018,
	entry_instruction_length = 0x401A,
	tpr_threshold = 0x401C,
	secondary_controls = 0x401E,
	vm_instruction_error = 0x4400,
	exit_reason = 0x4402,
	exit_interruption_info = 0x4404,
	exit_interruption_error_code = 0x4406,
	idt_vectoring_info = 0x4408,
	idt_vectoring_error_code = 0x440A,
	exit_instruction_length = 0x440C,
	exit_instruction_info = 0x440E,
	guest_es_limit = 0x4800,
	guest_cs_limit = 0x4802,
	guest_ss_limit = 0x4804,
	guest_ds_limit = 0x4806,
	guest_fs_limit = 0x4808,
	guest_gs_limit = 0x480A,
	guest_ldtr_limit = 0x480C,
	guest_tr_limit = 0x480E,
	guest_gdtr_limit = 0x4810,
	guest_idtr_limit = 0x4812,
	guest_es_ar = 0x4814,
	guest_cs_ar = 0x4816,
	guest_ss_ar = 0x4818,
	guest_ds_ar = 0x481A,
	guest_fs_ar = 0x481C,
	guest_gs_ar = 0x481E,
	guest_ldtr_ar = 0x4820,
	guest_tr_ar = 0x4822,
	guest_interruptibility = 0x4824,
	guest_activity_state = 0x4826,
	guest_sysenter_cs = 0x482A,
	preemption_timer_value = 0x482E,
	host_sysenter_cs = 0x4C00,

	// Natural-width control (B.4.1), read-only (B.4.2), guest (B.4.3), host (B.4.4)
	cr0_guest_host_mask = 0x6000,
	cr4_guest_host_mask = 0x6002,
	cr0_read_shadow = 0x6004,
	cr4_read_shadow = 0x6006,
	exit_qualification = 0x6400,
	guest_linear_address = 0x640A,
	guest_cr0 = 0x6800,
	guest_cr3 = 0x6802,
	guest_cr4 = 0x6804,
	guest_es_base = 0x6806,
	guest_cs_base = 0x6808,
	guest_ss_base = 0x680A,
	guest_ds_base = 0x680C,
	guest_fs_base = 0x680E,
	guest_gs_base = 0x6810,
	guest_ldtr_base = 0x6812,
	guest_tr_base = 0x6814,
	guest_gdtr_base = 0x6816,
	guest_idtr_base = 0x6818,
	guest_dr7 = 0x681A,
	guest_rsp = 0x681C,
	guest_rip = 0x681E,
	guest_rflags = 0x6820,
	guest_pending_debug = 0x6822,
	guest_sysenter_esp = 0x6824,
	guest_sysenter_eip = 0x6826,
	host_cr0 = 0x6C00,
	host_cr3 = 0x6C02,
	host_cr4 = 0x6C04,
	host_fs_base = 0x6C06,
	host_gs_base = 0x6C08,
	host_tr_base = 0x6C0A,
	host_gdtr_base = 0x6C0C,
	host_idtr_base = 0x6C0E,
	host_sysenter_esp = 0x6C10,
	host_sysenter_eip = 0x6C12,
	host_rsp = 0x6C14,
	host_rip = 0x6C16,
};

// The segment registers in VMCS order (ES CS SS DS FS GS LDTR TR): the
// selector, limit, access-rights and base encodings of segment i are
// first + 2 * i (B.1.2, B.3.3, B.4.3).
inline constexpr u32 segment_selector(unsigned i) { return guest_es_selector + 2 * i; }
inline constexpr u32 segment_limit(unsigned i) { return guest_es_limit + 2 * i; }
inline constexpr u32 segment_ar(unsigned i) { return guest_es_ar + 2 * i; }
inline constexpr u32 segment_base(unsigned i) { return guest_es_base + 2 * i; }
enum segment_index : unsigned { seg_es, seg_cs, seg_ss, seg_ds, seg_fs, seg_gs, seg_ldtr, seg_tr };

// Width of a field from its encoding (bits 14:13) and whether it is the
// "high" half of a 64-bit field (bit 0).
enum class width : u32 { w16 = 0, w64 = 1, w32 = 2, natural = 3 };
inline constexpr width width_of(u32 encoding) { return width((encoding >> 13) & 3); }

// VM-instruction error numbers (SDM Vol. 3C 31.4, "VM Instruction Error Numbers").
namespace instruction_error {
enum : u32 {
	vmlaunch_non_clear = 4,
	vmresume_non_launched = 5,
	entry_invalid_control = 7,
	entry_invalid_host_state = 8,
	vmptrld_invalid_address = 9,
	vmptrld_vmxon_pointer = 10,
	vmptrld_wrong_revision = 11,
	unsupported_field = 12,
	entry_mov_ss_blocking = 26,
};
}  // namespace instruction_error

}  // namespace pv::vmx::field
