// SPDX-License-Identifier: MIT
// A guest kernel with a user mode of its own, as gVisor's ring0 has: the
// guest sets its SYSCALL MSRs (STAR, LSTAR, CSTAR, SFMASK) with WRMSR and
// reads them back; a value the CPU would refuse is the guest's #GP; EFER.SCE
// off keeps SYSCALL a #UD. With SCE on, the guest SYSRETs to CPL 3, its
// user code's SYSCALLs reach the guest's LSTAR handler with the guest's
// STAR and SFMASK in effect, the handler's hypercalls run directly, and a
// hypercall issued at CPL 3 is refused with -EPERM without running. The
// guest's values are in the CPU through blocking direct syscalls while
// another process makes native syscalls on the same CPU: the host's come
// back whenever the vCPU thread is scheduled out, or the kernel would
// fail. PV_GET_SREGS reports what the guest wrote.
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vm_case.h"

using namespace pvt;

namespace {

#if defined(__x86_64__)
// SDM Vol. 4 Table 2-2.
constexpr uint32_t msr_star = 0xC0000081, msr_lstar = 0xC0000082, msr_cstar = 0xC0000083,
		   msr_sfmask = 0xC0000084;
// SYSCALL: CS 0x08, SS 0x10 (run_in_guest's); SYSRET: SS 0x18 + 8 | 3,
// CS 0x18 + 16 | 3 (SDM Vol. 2B, SYSCALL and SYSRET). Not the host's
// (Linux: kernel CS 0x10).
constexpr uint64_t guest_star = (0x18ULL << 48) | (0x08ULL << 32);
constexpr uint16_t user_cs = 0x2b, user_ss = 0x23, kernel_cs = 0x08;
constexpr uint64_t rflags_df = 1ULL << 10, rflags_id = 1ULL << 21;
// Clears DF only. Linux's mask clears ID too: the handler seeing ID still
// set shows the guest's SFMASK in effect.
constexpr uint64_t guest_sfmask = rflags_df;
constexpr long nr_getpid = 39, nr_nanosleep = 35;

// Shared with the assembly below: offsets are fixed.
struct user_trip {
	uint64_t ring0_rsp;       // 0
	uint64_t user_stack_top;  // 8
	uint64_t use_vmcall;      // 16
	uint64_t sleeps;          // 24: nanosleeps the user code asks for
	uint64_t user_cs;         // 32: seen at CPL 3
	uint64_t user_ss;         // 40
	uint64_t user_hc_result;  // 48: getpid hypercall issued at CPL 3
	uint64_t via_syscall;     // 56: getpid through SYSCALL -> handler
	uint64_t sleep_results;   // 64: the nanosleep results ORed
	uint64_t handler_rflags;  // 72: RFLAGS in the handler
	uint64_t handler_cs;      // 80
	uint64_t user_rflags;     // 88: R11 in the handler
	uint64_t syscalls;        // 96: SYSCALLs the handler saw
	uint64_t ts[2];           // 104: the nanosleep's timespec
};
static_assert(offsetof(user_trip, ts) == 104);

#endif

}  // namespace

#if defined(__x86_64__)
extern "C" {
void pvt_enter_user(user_trip* trip);
void pvt_syscall_entry();
uint64_t pvt_bad_wrmsr(void*);
extern const char pvt_bad_wrmsr_at[];
uint64_t pvt_guest_syscall_insn(void*);
}

