// SPDX-License-Identifier: GPL-2.0
// What portvisor requires of VMX, and what it reports as optional.
// Required: VMX enabled and locked in IA32_FEATURE_CONTROL (outside SMX),
// a write-back VMCS, secondary controls with EPT, an EPT walk as deep as the
// host's paging, write-back EPT structures and INVEPT.
#include "x86_64-vmx/vmx_probe.h"

#include "portvisor/x86/msr.h"
#include "x86_64-vmx/vmx_caps.h"

#define PV_UAPI_FREESTANDING
#include "uapi/portvisor.h"

namespace pv::vmx {

using core::probe_result;
using core::probe_status;

probe_result decide(const cpu_snapshot& cpu)
{
	using namespace cap;
	namespace msr = x86::msr;
	if (!cpu.cpuid_vmx)
		return probe_result::refuse(probe_status::absent,
					    "CPU has no VMX (CPUID.1:ECX.VMX=0)");
	if (!cpu.msrs_readable)
		return probe_result::refuse(probe_status::insufficient,
					    "VMX capability MSRs cannot be read");
	// The exit acknowledges the interrupt and the backend calls the host's
	// IDT handler for it; a FRED host (Linux 6.9+) enters through
	// fred_entry_from_kvm instead, which this backend does not do.
	if (cpu.host_fred)
		return probe_result::refuse(probe_status::insufficient,
					    "host runs with FRED (CR4.FRED=1): VM-exit interrupt "
					    "dispatch through FRED is not implemented");
	if (!bit(cpu.feature_control, msr::feature_control_lock))
		return probe_result::refuse(
		    probe_status::disabled,
		    "IA32_FEATURE_CONTROL is not locked (firmware did not configure VMX)");
	if (!bit(cpu.feature_control, msr::feature_control_vmx_outside_smx))
		return probe_result::refuse(
		    probe_status::disabled,
		    "VMX disabled by firmware (IA32_FEATURE_CONTROL bit 2 clear)");
	if (bits(cpu.basic, basic_memtype_hi, basic_memtype_lo) != memtype_wb)
		return probe_result::refuse(probe_status::insufficient,
					    "VMCS memory type is not write-back (IA32_VMX_BASIC)");
	if (bit(cpu.basic, basic_phys_32bit))
		return probe_result::refuse(probe_status::insufficient,
					    "VMX limited to 32-bit physical addresses");
	if (!allowed1(cpu.procbased, proc_activate_secondary))
		return probe_result::refuse(probe_status::insufficient,
					    "no secondary processor-based VM-execution controls");
	if (!allowed1(cpu.procbased2, proc2_enable_ept))
		return probe_result::refuse(probe_status::insufficient, "no EPT");
	const u64 ept = cpu.ept_vpid_cap;
	const unsigned levels = cpu.host_paging_levels == 5 ? 5 : 4;
	if (levels == 5 && !bit(ept, ept_walk_5))
		return probe_result::refuse(probe_status::insufficient,
					    "host uses 5-level paging but EPT has no 5-level walk");
	if (levels == 4 && !bit(ept, ept_walk_4))
		return probe_result::refuse(probe_status::insufficient, "EPT has no 4-level walk");
	if (!bit(ept, ept_memtype_wb))
		return probe_result::refuse(probe_status::insufficient,
					    "EPT paging structures cannot be write-back");
	if (!bit(ept, ept_invept) || !(bit(ept, ept_invept_single) || bit(ept, ept_invept_all)))
		return probe_result::refuse(probe_status::insufficient, "no usable INVEPT");

	core::capabilities c;
	c.kind = core::backend_kind::vmx;
	c.stage2_levels = levels;
	c.page_sizes = PV_PAGE_SIZE_4K;
	if (bit(ept, ept_2m_pages))
		c.page_sizes |= PV_PAGE_SIZE_2M;
	if (bit(ept, ept_1g_pages))
		c.page_sizes |= PV_PAGE_SIZE_1G;
	if (bit(ept, ept_ad_flags))
		c.features |= PV_FEAT_STAGE2_AD;
	if (allowed1(cpu.procbased2, proc2_enable_vpid) && bit(ept, vpid_invvpid) &&
	    (bit(ept, vpid_invvpid_single) || bit(ept, vpid_invvpid_all))) {
		c.features |= PV_FEAT_TAGGED_TLB;
		c.tlb_tags = vpid_count;
	}
	if (allowed1(cpu.procbased2, proc2_unrestricted_guest))
		c.features |= PV_FEAT_UNRESTRICTED;
	if (allowed1(cpu.pinbased, pin_preemption_timer))
		c.features |= PV_FEAT_PREEMPT_TIMER;
	if (levels == 5)
		c.features |= PV_FEAT_STAGE2_5LEVEL | PV_FEAT_HOST_LA57;
	c.guest_phys_bits = cpu.phys_addr_bits;
	return probe_result{probe_status::usable, nullptr, c};
}

}  // namespace pv::vmx
