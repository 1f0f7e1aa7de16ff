#include "version_info.hpp"

#include <fmt/format.h>
#include <omp.h>

#include <Eigen/Core>

#include "rgflow/comm/world.hpp"
#include "rgflow/core/gemm.hpp"
#include "rgflow/core/version.hpp"

namespace rgflow::cli {

std::string version_text() {
  return fmt::format(
      "rgflow {}\n"
      "build: {}, {}, {}{}\n"
      "OpenMP threads: {} (OMP_NUM_THREADS or --threads; results do not depend on it)\n"
      "MPI: {}\n"
      "Python module: {}\n"
      "Eigen {}.{}.{}\n"
      "GEMM: {} (RGFLOW_GEMM=eigen|dnnl chooses another; bits depend on it)",
      version(), RGFLOW_BUILD_TYPE, RGFLOW_COMPILER, RGFLOW_NATIVE_ISA ? "-march=native" : "portable ISA",
      RGFLOW_SANITIZED ? ", AddressSanitizer + UndefinedBehaviorSanitizer" : "", omp_get_max_threads(),
      mpi_build_description(),
      std::string(RGFLOW_PYTHON_MODULE) == "yes" ? "built with this binary (build/<preset>/python)" : "not built",
      EIGEN_WORLD_VERSION, EIGEN_MAJOR_VERSION, EIGEN_MINOR_VERSION, gemm::description());
}

}  // namespace rgflow::cli
