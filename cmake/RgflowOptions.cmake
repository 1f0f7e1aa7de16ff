# Project-wide compile settings, applied through the interface target rgflow_options.
add_library(rgflow_options INTERFACE)
target_compile_options(rgflow_options INTERFACE -Wall -Wextra -Wpedantic -Wshadow)
# GCC 12 reports false (maybe-)uninitialized positives inside its own AVX-512 intrinsics when Eigen
# is compiled for -march=native (GCC bug 105593).
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(rgflow_options INTERFACE -Wno-maybe-uninitialized -Wno-uninitialized)
endif()
if(RGFLOW_WERROR)
  target_compile_options(rgflow_options INTERFACE -Werror)
endif()
if(RGFLOW_NATIVE)
  target_compile_options(rgflow_options INTERFACE -march=native)
endif()
if(RGFLOW_SANITIZE)
  set(_san -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_compile_options(rgflow_options INTERFACE ${_san})
  target_link_options(rgflow_options INTERFACE ${_san})
endif()

# rgflow_add_test(NAME SOURCES... [LABELS l...]) — one GoogleTest executable registered with CTest.
# The file name picks the component library it links (so a test builds only what it needs):
#   test_io_*  → rgflow_io, test_comm_* → rgflow_comm, test_sample_* → rgflow_sample, test_estimate_* → rgflow_estimate, test_train_* → rgflow_train,
#   test_ising_* / test_stats_* → rgflow_ising, test_rg_* → rgflow_rg, test_run_* → rgflow_run,
#   test_vrg_* → rgflow_vrg, test_soc_* → rgflow_soc, test_lppl_* → rgflow_lppl,
#   test_hopfield_* / _manifold_ / _nmf_ / _autoencoder_ → that component, anything else → rgflow_core.
function(rgflow_add_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LABELS" ${ARGN})
  set(lib rgflow_core)
  if(name MATCHES "^test_io_")
    set(lib rgflow_io)
  elseif(name MATCHES "^test_comm_")
    set(lib rgflow_comm)
  elseif(name MATCHES "^test_sample_")
    set(lib rgflow_sample)
  elseif(name MATCHES "^test_estimate_")
    set(lib rgflow_estimate)
  elseif(name MATCHES "^test_train_")
    set(lib rgflow_train)
  elseif(name MATCHES "^test_(ising|stats)_")
    set(lib rgflow_ising)
  elseif(name MATCHES "^test_rg_")
    set(lib rgflow_rg)
  elseif(name MATCHES "^test_run_")
    set(lib rgflow_run)
  elseif(name MATCHES "^test_vrg_")
    set(lib rgflow_vrg)
  elseif(name MATCHES "^test_soc_")
    set(lib rgflow_soc)
  elseif(name MATCHES "^test_lppl_")
    set(lib rgflow_lppl)
  elseif(name MATCHES "^test_(hopfield|manifold|nmf|autoencoder)_")
    string(REGEX REPLACE "^test_([a-z]+)_.*" "rgflow_\\1" lib "${name}")
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${lib} GTest::gtest_main rgflow_options)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  target_compile_definitions(${name} PRIVATE
    RGFLOW_SHARED_DATA_DIR="${PROJECT_SOURCE_DIR}/../shared/data"
    RGFLOW_CLI_PATH="$<TARGET_FILE:rgflow_cli>")
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS "${ARG_LABELS}")
endfunction()
