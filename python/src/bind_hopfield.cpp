// Hopfield networks (include/rgflow/hopfield/): networks, dynamics, capacity curves, spurious
// states, files. Long computations release the GIL and raise KeyboardInterrupt on Ctrl-C.
#include "common.hpp"
#include "rgflow/hopfield/capacity.hpp"
#include "rgflow/hopfield/dynamics.hpp"
#include "rgflow/hopfield/file.hpp"
#include "rgflow/hopfield/rbm_map.hpp"
#include "rgflow/hopfield/spurious.hpp"
#include "rgflow/run/hopfield.hpp"

namespace rgflow::python {

namespace {

using hopfield::Network;

py::list points_list(const std::vector<hopfield::CapacityPoint>& curve) {
  py::list out;
  for (const auto& p : curve) {
    py::dict d;
    d["load"] = p.load;
    d["patterns"] = p.patterns;
    d["actual_load"] = p.actual_load;
    d["overlap"] = p.overlap;
    d["retrieved"] = p.retrieved;
    d["sweeps"] = p.sweeps;
    out.append(d);
  }
  return out;
}

// The options of a capacity curve (zero-temperature dynamics), as hopfield capacity takes them.
hopfield::CapacityOptions capacity_options(const std::vector<double>& loads, int trials, std::uint64_t seed,
                                           const std::string& rule, const std::string& dynamics, int sweeps,
                                           bool keep_diagonal, Index probes, double retrieved_overlap, int threads) {
  hopfield::CapacityOptions o;
  o.retrieved_overlap = retrieved_overlap;
  o.loads = loads;
  o.trials = trials;
  o.seed = seed;
  o.rule = hopfield::parse_rule(rule);
  o.dynamics = hopfield::make_dynamics(dynamics, 0.0, sweeps, keep_diagonal, threads);
  o.probes = probes;
  return o;
}

}  // namespace

void bind_hopfield(py::module_& m) {
  py::class_<Network>(m, "HopfieldNetwork",
                      "Hopfield network storing +-1 patterns (rows); energy -1/2 s^T J s with the "
                      "diagonal kept (docs/hopfield.md)")
      .def(py::init([](const FloatArray& patterns, const std::string& rule) {
             return Network(to_matrix(patterns, "patterns"), hopfield::parse_rule(rule));
           }),
           py::arg("patterns"), py::arg("rule") = "hebb")
      .def_property_readonly("n_neurons", &Network::n_neurons)
      .def_property_readonly("n_patterns", &Network::n_patterns)
      .def_property_readonly("load", &Network::load)
      .def_property_readonly("rule", [](const Network& n) { return std::string(hopfield::to_string(n.rule())); })
      .def_property_readonly("patterns", [](const Network& n) { return from_matrix(MatrixF(n.patterns())); })
      .def("couplings", [](const Network& n) { return from_matrix(n.couplings()); })
      .def("energy", [](const Network& n, const FloatArray& s) { return from_vector(n.energy(to_matrix(s, "states"))); })
      .def("energy_zero_diagonal",
           [](const Network& n, const FloatArray& s) { return from_vector(n.energy_zero_diagonal(to_matrix(s, "states"))); })
      .def("overlaps", [](const Network& n, const FloatArray& s) { return from_matrix(n.overlaps(to_matrix(s, "states"))); })
      .def_property_readonly("diagonal_constant", &Network::diagonal_constant);

  m.def("hopfield_recall",
        [](const Network& net, const FloatArray& probes, const std::string& dyn, double temperature, int sweeps,
           bool keep_diagonal, std::uint64_t seed, int threads) {
          const MatrixF p = to_matrix(probes, "probes");
          const auto d = hopfield::make_dynamics(dyn, temperature, sweeps, keep_diagonal, threads);
          hopfield::RecallResult r = without_gil([&] { return hopfield::recall(net, p, d, seed, python_stop_poll()); });
          py::dict out;
          const auto n = static_cast<py::ssize_t>(r.sweeps.size());
          out["states"] = from_matrix(std::move(r.states));
          out["sweeps"] = from_std_vector(std::move(r.sweeps), {n});
          out["converged"] = from_std_vector(std::move(r.converged), {n});
          out["cycle"] = from_std_vector(std::move(r.cycle), {n});
          return out;
        },
        py::arg("network"), py::arg("probes"), py::arg("dynamics") = "async", py::arg("temperature") = 0.0,
        py::arg("sweeps") = 100, py::arg("keep_diagonal") = false, py::arg("seed") = 0, py::arg("threads") = 0);

  m.def("hopfield_capacity",
        [](Index neurons, const std::vector<double>& loads, int trials, std::uint64_t seed, const std::string& rule,
           const std::string& dyn, int sweeps, bool keep_diagonal, Index probes, double retrieved_overlap,
           int threads) {
          hopfield::CapacityOptions o =
              capacity_options(loads, trials, seed, rule, dyn, sweeps, keep_diagonal, probes, retrieved_overlap, threads);
          o.neurons = neurons;
          return points_list(without_gil([&] { return hopfield::capacity_curve(o, python_stop_poll()); }));
        },
        py::arg("neurons"), py::arg("loads"), py::arg("trials") = 20, py::arg("seed") = 0, py::arg("rule") = "hebb",
        py::arg("dynamics") = "async", py::arg("sweeps") = 100, py::arg("keep_diagonal") = false,
        py::arg("probes") = 0, py::arg("retrieved_overlap") = 0.9, py::arg("threads") = 0);

  m.def("hopfield_recall_study",
        [](const Network& net, const py::object& probes, double flip, const std::string& dyn, double temperature,
           int sweeps, bool keep_diagonal, std::uint64_t seed, int threads) {
          run::RecallRequest request;
          if (!probes.is_none()) request.probes = to_matrix(probes.cast<FloatArray>(), "probes");
          request.flip = flip;
          request.dynamics = hopfield::make_dynamics(dyn, temperature, sweeps, keep_diagonal, threads);
          request.seed = seed;
          request.stop = python_stop_poll();
          run::RecallRun r = without_gil([&] { return run::recall(net, request); });
          py::dict out = from_json(nlohmann::json(r));
          out["states"] = from_matrix(std::move(r.states));
          return out;
        },
        py::arg("network"), py::arg("probes") = py::none(), py::arg("flip") = 0.1, py::arg("dynamics") = "async",
        py::arg("temperature") = 0.0, py::arg("sweeps") = 100, py::arg("keep_diagonal") = false, py::arg("seed") = 0,
        py::arg("threads") = 0);

  m.def("hopfield_capacity_study",
        [](const std::vector<Index>& sizes, const std::vector<double>& loads, int trials, std::uint64_t seed,
           const std::string& rule, const std::string& dyn, int sweeps, bool keep_diagonal, Index probes,
           double retrieved_overlap, double threshold, int threads) {
          run::CapacityRequest request;
          request.sizes = sizes;
          request.options =
              capacity_options(loads, trials, seed, rule, dyn, sweeps, keep_diagonal, probes, retrieved_overlap, threads);
          request.threshold = threshold;
          request.stop = python_stop_poll();
          return from_json(nlohmann::json(without_gil([&] { return run::capacity(request); })));
        },
        py::arg("sizes"), py::arg("loads"), py::arg("trials") = 20, py::arg("seed") = 0, py::arg("rule") = "hebb",
        py::arg("dynamics") = "async", py::arg("sweeps") = 100, py::arg("keep_diagonal") = false,
        py::arg("probes") = 0, py::arg("retrieved_overlap") = 0.9, py::arg("threshold") = 0.8,
        py::arg("threads") = 0);

  m.def("hopfield_crossing_load",
        [](const std::vector<py::dict>& points, const std::string& criterion, double threshold) {
          std::vector<hopfield::CapacityPoint> curve;
          for (const py::dict& d : points) {
            hopfield::CapacityPoint p;
            p.load = d["load"].cast<double>();
            p.patterns = d["patterns"].cast<Index>();
            p.actual_load = d["actual_load"].cast<double>();
            p.overlap = d["overlap"].cast<stats::Result>();
            p.retrieved = d["retrieved"].cast<stats::Result>();
            curve.push_back(p);
          }
          if (criterion != "retrieved" && criterion != "overlap") {
            throw py::value_error("criterion must be 'retrieved' or 'overlap'");
          }
          return hopfield::crossing_load(
              curve, criterion == "retrieved" ? hopfield::Criterion::retrieved : hopfield::Criterion::overlap, threshold);
        },
        py::arg("points"), py::arg("criterion"), py::arg("threshold"));

  m.def("hopfield_extrapolate",
        [](const std::vector<Index>& sizes, const std::vector<stats::Result>& values, double exponent) {
          const hopfield::Extrapolation e = hopfield::extrapolate(sizes, values, exponent);
          py::dict d;
          d["exponent"] = e.exponent;
          d["critical_load"] = e.intercept;
          d["slope"] = e.slope;
          d["chi2"] = e.chi2;
          d["dof"] = e.dof;
          return d;
        },
        py::arg("sizes"), py::arg("values"), py::arg("exponent") = 0.5);

  m.def("hopfield_spurious",
        [](Index neurons, Index patterns, const std::vector<Index>& mixtures, int trials, Index starts,
           std::uint64_t seed, const std::string& rule, const std::string& dyn, int sweeps, double component,
           int threads) {
          hopfield::SpuriousOptions o;
          o.neurons = neurons;
          o.patterns = patterns;
          o.mixtures = mixtures;
          o.trials = trials;
          o.starts = starts;
          o.seed = seed;
          o.rule = hopfield::parse_rule(rule);
          o.dynamics = hopfield::make_dynamics(dyn, 0.0, sweeps, false, threads);
          o.component_overlap = component;
          const hopfield::SpuriousReport r = without_gil([&] { return hopfield::spurious_states(o, python_stop_poll()); });
          py::list mix, classes;
          for (const auto& x : r.mixtures) {
            py::dict d;
            d["k"] = x.k;
            d["theory_overlap"] = x.theory_overlap;
            d["theory_energy"] = x.theory_energy;
            d["overlap"] = x.overlap;
            d["energy"] = x.energy;
            d["energy_zero_diagonal"] = x.energy_zero_diagonal;
            d["stable_fraction"] = x.stable_fraction;
            d["fixed_point"] = x.fixed_point;
            d["relaxed_overlap"] = x.relaxed_overlap;
            mix.append(d);
          }
          for (const auto& c : r.classes) {
            py::dict d;
            d["class"] = c.name;
            d["distinct"] = c.distinct;
            d["basin"] = c.basin;
            d["energy"] = c.energy;
            classes.append(d);
          }
          py::dict out;
          out["mixtures"] = mix;
          out["classes"] = classes;
          out["distinct_fixed_points"] = r.distinct_fixed_points;
          out["unconverged"] = r.unconverged;
          out["pattern_energy"] = r.pattern_energy;
          return out;
        },
        py::arg("neurons"), py::arg("patterns"), py::arg("mixtures") = std::vector<Index>{3, 5, 7},
        py::arg("trials") = 10, py::arg("starts") = 100, py::arg("seed") = 0, py::arg("rule") = "hebb",
        py::arg("dynamics") = "async", py::arg("sweeps") = 100, py::arg("component_overlap") = 0.2,
        py::arg("threads") = 0);

  m.def("save_hopfield",
        [](const std::string& path, const Network& net, const std::map<std::string, std::string>& attrs) {
          without_gil([&] { hopfield::save_network(path, net, attrs); });
        },
        py::arg("path"), py::arg("network"), py::arg("attributes") = std::map<std::string, std::string>{});
  m.def("load_hopfield", [](const std::string& path) {
    std::map<std::string, std::string> attrs;
    Network net = without_gil([&] { return hopfield::load_network(path, &attrs); });
    return py::make_tuple(std::move(net), attrs);
  });
  m.def("hopfield_to_rbm", [](const Network& net, double beta) { return hopfield::to_rbm(net, beta); },
        py::arg("network"), py::arg("beta") = 1.0,
        "The Gaussian-hidden RBM twin (hopfield/rbm_map.hpp): log Z_RBM = (r/2) log 2pi + log sum_s e^{-beta E(s)}");
  m.def("hopfield_from_rbm",
        [](const Rbm& rbm) {
          hopfield::HebbianTwin t = hopfield::to_hopfield(rbm);
          return py::make_tuple(std::move(t.network), t.beta);
        },
        py::arg("rbm"), "(network, beta) of a Hebbian twin; ValueError for any other RBM");
}

}  // namespace rgflow::python