// pvt_enter_user: at CPL 0, saves the callee-saved registers and RSP,
// switches to the user stack and SYSRETs to the user code (RFLAGS: ID and
// DF set). The user code records CS and SS, issues a getpid hypercall
// itself, then SYSCALLs: 1 = getpid, 2 = nanosleep (`sleeps` times), 0 =
// back to pvt_enter_user's caller. pvt_syscall_entry is the guest's LSTAR.
// r12 holds the trip throughout (SYSCALL changes RCX and R11 only).
__asm__(R"(
	.pushsection .text
	.globl pvt_enter_user
	.type pvt_enter_user, @function
pvt_enter_user:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	mov  %rdi, %r12
	mov  %rsp, 0(%r12)
	mov  8(%r12), %rsp
	lea  pvt_user_code(%rip), %rcx
	mov  $0x200402, %r11
	sysretq

pvt_user_code:
	mov  %cs, %ax
	movzwl %ax, %eax
	mov  %rax, 32(%r12)
	mov  %ss, %ax
	movzwl %ax, %eax
	mov  %rax, 40(%r12)
	mov  $39, %eax
	cmpq $0, 16(%r12)
	je   1f
	vmcall
	jmp  2f
1:	vmmcall
2:	mov  %rax, 48(%r12)
	mov  $1, %eax
	syscall
	mov  %rax, 56(%r12)
	mov  24(%r12), %r13
3:	test %r13, %r13
	jz   4f
	mov  $2, %eax
	syscall
	or   %rax, 64(%r12)
	dec  %r13
	jmp  3b
4:	xor  %eax, %eax
	syscall
	ud2

	.globl pvt_syscall_entry
	.type pvt_syscall_entry, @function
pvt_syscall_entry:
	incq 96(%r12)
	pushfq
	popq 72(%r12)
	mov  %cs, %dx
	movzwl %dx, %edx
	mov  %rdx, 80(%r12)
	mov  %r11, 88(%r12)
	test %rax, %rax
	jz   9f
	cmp  $1, %rax
	jne  5f
	mov  $39, %eax
	jmp  6f
5:	mov  $35, %eax
	lea  104(%r12), %rdi
	xor  %esi, %esi
6:	cmpq $0, 16(%r12)
	je   7f
	vmcall
	jmp  8f
7:	vmmcall
8:	sysretq
9:	mov  0(%r12), %rsp
	pop  %r15
	pop  %r14
	pop  %r13
	pop  %r12
	pop  %rbp
	pop  %rbx
	xor  %eax, %eax
	ret
	.size pvt_syscall_entry, . - pvt_syscall_entry
	.size pvt_enter_user, pvt_syscall_entry - pvt_enter_user

	.globl pvt_bad_wrmsr
	.globl pvt_bad_wrmsr_at
	.type pvt_bad_wrmsr, @function
pvt_bad_wrmsr:
	mov  $0xC0000082, %ecx
	mov  $0x8000, %edx
	xor  %eax, %eax
pvt_bad_wrmsr_at:
	wrmsr
	xor  %eax, %eax
	ret
	.size pvt_bad_wrmsr, . - pvt_bad_wrmsr

	.globl pvt_guest_syscall_insn
	.type pvt_guest_syscall_insn, @function
pvt_guest_syscall_insn:
	syscall
	xor  %eax, %eax
	ret
	.size pvt_guest_syscall_insn, . - pvt_guest_syscall_insn
	.popsection
)");

namespace {

void guest_wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"(uint32_t(v)), "d"(uint32_t(v >> 32)) : "memory");
}
uint64_t guest_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return uint64_t(hi) << 32 | lo;
}

constexpr uint32_t syscall_msrs[4] = {msr_star, msr_lstar, msr_cstar, msr_sfmask};

// Writes the four values, reads them back: 0x100 | a bit per mismatch.
uint64_t guest_msr_round_trip(void* arg)
{
	const auto* want = static_cast<const uint64_t*>(arg);
	for (unsigned i = 0; i < 4; i++)
		guest_wrmsr(syscall_msrs[i], want[i]);
	uint64_t wrong = 0;
	for (unsigned i = 0; i < 4; i++)
		if (guest_rdmsr(syscall_msrs[i]) != want[i])
			wrong |= 1U << i;
	return 0x100 | wrong;
}

