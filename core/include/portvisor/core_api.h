/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The core's entry points, called by the C shim (kmod/). Plain C.
 * Errors are negative errno values.
 */
#ifndef PORTVISOR_CORE_API_H
#define PORTVISOR_CORE_API_H

#include "portvisor/platform.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Probe the CPUs and choose a backend. The point of no return of module
 * init: on failure nothing is left allocated and the message says why. */
int pv_core_init(void);
/* Free everything pv_core_init allocated. */
void pv_core_exit(void);
/* Name of the chosen backend ("vmx", "svm", "arm64-vhe"). */
const char *pv_core_backend_name(void);
/* ioctl on /dev/portvisor; `arg` is the user pointer as an integer. */
long pv_core_dev_ioctl(unsigned int cmd, uint64_t arg);

#ifdef __cplusplus
}
#endif

#endif /* PORTVISOR_CORE_API_H */
