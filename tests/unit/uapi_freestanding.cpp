// SPDX-License-Identifier: GPL-2.0
// kmod/uapi/portvisor.h as the module's core sees it: no Linux header, the
// header's own _IOC encoding.
#define PV_UAPI_FREESTANDING
#include "uapi/portvisor.h"

#if defined(_ASM_GENERIC_IOCTL_H) || defined(_LINUX_IOCTL_H)
#error "the freestanding translation unit must not see <linux/ioctl.h>"
#endif

#include "uapi_numbers.h"

const uapi_numbers freestanding_numbers = PV_UAPI_NUMBERS;