uint64_t guest_user_trip(void* arg)
{
	auto* trip = static_cast<user_trip*>(arg);
	guest_wrmsr(msr_star, guest_star);
	guest_wrmsr(msr_lstar, reinterpret_cast<uintptr_t>(&pvt_syscall_entry));
	guest_wrmsr(msr_cstar, reinterpret_cast<uintptr_t>(&pvt_syscall_entry));
	guest_wrmsr(msr_sfmask, guest_sfmask);
	pvt_enter_user(trip);
	return 0x75e;
}

// run_in_guest with EFER.SCE set after the library's registers.
uint64_t run_with_sce(portvisor::guest_fn fn, void* arg, const char* what)
{
	portvisor::guest_context& ctx = guest_ctx();
	auto p = ctx.prepare(fn, arg);
	PVT_CHECK(p.ok(), "%s: %s", what, p.err().message.c_str());
	auto s = ctx.cpu().sregs();
	PVT_CHECK(s.ok(), "%s: PV_GET_SREGS: %s", what, s.err().message.c_str());
	pv_sregs_x86_64 sregs = s.value();
	sregs.efer |= 1;  // SCE
	auto set = ctx.cpu().set_sregs(sregs);
	PVT_CHECK(set.ok(), "%s: PV_SET_SREGS with EFER.SCE: %s", what, set.err().message.c_str());
	for (;;) {
		auto r = ctx.step();
		PVT_CHECK(r.ok(), "%s: %s", what, r.err().message.c_str());
		if (r.value().done)
			return r.value().value;
	}
}

pv_sregs_x86_64 current_sregs(const char* when)
{
	auto s = guest_ctx().cpu().sregs();
	PVT_CHECK(s.ok(), "PV_GET_SREGS %s: %s", when, s.err().message.c_str());
	return s.value();
}

// A process on the same CPU making native syscalls until told to stop:
// SYSCALL there uses the CPU's LSTAR, STAR and SFMASK.
struct native_caller {
	pid_t pid = -1;
	volatile uint64_t* shared = nullptr;  // [0] stop, [1] calls made
};

native_caller start_native_caller()
{
	native_caller n;
	void* m = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	PVT_CHECK(m != MAP_FAILED, "mmap of a shared page: %s", strerror(errno));
	n.shared = static_cast<volatile uint64_t*>(m);
	n.pid = fork();
	PVT_CHECK(n.pid >= 0, "fork: %s", strerror(errno));
	if (n.pid == 0) {
		const long parent = syscall(SYS_getppid);
		while (n.shared[0] == 0) {
			if (syscall(SYS_getppid) != parent)
				_exit(3);
			n.shared[1] = n.shared[1] + 1;
		}
		_exit(n.shared[1] > 0 ? 0 : 2);
	}
	while (n.shared[1] == 0)  // it runs
		sched_yield();
	return n;
}

void stop_native_caller(native_caller& n)
{
	n.shared[0] = 1;
	const int status = wait_child(n.pid, 60, "the native caller");
	PVT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "the process making native syscalls on the same CPU %s",
		  describe_status(status).c_str());
	munmap(const_cast<uint64_t*>(n.shared), 4096);
}

}  // namespace
#endif

