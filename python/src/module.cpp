// rgflow._core: the pybind11 extension behind the pure-Python package (python/rgflow). Thin:
// every function forwards to the public C++ API (include/rgflow/...); the scikit-learn layer,
// argument checking in sklearn's style and plotting live in Python.
#include <Eigen/Core>

#include "common.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/core/gemm.hpp"
#include "rgflow/core/version.hpp"

PYBIND11_MODULE(_core, m) {
  namespace py = pybind11;
  using namespace rgflow::python;
  m.doc() = "rgflow C++ core (RBMs, DBNs, estimators, 2D Ising Monte Carlo, block spins)";
  m.attr("__version__") = rgflow::version();
  // The CLI's threading policy (apps/rgflow/main.cpp): Eigen's products single-threaded, rgflow's
  // own OpenMP regions (training updates, AIS chains, enumeration) use the threads, so results do
  // not depend on the thread count and threads are never nested.
  Eigen::setNbThreads(1);
  // The GEMM backend in use (include/rgflow/core/gemm.hpp): RGFLOW_GEMM or the build's choice.
  m.attr("gemm_backend") = std::string(rgflow::gemm::name(rgflow::gemm::active()));
  // User errors (bad files, values, options) become ValueError; FileError is a subclass naming
  // the file, so `except rgflow.FileError` works as well as `except ValueError`.
  static py::exception<rgflow::Error> error(m, "Error", PyExc_ValueError);
  static py::exception<rgflow::FileError> file_error(m, "FileError", error.ptr());
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const rgflow::FileError& e) {
      file_error(e.what());
    } catch (const rgflow::Error& e) {
      error(e.what());
    }
  });
  bind_comm(m);
  bind_core(m);
  bind_rbm(m);
  bind_train(m);
  bind_estimate(m);
  bind_io(m);
  bind_ising(m);
  bind_rsmi(m);
  bind_soc(m);
  bind_hopfield(m);
  bind_nmf(m);
  bind_manifold(m);
  bind_autoencoder(m);
  bind_rg(m);
  bind_conv(m);
}
