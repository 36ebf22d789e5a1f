// SPDX-License-Identifier: MIT
// A seccomp filter acts on a guest's syscall exactly as on the native
// call. For each action (ALLOW, LOG, ERRNO(13), TRAP, KILL_THREAD,
// KILL_PROCESS, TRACE without a tracer, USER_NOTIF with a listener that
// answers 4242), two forked children install a filter matching getppid and
// make the call, one natively and one from the guest: the return value, the
// SIGSYS the handler saw (si_syscall, si_errno, si_code, si_arch) and how
// the child ended must be identical. Whether the guest's call ran in the
// exit handler or was handed to user space and run natively there (both
// are allowed) is noted from stat_direct_syscalls.
#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <string>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "portvisor/guest_syscall.h"
#include "vm_case.h"

using namespace pvt;

namespace {

#if defined(__x86_64__)
constexpr uint32_t audit_arch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr uint32_t audit_arch = AUDIT_ARCH_AARCH64;
#endif

constexpr long notif_answer = 4242;
constexpr uint32_t trap_data = 7;

struct action {
	const char* name;
	uint32_t ret;
};

const action actions[] = {
    {"ALLOW", SECCOMP_RET_ALLOW},
    {"LOG", SECCOMP_RET_LOG},
    {"ERRNO(13)", SECCOMP_RET_ERRNO | 13},
    {"TRAP", SECCOMP_RET_TRAP | trap_data},
    {"KILL_THREAD", SECCOMP_RET_KILL_THREAD},
    {"KILL_PROCESS", SECCOMP_RET_KILL_PROCESS},
    {"TRACE", SECCOMP_RET_TRACE | 5},
    {"USER_NOTIF", SECCOMP_RET_USER_NOTIF},
};

// What a child saw; nothing arrives from a child that was killed.
struct report {
	int reached = 0;
	long ret = 0;
	int sigsys = 0;
	int sys_nr = 0, sys_errno = 0, sys_code = 0;
	unsigned sys_arch = 0;
	long direct = -1;  // guest: stat_direct_syscalls grew by this
	char error[300] = {};
};

volatile sig_atomic_t sigsys_count;
volatile int seen_syscall, seen_errno, seen_code;
volatile unsigned seen_arch;

void on_sigsys(int, siginfo_t* si, void*)
{
	sigsys_count = sigsys_count + 1;
	seen_syscall = si->si_syscall;
	seen_errno = si->si_errno;
	seen_code = si->si_code;
	seen_arch = si->si_arch;
}

uint64_t guest_getppid(void*) { return static_cast<uint64_t>(pv_syscall0(SYS_getppid)); }

void answer_one(int listener)
{
	pollfd p{listener, POLLIN, 0};
	if (poll(&p, 1, 60000) != 1)
		return;
	seccomp_notif req;
	std::memset(&req, 0, sizeof(req));
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0)
		return;
	seccomp_notif_resp resp;
	std::memset(&resp, 0, sizeof(resp));
	resp.id = req.id;
	resp.val = notif_answer;
	ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}

[[noreturn]] void child_fail(int fd, report& rep, int code, const std::string& what)
{
	std::snprintf(rep.error, sizeof(rep.error), "%s", what.c_str());
	(void)!write(fd, &rep, sizeof(rep));
	_exit(code);
}

[[noreturn]] void child(const action& a, bool in_guest, int fd)
{
	report rep;
	const rlimit no_core{0, 0};
	setrlimit(RLIMIT_CORE, &no_core);
	struct sigaction sa;
	std::memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSYS, &sa, nullptr);

	portvisor::guest_context* ctx = nullptr;
	uint64_t before = 0;
	if (in_guest) {
		auto c = portvisor::guest_context::current();
		if (!c)
			child_fail(fd, rep, 3, "guest context: " + c.err().message);
		ctx = c.value();
		before = ctx->run_page().stat_direct_syscalls;
	}

	sock_filter insns[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, audit_arch, 1, 0),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, a.ret),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	sock_fprog prog{static_cast<unsigned short>(sizeof(insns) / sizeof(insns[0])), insns};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		child_fail(fd, rep, 4, std::string("PR_SET_NO_NEW_PRIVS: ") + std::strerror(errno));
	const bool notif = a.ret == SECCOMP_RET_USER_NOTIF;
	long listener = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
				notif ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0, &prog);
	if (listener < 0)
		child_fail(fd, rep, 4, std::string("seccomp: ") + std::strerror(errno));
	std::thread answerer;
	if (notif)
		answerer = std::thread(answer_one, static_cast<int>(listener));

	if (in_guest) {
		auto r = portvisor::run_in_guest(guest_getppid, nullptr);
		if (!r)
			child_fail(fd, rep, 5, "run_in_guest: " + r.err().message);
		rep.ret = static_cast<long>(r.value());
		rep.direct = static_cast<long>(ctx->run_page().stat_direct_syscalls - before);
	} else {
		rep.ret = native_result(syscall(SYS_getppid));
	}
	rep.reached = 1;
	rep.sigsys = sigsys_count;
	rep.sys_nr = seen_syscall;
	rep.sys_errno = seen_errno;
	rep.sys_code = seen_code;
	rep.sys_arch = seen_arch;
	if (answerer.joinable())
		answerer.join();
	(void)!write(fd, &rep, sizeof(rep));
	_exit(0);
}

