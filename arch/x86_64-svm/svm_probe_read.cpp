// SPDX-License-Identifier: GPL-2.0
// Reads the registers svm::decide() needs, on the current CPU.
// Runs with preemption off (from pv_platform_on_each_cpu).
#include "x86_64-svm/svm_probe.h"

#include "portvisor/platform.h"
#include "portvisor/x86/cpuid.h"
#include "portvisor/x86/msr.h"

namespace pv::svm {

cpu_snapshot read_this_cpu()
{
	using namespace x86;
	cpu_snapshot s;
	s.host_paging_levels = pv_platform_x86_paging_levels();
	const u32 ext_max = cpuid(cpuid_leaf::ext_max).eax;
	if (ext_max < cpuid_leaf::ext_features)
		return s;
	const cpuid_regs ext = cpuid(cpuid_leaf::ext_features);
	s.cpuid_svm = bit(ext.ecx, cpuid_bit::ext_ecx_svm);
	s.page1gb = bit(ext.edx, cpuid_bit::ext_edx_page1gb);
	if (ext_max >= cpuid_leaf::ext_address_sizes)
		s.phys_addr_bits = cpuid(cpuid_leaf::ext_address_sizes).eax & 0xff;
	if (!s.cpuid_svm)
		return s;
	if (ext_max >= cpuid_leaf::svm_features) {
		const cpuid_regs svm = cpuid(cpuid_leaf::svm_features);
		s.svm_leaf = true;
		s.svm_revision = svm.eax & 0xff;
		s.asid_count = svm.ebx;
		s.svm_edx = svm.edx;
	}
	s.vm_cr_readable = pv_platform_rdmsr_safe(msr::vm_cr, &s.vm_cr) == 0;
	return s;
}

}  // namespace pv::svm
