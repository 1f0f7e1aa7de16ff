// Tied-weight autoencoders (include/rgflow/autoencoder/): training, the flow map, the batch
// gradient (float64, for comparisons with other implementations), files.
#include "common.hpp"
#include "rgflow/autoencoder/autoencoder.hpp"
#include "rgflow/autoencoder/file.hpp"

namespace rgflow::python {

namespace {

using autoencoder::Autoencoder;

autoencoder::Mat<double> to_mat_d(const DoubleArray& a, const char* what) {
  if (a.ndim() != 2) throw py::value_error(std::string(what) + ": expected a 2-D array");
  autoencoder::Mat<double> m(a.shape(0), a.shape(1));
  if (m.size() > 0) std::memcpy(m.data(), a.data(), sizeof(double) * static_cast<std::size_t>(m.size()));
  return m;
}

autoencoder::Vec<double> to_vec_d(const DoubleArray& a, const char* what) {
  if (a.ndim() != 1) throw py::value_error(std::string(what) + ": expected a 1-D array");
  autoencoder::Vec<double> v(a.shape(0));
  if (v.size() > 0) std::memcpy(v.data(), a.data(), sizeof(double) * static_cast<std::size_t>(v.size()));
  return v;
}

}  // namespace

void bind_autoencoder(py::module_& m) {
  py::class_<Autoencoder>(m, "Autoencoder", "A stack of tied-weight sigmoid autoencoder layers (docs/autoencoder.md)")
      .def_property_readonly("n_layers", [](const Autoencoder& a) { return a.layers.size(); })
      .def("layer",
           [](const Autoencoder& a, std::size_t l) {
             if (l >= a.layers.size()) throw py::index_error("no such layer");
             const autoencoder::Layer& L = a.layers[l];
             return py::make_tuple(from_matrix(MatrixF(L.weights)), from_vector(VectorF(L.hidden_bias)),
                                   from_vector(VectorF(L.visible_bias)));
           },
           py::arg("index"), "(weights [n_in, n_out], hidden_bias, visible_bias) of a layer (copies)")
      .def("encode", [](const Autoencoder& a, const FloatArray& x) { return from_matrix(a.encode(to_matrix(x, "X"))); })
      .def("decode", [](const Autoencoder& a, const FloatArray& h) { return from_matrix(a.decode(to_matrix(h, "H"))); })
      .def("reconstruct", [](const Autoencoder& a, const FloatArray& x) { return from_matrix(a.reconstruct(to_matrix(x, "X"))); })
      .def("reconstruction_loss",
           [](const Autoencoder& a, const FloatArray& x) { return autoencoder::reconstruction_loss(a, to_matrix(x, "X")); });

  m.def("train_autoencoder",
        [](const FloatArray& x, const std::vector<Index>& hidden, double corruption, double contraction, int epochs,
           Index batch_size, double learning_rate, double momentum, std::uint64_t seed, int threads) {
          const MatrixF X = to_matrix(x, "X");
          autoencoder::TrainOptions o;
          o.hidden = hidden;
          o.corruption = corruption;
          o.contraction = contraction;
          o.epochs = epochs;
          o.batch_size = batch_size;
          o.learning_rate = learning_rate;
          o.momentum = momentum;
          o.seed = seed;
          o.threads = threads;
          std::vector<autoencoder::EpochLog> log;
          Autoencoder ae = without_gil([&] {
            return autoencoder::train(X, o, [&](const autoencoder::EpochLog& e) { log.push_back(e); }, python_stop_poll());
          });
          py::list history;
          for (const auto& e : log) {
            py::dict d;
            d["layer"] = e.layer;
            d["epoch"] = e.epoch;
            d["loss"] = e.loss;
            d["penalty"] = e.penalty;
            history.append(d);
          }
          return py::make_tuple(std::move(ae), history);
        },
        py::arg("X"), py::arg("hidden"), py::arg("corruption") = 0.0, py::arg("contraction") = 0.0,
        py::arg("epochs") = 10, py::arg("batch_size") = 100, py::arg("learning_rate") = 0.1,
        py::arg("momentum") = 0.0, py::arg("seed") = 0, py::arg("threads") = 0);

  m.def("autoencoder_batch_gradient",
        [](const DoubleArray& w, const DoubleArray& b, const DoubleArray& c, const DoubleArray& clean,
           const DoubleArray& input, double contraction) {
          autoencoder::TiedLayer<double> L{to_mat_d(w, "weights"), to_vec_d(b, "hidden_bias"), to_vec_d(c, "visible_bias")};
          if (L.hidden_bias.size() != L.n_out() || L.visible_bias.size() != L.n_in()) {
            throw py::value_error("bias lengths must match the weights' shape");
          }
          autoencoder::BatchGradient<double> g =
              autoencoder::batch_gradient(L, to_mat_d(clean, "clean"), to_mat_d(input, "input"), contraction);
          py::dict d;
          d["weights"] = from_matrix(MatrixD(g.weights));
          d["hidden_bias"] = from_vector(VectorD(g.hidden_bias));
          d["visible_bias"] = from_vector(VectorD(g.visible_bias));
          d["loss"] = g.loss;
          d["penalty"] = g.penalty;
          return d;
        },
        py::arg("weights"), py::arg("hidden_bias"), py::arg("visible_bias"), py::arg("clean"), py::arg("input"),
        py::arg("contraction") = 0.0,
        "Mean loss, penalty and gradient of one tied layer on a batch, in float64");

  m.def("save_autoencoder",
        [](const std::string& path, const Autoencoder& a, const std::map<std::string, std::string>& attrs) {
          without_gil([&] { autoencoder::save_model(path, a, attrs); });
        },
        py::arg("path"), py::arg("model"), py::arg("attributes") = std::map<std::string, std::string>{});
  m.def("load_autoencoder", [](const std::string& path) {
    std::map<std::string, std::string> attrs;
    Autoencoder a = without_gil([&] { return autoencoder::load_model(path, &attrs); });
    return py::make_tuple(std::move(a), attrs);
  });
}

}  // namespace rgflow::python
