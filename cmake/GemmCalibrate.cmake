# The GEMM backend (include/rgflow/core/gemm.hpp; docs/benchmarks.md, "The GEMM").
#   RGFLOW_GEMM=auto (default): when oneDNN (libdnnl-dev) is found, time Eigen's GEMM and
#     dnnl_sgemm on the RBM shapes, one thread (cmake/gemm_calibrate.cpp, ≈ 2 s), and make the
#     faster one the default; without oneDNN, Eigen. The result is cached (RGFLOW_GEMM_SELECTED):
#     delete it from the cache, or the build folder, to calibrate again.
#   RGFLOW_GEMM=eigen|dnnl: that backend, no calibration.
# Sets RGFLOW_WITH_DNNL (ON when oneDNN is linked), RGFLOW_GEMM_SELECTED and
# RGFLOW_GEMM_CALIBRATION (a line for `rgflow --version`).
set(RGFLOW_GEMM "auto" CACHE STRING "GEMM backend: auto (calibrated at configure time), eigen or dnnl")
set_property(CACHE RGFLOW_GEMM PROPERTY STRINGS auto eigen dnnl)
if(NOT RGFLOW_GEMM MATCHES "^(auto|eigen|dnnl)$")
  message(FATAL_ERROR "RGFLOW_GEMM=${RGFLOW_GEMM}: use auto, eigen or dnnl")
endif()

set(RGFLOW_WITH_DNNL OFF)
if(NOT RGFLOW_GEMM STREQUAL "eigen")
  find_path(DNNL_INCLUDE_DIR oneapi/dnnl/dnnl.h)
  find_library(DNNL_LIBRARY NAMES dnnl)
  if(DNNL_INCLUDE_DIR AND DNNL_LIBRARY)
    set(RGFLOW_WITH_DNNL ON)
    if(NOT TARGET rgflow_dnnl)
      add_library(rgflow_dnnl UNKNOWN IMPORTED)
      set_target_properties(rgflow_dnnl PROPERTIES IMPORTED_LOCATION "${DNNL_LIBRARY}"
                                                   INTERFACE_INCLUDE_DIRECTORIES "${DNNL_INCLUDE_DIR}")
    endif()
  elseif(RGFLOW_GEMM STREQUAL "dnnl")
    message(FATAL_ERROR "RGFLOW_GEMM=dnnl but oneDNN was not found (scripts/install-deps installs libdnnl-dev)")
  endif()
endif()

if(RGFLOW_GEMM STREQUAL "auto" AND RGFLOW_WITH_DNNL AND NOT DEFINED CACHE{RGFLOW_GEMM_SELECTED})
  set(_flags -O3)
  if(RGFLOW_NATIVE)
    list(APPEND _flags -march=native)
  endif()
  try_run(_run_rc _compile_ok ${CMAKE_BINARY_DIR}/gemm_calibrate ${PROJECT_SOURCE_DIR}/cmake/gemm_calibrate.cpp
    COMPILE_DEFINITIONS ${_flags}
    LINK_LIBRARIES Eigen3::Eigen rgflow_dnnl OpenMP::OpenMP_CXX
    CXX_STANDARD 20
    COMPILE_OUTPUT_VARIABLE _compile_out
    RUN_OUTPUT_VARIABLE _run_out)
  set(_selected eigen)
  set(_line "")
  if(_compile_ok AND _run_rc EQUAL 0 AND _run_out MATCHES "eigen ([0-9.]+)\ndnnl ([0-9.]+)")
    set(_eigen ${CMAKE_MATCH_1})
    set(_dnnl ${CMAKE_MATCH_2})
    if(_dnnl GREATER _eigen)
      set(_selected dnnl)
    endif()
    set(_line "calibrated at configure time: eigen ${_eigen}, dnnl ${_dnnl} GFLOP/s on the RBM shapes, 1 thread")
  else()
    message(WARNING "GEMM calibration failed; using Eigen.\n${_compile_out}\n${_run_out}")
  endif()
  set(RGFLOW_GEMM_SELECTED ${_selected} CACHE INTERNAL "GEMM backend chosen by calibration")
  set(RGFLOW_GEMM_CALIBRATION "${_line}" CACHE INTERNAL "GEMM calibration result")
elseif(NOT RGFLOW_GEMM STREQUAL "auto")
  set(RGFLOW_GEMM_SELECTED ${RGFLOW_GEMM} CACHE INTERNAL "GEMM backend chosen by RGFLOW_GEMM" FORCE)
  set(RGFLOW_GEMM_CALIBRATION "set by -DRGFLOW_GEMM" CACHE INTERNAL "GEMM calibration result" FORCE)
elseif(NOT RGFLOW_WITH_DNNL)
  set(RGFLOW_GEMM_SELECTED eigen CACHE INTERNAL "GEMM backend (no oneDNN found)" FORCE)
  set(RGFLOW_GEMM_CALIBRATION "oneDNN not found" CACHE INTERNAL "GEMM calibration result" FORCE)
endif()
message(STATUS "GEMM backend: ${RGFLOW_GEMM_SELECTED} (${RGFLOW_GEMM_CALIBRATION})")
