// SPDX-License-Identifier: GPL-2.0
// The Intel VT-x backend's vCPUs: VMX operation per CPU while a VM exists,
// the VMCS of a 64-bit ring-0 guest (built by vmcs_build.cpp), EPT, VPIDs,
// the world switch and the decoding of its exits. Module only (VMX
// instructions, MSR writes).
//
// A VMCS is current and active on at most one CPU, and only while its
// thread is inside PV_RUN (or a register ioctl) on that CPU: the preemption
// hook VMCLEARs it when the thread is scheduled out, and vcpu_put when RUN
// ends. So VMXOFF never meets an active VMCS, and no IPI is ever needed to
// clear one on another CPU.
#include "portvisor/core/ioctl.h"
#include "portvisor/core/module.h"
#include "portvisor/core/stage2/table.h"
#include "portvisor/core/vm/stage2_ops.h"
#include "portvisor/core/vm/vm_ops.h"
#include "portvisor/x86/cpuid.h"
#include "portvisor/x86/msr.h"
#include "portvisor/x86/msr_access.h"
#include "portvisor/x86/syscall_msrs.h"
#include "portvisor/x86/xsetbv.h"
#include "x86_64-vmx/l1d_flush.h"
#include "x86_64-vmx/vmcs_build.h"
#include "x86_64-vmx/vmcs_fields.h"
#include "x86_64-vmx/vmentry_check.h"
#include "x86_64-vmx/vmx_backend.h"
#include "x86_64-vmx/vmx_caps.h"
#include "x86_64-vmx/vmx_exit_reasons.h"

extern "C" int pv_vmx_vmrun(uint64_t* gprs, uint32_t launched, uint64_t* host_rsp);
extern "C" void pv_vmx_vmexit();
extern "C" void pv_vmx_dispatch_host_irq(unsigned long handler);

