// SPDX-License-Identifier: GPL-2.0
// A fixed-size line for composing log messages without allocation, and the
// human-readable names of page sizes and feature bits.
#pragma once

#include "portvisor/core/types.h"

namespace pv::core {

class line_buffer {
public:
	void append(const char* s)
	{
		while (*s != '\0' && len_ + 1 < sizeof(buf_))
			buf_[len_++] = *s++;
		buf_[len_] = '\0';
	}
	void append_u64(u64 v)
	{
		char digits[21];
		int n = 0;
		do {
			digits[n++] = static_cast<char>('0' + v % 10);
			v /= 10;
		} while (v != 0);
		char out[21];
		for (int i = 0; i < n; i++)
			out[i] = digits[n - 1 - i];
		out[n] = '\0';
		append(out);
	}
	[[nodiscard]] const char* c_str() const { return buf_; }
	[[nodiscard]] size_t size() const { return len_; }

private:
	char buf_[384] = {};
	size_t len_ = 0;
};

// "4K 2M 1G" for the PV_PAGE_SIZE_* bits set in `sizes`.
void append_page_sizes(line_buffer& out, u64 sizes);
// " ad tagged-tlb ..." (leading space per name) for the PV_FEAT_* bits set.
void append_feature_names(line_buffer& out, u64 features);

}  // namespace pv::core
