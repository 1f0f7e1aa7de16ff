// Self-organised criticality: the BTW sandpile (runs, exact checks, stationary samples, power-law
// fits) and the LPPL fitter. Results are the same JSON objects as the CLI's (as dicts); long
// computations release the GIL and stop on Ctrl-C (KeyboardInterrupt).
#include "common.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/lppl/lppl.hpp"
#include "rgflow/soc/exact.hpp"
#include "rgflow/soc/fss.hpp"
#include "rgflow/soc/powerlaw.hpp"
#include "rgflow/soc/recurrent.hpp"
#include "rgflow/soc/report.hpp"
#include "rgflow/soc/rg.hpp"
#include "rgflow/soc/run.hpp"
#include "rgflow/soc/sandpile.hpp"

namespace rgflow::python {

namespace {

using HeightArray = py::array_t<std::uint8_t, py::array::c_style | py::array::forcecast>;
using IntArray = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;

// An [L, L] height array as (L, heights).
std::pair<int, std::vector<std::uint8_t>> square(const HeightArray& z) {
  if (z.ndim() != 2 || z.shape(0) != z.shape(1)) throw py::value_error("heights: expected an [L, L] array");
  const auto n = static_cast<std::size_t>(z.shape(0) * z.shape(1));
  return {static_cast<int>(z.shape(0)), std::vector<std::uint8_t>(z.data(), z.data() + n)};
}

py::array_t<std::uint8_t> as_square(std::vector<std::uint8_t>&& z, int L) {
  return from_std_vector(std::move(z), {L, L});
}

// (new heights, avalanche) after relaxing z as given (site < 0) or after adding a grain at `site`
// of the stable configuration z.
py::tuple relax_from(const HeightArray& z, std::int64_t site) {
  const auto [L, h] = square(z);
  soc::Sandpile pile(L);
  pile.set_heights(h);
  soc::Avalanche a;
  if (site < 0) {
    a = pile.relax();
  } else {
    if (site >= std::int64_t{L} * L) throw py::value_error("site outside the lattice");
    if (!pile.stable()) throw py::value_error("heights: not a stable configuration");
    a = pile.add_grain(static_cast<std::int32_t>(site));
  }
  return py::make_tuple(as_square(pile.heights(), L),
                        from_json({{"size", a.size}, {"area", a.area}, {"duration", a.duration}, {"radius", a.radius}}));
}

}  // namespace

void bind_soc(py::module_& m) {
  m.def("sandpile_run",
        [](int L, std::int64_t grains, int lattices, const std::string& start, std::int64_t transient,
           std::int64_t measure_every, std::uint64_t seed, bool fits, int bootstrap, bool raw, bool records) {
          const soc::RunConfig c{.L = L, .grains = grains, .lattices = lattices, .start = soc::parse_start(start),
                                 .transient = transient, .measure_every = measure_every, .seed = seed,
                                 .keep_avalanches = true};
          c.validate();
          soc::SummaryOptions so;
          so.fits = fits;
          so.bootstrap = bootstrap;
          so.raw = raw;
          soc::RunResult r = without_gil([&] { return soc::run(c, {}, python_stop_poll()); });
          const nlohmann::json j = without_gil([&] { return soc::run_json(r, so); });
          py::dict d = from_json(j);
          if (records) {
            const auto n = static_cast<py::ssize_t>(r.records.size());
            std::vector<std::int64_t> size, area, duration;
            std::vector<double> radius;
            for (const auto& a : r.records) {
              size.push_back(a.size);
              area.push_back(a.area);
              duration.push_back(a.duration);
              radius.push_back(a.radius);
            }
            py::dict rec;
            rec["size"] = from_std_vector(std::move(size), {n});
            rec["area"] = from_std_vector(std::move(area), {n});
            rec["duration"] = from_std_vector(std::move(duration), {n});
            rec["radius"] = from_std_vector(std::move(radius), {n});
            d["records"] = rec;
          }
          return d;
        },
        py::arg("L"), py::arg("grains"), py::arg("lattices") = 4, py::arg("start") = "stationary",
        py::arg("transient") = -1, py::arg("measure_every") = 0, py::arg("seed") = 0, py::arg("fits") = true,
        py::arg("bootstrap") = 200, py::arg("raw") = false, py::arg("records") = false,
        "Driven BTW sandpile run (soc/run.hpp); the dict of `rgflow sandpile run --json`");
  m.def("sandpile_stats",
        [](const py::list& runs, const std::vector<std::string>& sources, double q_min, double q_max, int order) {
          std::vector<soc::SizeData> data;
          for (std::size_t k = 0; k < sources.size(); ++k) {
            data.push_back(soc::size_data_from_json(to_json(runs[k]), sources[k]));
          }
          return from_json(soc::fss_json(data, soc::fss_study(data, q_min, q_max, order)));
        },
        py::arg("runs"), py::arg("sources"), py::arg("q_min") = 1.0, py::arg("q_max") = 4.0, py::arg("order") = 2);

  m.def("sandpile_renormalize",
        [](int L, std::int64_t grains, const std::vector<int>& blocks, int lattices, int height_samples,
           std::int64_t tail_min, std::uint64_t seed) {
          const soc::RgConfig c{.L = L, .grains = grains, .lattices = lattices, .blocks = blocks,
                                .height_samples = height_samples, .tail_min = tail_min, .seed = seed};
          c.validate();
          return from_json(without_gil([&] { return soc::rg_json(soc::renormalize(c, {}, python_stop_poll())); }));
        },
        py::arg("L"), py::arg("grains"), py::arg("blocks"), py::arg("lattices") = 4, py::arg("height_samples") = 200,
        py::arg("tail_min") = 4, py::arg("seed") = 0, "Real-space RG view (soc/rg.hpp)");
  m.def("sandpile_enumerate",
        [](int L, const std::string& method) {
          if (method != "split" && method != "brute") throw py::value_error("method: 'split' or 'brute'");
          const auto e = without_gil([&] {
            return soc::enumerate_recurrent(L, method == "brute" ? soc::EnumerationMethod::brute : soc::EnumerationMethod::split,
                                            python_stop_poll());
          });
          py::dict d;
          d["count"] = e.count;
          d["height_sum"] = e.height_sum;
          d["burning_tests"] = e.burning_tests;
          return d;
        },
        py::arg("L"), py::arg("method") = "split");
  m.def("sandpile_determinant", &soc::toppling_determinant, py::arg("L"));
  m.def("sandpile_log_determinant", &soc::log_toppling_determinant, py::arg("L"));
  m.def("sandpile_mean_size_exact", &soc::mean_avalanche_size, py::arg("L"));
  m.def("sandpile_infinite_lattice_probabilities", &soc::infinite_lattice_height_probabilities);
  m.def("sandpile_stationary_sample",
        [](int L, std::uint64_t seed, std::uint64_t stream) {
          Rng rng(seed, stream);
          return as_square(without_gil([&] { return soc::sample_recurrent(L, rng); }), L);
        },
        py::arg("L"), py::arg("seed") = 0, py::arg("stream") = 0);
  m.def("sandpile_is_recurrent",
        [](const HeightArray& z) {
          const auto [L, h] = square(z);
          return soc::is_recurrent(L, h);
        },
        py::arg("heights"));
  m.def("sandpile_relax", [](const HeightArray& z) { return relax_from(z, -1); }, py::arg("heights"));
  m.def("sandpile_add_grain", [](const HeightArray& z, std::int64_t site) { return relax_from(z, site); },
        py::arg("heights"), py::arg("site"));
  m.def("fit_power_law",
        [](const IntArray& x, std::int64_t x_min, std::int64_t x_max, int bootstrap, std::int64_t block, double level,
           std::uint64_t seed) {
          if (x.ndim() != 1) throw py::value_error("samples: expected a 1-D array");
          const soc::PowerLawOptions o{.x_min = x_min, .x_max = x_max, .bootstrap = bootstrap, .block = block,
                                       .level = level, .seed = seed};
          const std::span<const std::int64_t> s(x.data(), static_cast<std::size_t>(x.shape(0)));
          return from_json(soc::power_law_json(without_gil([&] { return soc::fit_power_law(s, o); })));
        },
        py::arg("samples"), py::arg("x_min") = 0, py::arg("x_max") = -1, py::arg("bootstrap") = 200,
        py::arg("block") = 1, py::arg("level") = 0.95, py::arg("seed") = 0,
        "Discrete power law with cutoff by maximum likelihood (soc/powerlaw.hpp)");

  m.def("lppl_fit",
        [](const DoubleArray& t, const DoubleArray& y, double tc_min, double tc_max, double m_min, double m_max,
           double omega_min, double omega_max, int starts, int bootstrap, int bootstrap_starts, double level,
           std::uint64_t seed) {
          if (t.ndim() != 1 || y.ndim() != 1) throw py::value_error("t and y: expected 1-D arrays");
          lppl::Series s;
          s.source = "series";
          s.t.assign(t.data(), t.data() + t.shape(0));
          s.y.assign(y.data(), y.data() + y.shape(0));
          const auto o = lppl::FitOptions::make({tc_min, tc_max, m_min, m_max, omega_min, omega_max}, starts,
                                                bootstrap, bootstrap_starts, level, seed);
          o.validate();
          lppl::check_series(s, "series");
          const lppl::FitResult r = without_gil([&] { return lppl::fit(s, o, python_stop_poll()); });
          py::dict d = from_json(lppl::fit_json(r, o, s.t.size()));
          return d;
        },
        py::arg("t"), py::arg("y"), py::arg("tc_min") = 0.0, py::arg("tc_max") = 0.5, py::arg("m_min") = 0.01,
        py::arg("m_max") = 1.2, py::arg("omega_min") = 2.0, py::arg("omega_max") = 25.0, py::arg("starts") = 24,
        py::arg("bootstrap") = 200, py::arg("bootstrap_starts") = 6, py::arg("level") = 0.95, py::arg("seed") = 0,
        "LPPL fit (lppl/lppl.hpp); the dict of `rgflow lppl fit --json`");
  m.def("lppl_evaluate",
        [](const DoubleArray& t, double tc, double mm, double omega, double A, double B, double C, double phi) {
          const auto p = lppl::Parameters::from_phase(tc, mm, omega, A, B, C, phi);
          std::vector<double> out(static_cast<std::size_t>(t.size()));
          for (py::ssize_t i = 0; i < t.size(); ++i) out[static_cast<std::size_t>(i)] = lppl::evaluate(p, t.data()[i]);
          return from_std_vector(std::move(out), {t.size()});
        },
        py::arg("t"), py::arg("tc"), py::arg("m"), py::arg("omega"), py::arg("A"), py::arg("B"), py::arg("C"),
        py::arg("phi"));
}

}  // namespace rgflow::python
