/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One world switch on AMD-V (AMD APM Vol. 2, 15.5 "VMRUN Instruction" and
 * 15.5.2 "VMSAVE and VMLOAD Instructions").
 *
 *   void pv_svm_vmrun(u64 vmcb_pa, u64 *gprs, u64 host_save_pa)
 *
 * gprs: the guest's general registers indexed by x86 register number; rax
 * and rsp live in the VMCB, VMRUN switches them. VMRUN saves and restores
 * only part of the host state (15.5.1); FS, GS, TR, LDTR, KernelGsBase,
 * STAR/LSTAR/CSTAR/SFMASK and SYSENTER_* are switched here with VMSAVE /
 * VMLOAD, so that the guest has its own and a direct syscall after the
 * exit runs with the host's.
 *
 * Called with interrupts off; they stay off in the host throughout. From the VMLOAD of the guest's state to the
 * VMLOAD of the host's, the GS base is not the kernel's: GIF is clear
 * (CLGI) for that whole stretch, so no NMI can run on it.
 */
#include <linux/linkage.h>
#include <asm/nospec-branch.h>

	.text
SYM_FUNC_START(pv_svm_vmrun)
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	push %rdx			/* host save area, 16(%rsp) */
	push %rsi			/* gprs, 8(%rsp) */
	push %rdi			/* vmcb, 0(%rsp) */

	clgi
	mov  %rdx, %rax
	vmsave %rax			/* the host's FS, GS, TR, LDTR, syscall MSRs */

	mov  %rsi, %rax
	mov  1*8(%rax), %rcx
	mov  2*8(%rax), %rdx
	mov  3*8(%rax), %rbx
	mov  5*8(%rax), %rbp
	mov  6*8(%rax), %rsi
	mov  7*8(%rax), %rdi
	mov  8*8(%rax), %r8
	mov  9*8(%rax), %r9
	mov  10*8(%rax), %r10
	mov  11*8(%rax), %r11
	mov  12*8(%rax), %r12
	mov  13*8(%rax), %r13
	mov  14*8(%rax), %r14
	mov  15*8(%rax), %r15

	mov  (%rsp), %rax
	vmload %rax			/* the guest's */
	/*
	 * With V_INTR_MASKING, host interrupts reach the guest as #VMEXIT(INTR)
	 * only if the host's RFLAGS.IF was set at VMRUN (15.21.1). GIF is clear,
	 * so no interrupt is taken here in the host.
	 */
	sti
	vmrun %rax
	cli
	vmsave %rax			/* rax is the VMCB again: VMRUN saved it */

	mov  8(%rsp), %rax
	mov  %rcx, 1*8(%rax)
	mov  %rdx, 2*8(%rax)
	mov  %rbx, 3*8(%rax)
	mov  %rbp, 5*8(%rax)
	mov  %rsi, 6*8(%rax)
	mov  %rdi, 7*8(%rax)
	mov  %r8, 8*8(%rax)
	mov  %r9, 9*8(%rax)
	mov  %r10, 10*8(%rax)
	mov  %r11, 11*8(%rax)
	mov  %r12, 12*8(%rax)
	mov  %r13, 13*8(%rax)
	mov  %r14, 14*8(%rax)
	mov  %r15, 15*8(%rax)

	mov  16(%rsp), %rax
	vmload %rax			/* the host's again */

	/*
	 * The guest ran at CPL 0 with page tables of its own: it may have
	 * trained the return stack and the branch predictors on host-kernel
	 * addresses. As KVM's __svm_vcpu_run: stuff the RSB before the first
	 * RET, untrain returns (retbleed, SRSO), and drop the guest's values
	 * from the registers the caller does not restore.
	 */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT
	UNTRAIN_RET
	xor  %ecx, %ecx
	xor  %edx, %edx
	xor  %esi, %esi
	xor  %edi, %edi
	xor  %r8d, %r8d
	xor  %r9d, %r9d
	xor  %r10d, %r10d
	xor  %r11d, %r11d
	stgi

	add  $24, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	RET
SYM_FUNC_END(pv_svm_vmrun)
