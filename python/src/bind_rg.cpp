// The lattice RG tools as `rgflow rg couplings | receptive-fields | flow | free-energy-flow`
// (run/couplings.hpp, run/rg.hpp): each returns the command's --json object as a dict. The GIL is
// released; Ctrl-C raises KeyboardInterrupt within ~50 ms where the work polls for it.
#include "common.hpp"
#include "rgflow/estimate/ais.hpp"
#include "rgflow/run/couplings.hpp"
#include "rgflow/run/dbn.hpp"
#include "rgflow/run/rg.hpp"

namespace rgflow::python {

namespace {

// A model file, a Dbn, or an Rbm (a one-layer model).
Dbn as_layers(const py::object& model) {
  if (py::isinstance<py::str>(model) || py::hasattr(model, "__fspath__")) {
    const std::string path = py::str(model);
    return without_gil([&] { return run::load_layers(path); });
  }
  if (py::isinstance<Dbn>(model)) return model.cast<Dbn>();
  return Dbn({model.cast<Rbm>()});
}

// Lattice configurations: a dataset file (L from /spins unless `lattice` > 0, the temperature
// attribute kept), or rows [N, L*L] with `lattice` = L.
run::LatticeData as_lattice(const py::object& data, int lattice, const py::object& temperature) {
  run::LatticeData d;
  if (py::isinstance<py::str>(data) || py::hasattr(data, "__fspath__")) {
    const std::string path = py::str(data);
    d = without_gil([&] { return run::read_lattice(path, lattice); });
  } else {
    d = run::lattice_rows(to_matrix(data.cast<FloatArray>(), "data"), lattice);
  }
  if (!temperature.is_none()) d.temperature = temperature.cast<double>();
  return d;
}

}  // namespace

void bind_rg(py::module_& m) {
  m.def("receptive_field_locality",
        [](const py::object& model, int lattice, double radius, int permutations, std::uint64_t seed) {
          const Dbn dbn = as_layers(model);
          rg::LocalityOptions options;
          options.radius = radius;
          options.permutations = permutations;
          options.seed = seed;
          const run::ReceptiveFieldsRun r =
              without_gil([&] { return run::receptive_fields(dbn, lattice, options); });
          py::dict out = from_json(nlohmann::json(r));
          py::list fields;
          for (const auto& l : r.levels) fields.append(from_matrix(MatrixD(l.fields)));
          out["fields"] = fields;
          return out;
        },
        py::arg("model"), py::arg("lattice"), py::arg("radius") = 1.5, py::arg("permutations") = 100,
        py::arg("seed") = 0,
        "Receptive fields of every level on an L x L lattice and their locality against a "
        "permutation null (dict: the `rgflow rg receptive-fields --json` object without 'model', "
        "plus 'fields': R_k per level)");

  m.def("lattice_flow",
        [](const py::object& model, const py::object& data, const std::string& map, int lattice, int steps,
           const std::string& propagate, double hopfield_temperature, Index rows, Index keep, std::uint64_t seed,
           const py::object& temperature) {
          const run::FlowMapKind kind = run::parse_flow_map(map);
          const Propagate how = parse_propagate(propagate);
          run::LoadedFlowMap loaded = [&] {
            if (py::isinstance<py::str>(model) || py::hasattr(model, "__fspath__")) {
              const std::string path = py::str(model);
              return without_gil([&] { return run::LoadedFlowMap::load(kind, path, how, hopfield_temperature); });
            }
            if (kind != run::FlowMapKind::rbm) {
              throw py::type_error("model: a model file (or an RBM for map='rbm')");
            }
            return run::LoadedFlowMap::rbm(as_layers(model), how);
          }();
          run::FlowRequest request;
          request.flow = {steps, seed};
          request.rows = rows;
          request.keep = keep;
          run::LatticeData d = as_lattice(data, lattice, temperature);
          const run::FlowRun r = without_gil([&] { return run::flow(loaded, std::move(d), request); });
          py::dict out = from_json(nlohmann::json(r));
          if (keep > 0) out["kept"] = from_matrix(MatrixF(r.kept));
          return out;
        },
        py::arg("model"), py::arg("data"), py::arg("map") = "rbm", py::arg("lattice") = 0, py::arg("steps") = 10,
        py::arg("propagate") = "mean", py::arg("hopfield_temperature") = 1.0, py::arg("rows") = 0,
        py::arg("keep") = 0, py::arg("seed") = 0, py::arg("temperature") = py::none(),
        "A flow map iterated from lattice configurations (dict: the `rgflow rg flow --json` object "
        "without 'model' and 'data'; with keep > 0 also 'kept', the first `keep` configurations of "
        "every step)");

  m.def("lattice_free_energy",
        [](const py::object& model, const py::object& data, int lattice, const py::object& temperature,
           const std::string& log_z, const std::string& propagate, int chains, std::int64_t betas,
           Index samples, std::uint64_t seed) {
          const Dbn dbn = as_layers(model);
          run::FreeEnergyFlowRequest request;
          rg::LatticeFreeEnergyOptions& options = request.options;
          options.flow.propagate = parse_propagate(propagate);
          options.flow.seed = seed;
          options.flow.log_z.method = estimate::parse_log_z_method(log_z);
          options.flow.log_z.ais.chains = chains;
          options.flow.log_z.ais.seed = seed;
          options.flow.log_z.ais.stop = python_stop_poll();
          if (betas == 1) throw Error("an AIS schedule needs at least 2 temperatures (0: the default)");
          if (betas > 0) options.flow.log_z.ais.betas = estimate::linear_ais_schedule(static_cast<std::size_t>(betas));
          options.gauge.samples = samples;
          options.gauge.seed = seed;
          options.gauge.stop = python_stop_poll();
          if (!temperature.is_none()) request.temperature = temperature.cast<double>();
          run::LatticeData d = as_lattice(data, lattice, py::none());
          const run::FreeEnergyFlowRun r = without_gil([&] { return run::free_energy_flow(dbn, std::move(d), request); });
          return from_json(nlohmann::json(r));
        },
        py::arg("model"), py::arg("data"), py::arg("lattice") = 0, py::arg("temperature") = py::none(),
        py::arg("log_z") = "auto", py::arg("propagate") = "mean", py::arg("chains") = 100, py::arg("betas") = 0,
        py::arg("samples") = 20000, py::arg("seed") = 0,
        "Gauge-fixed free energy of every layer next to the exact Ising free energy (dict: the "
        "`rgflow rg free-energy-flow --json` object without 'model' and 'data')");

  m.def("effective_couplings",
        [](const py::object& model, Index layer, const std::string& side, int max_order, int lattice,
           bool chain, int extent, double tolerance, int max_exact_support, Index samples,
           std::uint64_t seed, int threads) {
          const Dbn dbn = as_layers(model);
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
