// SPDX-License-Identifier: MIT
// Files from the guest: openat/read/pread64/fstat/close of a file made
// natively give what the same calls give natively (content, fd number,
// inode, size, mode); a file the guest creates and writes is there
// natively with that content and mode; a closed fd is EBADF both ways.
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "portvisor/guest_syscall.h"
#include "vm_case.h"

using namespace pvt;

namespace {

constexpr size_t file_size = 5000;
const char read_path[] = "/tmp/pv-file";
const char write_path[] = "/tmp/pv-file-from-guest";

struct file_io {
	long fd, n_read, n_pread, fstat_rc, close_rc, fstat_closed;
	long wfd, n_write, wclose;
	struct stat st, st2;
	unsigned char buf[8192];
	unsigned char pbuf[100];
	unsigned char wbuf[3000];
};

uint64_t guest_files(void* arg)
{
	auto* f = static_cast<file_io*>(arg);
	f->fd = pv_syscall4(SYS_openat, AT_FDCWD, reinterpret_cast<long>(read_path),
			    O_RDONLY | O_CLOEXEC, 0);
	if (f->fd < 0)
		return 1;
	f->n_read = pv_syscall3(SYS_read, f->fd, reinterpret_cast<long>(f->buf), sizeof(f->buf));
	f->n_pread =
	    pv_syscall4(SYS_pread64, f->fd, reinterpret_cast<long>(f->pbuf), sizeof(f->pbuf), 1000);
	f->fstat_rc = pv_syscall2(SYS_fstat, f->fd, reinterpret_cast<long>(&f->st));
	f->close_rc = pv_syscall1(SYS_close, f->fd);
	f->fstat_closed = pv_syscall2(SYS_fstat, f->fd, reinterpret_cast<long>(&f->st2));

	f->wfd = pv_syscall4(SYS_openat, AT_FDCWD, reinterpret_cast<long>(write_path),
			     O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (f->wfd < 0)
		return 2;
	f->n_write =
	    pv_syscall3(SYS_write, f->wfd, reinterpret_cast<long>(f->wbuf), sizeof(f->wbuf));
	f->wclose = pv_syscall1(SYS_close, f->wfd);
	return 0;
}

unsigned char pattern(size_t i) { return static_cast<unsigned char>((i * 7) ^ (i >> 8)); }

}  // namespace

int main()
{
	vm_case c = begin_vm_case();
	// The VM and vCPU fds first: then the native and the guest openat
	// find the same lowest free fd.
	guest_ctx();
	unlink(write_path);
	static unsigned char content[file_size];
	for (size_t i = 0; i < file_size; i++)
		content[i] = pattern(i);
	int fd = open(read_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	PVT_CHECK(fd >= 0, "create %s: %s", read_path, std::strerror(errno));
	PVT_CHECK(write(fd, content, file_size) == static_cast<ssize_t>(file_size), "write: %s",
		  std::strerror(errno));
	close(fd);

	// Native reference.
	static unsigned char nbuf[8192], npbuf[100];
	const long nfd = native_result(open(read_path, O_RDONLY | O_CLOEXEC));
	PVT_CHECK(nfd >= 0, "open: %s", std::strerror(static_cast<int>(-nfd)));
	const long nread = native_result(read(static_cast<int>(nfd), nbuf, sizeof(nbuf)));
	const long npread = native_result(pread(static_cast<int>(nfd), npbuf, sizeof(npbuf), 1000));
	struct stat nst;
	PVT_CHECK(fstat(static_cast<int>(nfd), &nst) == 0, "fstat: %s", std::strerror(errno));
	close(static_cast<int>(nfd));
	struct stat closed_st;
	const long nclosed = native_result(syscall(SYS_fstat, nfd, &closed_st));

	const mode_t mask = umask(0);
	umask(mask);
	auto* f = guest_object<file_io>();
	for (size_t i = 0; i < sizeof(f->wbuf); i++)
		f->wbuf[i] = static_cast<unsigned char>(255 - pattern(i));
	// The lowest free fd now, after everything the library opened lazily:
	// what the guest's openat must get, as a native one would.
	const int lowest = dup(0);
	PVT_CHECK(lowest >= 0, "dup: %s", std::strerror(errno));
	close(lowest);
	const uint64_t direct_before = direct_syscalls();
	const uint64_t rc = guest_run(guest_files, f, "guest file calls");
	PVT_CHECK(rc == 0, "guest openat of %s failed: %ld", rc == 1 ? read_path : write_path,
		  rc == 1 ? f->fd : f->wfd);
	PVT_CHECK(f->fd == lowest, "guest openat gave fd %ld, the lowest free fd is %d", f->fd,
		  lowest);
	PVT_CHECK(f->n_read == nread && nread == static_cast<long>(file_size),
		  "guest read %ld bytes, native %ld", f->n_read, nread);
	PVT_CHECK(std::memcmp(f->buf, nbuf, file_size) == 0, "guest read other bytes");
	PVT_CHECK(f->n_pread == npread && std::memcmp(f->pbuf, npbuf, sizeof(npbuf)) == 0,
		  "guest pread64 %ld bytes (native %ld) or other bytes", f->n_pread, npread);
	PVT_CHECK(f->fstat_rc == 0, "guest fstat returned %ld", f->fstat_rc);
	PVT_CHECK(f->st.st_ino == nst.st_ino && f->st.st_dev == nst.st_dev &&
		      f->st.st_size == nst.st_size && f->st.st_mode == nst.st_mode &&
		      f->st.st_nlink == nst.st_nlink && f->st.st_uid == nst.st_uid,
		  "guest fstat: ino %llu dev %llu size %lld mode %o; native ino %llu dev %llu size "
		  "%lld mode %o",
		  static_cast<unsigned long long>(f->st.st_ino),
		  static_cast<unsigned long long>(f->st.st_dev),
		  static_cast<long long>(f->st.st_size), f->st.st_mode,
		  static_cast<unsigned long long>(nst.st_ino),
		  static_cast<unsigned long long>(nst.st_dev), static_cast<long long>(nst.st_size),
		  nst.st_mode);
	PVT_CHECK(f->close_rc == 0, "guest close returned %ld", f->close_rc);
	PVT_CHECK(f->fstat_closed == nclosed && nclosed == -EBADF,
		  "fstat of a closed fd: guest %ld, native %ld, want -EBADF", f->fstat_closed,
		  nclosed);
	PVT_CHECK(fcntl(static_cast<int>(f->fd), F_GETFD) == -1 && errno == EBADF,
		  "the fd the guest closed is still open natively");

	// The file the guest wrote.
	PVT_CHECK(f->n_write == static_cast<long>(sizeof(f->wbuf)) && f->wclose == 0,
		  "guest write %ld, close %ld", f->n_write, f->wclose);
	struct stat wst;
	PVT_CHECK(stat(write_path, &wst) == 0, "stat %s: %s", write_path, std::strerror(errno));
	PVT_CHECK(wst.st_size == static_cast<off_t>(sizeof(f->wbuf)), "%s has %lld bytes",
		  write_path, static_cast<long long>(wst.st_size));
	PVT_CHECK((wst.st_mode & 07777) == (0640 & ~mask), "%s has mode %o", write_path,
		  wst.st_mode & 07777);
	static unsigned char back[sizeof(f->wbuf)];
	fd = open(write_path, O_RDONLY | O_CLOEXEC);
	PVT_CHECK(fd >= 0 && read(fd, back, sizeof(back)) == static_cast<ssize_t>(sizeof(back)),
		  "read back %s: %s", write_path, std::strerror(errno));
	close(fd);
	PVT_CHECK(std::memcmp(back, f->wbuf, sizeof(back)) == 0,
		  "%s does not hold what the guest wrote", write_path);

	const uint64_t direct = direct_syscalls() - direct_before;
	note("%llu of the guest's 9 calls ran directly", static_cast<unsigned long long>(direct));
	PVT_CHECK(direct == 9, "%llu of the guest's 9 file calls ran directly",
		  static_cast<unsigned long long>(direct));
	unlink(read_path);
	unlink(write_path);
	release_and_expect_baseline(c, "after releasing the guest VM");
	end_vm_case(c);
	pass("openat/read/pread64/fstat/close and create/write from the guest equal native");
}
