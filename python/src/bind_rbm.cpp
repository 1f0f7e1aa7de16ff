// rgflow::Rbm: parameters as NumPy views of the C++ storage, conditionals, free energies, Gibbs
// sampling (GIL released, Ctrl-C checked between Gibbs steps), pickling.
#include <optional>

#include "common.hpp"
#include "rgflow/sample/chains.hpp"
#include "rgflow/rbm/rbm.hpp"

namespace rgflow::python {

namespace {

std::string type_name(UnitType t) { return std::string(to_string(t)); }

Rbm make_rbm(const FloatArray& weights, const FloatArray& visible_bias,
             const FloatArray& hidden_bias, const std::string& visible_type,
             const std::string& hidden_type, const std::optional<FloatArray>& visible_sigma,
             bool learn_sigma, const std::optional<FloatArray>& mask) {
  const MatrixF w = to_matrix(weights, "weights");
  Rbm rbm(w.rows(), w.cols(), parse_unit_type(visible_type), parse_unit_type(hidden_type));
  rbm.weights() = w;
  rbm.visible_bias() = to_vector_f(visible_bias, "visible_bias");
  rbm.hidden_bias() = to_vector_f(hidden_bias, "hidden_bias");
  if (visible_sigma && visible_sigma->size() > 0) rbm.visible_sigma() = to_vector_f(*visible_sigma, "visible_sigma");
  rbm.set_learn_sigma(learn_sigma);
  if (mask && mask->size() > 0) rbm.set_mask(to_matrix(*mask, "mask"));
  rbm.validate();
  return rbm;
}

// A writable view of a vector member; `owner` (the Python Rbm) keeps the storage alive.
py::array_t<float> vector_view(VectorF& v, py::handle owner) {
  return py::array_t<float>({static_cast<py::ssize_t>(v.size())}, {static_cast<py::ssize_t>(sizeof(float))},
                            v.data(), owner);
}

void check_columns(const MatrixF& x, Index expected, const char* what) {
  if (x.cols() != expected) {
    throw py::value_error(std::string(what) + " has " + std::to_string(x.cols()) +
                          " columns but the model expects " + std::to_string(expected));
  }
}

// `steps` rounds of block Gibbs v -> h -> v, one Rbm::gibbs call per round (the same draws as
// one call with all rounds), checking for Ctrl-C in between.
void gibbs_interruptible(const Rbm& rbm, MatrixF& v, MatrixF& h, std::int64_t steps, Rng& rng) {
  SignalCheck check;
  for (std::int64_t k = 0; k < steps; ++k) {
    rbm.gibbs(v, h, 1, rng);
    check();
  }
}

}  // namespace

void bind_rbm(py::module_& m) {
  py::class_<Rbm>(m, "Rbm",
                  "Restricted Boltzmann machine E(v,h) = -a.v - b.h - v.W.h with run-time unit "
                  "types; W is [n_visible, n_hidden] float32 (rbm/rbm.hpp).")
      .def(py::init([](Index n_visible, Index n_hidden, const std::string& visible_type,
                       const std::string& hidden_type) {
             if (n_visible < 1 || n_hidden < 1) throw py::value_error("an RBM needs at least one unit per layer");
             return Rbm(n_visible, n_hidden, parse_unit_type(visible_type), parse_unit_type(hidden_type));
           }),
           py::arg("n_visible"), py::arg("n_hidden"), py::arg("visible_type") = "bernoulli",
           py::arg("hidden_type") = "bernoulli")
      .def_static("from_parameters", &make_rbm, py::arg("weights"), py::arg("visible_bias"),
                  py::arg("hidden_bias"), py::arg("visible_type") = "bernoulli",
                  py::arg("hidden_type") = "bernoulli", py::arg("visible_sigma") = py::none(),
                  py::arg("learn_sigma") = false, py::arg("mask") = py::none(),
                  "An RBM with copies of the given parameters (weights [n_visible, n_hidden]).")
      .def_property_readonly("n_visible", &Rbm::n_visible, "Number of visible units")
      .def_property_readonly("n_hidden", &Rbm::n_hidden, "Number of hidden units")
      .def_property_readonly("visible_type", [](const Rbm& r) { return type_name(r.visible_type()); },
                             "'bernoulli', 'spin' or 'gaussian'")
      .def_property_readonly("hidden_type", [](const Rbm& r) { return type_name(r.hidden_type()); },
                             "'bernoulli' or 'spin'")
      .def_property(
          "weights",
          [](py::object self) {
            Rbm& r = self.cast<Rbm&>();
            MatrixF& w = r.weights();
            return py::array_t<float>({static_cast<py::ssize_t>(w.rows()), static_cast<py::ssize_t>(w.cols())},
                                      {static_cast<py::ssize_t>(sizeof(float) * w.cols()),
                                       static_cast<py::ssize_t>(sizeof(float))},
                                      w.data(), self);
          },
          [](Rbm& r, const FloatArray& w) {
            MatrixF x = to_matrix(w, "weights");
            if (x.rows() != r.n_visible() || x.cols() != r.n_hidden()) throw py::value_error("weights: wrong shape");
            r.weights() = std::move(x);
          },
          "W [n_visible, n_hidden], a writable view of the model's float32 storage")
      .def_property(
          "visible_bias", [](py::object self) { return vector_view(self.cast<Rbm&>().visible_bias(), self); },
          [](Rbm& r, const FloatArray& a) {
            VectorF x = to_vector_f(a, "visible_bias");
            if (x.size() != r.n_visible()) throw py::value_error("visible_bias: wrong length");
            r.visible_bias() = std::move(x);
          },
          "Visible biases [n_visible], a writable view (assigning replaces the storage)")
      .def_property(
          "hidden_bias", [](py::object self) { return vector_view(self.cast<Rbm&>().hidden_bias(), self); },
          [](Rbm& r, const FloatArray& b) {
            VectorF x = to_vector_f(b, "hidden_bias");
            if (x.size() != r.n_hidden()) throw py::value_error("hidden_bias: wrong length");
            r.hidden_bias() = std::move(x);
          },
          "Hidden biases [n_hidden], a writable view (assigning replaces the storage)")
      .def_property(
          "visible_sigma", [](py::object self) { return vector_view(self.cast<Rbm&>().visible_sigma(), self); },
          [](Rbm& r, const FloatArray& a) {
            VectorF x = to_vector_f(a, "visible_sigma");
            if (x.size() != r.n_visible()) throw py::value_error("visible_sigma: wrong length");
            r.visible_sigma() = std::move(x);
          },
          "sigma_i of Gaussian visible units (a view; ones and unused for binary units)")
      .def_property("learn_sigma", &Rbm::learn_sigma, &Rbm::set_learn_sigma,
                    "Whether training updates sigma (Gaussian visible units)")
      .def_property(
          "mask",
          [](const Rbm& r) -> py::object {
            if (!r.has_mask()) return py::none();
            MatrixF copy = r.mask();
            return from_matrix(std::move(copy));
          },
          [](Rbm& r, const std::optional<FloatArray>& mask) {
            r.set_mask(mask ? to_matrix(*mask, "mask") : MatrixF());
          },
          "0/1 connectivity mask [n_visible, n_hidden] of a locally connected RBM, or None")
      .def("initialize",
           [](Rbm& r, Rng& rng, std::optional<FloatArray> data, float weight_std) {
             std::optional<MatrixF> d;
             if (data) d = to_matrix(*data, "data");
             r.initialize(rng, d ? &*d : nullptr, weight_std);
           },
           py::arg("rng"), py::arg("data") = py::none(), py::arg("weight_std") = 0.01f,
           "Hinton (2010) section 8 initialisation")
      .def("validate", &Rbm::validate)
      .def("check_visible_data",
           [](const Rbm& r, const FloatArray& x, const std::string& source) {
             r.check_visible_data(to_matrix(x, "data"), source);
           },
           py::arg("data"), py::arg("source") = "data",
           "Raises FileError naming the first value that is not a visible state")
      .def("energy",
           [](const Rbm& r, const FloatArray& v, const FloatArray& h) {
             return r.energy(to_vector_f(v, "v"), to_vector_f(h, "h"));
           },
           py::arg("v"), py::arg("h"))
      .def("free_energy_visible",
           [](const Rbm& r, const FloatArray& x) {
             MatrixF v = to_matrix(x, "V");
             check_columns(v, r.n_visible(), "V");
             return from_vector(without_gil([&] { return r.free_energy_visible(v); }));
           },
           py::arg("V"), "F(v) per row (float64)")
      .def("free_energy_hidden",
           [](const Rbm& r, const FloatArray& x) {
             MatrixF h = to_matrix(x, "H");
             check_columns(h, r.n_hidden(), "H");
             return from_vector(without_gil([&] { return r.free_energy_hidden(h); }));
           },
           py::arg("H"), "F(h) per row (float64)")
      .def("hidden_mean",
           [](const Rbm& r, const FloatArray& x) {
             MatrixF v = to_matrix(x, "V");
             check_columns(v, r.n_visible(), "V");
             return from_matrix(without_gil([&] {
               MatrixF out;
               r.hidden_mean(v, out);
               return out;
             }));
           },
           py::arg("V"), "E[h|v] per row")
      .def("visible_mean",
           [](const Rbm& r, const FloatArray& x) {
             MatrixF h = to_matrix(x, "H");
             check_columns(h, r.n_hidden(), "H");
             return from_matrix(without_gil([&] {
               MatrixF out;
               r.visible_mean(h, out);
               return out;
             }));
           },
           py::arg("H"), "E[v|h] per row")
      .def("sample_hidden",
           [](const Rbm& r, const FloatArray& x, Rng& rng) {
             MatrixF v = to_matrix(x, "V");
             check_columns(v, r.n_visible(), "V");
             return from_matrix(without_gil([&] {
               MatrixF out;
               r.sample_hidden(v, out, rng);
               return out;
             }));
           },
           py::arg("V"), py::arg("rng"), "h ~ p(h|v) per row")
      .def("sample_visible",
           [](const Rbm& r, const FloatArray& x, Rng& rng) {
             MatrixF h = to_matrix(x, "H");
             check_columns(h, r.n_hidden(), "H");
             return from_matrix(without_gil([&] {
               MatrixF out;
               r.sample_visible(h, out, rng);
               return out;
             }));
           },
           py::arg("H"), py::arg("rng"), "v ~ p(v|h) per row")
      .def("gibbs",
           [](const Rbm& r, const FloatArray& x, std::int64_t steps, Rng& rng) {
             if (steps < 0) throw py::value_error("steps must be >= 0");
             MatrixF v = to_matrix(x, "V");
             check_columns(v, r.n_visible(), "V");
             MatrixF h;
             without_gil([&] { gibbs_interruptible(r, v, h, steps, rng); });
             return py::make_tuple(from_matrix(std::move(v)), from_matrix(std::move(h)));
           },
           py::arg("V"), py::arg("steps"), py::arg("rng"),
           "`steps` rounds of block Gibbs v -> h -> v from the rows of V; returns (V, H)")
      .def("sample",
           [](const Rbm& r, Index n, std::int64_t gibbs_steps, std::uint64_t seed,
              const std::string& method, int replicas, double beta_min) {
             // The sampler of `rgflow rbm sample` (sample/chains.hpp): the same draws.
             sample::ChainOptions o;
             o.samples = n;
             o.gibbs_steps = gibbs_steps;
             o.seed = seed;
             o.method = sample::parse_chain_method(method);
             o.replicas = replicas;
             o.beta_min = beta_min;
             o.stop = python_stop_poll();
             return from_matrix(without_gil([&] { return sample::sample_chains(r, o).visible; }));
           },
           py::arg("n_samples"), py::arg("gibbs_steps"), py::arg("seed") = 0,
           py::arg("method") = "gibbs", py::arg("replicas") = 10, py::arg("beta_min") = 0.1,
           "n independent chains from random visible states, `gibbs_steps` rounds (or PT steps) "
           "each; bit-identical to `rgflow rbm sample --seed SEED --method METHOD`")
      .def("copy", [](const Rbm& r) { return Rbm(r); })
      .def("__copy__", [](const Rbm& r) { return Rbm(r); })
      .def("__deepcopy__", [](const Rbm& r, py::dict) { return Rbm(r); }, py::arg("memo"))
      .def("__repr__",
           [](const Rbm& r) {
             return "Rbm(n_visible=" + std::to_string(r.n_visible()) +
                    ", n_hidden=" + std::to_string(r.n_hidden()) + ", visible_type='" +
                    type_name(r.visible_type()) + "', hidden_type='" + type_name(r.hidden_type()) + "')";
           })
      .def(py::pickle(
          [](const Rbm& r) {
            MatrixF w = r.weights();
            VectorF a = r.visible_bias();
            VectorF b = r.hidden_bias();
            VectorF sigma = r.visible_sigma();
            MatrixF mask = r.mask();
            return py::make_tuple(from_matrix(std::move(w)), from_vector(std::move(a)),
                                  from_vector(std::move(b)), type_name(r.visible_type()),
                                  type_name(r.hidden_type()), from_vector(std::move(sigma)),
                                  r.learn_sigma(), from_matrix(std::move(mask)));
          },
          [](const py::tuple& t) {
            return make_rbm(t[0].cast<FloatArray>(), t[1].cast<FloatArray>(), t[2].cast<FloatArray>(),
                            t[3].cast<std::string>(), t[4].cast<std::string>(),
                            t[5].cast<FloatArray>(), t[6].cast<bool>(), t[7].cast<FloatArray>());
          }));
}

}  // namespace rgflow::python
