// SPDX-License-Identifier: GPL-2.0
// What portvisor requires on arm64: the host kernel at EL2 with VHE
// (HCR_EL2.E2H=1) and 4 KiB granules at stage 2.
#include "arm64-vhe/vhe_probe.h"

#include "arm64-vhe/sysregs.h"

#define PV_UAPI_FREESTANDING
#include "uapi/portvisor.h"

namespace pv::arm64 {

using core::probe_result;
using core::probe_status;

probe_result decide(const cpu_snapshot& cpu)
{
	using namespace reg;
	const u64 vh = bits(cpu.id_aa64mmfr1, mmfr1_vh_hi, mmfr1_vh_lo);
	if (cpu.current_el != 2)
		return probe_result::refuse(
		    probe_status::disabled,
		    vh ? "kernel is not running at EL2 (CurrentEL=EL1): boot it with EL2 available"
		       : "kernel is not running at EL2 (CurrentEL=EL1) and the CPU has no VHE");
	if (vh == 0)
		return probe_result::refuse(probe_status::absent,
					    "CPU has no VHE (ID_AA64MMFR1_EL1.VH=0)");
	if (!bit(cpu.hcr_el2, hcr_e2h))
		return probe_result::refuse(probe_status::disabled,
					    "kernel at EL2 without VHE (HCR_EL2.E2H=0)");
	const u64 tg2 = bits(cpu.id_aa64mmfr0, mmfr0_tgran4_2_hi, mmfr0_tgran4_2_lo);
	const u64 tg1 = bits(cpu.id_aa64mmfr0, mmfr0_tgran4_hi, mmfr0_tgran4_lo);
	if (tg2 == tgran4_2_not_supported ||
	    (tg2 == tgran4_2_as_stage1 && tg1 == tgran4_not_supported))
		return probe_result::refuse(
		    probe_status::insufficient,
		    "no 4 KiB granule at stage 2 (ID_AA64MMFR0_EL1.TGran4_2)");
	const u64 parange = bits(cpu.id_aa64mmfr0, mmfr0_parange_hi, mmfr0_parange_lo);
	if (parange >= sizeof(parange_bits) / sizeof(parange_bits[0]))
		return probe_result::refuse(probe_status::insufficient,
					    "unknown PARange in ID_AA64MMFR0_EL1");

	core::capabilities c;
	c.kind = core::backend_kind::arm64_vhe;
	c.guest_phys_bits = min(parange_bits[parange], max_ipa_bits);
	c.stage2_levels = stage2_levels_for_ipa(c.guest_phys_bits);
	c.page_sizes = PV_PAGE_SIZE_4K | PV_PAGE_SIZE_2M | PV_PAGE_SIZE_1G;
	c.features = PV_FEAT_VHE | PV_FEAT_TAGGED_TLB;
	// VMID 0 stays unused so that a stale TLB entry never matches a guest.
	c.tlb_tags = bits(cpu.id_aa64mmfr1, mmfr1_vmidbits_hi, mmfr1_vmidbits_lo) == vmidbits_16
			 ? 0xFFFF
			 : 0xFF;
	// Accessed *and* dirty: HAFDBS=1 updates the access flag only.
	if (bits(cpu.id_aa64mmfr1, mmfr1_hafdbs_hi, mmfr1_hafdbs_lo) >= hafdbs_access_and_dirty)
		c.features |= PV_FEAT_STAGE2_AD;
	return probe_result{probe_status::usable, nullptr, c};
}

}  // namespace pv::arm64
