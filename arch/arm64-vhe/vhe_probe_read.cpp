// SPDX-License-Identifier: GPL-2.0
// Reads the registers arm64::decide() needs, on the current CPU.
// Runs with preemption off (from pv_platform_on_each_cpu), at EL2 when the
// kernel has VHE; HCR_EL2 is read only there (it UNDEFs at EL1).
#include "arm64-vhe/sysregs.h"
#include "arm64-vhe/vhe_probe.h"

namespace pv::arm64 {

#define PV_READ_SYSREG(name)                                                                       \
	({                                                                                         \
		u64 v_;                                                                            \
		asm volatile("mrs %0, " #name : "=r"(v_));                                         \
		v_;                                                                                \
	})

cpu_snapshot read_this_cpu()
{
	cpu_snapshot s;
	s.current_el = static_cast<u32>(
	    bits(PV_READ_SYSREG(CurrentEL), reg::current_el_hi, reg::current_el_lo));
	s.id_aa64mmfr0 = PV_READ_SYSREG(id_aa64mmfr0_el1);
	s.id_aa64mmfr1 = PV_READ_SYSREG(id_aa64mmfr1_el1);
	if (s.current_el == 2)
		s.hcr_el2 = PV_READ_SYSREG(hcr_el2);
	return s;
}

}  // namespace pv::arm64
