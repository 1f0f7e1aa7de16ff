// Estimators: exact enumeration, forward/reverse AIS, TAP, pseudo-likelihood, and the DBN
// free-energy flow and lower bound. The GIL is released during each computation; the long ones
// (enumeration, AIS, TAP, flow, bound) poll for Ctrl-C (python_stop_poll) and raise
// KeyboardInterrupt within ~50 ms.
#include <cmath>

#include "common.hpp"
#include "rgflow/estimate/ais.hpp"
#include "rgflow/estimate/exact.hpp"
#include "rgflow/estimate/free_energy_flow.hpp"
#include "rgflow/estimate/log_partition.hpp"
#include "rgflow/estimate/pseudo_likelihood.hpp"
#include "rgflow/estimate/tap.hpp"
#include "rgflow/run/dbn.hpp"

namespace rgflow::python {

namespace {

estimate::EnumerateLayer parse_layer(const std::string& s) {
  if (s == "auto" || s == "automatic") return estimate::EnumerateLayer::automatic;
  if (s == "visible") return estimate::EnumerateLayer::visible;
  if (s == "hidden") return estimate::EnumerateLayer::hidden;
  throw py::value_error("layer must be 'auto', 'visible' or 'hidden', not '" + s + "'");
}

estimate::AisOptions ais_options(int chains, const py::object& betas, std::uint64_t seed,
                                 int threads) {
  estimate::AisOptions o;
  o.chains = chains;
  o.seed = seed;
  o.threads = threads;
  o.stop = python_stop_poll();
  if (betas.is_none()) return o;
  if (py::isinstance<py::int_>(betas)) {
    const auto k = betas.cast<std::int64_t>();
    if (k == 0) return o;  // the default schedule, as the CLI's --betas 0
    if (k < 2) throw py::value_error("betas: at least 2 temperatures (0 or None: default schedule)");
    o.betas = estimate::linear_ais_schedule(static_cast<std::size_t>(k));
  } else {
    o.betas = betas.cast<std::vector<double>>();
  }
  return o;
}

py::dict ais_dict(const estimate::AisResult& r) {
  py::dict d;
  d["log_z"] = r.log_z;
  d["log_z_lower_3sigma"] = r.log_z_lower3;
  d["log_z_upper_3sigma"] = r.log_z_upper3;
  d["effective_sample_size"] = r.effective_sample_size;
  d["chains"] = r.chains;
  d["temperatures"] = r.n_betas;
  d["log_z_base"] = r.log_z_base;
  d["log_z_start"] = r.log_z_start;
  std::vector<double> w = r.log_weights;
  const auto n = static_cast<py::ssize_t>(w.size());
  d["log_weights"] = from_std_vector(std::move(w), {n});
  d["raise_log_likelihood"] = r.raise_log_likelihood;
  return d;
}

estimate::TapOptions tap_options(int order, int max_iterations, double damping, double tolerance) {
  estimate::TapOptions o;
  o.order = order;
  o.max_iterations = max_iterations;
  o.damping = damping;
  o.tolerance = tolerance;
  o.stop = python_stop_poll();
  return o;
}

py::dict tap_point_dict(estimate::TapFixedPoint&& p) {
  py::dict d;
  d["visible"] = from_vector(std::move(p.visible));
  d["hidden"] = from_vector(std::move(p.hidden));
  d["iterations"] = p.iterations;
  d["converged"] = p.converged;
  d["free_energy"] = p.free_energy;
  return d;
}

VectorD to_vector_d(const DoubleArray& a) {
  if (a.ndim() != 1) throw py::value_error("expected a 1-D array");
  VectorD v(a.shape(0));
  for (Index i = 0; i < v.size(); ++i) v[i] = a.data()[i];
  return v;
}

estimate::LogZOptions log_z_options(const std::string& method, Index max_exact_units, int chains,
                                    const py::object& betas, std::uint64_t seed, int threads) {
  estimate::LogZOptions o;
  o.method = estimate::parse_log_z_method(method);
  o.max_exact_units = max_exact_units;
  o.ais = ais_options(chains, betas, seed, threads);
  o.threads = threads;
  o.stop = python_stop_poll();
  return o;
}

py::object optional_result(const std::optional<stats::Result>& r) {
  return r ? py::cast(*r) : py::none();
}

// The inputs of an AIS run that decide its result (not threads, stop or progress).
void add_ais(InputDigest& d, const Rbm& target, const Rbm& base, const estimate::AisOptions& o) {
  d.add(target);
  d.add(base);
  d.add(o.chains);
  d.add(o.betas);
  d.add(o.seed);
  d.add(o.chains_per_batch);
}

constexpr const char* kCommDoc =
    "comm: None (this process), or an rgflow._core.Communicator (rgflow.collective()): the work "
    "is split over its ranks, each returning the serial result bit for bit; collective, every "
    "rank makes the same call";

}  // namespace

void bind_estimate(py::module_& m) {
  m.def("exact_log_partition",
        [](const Rbm& rbm, const std::string& layer, int threads, const py::object& comm) {
          const Communicator* c = communicator_arg(comm);
          const auto l = parse_layer(layer);
          InputDigest d;
          d.add(rbm);
          d.add(static_cast<int>(l));
          return without_gil_on(c, [&] {
            agree_on_inputs(c, d, "exact_log_partition");
            return estimate::exact_log_partition(rbm, l, threads, python_stop_poll(), {}, c);
          });
        },
        py::arg("rbm"), py::arg("layer") = "auto", py::arg("threads") = 0,
        py::arg("comm") = py::none(),
        (std::string("log Z by enumerating the smaller layer (at most 32 units). ") + kCommDoc).c_str());
  m.def("mean_log_likelihood",
        [](const Rbm& rbm, const FloatArray& x, double log_z) {
          const MatrixF data = to_matrix(x, "data");
          return without_gil([&] { return estimate::mean_log_likelihood(rbm, data, log_z); });
        },
        py::arg("rbm"), py::arg("data"), py::arg("log_z"));
  m.def("exact_model_moments", [](const Rbm& rbm) {
    estimate::Moments mo =
        without_gil([&] { return estimate::exact_model_moments(rbm, python_stop_poll()); });
    py::dict d;
    d["visible"] = from_vector(std::move(mo.visible));
    d["hidden"] = from_vector(std::move(mo.hidden));
    d["visible_hidden"] = from_matrix(std::move(mo.visible_hidden));
    return d;
  }, py::arg("rbm"));

  m.def("default_ais_schedule", &estimate::default_ais_schedule);
  m.def("linear_ais_schedule", &estimate::linear_ais_schedule, py::arg("n_betas"));
  m.def("base_rate_model",
        [](const Rbm& target, const FloatArray& x, double pseudo_count) {
          return estimate::base_rate_model(target, to_matrix(x, "data"), pseudo_count);
        },
        py::arg("target"), py::arg("data"), py::arg("pseudo_count") = 1.0);
  m.def("base_log_partition", &estimate::base_log_partition, py::arg("base"));
  m.def("ais_log_partition",
        [](const Rbm& target, const Rbm& base, int chains, const py::object& betas,
           std::uint64_t seed, int threads, const py::object& comm) {
          const Communicator* c = communicator_arg(comm);
          auto o = ais_options(chains, betas, seed, threads);
          o.communicator = c;
          InputDigest d;
          add_ais(d, target, base, o);
          return ais_dict(without_gil_on(c, [&] {
            agree_on_inputs(c, d, "ais_log_partition");
            return estimate::ais_log_partition(target, base, o);
          }));
        },
        py::arg("target"), py::arg("base"), py::arg("chains") = 100, py::arg("betas") = py::none(),
        py::arg("seed") = 0, py::arg("threads") = 0, py::arg("comm") = py::none(), kCommDoc);
  m.def("reverse_ais_log_partition",
        [](const Rbm& target, const Rbm& base, const FloatArray& x, int chains,
           const py::object& betas, std::uint64_t seed, int threads, const py::object& comm) {
          const Communicator* c = communicator_arg(comm);
          auto o = ais_options(chains, betas, seed, threads);
          o.communicator = c;
          const MatrixF data = to_matrix(x, "data");
          InputDigest d;
          add_ais(d, target, base, o);
          d.add(data);
          return ais_dict(without_gil_on(c, [&] {
            agree_on_inputs(c, d, "reverse_ais_log_partition");
            return estimate::reverse_ais_log_partition(target, base, data, o);
          }));
        },
        py::arg("target"), py::arg("base"), py::arg("data"), py::arg("chains") = 100,
        py::arg("betas") = py::none(), py::arg("seed") = 0, py::arg("threads") = 0,
        py::arg("comm") = py::none(), kCommDoc);

  m.def("tap_free_energy",
        [](const Rbm& rbm, const DoubleArray& mv, const DoubleArray& mh, int order) {
          return estimate::tap_free_energy(rbm, to_vector_d(mv), to_vector_d(mh), order);
        },
        py::arg("rbm"), py::arg("visible"), py::arg("hidden"), py::arg("order") = 2);
  m.def("tap_fixed_point",
        [](const Rbm& rbm, int order, int max_iterations, double damping, double tolerance,
           const std::optional<DoubleArray>& start) {
          const auto o = tap_options(order, max_iterations, damping, tolerance);
          std::optional<VectorD> s;
          if (start) s = to_vector_d(*start);
          return tap_point_dict(
              without_gil([&] { return estimate::tap_fixed_point(rbm, o, s ? &*s : nullptr); }));
        },
        py::arg("rbm"), py::arg("order") = 2, py::arg("max_iterations") = 200,
        py::arg("damping") = 0.5, py::arg("tolerance") = 1e-10, py::arg("start") = py::none());
  m.def("tap_log_partition",
        [](const Rbm& rbm, int order, int max_iterations, double damping, double tolerance,
           const std::optional<FloatArray>& starts) {
          const auto o = tap_options(order, max_iterations, damping, tolerance);
          std::optional<MatrixF> s;
          if (starts) s = to_matrix(*starts, "starts");
          return without_gil([&] { return estimate::tap_log_partition(rbm, o, s ? &*s : nullptr); });
        },
        py::arg("rbm"), py::arg("order") = 2, py::arg("max_iterations") = 200,
        py::arg("damping") = 0.5, py::arg("tolerance") = 1e-10, py::arg("starts") = py::none());

  m.def("pseudo_log_likelihood_rows",
        [](const Rbm& rbm, const FloatArray& x, const std::vector<Index>& flip_index,
           bool require_states) {
          const MatrixF data = to_matrix(x, "data");
          return from_vector(without_gil(
              [&] { return estimate::pseudo_log_likelihood_rows(rbm, data, flip_index, require_states); }));
        },
        py::arg("rbm"), py::arg("data"), py::arg("flip_index"), py::arg("require_states") = true,
        "n_visible * log sigmoid(F(v~) - F(v)) per row, v~ = the row with unit flip_index[r] "
        "flipped (float64)");
  m.def("pseudo_log_likelihood",
        [](const Rbm& rbm, const FloatArray& x, Rng& rng) {
          const MatrixF data = to_matrix(x, "data");
          return without_gil([&] { return estimate::pseudo_log_likelihood(rbm, data, rng); });
        },
        py::arg("rbm"), py::arg("data"), py::arg("rng"));

  // The CLI's `rbm logz --method` choices through the same library call
  // (estimate::estimate_log_partition), so a result here equals `rgflow rbm logz MODEL --method M
  // --seed S ...` bit for bit.
  m.def("log_partition",
        [](const Rbm& rbm, const std::string& method, const std::optional<FloatArray>& x, int chains,
           const py::object& betas, std::uint64_t seed, int threads, int tap_iterations,
           double tap_damping, const py::object& comm) {
          const Communicator* c = communicator_arg(comm);
          std::optional<MatrixF> data;
          if (x) data = to_matrix(*x, "data");
          estimate::LogZOptions o;
          o.method = estimate::parse_log_z_method(method);
          o.ais = ais_options(chains, betas, seed, threads);
          o.tap.max_iterations = tap_iterations;
          o.tap.damping = tap_damping;
          o.threads = threads;
          o.stop = python_stop_poll();
          o.communicator = c;
          if (data) rbm.check_visible_data(*data, "data");
          InputDigest d;
          d.add(rbm);
          d.add(static_cast<int>(o.method));
          d.add(o.ais.chains);
          d.add(o.ais.betas);
          d.add(o.ais.seed);
          d.add(o.tap.max_iterations);
          d.add(o.tap.damping);
          d.add(data.has_value());
          if (data) d.add(*data);
          const estimate::LogZEstimate e = without_gil_on(c, [&] {
            agree_on_inputs(c, d, "log_partition");
            return estimate::estimate_log_partition(rbm, o, data ? &*data : nullptr);
          });
          py::dict details = from_json(nlohmann::json(e));
          if (e.ais) {
            // The full AIS record as well (log weights, RAISE, base and start normalisers).
            for (auto item : ais_dict(*e.ais)) details[item.first] = item.second;
          }
          return py::make_tuple(e.log_z, details);
        },
        py::arg("rbm"), py::arg("method") = "exact", py::arg("data") = py::none(),
        py::arg("chains") = 100, py::arg("betas") = py::none(), py::arg("seed") = 0,
        py::arg("threads") = 0, py::arg("tap_iterations") = 500, py::arg("tap_damping") = 0.5,
        py::arg("comm") = py::none(),
        (std::string("(log Z as a Result, details dict) by the CLI's method names. ") + kCommDoc).c_str());

  m.def("free_energy_flow",
        [](const Dbn& dbn, const FloatArray& x, const std::string& propagate, std::uint64_t seed,
           const std::string& log_z, Index max_exact_units, int chains, const py::object& betas,
           std::uint64_t ais_seed, int threads) {
          run::DbnFlowRequest request;
          request.flow.propagate = parse_propagate(propagate);
          request.flow.seed = seed;
          request.flow.log_z = log_z_options(log_z, max_exact_units, chains, betas, ais_seed, threads);
          request.stop = request.flow.log_z.stop;
          const MatrixF data = to_matrix(x, "data");
          const run::DbnFlowRun flow = without_gil([&] { return run::dbn_flow(dbn, data, request); });
          py::list out;
          for (const auto& f : flow.layers) {
            py::dict d;
            d["layer"] = f.layer;
            d["n_visible"] = f.n_visible;
            d["n_hidden"] = f.n_hidden;
            d["free_energy"] = f.free_energy;
            d["free_energy_per_unit"] = f.free_energy_per_unit;
            d["log_z_method"] = std::string(estimate::to_string(f.log_z_method));
            d["log_z"] = optional_result(f.log_z);
            d["log_likelihood"] = optional_result(f.log_likelihood);
            d["log_likelihood_per_unit"] = optional_result(f.log_likelihood_per_unit);
            out.append(d);
          }
          return out;
        },
        py::arg("dbn"), py::arg("data"), py::arg("propagate") = "mean", py::arg("seed") = 0,
        py::arg("log_z") = "auto", py::arg("max_exact_units") = 20, py::arg("chains") = 100,
        py::arg("betas") = py::none(), py::arg("ais_seed") = 0, py::arg("threads") = 0);

  m.def("dbn_lower_bound",
        [](const Dbn& dbn, const FloatArray& x, const std::string& log_z, Index max_exact_units,
           int chains, const py::object& betas, std::uint64_t ais_seed, const std::string& method,
           Index samples, std::uint64_t seed, int threads) {
          estimate::BoundOptions b;
          if (method == "auto" || method == "automatic") b.method = estimate::BoundMethod::automatic;
          else if (method == "exact") b.method = estimate::BoundMethod::exact;
          else if (method == "sample") b.method = estimate::BoundMethod::sample;
          else throw py::value_error("method must be 'auto', 'exact' or 'sample'");
          b.samples = samples;
          b.seed = seed;
          b.threads = threads;
          b.stop = python_stop_poll();
          const auto lz = log_z_options(log_z, max_exact_units, chains, betas, ais_seed, threads);
          const MatrixF data = to_matrix(x, "data");
          estimate::DbnBound r = without_gil([&] { return estimate::dbn_lower_bound(dbn, data, lz, b); });
          py::dict d;
          d["mean"] = r.mean;
          d["per_row"] = from_vector(std::move(r.per_row));
          d["per_row_error"] = from_vector(std::move(r.per_row_error));
          d["log_z_top"] = r.log_z_top;
          d["method"] = r.method == estimate::BoundMethod::exact ? "exact" : "sample";
          return d;
        },
        py::arg("dbn"), py::arg("data"), py::arg("log_z") = "auto", py::arg("max_exact_units") = 20,
        py::arg("chains") = 100, py::arg("betas") = py::none(), py::arg("ais_seed") = 0,
        py::arg("method") = "auto", py::arg("samples") = 100, py::arg("seed") = 0,
        py::arg("threads") = 0);
  m.def("dbn_exact_log_probability",
        [](const Dbn& dbn, const FloatArray& x, double log_z_top) {
          const MatrixF data = to_matrix(x, "data");
          return from_vector(without_gil([&] {
            return estimate::dbn_exact_log_probability(dbn, data, log_z_top, python_stop_poll());
          }));
        },
        py::arg("dbn"), py::arg("data"), py::arg("log_z_top"));
}

}  // namespace rgflow::python
