// SPDX-License-Identifier: GPL-2.0
// The host fake of the direct-syscall platform functions: see
// fake_direct_syscall.h.
#include "fake_direct_syscall.h"

#include <stdlib.h>
#include <string.h>

namespace pv::fake_syscall {
namespace {

state the_state;

// A test scripted more than the fake holds: a test bug, stop loudly.
[[noreturn]] void overflow() { abort(); }

}  // namespace

state& get() { return the_state; }

void reset() { the_state = state{}; }

void set_filters(std::initializer_list<uint32_t> newest_first)
{
	if (newest_first.size() > max_filters)
		overflow();
	the_state.filter_count = 0;
	for (uint32_t r : newest_first)
		the_state.filters[the_state.filter_count++] = r;
}

void script_results(std::initializer_list<int64_t> results)
{
	if (results.size() > max_script)
		overflow();
	the_state.result_count = 0;
	for (int64_t r : results)
		the_state.results[the_state.result_count++] = r;
}

void script_signals(std::initializer_list<pv_signal_disposition> signals)
{
	if (signals.size() > max_script)
		overflow();
	the_state.signal_count = 0;
	for (pv_signal_disposition d : signals)
		the_state.signals[the_state.signal_count++] = d;
}

}  // namespace pv::fake_syscall

using pv::fake_syscall::max_records;

extern "C" {

int pv_platform_seccomp_active(void)
{
	auto& s = pv::fake_syscall::get();
	s.active_queries++;
	return s.seccomp_active;
}

int pv_platform_seccomp_run_filters(const struct pv_seccomp_data* data,
				    void (*fold)(void* ctx, uint32_t result), void* ctx)
{
	auto& s = pv::fake_syscall::get();
	s.last_filter_seq = ++s.calls;
	s.filter_runs++;
	s.last_filter_data = *data;
	if (s.filter_error < 0)
		return s.filter_error;
	for (unsigned i = 0; i < s.filter_count; i++)
		fold(ctx, s.filters[i]);
	return s.reported_count >= 0 ? s.reported_count : int(s.filter_count);
}

void pv_platform_seccomp_log(int32_t nr, uint32_t action)
{
	auto& s = pv::fake_syscall::get();
	const unsigned seq = ++s.calls;
	if (s.log_calls < max_records)
		s.logs[s.log_calls] = {seq, nr, action};
	s.log_calls++;
}

void pv_platform_seccomp_send_sigsys(const struct pv_seccomp_data* data, uint16_t errno_data)
{
	auto& s = pv::fake_syscall::get();
	const unsigned seq = ++s.calls;
	if (s.sigsys_calls < max_records)
		s.sigsys[s.sigsys_calls] = {seq, *data, errno_data};
	s.sigsys_calls++;
}

void pv_platform_seccomp_kill(int whole_process, const struct pv_seccomp_data* data)
{
	auto& s = pv::fake_syscall::get();
	const unsigned seq = ++s.calls;
	if (s.kill_calls < max_records)
		s.kills[s.kill_calls] = {seq, whole_process != 0, *data};
	s.kill_calls++;
}

int64_t pv_platform_run_syscall(pv_syscall_frame* frame, uint32_t nr, const uint64_t args[6])
{
	auto& s = pv::fake_syscall::get();
	const unsigned seq = ++s.calls;
	const unsigned n = s.syscall_calls++;
	if (n < max_records) {
		s.syscalls[n].seq = seq;
		s.syscalls[n].nr = nr;
		s.syscalls[n].frame = frame;
		memcpy(s.syscalls[n].args, args, sizeof(s.syscalls[n].args));
	}
	return n < s.result_count ? s.results[n] : s.default_result;
}

enum pv_signal_disposition pv_platform_pending_signal(void)
{
	auto& s = pv::fake_syscall::get();
	s.last_signal_seq = ++s.calls;
	const unsigned n = s.signal_queries++;
	return n < s.signal_count ? s.signals[n] : s.default_signal;
}

}  // extern "C"
