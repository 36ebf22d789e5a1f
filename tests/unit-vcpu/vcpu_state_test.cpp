// SPDX-License-Identifier: GPL-2.0
// The vCPU state machine, every state against every event.
#include <gtest/gtest.h>

#include "portvisor/core/vcpu/state.h"

using namespace pv::core;
using S = vcpu_state;
using E = vcpu_event;

namespace {

struct expected_edge {
	S from;
	E event;
	S to;
};

// The only transitions that exist (the diagram in state.h), kill aside.
constexpr expected_edge edges[] = {
    {S::created, E::configured, S::runnable}, {S::runnable, E::configured, S::runnable},
    {S::runnable, E::enter, S::running},      {S::running, E::hw_exit, S::exiting},
    {S::exiting, E::resume, S::running},      {S::exiting, E::return_to_user, S::runnable},
};

}  // namespace

TEST(VcpuState, EveryStateAgainstEveryEvent)
{
	int allowed = 0;
	for (pv::u32 si = 0; si < vcpu_state_count; si++) {
		for (pv::u32 ei = 0; ei < vcpu_event_count; ei++) {
			const S s = static_cast<S>(si);
			const E e = static_cast<E>(ei);
			const vcpu_transition t = next_vcpu_state(s, e);
			bool want = false;
			S want_next = s;
			for (const auto& edge : edges)
				if (edge.from == s && edge.event == e) {
					want = true;
					want_next = edge.to;
				}
			if (e == E::kill && s != S::dead) {
				want = true;
				want_next = S::dead;
			}
			EXPECT_EQ(t.allowed, want) << vcpu_state_name(s) << " + event " << ei;
			if (want) {
				EXPECT_EQ(t.next, want_next)
				    << vcpu_state_name(s) << " + event " << ei;
				allowed++;
			} else {
				EXPECT_EQ(t.next, s) << "a refused transition must not move";
			}
		}
	}
	EXPECT_EQ(allowed, 6 + 4);  // the edges plus kill from the four live states
}

TEST(VcpuState, DeadIsTerminal)
{
	for (pv::u32 ei = 0; ei < vcpu_event_count; ei++)
		EXPECT_FALSE(next_vcpu_state(S::dead, static_cast<E>(ei)).allowed);
}

TEST(VcpuState, RunWhileRunningIsRefused)
{
	// A second thread calling RUN on a running vCPU must be refused.
	EXPECT_FALSE(next_vcpu_state(S::running, E::enter).allowed);
	EXPECT_FALSE(next_vcpu_state(S::exiting, E::enter).allowed);
	EXPECT_FALSE(next_vcpu_state(S::created, E::enter).allowed);
}

TEST(VcpuState, AKernelHandledExitLoops)
{
	// enter, exit, resume, exit, return: the direct-syscall round trip.
	S s = S::runnable;
	for (E e : {E::enter, E::hw_exit, E::resume, E::hw_exit, E::return_to_user}) {
		auto t = next_vcpu_state(s, e);
		ASSERT_TRUE(t.allowed);
		s = t.next;
	}
	EXPECT_EQ(s, S::runnable);
}

TEST(VcpuState, NamesAreStable)
{
	EXPECT_STREQ(vcpu_state_name(S::created), "created");
	EXPECT_STREQ(vcpu_state_name(S::runnable), "runnable");
	EXPECT_STREQ(vcpu_state_name(S::running), "running");
	EXPECT_STREQ(vcpu_state_name(S::exiting), "exiting");
	EXPECT_STREQ(vcpu_state_name(S::dead), "dead");
	EXPECT_STREQ(vcpu_state_name(static_cast<S>(99)), "invalid");
}
