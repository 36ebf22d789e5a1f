// SPDX-License-Identifier: GPL-2.0
// The fields of an ioctl command (asm-generic/ioctl.h encoding, shared by
// x86_64 and arm64), for the core's and the backends' ioctl dispatch.
#pragma once

#include "portvisor/core/types.h"
#define PV_UAPI_FREESTANDING
#include "uapi/portvisor.h"

namespace pv::core {

[[nodiscard]] constexpr u32 ioc_dir(unsigned int cmd) { return cmd >> _IOC_DIRSHIFT; }
[[nodiscard]] constexpr u32 ioc_type(unsigned int cmd) { return (cmd >> _IOC_TYPESHIFT) & 0xff; }
[[nodiscard]] constexpr u32 ioc_nr(unsigned int cmd) { return (cmd >> _IOC_NRSHIFT) & 0xff; }

}  // namespace pv::core
