// SPDX-License-Identifier: GPL-2.0
// Reads the registers vmx::decide() needs, on the current CPU.
// Runs with preemption off (from pv_platform_on_each_cpu).
#include "x86_64-vmx/vmx_probe.h"

#include "portvisor/platform.h"
#include "portvisor/x86/cpuid.h"
#include "portvisor/x86/msr.h"
#include "x86_64-vmx/vmx_caps.h"

namespace pv::vmx {

cpu_snapshot read_this_cpu()
{
	using namespace x86;
	cpu_snapshot s;
	s.cpuid_vmx = bit(cpuid(cpuid_leaf::features).ecx, cpuid_bit::leaf1_ecx_vmx);
	const u32 ext_max = cpuid(cpuid_leaf::ext_max).eax;
	if (ext_max >= cpuid_leaf::ext_address_sizes)
		s.phys_addr_bits = cpuid(cpuid_leaf::ext_address_sizes).eax & 0xff;
	s.host_paging_levels = pv_platform_x86_paging_levels();
	s.host_fred = bit(pv_platform_x86_cr4_update(0, 0), cap::cr4_fred);
	if (!s.cpuid_vmx)
		return s;

	// With CPUID.VMX set these MSRs exist; a #GP would mean a broken
	// emulator, which the _safe read turns into "cannot be read".
	bool ok = pv_platform_rdmsr_safe(msr::ia32_feature_control, &s.feature_control) == 0 &&
		  pv_platform_rdmsr_safe(msr::ia32_vmx_basic, &s.basic) == 0;
	if (ok) {
		const bool true_ctls = bit(s.basic, cap::basic_true_ctls);
		ok = pv_platform_rdmsr_safe(true_ctls ? msr::ia32_vmx_true_pinbased_ctls
						      : msr::ia32_vmx_pinbased_ctls,
					    &s.pinbased) == 0 &&
		     pv_platform_rdmsr_safe(true_ctls ? msr::ia32_vmx_true_procbased_ctls
						      : msr::ia32_vmx_procbased_ctls,
					    &s.procbased) == 0 &&
		     pv_platform_rdmsr_safe(true_ctls ? msr::ia32_vmx_true_exit_ctls
						      : msr::ia32_vmx_exit_ctls,
					    &s.exit_ctls) == 0 &&
		     pv_platform_rdmsr_safe(true_ctls ? msr::ia32_vmx_true_entry_ctls
						      : msr::ia32_vmx_entry_ctls,
					    &s.entry_ctls) == 0 &&
		     pv_platform_rdmsr_safe(msr::ia32_vmx_misc, &s.misc) == 0 &&
		     pv_platform_rdmsr_safe(msr::ia32_vmx_cr0_fixed0, &s.cr0_fixed0) == 0 &&
		     pv_platform_rdmsr_safe(msr::ia32_vmx_cr0_fixed1, &s.cr0_fixed1) == 0 &&
		     pv_platform_rdmsr_safe(msr::ia32_vmx_cr4_fixed0, &s.cr4_fixed0) == 0 &&
		     pv_platform_rdmsr_safe(msr::ia32_vmx_cr4_fixed1, &s.cr4_fixed1) == 0;
	}
	// Secondary controls and EPT/VPID capabilities exist only when the
	// corresponding controls can be set (SDM Vol. 3D, A.3.3 and A.10).
	if (ok && cap::allowed1(s.procbased, cap::proc_activate_secondary)) {
		ok = pv_platform_rdmsr_safe(msr::ia32_vmx_procbased_ctls2, &s.procbased2) == 0;
		if (ok && (cap::allowed1(s.procbased2, cap::proc2_enable_ept) ||
			   cap::allowed1(s.procbased2, cap::proc2_enable_vpid)))
			ok = pv_platform_rdmsr_safe(msr::ia32_vmx_ept_vpid_cap, &s.ept_vpid_cap) ==
			     0;
	}
	s.msrs_readable = ok;
	return s;
}

}  // namespace pv::vmx
