// SPDX-License-Identifier: GPL-2.0
// The composition root: the backends Kconfig compiled in, in the order the
// module tries them (VMX, SVM, arm64 VHE). The only file that names every
// backend; core and the backends do not know of each other.
#include "portvisor/core/module.h"
#include "portvisor/core/vm/vm_ops.h"
#include "pv_config.h"

#ifdef PV_CONFIG_BACKEND_VMX
#include "x86_64-vmx/vmx_backend.h"
#endif
#ifdef PV_CONFIG_BACKEND_SVM
#include "x86_64-svm/svm_backend.h"
#endif
#ifdef PV_CONFIG_BACKEND_ARM64_VHE
#include "arm64-vhe/vhe_backend.h"
#endif

namespace pv::core {
namespace {

template <class... Bs> struct type_list {};
template <class List, class B> struct append;
template <class... Bs, class B> struct append<type_list<Bs...>, B> {
	using type = type_list<Bs..., B>;
};
template <class List> struct as_backend_set;
template <class... Bs> struct as_backend_set<type_list<Bs...>> {
	using type = backend_set<Bs...>;
};

using list0 = type_list<>;
#ifdef PV_CONFIG_BACKEND_VMX
using list1 = append<list0, vmx::backend>::type;
#else
using list1 = list0;
#endif
#ifdef PV_CONFIG_BACKEND_SVM
using list2 = append<list1, svm::backend>::type;
#else
using list2 = list1;
#endif
#ifdef PV_CONFIG_BACKEND_ARM64_VHE
using list3 = append<list2, arm64::backend>::type;
#else
using list3 = list2;
#endif

using compiled_backends = as_backend_set<list3>::type;

}  // namespace

backend_selection select_backend() { return compiled_backends::select(); }

const vm_ops* vm_ops_for(backend_kind kind)
{
#ifdef PV_CONFIG_BACKEND_VMX
	if (kind == backend_kind::vmx)
		return &vmx::ops;
#endif
#ifdef PV_CONFIG_BACKEND_SVM
	if (kind == backend_kind::svm)
		return &svm::ops;
#endif
	(void)kind;
	return nullptr;  // arm64 VHE runs no vCPU yet
}

}  // namespace pv::core
