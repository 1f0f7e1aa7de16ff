// Convolutional lattice RBMs (include/rgflow/conv/, run/conv.hpp; docs/conv.md): the model,
// training (CD/PCD, SGD or Adam, schedules, Z2), exact / AIS log Z, held-out log-likelihood and
// sampling — the functions `rgflow conv ...` calls, so that Python and the CLI agree bit for bit.
// Long computations release the GIL and raise KeyboardInterrupt on Ctrl-C.
#include <nlohmann/json.hpp>

#include "common.hpp"
#include "rgflow/conv/conv_rbm.hpp"
#include "rgflow/conv/file.hpp"
#include "rgflow/conv/sample.hpp"
#include "rgflow/conv/train.hpp"
#include "rgflow/conv/transform.hpp"
#include "rgflow/rbm/units.hpp"
#include "rgflow/run/conv.hpp"

namespace rgflow::python {

namespace {

using conv::ConvRbm;

run::ConvLogZRequest log_z_request(const std::string& method, int chains, int betas, std::uint64_t seed,
                                   int threads) {
  run::ConvLogZRequest r;
  r.method = run::parse_conv_log_z_method(method);
  r.chains = chains;
  r.betas = betas;
  r.seed = seed;
  r.threads = threads;
  r.stop = python_stop_poll();
  return r;
}

}  // namespace

void bind_conv(py::module_& m) {
  py::class_<ConvRbm>(m, "ConvRbm",
                      "Convolutional (weight-shared) RBM on a periodic L x L lattice (docs/conv.md): "
                      "C kernels of K x K at stride S, one bias per channel, one shared visible bias")
      .def(py::init([](Index lattice, Index kernel, Index stride, Index channels, const std::string& visible,
                       const std::string& hidden) {
             return ConvRbm(conv::ConvShape{lattice, kernel, stride, channels}, parse_unit_type(visible),
                            parse_unit_type(hidden));
           }),
           py::arg("lattice"), py::arg("kernel"), py::arg("stride") = 1, py::arg("channels") = 1,
           py::arg("visible_type") = "spin", py::arg("hidden_type") = "spin")
      .def_property_readonly("lattice", [](const ConvRbm& c) { return c.shape().lattice; })
      .def_property_readonly("kernel", [](const ConvRbm& c) { return c.shape().kernel; })
      .def_property_readonly("stride", [](const ConvRbm& c) { return c.shape().stride; })
      .def_property_readonly("channels", [](const ConvRbm& c) { return c.shape().channels; })
      .def_property_readonly("conv", [](const ConvRbm& c) { return conv::to_string(c.shape()); })
      .def_property_readonly("n_visible", &ConvRbm::n_visible)
      .def_property_readonly("n_hidden", &ConvRbm::n_hidden)
      .def_property_readonly("visible_type", [](const ConvRbm& c) { return std::string(to_string(c.visible_type())); })
      .def_property_readonly("hidden_type", [](const ConvRbm& c) { return std::string(to_string(c.hidden_type())); })
      .def_property(
          "kernels", [](const ConvRbm& c) { return from_matrix(MatrixF(c.kernels())); },
          [](ConvRbm& c, const FloatArray& k) {
            MatrixF x = to_matrix(k, "kernels");
            if (x.rows() != c.kernels().rows() || x.cols() != c.kernels().cols()) {
              throw py::value_error("kernels: expected shape (channels, kernel * kernel)");
            }
            c.kernels() = x;
          },
          "[C, K*K] float32: kernel c's offset (a, b) at column a*K + b")
      .def_property(
          "hidden_bias", [](const ConvRbm& c) { return from_vector(VectorF(c.hidden_bias())); },
          [](ConvRbm& c, const FloatArray& b) {
            VectorF x = to_vector_f(b, "hidden_bias");
            if (x.size() != c.hidden_bias().size()) throw py::value_error("hidden_bias: expected one value per channel");
            c.hidden_bias() = x;
          })
      .def_property(
          "visible_bias", [](const ConvRbm& c) { return c.visible_bias(); },
          [](ConvRbm& c, float a) { c.visible_bias() = a; })
      .def("free_energy", [](const ConvRbm& c, const FloatArray& v) { return from_vector(c.free_energy_visible(to_matrix(v, "v"))); })
      .def("hidden_positions", [](const ConvRbm& c) {
             py::list out;
             for (Index j = 0; j < c.n_hidden(); ++j) {
               const auto [row, col] = c.shape().hidden_position(j);
               out.append(py::make_tuple(row, col));
             }
             return out;
           },
           "(row, column) of every hidden unit: the centre of its K x K patch, wrapped")
      .def("to_dense", &ConvRbm::to_dense, "The equivalent dense Rbm (same p(v))")
      .def("save", [](const ConvRbm& c, const std::string& path, const std::map<std::string, std::string>& attrs) {
             conv::save_model(path, c, attrs);
           },
           py::arg("path"), py::arg("attributes") = std::map<std::string, std::string>{})
      .def_static("load", [](const std::string& path) { return conv::load_model(path); }, py::arg("path"))
      .def("copy", [](const ConvRbm& c) { return ConvRbm(c); });

  m.def("conv_ising_bond_model", &conv::ising_bond_model, py::arg("lattice"), py::arg("coupling"),
        "The exact bond representation of the periodic L x L Ising model at coupling K (docs/conv.md)");

  m.def("conv_train",
        [](const ConvRbm& start, const FloatArray& data, const std::string& method, int k, int epochs,
           Index batch_size, double learning_rate, double learning_rate_final, const std::string& schedule,
           int warmup_epochs, const std::string& optimizer, double momentum, double weight_decay, Index chains,
           float weight_std, std::uint64_t seed, bool z2, bool initialize, bool centering, int replicas,
           double pt_beta_min, const py::object& on_epoch) {
          conv::ConvTrainOptions o;
          o.method = conv::parse_conv_method(method);
          o.k = k;
          o.epochs = epochs;
          o.batch_size = batch_size;
          o.learning_rate = learning_rate;
          o.final_learning_rate = learning_rate_final > 0.0 ? learning_rate_final : -1.0;
          o.schedule = train::parse_schedule(schedule);
          o.warmup_epochs = warmup_epochs;
          o.optimizer = train::parse_optimizer(optimizer);
          o.momentum = momentum;
          o.weight_decay = weight_decay;
          o.chains = chains;
          o.weight_std = weight_std;
          o.seed = seed;
          o.z2 = z2;
          o.initialize = initialize;
          o.centering = centering;
          o.replicas = replicas;
          o.pt_beta_min = pt_beta_min;
          const MatrixF rows = to_matrix(data, "X");
          ConvRbm model = start;
          py::list history;
          without_gil([&] {
            conv::train(model, rows, o, [&](const conv::ConvEpochReport& r) {
              py::gil_scoped_acquire gil;
              py::dict d;
              d["epoch"] = r.epoch;
              d["learning_rate"] = r.learning_rate;
              d["reconstruction_error"] = r.reconstruction_error;
              if (!r.swap_acceptance.empty()) d["swap_acceptance"] = r.swap_acceptance;
              history.append(d);
              if (!on_epoch.is_none()) on_epoch(d);
            }, python_stop_poll());
          });
          return py::make_tuple(model, history);
        },
        py::arg("model"), py::arg("X"), py::arg("method") = "pcd", py::arg("k") = 1, py::arg("epochs") = 20,
        py::arg("batch_size") = 100, py::arg("learning_rate") = 0.05, py::arg("learning_rate_final") = 0.0,
        py::arg("lr_schedule") = "exponential", py::arg("warmup_epochs") = 0, py::arg("optimizer") = "sgd",
        py::arg("momentum") = 0.5, py::arg("weight_decay") = 0.0, py::arg("chains") = 100,
        py::arg("weight_std") = 0.01f, py::arg("seed") = 0, py::arg("z2") = false, py::arg("initialize") = true,
        py::arg("centering") = true, py::arg("replicas") = 10, py::arg("pt_beta_min") = 0.1, py::arg("on_epoch") = py::none(),
        "conv::train on a copy of `model` (conv train's computation): returns (model, history)");

  m.def("conv_log_z",
        [](const ConvRbm& model, const std::string& method, int chains, int betas, std::uint64_t seed, int threads,
           const py::object& data) {
          std::optional<MatrixF> rows;
          if (!data.is_none()) {
            rows = to_matrix(data.cast<FloatArray>(), "data");
            model.check_visible_data(*rows, "data");
          }
          const run::ConvLogZRequest r = log_z_request(method, chains, betas, seed, threads);
          const run::ConvLogZRun z = without_gil([&] { return run::conv_log_z(model, r, rows ? &*rows : nullptr); });
          return from_json(nlohmann::json(z));
        },
        py::arg("model"), py::arg("method") = "auto", py::arg("chains") = 100, py::arg("betas") = 0,
        py::arg("seed") = 0, py::arg("threads") = 0, py::arg("data") = py::none(),
        "log Z as `rgflow conv logz --json` reports it (dict)");

  m.def("conv_log_likelihood",
        [](const ConvRbm& model, const FloatArray& data, const std::string& method, int chains, int betas,
           std::uint64_t seed, int threads, std::optional<double> coupling) {
          run::ConvData d;
          d.rows = to_matrix(data, "X");
          d.lattice = model.shape().lattice;
          d.coupling = coupling;
          d.source = "X";
          const run::ConvLogZRequest r = log_z_request(method, chains, betas, seed, threads);
          const run::ConvLogLikelihoodRun ll = without_gil([&] { return run::conv_log_likelihood(model, d, r); });
          return from_json(nlohmann::json(ll));
        },
        py::arg("model"), py::arg("X"), py::arg("method") = "auto", py::arg("chains") = 100, py::arg("betas") = 0,
        py::arg("seed") = 0, py::arg("threads") = 0, py::arg("coupling") = py::none(),
        "Mean log-likelihood per spin as `rgflow conv loglik --json` reports it (dict); with the Ising "
        "coupling K of the data, also the paired KL to the exact Ising model");

  m.def("conv_sample",
        [](const ConvRbm& model, Index n, int sweeps, std::uint64_t seed) {
          conv::ConvSampleOptions o;
          o.samples = n;
          o.sweeps = sweeps;
          o.seed = seed;
          o.stop = python_stop_poll();
          return from_matrix(without_gil([&] { return conv::sample_visible_states(model, o); }));
        },
        py::arg("model"), py::arg("n"), py::arg("sweeps") = 1000, py::arg("seed") = 0,
        "[n, L*L] samples of independent Gibbs chains (conv sample's computation)");

  m.def("conv_hidden_lattice",
        [](const ConvRbm& model, const FloatArray& data, Index channel, bool mean, std::uint64_t seed) {
          const MatrixF rows = to_matrix(data, "X");
          model.check_visible_data(rows, "X");
          conv::HiddenLatticeOptions o;
          o.channel = channel;
          o.sample = !mean;
          o.seed = seed;
          return from_matrix(without_gil([&] { return conv::hidden_lattice(model, rows, o); }));
        },
        py::arg("model"), py::arg("X"), py::arg("channel") = 0, py::arg("mean") = false, py::arg("seed") = 0,
        "[N, M*M]: one channel's hidden lattice of every row (conv transform's computation)");
}

}  // namespace rgflow::python