namespace pv::vmx {
namespace {

using core::exit_info;
using core::exit_kind;
using core::ioc_dir;
using core::ioc_nr;
namespace f = field;

// MSRs the world switch touches (SDM Vol. 4, Table 2-2).
constexpr u32 msr_fs_base = 0xC0000100, msr_gs_base = 0xC0000101, msr_kernel_gs_base = 0xC0000102,
	      msr_pat = 0x277, msr_debugctl = 0x1D9, msr_spec_ctrl = 0x48, msr_sysenter_cs = 0x174,
	      msr_sysenter_esp = 0x175, msr_sysenter_eip = 0x176;
constexpr u64 cr4_vmxe = 1ULL << 13;

// --- raw instructions (ring 0, VMX root) ------------------------------------------------
using x86::rdmsr;
using x86::wrmsr;

u64 read_cr0()
{
	u64 v;
	asm volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}
u64 read_cr3()
{
	u64 v;
	asm volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}
u64 read_cr4()
{
	u64 v;
	asm volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}
struct __attribute__((packed)) dtr {
	u16 limit;
	u64 base;
};
u64 gdt_base()
{
	dtr d{};
	asm volatile("sgdt %0" : "=m"(d));
	return d.base;
}
u64 idt_base()
{
	dtr d{};
	asm volatile("sidt %0" : "=m"(d));
	return d.base;
}
// The handler address in a 64-bit IDT gate (SDM Vol. 3A 6.14.1): offset
// 15:0 in bytes 0-1, 31:16 in bytes 6-7, 63:32 in bytes 8-11.
unsigned long idt_gate_handler(u64 idt, u32 vector)
{
	const auto* g = reinterpret_cast<const volatile u8*>(idt + u64(vector) * 16);
	const auto word = [g](unsigned at) { return u64(g[at]) | u64(g[at + 1]) << 8; };
	const u64 high = word(8) | word(10) << 16;
	return static_cast<unsigned long>(word(0) | word(6) << 16 | high << 32);
}

// An external interrupt the exit acknowledged (28.2.2): its vector is no
// longer pending in the local APIC, so the host's handler must run now, as
// the CPU would have run it. VMX root, interrupts off; the handler's IRET
// keeps them off.
void dispatch_host_irq(u32 info)
{
	if (!(info & intr_info::valid))
		return;  // not acknowledged (cannot happen with the control set)
	pv_vmx_dispatch_host_irq(idt_gate_handler(idt_base(), intr_info::vector(info)));
}

u16 read_tr()
{
	u16 s;
	asm volatile("str %0" : "=r"(s));
	return s;
}
u16 read_cs()
{
	u16 s;
	asm volatile("mov %%cs, %0" : "=r"(s));
	return s;
}
u16 read_ldtr()
{
	u16 s;
	asm volatile("sldt %0" : "=r"(s));
	return s;
}
void load_ldtr(u16 s) { asm volatile("lldt %0" ::"r"(s)); }

// VMX instructions report failure in CF (VMfailInvalid) or ZF (VMfailValid).
[[nodiscard]] bool vmxon(u64 pa)
{
	bool fail;
	asm volatile("vmxon %1; setna %0" : "=q"(fail) : "m"(pa) : "cc", "memory");
	return !fail;
}
void vmxoff() { asm volatile("vmxoff" ::: "cc", "memory"); }
[[nodiscard]] bool vmclear(u64 pa)
{
	bool fail;
	asm volatile("vmclear %1; setna %0" : "=q"(fail) : "m"(pa) : "cc", "memory");
	return !fail;
}
[[nodiscard]] bool vmptrld(u64 pa)
{
	bool fail;
	asm volatile("vmptrld %1; setna %0" : "=q"(fail) : "m"(pa) : "cc", "memory");
	return !fail;
}
u64 vmread(u32 fld)
{
	u64 v = 0;
	asm volatile("vmread %1, %0" : "=r"(v) : "r"(u64(fld)) : "cc");
	return v;
}
bool vmwrite(u32 fld, u64 v)
{
	bool fail;
	asm volatile("vmwrite %1, %2; setna %0" : "=q"(fail) : "r"(v), "r"(u64(fld)) : "cc");
	return !fail;
}
// INVEPT / INVVPID types (SDM Vol. 3C 30.3, "VMX Instructions").
constexpr u64 inv_single = 1, inv_all = 2;
void invept(u64 type, u64 eptp)
{
	struct {
		u64 eptp, reserved;
	} desc{eptp, 0};
	asm volatile("invept %0, %1" ::"m"(desc), "r"(type) : "cc", "memory");
}
void invvpid(u64 type, u16 vpid)
{
	struct {
		u64 vpid, address;
	} desc{vpid, 0};
	asm volatile("invvpid %0, %1" ::"m"(desc), "r"(type) : "cc", "memory");
}

// --- state ----------------------------------------------------------------------------
struct vmx_vcpu;

struct cpu_state {
	u8* vmxon_region = nullptr;
	u64 vmxon_pa = 0;
	bool enabled = false;         // VMXON done by portvisor
	bool offline = false;         // going down: no VMXON again
	vmx_vcpu* current = nullptr;  // whose VMCS is current and active here
	// The host's SYSCALL MSRs, read when VMX went on here (syscall_init()
	// wrote them at boot; nothing changes them while the CPU is up).
	x86::syscall_msr_values host_syscall{};
};

struct hw_state {
	cpu_state* cpus = nullptr;
	u32 cpu_ids = 0;
	cpu_snapshot caps{};
	vmx_config cfg{};
	u8* msr_bitmap = nullptr;
	u64 msr_bitmap_pa = 0;
	u64* vpids = nullptr;  // bitmap of VPIDs in use (bit 0: the host's)
	u64 host_pat = 0, host_efer = 0;
	u64 page_sizes = 0;         // EPT leaf sizes (the probe's, from IA32_VMX_EPT_VPID_CAP)
	bool has_debugctl = false;  // emulators may lack IA32_DEBUGCTL
	l1d_flusher l1d;            // before every entry (L1TF), as the kernel asks
	bool smt_warned = false;
};
constinit hw_state g_hw{};
constexpr u32 vpid_words = 1024;  // 65536 VPIDs

struct vmx_vm {
	stage2::page_table<stage2::ept> ept;
	u64 eptp = 0;
};

// The MSR lists (25.7.2, 25.8.2): the guest's KERNEL_GS_BASE is loaded on
// entry and stored on exit, the host's loaded on exit. SWAPGS in the guest
// then cannot reach the host's.
struct msr_entry {
	u32 index;
	u32 reserved;
	u64 value;
};
constexpr u32 msr_list_count = 1;
constexpr u32 host_list_offset = 64;

struct vmx_vcpu {
	core::vcpu* core = nullptr;
	u8* vmcs = nullptr;
	u64 vmcs_pa = 0;
	u8* msr_lists = nullptr;  // guest list at 0, host list at host_list_offset
	u64 msr_lists_pa = 0;
	u64 gprs[16] = {};  // by register number; RSP lives in the VMCS
	u16 vpid = 0;
	bool launched = false;
	int loaded_cpu = -1;  // CPU the VMCS is current on, or -1 (VMCLEARed)
	int host_cpu = -1;    // CPU the per-CPU host fields were written for
	u64 host_rsp = 0, host_cr3 = 0, host_cr4 = 0;
	bool host_refresh = true;  // host FS base / KERNEL_GS_BASE to read again
	u64 host_debugctl = 0;
	u64 next_rip = 0;              // after the instruction the last exit stands on
	bool advance_pending = false;  // GUEST_RIP = next_rip at the next entry
	u64 last_nr = 0;               // syscall number of the last hypercall
	u32 exc_vector = 0, exc_error_valid = 0;
	bool hc_user_mode = false;  // the last hypercall came from CPL > 0
	// The guest's SYSCALL MSRs (not VMCS state). In the CPU only while
	// syscall_cpu is this CPU: from the first entry of a RUN to vcpu_put or
	// the thread's scheduling out (see load_guest_syscall_msrs).
	x86::syscall_msr_values guest_syscall{};
	bool guest_sce = false;  // guest EFER.SCE: without it they are never loaded
	int syscall_cpu = -1;
	pv_preempt_hook* hook = nullptr;
	vmcs_image image;    // every field portvisor wrote: for the checker
	vmcs_image scratch;  // register ioctls and failed entries (no room on the stack)
	vmcs_image scratch2;
};

vmx_vm& arch(core::vm& v) { return *static_cast<vmx_vm*>(v.arch); }
vmx_vcpu& arch(core::vcpu& c) { return *static_cast<vmx_vcpu*>(c.arch); }

msr_entry* guest_msrs(vmx_vcpu& a) { return reinterpret_cast<msr_entry*>(a.msr_lists); }
msr_entry* host_msrs(vmx_vcpu& a)
{
	return reinterpret_cast<msr_entry*>(a.msr_lists + host_list_offset);
}

// --- VMX on and off, per CPU (interrupts or preemption off) ------------------------------
int enable_this_cpu(unsigned int cpu)
{
	cpu_state& pc = g_hw.cpus[cpu];
	if (pc.enabled)
		return 0;
	if (pc.offline)
		return -PV_EBUSY;
	const u64 fc = rdmsr(x86::msr::ia32_feature_control);
	if (!bit(fc, x86::msr::feature_control_lock) ||
	    !bit(fc, x86::msr::feature_control_vmx_outside_smx)) {
		pv_platform_log(
		    PV_LOG_ERR,
		    "vmx: CPU %u: VMX is not enabled in IA32_FEATURE_CONTROL (0x%llx)\n", cpu,
		    static_cast<unsigned long long>(fc));
		return -PV_EIO;
	}
	const u64 cr4 = pv_platform_x86_cr4_update(0, 0);
	if (cr4 & cr4_vmxe) {
		pv_platform_log(PV_LOG_ERR,
				"vmx: CPU %u: CR4.VMXE is already set: another hypervisor "
				"(kvm_intel?) holds VMX; close its VMs, then try again\n",
				cpu);
		return -PV_EBUSY;
	}
	const vmx_config& cfg = g_hw.cfg;
	const u64 cr0 = read_cr0(), cr4_on = cr4 | cr4_vmxe;
	if ((cr0 & cfg.cr0_fixed0) != cfg.cr0_fixed0 || (cr0 & ~cfg.cr0_fixed1) != 0 ||
	    (cr4_on & cfg.cr4_fixed0) != cfg.cr4_fixed0 || (cr4_on & ~cfg.cr4_fixed1) != 0) {
		pv_platform_log(PV_LOG_ERR,
				"vmx: CPU %u: CR0 0x%llx / CR4 0x%llx break IA32_VMX_CR0/CR4_FIXED "
				"(23.8)\n",
				cpu, static_cast<unsigned long long>(cr0),
				static_cast<unsigned long long>(cr4_on));
		return -PV_EIO;
	}
	(void)pv_platform_x86_cr4_update(cr4_vmxe, 0);
	if (!vmxon(pc.vmxon_pa)) {
		(void)pv_platform_x86_cr4_update(0, cr4_vmxe);
		pv_platform_log(PV_LOG_ERR, "vmx: CPU %u: VMXON failed\n", cpu);
		return -PV_EIO;
	}
	pc.enabled = true;
	for (unsigned i = 0; i < x86::syscall_msr_count; i++)
		pc.host_syscall.v[i] = rdmsr(x86::syscall_msr_index[i]);
	// Nothing cached by earlier users of VMX on this CPU may survive.
	if (bit(g_hw.caps.ept_vpid_cap, cap::ept_invept_all))
		invept(inv_all, 0);
	return 0;
}

void disable_this_cpu(unsigned int cpu)
{
	cpu_state& pc = g_hw.cpus[cpu];
	if (!pc.enabled)
		return;
	if (pc.current != nullptr) {  // cannot happen (see the top); never VMXOFF over it
		(void)vmclear(pc.current->vmcs_pa);
		pc.current->loaded_cpu = -1;
		pc.current->launched = false;
		pc.current = nullptr;
	}
	vmxoff();
	(void)pv_platform_x86_cr4_update(0, cr4_vmxe);
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
		for (u32 i = 0; i < g_hw.cpu_ids; i++)
			pv_platform_free_page(g_hw.cpus[i].vmxon_region);
		pv_platform_free(g_hw.cpus, sizeof(cpu_state) * g_hw.cpu_ids);
	}
	pv_platform_free_page(g_hw.msr_bitmap);
	if (g_hw.vpids != nullptr)
		pv_platform_free(g_hw.vpids, sizeof(u64) * vpid_words);
	g_hw.l1d.release();
	g_hw = hw_state{};
}

// The MSR bitmap (25.6.9): 0 lets the guest read or write the MSR. The
// guest's FS/GS bases are VMCS guest state and its KERNEL_GS_BASE is in the
// MSR lists: those three are its own; every other MSR access exits.
void allow_msr(u8* bitmap, u32 msr)
{
	const u32 base = msr >= 0xC0000000U ? 1024 : 0;  // read-high at 1024, write-high at 3072
	const u32 index = msr & 0x1fffU;
	bitmap[base + index / 8] &= u8(~(1U << (index % 8)));
	bitmap[base + 2048 + index / 8] &= u8(~(1U << (index % 8)));
}

int setup(const core::capabilities& probed)
{
	g_hw.page_sizes = probed.page_sizes;
	g_hw.caps = read_this_cpu();
	if (const char* why = make_config(g_hw.caps, g_hw.cfg); why != nullptr) {
		pv_platform_log(PV_LOG_ERR, "%s\n", why);
		g_hw = hw_state{};
		return -PV_EOPNOTSUPP;
	}
	g_hw.cpu_ids = pv_platform_cpu_ids();
	g_hw.cpus = static_cast<cpu_state*>(pv_platform_alloc(sizeof(cpu_state) * g_hw.cpu_ids));
	g_hw.msr_bitmap = static_cast<u8*>(pv_platform_alloc_page());
	g_hw.vpids = static_cast<u64*>(pv_platform_alloc(sizeof(u64) * vpid_words));
	bool ok = g_hw.cpus != nullptr && g_hw.msr_bitmap != nullptr && g_hw.vpids != nullptr &&
		  g_hw.l1d.init(pv_platform_x86_l1d_flush_wanted()) == 0;
	for (u32 i = 0; ok && i < g_hw.cpu_ids; i++) {
		cpu_state& pc = g_hw.cpus[i];
		pc = cpu_state{};
		pc.vmxon_region = static_cast<u8*>(pv_platform_alloc_page());
		ok = pc.vmxon_region != nullptr;
		if (ok) {
			*reinterpret_cast<u32*>(pc.vmxon_region) = g_hw.cfg.revision;  // 25.11.5
			pc.vmxon_pa = pv_platform_virt_to_phys(pc.vmxon_region);
		}
	}
	if (!ok) {
		free_hw();
		return -PV_ENOMEM;
	}
	for (u32 i = 0; i < 4096; i++)
		g_hw.msr_bitmap[i] = 0xff;
	allow_msr(g_hw.msr_bitmap, msr_fs_base);
	allow_msr(g_hw.msr_bitmap, msr_gs_base);
	allow_msr(g_hw.msr_bitmap, msr_kernel_gs_base);
	g_hw.msr_bitmap_pa = pv_platform_virt_to_phys(g_hw.msr_bitmap);
	for (u32 i = 0; i < vpid_words; i++)
		g_hw.vpids[i] = 0;
	g_hw.vpids[0] = 1;  // VPID 0 is the host's
	u64 debugctl = 0;
	g_hw.has_debugctl = pv_platform_rdmsr_safe(msr_debugctl, &debugctl) == 0;
	g_hw.host_pat = rdmsr(msr_pat);
	g_hw.host_efer = rdmsr(x86::msr::ia32_efer);
	pv_platform_log(PV_LOG_INFO,
			"vmx: controls pin 0x%x proc 0x%x proc2 0x%x exit 0x%x entry 0x%x; EPT "
			"%u-level%s, VPID %s, L1D flush before entry %s\n",
			g_hw.cfg.pin, g_hw.cfg.proc, g_hw.cfg.proc2, g_hw.cfg.exit, g_hw.cfg.entry,
			g_hw.cfg.ept_levels, g_hw.cfg.ept_ad ? " with A/D" : "",
			g_hw.cfg.vpid ? "on" : "off", g_hw.l1d.describe());
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
	pv_platform_log(PV_LOG_INFO, "vmx: VMX on (VMXON) on every online CPU\n");
	return 0;
}

void hardware_disable()
{
	(void)pv_platform_on_each_cpu(&disable_cpu_fn, nullptr);
	pv_platform_log(PV_LOG_INFO, "vmx: VMX off: other hypervisors may use it again\n");
}

// The CPU is back: VMXON may run there again (cpu_offline forbade it),
// now if VMs exist, else when the first VM is created.
int cpu_online(unsigned int cpu, bool in_use)
{
	if (cpu < g_hw.cpu_ids) {
		g_hw.cpus[cpu].offline = false;
		if (in_use)
			(void)enable_this_cpu(cpu);
	}
	return 0;
}
void cpu_offline(unsigned int cpu)
{
	if (g_hw.cpus != nullptr && cpu < g_hw.cpu_ids) {
		g_hw.cpus[cpu].offline = true;
		disable_this_cpu(cpu);
	}
}

// --- VMs: EPT ----------------------------------------------------------------------------
void invalidate_hook(void* ctx) { core::flush_vcpus(*static_cast<core::vm*>(ctx)); }

int vm_init(core::vm& v)
{
	// As kvm_intel: the flush cannot help against a sibling thread.
	if (!__atomic_load_n(&g_hw.smt_warned, __ATOMIC_RELAXED) &&
	    pv_platform_x86_l1tf_smt_warning() != 0 &&
	    !__atomic_exchange_n(&g_hw.smt_warned, true, __ATOMIC_RELAXED))
		pv_platform_log(PV_LOG_WARN,
				"vmx: this CPU has L1TF and SMT is on: a guest can read what "
				"its core's other thread leaves in L1D (CVE-2018-3646); boot "
				"with nosmt, or l1tf=flush,nosmt\n");
	void* mem = pv_platform_alloc(sizeof(vmx_vm));
	if (mem == nullptr)
		return -PV_ENOMEM;
	auto* a = new (mem) vmx_vm{};
	stage2::config cfg{};
	cfg.levels = g_hw.cfg.ept_levels;
	cfg.page_sizes = g_hw.page_sizes;
	cfg.invalidate = &invalidate_hook;
	cfg.invalidate_ctx = &v;
	const stage2::error e = a->ept.init(cfg);
	if (e != stage2::error::ok) {
		a->~vmx_vm();
		pv_platform_free(a, sizeof(vmx_vm));
		return stage2::to_errno(e);
	}
	a->eptp = make_eptp(g_hw.cfg, a->ept.root_phys());
	v.page_sizes = a->ept.page_sizes();
	v.arch = a;
	return 0;
}

void vm_destroy(core::vm& v)
{
	vmx_vm* a = &arch(v);
	a->~vmx_vm();
	pv_platform_free(a, sizeof(vmx_vm));
	v.arch = nullptr;
}

int map(core::vm& v, u64 gpa, u64 hpa, u64 size, bool write, bool exec)
{
	return core::map_leaf(v, arch(v).ept, gpa, hpa, size, write, exec);
}

bool unmap(core::vm& v, u64 gpa, u64 size) { return core::unmap_range(arch(v).ept, gpa, size); }

stage2::stats stage2_stats(const core::vm& v)
{
	return static_cast<const vmx_vm*>(v.arch)->ept.statistics();
}

// --- the VMCS on this CPU ------------------------------------------------------------------
// Makes a's VMCS current here. Preemption or interrupts off.
[[nodiscard]] bool load_vmcs(vmx_vcpu& a, unsigned int cpu)
{
	cpu_state& pc = g_hw.cpus[cpu];
	if (a.loaded_cpu == int(cpu) && pc.current == &a)
		return true;
	if (!vmptrld(a.vmcs_pa))
		return false;
	a.loaded_cpu = int(cpu);
	pc.current = &a;
	return true;
}

// Writes back and deactivates a's VMCS (25.11.3) if it is current here.
void clear_vmcs(vmx_vcpu& a, unsigned int cpu)
{
	if (a.loaded_cpu != int(cpu))
		return;
	(void)vmclear(a.vmcs_pa);
	a.loaded_cpu = -1;
	a.launched = false;
	if (g_hw.cpus[cpu].current == &a)
		g_hw.cpus[cpu].current = nullptr;
	pv_platform_x86_vmx_restore_host();
}

// The guest's SYSCALL MSRs go into the CPU at the first entry of a RUN on
// a CPU and stay there through every direct syscall: the host reads them
// only when it executes SYSCALL or SYSRET, which it does only after RUN
// returns (vcpu_put) or after a context switch (sched_out), and both put
// the host's back first. Only the MSRs whose values differ are written;
// none while the guest's EFER.SCE is clear (SYSCALL and SYSRET are #UD
// there). Interrupts off.
//
// CSTAR is kept in the copy only: Intel CPUs have no SYSCALL in
// compatibility mode, so its value does nothing (Linux's wrmsrl_cstar()
// skips it on Intel too).
[[nodiscard]] constexpr bool switched_in_cpu(unsigned slot) { return slot != x86::cstar; }

void load_guest_syscall_msrs(vmx_vcpu& a, unsigned int cpu)
{
	const x86::syscall_msr_values& host = g_hw.cpus[cpu].host_syscall;
	for (unsigned i = 0; i < x86::syscall_msr_count; i++)
		if (switched_in_cpu(i) && a.guest_syscall.v[i] != host.v[i])
			wrmsr(x86::syscall_msr_index[i], a.guest_syscall.v[i]);
	a.syscall_cpu = int(cpu);
}

// Preemption or interrupts off, on the CPU they were loaded on.
void restore_host_syscall_msrs(vmx_vcpu& a, unsigned int cpu)
{
	if (a.syscall_cpu != int(cpu))
		return;
	const x86::syscall_msr_values& host = g_hw.cpus[cpu].host_syscall;
	for (unsigned i = 0; i < x86::syscall_msr_count; i++)
		if (switched_in_cpu(i) && a.guest_syscall.v[i] != host.v[i])
			wrmsr(x86::syscall_msr_index[i], host.v[i]);
	a.syscall_cpu = -1;
}

[[nodiscard]] bool write_image(const vmcs_image& img)
{
	for (unsigned i = 0; i < img.count(); i++)
		if (!vmwrite(img.at(i).field, img.at(i).value))
			return false;
	return true;
}

// Runs fn with a's VMCS current on this CPU, preemption off.
struct vmcs_call {
	vmx_vcpu* a;
	long (*fn)(vmx_vcpu& a, void* arg);
	void* arg;
	long rc;
	bool first_use;  // VMCLEAR first: initialises the launch state (25.11.3)
};
int vmcs_call_fn(void* p, unsigned int cpu)
{
	auto* call = static_cast<vmcs_call*>(p);
	if (!g_hw.cpus[cpu].enabled && enable_this_cpu(cpu) != 0) {
		call->rc = -PV_EBUSY;
		return 0;
	}
	if (call->first_use && !vmclear(call->a->vmcs_pa)) {
		call->rc = -PV_EIO;
		return 0;
	}
	if (!load_vmcs(*call->a, cpu)) {
		call->rc = -PV_EIO;
		return 0;
	}
	if (call->a->advance_pending) {  // GET_REGS sees it, SET_REGS may override it
		(void)vmwrite(f::guest_rip, call->a->next_rip);
		call->a->advance_pending = false;
	}
	call->rc = call->fn(*call->a, call->arg);
	clear_vmcs(*call->a, cpu);
	return 0;
}
long with_vmcs(vmx_vcpu& a, long (*fn)(vmx_vcpu& a, void* arg), void* arg, bool first_use = false)
{
	vmcs_call call{&a, fn, arg, 0, first_use};
	(void)pv_platform_call_on_this_cpu(&vmcs_call_fn, &call);
	return call.rc;
}

// --- vCPUs ----------------------------------------------------------------------------------
void sched_out(void* ctx, unsigned int cpu)
{
	auto& a = *static_cast<vmx_vcpu*>(ctx);
	restore_host_syscall_msrs(a, cpu);
	clear_vmcs(a, cpu);
}

[[nodiscard]] bool alloc_vpid(u16& out)
{
	for (u32 w = 0; w < vpid_words; w++) {
		u64 cur = __atomic_load_n(&g_hw.vpids[w], __ATOMIC_RELAXED);
		while (cur != ~0ULL) {
			const unsigned b = unsigned(__builtin_ctzll(~cur));
			if (__atomic_compare_exchange_n(&g_hw.vpids[w], &cur, cur | (1ULL << b),
							false, __ATOMIC_ACQ_REL,
							__ATOMIC_RELAXED)) {
				out = u16(w * 64 + b);
				return true;
			}
		}
	}
	return false;
}
void free_vpid(u16 v)
{
	if (v != 0)
		__atomic_fetch_and(&g_hw.vpids[v / 64], ~(1ULL << (v % 64)), __ATOMIC_ACQ_REL);
}

long init_vmcs_fn(vmx_vcpu& a, void*)
{
	return write_image(a.image) && vmwrite(f::guest_rip, 0) && vmwrite(f::guest_rsp, 0)
		   ? 0
		   : -PV_EIO;
}

void free_vcpu(vmx_vcpu* a)
{
	free_vpid(a->vpid);
	pv_platform_preempt_hook_destroy(a->hook);
	pv_platform_free_page(a->vmcs);
	pv_platform_free_page(a->msr_lists);
	a->~vmx_vcpu();
	pv_platform_free(a, sizeof(vmx_vcpu));
}

int vcpu_init(core::vcpu& c)
{
	void* mem = pv_platform_alloc(sizeof(vmx_vcpu));
	if (mem == nullptr)
		return -PV_ENOMEM;
	auto* a = new (mem) vmx_vcpu{};
	a->core = &c;
	a->vmcs = static_cast<u8*>(pv_platform_alloc_page());
	a->msr_lists = static_cast<u8*>(pv_platform_alloc_page());
	a->hook = pv_platform_preempt_hook_create(&sched_out, a);
	if (a->vmcs == nullptr || a->msr_lists == nullptr || a->hook == nullptr ||
	    (g_hw.cfg.vpid && !alloc_vpid(a->vpid))) {
		free_vcpu(a);
		return -PV_ENOMEM;
	}
	*reinterpret_cast<u32*>(a->vmcs) = g_hw.cfg.revision;  // 25.2
	a->vmcs_pa = pv_platform_virt_to_phys(a->vmcs);
	a->msr_lists_pa = pv_platform_virt_to_phys(a->msr_lists);
	guest_msrs(*a)[0] = msr_entry{msr_kernel_gs_base, 0, 0};
	host_msrs(*a)[0] = msr_entry{msr_kernel_gs_base, 0, 0};

	vcpu_resources res{};
	res.eptp = arch(*c.owner).eptp;
	res.vpid = a->vpid;
	res.msr_bitmap_pa = g_hw.msr_bitmap_pa;
	res.guest_msr_list_pa = a->msr_lists_pa;
	res.host_msr_list_pa = a->msr_lists_pa + host_list_offset;
	res.msr_list_count = msr_list_count;
	res.host_rip = reinterpret_cast<u64>(&pv_vmx_vmexit);
	build_controls(g_hw.cfg, res, a->image);
	host_state h{};
	h.cr0 = read_cr0();
	h.cr3 = read_cr3();
	h.cr4 = read_cr4();
	h.efer = g_hw.host_efer;
	h.pat = g_hw.host_pat;
	h.cs_selector = read_cs();
	// The kernel's SS is CS + 8: the layout SYSCALL itself imposes
	// (SDM Vol. 2B, SYSCALL: SS.Selector = IA32_STAR[47:32] + 8).
	h.ss_selector = u16(h.cs_selector + 8);
	h.tr_selector = read_tr();
	h.idtr_base = idt_base();
	h.gdtr_base = gdt_base();
	build_host_state(g_hw.cfg, h, a->image);

	if (with_vmcs(*a, &init_vmcs_fn, nullptr, true) != 0) {
		free_vcpu(a);
		return -PV_EIO;
	}
	c.arch = a;
	return 0;
}

void vcpu_destroy(core::vcpu& c)
{
	free_vcpu(&arch(c));  // put VMCLEARed it: it is active nowhere
	c.arch = nullptr;
}

void vcpu_load(core::vcpu& c)
{
	vmx_vcpu& a = arch(c);
	a.host_refresh = true;
	pv_platform_preempt_hook_arm(a.hook);
}

int put_fn(void* p, unsigned int cpu)
{
	auto& a = *static_cast<vmx_vcpu*>(p);
	restore_host_syscall_msrs(a, cpu);
	clear_vmcs(a, cpu);
	return 0;
}
void vcpu_put(core::vcpu& c)
{
	vmx_vcpu& a = arch(c);
	(void)pv_platform_call_on_this_cpu(&put_fn, &a);
	pv_platform_preempt_hook_disarm(a.hook);
}

// --- registers ----------------------------------------------------------------------------
constexpr u64 rflags_allowed = 0x3f7fd7ULL & ~(1ULL << 17);  // no VM (27.3.1.4)

long set_regs_fn(vmx_vcpu&, void* arg)
{
	const auto& r = *static_cast<const pv_regs_x86_64*>(arg);
	return vmwrite(f::guest_rip, r.rip) && vmwrite(f::guest_rsp, r.rsp) &&
		       vmwrite(f::guest_rflags, r.rflags | 2)
		   ? 0
		   : -PV_EIO;
}
long get_regs_fn(vmx_vcpu&, void* arg)
{
	auto& r = *static_cast<pv_regs_x86_64*>(arg);
	r.rip = vmread(f::guest_rip);
	r.rsp = vmread(f::guest_rsp);
	r.rflags = vmread(f::guest_rflags);
	return 0;
}

long set_regs(vmx_vcpu& a, uint64_t arg)
{
	pv_regs_x86_64 r{};
	if (pv_platform_copy_from_user(&r, arg, sizeof(r)) != 0)
		return -PV_EFAULT;
	if ((r.rflags & ~rflags_allowed) != 0)
		return -PV_EINVAL;
	if (const long rc = with_vmcs(a, &set_regs_fn, &r); rc != 0)
		return rc;
	u64* g = a.gprs;
	g[0] = r.rax, g[1] = r.rcx, g[2] = r.rdx, g[3] = r.rbx, g[5] = r.rbp, g[6] = r.rsi;
	g[7] = r.rdi, g[8] = r.r8, g[9] = r.r9, g[10] = r.r10, g[11] = r.r11, g[12] = r.r12;
	g[13] = r.r13, g[14] = r.r14, g[15] = r.r15;
	return 0;
}

long get_regs(vmx_vcpu& a, uint64_t arg)
{
	pv_regs_x86_64 r{};
	if (const long rc = with_vmcs(a, &get_regs_fn, &r); rc != 0)
		return rc;
	const u64* g = a.gprs;
	r.rax = g[0], r.rcx = g[1], r.rdx = g[2], r.rbx = g[3], r.rbp = g[5], r.rsi = g[6];
	r.rdi = g[7], r.r8 = g[8], r.r9 = g[9], r.r10 = g[10], r.r11 = g[11], r.r12 = g[12];
	r.r13 = g[13], r.r14 = g[14], r.r15 = g[15];
	return pv_platform_copy_to_user(arg, &r, sizeof(r)) != 0 ? -PV_EFAULT : 0;
}

// Guest-state and CR mask/shadow fields, read back from the VMCS.
[[nodiscard]] bool is_guest_field(u32 fld)
{
	return ((fld >> 10) & 3) == 2 || fld == f::cr0_read_shadow || fld == f::cr4_read_shadow ||
	       fld == f::cr0_guest_host_mask || fld == f::cr4_guest_host_mask;
}

long write_sregs_fn(vmx_vcpu&, void* arg)
{
	const auto& img = *static_cast<const vmcs_image*>(arg);
	return write_image(img) ? 0 : -PV_EIO;
}
long read_fields_fn(vmx_vcpu& a, void* arg)
{
	auto& img = *static_cast<vmcs_image*>(arg);
	for (unsigned i = 0; i < a.image.count(); i++)
		if (is_guest_field(a.image.at(i).field))
			(void)img.set(a.image.at(i).field, vmread(a.image.at(i).field));
	return 0;
}

long set_sregs(vmx_vcpu& a, uint64_t arg)
{
	pv_sregs_x86_64 s{};
	if (pv_platform_copy_from_user(&s, arg, sizeof(s)) != 0)
		return -PV_EFAULT;
	vmcs_image& sregs = a.scratch;
	sregs.clear();
	if (const long rc = build_guest_sregs(g_hw.cfg, s, sregs); rc != 0)
		return rc;
	// What VM entry would say of the guest state, before it is used.
	vmcs_image& all = a.scratch2;
	all = a.image;
	for (unsigned i = 0; i < sregs.count(); i++)
		(void)all.set(sregs.at(i).field, sregs.at(i).value);
	entry_violation why{};
	if (check_vm_entry(all, g_hw.caps, check_guest, &why, 1) != 0) {
		pv_platform_log(PV_LOG_INFO, "vmx: PV_SET_SREGS: field 0x%x: %s\n", why.field,
				why.rule);
		return -PV_EINVAL;
	}
	if (const long rc = with_vmcs(a, &write_sregs_fn, &sregs); rc != 0)
		return rc;
	a.image = all;
	guest_msrs(a)[0].value = s.kernel_gs_base;
	// Outside RUN (vcpu->lock): the guest's values are in no CPU now.
	a.guest_syscall = x86::syscall_msrs_of(s);
	a.guest_sce = (s.efer & x86::efer_sce) != 0;
	return 0;
}

long get_sregs(vmx_vcpu& a, uint64_t arg)
{
	vmcs_image& img = a.scratch;
	img.clear();
	if (const long rc = with_vmcs(a, &read_fields_fn, &img); rc != 0)
		return rc;
	pv_sregs_x86_64 s{};
	read_guest_sregs(img, s);
	s.kernel_gs_base = guest_msrs(a)[0].value;
	x86::put_syscall_msrs(a.guest_syscall, s);
	return pv_platform_copy_to_user(arg, &s, sizeof(s)) != 0 ? -PV_EFAULT : 0;
}

long vcpu_ioctl(core::vcpu& c, unsigned int cmd, uint64_t arg)
{
	vmx_vcpu& a = arch(c);
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
// Per-CPU host state, when the VMCS arrives on a CPU it was not set up
// for: the TSS, GDT and kernel GS base are per CPU, and so is the
// SYSENTER stack (27.2.3, 28.5.1).
[[nodiscard]] bool write_host_cpu_fields()
{
	const u64 gdt = gdt_base();
	const u16 tr = read_tr();
	// The TSS descriptor: 16 bytes in the GDT (SDM Vol. 3A 8.2.3).
	const u8* d = reinterpret_cast<const u8*>(gdt) + (tr & ~7U);
	const u64 tss = u64(d[2]) | u64(d[3]) << 8 | u64(d[4]) << 16 | u64(d[7]) << 24 |
			u64(*reinterpret_cast<const u32*>(d + 8)) << 32;
	return vmwrite(f::host_tr_base, tss) && vmwrite(f::host_gdtr_base, gdt) &&
	       vmwrite(f::host_idtr_base, idt_base()) &&
	       vmwrite(f::host_gs_base, rdmsr(msr_gs_base)) &&
	       vmwrite(f::host_sysenter_cs, rdmsr(msr_sysenter_cs)) &&
	       vmwrite(f::host_sysenter_esp, rdmsr(msr_sysenter_esp)) &&
	       vmwrite(f::host_sysenter_eip, rdmsr(msr_sysenter_eip)) &&
	       vmwrite(f::host_cr0, read_cr0());
}

void flush_guest_tlb(vmx_vcpu& a, const core::vm& v)
{
	const u64 eptp = static_cast<const vmx_vm*>(v.arch)->eptp;
	invept(g_hw.cfg.invept_single ? inv_single : inv_all, eptp);
	if (g_hw.cfg.vpid)
		invvpid(g_hw.cfg.invvpid_single ? inv_single : inv_all, a.vpid);
}

// CPUID answered in the kernel, as the host's, without VMX (no nesting).
void emulate_cpuid(vmx_vcpu& a)
{
	const u32 leaf = u32(a.gprs[0]);
	x86::cpuid_regs r = x86::cpuid(leaf, u32(a.gprs[1]));
	if (leaf == x86::cpuid_leaf::features)
		r.ecx &= ~(1U << x86::cpuid_bit::leaf1_ecx_vmx);
	a.gprs[0] = r.eax, a.gprs[3] = r.ebx, a.gprs[1] = r.ecx, a.gprs[2] = r.edx;
}

void skip_instruction(vmx_vcpu& a)
{
	(void)vmwrite(f::guest_rip, vmread(f::guest_rip) + vmread(f::exit_instruction_length));
}

// MOV to/from CR3 where the CPU forces CR3 exiting (no TRUE controls).
[[nodiscard]] bool emulate_cr3(vmx_vcpu& a, u64 qual)
{
	using namespace exit_qual;
	if (!g_hw.cfg.cr3_exiting || cr_number(qual) != 3)
		return false;
	const unsigned reg = cr_gpr(qual);
	if (cr_access_type(qual) == cr_mov_to) {
		const u64 v = reg == 4 ? vmread(f::guest_rsp) : a.gprs[reg];
		const bool no_flush = (v >> 63) != 0;  // CR4.PCIDE: keep this PCID's entries
		(void)vmwrite(f::guest_cr3, v & ~(1ULL << 63));
		if (g_hw.cfg.vpid && !no_flush)
			invvpid(g_hw.cfg.invvpid_single ? inv_single : inv_all, a.vpid);
	} else if (cr_access_type(qual) == cr_mov_from) {
		const u64 v = vmread(f::guest_cr3);
		if (reg == 4)
			(void)vmwrite(f::guest_rsp, v);
		else
			a.gprs[reg] = v;
	} else {
		return false;
	}
	skip_instruction(a);
	return true;
}

// RDMSR/WRMSR of a SYSCALL MSR (ECX, EDX:EAX: registers 1, 2, 0): the
// guest's own value, read or written here. A WRMSR the CPU would refuse
// is the #GP it would raise, reported as the guest's exception. False for
// any other MSR. Interrupts off, on `cpu`.
[[nodiscard]] bool emulate_syscall_msr(vmx_vcpu& a, bool write, unsigned int cpu, exit_info& e)
{
	const int slot = x86::syscall_msr_slot(u32(a.gprs[1]));
	if (slot < 0)
		return false;
	e.kind = exit_kind::host_event;
	u64& value = a.guest_syscall.v[slot];
	if (!write) {
		a.gprs[0] = u32(value);
		a.gprs[2] = value >> 32;
		return true;
	}
	const u64 v = u64(u32(a.gprs[2])) << 32 | u32(a.gprs[0]);
	if (!x86::syscall_msr_value_valid(unsigned(slot), v)) {
		a.exc_vector = 13;  // #GP(0), RIP on the WRMSR (SDM Vol. 2B, WRMSR)
		a.exc_error_valid = 1;
		e.qualification = 0;
		e.guest_virt = 0;
		e.kind = exit_kind::exception;
		return true;
	}
	if (a.syscall_cpu == int(cpu) && switched_in_cpu(unsigned(slot)))
		wrmsr(x86::syscall_msr_index[slot], v);
	value = v;
	return true;
}

// The failing field of an entry that failed: the checker on the VMCS as it is.
void explain_failed_entry(vmx_vcpu& a, exit_info& e)
{
	vmcs_image& img = a.scratch;
	img.clear();
	for (unsigned i = 0; i < a.image.count(); i++)
		(void)img.set(a.image.at(i).field, vmread(a.image.at(i).field));
	entry_violation why{};
	if (check_vm_entry(img, g_hw.caps, check_all, &why, 1) != 0) {
		e.guest_phys = why.field;
		pv_platform_log(PV_LOG_ERR, "vmx: VM entry failed: field 0x%x: %s\n", why.field,
				why.rule);
	} else {
		e.guest_phys = ~0ULL;
		pv_platform_log(PV_LOG_ERR,
				"vmx: VM entry failed (reason 0x%x, error %llu), no check names a "
				"field\n",
				e.hw_reason, static_cast<unsigned long long>(e.qualification));
	}
}

// Interrupts are off; nothing here may sleep.
exit_info run_once(core::vcpu& c, unsigned int cpu)
{
	vmx_vcpu& a = arch(c);
	cpu_state& pc = g_hw.cpus[cpu];
	exit_info e{};
	if (!pc.enabled) {
		if (pc.offline) {
			e.kind = exit_kind::host_event;  // the scheduler moves us off this CPU
			return e;
		}
		if (enable_this_cpu(cpu) != 0) {
			e.kind = exit_kind::entry_failed;
			e.hw_reason = ~0U;
			return e;
		}
	}
	if (!load_vmcs(a, cpu)) {
		e.kind = exit_kind::entry_failed;
		e.hw_reason = ~0U;
		return e;
	}
	if (a.advance_pending) {
		(void)vmwrite(f::guest_rip, a.next_rip);
		a.advance_pending = false;
	}
	bool flush = false;
	if (a.host_cpu != int(cpu)) {
		if (!write_host_cpu_fields()) {
			e.kind = exit_kind::entry_failed;
			e.hw_reason = ~0U;
			return e;
		}
		a.host_cpu = int(cpu);
		flush = true;  // this CPU may hold stale entries of ours
	}
	const u64 gen = __atomic_load_n(&c.owner->tlb_generation, __ATOMIC_SEQ_CST);
	if (gen != c.seen_tlb_generation) {
		c.seen_tlb_generation = gen;
		flush = true;
	}
	if (flush)
		flush_guest_tlb(a, *c.owner);
	// The host's CR3 (PCID) and CR4 can change between two entries.
	if (const u64 cr3 = read_cr3(); cr3 != a.host_cr3) {
		(void)vmwrite(f::host_cr3, cr3);
		a.host_cr3 = cr3;
	}
	if (const u64 cr4 = read_cr4(); cr4 != a.host_cr4) {
		(void)vmwrite(f::host_cr4, cr4);
		a.host_cr4 = cr4;
	}
	// The task's FS base and KERNEL_GS_BASE: read at the start of RUN and
	// after arch_prctl, the only call of the task that changes them.
	if (a.host_refresh) {
		(void)vmwrite(f::host_fs_base, rdmsr(msr_fs_base));
		host_msrs(a)[0].value = rdmsr(msr_kernel_gs_base);
		a.host_debugctl = g_hw.has_debugctl ? rdmsr(msr_debugctl) : 0;
		a.host_refresh = false;
	}
	// State the exit does not restore: LDTR (made unusable, 28.5.2),
	// DEBUGCTL (cleared, 28.5.1) and the task's SPEC_CTRL (the guest runs
	// with 0: no SSBD of a seccomp'd thread leaks in, none of the guest out).
	const u16 ldtr = read_ldtr();
	const u64 spec_ctrl = pv_platform_x86_host_spec_ctrl();
	if (spec_ctrl != 0)
		wrmsr(msr_spec_ctrl, 0);
	if (a.guest_sce && a.syscall_cpu != int(cpu))
		load_guest_syscall_msrs(a, cpu);
	g_hw.l1d.flush();

	const int failed = pv_vmx_vmrun(a.gprs, a.launched ? 1 : 0, &a.host_rsp);

	if (spec_ctrl != 0)
		wrmsr(msr_spec_ctrl, spec_ctrl);
	if (ldtr != 0)
		load_ldtr(ldtr);
	if (a.host_debugctl != 0)
		wrmsr(msr_debugctl, a.host_debugctl);

	if (failed) {
		// VMfailValid: the VM-instruction error says which check (31.4).
		e.kind = exit_kind::entry_failed;
		e.hw_reason = 0;
		e.qualification = vmread(f::vm_instruction_error);
		e.guest_ip = vmread(f::guest_rip);
		explain_failed_entry(a, e);
		return e;
	}
	a.launched = true;
	const u32 reason = u32(vmread(f::exit_reason));
	const u32 basic = reason & exit_reason::basic_mask;
	e.hw_reason = reason;
	e.guest_ip = vmread(f::guest_rip);
	if (reason & exit_reason::entry_failure) {
		// Invalid guest state, MSR loading, machine check (27.8).
		e.kind = exit_kind::entry_failed;
		e.qualification = vmread(f::exit_qualification);
		if (basic == exit_reason::entry_machine_check)
			asm volatile("int $0x12");
		explain_failed_entry(a, e);
		return e;
	}
	switch (basic) {
	case exit_reason::vmcall:
		a.next_rip = e.guest_ip + vmread(f::exit_instruction_length);
		// CPL is SS.DPL (SDM Vol. 3A 5.5; 26.3.1.5 makes them agree).
		a.hc_user_mode = ((vmread(f::guest_ss_ar) >> 5) & 3) != 0;
		e.kind = exit_kind::hypercall;
		return e;
	case exit_reason::rdmsr:
	case exit_reason::wrmsr:
		if (emulate_syscall_msr(a, basic == exit_reason::wrmsr, cpu, e)) {
			if (e.kind != exit_kind::exception)
				skip_instruction(a);
			return e;
		}
		e.qualification = vmread(f::exit_qualification);
		e.kind = exit_kind::other;
		return e;
	case exit_reason::ept_violation: {
		const u64 q = vmread(f::exit_qualification);
		e.qualification = q;
		e.guest_phys = vmread(f::guest_physical_address);
		e.kind = exit_kind::stage2_fault;
		e.access = (q & exit_qual::ept_write)   ? PV_ACCESS_WRITE
			   : (q & exit_qual::ept_fetch) ? PV_ACCESS_EXEC
							: PV_ACCESS_READ;
		return e;
	}
	case exit_reason::ept_misconfiguration:  // a broken EPT entry: portvisor's bug
		e.guest_phys = vmread(f::guest_physical_address);
		e.kind = exit_kind::other;
		return e;
	case exit_reason::external_interrupt:
		dispatch_host_irq(u32(vmread(f::exit_interruption_info)));
		e.kind = exit_kind::host_event;
		return e;
	case exit_reason::exception_or_nmi: {
		const u32 info = u32(vmread(f::exit_interruption_info));
		const u32 vector = intr_info::vector(info);
		if (intr_info::type(info) == intr_info::type_nmi) {
			asm volatile("int $2");  // the host's NMI: its handler now
			e.kind = exit_kind::host_event;
			return e;
		}
		if (vector == 18) {  // #MC is the host's (as on SVM)
			asm volatile("int $0x12");
			e.kind = exit_kind::host_event;
			return e;
		}
		a.exc_vector = vector;
		a.exc_error_valid = (info & intr_info::error_code_valid) ? 1 : 0;
		e.qualification = a.exc_error_valid ? vmread(f::exit_interruption_error_code) : 0;
		e.guest_virt = vmread(f::exit_qualification);  // #PF: the linear address
		e.kind = exit_kind::exception;
		return e;
	}
	case exit_reason::cpuid:
		emulate_cpuid(a);
		skip_instruction(a);
		e.kind = exit_kind::host_event;
		return e;
	case exit_reason::hlt:
		skip_instruction(a);
		e.guest_ip = vmread(f::guest_rip);  // where it resumes, as for hypercalls
		e.kind = exit_kind::halt;
		return e;
	case exit_reason::xsetbv:  // RCX, RAX, RDX: registers 1, 0, 2
		if (x86::guest_xsetbv_changes_nothing(a.gprs[1], a.gprs[0], a.gprs[2])) {
			skip_instruction(a);
			e.kind = exit_kind::host_event;
			return e;
		}
		e.qualification = 0;  // 28.2.1: XSETBV has no exit qualification
		e.kind = exit_kind::other;
		return e;
	case exit_reason::triple_fault: e.kind = exit_kind::shutdown; return e;
	case exit_reason::preemption_timer:  // the guest ran its slice: host work first
	case exit_reason::init_signal:       // the host's; blocked in VMX root (26.2)
	case exit_reason::other_smi:
	case exit_reason::io_smi: e.kind = exit_kind::host_event; return e;
	case exit_reason::cr_access: {
		const u64 q = vmread(f::exit_qualification);
		if (emulate_cr3(a, q)) {
			e.kind = exit_kind::host_event;
			return e;
		}
		e.qualification = q;
		e.kind = exit_kind::other;
		return e;
	}
	default:
		e.qualification = vmread(f::exit_qualification);
		e.kind = exit_kind::other;
		return e;
	}
}

trap::hypercall read_hypercall(core::vcpu& c, u64& next_ip)
{
	vmx_vcpu& a = arch(c);
	const u64* g = a.gprs;
	const trap::x86_64_hypercall_regs r{g[0], g[7], g[6], g[2], g[10], g[8], g[9]};
	next_ip = a.next_rip;
	a.last_nr = g[0];
	trap::hypercall hc = trap::decode(r);
	hc.user_mode = a.hc_user_mode;
	return hc;
}

void apply_trap(core::vcpu& c, const trap::trap_outcome& o)
{
	vmx_vcpu& a = arch(c);
	trap::x86_64_hypercall_regs r{};
	r.rax = a.gprs[0];
	const bool advance = trap::write_back(o, r);
	a.gprs[0] = r.rax;
	// Preemptible here: the VMCS may have been cleared (or another be
	// current on this CPU). The next entry, with it loaded, writes RIP.
	if (advance)
		a.advance_pending = true;
	// arch_prctl(ARCH_SET_FS/GS) changes what the exit must restore.
	constexpr u64 nr_arch_prctl = 158;
	if (a.last_nr == nr_arch_prctl)
		a.host_refresh = true;
}

void set_result(core::vcpu& c, u64 value) { arch(c).gprs[0] = value; }

void describe_exit(core::vcpu& c, const exit_info& e, pv_run& run)
{
	vmx_vcpu& a = arch(c);
	run.exception.vector = a.exc_vector;
	run.exception.error_code_valid = a.exc_error_valid;
	run.exception.error_code = a.exc_error_valid ? e.qualification : 0;
	run.exception.address = a.exc_vector == 14 ? e.guest_virt : 0;
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
    .vcpu_load = &vcpu_load,
    .vcpu_put = &vcpu_put,
    .vcpu_ioctl = &vcpu_ioctl,
    .run_once = &run_once,
    .read_hypercall = &read_hypercall,
    .apply_trap = &apply_trap,
    .set_result = &set_result,
    .describe_exit = &describe_exit,
};

}  // namespace pv::vmx
