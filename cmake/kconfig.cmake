# Kconfig for one module architecture: ${CMAKE_BINARY_DIR}/config-<arch>/ holds
# .config, pv_config.h and config.cmake. The first configure runs defconfig
# with the given files; later ones run olddefconfig, keeping menuconfig edits.
# An assignment that does not stick fails the configure (scripts/kconfig.py).
function(pv_kconfig arch files)
  set(dir ${CMAKE_BINARY_DIR}/config-${arch})
  set(stamp ${dir}/.config-inputs)
  string(JOIN "\n" inputs ${files})
  if(EXISTS ${dir}/.config AND EXISTS ${stamp})
    file(READ ${stamp} old_inputs)
  endif()
  if(EXISTS ${dir}/.config AND "${old_inputs}" STREQUAL "${inputs}")
    set(cmd olddefconfig)
    set(args)
  else()
    set(cmd defconfig)
    set(args ${files})
  endif()
  execute_process(
    COMMAND ${PV_PYTHON} ${PV_SCRIPTS}/kconfig.py ${cmd} --dir ${dir} ${args}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "Kconfig (${arch}) failed:\n${err}${out}")
  endif()
  file(WRITE ${stamp} "${inputs}")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
    ${CMAKE_SOURCE_DIR}/Kconfig ${dir}/.config ${files})
  set(PV_CONFIG_DIR_${arch} ${dir} PARENT_SCOPE)

  foreach(target menuconfig olddefconfig savedefconfig)
    set(extra)
    if(target STREQUAL savedefconfig)
      set(extra ${dir}/defconfig)
    endif()
    add_custom_target(${target}-${arch}
      COMMAND ${PV_PYTHON} ${PV_SCRIPTS}/kconfig.py ${target} --dir ${dir} ${extra}
      COMMAND ${CMAKE_COMMAND} ${CMAKE_BINARY_DIR}
      USES_TERMINAL VERBATIM)
  endforeach()
  add_custom_target(defconfig-${arch}
    COMMAND ${PV_PYTHON} ${PV_SCRIPTS}/kconfig.py defconfig --dir ${dir} ${files}
    COMMAND ${CMAKE_COMMAND} ${CMAKE_BINARY_DIR}
    VERBATIM)
endfunction()
