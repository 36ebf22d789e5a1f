// SPDX-License-Identifier: MIT
// A pipe between guest and host: what the guest writes with a direct
// write() is what a native read() gets, and what is written natively is
// what a direct read() in the guest gets, byte for byte, for a short
// message and for 48 KiB spread over many guest pages.
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "portvisor/guest_syscall.h"
#include "vm_case.h"

using namespace pvt;

namespace {

constexpr size_t big = 48 * 1024;

struct pipe_io {
	int rfd, wfd;
	long len;
	long result;
	unsigned char buf[big];
};

uint64_t guest_write(void* arg)
{
	auto* p = static_cast<pipe_io*>(arg);
	p->result = pv_syscall3(SYS_write, p->wfd, reinterpret_cast<long>(p->buf), p->len);
	return 0;
}

uint64_t guest_read(void* arg)
{
	auto* p = static_cast<pipe_io*>(arg);
	long got = 0;
	while (got < p->len) {
		long n = pv_syscall3(SYS_read, p->rfd, reinterpret_cast<long>(p->buf + got),
				     p->len - got);
		if (n <= 0) {
			p->result = n;
			return 1;
		}
		got += n;
	}
	p->result = got;
	return 0;
}

unsigned char pattern(size_t i, unsigned seed) { return static_cast<unsigned char>(i * 31 + seed); }

void native_read_all(int fd, unsigned char* buf, size_t len, const char* what)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		PVT_CHECK(n > 0, "%s: native read: %s", what, n < 0 ? std::strerror(errno) : "EOF");
		got += static_cast<size_t>(n);
	}
}

}  // namespace

int main()
{
	vm_case c = begin_vm_case();
	int fds[2];
	PVT_CHECK(pipe2(fds, O_CLOEXEC) == 0, "pipe2: %s", std::strerror(errno));
	auto* p = guest_object<pipe_io>();
	p->rfd = fds[0];
	p->wfd = fds[1];
	static unsigned char host[big];
	const uint64_t direct_before = direct_syscalls();

	// Guest -> host, short.
	const char hello[] = "hello from guest ring 0";
	std::memcpy(p->buf, hello, sizeof(hello));
	p->len = sizeof(hello);
	guest_run(guest_write, p, "guest write");
	PVT_CHECK(p->result == static_cast<long>(sizeof(hello)),
		  "guest write returned %ld, want %zu", p->result, sizeof(hello));
	native_read_all(fds[0], host, sizeof(hello), "short message");
	PVT_CHECK(std::memcmp(host, hello, sizeof(hello)) == 0, "native read got '%.*s'",
		  static_cast<int>(sizeof(hello)), host);

	// Host -> guest, short.
	const char reply[] = "hello from the host";
	PVT_CHECK(write(fds[1], reply, sizeof(reply)) == static_cast<ssize_t>(sizeof(reply)),
		  "native write: %s", std::strerror(errno));
	std::memset(p->buf, 0, sizeof(p->buf));
	p->len = sizeof(reply);
	PVT_CHECK(guest_run(guest_read, p, "guest read") == 0, "guest read returned %ld",
		  p->result);
	PVT_CHECK(std::memcmp(p->buf, reply, sizeof(reply)) == 0, "guest read got '%.*s'",
		  static_cast<int>(sizeof(reply)), p->buf);

	// 48 KiB each way (below the 64 KiB pipe buffer: no reader needed).
	for (size_t i = 0; i < big; i++)
		p->buf[i] = pattern(i, 1);
	p->len = big;
	guest_run(guest_write, p, "guest write 48 KiB");
	PVT_CHECK(p->result == static_cast<long>(big), "guest write of 48 KiB returned %ld",
		  p->result);
	native_read_all(fds[0], host, big, "48 KiB from the guest");
	for (size_t i = 0; i < big; i++)
		PVT_CHECK(host[i] == pattern(i, 1), "byte %zu from the guest is %#x, want %#x", i,
			  host[i], pattern(i, 1));
	for (size_t i = 0; i < big; i++)
		host[i] = pattern(i, 7);
	size_t put = 0;
	while (put < big) {
		ssize_t n = write(fds[1], host + put, big - put);
		PVT_CHECK(n > 0, "native write: %s", std::strerror(errno));
		put += static_cast<size_t>(n);
	}
	std::memset(p->buf, 0, sizeof(p->buf));
	PVT_CHECK(guest_run(guest_read, p, "guest read 48 KiB") == 0,
		  "guest read of 48 KiB stopped with %ld", p->result);
	for (size_t i = 0; i < big; i++)
		PVT_CHECK(p->buf[i] == pattern(i, 7), "byte %zu read in the guest is %#x, want %#x",
			  i, p->buf[i], pattern(i, 7));
	const uint64_t direct = direct_syscalls() - direct_before;
	note("%llu direct syscalls", static_cast<unsigned long long>(direct));
	PVT_CHECK(direct >= 4, "only %llu of the guest's pipe calls ran directly",
		  static_cast<unsigned long long>(direct));

	close(fds[0]);
	close(fds[1]);
	release_and_expect_baseline(c, "after releasing the guest VM");
	end_vm_case(c);
	pass("guest->host and host->guest through a pipe, %zu and %zu bytes, all direct",
	     sizeof(hello) + big, sizeof(reply) + big);
}
