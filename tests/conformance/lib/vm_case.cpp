// SPDX-License-Identifier: MIT
#include "vm_case.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "portvisor/guest_syscall.h"

namespace pvt {

vm_case begin_vm_case()
{
	vm_case c;
	c.problems = count_kernel_problems();
	ensure_loaded();
	auto dev = portvisor::device::open();
	PVT_CHECK(dev.ok(), "%s", dev.err().message.c_str());
	auto caps = dev.value().capabilities();
	PVT_CHECK(caps.ok(), "%s", caps.err().message.c_str());
	c.caps = caps.value();
	if (!(c.caps.features & PV_FEAT_RUN))
		skip("backend %s does not run vCPUs yet", c.caps.backend_name);
	if (!mirror_vms_possible(c.caps)) {
		// Mirror VMs cannot exist here: the module must say so (ERANGE).
		struct pv_create_vm a {};
		a.flags = PV_VM_MIRROR;
		errno = 0;
		const int fd = ioctl(dev.value().fd(), PV_CREATE_VM, &a);
		const int err = errno;
		if (fd >= 0)
			close(fd);
		PVT_CHECK(fd < 0 && err == ERANGE,
			  "a mirror VM on a CPU with %u-bit guest-physical addresses: rc %d, "
			  "errno %s; want ERANGE",
			  c.caps.guest_phys_bits, fd, std::strerror(err));
		note("this CPU has %u-bit guest-physical addresses; mirror VMs need 47 "
		     "(PV_CREATE_VM answers ERANGE, as it must): run_in_guest uses a "
		     "windowed VM (explicit slots, 1 GiB windows)",
		     c.caps.guest_phys_bits);
	}
	c.dev.emplace(std::move(dev.value()));
	c.baseline = module_stats(c);
	note("backend %s, %u-bit guest-physical, module holds %llu bytes in %llu allocations",
	     c.caps.backend_name, c.caps.guest_phys_bits,
	     static_cast<unsigned long long>(c.baseline.alloc_bytes),
	     static_cast<unsigned long long>(c.baseline.alloc_objects));
	return c;
}

bool mirror_vms_possible(const pv_capabilities& caps) { return caps.guest_phys_bits >= 47; }

unsigned runnable_vm_flags(const pv_capabilities& caps)
{
	return mirror_vms_possible(caps) ? PV_VM_MIRROR : 0U;
}

pv_module_stats module_stats(const vm_case& c)
{
	auto st = c.dev->stats();
	PVT_CHECK(st.ok(), "%s", st.err().message.c_str());
	return st.value();
}

void expect_baseline(const vm_case& c, const char* when, int seconds)
{
	const long long limit_ms = seconds * 1000LL;
	pv_module_stats now{};
	for (long long waited = 0;; waited += 50) {
		now = module_stats(c);
		if (now.alloc_objects == c.baseline.alloc_objects &&
		    now.alloc_bytes == c.baseline.alloc_bytes) {
			if (waited > 0)
				note("%s: allocations back to the baseline after %lld ms", when,
				     waited);
			return;
		}
		if (waited >= limit_ms)
			break;
		usleep(50 * 1000);
	}
	fail("%s: module holds %llu bytes in %llu allocations after %d s, %llu bytes in %llu "
	     "before the case (%+lld objects)",
	     when, static_cast<unsigned long long>(now.alloc_bytes),
	     static_cast<unsigned long long>(now.alloc_objects), seconds,
	     static_cast<unsigned long long>(c.baseline.alloc_bytes),
	     static_cast<unsigned long long>(c.baseline.alloc_objects),
	     static_cast<long long>(now.alloc_objects - c.baseline.alloc_objects));
}

void release_and_expect_baseline(const vm_case& c, const char* when, int seconds)
{
	auto r = portvisor::release_guest_vm();
	PVT_CHECK(r.ok(), "%s: %s", when, r.err().message.c_str());
	expect_baseline(c, when, seconds);
}

void end_vm_case(const vm_case& c) { check_no_new_kernel_problems(c.problems); }

uint64_t guest_run(portvisor::guest_fn fn, void* arg, const char* what,
		   const portvisor::run_options& options)
{
	auto r = portvisor::run_in_guest(fn, arg, options);
	PVT_CHECK(r.ok(), "%s: run_in_guest failed (%s): %s", what, std::strerror(r.err().err),
		  r.err().message.c_str());
	return r.value();
}

portvisor::guest_context& guest_ctx()
{
	auto c = portvisor::guest_context::current();
	PVT_CHECK(c.ok(), "guest context: %s", c.err().message.c_str());
	return *c.value();
}

namespace {
uint64_t guest_getpid(void*) { return static_cast<uint64_t>(pv_syscall0(SYS_getpid)); }
}  // namespace

void expect_guest_runs_on(const char* after)
{
	const uint64_t pid = guest_run(guest_getpid, nullptr, after);
	PVT_CHECK(pid == static_cast<uint64_t>(getpid()), "after %s the guest's getpid gave %llu",
		  after, static_cast<unsigned long long>(pid));
}

uint64_t direct_syscalls() { return guest_ctx().run_page().stat_direct_syscalls; }

void* guest_memory(size_t bytes)
{
	auto m = portvisor::alloc_guest_memory(bytes);
	PVT_CHECK(m.ok(), "%s", m.err().message.c_str());
	return m.value();
}

uint64_t run_answering_syscalls(portvisor::guest_fn fn, void* arg,
				const std::function<int64_t(const pv_run&)>& on_syscall)
{
	portvisor::guest_context& ctx = guest_ctx();
	auto p = ctx.prepare(fn, arg);
	PVT_CHECK(p.ok(), "%s", p.err().message.c_str());
	bool answer = false;  // the last exit was a syscall's: answer it
	int64_t value = 0;
	for (;;) {
		// The answer goes in with the next run, as run_in_guest does.
		auto r = answer ? ctx.cpu().run_with_result(value) : ctx.cpu().run();
		answer = false;
		if (!r.ok() && r.err().err == EINTR)
			continue;
		PVT_CHECK(r.ok(), "%s", r.err().message.c_str());
		const pv_run& run = ctx.run_page();
		if (run.exit_reason == PV_EXIT_SYSCALL) {
			value = on_syscall(run);
			answer = true;
			continue;
		}
		auto h = ctx.handle_exit(0);  // #PF of a new region, or the end
		PVT_CHECK(h.ok(), "%s", h.err().message.c_str());
		if (h.value().done)
			return h.value().value;
	}
}

pv_run run_until_error(portvisor::guest_fn fn, void* arg, portvisor::error* err, const char* what)
{
	portvisor::guest_context& ctx = guest_ctx();
	auto p = ctx.prepare(fn, arg);
	PVT_CHECK(p.ok(), "%s: %s", what, p.err().message.c_str());
	for (;;) {
		auto s = ctx.step();
		if (!s.ok()) {
			*err = s.err();
			return ctx.run_page();
		}
		if (s.value().done)
			fail("%s: the guest finished (returned %#llx) instead of faulting", what,
			     static_cast<unsigned long long>(s.value().value));
	}
}

int wait_child(pid_t pid, int seconds, const char* what)
{
	int status = 0;
	for (long waited_ms = 0;; waited_ms += 10) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
		PVT_CHECK(r == 0, "%s: waitpid: %s", what, std::strerror(errno));
		if (waited_ms >= seconds * 1000L) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fail("%s: child %d still there after %d s (killed now)", what,
			     static_cast<int>(pid), seconds);
		}
		usleep(10 * 1000);
	}
}

std::string describe_status(int status)
{
	if (WIFEXITED(status))
		return "exited " + std::to_string(WEXITSTATUS(status));
	if (WIFSIGNALED(status))
		return "killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
		       strsignal(WTERMSIG(status)) + ")";
	return "status " + std::to_string(status);
}

void* kernel_pointer()
{
#if defined(__x86_64__)
	return reinterpret_cast<void*>(0xffff888000000000UL);  // direct map
#else
	return reinterpret_cast<void*>(0xffff800008000000UL);  // kernel image area
#endif
}

long native_result(long rc) { return rc == -1 ? -errno : rc; }

}  // namespace pvt
