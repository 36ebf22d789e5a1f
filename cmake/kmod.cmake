# The kernel module for one architecture, built by Kbuild against unpacked
# Debian headers (scripts/fetch-guest-kernel.sh, scripts/build-kmod.sh).
# Which backend sources go in comes from that architecture's Kconfig.
if(PV_KERNEL_ABI STREQUAL "")
  execute_process(COMMAND apt-cache depends linux-headers-amd64
    OUTPUT_VARIABLE deps ERROR_QUIET)
  string(REGEX MATCH "linux-headers-([0-9.]+-[0-9]+)-amd64" _ "${deps}")
  set(abi "${CMAKE_MATCH_1}")
else()
  set(abi "${PV_KERNEL_ABI}")
endif()
set(PV_RESOLVED_KERNEL_ABI "${abi}" CACHE INTERNAL "guest kernel ABI in use")
if(PV_RESOLVED_KERNEL_ABI STREQUAL "")
  message(WARNING "No guest kernel ABI (apt-cache knows no linux-headers-amd64; "
                  "run scripts/setup-host.sh): kernel module targets are off")
else()
  message(STATUS "portvisor: guest kernel ABI ${PV_RESOLVED_KERNEL_ABI}")
endif()

function(pv_kmod arch)
  if(PV_RESOLVED_KERNEL_ABI STREQUAL "")
    return()
  endif()
  set(abi ${PV_RESOLVED_KERNEL_ABI})
  set(flavour ${arch})
  if(arch STREQUAL "x86_64")
    set(flavour amd64)
  endif()
  # Variables of this architecture's .config, local to this function.
  include(${PV_CONFIG_DIR_${arch}}/config.cmake)
  set(sources ${PV_KMOD_SHIM_SOURCES} ${PV_CORE_SOURCES} ${PV_KMOD_CORE_SOURCES} ${PV_COMPOSITION_SOURCES})
  list(TRANSFORM sources REPLACE "^${CMAKE_SOURCE_DIR}/" "")
  foreach(backend VMX SVM ARM64_VHE)
    if(PV_CONFIG_BACKEND_${backend})
      list(APPEND sources ${PV_BACKEND_${backend}_SOURCES})
    endif()
  endforeach()

  set(root ${PV_GUEST_DIR}/${arch}-${abi})
  set(kdir ${root}/usr/src/linux-headers-${abi}-${flavour})
  add_custom_command(OUTPUT ${root}/.complete
    COMMAND ${PV_SCRIPTS}/fetch-guest-kernel.sh ${arch} ${PV_GUEST_DIR} ${abi}
    COMMENT "Fetching Debian guest kernel ${abi} (${arch})" VERBATIM)
  add_custom_target(guest-kernel-${arch} DEPENDS ${root}/.complete)

  set(out ${CMAKE_BINARY_DIR}/kmod-${arch})
  file(GLOB_RECURSE deps CONFIGURE_DEPENDS
    ${CMAKE_SOURCE_DIR}/core/*.h ${CMAKE_SOURCE_DIR}/core/*.cpp ${CMAKE_SOURCE_DIR}/arch/*
    ${CMAKE_SOURCE_DIR}/kmod/*)
  add_custom_command(OUTPUT ${out}/portvisor.ko
    COMMAND ${PV_SCRIPTS}/build-kmod.sh ${arch} ${kdir} ${PV_CONFIG_DIR_${arch}} ${out} ${sources}
    DEPENDS ${deps} ${root}/.complete ${PV_CONFIG_DIR_${arch}}/pv_config.h
      ${PV_SCRIPTS}/build-kmod.sh ${PV_SCRIPTS}/check-module.sh ${PV_SCRIPTS}/kernel-cxxflags.sh
    COMMENT "Kbuild: portvisor.ko for ${arch}" VERBATIM)
  add_custom_target(kmod-${arch} ALL DEPENDS ${out}/portvisor.ko)
endfunction()
