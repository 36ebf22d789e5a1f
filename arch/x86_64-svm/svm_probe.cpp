// SPDX-License-Identifier: GPL-2.0
// What portvisor requires of SVM: SVM not disabled in VM_CR, nested paging,
// and more than one ASID (ASID 0 is the host's). Everything else is optional.
// AMD APM Vol. 2, 15.4 "Enabling SVM" and 15.25 "Nested Paging".
#include "x86_64-svm/svm_probe.h"

#include "portvisor/x86/cpuid.h"
#include "portvisor/x86/msr.h"

#define PV_UAPI_FREESTANDING
#include "uapi/portvisor.h"

namespace pv::svm {

using core::probe_result;
using core::probe_status;

probe_result decide(const cpu_snapshot& cpu)
{
	using namespace x86;
	if (!cpu.cpuid_svm)
		return probe_result::refuse(probe_status::absent,
					    "CPU has no SVM (CPUID.80000001H:ECX.SVM=0)");
	if (!cpu.svm_leaf)
		return probe_result::refuse(probe_status::insufficient,
					    "CPUID leaf 8000000AH missing");
	if (!cpu.vm_cr_readable)
		return probe_result::refuse(probe_status::insufficient, "VM_CR MSR cannot be read");
	if (bit(cpu.vm_cr, msr::vm_cr_svmdis))
		return probe_result::refuse(
		    probe_status::disabled,
		    bit(cpu.vm_cr, msr::vm_cr_lock)
			? "SVM disabled and locked by firmware (VM_CR.SVMDIS=1, LOCK=1)"
			: "SVM disabled by firmware (VM_CR.SVMDIS=1)");
	if (!bit(cpu.svm_edx, cpuid_bit::svm_edx_np))
		return probe_result::refuse(probe_status::insufficient,
					    "no nested paging (CPUID.8000000AH:EDX.NP=0)");
	if (cpu.asid_count < 2)
		return probe_result::refuse(probe_status::insufficient, "fewer than two ASIDs");

	core::capabilities c;
	c.kind = core::backend_kind::svm;
	// Nested page tables are walked with the host's paging mode (APM 15.25.1),
	// so their depth follows the host's: 5 with LA57.
	c.stage2_levels = cpu.host_paging_levels == 5 ? 5 : 4;
	c.page_sizes = PV_PAGE_SIZE_4K | PV_PAGE_SIZE_2M;
	if (cpu.page1gb)
		c.page_sizes |= PV_PAGE_SIZE_1G;
	// The processor sets A and D bits in nested tables (APM 15.25.6).
	c.features = PV_FEAT_STAGE2_AD | PV_FEAT_TAGGED_TLB;
	c.tlb_tags = cpu.asid_count - 1;
	if (bit(cpu.svm_edx, cpuid_bit::svm_edx_nrips))
		c.features |= PV_FEAT_NRIP_SAVE;
	if (bit(cpu.svm_edx, cpuid_bit::svm_edx_flush_by_asid))
		c.features |= PV_FEAT_FLUSH_BY_ASID;
	if (c.stage2_levels == 5)
		c.features |= PV_FEAT_STAGE2_5LEVEL | PV_FEAT_HOST_LA57;
	c.guest_phys_bits = cpu.phys_addr_bits;
	return probe_result{probe_status::usable, nullptr, c};
}

}  // namespace pv::svm
