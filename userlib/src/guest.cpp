// SPDX-License-Identifier: MIT
// run_in_guest (portvisor/guest.hpp): the process's VM (mirror, or windowed
// on CPUs with narrow guest-physical addresses), a vCPU and a guest stack
// per thread, the lazily built guest page tables, the trampoline, and the
// run loop.
#include "portvisor/guest.hpp"

#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <pthread.h>
#include <string>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <vector>

#if defined(__x86_64__)
#include <asm/prctl.h>
#include <cpuid.h>
#endif

#include "portvisor/guest_detail.hpp"
#include "portvisor/guest_syscall.h"
#include "portvisor/identity_map.hpp"
#include "portvisor/window_table.hpp"

// ---- guest-side code ------------------------------------------------------

extern "C" {

unsigned char pv_guest_use_vmcall = 0;

// Runs in the guest: no stack protector (it would read %fs:0x28, which the
// guest reaches only when FS points at memory it can map).
__attribute__((no_stack_protector)) long pv_syscall(long nr, ...)
{
	va_list ap;
	va_start(ap, nr);
	long a0 = va_arg(ap, long), a1 = va_arg(ap, long), a2 = va_arg(ap, long);
	long a3 = va_arg(ap, long), a4 = va_arg(ap, long), a5 = va_arg(ap, long);
	va_end(ap);
	return pv_syscall6(nr, a0, a1, a2, a3, a4, a5);
}

}  // extern "C"

#if defined(__x86_64__)
// The guest's entry point: rdi = arg, rsi = fn, rsp 16-byte aligned. Calls
// fn(arg), then passes its result (rax) to PV_HC_EXIT_TO_USER in rdi. If
// the vCPU is run again it exits again. One copy per hypercall instruction.
static_assert(PV_HC_EXIT_TO_USER == 0x7f000000U, "trampoline below uses the literal");
asm(R"(
	.pushsection .text
	.p2align 4
	.globl pv_guest_trampoline_vmmcall
	.hidden pv_guest_trampoline_vmmcall
	.type pv_guest_trampoline_vmmcall, @function
pv_guest_trampoline_vmmcall:
	call *%rsi
	movq %rax, %rdi
1:	movl $0x7f000000, %eax
	vmmcall
	jmp 1b
	.size pv_guest_trampoline_vmmcall, . - pv_guest_trampoline_vmmcall

	.p2align 4
	.globl pv_guest_trampoline_vmcall
	.hidden pv_guest_trampoline_vmcall
	.type pv_guest_trampoline_vmcall, @function
pv_guest_trampoline_vmcall:
	call *%rsi
	movq %rax, %rdi
1:	movl $0x7f000000, %eax
	vmcall
	jmp 1b
	.size pv_guest_trampoline_vmcall, . - pv_guest_trampoline_vmcall
	.popsection
)");
extern "C" void pv_guest_trampoline_vmmcall();
extern "C" void pv_guest_trampoline_vmcall();
#endif