struct outcome {
	int status = 0;
	bool has_report = false;
	report rep;
};

outcome run_child(const action& a, bool in_guest)
{
	int fds[2];
	PVT_CHECK(pipe2(fds, O_CLOEXEC) == 0, "pipe2: %s", std::strerror(errno));
	std::fflush(stdout);
	const pid_t pid = fork();
	PVT_CHECK(pid >= 0, "fork: %s", std::strerror(errno));
	if (pid == 0) {
		close(fds[0]);
		child(a, in_guest, fds[1]);
	}
	close(fds[1]);
	const std::string what = std::string(a.name) + (in_guest ? " (guest)" : " (native)");
	outcome o;
	o.status = wait_child(pid, 120, what.c_str());
	const ssize_t n = read(fds[0], &o.rep, sizeof(o.rep));
	o.has_report = n == static_cast<ssize_t>(sizeof(o.rep));
	close(fds[0]);
	if (o.has_report && o.rep.error[0])
		fail("%s: the child failed: %s", what.c_str(), o.rep.error);
	return o;
}

std::string describe(const outcome& o)
{
	std::string s = describe_status(o.status);
	if (!o.has_report)
		return s + ", no report";
	return s + ", getppid " + std::to_string(o.rep.ret) + ", SIGSYS x" +
	       std::to_string(o.rep.sigsys) + " (syscall " + std::to_string(o.rep.sys_nr) +
	       ", errno " + std::to_string(o.rep.sys_errno) + ", code " +
	       std::to_string(o.rep.sys_code) + ", arch " + std::to_string(o.rep.sys_arch) + ")";
}

#if defined(__x86_64__)
constexpr long rolled_back_result = SYS_getppid;
#else
constexpr long rolled_back_result = 0;
#endif

// What the native call must give, so that "identical" is not "both wrong".
void check_native(const action& a, const outcome& o, pid_t parent)
{
	const std::string d = describe(o);
	switch (a.ret & SECCOMP_RET_ACTION_FULL) {
	case SECCOMP_RET_ALLOW:
	case SECCOMP_RET_LOG:
		PVT_CHECK(o.has_report && o.rep.ret == parent, "%s natively: %s", a.name,
			  d.c_str());
		break;
	case SECCOMP_RET_ERRNO:
		PVT_CHECK(o.has_report && o.rep.ret == -13, "%s natively: %s", a.name, d.c_str());
		break;
	case SECCOMP_RET_TRAP:
		// The call is rolled back (syscall_rollback): the result register
		// holds what it held at entry, the number on x86_64 (rax = orig_ax),
		// the first argument on arm64 (x0 = orig_x0, 0 for getppid).
		PVT_CHECK(o.has_report && o.rep.ret == rolled_back_result && o.rep.sigsys == 1 &&
			      o.rep.sys_nr == SYS_getppid &&
			      o.rep.sys_errno == static_cast<int>(trap_data) &&
			      o.rep.sys_code == 1 /* SYS_SECCOMP */ && o.rep.sys_arch == audit_arch,
			  "%s natively: %s", a.name, d.c_str());
		break;
	case SECCOMP_RET_KILL_THREAD:
	case SECCOMP_RET_KILL_PROCESS:
		PVT_CHECK(WIFSIGNALED(o.status) && WTERMSIG(o.status) == SIGSYS && !o.has_report,
			  "%s natively: %s", a.name, d.c_str());
		break;
	case SECCOMP_RET_TRACE:
		PVT_CHECK(o.has_report && o.rep.ret == -ENOSYS, "%s natively: %s", a.name,
			  d.c_str());
		break;
	case SECCOMP_RET_USER_NOTIF:
		PVT_CHECK(o.has_report && o.rep.ret == notif_answer, "%s natively: %s", a.name,
			  d.c_str());
		break;
	default: fail("unknown action %#x", a.ret);
	}
}

}  // namespace

int main()
{
	vm_case c = begin_vm_case();
	const pid_t self = getpid();
	std::string paths;
	for (const action& a : actions) {
		const outcome native = run_child(a, false);
		check_native(a, native, self);
		const outcome guest = run_child(a, true);
		const std::string dn = describe(native), dg = describe(guest);
		PVT_CHECK(native.status == guest.status && native.has_report == guest.has_report,
			  "%s: native: %s; guest: %s", a.name, dn.c_str(), dg.c_str());
		if (native.has_report)
			PVT_CHECK(native.rep.ret == guest.rep.ret &&
				      native.rep.sigsys == guest.rep.sigsys &&
				      native.rep.sys_nr == guest.rep.sys_nr &&
				      native.rep.sys_errno == guest.rep.sys_errno &&
				      native.rep.sys_code == guest.rep.sys_code &&
				      native.rep.sys_arch == guest.rep.sys_arch,
				  "%s: native: %s; guest: %s", a.name, dn.c_str(), dg.c_str());
		const char* path = !guest.has_report      ? "killed"
				   : guest.rep.direct > 0 ? "direct"
							  : "via user space";
		note("%-12s %s; guest path: %s", a.name, dn.c_str(), path);
		paths += std::string(paths.empty() ? "" : ", ") + a.name + " " + path;
	}
	expect_baseline(c, "after every child exited");
	end_vm_case(c);
	pass("8 seccomp actions identical natively and from the guest (%s)", paths.c_str());
}
