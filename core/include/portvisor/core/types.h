// SPDX-License-Identifier: GPL-2.0
// Freestanding basics for portvisor's C++: fixed-width integers and the few
// type traits the core needs. No C++ standard library header is available in
// the module (-nostdinc++), so nothing here may include one.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace pv {

using u8 = uint8_t;
using u16 = uint16_t;
using u32 = uint32_t;
using u64 = uint64_t;

template <class A, class B>
concept same_as = __is_same(A, B) && __is_same(B, A);

template <class T> [[nodiscard]] constexpr T min(T a, T b) { return b < a ? b : a; }

// Bit n of a 64-bit value, and a field [hi:lo] of it (inclusive, as the manuals write them).
[[nodiscard]] constexpr bool bit(u64 value, unsigned n) { return (value >> n) & 1U; }
[[nodiscard]] constexpr u64 bits(u64 value, unsigned hi, unsigned lo)
{
	return (value >> lo) & ((hi - lo == 63) ? ~0ULL : ((1ULL << (hi - lo + 1)) - 1));
}

}  // namespace pv

// Placement new, so that objects can be built in platform memory: the
// standard one on the host, our own in the module (no <new> there).
#if __STDC_HOSTED__
#include <new>
#else
inline void* operator new(size_t, void* where) noexcept { return where; }
#endif