int main()
{
#if !defined(__x86_64__)
	skip("x86 only: arm64's HVC is UNDEFINED at EL0, and arm64 runs no vCPU yet");
#else
	vm_case c = begin_vm_case();
	portvisor::error err;

	// EFER.SCE off (run_in_guest's default): SYSCALL is a #UD.
	pv_run r = run_until_error(pvt_guest_syscall_insn, nullptr, &err, "syscall without SCE");
	PVT_CHECK(r.exit_reason == PV_EXIT_EXCEPTION && r.exception.vector == 6,
		  "syscall with EFER.SCE clear: exit %u (%s) vector %u, want #UD", r.exit_reason,
		  pv_exit_reason_name(r.exit_reason), r.exception.vector);
	expect_guest_runs_on("syscall without SCE");

	// WRMSR and RDMSR of the four, and PV_GET_SREGS after.
	const uint64_t values[4] = {0x0123456789abcdefULL, 0x00007fffdeadb000ULL,
				    0xffff8000cafe0000ULL, 0x47700};
	const uint64_t round = guest_run(guest_msr_round_trip, const_cast<uint64_t*>(values),
					 "wrmsr/rdmsr of the SYSCALL MSRs");
	PVT_CHECK(round == 0x100,
		  "rdmsr after wrmsr: mismatches %#llx (bit 0 STAR, 1 LSTAR, 2 CSTAR, 3 SFMASK)",
		  static_cast<unsigned long long>(round & 0xff));
	pv_sregs_x86_64 s = current_sregs("after the guest's wrmsr");
	PVT_CHECK(s.star == values[0] && s.lstar == values[1] && s.cstar == values[2] &&
		      s.sfmask == values[3],
		  "PV_GET_SREGS after the guest's wrmsr: star %#llx lstar %#llx cstar %#llx "
		  "sfmask %#llx",
		  static_cast<unsigned long long>(s.star), static_cast<unsigned long long>(s.lstar),
		  static_cast<unsigned long long>(s.cstar),
		  static_cast<unsigned long long>(s.sfmask));

	// A non-canonical LSTAR: #GP(0) on the WRMSR, nothing changed.
	r = run_until_error(pvt_bad_wrmsr, nullptr, &err, "wrmsr of a non-canonical LSTAR");
	PVT_CHECK(r.exit_reason == PV_EXIT_EXCEPTION && r.exception.vector == 13 &&
		      r.exception.error_code_valid == 1 && r.exception.error_code == 0 &&
		      r.guest_ip == reinterpret_cast<uintptr_t>(pvt_bad_wrmsr_at),
		  "wrmsr of LSTAR 0x0000800000000000: exit %u (%s) vector %u error %llu (valid %u) "
		  "at %#llx, want #GP(0) at the wrmsr (%p)",
		  r.exit_reason, pv_exit_reason_name(r.exit_reason), r.exception.vector,
		  static_cast<unsigned long long>(r.exception.error_code),
		  r.exception.error_code_valid, static_cast<unsigned long long>(r.guest_ip),
		  static_cast<const void*>(pvt_bad_wrmsr_at));
	s = current_sregs("after the refused wrmsr");
	PVT_CHECK(s.lstar == 0, "the refused wrmsr changed LSTAR to %#llx",
		  static_cast<unsigned long long>(s.lstar));
	expect_guest_runs_on("the refused wrmsr");

	// To CPL 3 and back, on one CPU with a process making native syscalls.
	cpu_set_t before, one;
	PVT_CHECK(sched_getaffinity(0, sizeof(before), &before) == 0, "sched_getaffinity: %s",
		  strerror(errno));
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	PVT_CHECK(sched_setaffinity(0, sizeof(one), &one) == 0, "sched_setaffinity: %s",
		  strerror(errno));
	native_caller caller = start_native_caller();

	auto* trip = guest_object<user_trip>();
	constexpr size_t user_stack = 16384;
	trip->user_stack_top = reinterpret_cast<uintptr_t>(guest_memory(user_stack)) + user_stack;
	trip->use_vmcall = c.caps.backend == PV_BACKEND_VMX ? 1 : 0;
	trip->sleeps = 20;
	trip->ts[0] = 0;
	trip->ts[1] = 2 * 1000 * 1000;
	const uint64_t direct_before = direct_syscalls();
	const uint64_t calls_before = caller.shared[1];
	const uint64_t trip_rc = run_with_sce(guest_user_trip, trip, "the trip to CPL 3");
	const uint64_t direct = direct_syscalls() - direct_before;
	const uint64_t native_calls = caller.shared[1] - calls_before;
	stop_native_caller(caller);
	// The other process ran on this CPU while the guest slept with its
	// SYSCALL MSRs loaded (VMX): without the host's back it would have died.
	PVT_CHECK(native_calls > 0,
		  "the process on the same CPU made no native syscall during the trip");
	PVT_CHECK(sched_setaffinity(0, sizeof(before), &before) == 0, "sched_setaffinity: %s",
		  strerror(errno));

	PVT_CHECK(trip_rc == 0x75e, "the trip returned %#llx",
		  static_cast<unsigned long long>(trip_rc));
	PVT_CHECK(trip->user_cs == user_cs && trip->user_ss == user_ss,
		  "after SYSRET: CS %#llx SS %#llx, want %#x %#x (from the guest's STAR)",
		  static_cast<unsigned long long>(trip->user_cs),
		  static_cast<unsigned long long>(trip->user_ss), user_cs, user_ss);
	PVT_CHECK(static_cast<int64_t>(trip->user_hc_result) == -EPERM,
		  "a getpid hypercall at CPL 3 gave %lld, want -EPERM",
		  static_cast<long long>(trip->user_hc_result));
	PVT_CHECK(trip->via_syscall == static_cast<uint64_t>(getpid()),
		  "getpid through the guest's SYSCALL handler gave %llu, want %d",
		  static_cast<unsigned long long>(trip->via_syscall), getpid());
	PVT_CHECK(trip->sleep_results == 0, "the guest's nanosleeps gave %#llx (ORed), want 0",
		  static_cast<unsigned long long>(trip->sleep_results));
	PVT_CHECK(trip->syscalls == trip->sleeps + 2, "the handler saw %llu SYSCALLs, want %llu",
		  static_cast<unsigned long long>(trip->syscalls),
		  static_cast<unsigned long long>(trip->sleeps + 2));
	PVT_CHECK(trip->handler_cs == kernel_cs, "CS in the SYSCALL handler %#llx, want %#x",
		  static_cast<unsigned long long>(trip->handler_cs), kernel_cs);
	PVT_CHECK((trip->user_rflags & (rflags_df | rflags_id)) == (rflags_df | rflags_id) &&
		      (trip->handler_rflags & rflags_df) == 0 &&
		      (trip->handler_rflags & rflags_id) != 0,
		  "RFLAGS at CPL 3 %#llx, in the handler %#llx: want DF and ID, then ID only "
		  "(the guest's SFMASK clears DF only)",
		  static_cast<unsigned long long>(trip->user_rflags),
		  static_cast<unsigned long long>(trip->handler_rflags));
	// getpid and the nanosleeps from CPL 0; the CPL 3 hypercall ran nothing.
	PVT_CHECK(direct == trip->sleeps + 1,
		  "stat_direct_syscalls grew by %llu, want %llu (the CPL 3 hypercall must not run)",
		  static_cast<unsigned long long>(direct),
		  static_cast<unsigned long long>(trip->sleeps + 1));
	s = current_sregs("after the trip");
	PVT_CHECK(
	    s.star == guest_star && s.lstar == reinterpret_cast<uintptr_t>(&pvt_syscall_entry) &&
		s.cstar == reinterpret_cast<uintptr_t>(&pvt_syscall_entry) &&
		s.sfmask == guest_sfmask,
	    "PV_GET_SREGS after the trip: star %#llx lstar %#llx cstar %#llx sfmask %#llx",
	    static_cast<unsigned long long>(s.star), static_cast<unsigned long long>(s.lstar),
	    static_cast<unsigned long long>(s.cstar), static_cast<unsigned long long>(s.sfmask));
	expect_guest_runs_on("the trip to CPL 3");
	end_vm_case(c);
	pass("the guest's STAR/LSTAR/CSTAR/SFMASK: wrmsr, rdmsr and PV_GET_SREGS agree, a "
	     "non-canonical LSTAR is #GP(0), SYSCALL without SCE #UD; at CPL 3 a hypercall is "
	     "-EPERM and ran nothing, SYSCALL reached the guest's handler with its STAR and "
	     "SFMASK, %llu direct syscalls from it; %llu native syscalls of another process on "
	     "the same CPU meanwhile",
	     static_cast<unsigned long long>(direct),
	     static_cast<unsigned long long>(native_calls));
#endif
}
