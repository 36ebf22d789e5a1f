/* SPDX-License-Identifier: MIT */
/*
 * portvisor user library, C API. Every call returns 0 (or a non-negative
 * value) on success and -errno on failure; pv_strerror() explains the errno
 * in the context of portvisor.
 */
#ifndef PORTVISOR_USERLIB_H
#define PORTVISOR_USERLIB_H

#include "uapi/portvisor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Opens /dev/portvisor (O_RDWR | O_CLOEXEC). Returns an fd or -errno. */
int pv_open(void);
/* PV_GET_API_VERSION: the module's API version, or -errno. */
int pv_api_version(int dev_fd);
/* PV_GET_CAPABILITIES into *caps (its .size is set here). 0 or -errno. */
int pv_get_capabilities(int dev_fd, struct pv_capabilities *caps);
/* PV_GET_STATS into *stats. 0 or -errno. */
int pv_get_stats(int dev_fd, struct pv_module_stats *stats);
/* A sentence for an errno a portvisor call returned (positive or negative). */
const char *pv_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif
