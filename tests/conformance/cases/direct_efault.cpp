// SPDX-License-Identifier: MIT
// Bad user pointers passed from the guest fail as they fail natively and
// change nothing: write() from a kernel address, NULL or an unmapped page
// is -EFAULT and puts nothing in the pipe; read() into a kernel address or
// NULL is -EFAULT and takes nothing out of it; a buffer that runs into an
// unmapped page gives the same result as natively.
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "portvisor/guest_syscall.h"
#include "vm_case.h"

using namespace pvt;

namespace {

struct io_args {
	long nr, fd, ptr, len;
	long result;
};

uint64_t guest_call(void* arg)
{
	auto* a = static_cast<io_args*>(arg);
	a->result = pv_syscall3(a->nr, a->fd, a->ptr, a->len);
	return 0;
}

int fds[2];
io_args* args;
int checks = 0;

int pipe_bytes()
{
	int n = -1;
	PVT_CHECK(ioctl(fds[0], FIONREAD, &n) == 0, "FIONREAD: %s", std::strerror(errno));
	return n;
}

// The same call natively and from the guest: same result, same pipe level.
long same_both_ways(long nr, int fd, const void* ptr, long len, const char* what)
{
	const int level = pipe_bytes();
	const long native = native_result(syscall(nr, fd, ptr, len));
	const int level_native = pipe_bytes();
	args->nr = nr;
	args->fd = fd;
	args->ptr = reinterpret_cast<long>(ptr);
	args->len = len;
	guest_run(guest_call, args, what);
	const int level_guest = pipe_bytes();
	PVT_CHECK(args->result == native, "%s: guest %ld, native %ld", what, args->result, native);
	PVT_CHECK(level_guest - level_native == level_native - level,
		  "%s: the pipe went %d -> %d natively, but %d -> %d from the guest", what, level,
		  level_native, level_native, level_guest);
	checks++;
	return native;
}

}  // namespace

int main()
{
	vm_case c = begin_vm_case();
	PVT_CHECK(pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0, "pipe2: %s", std::strerror(errno));
	args = guest_object<io_args>();
	const long page = sysconf(_SC_PAGESIZE);
	// One guest run first: whatever the library maps lazily (the vCPU's
	// run page, its stack) exists before the hole is made, and cannot land
	// in it.
	args->nr = SYS_getpid;
	guest_run(guest_call, args, "first guest run");
	auto* two = static_cast<char*>(guest_memory(2 * page));
	std::memset(two, 'x', page);
	munmap(two + page, page);
	void* unmapped = two + page;
	const uint64_t direct_before = direct_syscalls();

	long r =
	    same_both_ways(SYS_write, fds[1], kernel_pointer(), 8, "write from a kernel address");
	PVT_CHECK(r == -EFAULT && pipe_bytes() == 0, "write from a kernel address: %ld", r);
	r = same_both_ways(SYS_write, fds[1], nullptr, 8, "write from NULL");
	PVT_CHECK(r == -EFAULT && pipe_bytes() == 0, "write from NULL: %ld", r);
	r = same_both_ways(SYS_write, fds[1], unmapped, 8, "write from an unmapped page");
	PVT_CHECK(r == -EFAULT && pipe_bytes() == 0, "write from an unmapped page: %ld", r);

	const char data[8] = {'p', 'o', 'r', 't', 'v', 'i', 's', 'r'};
	PVT_CHECK(write(fds[1], data, 8) == 8, "write: %s", std::strerror(errno));
	r = same_both_ways(SYS_read, fds[0], kernel_pointer(), 8, "read into a kernel address");
	PVT_CHECK(r == -EFAULT && pipe_bytes() == 8, "read into a kernel address: %ld, %d in pipe",
		  r, pipe_bytes());
	r = same_both_ways(SYS_read, fds[0], nullptr, 8, "read into NULL");
	PVT_CHECK(r == -EFAULT && pipe_bytes() == 8, "read into NULL: %ld", r);
	r = same_both_ways(SYS_read, fds[0], unmapped, 8, "read into an unmapped page");
	PVT_CHECK(r == -EFAULT && pipe_bytes() == 8, "read into an unmapped page: %ld", r);
	char back[8] = {};
	PVT_CHECK(read(fds[0], back, 8) == 8 && std::memcmp(back, data, 8) == 0,
		  "the pipe's 8 bytes changed");

	// A buffer that starts mapped and runs into the unmapped page: whatever
	// the kernel does natively (a short count or -EFAULT), the guest gets.
	r = same_both_ways(SYS_write, fds[1], two + page - 4, 8, "write running into a hole");
	note("write of 8 bytes with 4 mapped: %ld", r);
	while (pipe_bytes() > 0)
		PVT_CHECK(read(fds[0], back, sizeof(back)) > 0, "drain");

	const uint64_t direct = direct_syscalls() - direct_before;
	note("%llu of %d guest calls ran directly", static_cast<unsigned long long>(direct),
	     checks);
	PVT_CHECK(direct == static_cast<uint64_t>(checks), "%llu of %d guest calls ran directly",
		  static_cast<unsigned long long>(direct), checks);
	munmap(two, page);
	close(fds[0]);
	close(fds[1]);
	release_and_expect_baseline(c, "after releasing the guest VM");
	end_vm_case(c);
	pass("%d bad-pointer calls: -EFAULT from the guest as natively, pipe unchanged", checks);
}
