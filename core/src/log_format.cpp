// SPDX-License-Identifier: GPL-2.0
#include "portvisor/core/log_format.h"

#define PV_UAPI_FREESTANDING
#include "uapi/portvisor.h"

namespace pv::core {

void append_page_sizes(line_buffer& out, u64 sizes)
{
	struct named {
		u64 bit;
		const char* name;
	};
	static constexpr named names[] = {
	    {PV_PAGE_SIZE_4K, "4K"}, {PV_PAGE_SIZE_2M, "2M"}, {PV_PAGE_SIZE_1G, "1G"}};
	bool first = true;
	for (const auto& n : names) {
		if ((sizes & n.bit) == 0)
			continue;
		out.append(first ? "" : " ");
		out.append(n.name);
		first = false;
	}
	if (first)
		out.append("none");
}

void append_feature_names(line_buffer& out, u64 features)
{
	struct named {
		u64 bit;
		const char* name;
	};
#define PV_FEATURE_ENTRY(bit, name) {bit, name},
	static constexpr named names[] = {PV_FEATURE_LIST(PV_FEATURE_ENTRY)};
#undef PV_FEATURE_ENTRY
	for (const auto& n : names) {
		if ((features & n.bit) != 0) {
			out.append(" ");
			out.append(n.name);
		}
	}
}

}  // namespace pv::core
