// Convex NMF (include/rgflow/nmf/): fit, codes of new rows, the linear flow map, files.
#include "common.hpp"
#include "rgflow/nmf/convex_nmf.hpp"
#include "rgflow/nmf/file.hpp"

namespace rgflow::python {

namespace {

MatrixD to_matrix_d(const DoubleArray& a, const char* what) {
  if (a.ndim() != 2) throw py::value_error(std::string(what) + ": expected a 2-D array");
  MatrixD m(a.shape(0), a.shape(1));
  if (m.size() > 0) std::memcpy(m.data(), a.data(), sizeof(double) * static_cast<std::size_t>(m.size()));
  return m;
}

}  // namespace

void bind_nmf(py::module_& m) {
  py::class_<nmf::ConvexNmf>(m, "ConvexNmfModel", "A fitted convex NMF A ~ G W^T A (docs/nmf.md)")
      .def_property_readonly("W", [](const nmf::ConvexNmf& c) { return from_matrix(MatrixD(c.W)); })
      .def_property_readonly("G", [](const nmf::ConvexNmf& c) { return from_matrix(MatrixD(c.G)); })
      .def_property_readonly("archetypes", [](const nmf::ConvexNmf& c) { return from_matrix(MatrixD(c.archetypes)); })
      .def_property_readonly("objective", [](const nmf::ConvexNmf& c) { return c.objective; })
      .def_readonly("iterations", &nmf::ConvexNmf::iterations)
      .def_readonly("converged", &nmf::ConvexNmf::converged)
      .def_property_readonly("rank", &nmf::ConvexNmf::rank);

  m.def("fit_convex_nmf",
        [](const DoubleArray& a, Index rank, int max_iterations, double tolerance, std::uint64_t seed, int restarts,
           int threads) {
          const MatrixD A = to_matrix_d(a, "X");
          nmf::FitOptions o;
          o.rank = rank;
          o.max_iterations = max_iterations;
          o.tolerance = tolerance;
          o.seed = seed;
          o.kmeans_restarts = restarts;
          o.threads = threads;
          return without_gil([&] { return nmf::fit_convex_nmf(A, o, python_stop_poll()); });
        },
        py::arg("X"), py::arg("rank"), py::arg("max_iterations") = 1000, py::arg("tolerance") = 1e-6,
        py::arg("seed") = 0, py::arg("restarts") = 10, py::arg("threads") = 0);
  m.def("nmf_reconstruction_error",
        [](const nmf::ConvexNmf& c, const DoubleArray& a) { return nmf::reconstruction_error(c, to_matrix_d(a, "X")); });
  m.def("nmf_encode",
        [](const nmf::ConvexNmf& c, const DoubleArray& b, int max_iterations, double tolerance) {
          const MatrixD B = to_matrix_d(b, "X");
          return from_matrix(without_gil([&] { return nmf::encode(c, B, max_iterations, tolerance); }));
        },
        py::arg("model"), py::arg("X"), py::arg("max_iterations") = 2000, py::arg("tolerance") = 1e-9);
  m.def("nmf_linear_flow",
        [](const nmf::ConvexNmf& c, const DoubleArray& a, int steps, double tolerance) {
          nmf::LinearFlow f = nmf::linear_flow(c, to_matrix_d(a, "X"), steps, tolerance);
          py::dict d;
          d["change"] = f.change;
          d["norm_ratio"] = f.norm_ratio;
          d["eigenvalue_moduli"] = from_vector(VectorD(f.eigenvalue_moduli));
          d["steps"] = f.steps;
          d["converged"] = f.converged;
          d["direction_change"] = f.direction_change;
          d["direction_converged"] = f.direction_converged;
          d["diverged"] = f.diverged;
          d["last"] = from_matrix(std::move(f.last));
          return d;
        },
        py::arg("model"), py::arg("X"), py::arg("steps"), py::arg("tolerance") = 1e-10);
  m.def("save_convex_nmf",
        [](const std::string& path, const nmf::ConvexNmf& c, const std::map<std::string, std::string>& attrs) {
          without_gil([&] { nmf::save_model(path, c, attrs); });
        },
        py::arg("path"), py::arg("model"), py::arg("attributes") = std::map<std::string, std::string>{});
  m.def("load_convex_nmf", [](const std::string& path) {
    std::map<std::string, std::string> attrs;
    nmf::ConvexNmf c = without_gil([&] { return nmf::load_model(path, &attrs); });
    return py::make_tuple(std::move(c), attrs);
  });
}

}  // namespace rgflow::python
