/* SPDX-License-Identifier: MIT */
/*
 * Host system calls from guest code (functions run with run_in_guest): the
 * hypercall with the number and arguments of the architecture's Linux
 * syscall convention. Returns the result as the kernel does: a value, or
 * -errno (errno is not set). Only the result register is changed.
 *
 *   x86_64: nr in rax, args in rdi, rsi, rdx, r10, r8, r9, result in rax;
 *           `vmmcall` on AMD SVM, `vmcall` on Intel VMX (pv_guest_use_vmcall,
 *           set by the library when it creates its VM).
 *   arm64:  nr in x8, args in x0-x5, result in x0; `hvc #0`.
 *
 * Only for code running in the guest: on the host the instruction raises
 * SIGILL. The kernel runs the call directly from its exit handler when it
 * can, or hands it to the run loop, which runs it natively (portvisor/guest.hpp).
 */
#ifndef PORTVISOR_GUEST_SYSCALL_H
#define PORTVISOR_GUEST_SYSCALL_H

#ifdef __cplusplus
extern "C" {
#endif

/* 1 when the backend is VMX (vmcall), 0 for SVM (vmmcall). Set before any
 * guest runs; guest code only reads it. */
extern unsigned char pv_guest_use_vmcall;

/* pv_syscall(nr, a0, ..., a5): up to six arguments; missing ones are
 * whatever the caller's registers hold, as with syscall(2). */
long pv_syscall(long nr, ...);

static inline long pv_syscall6(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
#if defined(__x86_64__)
	register long r10 __asm__("r10") = a3;
	register long r8 __asm__("r8") = a4;
	register long r9 __asm__("r9") = a5;
	long ret;
	__asm__ volatile("cmpb $0, %[vmx]\n\t"
			 "jne 1f\n\t"
			 "vmmcall\n\t"
			 "jmp 2f\n"
			 "1:\tvmcall\n"
			 "2:"
			 : "=a"(ret)
			 : "0"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8),
			   "r"(r9), [vmx] "m"(pv_guest_use_vmcall)
			 : "memory", "cc");
	return ret;
#elif defined(__aarch64__)
	register long x8 __asm__("x8") = nr;
	register long x0 __asm__("x0") = a0;
	register long x1 __asm__("x1") = a1;
	register long x2 __asm__("x2") = a2;
	register long x3 __asm__("x3") = a3;
	register long x4 __asm__("x4") = a4;
	register long x5 __asm__("x5") = a5;
	__asm__ volatile("hvc #0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			 : "memory");
	return x0;
#else
#error "portvisor/guest_syscall.h: unsupported architecture"
#endif
}

static inline long pv_syscall0(long nr) { return pv_syscall6(nr, 0, 0, 0, 0, 0, 0); }
static inline long pv_syscall1(long nr, long a0) { return pv_syscall6(nr, a0, 0, 0, 0, 0, 0); }
static inline long pv_syscall2(long nr, long a0, long a1)
{
	return pv_syscall6(nr, a0, a1, 0, 0, 0, 0);
}
static inline long pv_syscall3(long nr, long a0, long a1, long a2)
{
	return pv_syscall6(nr, a0, a1, a2, 0, 0, 0);
}
static inline long pv_syscall4(long nr, long a0, long a1, long a2, long a3)
{
	return pv_syscall6(nr, a0, a1, a2, a3, 0, 0);
}
static inline long pv_syscall5(long nr, long a0, long a1, long a2, long a3, long a4)
{
	return pv_syscall6(nr, a0, a1, a2, a3, a4, 0);
}

#ifdef __cplusplus
}
#endif

#endif
