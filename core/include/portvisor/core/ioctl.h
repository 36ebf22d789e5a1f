// SPDX-License-Identifier: GPL-2.0
// The fields of an ioctl command (asm-generic/ioctl.h encoding, shared by
// x86_64 and arm64), for the core's and the backends' ioctl dispatch.
#pragma once

#include "portvisor/core/types.h"
#include "portvisor/platform.h"
#define PV_UAPI_FREESTANDING
#include "uapi/portvisor.h"

namespace pv::core {

[[nodiscard]] constexpr u32 ioc_dir(unsigned int cmd) { return cmd >> _IOC_DIRSHIFT; }
[[nodiscard]] constexpr u32 ioc_type(unsigned int cmd) { return (cmd >> _IOC_TYPESHIFT) & 0xff; }
[[nodiscard]] constexpr u32 ioc_nr(unsigned int cmd) { return (cmd >> _IOC_NRSHIFT) & 0xff; }

// The sized-struct protocol shared by the "get" ioctls: the struct starts with
// {u32 size; u32 flags;}. flags must be 0 (EINVAL). A size below `min_size`
// gets E2BIG with the module's size written back. Otherwise the first
// min(size, sizeof(T)) bytes are copied out, with .size set to that count.
template <class T> [[nodiscard]] long copy_out_sized(uint64_t arg, T& filled, u32 min_size)
{
	u32 head[2];
	if (pv_platform_copy_from_user(head, arg, sizeof(head)) != 0)
		return -PV_EFAULT;
	if (head[1] != 0)
		return -PV_EINVAL;
	if (head[0] < min_size) {
		u32 need = sizeof(T);
		if (pv_platform_copy_to_user(arg, &need, sizeof(need)) != 0)
			return -PV_EFAULT;
		return -PV_E2BIG;
	}
	const u32 n = head[0] < sizeof(T) ? head[0] : u32(sizeof(T));
	filled.size = n;
	filled.flags = 0;
	if (pv_platform_copy_to_user(arg, &filled, n) != 0)
		return -PV_EFAULT;
	return 0;
}

}  // namespace pv::core
