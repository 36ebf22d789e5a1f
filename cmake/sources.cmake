# Which source files make up what. The module takes the core, the shim and
# the sources of the backends its Kconfig enables; the host build takes the
# core and every backend's register-decoding logic (no inline asm).
set(PV_CORE_SOURCES
  core/src/module.cpp
  core/src/dev_ioctl.cpp
  core/src/log_format.cpp)
# VMs, vCPUs and the run loop, with the engines they drive: module only.
set(PV_KMOD_CORE_SOURCES
  core/src/vm/vm.cpp
  core/src/vm/vcpu_run.cpp
  core/src/stage2/table.cpp
  core/src/trap/trap.cpp)
set(PV_KMOD_SHIM_SOURCES kmod/main.c kmod/platform.c kmod/vm.c kmod/guest_entry.c kmod/direct_syscall.c
  kmod/x86_host.c)
set(PV_COMPOSITION_SOURCES arch/backends.cpp)
set(PV_BACKEND_VMX_SOURCES arch/x86_64-vmx/vmx_probe.cpp arch/x86_64-vmx/vmx_probe_read.cpp
  arch/x86_64-vmx/vmcs_build.cpp arch/x86_64-vmx/vmentry_check.cpp arch/x86_64-vmx/vmx_run.cpp
  arch/x86_64-vmx/l1d_flush.cpp
  arch/x86_64-vmx/vmx_vmrun.S)
set(PV_BACKEND_SVM_SOURCES arch/x86_64-svm/svm_probe.cpp arch/x86_64-svm/svm_probe_read.cpp
  arch/x86_64-svm/svm_run.cpp arch/x86_64-svm/svm_vmrun.S)
set(PV_BACKEND_ARM64_VHE_SOURCES arch/arm64-vhe/vhe_probe.cpp arch/arm64-vhe/vhe_probe_read.cpp)
set(PV_BACKEND_DECISION_SOURCES
  arch/x86_64-vmx/vmx_probe.cpp arch/x86_64-vmx/vmcs_build.cpp arch/x86_64-vmx/vmentry_check.cpp
  arch/x86_64-svm/svm_probe.cpp arch/arm64-vhe/vhe_probe.cpp)
list(TRANSFORM PV_CORE_SOURCES PREPEND ${CMAKE_SOURCE_DIR}/ OUTPUT_VARIABLE PV_CORE_SOURCES)
# The stage-2 engine and the direct-syscall trap: host-built and unit-tested;
# they join the module when the kmod side implements their platform services.
file(GLOB PV_CORE_ENGINE_SOURCES CONFIGURE_DEPENDS
  ${CMAKE_SOURCE_DIR}/core/src/stage2/*.cpp ${CMAKE_SOURCE_DIR}/core/src/trap/*.cpp
  ${CMAKE_SOURCE_DIR}/core/src/vcpu/*.cpp)
list(TRANSFORM PV_BACKEND_DECISION_SOURCES PREPEND ${CMAKE_SOURCE_DIR}/
     OUTPUT_VARIABLE PV_BACKEND_DECISION_SOURCES)
