// SPDX-License-Identifier: GPL-2.0
// The direct-syscall trap's pipeline (trap.h). Runs in a backend's exit
// handler, in the context of the vCPU's task.
#include "portvisor/core/trap/trap.h"

#include "portvisor/core/trap/restart.h"
#include "portvisor/core/trap/seccomp.h"

#define PV_UAPI_FREESTANDING
#include "uapi/portvisor.h"

namespace pv::trap {
namespace {

// The core's copies of the uapi numbers are the uapi's.
static_assert(portvisor_ioctl_type == PV_IOCTL_TYPE);
static_assert(hc_base == PV_HC_BASE && hc_exit_to_user == PV_HC_EXIT_TO_USER &&
	      hc_yield == PV_HC_YIELD && hc_end == PV_HC_END && PV_HC_LAST < PV_HC_END);
static_assert(u32(exit_reason::hypercall) == PV_EXIT_HYPERCALL);
static_assert(u32(exit_reason::syscall) == PV_EXIT_SYSCALL);
static_assert(u32(exit_reason::interrupted) == PV_EXIT_INTERRUPTED);
static_assert(u32(syscall_why::user_only) == PV_SYSCALL_USER_ONLY);
static_assert(u32(syscall_why::not_allowed) == PV_SYSCALL_NOT_ALLOWED);
static_assert(u32(syscall_why::seccomp) == PV_SYSCALL_SECCOMP);
static_assert(u32(syscall_why::no_filter) == PV_SYSCALL_NO_FILTER);
static_assert(sizeof(pv_seccomp_data) == 64, "include/uapi/linux/seccomp.h layout");

// The classes of every 6.1 number are what the data headers say.
static_assert(classify(syscall_arch::x86_64, x86_64::nr_getpid) == syscall_class::direct);
static_assert(classify(syscall_arch::x86_64, 56) == syscall_class::user);
static_assert(classify(syscall_arch::x86_64, 400) == syscall_class::deny);
static_assert(classify(syscall_arch::arm64, arm64::nr_getpid) == syscall_class::direct);
static_assert(classify(syscall_arch::arm64, 220) == syscall_class::user);
static_assert(classify(syscall_arch::arm64, 250) == syscall_class::deny);

// State of one pv_platform_seccomp_run_filters() call.
struct fold_state {
	u32 ret = seccomp_initial;
	u32 folds = 0;
};

void fold(void* ctx, uint32_t result)
{
	auto* s = static_cast<fold_state*>(ctx);
	s->ret = seccomp_combine(s->ret, result);
	s->folds++;
}

void copy_args(u64 (&to)[6], const hypercall& hc)
{
	for (unsigned i = 0; i < 6; i++)
		to[i] = hc.args[i];
}

trap_outcome resume_with(int64_t value)
{
	trap_outcome o{};
	o.kind = trap_kind::resume;
	o.update = reg_update::complete;
	o.value = u64(value);
	return o;
}

// RUN returns to user space; the guest continues after the hypercall when
// it runs again, with the result register left for user space (RUN
// reports the hypercall's number and arguments).
trap_outcome to_user(exit_reason reason, syscall_why why)
{
	trap_outcome o{};
	o.kind = trap_kind::exit_to_user;
	o.update = reg_update::advance;
	o.exit.reason = reason;
	o.exit.why = why;
	return o;
}

trap_outcome stop(stop_reason why)
{
	trap_outcome o{};
	o.kind = trap_kind::stop;
	o.stop = why;
	return o;
}

trap_outcome portvisor_hypercall(const hypercall& hc, trap_stats& stats)
{
	if (hc.nr == hc_yield) {
		stats.hc_yield++;
		trap_outcome o = resume_with(0);
		o.yield = true;
		return o;
	}
	if (hc.nr == hc_exit_to_user)
		stats.hc_exit_to_user++;
	else
		stats.hc_unknown++;
	return to_user(exit_reason::hypercall, syscall_why::none);
}

// The seccomp step of a call the trap would run: true, with `out`, when
// the filters' verdict ends the call here (an errno, a trap, a kill, the
// native path); false when the call goes on (allow, log).
bool seccomp_stops(const hypercall& hc, u64 guest_ip, trap_stats& stats, trap_outcome& out)
{
	pv_seccomp_data data{};
	data.nr = int32_t(hc.nr);
	data.arch = audit_arch(hc.arch);
	data.instruction_pointer = guest_ip;
	copy_args(data.args, hc);

	fold_state folded{};
	const int ran = pv_platform_seccomp_run_filters(&data, fold, &folded);
	// An error, or a count that disagrees with the results folded, means
	// the filters' verdict is unknown: never run the call, never allow it.
	if (ran < 0 || u32(ran) != folded.folds) {
		stats.no_filter++;
		out = to_user(exit_reason::syscall, syscall_why::no_filter);
		return true;
	}

	const seccomp_decision d = seccomp_decide(folded.ret);
	switch (d.verdict) {
	case seccomp_verdict::allow: return false;
	case seccomp_verdict::log:
		stats.seccomp_log++;
		pv_platform_seccomp_log(data.nr, d.action);
		return false;
	case seccomp_verdict::error:
		stats.seccomp_errno++;
		pv_platform_seccomp_log(data.nr, d.action);
		out = resume_with(seccomp_errno_result(d.data));
		return true;
	case seccomp_verdict::trap: {
		stats.seccomp_trap++;
		pv_platform_seccomp_send_sigsys(&data, d.data);
		pv_platform_seccomp_log(data.nr, d.action);
		// Not run; the vCPU exits so that SIGSYS is delivered now.
		out = resume_with(-linux_abi::enosys);
		out.kind = trap_kind::exit_to_user;
		out.exit.reason = exit_reason::interrupted;
		return true;
	}
	case seccomp_verdict::native:
		stats.seccomp_native++;
		out = to_user(exit_reason::syscall, syscall_why::seccomp);
		return true;
	case seccomp_verdict::kill_thread:
		stats.seccomp_kill++;
		pv_platform_seccomp_kill(0, &data);
		out = stop(stop_reason::seccomp_kill_thread);
		return true;
	case seccomp_verdict::kill_process:
	default:
		stats.seccomp_kill++;
		pv_platform_seccomp_kill(1, &data);
		out = stop(stop_reason::seccomp_kill_process);
		return true;
	}
}

trap_outcome decide(const hypercall& hc, u64 guest_ip, const trap_policy& policy, trap_stats& stats,
		    pv_syscall_frame* frame)
{
	if (hc.user_mode) {
		stats.from_user_mode++;
		return resume_with(-linux_abi::eperm);
	}
	if (is_hypercall_number(hc.nr))
		return portvisor_hypercall(hc, stats);

	const syscall_class cls = classify(hc.arch, hc.nr);
	if (cls == syscall_class::user || is_portvisor_ioctl(hc.arch, hc.nr, hc.args[1])) {
		stats.user_only++;
		return to_user(exit_reason::syscall, syscall_why::user_only);
	}
	if (!policy.allow_list.permits(hc.nr)) {
		stats.not_allowed++;
		return to_user(exit_reason::syscall, syscall_why::not_allowed);
	}
	// Seccomp next, as in the native entry: a denied number's verdict too is
	// the filters' first. The data is built only for a task the platform
	// says has filters or other syscall-entry work.
	if (pv_platform_seccomp_active() != 0) {
		trap_outcome stopped{};
		if (seccomp_stops(hc, guest_ip, stats, stopped))
			return stopped;
	}

	if (cls == syscall_class::deny) {
		stats.denied++;
		return resume_with(-linux_abi::enosys);
	}

	stats.direct_syscalls++;
	const int64_t result = pv_platform_run_syscall(frame, hc.nr, hc.args);
	const trap_outcome o = after_syscall(hc, result, pv_platform_pending_signal());
	if (o.update == reg_update::restart)
		stats.restarts++;
	if (o.exit.reason == exit_reason::interrupted)
		stats.interrupted++;
	if (o.stop == stop_reason::fatal_signal)
		stats.fatal_signals++;
	return o;
}

}  // namespace

trap_outcome handle_hypercall(const hypercall& hc, u64 guest_ip, const trap_policy& policy,
			      trap_stats& stats, pv_syscall_frame* frame)
{
	stats.hypercalls++;
	const trap_outcome o = decide(hc, guest_ip, policy, stats, frame);
	switch (o.kind) {
	case trap_kind::resume: stats.resumed++; break;
	case trap_kind::restart: stats.restarted++; break;
	case trap_kind::exit_to_user: stats.exits_to_user++; break;
	case trap_kind::stop: stats.stopped++; break;
	}
	return o;
}

}  // namespace pv::trap
