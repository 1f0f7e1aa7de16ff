// The effective couplings of an RBM layer (run/couplings.hpp, as `rgflow rg couplings`). The GIL
// is released; Ctrl-C raises KeyboardInterrupt within ~50 ms.
#include "common.hpp"
#include "rgflow/run/couplings.hpp"
#include "rgflow/run/dbn.hpp"

namespace rgflow::python {

void bind_rg(py::module_& m) {
  m.def("effective_couplings",
        [](const py::object& model, Index layer, const std::string& side, int max_order, int lattice,
           bool chain, int extent, double tolerance, int max_exact_support, Index samples,
           std::uint64_t seed, int threads) {
          // A model file, a Dbn, or an Rbm (a one-layer model).
          Dbn dbn;
          if (py::isinstance<py::str>(model) || py::hasattr(model, "__fspath__")) {
            const std::string path = py::str(model);
            dbn = without_gil([&] { return run::load_layers(path); });
          } else if (py::isinstance<Dbn>(model)) {
            dbn = model.cast<Dbn>();
          } else {
            dbn = Dbn({model.cast<Rbm>()});
          }
          run::CouplingsRequest request;
          request.layer = layer;
          request.max_order = max_order;
          request.lattice = lattice;
          request.chain = chain;
          request.extent = extent;
          request.options.side = rg::parse_side(side);
          request.options.support_tolerance = tolerance;
          request.options.max_exact_support = max_exact_support;
          request.options.samples = samples;
          request.options.seed = seed;
          request.options.threads = threads;
          request.options.stop = python_stop_poll();
          const run::CouplingsRun r = without_gil([&] { return run::couplings(dbn, request); });
          return from_json(nlohmann::json(r));
        },
        py::arg("model"), py::arg("layer") = 0, py::arg("side") = "visible", py::arg("max_order") = 4,
        py::arg("lattice") = 0, py::arg("chain") = false, py::arg("extent") = 0,
        py::arg("tolerance") = 0.0, py::arg("max_exact_support") = 20, py::arg("samples") = 20000,
        py::arg("seed") = 0, py::arg("threads") = 0,
        "Multi-spin couplings K_A of an RBM layer's marginal Hamiltonian (dict: the `rgflow rg "
        "couplings --json` object without 'model')");
}

}  // namespace rgflow::python
