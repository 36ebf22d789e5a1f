// SPDX-License-Identifier: GPL-2.0
// The L1D flush before VM entry (l1d_flush.h). Module only.
#include "x86_64-vmx/l1d_flush.h"

#include "portvisor/platform.h"
#include "portvisor/x86/msr.h"
#include "portvisor/x86/msr_access.h"

namespace pv::vmx {
namespace {

constexpr unsigned buffer_order = 4;  // 16 pages: 64 KiB
constexpr u32 buffer_bytes = 4096U << buffer_order;
constexpr u32 cache_line = 64;

}  // namespace

int l1d_flusher::init(int policy)
{
	if (policy != PV_L1D_FLUSH_SOFTWARE) {
		policy_ = policy;
		return 0;
	}
	buffer_ = static_cast<u8*>(pv_platform_alloc_pages(buffer_order));
	if (buffer_ == nullptr)
		return -PV_ENOMEM;
	// Every page different, none zero: a hypervisor below could back
	// identical pages with one frame, and the 64 KiB read would then
	// touch less than the 32 KiB of L1D.
	for (u32 i = 0; i < buffer_bytes; i++)
		buffer_[i] = u8(i / 4096 + 1);
	policy_ = policy;
	return 0;
}

void l1d_flusher::release()
{
	if (buffer_ != nullptr)
		pv_platform_free_pages(buffer_, buffer_order);
	buffer_ = nullptr;
	policy_ = PV_L1D_FLUSH_NONE;
}

const char* l1d_flusher::describe() const
{
	switch (policy_) {
	case PV_L1D_FLUSH_MSR: return "IA32_FLUSH_CMD";
	case PV_L1D_FLUSH_SOFTWARE: return "by software (64 KiB read, no IA32_FLUSH_CMD)";
	default: return "off";
	}
}

void l1d_flusher::flush_now() const
{
	if (policy_ == PV_L1D_FLUSH_MSR) {
		x86::wrmsr(x86::msr::ia32_flush_cmd, 1ULL << x86::msr::flush_cmd_l1d);
		return;
	}
	if (policy_ != PV_L1D_FLUSH_SOFTWARE)
		return;
	// The buffer's pages into the TLB first, so that page walks do not
	// bring other lines in between the reads; then one read per line.
	const volatile u8* b = buffer_;
	for (u32 off = 0; off < buffer_bytes; off += 4096)
		(void)b[off];
	asm volatile("lfence" ::: "memory");
	for (u32 off = 0; off < buffer_bytes; off += cache_line)
		(void)b[off];
	asm volatile("lfence" ::: "memory");
}

}  // namespace pv::vmx
