// SPDX-License-Identifier: MIT
// The C API: thin wrappers over the ioctls.
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "portvisor/portvisor.h"

extern "C" {

int pv_open(void)
{
	int fd = ::open(PV_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int pv_api_version(int dev_fd)
{
	int v = ::ioctl(dev_fd, PV_GET_API_VERSION);
	return v < 0 ? -errno : v;
}

int pv_get_capabilities(int dev_fd, struct pv_capabilities* caps)
{
	std::memset(caps, 0, sizeof(*caps));
	caps->size = sizeof(*caps);
	return ::ioctl(dev_fd, PV_GET_CAPABILITIES, caps) < 0 ? -errno : 0;
}

int pv_get_stats(int dev_fd, struct pv_module_stats* stats)
{
	std::memset(stats, 0, sizeof(*stats));
	stats->size = sizeof(*stats);
	return ::ioctl(dev_fd, PV_GET_STATS, stats) < 0 ? -errno : 0;
}

const char* pv_strerror(int err)
{
	switch (err < 0 ? -err : err) {
	case ENOENT: return "no /dev/portvisor: the portvisor module is not loaded";
	case EACCES: return "permission denied on /dev/portvisor (it is mode 0600, root only)";
	case ENOTTY: return "the module does not know this ioctl (API mismatch?)";
	case EFAULT: return "an argument points at memory the caller cannot access";
	case EINVAL: return "an argument field is invalid (non-zero flags or reserved field)";
	case E2BIG:
		return "the argument struct is smaller than the module's minimum; .size says what "
		       "it needs";
	case ENODEV: return "no usable virtualization backend on this machine";
	case EBUSY: return "the virtualization extension is held by another hypervisor";
	default: return std::strerror(err < 0 ? -err : err);
	}
}

}  // extern "C"
