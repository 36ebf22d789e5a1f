// SPDX-License-Identifier: GPL-2.0
// PV_RUN: the arch-neutral run loop. Enters the guest through the backend
// until an exit user space must see; hypercalls go through the
// direct-syscall trap, stage-2 faults are filled from the process.
#include "portvisor/core/ioctl.h"
#include "portvisor/core/vm/vm_ops.h"
#include "portvisor/core_api.h"

struct pv_core_vcpu : pv::core::vcpu {};

namespace pv::core {
namespace {

static_assert(u32(trap::exit_reason::hypercall) == PV_EXIT_HYPERCALL);
static_assert(u32(trap::exit_reason::syscall) == PV_EXIT_SYSCALL);
static_assert(u32(trap::exit_reason::interrupted) == PV_EXIT_INTERRUPTED);

void clear_exit(pv_run& r)
{
	r.exit_reason = PV_EXIT_NONE;
	r.guest_ip = 0;
	for (u64& p : r.pad)
		p = 0;
}

// The trap's exit, with the number and arguments of the hypercall.
void report_trap_exit(vcpu& c, const trap::trap_exit& e, const trap::hypercall& hc, u64 ip)
{
	pv_run& r = *c.run;
	r.exit_reason = u32(e.reason);
	r.guest_ip = ip;
	r.syscall.nr = hc.nr;
	for (unsigned i = 0; i < 6; i++)
		r.syscall.args[i] = hc.args[i];
	r.syscall.why = u32(e.why);
}

// The hardware exit user space sees, with its raw codes.
void report_hw_exit(vcpu& c, const exit_info& e, u32 reason, int error = 0)
{
	pv_run& r = *c.run;
	r.exit_reason = reason;
	r.guest_ip = e.guest_ip;
	if (reason == PV_EXIT_STAGE2_FAULT) {
		r.stage2.guest_phys = e.guest_phys;
		r.stage2.access = e.access;
		r.stage2.hw_qualification = e.qualification;
	} else if (reason == PV_EXIT_EXCEPTION) {
		c.owner->ops->describe_exit(c, e, r);
	} else {
		r.hw.hw_reason = e.hw_reason;
		r.hw.hw_qualification = e.qualification;
		r.hw.hw_info = e.guest_phys;
		r.hw.error = error;
	}
}

// 0: RUN returns 0 with the run page filled; <0: RUN fails with it;
// 1: enter the guest again.
int handle_hypercall(vcpu& c)
{
	vm& v = *c.owner;
	u64 next_ip = 0;
	const trap::hypercall hc = v.ops->read_hypercall(c, next_ip);
	const trap::trap_outcome o =
	    trap::handle_hypercall(hc, next_ip, v.policy, c.stats, &c.syscall_frame);
	v.ops->apply_trap(c, o);
	c.run->stat_direct_syscalls = c.stats.direct_syscalls;
	switch (o.kind) {
	case trap::trap_kind::resume:
	case trap::trap_kind::restart:
		if (o.yield)
			pv_platform_yield();
		return 1;
	case trap::trap_kind::exit_to_user:
		report_trap_exit(c, o.exit, hc, next_ip);
		return o.exit.reason == trap::exit_reason::interrupted ? -PV_EINTR : 0;
	case trap::trap_kind::stop: break;
	}
	// Seccomp killed the task or a fatal signal is pending: it dies on
	// its way out; this vCPU never runs again.
	c.state = vcpu_state::dead;
	c.run->exit_reason = PV_EXIT_INTERRUPTED;
	return -PV_EINTR;
}

long run_loop(vcpu& c)
{
	vm& v = *c.owner;
	pv_run& r = *c.run;
	for (;;) {
		// Checks for pending work itself, with interrupts off; the slow
		// path below decides between rescheduling and exiting.
		const int cpu = pv_platform_guest_enter_begin();
		if (cpu < 0) {
			if (pv_platform_exit_work_pending()) {
				r.exit_reason = PV_EXIT_INTERRUPTED;
				return -PV_EINTR;
			}
			continue;
		}
		// Published before the backend reads the VM's TLB generation.
		__atomic_store_n(&c.in_guest_cpu, cpu, __ATOMIC_SEQ_CST);
		const exit_info e = v.ops->run_once(c, static_cast<unsigned>(cpu));
		__atomic_store_n(&c.in_guest_cpu, -1, __ATOMIC_RELEASE);
		pv_platform_guest_enter_end();
		r.stat_entries++;

		switch (e.kind) {
		case exit_kind::host_event: continue;
		case exit_kind::hypercall: {
			const int rc = handle_hypercall(c);
			if (rc == 1)
				continue;
			return rc;
		}
		case exit_kind::stage2_fault: {
			const int rc = pv_platform_stage2_fault(v.os_vm, e.guest_phys, e.access);
			if (rc == 0) {
				r.stat_stage2_faults++;
				continue;
			}
			if (rc == -PV_ENOMEM) {  // not the guest's fault: the host's
				report_hw_exit(c, e, PV_EXIT_INTERNAL_ERROR, rc);
				return 0;
			}
			report_hw_exit(c, e, PV_EXIT_STAGE2_FAULT);
			return 0;
		}
		case exit_kind::exception: report_hw_exit(c, e, PV_EXIT_EXCEPTION); return 0;
		case exit_kind::halt: report_hw_exit(c, e, PV_EXIT_HLT); return 0;
		case exit_kind::shutdown: report_hw_exit(c, e, PV_EXIT_SHUTDOWN); return 0;
		case exit_kind::entry_failed: report_hw_exit(c, e, PV_EXIT_FAIL_ENTRY); return 0;
		case exit_kind::other: break;
		}
		report_hw_exit(c, e, PV_EXIT_INTERNAL_ERROR, -PV_EOPNOTSUPP);
		return 0;
	}
}

long run(vcpu& c)
{
	const vm_ops& ops = *c.owner->ops;
	if (c.state == vcpu_state::dead)
		return -PV_EIO;
	if (c.state == vcpu_state::created)
		return -PV_ENOEXEC;  // never configured: PV_SET_SREGS first
	clear_exit(*c.run);
	c.result_pending = false;
	c.run->stat_user_exits++;
	if (ops.vcpu_load != nullptr)
		ops.vcpu_load(c);
	const long rc = run_loop(c);
	if (ops.vcpu_put != nullptr)
		ops.vcpu_put(c);
	c.result_pending = rc == 0 && (c.run->exit_reason == PV_EXIT_SYSCALL ||
				       c.run->exit_reason == PV_EXIT_HYPERCALL);
	return rc;
}

// PV_RUN_WITH_RESULT: the answer to the last exit, then PV_RUN.
long run_with_result(vcpu& c, uint64_t arg)
{
	pv_run_result in{};
	if (pv_platform_copy_from_user(&in, arg, sizeof(in)) != 0)
		return -PV_EFAULT;
	if (in.flags != 0 || in.reserved != 0)
		return -PV_EINVAL;
	if (c.state == vcpu_state::dead)
		return -PV_EIO;
	if (!c.result_pending)
		return -PV_ENOMSG;  // no syscall or hypercall exit awaits a result
	c.owner->ops->set_result(c, u64(in.value));
	c.result_pending = false;
	return run(c);
}

}  // namespace
}  // namespace pv::core

