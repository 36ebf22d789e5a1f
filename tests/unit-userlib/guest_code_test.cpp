// SPDX-License-Identifier: GPL-2.0
// The guest-side code of run_in_guest, run natively: on the host `vmmcall`
// faults (#UD: SIGILL; some hypervisors' guests get SIGSEGV), and a signal
// handler plays the hypervisor, reading the hypercall's registers from the
// signal frame. So the register ABI of
// pv_syscall (number in rax, arguments in rdi rsi rdx r10 r8 r9, result in
// rax) and the trampoline (fn(arg), then PV_HC_EXIT_TO_USER with the
// result in rdi) are checked without a module.
#include <gtest/gtest.h>

#if defined(__x86_64__)
#include <csetjmp>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "portvisor/guest_syscall.h"
#include "portvisor/portvisor.h"

extern "C" void pv_guest_trampoline_vmmcall();

namespace {

struct hypercall {
	uint64_t nr;
	uint64_t args[6];
};

sigjmp_buf exited;
uint64_t exit_value;
hypercall calls[8];
int ncalls;
bool bad_instruction;

void on_fault(int, siginfo_t*, void* context)
{
	auto* uc = static_cast<ucontext_t*>(context);
	greg_t* g = uc->uc_mcontext.gregs;
	const auto* ip = reinterpret_cast<const unsigned char*>(g[REG_RIP]);
	if (ip[0] != 0x0f || ip[1] != 0x01 || ip[2] != 0xd9) {  // vmmcall
		bad_instruction = true;
		siglongjmp(exited, 2);
	}
	const uint64_t nr = static_cast<uint64_t>(g[REG_RAX]);
	if (nr == PV_HC_EXIT_TO_USER) {
		exit_value = static_cast<uint64_t>(g[REG_RDI]);
		siglongjmp(exited, 1);
	}
	if (ncalls < 8)
		calls[ncalls++] = {
		    nr,
		    {static_cast<uint64_t>(g[REG_RDI]), static_cast<uint64_t>(g[REG_RSI]),
		     static_cast<uint64_t>(g[REG_RDX]), static_cast<uint64_t>(g[REG_R10]),
		     static_cast<uint64_t>(g[REG_R8]), static_cast<uint64_t>(g[REG_R9])}};
	g[REG_RAX] = nr == SYS_getpid ? getpid() : 0x1234 + ncalls;
	g[REG_RIP] += 3;
}

class guest_code : public ::testing::Test {
protected:
	void SetUp() override
	{
		struct sigaction sa;
		std::memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = on_fault;
		sa.sa_flags = SA_SIGINFO | SA_NODEFER;
		ASSERT_EQ(sigaction(SIGILL, &sa, &old_ill_), 0);
		ASSERT_EQ(sigaction(SIGSEGV, &sa, &old_segv_), 0);
		ncalls = 0;
		bad_instruction = false;
		pv_guest_use_vmcall = 0;
	}
	void TearDown() override
	{
		sigaction(SIGILL, &old_ill_, nullptr);
		sigaction(SIGSEGV, &old_segv_, nullptr);
	}
	struct sigaction old_ill_, old_segv_;
};

uint64_t guest_fn_calls(void* arg)
{
	auto* out = static_cast<long*>(arg);
	out[0] = pv_syscall6(0x7f0000f0, 11, 22, 33, 44, 55, 66);
	out[1] = pv_syscall0(SYS_getpid);
	out[2] = pv_syscall(0x7f0000f1, 1L, 2L, 3L, 4L, 5L, 6L);
	out[3] = pv_syscall3(0x7f0000f2, -1, -2, -3);
	return 0xfeedface12345678ULL;
}

TEST_F(guest_code, pv_syscall_passes_number_and_arguments_in_the_linux_registers)
{
	long out[4] = {};
	if (sigsetjmp(exited, 1) == 0) {
		guest_fn_calls(out);
		SUCCEED();
	} else {
		FAIL() << "left through the handler";
	}
	ASSERT_EQ(ncalls, 4);
	EXPECT_EQ(calls[0].nr, 0x7f0000f0U);
	for (int i = 0; i < 6; i++)
		EXPECT_EQ(calls[0].args[i], static_cast<uint64_t>(11 * (i + 1))) << i;
	EXPECT_EQ(out[0], 0x1234 + 1);
	EXPECT_EQ(calls[1].nr, static_cast<uint64_t>(SYS_getpid));
	EXPECT_EQ(out[1], getpid());
	EXPECT_EQ(calls[2].nr, 0x7f0000f1U);
	for (int i = 0; i < 6; i++)
		EXPECT_EQ(calls[2].args[i], static_cast<uint64_t>(i + 1)) << i;
	EXPECT_EQ(calls[3].args[0], static_cast<uint64_t>(-1));
	EXPECT_EQ(calls[3].args[2], static_cast<uint64_t>(-3));
	EXPECT_EQ(out[3], 0x1234 + 4);
}

TEST_F(guest_code, trampoline_calls_fn_and_exits_with_its_result)
{
	long out[4] = {};
	using entry = void (*)(void* arg, uint64_t (*fn)(void*));
	const int how = sigsetjmp(exited, 1);
	if (how == 0) {
		reinterpret_cast<entry>(pv_guest_trampoline_vmmcall)(out, guest_fn_calls);
		FAIL() << "the trampoline returned";
	}
	EXPECT_FALSE(bad_instruction);
	EXPECT_EQ(how, 1);
	EXPECT_EQ(exit_value, 0xfeedface12345678ULL);
	EXPECT_EQ(ncalls, 4);
	EXPECT_EQ(out[1], getpid());
}

}  // namespace
#endif
