// SPDX-License-Identifier: GPL-2.0
// The backend contracts are checkable: a fake backend meets the whole
// vcpu_backend concept, and removing any one operation breaks it.
#include <gtest/gtest.h>

#include "portvisor/core/backend.h"

using namespace pv::core;

namespace {

struct fake_full_backend {
	static constexpr backend_kind kind = backend_kind::svm;
	struct cpu_state {};
	struct vcpu {
		int runs = 0;
	};
	struct registers {};
	struct stage2_format {};
	static probe_result probe_this_cpu() { return {}; }
	static int enable_cpu(cpu_state&) { return 0; }
	static void disable_cpu(cpu_state&) {}
	static int vcpu_create(vcpu&) { return 0; }
	static void vcpu_destroy(vcpu&) {}
	static void vcpu_load(vcpu&, unsigned int) {}
	static void vcpu_put(vcpu&) {}
	static exit_info run_once(vcpu& v)
	{
		v.runs++;
		return exit_info{exit_kind::hypercall, 0x81, 0, 0, 0, 0};
	}
	static void get_registers(vcpu&, registers&) {}
	static int set_registers(vcpu&, registers&) { return 0; }
	static void flush_tlb(vcpu&, tlb_scope) {}
};

// Without a TLB flush it is not a backend that can run guests.
struct no_flush_backend {
	static constexpr backend_kind kind = backend_kind::vmx;
	struct cpu_state {};
	struct vcpu {};
	struct registers {};
	struct stage2_format {};
	static probe_result probe_this_cpu() { return {}; }
	static int enable_cpu(cpu_state&) { return 0; }
	static void disable_cpu(cpu_state&) {}
	static int vcpu_create(vcpu&) { return 0; }
	static void vcpu_destroy(vcpu&) {}
	static void vcpu_load(vcpu&, unsigned int) {}
	static void vcpu_put(vcpu&) {}
	static exit_info run_once(vcpu&) { return {}; }
	static void get_registers(vcpu&, registers&) {}
	static int set_registers(vcpu&, registers&) { return 0; }
};

// run_once must return an exit_info, not a code.
struct int_run_backend : no_flush_backend {
	static int run_once(vcpu&) { return 0; }
	static void flush_tlb(vcpu&, tlb_scope) {}
};

// A probe that returns something else is not even a probe-level backend.
struct bad_probe_backend {
	static constexpr backend_kind kind = backend_kind::vmx;
	static int probe_this_cpu() { return 0; }
};

static_assert(backend<fake_full_backend>);
static_assert(vcpu_backend<fake_full_backend>);
static_assert(backend<no_flush_backend>);
static_assert(!vcpu_backend<no_flush_backend>);
static_assert(!vcpu_backend<int_run_backend>);
static_assert(!backend<bad_probe_backend>);

template <vcpu_backend B> int run_twice(typename B::vcpu& v)
{
	// Through the concept, as the core's run loop will call a backend.
	exit_info a = B::run_once(v);
	exit_info b = B::run_once(v);
	return static_cast<int>(a.kind == exit_kind::hypercall) +
	       static_cast<int>(b.hw_reason == 0x81);
}

}  // namespace

TEST(BackendContract, AFullBackendRunsThroughTheConcept)
{
	fake_full_backend::vcpu v;
	EXPECT_EQ(run_twice<fake_full_backend>(v), 2);
	EXPECT_EQ(v.runs, 2);
}