using namespace pv::core;

extern "C" long pv_core_vcpu_ioctl(pv_core_vcpu* c, unsigned int cmd, uint64_t arg)
{
	if (ioc_type(cmd) != PV_IOCTL_TYPE)
		return -PV_ENOTTY;
	if (ioc_nr(cmd) == ioc_nr(PV_RUN)) {
		if (ioc_dir(cmd) != _IOC_NONE)
			return -PV_ENOTTY;
		return run(*c);
	}
	if (ioc_nr(cmd) == ioc_nr(PV_RUN_WITH_RESULT)) {
		if (cmd != PV_RUN_WITH_RESULT)
			return -PV_ENOTTY;
		return run_with_result(*c, arg);
	}
	if (c->state == vcpu_state::dead)
		return -PV_EIO;
	const long rc = c->owner->ops->vcpu_ioctl(*c, cmd, arg);
	// Setting the system registers makes a vCPU runnable.
	if (rc == 0 && ioc_nr(cmd) == ioc_nr(PV_SET_SREGS))
		c->state = vcpu_state::runnable;
	// Registers set by the caller: no earlier exit's answer goes over them.
	if (rc == 0 && (ioc_nr(cmd) == ioc_nr(PV_SET_SREGS) || ioc_nr(cmd) == ioc_nr(PV_SET_REGS)))
		c->result_pending = false;
	return rc;
}
