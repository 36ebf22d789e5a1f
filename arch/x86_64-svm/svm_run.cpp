// SPDX-License-Identifier: GPL-2.0
// The AMD-V backend's vCPUs: EFER.SVME and the host save area per CPU while
// a VM exists, ASIDs, the VMCB of a 64-bit ring-0 guest, the world switch
// and the decoding of its exits. Module only (inline asm, MSR writes).
#include "portvisor/core/ioctl.h"
#include "portvisor/core/module.h"
#include "portvisor/core/stage2/table.h"
#include "portvisor/core/vm/stage2_ops.h"
#include "portvisor/core/vm/vm_ops.h"
#include "portvisor/x86/cpuid.h"
#include "portvisor/x86/msr_access.h"
#include "portvisor/x86/rules.h"
#include "portvisor/x86/syscall_msrs.h"
#include "portvisor/x86/xsetbv.h"
#include "x86_64-svm/svm_backend.h"
#include "x86_64-svm/vmcb.h"

extern "C" void pv_svm_vmrun(uint64_t vmcb_pa, uint64_t* gprs, uint64_t host_save_pa);

namespace pv::svm {
namespace {

using core::exit_info;
using core::exit_kind;
using core::ioc_dir;
using core::ioc_nr;

using x86::rdmsr;
using x86::wrmsr;

template <class T> T get(const u8* vmcb, u32 off)
{
	return *reinterpret_cast<const volatile T*>(vmcb + off);
}
template <class T> void put(u8* vmcb, u32 off, T v)
{
	*reinterpret_cast<volatile T*>(vmcb + off) = v;
}

// --- per-CPU state ---------------------------------------------------------------
struct cpu_state {
	u8* hsave = nullptr;      // VM_HSAVE_PA: where VMRUN keeps the host's state
	u8* host_area = nullptr;  // VMSAVE/VMLOAD area of the host's other state
	u64 hsave_pa = 0;
	u64 host_area_pa = 0;
	bool enabled = false;     // EFER.SVME set by portvisor
	u32 next_asid = 0;        // next free ASID of this generation
	u64 asid_generation = 0;  // bumped (with a flush of all ASIDs) on wrap
};

struct hw_state {
	cpu_state* cpus = nullptr;
	u32 cpu_ids = 0;
	u8* iopm = nullptr;   // all ones: every port access exits
	u8* msrpm = nullptr;  // all ones: every MSR access exits
	u64 iopm_pa = 0;
	u64 msrpm_pa = 0;
	u32 max_asid = 0;
	u64 page_sizes =
	    0;  // NPT leaf sizes (the probe's: 2M always, 1G with CPUID.8000_0001H:EDX[26])
	bool flush_by_asid = false;
	bool nrip_save = false;
};
constinit hw_state g_hw{};

struct svm_vm {
	stage2::page_table<stage2::npt> npt;
};

struct svm_vcpu {
	u8* vmcb = nullptr;
	u64 vmcb_pa = 0;
	u64 gprs[16] = {};  // by register number; rax and rsp live in the VMCB
	u32 asid = 0;
	u64 asid_generation = 0;
	int last_cpu = -1;
};

svm_vm& arch(core::vm& v) { return *static_cast<svm_vm*>(v.arch); }
svm_vcpu& arch(core::vcpu& c) { return *static_cast<svm_vcpu*>(c.arch); }

// --- enable / disable (runs on the CPU, preemption or interrupts off) ----------------
int enable_this_cpu(unsigned int cpu)
{
	cpu_state& pc = g_hw.cpus[cpu];
	if (pc.enabled)
		return 0;
	if (rdmsr(vmcb::msr_vm_cr) & vmcb::vm_cr_svmdis) {
		pv_platform_log(PV_LOG_ERR,
				"svm: CPU %u: AMD-V is disabled by the firmware (VM_CR.SVMDIS)\n",
				cpu);
		return -PV_EBUSY;
	}
	const u64 efer = rdmsr(vmcb::msr_efer);
	if (efer & vmcb::efer_svme) {
		pv_platform_log(
		    PV_LOG_ERR,
		    "svm: CPU %u: EFER.SVME is already set: another hypervisor (kvm_amd?) "
		    "holds AMD-V; close its VMs, then try again\n",
		    cpu);
		return -PV_EBUSY;
	}
	wrmsr(vmcb::msr_efer, efer | vmcb::efer_svme);
	wrmsr(vmcb::msr_vm_hsave_pa, pc.hsave_pa);
	pc.enabled = true;
	// The first ASID handed out starts a generation: every ASID is flushed,
	// whoever used them before.
	pc.next_asid = g_hw.max_asid + 1;
	return 0;
}

void disable_this_cpu(unsigned int cpu)
{
	cpu_state& pc = g_hw.cpus[cpu];
	if (!pc.enabled)
		return;
	wrmsr(vmcb::msr_vm_hsave_pa, 0);
	wrmsr(vmcb::msr_efer, rdmsr(vmcb::msr_efer) & ~vmcb::efer_svme);
	pc.enabled = false;
}

int enable_cpu_fn(void*, unsigned int cpu) { return enable_this_cpu(cpu); }
int disable_cpu_fn(void*, unsigned int cpu)
{
	disable_this_cpu(cpu);
	return 0;
}

void free_hw()
{
	if (g_hw.cpus != nullptr) {
		for (u32 i = 0; i < g_hw.cpu_ids; i++) {
			pv_platform_free_page(g_hw.cpus[i].hsave);
			pv_platform_free_page(g_hw.cpus[i].host_area);
		}
		pv_platform_free(g_hw.cpus, sizeof(cpu_state) * g_hw.cpu_ids);
	}
	if (g_hw.iopm != nullptr)
		pv_platform_free_pages(g_hw.iopm, vmcb::iopm_order);
	if (g_hw.msrpm != nullptr)
		pv_platform_free_pages(g_hw.msrpm, vmcb::msrpm_order);
	g_hw = hw_state{};
}

// Module load: per-CPU state for every possible CPU id and the permission
// maps, kept until unload, so that CPU hotplug never meets freed memory.
int setup(const core::capabilities& caps)
{
	g_hw.max_asid = caps.tlb_tags;
	g_hw.page_sizes = caps.page_sizes;
	g_hw.flush_by_asid = (caps.features & PV_FEAT_FLUSH_BY_ASID) != 0;
	g_hw.nrip_save = (caps.features & PV_FEAT_NRIP_SAVE) != 0;
	g_hw.cpu_ids = pv_platform_cpu_ids();
	g_hw.cpus = static_cast<cpu_state*>(pv_platform_alloc(sizeof(cpu_state) * g_hw.cpu_ids));
	g_hw.iopm = static_cast<u8*>(pv_platform_alloc_pages(vmcb::iopm_order));
	g_hw.msrpm = static_cast<u8*>(pv_platform_alloc_pages(vmcb::msrpm_order));
	bool ok = g_hw.cpus != nullptr && g_hw.iopm != nullptr && g_hw.msrpm != nullptr;
	for (u32 i = 0; ok && i < g_hw.cpu_ids; i++) {
		cpu_state& pc = g_hw.cpus[i];
		pc.hsave = static_cast<u8*>(pv_platform_alloc_page());
		pc.host_area = static_cast<u8*>(pv_platform_alloc_page());
		ok = pc.hsave != nullptr && pc.host_area != nullptr;
		if (ok) {
			pc.hsave_pa = pv_platform_virt_to_phys(pc.hsave);
			pc.host_area_pa = pv_platform_virt_to_phys(pc.host_area);
		}
	}
	if (!ok) {
		free_hw();
		return -PV_ENOMEM;
	}
	for (u64 i = 0; i < (4096ULL << vmcb::iopm_order); i++)
		g_hw.iopm[i] = 0xff;
	for (u64 i = 0; i < (4096ULL << vmcb::msrpm_order); i++)
		g_hw.msrpm[i] = 0xff;
	// The guest reads its SYSCALL MSRs itself: VMLOAD and VMSAVE switch
	// them on every trip (svm_vmrun.S). Its writes exit, to be checked.
	for (const u32 msr : x86::syscall_msr_index)
		g_hw.msrpm[vmcb::msrpm_byte(msr)] &= u8(~(1U << vmcb::msrpm_read_bit(msr)));
	g_hw.iopm_pa = pv_platform_virt_to_phys(g_hw.iopm);
	g_hw.msrpm_pa = pv_platform_virt_to_phys(g_hw.msrpm);
	return 0;
}

void unsetup() { free_hw(); }

int hardware_enable()
{
	const int rc = pv_platform_on_each_cpu(&enable_cpu_fn, nullptr);
	if (rc != 0) {
		(void)pv_platform_on_each_cpu(&disable_cpu_fn, nullptr);
		return rc;
	}
	pv_platform_log(PV_LOG_INFO, "svm: AMD-V on (EFER.SVME) on every online CPU\n");
	return 0;
}

void hardware_disable()
{
	(void)pv_platform_on_each_cpu(&disable_cpu_fn, nullptr);
	pv_platform_log(PV_LOG_INFO, "svm: AMD-V off: other hypervisors may use it again\n");
}

// A CPU that cannot be enabled (another hypervisor holds it) still comes
// online: enable_this_cpu() logged why, and run_once() tries again there.
int cpu_online(unsigned int cpu, bool in_use)
{
	if (in_use && cpu < g_hw.cpu_ids)
		(void)enable_this_cpu(cpu);
	return 0;
}
void cpu_offline(unsigned int cpu)
{
	if (g_hw.cpus != nullptr && cpu < g_hw.cpu_ids)
		disable_this_cpu(cpu);
}

// --- VMs: the nested page tables -------------------------------------------------------
void invalidate_hook(void* ctx) { core::flush_vcpus(*static_cast<core::vm*>(ctx)); }

int vm_init(core::vm& v)
{
	void* mem = pv_platform_alloc(sizeof(svm_vm));
	if (mem == nullptr)
		return -PV_ENOMEM;
	auto* a = new (mem) svm_vm{};
	stage2::config cfg{};
	// The nested walk takes the host's depth (15.25.3).
	cfg.levels = pv_platform_x86_paging_levels();
	cfg.page_sizes = g_hw.page_sizes;
	cfg.invalidate = &invalidate_hook;
	cfg.invalidate_ctx = &v;
	const stage2::error e = a->npt.init(cfg);
	if (e != stage2::error::ok) {
		a->~svm_vm();
		pv_platform_free(a, sizeof(svm_vm));
		return stage2::to_errno(e);
	}
	v.page_sizes = a->npt.page_sizes();
	v.arch = a;
	return 0;
}

void vm_destroy(core::vm& v)
{
	svm_vm* a = &arch(v);
	a->~svm_vm();  // tears the tables down: no vCPU is left
	pv_platform_free(a, sizeof(svm_vm));
	v.arch = nullptr;
}

int map(core::vm& v, u64 gpa, u64 hpa, u64 size, bool write, bool exec)
{
	return core::map_leaf(v, arch(v).npt, gpa, hpa, size, write, exec);
}

bool unmap(core::vm& v, u64 gpa, u64 size) { return core::unmap_range(arch(v).npt, gpa, size); }

stage2::stats stage2_stats(const core::vm& v)
{
	return static_cast<const svm_vm*>(v.arch)->npt.statistics();
}

// --- vCPUs ------------------------------------------------------------------------------
void set_segment(u8* vmcb, u32 off, const pv_segment& s)
{
	put<u16>(vmcb, off, s.selector);
	put<u16>(vmcb, off + 2, s.attrib);
	put<u32>(vmcb, off + 4, s.limit);
	put<u64>(vmcb, off + 8, s.base);
}
pv_segment get_segment(const u8* vmcb, u32 off)
{
	pv_segment s{};
	s.selector = get<u16>(vmcb, off);
	s.attrib = get<u16>(vmcb, off + 2);
	s.limit = get<u32>(vmcb, off + 4);
	s.base = get<u64>(vmcb, off + 8);
	return s;
}

int vcpu_init(core::vcpu& c)
{
	void* mem = pv_platform_alloc(sizeof(svm_vcpu));
	if (mem == nullptr)
		return -PV_ENOMEM;
	auto* a = new (mem) svm_vcpu{};
	a->vmcb = static_cast<u8*>(pv_platform_alloc_page());
	if (a->vmcb == nullptr) {
		pv_platform_free(a, sizeof(svm_vcpu));
		return -PV_ENOMEM;
	}
	a->vmcb_pa = pv_platform_virt_to_phys(a->vmcb);
	u8* v = a->vmcb;
	using namespace vmcb;
	// Everything that could reach the host's hardware or privileged state
	// exits; the guest owns its CRs, its page tables and its FPU use.
	put<u32>(v, intercept_dr, 0xffffffffU);
	put<u32>(v, intercept_exc, 0xffffffffU);
	put<u32>(v, intercept_misc1,
		 misc1::intr | misc1::nmi | misc1::smi | misc1::init | misc1::rdpmc | misc1::cpuid |
		     misc1::rsm | misc1::invd | misc1::hlt | misc1::invlpga | misc1::ioio_prot |
		     misc1::msr_prot | misc1::task_switch | misc1::ferr_freeze | misc1::shutdown);
	put<u32>(v, intercept_misc2,
		 misc2::vmrun | misc2::vmmcall | misc2::vmload | misc2::vmsave | misc2::stgi |
		     misc2::clgi | misc2::skinit | misc2::icebp | misc2::wbinvd | misc2::monitor |
		     misc2::mwait | misc2::mwait_cond | misc2::xsetbv | misc2::rdpru);
	put<u64>(v, iopm_base_pa, g_hw.iopm_pa);
	put<u64>(v, msrpm_base_pa, g_hw.msrpm_pa);
	put<u64>(v, vmcb::v_intr, v_intr_masking);  // host interrupts stay the host's
	put<u64>(v, np_control, np_enable);
	put<u64>(v, n_cr3, stage2::npt::ncr3(arch(*c.owner).npt.root_phys()));
	put<u64>(v, dr7, 0x400);
	put<u64>(v, dr6, 0xffff0ff0);
	put<u64>(v, vmcb::rflags, 2);
	put<u64>(v, g_pat, 0x0007040600070406ULL);
	c.arch = a;
	return 0;
}

void vcpu_destroy(core::vcpu& c)
{
	svm_vcpu* a = &arch(c);
	pv_platform_free_page(a->vmcb);
	pv_platform_free(a, sizeof(svm_vcpu));
	c.arch = nullptr;
}

// --- registers ----------------------------------------------------------------------------
constexpr u64 efer_allowed =
    (1ULL << 0) | (1ULL << 8) | (1ULL << 10) | (1ULL << 11);  // SCE LME LMA NXE
constexpr u64 efer_long = (1ULL << 8) | (1ULL << 10);
// VME PVI TSD DE PSE PAE MCE PGE PCE OSFXSR OSXMMEXCPT UMIP FSGSBASE PCIDE OSXSAVE SMEP SMAP
constexpr u64 cr4_allowed =
    0x7ffULL | (1ULL << 16) | (1ULL << 17) | (1ULL << 18) | (1ULL << 20) | (1ULL << 21);
constexpr u64 cr4_pae = 1ULL << 5;
constexpr u64 cr0_pe = 1ULL << 0, cr0_nw = 1ULL << 29, cr0_cd = 1ULL << 30, cr0_pg = 1ULL << 31;
// RFLAGS bits a guest may hold: CF 1 PF AF ZF SF TF IF DF OF IOPL NT RF AC VIF VIP ID, not VM.
constexpr u64 rflags_allowed = 0x3f7fd7ULL & ~(1ULL << 17);
constexpr u16 attr_l = 1U << 9, attr_db = 1U << 10, attr_dpl = 3U << 5;

[[nodiscard]] long check_sregs(const pv_sregs_x86_64& s)
{
	if ((s.efer & ~efer_allowed) != 0 || (s.efer & efer_long) != efer_long)
		return -PV_EINVAL;  // a 64-bit guest: LME and LMA
	if ((s.cr0 >> 32) != 0 || (s.cr0 & (cr0_pe | cr0_pg)) != (cr0_pe | cr0_pg) ||
	    (s.cr0 & (cr0_nw | cr0_cd)) == cr0_nw)
		return -PV_EINVAL;
	if ((s.cr4 & ~cr4_allowed) != 0 || (s.cr4 & cr4_pae) == 0)
		return -PV_EINVAL;
	if ((s.cr3 >> 52) != 0 || !x86::valid_pat(s.pat))
		return -PV_EINVAL;
	// 64-bit ring-0 code: CS.L, not CS.D, DPL 0.
	if ((s.cs.attrib & attr_l) == 0 || (s.cs.attrib & attr_db) != 0 ||
	    (s.cs.attrib & attr_dpl) != 0)
		return -PV_EINVAL;
	const pv_segment* segs[] = {&s.cs, &s.ds, &s.es, &s.fs, &s.gs, &s.ss, &s.tr, &s.ldt};
	for (const pv_segment* seg : segs)
		if ((seg->attrib & 0xf000U) != 0)
			return -PV_EINVAL;
	if (s.gdt.limit > 0xffff || s.idt.limit > 0xffff || s.gdt.reserved != 0 ||
	    s.idt.reserved != 0)
		return -PV_EINVAL;
	if (!x86::syscall_msrs_of(s).valid())
		return -PV_EINVAL;
	return 0;
}

long set_sregs(svm_vcpu& a, uint64_t arg)
{
	pv_sregs_x86_64 s{};
	if (pv_platform_copy_from_user(&s, arg, sizeof(s)) != 0)
		return -PV_EFAULT;
	if (const long rc = check_sregs(s); rc != 0)
		return rc;
	u8* v = a.vmcb;
	using namespace vmcb;
	set_segment(v, vmcb::cs, s.cs);
	set_segment(v, vmcb::ds, s.ds);
	set_segment(v, vmcb::es, s.es);
	set_segment(v, vmcb::fs, s.fs);
	set_segment(v, vmcb::gs, s.gs);
	set_segment(v, vmcb::ss, s.ss);
	set_segment(v, vmcb::tr, s.tr);
	set_segment(v, ldtr, s.ldt);
	put<u64>(v, gdtr + 8, s.gdt.base);
	put<u32>(v, gdtr + 4, s.gdt.limit);
	put<u64>(v, idtr + 8, s.idt.base);
	put<u32>(v, idtr + 4, s.idt.limit);
	put<u8>(v, cpl, 0);
	put<u64>(v, vmcb::cr0, s.cr0);
	put<u64>(v, vmcb::cr2, s.cr2);
	put<u64>(v, vmcb::cr3, s.cr3);
	put<u64>(v, vmcb::cr4, s.cr4);
	put<u64>(v, vmcb::efer, s.efer | efer_svme);  // VMRUN requires it (15.5.1)
	put<u64>(v, vmcb::kernel_gs_base, s.kernel_gs_base);
	put<u64>(v, vmcb::star, s.star);
	put<u64>(v, vmcb::lstar, s.lstar);
	put<u64>(v, vmcb::cstar, s.cstar);
	put<u64>(v, vmcb::sfmask, s.sfmask);
	put<u64>(v, g_pat, s.pat);
	return 0;
}

long get_sregs(svm_vcpu& a, uint64_t arg)
{
	const u8* v = a.vmcb;
	using namespace vmcb;
	pv_sregs_x86_64 s{};
	s.cs = get_segment(v, vmcb::cs);
	s.ds = get_segment(v, vmcb::ds);
	s.es = get_segment(v, vmcb::es);
	s.fs = get_segment(v, vmcb::fs);
	s.gs = get_segment(v, vmcb::gs);
	s.ss = get_segment(v, vmcb::ss);
	s.tr = get_segment(v, vmcb::tr);
	s.ldt = get_segment(v, ldtr);
	s.gdt.base = get<u64>(v, gdtr + 8);
	s.gdt.limit = get<u32>(v, gdtr + 4);
	s.idt.base = get<u64>(v, idtr + 8);
	s.idt.limit = get<u32>(v, idtr + 4);
	s.cr0 = get<u64>(v, vmcb::cr0);
	s.cr2 = get<u64>(v, vmcb::cr2);
	s.cr3 = get<u64>(v, vmcb::cr3);
	s.cr4 = get<u64>(v, vmcb::cr4);
	s.efer = get<u64>(v, vmcb::efer) & ~efer_svme;
	s.kernel_gs_base = get<u64>(v, vmcb::kernel_gs_base);
	s.star = get<u64>(v, vmcb::star);
	s.lstar = get<u64>(v, vmcb::lstar);
	s.cstar = get<u64>(v, vmcb::cstar);
	s.sfmask = get<u64>(v, vmcb::sfmask);
	s.pat = get<u64>(v, g_pat);
	return pv_platform_copy_to_user(arg, &s, sizeof(s)) != 0 ? -PV_EFAULT : 0;
}

long set_regs(svm_vcpu& a, uint64_t arg)
{
	pv_regs_x86_64 r{};
	if (pv_platform_copy_from_user(&r, arg, sizeof(r)) != 0)
		return -PV_EFAULT;
	if ((r.rflags & ~rflags_allowed) != 0)
		return -PV_EINVAL;
	u64* g = a.gprs;
	g[1] = r.rcx, g[2] = r.rdx, g[3] = r.rbx, g[5] = r.rbp, g[6] = r.rsi, g[7] = r.rdi;
	g[8] = r.r8, g[9] = r.r9, g[10] = r.r10, g[11] = r.r11, g[12] = r.r12, g[13] = r.r13;
	g[14] = r.r14, g[15] = r.r15;
	put<u64>(a.vmcb, vmcb::rax, r.rax);
	put<u64>(a.vmcb, vmcb::rsp, r.rsp);
	put<u64>(a.vmcb, vmcb::rip, r.rip);
	put<u64>(a.vmcb, vmcb::rflags, r.rflags | 2);
	return 0;
}

long get_regs(svm_vcpu& a, uint64_t arg)
{
	const u64* g = a.gprs;
	pv_regs_x86_64 r{};
	r.rcx = g[1], r.rdx = g[2], r.rbx = g[3], r.rbp = g[5], r.rsi = g[6], r.rdi = g[7];
	r.r8 = g[8], r.r9 = g[9], r.r10 = g[10], r.r11 = g[11], r.r12 = g[12], r.r13 = g[13];
	r.r14 = g[14], r.r15 = g[15];
	r.rax = get<u64>(a.vmcb, vmcb::rax);
	r.rsp = get<u64>(a.vmcb, vmcb::rsp);
	r.rip = get<u64>(a.vmcb, vmcb::rip);
	r.rflags = get<u64>(a.vmcb, vmcb::rflags);
	return pv_platform_copy_to_user(arg, &r, sizeof(r)) != 0 ? -PV_EFAULT : 0;
}

long vcpu_ioctl(core::vcpu& c, unsigned int cmd, uint64_t arg)
{
	svm_vcpu& a = arch(c);
	const u32 nr = ioc_nr(cmd), dir = ioc_dir(cmd);
	if (nr == ioc_nr(PV_GET_REGS) && dir == _IOC_READ)
		return get_regs(a, arg);
	if (nr == ioc_nr(PV_SET_REGS) && dir == _IOC_WRITE)
		return set_regs(a, arg);
	if (nr == ioc_nr(PV_GET_SREGS) && dir == _IOC_READ)
		return get_sregs(a, arg);
	if (nr == ioc_nr(PV_SET_SREGS) && dir == _IOC_WRITE)
		return set_sregs(a, arg);
	return -PV_ENOTTY;
}

// --- the world switch ------------------------------------------------------------------------
// Length of an instruction the exit stands on, when the CPU has no
// next-RIP (QEMU's TCG): VMMCALL 0f 01 d9, HLT f4, CPUID 0f a2, XSETBV
// 0f 01 d1.
constexpr u64 len_vmmcall = 3, len_hlt = 1, len_cpuid = 2, len_xsetbv = 3, len_wrmsr = 2;

void skip(svm_vcpu& a, u64 len)
{
	const u64 next =
	    g_hw.nrip_save ? get<u64>(a.vmcb, vmcb::next_rip) : get<u64>(a.vmcb, vmcb::rip) + len;
	put<u64>(a.vmcb, vmcb::rip, next);
}

// CPUID answered in the kernel, as the host's, without AMD-V (no nesting).
void emulate_cpuid(svm_vcpu& a)
{
	const u32 leaf = u32(get<u64>(a.vmcb, vmcb::rax));
	x86::cpuid_regs r = x86::cpuid(leaf, u32(a.gprs[1]));
	if (leaf == x86::cpuid_leaf::ext_features)
		r.ecx &= ~(1U << x86::cpuid_bit::ext_ecx_svm);
	put<u64>(a.vmcb, vmcb::rax, r.eax);
	a.gprs[3] = r.ebx, a.gprs[1] = r.ecx, a.gprs[2] = r.edx;
	skip(a, len_cpuid);
}

// WRMSR of a SYSCALL MSR (ECX, EDX:EAX): into the VMCB, which VMLOAD
// loads at the next entry. A value the CPU would refuse is its #GP(0),
// RIP on the WRMSR. False for any other MSR access.
[[nodiscard]] bool emulate_syscall_msr_write(svm_vcpu& a, exit_info& e)
{
	const int slot = x86::syscall_msr_slot(u32(a.gprs[1]));
	if (slot < 0 || e.qualification != vmcb::msr_exit_write)
		return false;
	const u64 v = u64(u32(a.gprs[2])) << 32 | u32(get<u64>(a.vmcb, vmcb::rax));
	if (!x86::syscall_msr_value_valid(unsigned(slot), v)) {
		e.hw_reason = u32(vmcb::exit::excp_base + 13);
		e.qualification = 0;
		e.guest_virt = 0;
		e.kind = exit_kind::exception;
		return true;
	}
	constexpr u32 field[x86::syscall_msr_count] = {vmcb::star, vmcb::lstar, vmcb::cstar,
						       vmcb::sfmask};
	put<u64>(a.vmcb, field[slot], v);
	skip(a, len_wrmsr);
	e.kind = exit_kind::host_event;
	return true;
}

// Interrupts are off: the exit is decoded, nothing may sleep.
exit_info run_once(core::vcpu& c, unsigned int cpu)
{
	svm_vcpu& a = arch(c);
	cpu_state& pc = g_hw.cpus[cpu];
	exit_info e{};
	if (!pc.enabled && enable_this_cpu(cpu) != 0) {
		e.kind = exit_kind::entry_failed;
		e.hw_reason = ~0U;
		return e;
	}
	u8 tlb = vmcb::tlb_nothing;
	if (a.last_cpu != int(cpu) || a.asid_generation != pc.asid_generation) {
		if (pc.next_asid > g_hw.max_asid || pc.next_asid == 0) {
			pc.asid_generation++;
			pc.next_asid = 1;
			tlb = vmcb::tlb_flush_all;
		}
		a.asid = pc.next_asid++;
		a.asid_generation = pc.asid_generation;
		a.last_cpu = int(cpu);
	}
	const u64 gen = __atomic_load_n(&c.owner->tlb_generation, __ATOMIC_SEQ_CST);
	if (gen != c.seen_tlb_generation) {
		c.seen_tlb_generation = gen;
		if (tlb == vmcb::tlb_nothing)
			tlb = g_hw.flush_by_asid ? vmcb::tlb_flush_asid : vmcb::tlb_flush_all;
	}
	put<u32>(a.vmcb, vmcb::guest_asid, a.asid);
	put<u8>(a.vmcb, vmcb::tlb_control, tlb);
	put<u32>(a.vmcb, vmcb::clean_bits, 0);

	pv_svm_vmrun(a.vmcb_pa, a.gprs, pc.host_area_pa);

	put<u8>(a.vmcb, vmcb::tlb_control, vmcb::tlb_nothing);
	const u64 code = get<u64>(a.vmcb, vmcb::exit_code);
	const u64 info1 = get<u64>(a.vmcb, vmcb::exit_info1);
	const u64 info2 = get<u64>(a.vmcb, vmcb::exit_info2);
	e.hw_reason = u32(code);
	e.qualification = info1;
	e.guest_ip = get<u64>(a.vmcb, vmcb::rip);
	if (code == vmcb::exit::vmmcall) {
		e.kind = exit_kind::hypercall;
	} else if (code == vmcb::exit::npf) {
		e.guest_phys = info2;
		if (info1 & vmcb::npf::rsvd) {
			e.kind = exit_kind::other;  // a broken nested entry: portvisor's bug
		} else {
			e.kind = exit_kind::stage2_fault;
			e.access = (info1 & vmcb::npf::write)   ? PV_ACCESS_WRITE
				   : (info1 & vmcb::npf::fetch) ? PV_ACCESS_EXEC
								: PV_ACCESS_READ;
		}
	} else if (code == vmcb::exit::excp_base + vmcb::vector_mc) {
		// A machine check in the guest is the host's: hand it to the
		// host's handler now, interrupts still off (as KVM does).
		asm volatile("int $0x12");
		e.kind = exit_kind::host_event;
	} else if (code >= vmcb::exit::excp_base && code < vmcb::exit::excp_base + 32) {
		e.kind = exit_kind::exception;
		e.guest_virt = info2;
	} else if (code == vmcb::exit::intr || code == vmcb::exit::nmi || code == vmcb::exit::smi ||
		   code == vmcb::exit::init) {
		e.kind = exit_kind::host_event;  // taken by the host once interrupts are on
	} else if (code == vmcb::exit::cpuid) {
		emulate_cpuid(a);
		e.kind = exit_kind::host_event;
	} else if (code == vmcb::exit::xsetbv &&
		   x86::guest_xsetbv_changes_nothing(a.gprs[1], get<u64>(a.vmcb, vmcb::rax),
						     a.gprs[2])) {
		skip(a, len_xsetbv);
		e.kind = exit_kind::host_event;
	} else if (code == vmcb::exit::msr && emulate_syscall_msr_write(a, e)) {
		// done, or the guest's #GP
	} else if (code == vmcb::exit::hlt) {
		skip(a, len_hlt);
		e.guest_ip = get<u64>(a.vmcb, vmcb::rip);  // where it resumes, as for hypercalls
		e.kind = exit_kind::halt;
	} else if (code == vmcb::exit::shutdown) {
		e.kind = exit_kind::shutdown;
	} else if (code == vmcb::exit::invalid) {
		e.kind = exit_kind::entry_failed;
	} else {
		e.kind = exit_kind::other;
		e.guest_phys = info2;
	}
	return e;
}

trap::hypercall read_hypercall(core::vcpu& c, u64& next_ip)
{
	svm_vcpu& a = arch(c);
	const u64* g = a.gprs;
	const trap::x86_64_hypercall_regs r{
	    get<u64>(a.vmcb, vmcb::rax), g[7], g[6], g[2], g[10], g[8], g[9]};
	next_ip = g_hw.nrip_save ? get<u64>(a.vmcb, vmcb::next_rip)
				 : get<u64>(a.vmcb, vmcb::rip) + len_vmmcall;
	trap::hypercall hc = trap::decode(r);
	hc.user_mode = get<u8>(a.vmcb, vmcb::cpl) != 0;
	return hc;
}

void apply_trap(core::vcpu& c, const trap::trap_outcome& o)
{
	svm_vcpu& a = arch(c);
	trap::x86_64_hypercall_regs r{};
	r.rax = get<u64>(a.vmcb, vmcb::rax);
	const bool advance = trap::write_back(o, r);
	put<u64>(a.vmcb, vmcb::rax, r.rax);
	if (advance)
		skip(a, len_vmmcall);
}

void set_result(core::vcpu& c, u64 value) { put<u64>(arch(c).vmcb, vmcb::rax, value); }

void describe_exit(core::vcpu&, const exit_info& e, pv_run& run)
{
	const u32 vector = e.hw_reason - u32(vmcb::exit::excp_base);
	run.exception.vector = vector;
	run.exception.error_code_valid = vmcb::has_error_code(vector) ? 1 : 0;
	run.exception.error_code = vmcb::has_error_code(vector) ? e.qualification : 0;
	run.exception.address = vector == 14 ? e.guest_virt : 0;
}

}  // namespace

const core::vm_ops ops = {
    .setup = &setup,
    .unsetup = &unsetup,
    .hardware_enable = &hardware_enable,
    .hardware_disable = &hardware_disable,
    .cpu_online = &cpu_online,
    .cpu_offline = &cpu_offline,
    .vm_init = &vm_init,
    .vm_destroy = &vm_destroy,
    .map = &map,
    .unmap = &unmap,
    .stage2_stats = &stage2_stats,
    .vcpu_init = &vcpu_init,
    .vcpu_destroy = &vcpu_destroy,
    .vcpu_load = nullptr,  // nothing follows the thread: VMSAVE/VMLOAD every trip
    .vcpu_put = nullptr,
    .vcpu_ioctl = &vcpu_ioctl,
    .run_once = &run_once,
    .read_hypercall = &read_hypercall,
    .apply_trap = &apply_trap,
    .set_result = &set_result,
    .describe_exit = &describe_exit,
};

}  // namespace pv::svm
