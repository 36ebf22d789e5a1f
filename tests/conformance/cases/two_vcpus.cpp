// SPDX-License-Identifier: MIT
// Two threads run the guest at the same time, each on its own vCPU of the
// process's VM: 1000 getpid and 1000 gettid each, all right (gettid is the
// thread's own), and each vCPU's stat_direct_syscalls grew by exactly its
// 2000 calls (4000 together). With -smp 2 the two run in parallel.
#include <atomic>
#include <cstdint>
#include <cstring>
#include <sched.h>
#include <string>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>

#include "portvisor/guest_syscall.h"
#include "vm_case.h"

using namespace pvt;

namespace {

constexpr int iterations = 1000;

struct worker {
	long pid, tid;
	long wrong_pid, wrong_tid;
	long last_pid, last_tid;
};

uint64_t guest_loop(void* arg)
{
	auto* w = static_cast<worker*>(arg);
	for (int i = 0; i < iterations; i++) {
		const long p = pv_syscall0(SYS_getpid);
		const long t = pv_syscall0(SYS_gettid);
		if (p != w->pid) {
			w->wrong_pid++;
			w->last_pid = p;
		}
		if (t != w->tid) {
			w->wrong_tid++;
			w->last_tid = t;
		}
	}
	return 0x2c0;
}

struct thread_result {
	bool ok = false;
	std::string error;
	uint64_t direct = 0;
	unsigned vcpu_id = ~0U;
	int cpu_seen = -1;
};

}  // namespace

int main()
{
	vm_case c = begin_vm_case();
	auto* workers = static_cast<worker*>(guest_memory(2 * sizeof(worker)));
	thread_result results[2];
	std::atomic<int> arrived{0};
	auto body = [&](int i) {
		thread_result& r = results[i];
		worker& w = workers[i];
		w = worker{getpid(), gettid(), 0, 0, 0, 0};
		auto ctx = portvisor::guest_context::current();
		if (!ctx) {
			r.error = ctx.err().message;
			arrived++;
			return;
		}
		r.vcpu_id = ctx.value()->cpu().id();
		const uint64_t before = ctx.value()->run_page().stat_direct_syscalls;
		// Start together.
		arrived++;
		while (arrived.load() < 2)
			std::this_thread::yield();
		auto v = portvisor::run_in_guest(guest_loop, &w);
		if (!v) {
			r.error = v.err().message;
			return;
		}
		if (v.value() != 0x2c0) {
			r.error = "guest returned " + std::to_string(v.value());
			return;
		}
		r.direct = ctx.value()->run_page().stat_direct_syscalls - before;
		r.cpu_seen = sched_getcpu();
		r.ok = true;
	};
	std::thread t0(body, 0), t1(body, 1);
	t0.join();
	t1.join();
	for (int i = 0; i < 2; i++)
		PVT_CHECK(results[i].ok, "thread %d: %s", i, results[i].error.c_str());
	PVT_CHECK(results[0].vcpu_id != results[1].vcpu_id, "both threads got vCPU %u",
		  results[0].vcpu_id);
	for (int i = 0; i < 2; i++) {
		const worker& w = workers[i];
		PVT_CHECK(w.wrong_pid == 0,
			  "thread %d: %ld of %d getpid wrong (last %ld, want %ld)", i, w.wrong_pid,
			  iterations, w.last_pid, w.pid);
		PVT_CHECK(w.wrong_tid == 0,
			  "thread %d: %ld of %d gettid wrong (last %ld, want %ld)", i, w.wrong_tid,
			  iterations, w.last_tid, w.tid);
	}
	PVT_CHECK(workers[0].tid != workers[1].tid, "both threads have tid %ld", workers[0].tid);
	note("vCPU %u: %llu direct syscalls (tid %ld, last on CPU %d); vCPU %u: %llu (tid %ld, CPU "
	     "%d); %ld CPUs online",
	     results[0].vcpu_id, static_cast<unsigned long long>(results[0].direct), workers[0].tid,
	     results[0].cpu_seen, results[1].vcpu_id,
	     static_cast<unsigned long long>(results[1].direct), workers[1].tid,
	     results[1].cpu_seen, sysconf(_SC_NPROCESSORS_ONLN));
	for (int i = 0; i < 2; i++)
		PVT_CHECK(results[i].direct == 2 * iterations,
			  "vCPU %u counted %llu direct syscalls, want %d", results[i].vcpu_id,
			  static_cast<unsigned long long>(results[i].direct), 2 * iterations);
	release_and_expect_baseline(c, "after releasing the guest VM");
	end_vm_case(c);
	pass("2 vCPUs x %d getpid+gettid, all right, %llu direct syscalls", iterations,
	     static_cast<unsigned long long>(results[0].direct + results[1].direct));
}
