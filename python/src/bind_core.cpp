// Random streams and estimates ({mean, error} results).
#include <fmt/format.h>

#include "common.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/rbm/units.hpp"

namespace rgflow::python {

void bind_core(py::module_& m) {
  py::class_<Rng>(m, "Rng",
                  "Counter-based Philox stream (seed, stream): draw n is a pure function of "
                  "(seed, stream, n). Functions that sample take one and advance it.")
      .def(py::init<std::uint64_t, std::uint64_t>(), py::arg("seed") = 0, py::arg("stream") = 0)
      .def_property_readonly("seed", [](const Rng& r) { return r.state().seed; }, "The seed of the stream")
      .def_property_readonly("stream", [](const Rng& r) { return r.state().stream; }, "The stream id")
      .def_property_readonly("state",
                             [](const Rng& r) {
                               const RngState& s = r.state();
                               return py::make_tuple(s.seed, s.stream, s.counter, s.index);
                             },
                             "(seed, stream, counter, index): the position in the stream")
      .def("uniform", &Rng::uniform, "Uniform float in [0, 1) (24 random bits)")
      .def("below", &Rng::below, py::arg("n"), "Unbiased integer in [0, n)")
      .def("substream", &Rng::substream, py::arg("stream"))
      .def("__repr__",
           [](const Rng& r) {
             const RngState& s = r.state();
             return fmt::format("Rng(seed={}, stream={}, counter={}, index={})", s.seed, s.stream,
                                s.counter, s.index);
           })
      .def(py::pickle(
          [](const Rng& r) {
            const RngState& s = r.state();
            return py::make_tuple(s.seed, s.stream, s.counter, s.index);
          },
          [](const py::tuple& t) {
            RngState s;
            s.seed = t[0].cast<std::uint64_t>();
            s.stream = t[1].cast<std::uint64_t>();
            s.counter = t[2].cast<std::uint64_t>();
            s.index = t[3].cast<std::uint32_t>();
            return Rng::from_state(s);
          }));

  py::class_<stats::Result>(m, "Result",
                            "An estimate: mean, error (one standard error; 0 for exact values), "
                            "tau_int (integrated autocorrelation time, 0.5: independent samples), "
                            "n (samples behind it; 0 for exact values)")
      .def(py::init([](double mean, double error, double tau_int, std::int64_t n) {
             return stats::Result{mean, error, tau_int, n};
           }),
           py::arg("mean"), py::arg("error") = 0.0, py::arg("tau_int") = 0.5, py::arg("n") = 0)
      .def_readonly("mean", &stats::Result::mean, "The estimate")
      .def_readonly("error", &stats::Result::error, "Its standard error (0 for exact values)")
      .def_readonly("tau_int", &stats::Result::tau_int, "Integrated autocorrelation time of the series (0.5: independent)")
      .def_readonly("n", &stats::Result::n, "Number of measurements")
      .def("__float__", [](const stats::Result& r) { return r.mean; })
      .def("__getitem__",
           [](const stats::Result& r, const std::string& key) -> py::object {
             if (key == "mean") return py::float_(r.mean);
             if (key == "error") return py::float_(r.error);
             if (key == "tau_int") return py::float_(r.tau_int);
             if (key == "n") return py::int_(r.n);
             throw py::key_error(key);
           })
      .def("to_dict",
           [](const stats::Result& r) {
             py::dict d;
             d["mean"] = r.mean;
             d["error"] = r.error;
             d["tau_int"] = r.tau_int;
             d["n"] = r.n;
             return d;
           })
      .def("__repr__",
           [](const stats::Result& r) {
             return r.error == 0.0 ? fmt::format("Result({:.10g}, exact)", r.mean)
                                   : fmt::format("Result({:.10g} ± {:.3g}, tau_int={:.3g}, n={})",
                                                 r.mean, r.error, r.tau_int, r.n);
           })
      .def(py::pickle(
          [](const stats::Result& r) { return py::make_tuple(r.mean, r.error, r.tau_int, r.n); },
          [](const py::tuple& t) {
            return stats::Result{t[0].cast<double>(), t[1].cast<double>(), t[2].cast<double>(),
                                 t[3].cast<std::int64_t>()};
          }));

}

}  // namespace rgflow::python
