// SPDX-License-Identifier: GPL-2.0
// kmod/uapi/portvisor.h as user space sees it: <linux/ioctl.h>'s encoding.
#include "uapi/portvisor.h"

#if !defined(_ASM_GENERIC_IOCTL_H)
#error "the Linux translation unit must see <linux/ioctl.h>"
#endif

#include "uapi_numbers.h"

const uapi_numbers linux_numbers = PV_UAPI_NUMBERS;