namespace portvisor {

// ---- the process's state ---------------------------------------------------

namespace {

constexpr size_t stack_bytes = 256 * 1024;
constexpr size_t guard_bytes = 4096;
constexpr size_t pool_chunk_bytes = 64 * 4096;
// A mirror VM puts host-virtual addresses in guest-physical ones: it needs
// the 47 bits of x86-64 user space (the module answers ERANGE below).
constexpr unsigned mirror_min_phys_bits = 47;

struct process_state {
	std::mutex lock;
	// Bumped when the VM is released and in a forked child: contexts of an
	// older generation are dead.
	std::atomic<unsigned> generation{1};
	std::optional<vm> guest;
	guest_info info;
	// Windowed VMs only: which host-virtual memory the guest-physical
	// addresses reach. Before `tables`, whose hooks point at it.
	std::unique_ptr<window_table> windows;
	std::unique_ptr<identity_map> tables;
	// Page-table pages: chunks of memory, handed out in order.
	std::vector<std::pair<void*, size_t>> chunks;
	char* pool_next = nullptr;
	char* pool_end = nullptr;
	uint64_t ids_in_use = 0;
	uint64_t ids_burned = 0;  // EEXIST from the kernel: never used again
	std::vector<guest_context*> contexts;
	bool atfork_registered = false;
};

// Never destroyed: threads may still run (and exit) while the process exits.
process_state& state()
{
	static process_state* s = new process_state;
	return *s;
}

status ok() { return std::monostate{}; }

std::string errno_text(int err) { return std::strerror(err); }

// Memory for the guest: any of the process's user memory is guest memory,
// in a mirror VM directly, in a windowed one once its window is there (the
// guest page tables assign windows as they map). Caller locks.
void* map_memory(size_t bytes, int prot, int extra_flags)
{
	void* p = ::mmap(nullptr, bytes, prot, MAP_PRIVATE | MAP_ANONYMOUS | extra_flags, -1, 0);
	return p == MAP_FAILED ? nullptr : p;
}

[[maybe_unused]] void* alloc_table_page(process_state& st)
{
	if (st.pool_next == st.pool_end) {
		void* p = map_memory(pool_chunk_bytes, PROT_READ | PROT_WRITE, MAP_POPULATE);
		if (!p)
			return nullptr;
		st.chunks.emplace_back(p, pool_chunk_bytes);
		st.pool_next = static_cast<char*>(p);
		st.pool_end = st.pool_next + pool_chunk_bytes;
	}
	void* page = st.pool_next;
	st.pool_next += identity_map::size_4k;
	return page;
}

error map_error(identity_map::map_status s, uint64_t addr, const process_state& st,
		const std::string& what)
{
	switch (s) {
	case identity_map::map_status::out_of_range:
		return error{EFAULT, what + ": " + detail::hex(addr) +
					 " is not below the guest's address limit " +
					 detail::hex(st.info.address_limit)};
	case identity_map::map_status::no_memory:
		return error{ENOMEM, what + ": no memory for guest page tables"};
	case identity_map::map_status::no_translation:
		// A windowed VM: no window left (ENOSPC), or its slot refused.
		if (st.windows && st.windows->last_error().err != 0)
			return error{st.windows->last_error().err,
				     what + ": " + st.windows->last_error().message};
		return error{EIO, what + ": no usable guest-physical address for " +
				      detail::hex(addr) + " or its page tables"};
	default: return error{EIO, what + ": unexpected mapping status"};
	}
}

status map_range_locked(process_state& st, uint64_t first, uint64_t last, const std::string& what)
{
	auto s = st.tables->map_range(first, last);
	if (s == identity_map::map_status::mapped || s == identity_map::map_status::already_mapped)
		return ok();
	return map_error(s, first, st, what);
}

#if defined(__x86_64__)
bool cpu_has_1g_pages()
{
	unsigned a, b, c, d;
	return __get_cpuid(0x80000001U, &a, &b, &c, &d) && (d & (1U << 26));
}

bool host_has_osxsave()
{
	unsigned a, b, c, d;
	return __get_cpuid(1, &a, &b, &c, &d) && (c & (1U << 27));
}

uint64_t arch_prctl_get(int code)
{
	unsigned long v = 0;
	::syscall(SYS_arch_prctl, code, &v);
	return v;
}
#endif

// Drops the page tables and frees their pages. Caller locks.
void free_tables_locked(process_state& st)
{
	st.tables.reset();
	st.windows.reset();
	for (auto [p, n] : st.chunks)
		::munmap(p, n);
	st.chunks.clear();
	st.pool_next = st.pool_end = nullptr;
}

[[maybe_unused]] void atfork_prepare() { state().lock.lock(); }
[[maybe_unused]] void atfork_parent() { state().lock.unlock(); }
[[maybe_unused]] void atfork_child();

// Creates the VM and the page tables. Caller locks.
status ensure_vm_locked(process_state& st)
{
#if !defined(__x86_64__)
	(void)st;
	return error{ENOSYS, "run_in_guest is not implemented on this architecture (arm64) yet"};
#else
	if (st.guest)
		return ok();
	auto dev = device::open();
	if (!dev)
		return dev.err();
	auto caps = dev.value().capabilities();
	if (!caps)
		return caps.err();
	const pv_capabilities& c = caps.value();
	if (!(c.features & PV_FEAT_RUN))
		return error{EOPNOTSUPP, std::string("backend ") + backend_name(c.backend) +
					     " does not run vCPUs yet (no PV_FEAT_RUN)"};
	if (c.backend != PV_BACKEND_SVM && c.backend != PV_BACKEND_VMX)
		return error{ENOSYS, std::string("run_in_guest: backend ") +
					 backend_name(c.backend) + " is not an x86_64 backend"};
	// A mirror VM needs every user-space address as a guest-physical one.
	// Narrower CPUs (Intel: MAXPHYADDR 39 to 46; Bochs and QEMU: 40) get a
	// windowed VM: explicit slots, filled in 1 GiB windows as the guest
	// page tables need them. A module that reports no width (0) is asked
	// for a mirror VM and decides.
	const bool mirror = c.guest_phys_bits == 0 || c.guest_phys_bits >= mirror_min_phys_bits;
	auto v = vm::create(dev.value(), mirror ? PV_VM_MIRROR : 0);
	if (!v)
		return v.err();
	// Set now: the windows' slots are set on it while the tables are built.
	st.guest.emplace(std::move(v.value()));
	auto undo = [&st](error e) {
		free_tables_locked(st);
		st.guest.reset();
		return e;
	};

	guest_info info;
	info.backend = c.backend;
	info.guest_phys_bits = c.guest_phys_bits;
	info.leaf_size = cpu_has_1g_pages() ? identity_map::size_1g : identity_map::size_2m;
	// Every user-space address: in a mirror VM because the CPU holds them
	// all, in a windowed one because any of them can have a window.
	info.address_limit = identity_map::lower_half_end;
	info.windowed = !mirror;
	st.info = info;
	identity_map::translation tr;
	if (!mirror) {
		st.windows = std::make_unique<window_table>(
		    [&st](const window_table::window& w) -> status {
			    pv_memory_region r{};
			    r.slot = w.slot;
			    r.guest_phys = w.guest_phys;
			    r.size = w.size;
			    r.user_addr = w.host_base;
			    return st.guest->set_memory_region(r);
		    },
		    1ULL << c.guest_phys_bits);
		st.info.max_windows = st.windows->max_windows();
		tr = st.windows->translation();
	}
	st.tables =
	    std::make_unique<identity_map>([&st] { return alloc_table_page(st); }, info.leaf_size,
					   info.address_limit, std::move(tr));
	if (!st.tables->root()) {
		if (st.windows && st.windows->last_error().err != 0)
			return undo(error{st.windows->last_error().err,
					  "the root of the guest page tables: " +
					      st.windows->last_error().message});
		return undo(error{ENOMEM, "no memory for the guest page tables"});
	}
	pv_guest_use_vmcall = c.backend == PV_BACKEND_VMX ? 1 : 0;
	// What every run touches first: the trampolines, the hypercall flag,
	// the tables themselves (the walker does not need them mapped; a
	// guest that inspects its tables does).
	const auto tramp = reinterpret_cast<uintptr_t>(&pv_guest_trampoline_vmmcall);
	const auto flag = reinterpret_cast<uintptr_t>(&pv_guest_use_vmcall);
	const auto chunk = reinterpret_cast<uintptr_t>(st.chunks.front().first);
	for (auto [first, last] :
	     {std::pair<uint64_t, uint64_t>{tramp, tramp + 64},
	      std::pair<uint64_t, uint64_t>{flag, flag},
	      std::pair<uint64_t, uint64_t>{chunk, chunk + pool_chunk_bytes - 1}}) {
		if (!st.tables->in_range(last))
			continue;  // reached through a #PF, or an error then
		auto s = map_range_locked(st, first, last, "mapping the trampoline and tables");
		if (!s)
			return undo(s.err());
	}
	if (!st.atfork_registered) {
		pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
		st.atfork_registered = true;
	}
	return ok();
#endif
}

}  // namespace

// Everything that needs guest_context's private parts.
struct guest_context_access {
	static result<guest_context*> create_locked(process_state& st);
	static void destroy(guest_context* ctx) { delete ctx; }
	static bool running(const guest_context* ctx) { return ctx->running_.load(); }
	static std::atomic<bool>& running_flag(guest_context* ctx) { return ctx->running_; }
	static unsigned generation(const guest_context* ctx) { return ctx->generation_; }
	static void close_cpu(guest_context* ctx) { ctx->cpu_.close(); }
	static unsigned id(const guest_context* ctx) { return ctx->cpu_.id(); }
	static void thread_exit(guest_context* ctx, unsigned generation);
	static void drop_all_locked(process_state& st, bool inherited);
};

namespace {

// The calling thread's context, and its generation.
struct thread_slot {
	guest_context* ctx = nullptr;
	unsigned generation = 0;
	~thread_slot()
	{
		if (ctx)
			guest_context_access::thread_exit(ctx, generation);
	}
};
thread_local thread_slot this_thread;

thread_local std::string last_error_message;

[[maybe_unused]] void atfork_child()
{
	process_state& st = state();
	guest_context_access::drop_all_locked(st, true);
	st.lock.unlock();
}

}  // namespace

result<guest_context*> guest_context_access::create_locked(process_state& st)
{
	auto v = ensure_vm_locked(st);
	if (!v)
		return v.err();
	std::optional<vcpu> cpu;
	for (;;) {
		const uint64_t used = st.ids_in_use | st.ids_burned;
		unsigned id = 0;
		while (id < PV_MAX_VCPUS && (used & (1ULL << id)))
			id++;
		if (id >= PV_MAX_VCPUS)
			return error{ENOSPC, "no free vCPU id in the guest VM (" +
						 std::to_string(PV_MAX_VCPUS) +
						 " threads use or used run_in_guest)"};
		auto c = st.guest->create_vcpu(id);
		if (c) {
			cpu.emplace(std::move(c.value()));
			break;
		}
		if (c.err().err != EEXIST)
			return c.err();
		st.ids_burned |= 1ULL << id;  // the kernel keeps ids of closed vCPUs
	}

	void* base = map_memory(guard_bytes + stack_bytes, PROT_NONE, 0);
	if (!base)
		return error{errno, "mmap of a " + std::to_string(stack_bytes / 1024) +
					" KiB guest stack: " + errno_text(errno)};
	char* usable = static_cast<char*>(base) + guard_bytes;
	if (::mprotect(usable, stack_bytes, PROT_READ | PROT_WRITE) != 0) {
		int err = errno;
		::munmap(base, guard_bytes + stack_bytes);
		return error{err, "mprotect of the guest stack: " + errno_text(err)};
	}
	const auto first = reinterpret_cast<uintptr_t>(usable);
	auto m = map_range_locked(st, first, first + stack_bytes - 1, "mapping the guest stack");
	if (!m) {
		::munmap(base, guard_bytes + stack_bytes);
		return m.err();
	}
	const unsigned id = cpu->id();
	auto* ctx = new guest_context(std::move(*cpu), base, guard_bytes + stack_bytes,
				      first + stack_bytes, st.generation.load());
	st.ids_in_use |= 1ULL << id;
	st.contexts.push_back(ctx);
	return ctx;
}

void guest_context_access::thread_exit(guest_context* ctx, unsigned generation)
{
	process_state& st = state();
	std::lock_guard<std::mutex> g(st.lock);
	if (generation != st.generation.load())
		return;  // released (or inherited) already
	std::erase(st.contexts, ctx);
	st.ids_in_use &= ~(1ULL << id(ctx));
	destroy(ctx);
}

void guest_context_access::drop_all_locked(process_state& st, bool inherited)
{
	for (guest_context* ctx : st.contexts) {
		if (inherited && running(ctx)) {
			// A handler forked while this thread ran the guest: it will
			// see the new generation and fail; keep the object alive.
			close_cpu(ctx);
			continue;
		}
		destroy(ctx);
	}
	st.contexts.clear();
	st.ids_in_use = 0;
	st.ids_burned = 0;
	st.guest.reset();
	free_tables_locked(st);
	st.generation++;
}

guest_context::~guest_context()
{
	if (stack_base_)
		::munmap(stack_base_, stack_bytes_);
}

result<guest_context*> guest_context::current()
{
	process_state& st = state();
	if (this_thread.ctx && this_thread.generation == st.generation.load())
		return this_thread.ctx;
	std::lock_guard<std::mutex> g(st.lock);
	auto c = guest_context_access::create_locked(st);
	if (!c)
		return c.err();
	this_thread.ctx = c.value();
	this_thread.generation = st.generation.load();
	return c.value();
}

namespace {

// Where a stage-2 fault's guest-physical address is in the process, for the
// message: the same address in a mirror VM, its window's in a windowed one.
std::string stage2_host_text(uint64_t guest_phys)
{
	process_state& st = state();
	std::lock_guard<std::mutex> g(st.lock);
	if (!st.guest)
		return "";
	if (!st.windows)
		return "; mirror VM: host-virtual " + detail::hex(guest_phys);
	auto hv = st.windows->to_host_virt(guest_phys);
	if (!hv)
		return "; windowed VM: no memory window holds this guest-physical address";
	const window_table::window* w = st.windows->window_of(*hv);
	return "; windowed VM: host-virtual " + detail::hex(*hv) + " (window " +
	       std::to_string(w ? w->slot : 0) + ")";
}

error stale_context()
{
	return error{ESTALE, "this guest context belongs to a released guest VM, or to the parent "
			     "process (fork while running the guest): start a new run"};
}

}  // namespace

status guest_context::prepare(guest_fn fn, void* arg)
{
	has_pending_result_ = false;  // a new call: nothing to answer
#if defined(__x86_64__)
	process_state& st = state();
	uint64_t cr3, trampoline;
	{
		std::lock_guard<std::mutex> g(st.lock);
		if (generation_ != st.generation.load() || !st.tables)
			return stale_context();
		cr3 = st.tables->root();
		trampoline = reinterpret_cast<uintptr_t>(st.info.backend == PV_BACKEND_VMX
							     ? &pv_guest_trampoline_vmcall
							     : &pv_guest_trampoline_vmmcall);
	}
	detail::guest_cpu_state cs;
	cs.cr3 = cr3;
	cs.fs_base = arch_prctl_get(ARCH_GET_FS);
	cs.gs_base = arch_prctl_get(ARCH_GET_GS);
	cs.osxsave = host_has_osxsave();
	auto s = cpu_.set_sregs(detail::make_sregs_x86_64(cs));
	if (!s)
		return s;
	s = cpu_.set_regs(detail::make_regs_x86_64(trampoline, stack_top_,
						   reinterpret_cast<uintptr_t>(fn),
						   reinterpret_cast<uintptr_t>(arg)));
	if (!s)
		return s;
	last_fault_ = ~0ULL;
	return ok();
#else
	(void)fn;
	(void)arg;
	return error{ENOSYS, "run_in_guest is not implemented on this architecture (arm64) yet"};
#endif
}

result<step_result> guest_context::step(const run_options& options)
{
	if (generation_ != state().generation.load())
		return stale_context();
	status r = std::monostate{};
	if (has_pending_result_) {
		has_pending_result_ = false;
		r = cpu_.run_with_result(pending_result_);
		if (!r && r.err().err == ENOTTY) {  // a module without it
			auto s = set_return_value(pending_result_);
			if (!s)
				return s.err();
			r = cpu_.run();
		}
	} else {
		r = cpu_.run();
	}
	// EINTR: the result, if any, is in the guest's register already.
	if (!r && r.err().err != EINTR)
		return r.err();
	return handle(r ? 0 : EINTR, options, answer::at_next_run);
}

status guest_context::give_result(int64_t value, answer how)
{
	if (how == answer::now)
		return set_return_value(value);
	pending_result_ = value;
	has_pending_result_ = true;
	return ok();
}

status guest_context::set_return_value(int64_t value)
{
	has_pending_result_ = false;  // this answer, not the one step() kept
	auto r = cpu_.regs();
	if (!r)
		return r.err();
	pv_regs_x86_64 regs = r.value();
	regs.rax = static_cast<uint64_t>(value);
	return cpu_.set_regs(regs);
}

status guest_context::map(uint64_t addr)
{
	process_state& st = state();
	std::lock_guard<std::mutex> g(st.lock);
	if (generation_ != st.generation.load() || !st.tables)
		return stale_context();
	auto s = st.tables->map(addr);
	if (s == identity_map::map_status::mapped || s == identity_map::map_status::already_mapped)
		return ok();
	return map_error(s, addr, st, "mapping " + detail::hex(addr));
}

status guest_context::handle_page_fault()
{
	const pv_run& run = run_page();
	const uint64_t addr = run.exception.address;
	const bool not_present = !(run.exception.error_code & 1);
	process_state& st = state();
	std::lock_guard<std::mutex> g(st.lock);
	if (generation_ != st.generation.load() || !st.tables)
		return stale_context();
	const std::string what = detail::describe_exit(run);
	if (addr >= identity_map::lower_half_end)
		return error{EFAULT, what + ": not a user-space (lower-half) address, which is "
					    "all the guest page tables map"};
	if (st.tables->is_mapped(addr)) {
		// Another thread's vCPU may have mapped it since the fault: one
		// more try, unless this very address faulted just before.
		if (not_present && last_fault_ != addr) {
			last_fault_ = addr;
			return ok();
		}
		return error{EFAULT, what + ": its region is mapped already, so the guest page "
					    "tables cannot fix this fault"};
	}
	auto s = st.tables->map(addr);
	if (s != identity_map::map_status::mapped && s != identity_map::map_status::already_mapped)
		return map_error(s, addr, st, what);
	last_fault_ = addr;
	return ok();
}

result<step_result> guest_context::handle_exit(int run_errno, const run_options& options)
{
	return handle(run_errno, options, answer::now);
}

result<step_result> guest_context::handle(int run_errno, const run_options& options, answer how)
{
	has_pending_result_ = false;
	if (generation_ != state().generation.load())
		return stale_context();
	const pv_run& run = run_page();
	detail::exit_decision d = detail::classify_exit(run, run_errno);
	switch (d.action) {
	case detail::exit_action::done: return step_result{true, d.value};
	case detail::exit_action::run_again: return step_result{};
	case detail::exit_action::page_fault: {
		auto s = handle_page_fault();
		if (!s)
			return s.err();
		return step_result{};
	}
	case detail::exit_action::native_syscall: {
		const auto& c = run.syscall;
		long v = ::syscall(static_cast<long>(c.nr), c.args[0], c.args[1], c.args[2],
				   c.args[3], c.args[4], c.args[5]);
		if (v == -1)
			v = -errno;
		auto s = give_result(v, how);
		if (!s)
			return s.err();
		return step_result{};
	}
	case detail::exit_action::user_only_syscall: {
		const int64_t v = options.user_only ? options.user_only(run) : -ENOSYS;
		if (generation_ != state().generation.load())
			return stale_context();  // the handler forked, or released the VM
		auto s = give_result(v, how);
		if (!s)
			return s.err();
		return step_result{};
	}
	case detail::exit_action::fail: break;
	}
	if (run_errno == 0 && run.exit_reason == PV_EXIT_STAGE2_FAULT)
		d.message += stage2_host_text(run.stage2.guest_phys);
	return error{d.err, d.message};
}

result<uint64_t> run_in_guest(guest_fn fn, void* arg, const run_options& options)
{
	auto c = guest_context::current();
	if (!c)
		return c.err();
	guest_context* ctx = c.value();
	std::atomic<bool>& running = guest_context_access::running_flag(ctx);
	bool idle = false;
	if (!running.compare_exchange_strong(idle, true))
		return error{EBUSY,
			     "run_in_guest: this thread is already running the guest (called "
			     "from a signal handler or a user_only handler?)"};
	struct clear_on_return {
		std::atomic<bool>& flag;
		~clear_on_return() { flag = false; }
	} clear{running};
	auto p = ctx->prepare(fn, arg);
	if (!p)
		return p.err();
	for (;;) {
		auto s = ctx->step(options);
		if (!s)
			return s.err();
		if (s.value().done)
			return s.value().value;
	}
}

result<vm*> guest_vm()
{
	process_state& st = state();
	std::lock_guard<std::mutex> g(st.lock);
	auto s = ensure_vm_locked(st);
	if (!s)
		return s.err();
	return &*st.guest;
}

result<guest_info> guest_vm_info()
{
	process_state& st = state();
	std::lock_guard<std::mutex> g(st.lock);
	auto s = ensure_vm_locked(st);
	if (!s)
		return s.err();
	guest_info info = st.info;
	if (st.windows)
		info.windows = static_cast<unsigned>(st.windows->windows().size());
	return info;
}

std::optional<uint64_t> guest_phys_to_host_virt(uint64_t guest_phys)
{
	process_state& st = state();
	std::lock_guard<std::mutex> g(st.lock);
	if (!st.guest)
		return std::nullopt;
	if (!st.windows)
		return guest_phys;
	return st.windows->to_host_virt(guest_phys);
}

std::optional<uint64_t> host_virt_to_guest_phys(uint64_t host_virt)
{
	process_state& st = state();
	std::lock_guard<std::mutex> g(st.lock);
	if (!st.guest)
		return std::nullopt;
	if (!st.windows)
		return host_virt;
	return st.windows->find_guest_phys(host_virt);
}

status release_guest_vm()
{
	process_state& st = state();
	std::lock_guard<std::mutex> g(st.lock);
	for (guest_context* ctx : st.contexts)
		if (guest_context_access::running(ctx))
			return error{EBUSY, "release_guest_vm: vCPU " +
						std::to_string(guest_context_access::id(ctx)) +
						" is in run_in_guest"};
	guest_context_access::drop_all_locked(st, false);
	return ok();
}

result<void*> alloc_guest_memory(size_t bytes)
{
	process_state& st = state();
	std::lock_guard<std::mutex> g(st.lock);
	auto s = ensure_vm_locked(st);
	if (!s)
		return s.err();
	const size_t size = (bytes + identity_map::size_4k - 1) & ~(identity_map::size_4k - 1);
	void* p = map_memory(size ? size : identity_map::size_4k, PROT_READ | PROT_WRITE, 0);
	if (!p)
		return error{errno, "alloc_guest_memory(" + std::to_string(bytes) +
					"): " + errno_text(errno)};
	return p;
}

void free_guest_memory(void* p, size_t bytes)
{
	if (!p)
		return;
	const size_t size = (bytes + identity_map::size_4k - 1) & ~(identity_map::size_4k - 1);
	::munmap(p, size ? size : identity_map::size_4k);
}

}  // namespace portvisor

// ---- C API ---------------------------------------------------------------------

extern "C" int pv_run_in_guest(uint64_t (*fn)(void*), void* arg, uint64_t* result)
{
	try {
		auto r = portvisor::run_in_guest(fn, arg);
		if (!r) {
			portvisor::last_error_message = r.err().message;
			return -r.err().err;
		}
		if (result)
			*result = r.value();
		return 0;
	} catch (const std::bad_alloc&) {
		portvisor::last_error_message = "run_in_guest: out of memory";
		return -ENOMEM;
	}
}

extern "C" const char* pv_last_error(void) { return portvisor::last_error_message.c_str(); }
