/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One world switch on Intel VT-x (SDM Vol. 3C, 27 "VM Entries" and 28 "VM
 * Exits").
 *
 *   int pv_vmx_vmrun(u64 *gprs, u32 launched, u64 *host_rsp)
 *
 * gprs: the guest's general registers by x86 register number; RSP lives in
 * the VMCS. launched: VMRESUME, else VMLAUNCH. host_rsp: the HOST_RSP value
 * the current VMCS holds, rewritten when this call's stack differs.
 * Returns 0 after a VM exit (which lands at pv_vmx_vmexit, HOST_RIP), 1
 * when VMLAUNCH/VMRESUME failed (VMfailValid/VMfailInvalid: the caller
 * reads the VM-instruction error).
 *
 * VMX root, interrupts off throughout: the exit loads RFLAGS with IF clear
 * (28.5.3), and the caller enables interrupts only after the exit is
 * decoded.
 */
#include <linux/linkage.h>
#include <asm/nospec-branch.h>
#include <asm/unwind_hints.h>
#include <asm/segment.h>

#define HOST_RSP_FIELD 0x6C14

	.text
SYM_FUNC_START(pv_vmx_vmrun)
	push %rbp
	mov  %rsp, %rbp
	push %r15
	push %r14
	push %r13
	push %r12
	push %rbx
	push %rdi			/* gprs, 0(%rsp) at the exit */

	/* HOST_RSP: this frame, as the exit must find it. */
	cmp  %rsp, (%rdx)
	je   1f
	mov  %rsp, (%rdx)
	mov  $HOST_RSP_FIELD, %eax
	vmwrite %rsp, %rax
1:
	/* CF = launched; no instruction below changes CF before the branch
	 * (MOV does not touch flags, VERW only ZF). */
	bt   $0, %esi
	mov  %rdi, %rax
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
	mov  0*8(%rax), %rax

	/* MDS and similar: clear CPU buffers as late as possible (KVM). */
	VM_CLEAR_CPU_BUFFERS
	/* A successful entry "returns" at pv_vmx_vmexit (HOST_RIP): objtool
	 * keeps this unwind state for there. */
	UNWIND_HINT_SAVE
	jnc  .Lvmlaunch
	vmresume
	jmp  .Lvmfail
.Lvmlaunch:
	vmlaunch
	jmp  .Lvmfail

SYM_INNER_LABEL(pv_vmx_vmexit, SYM_L_GLOBAL)
	UNWIND_HINT_RESTORE
	ENDBR
	push %rax			/* the guest's */
	mov  8(%rsp), %rax		/* gprs */
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
	pop  0*8(%rax)
	xor  %eax, %eax
	jmp  .Lout

.Lvmfail:
	mov  $1, %eax

.Lout:
	/*
	 * The guest ran at CPL 0 with page tables of its own: as KVM's
	 * __vmx_vcpu_run, stuff the RSB before the first RET, clear branch
	 * history where the kernel asks for it, and drop the guest's values
	 * from the registers the caller does not restore.
	 */
	FILL_RETURN_BUFFER %rcx, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT
	CLEAR_BRANCH_HISTORY_VMEXIT
	xor  %ecx, %ecx
	xor  %edx, %edx
	xor  %esi, %esi
	xor  %edi, %edi
	xor  %r8d, %r8d
	xor  %r9d, %r9d
	xor  %r10d, %r10d
	xor  %r11d, %r11d

	add  $8, %rsp
	pop  %rbx
	pop  %r12
	pop  %r13
	pop  %r14
	pop  %r15
	pop  %rbp
	RET
SYM_FUNC_END(pv_vmx_vmrun)

/*
 *   void pv_vmx_dispatch_host_irq(unsigned long handler)
 *
 * Runs the host's IDT handler for an interrupt the VM exit acknowledged
 * ("acknowledge interrupt on exit", SDM Vol. 3C 28.2.2): the handler is the
 * gate's offset from the host IDT, called on a 16-byte aligned stack with
 * the frame an interrupt from kernel mode pushes (SS, RSP, RFLAGS, CS; RIP
 * by the CALL). Its IRET returns here with RFLAGS as pushed: IF clear.
 * VMX root, interrupts off; as KVM's vmx_do_interrupt_nmi_irqoff.
 */
SYM_FUNC_START(pv_vmx_dispatch_host_irq)
	push %rbp
	mov  %rsp, %rbp
	and  $-16, %rsp
	push $__KERNEL_DS
	push %rbp
	pushf
	push $__KERNEL_CS
	CALL_NOSPEC rdi
	leave
	RET
SYM_FUNC_END(pv_vmx_dispatch_host_irq)
