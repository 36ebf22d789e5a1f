// SPDX-License-Identifier: MIT
// A signal while the guest blocks in a direct read() of an empty pipe: the
// handler runs once on the host thread, and then, as natively, the read is
// restarted when the handler has SA_RESTART (and returns the data written
// later), or returns -EINTR without it. Another thread sends the signal
// (pthread_kill) once the vCPU thread sleeps in the read, then writes.
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <pthread.h>
#include <string>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>

#include "portvisor/guest_syscall.h"
#include "vm_case.h"

using namespace pvt;

namespace {

const char message[] = "data after the signal";

struct sr_args {
	int rfd, ready_fd;
	long ready, got;
	char buf[64];
};

uint64_t guest_blocking_read(void* arg)
{
	auto* a = static_cast<sr_args*>(arg);
	a->ready = pv_syscall3(SYS_write, a->ready_fd, reinterpret_cast<long>("r"), 1);
	a->got = pv_syscall3(SYS_read, a->rfd, reinterpret_cast<long>(a->buf), sizeof(a->buf));
	return 0;
}

std::atomic<int> handled{0};
void on_usr1(int) { handled++; }

void sleep_ms(long ms)
{
	timespec t{ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&t, &t) != 0 && errno == EINTR) {
	}
}

std::string read_file(const std::string& path)
{
	std::ifstream f(path);
	std::string s;
	std::getline(f, s, '\0');
	return s;
}

// Waits until thread `tid` sleeps (state S), in a pipe read if the kernel
// tells (wchan). Returns what it saw.
std::string wait_until_sleeping(pid_t tid)
{
	const std::string dir = "/proc/self/task/" + std::to_string(tid);
	std::string seen;
	for (int i = 0; i < 1000; i++) {  // 10 s
		const std::string stat = read_file(dir + "/stat");
		const auto paren = stat.rfind(')');
		const char state =
		    paren != std::string::npos && paren + 2 < stat.size() ? stat[paren + 2] : '?';
		const std::string wchan = read_file(dir + "/wchan");
		seen = std::string("state ") + state + ", wchan " + (wchan.empty() ? "?" : wchan);
		const bool wchan_known = !wchan.empty() && wchan != "0";
		if (state == 'S' && (!wchan_known || wchan.find("pipe") != std::string::npos))
			return seen;
		sleep_ms(10);
	}
	return seen + " (gave up waiting)";
}

struct round_result {
	long got;
	int handled;
	std::string seen;
	std::string buf;
};

round_result one_round(bool restart)
{
	struct sigaction sa;
	std::memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigemptyset(&sa.sa_mask);
	PVT_CHECK(sigaction(SIGUSR1, &sa, nullptr) == 0, "sigaction: %s", std::strerror(errno));
	int data[2], ready[2];
	PVT_CHECK(pipe2(data, O_CLOEXEC) == 0 && pipe2(ready, O_CLOEXEC) == 0, "pipe2: %s",
		  std::strerror(errno));
	auto* a = guest_object<sr_args>();
	a->rfd = data[0];
	a->ready_fd = ready[1];
	handled = 0;
	const pthread_t vcpu_thread = pthread_self();
	const pid_t vcpu_tid = gettid();
	std::string seen;
	std::thread helper([&] {
		pollfd p{ready[0], POLLIN, 0};
		if (poll(&p, 1, 120000) != 1)
			return;  // the guest never got there: the main thread fails
		char c;
		(void)!read(ready[0], &c, 1);
		seen = wait_until_sleeping(vcpu_tid);
		sleep_ms(200);
		pthread_kill(vcpu_thread, SIGUSR1);
		sleep_ms(200);
		(void)!write(data[1], message, sizeof(message));
	});
	guest_run(guest_blocking_read, a,
		  restart ? "read with SA_RESTART" : "read without SA_RESTART");
	helper.join();
	round_result r{a->got, handled.load(), seen, ""};
	PVT_CHECK(a->ready == 1, "the guest's ready write returned %ld", a->ready);
	if (a->got > 0)
		r.buf.assign(a->buf, static_cast<size_t>(a->got));
	if (!restart) {
		char left[64];
		const ssize_t n = read(data[0], left, sizeof(left));
		PVT_CHECK(n == static_cast<ssize_t>(sizeof(message)),
			  "without SA_RESTART the data should stay in the pipe: read %zd", n);
	}
	for (int fd : {data[0], data[1], ready[0], ready[1]})
		close(fd);
	return r;
}

}  // namespace

int main()
{
	vm_case c = begin_vm_case();
	const uint64_t direct_before = direct_syscalls();

	const round_result with = one_round(true);
	note("SA_RESTART: read %ld, handler ran %d time(s), vCPU thread was %s", with.got,
	     with.handled, with.seen.c_str());
	PVT_CHECK(with.handled == 1, "SA_RESTART: the handler ran %d times, want 1", with.handled);
	PVT_CHECK(with.got == static_cast<long>(sizeof(message)) &&
		      std::memcmp(with.buf.data(), message, sizeof(message)) == 0,
		  "SA_RESTART: the guest read returned %ld (want the %zu bytes written after the "
		  "signal)",
		  with.got, sizeof(message));

	const round_result without = one_round(false);
	note("no SA_RESTART: read %ld, handler ran %d time(s), vCPU thread was %s", without.got,
	     without.handled, without.seen.c_str());
	PVT_CHECK(without.handled == 1, "no SA_RESTART: the handler ran %d times, want 1",
		  without.handled);
	PVT_CHECK(without.got == -EINTR, "no SA_RESTART: the guest read returned %ld, want -EINTR",
		  without.got);

	note("%llu direct syscalls",
	     static_cast<unsigned long long>(direct_syscalls() - direct_before));
	release_and_expect_baseline(c, "after releasing the guest VM");
	end_vm_case(c);
	pass("SA_RESTART: read restarted and got the data; without: -EINTR; handler once each");
}
