// 2D Ising Monte Carlo, exact references, block-spin transforms, MCRG and time-series statistics.
// Sampling releases the GIL and polls for Ctrl-C (KeyboardInterrupt within ~50 ms).
#include <omp.h>

#include "common.hpp"
#include "rgflow/ising/exact.hpp"
#include "rgflow/ising/lattice.hpp"
#include "rgflow/ising/observables.hpp"
#include "rgflow/ising/sampler.hpp"
#include "rgflow/rg/block_spin.hpp"
#include "rgflow/rg/mcrg.hpp"
#include "rgflow/run/ising.hpp"
#include "rgflow/stats/series.hpp"

namespace rgflow::python {

namespace {

using SpinArray = py::array_t<std::int8_t, py::array::c_style | py::array::forcecast>;

py::dict exact_dict(const ising::ExactFinite& e) {
  py::dict d;
  d["log_z"] = e.log_z;
  d["energy_per_spin"] = e.energy_per_spin;
  d["specific_heat"] = e.specific_heat;
  return d;
}

// [n, L, L] (or [L, L]) spins as (pointer, n, L).
std::tuple<const std::int8_t*, std::int64_t, int> lattice_batch(const SpinArray& s) {
  if (s.ndim() == 2 && s.shape(0) == s.shape(1)) return {s.data(), 1, static_cast<int>(s.shape(0))};
  if (s.ndim() == 3 && s.shape(1) == s.shape(2)) {
    return {s.data(), static_cast<std::int64_t>(s.shape(0)), static_cast<int>(s.shape(1))};
  }
  throw py::value_error("spins: expected an array [n, L, L] or [L, L]");
}

// The calling thread's OpenMP team size for one call (threads <= 0: unchanged), restored after.
class ScopedThreads {
 public:
  explicit ScopedThreads(int threads) : previous_(omp_get_max_threads()) {
    if (threads > 0) omp_set_num_threads(threads);
  }
  ~ScopedThreads() { omp_set_num_threads(previous_); }
  ScopedThreads(const ScopedThreads&) = delete;
  ScopedThreads& operator=(const ScopedThreads&) = delete;

 private:
  int previous_;
};

std::span<const double> series(const DoubleArray& a) {
  if (a.ndim() != 1) throw py::value_error("expected a 1-D series");
  return {a.data(), static_cast<std::size_t>(a.shape(0))};
}

py::dict observables_dict(const ising::Observables& o) {
  py::dict d;
  d["energy_per_spin"] = o.energy_per_spin;
  d["specific_heat_per_spin"] = o.specific_heat_per_spin;
  d["abs_magnetization"] = o.abs_magnetization;
  d["susceptibility"] = o.susceptibility;
  d["binder"] = o.binder;
  d["tau_int"] = o.tau_int;
  return d;
}

}  // namespace

void bind_ising(py::module_& m) {
  m.def("critical_temperature", &ising::critical_temperature);
  m.def("critical_coupling", &ising::critical_coupling);
  m.def("kaufman", [](int L, double K) { return exact_dict(ising::kaufman(L, K)); }, py::arg("L"), py::arg("K"),
        "Kaufman's exact log Z, energy and specific heat per spin of the periodic LxL lattice");
  m.def("enumerate_exact",
        [](int L, double K) { return exact_dict(without_gil([&] { return ising::enumerate(L, K); })); },
        py::arg("L"), py::arg("K"), "The same by enumerating all 2^(L^2) states (L <= 5)");
  m.def("density_of_states",
        [](int L) { return without_gil([&] { return ising::enumerate_density_of_states(L); }); },
        py::arg("L"));
  m.def("onsager_energy_per_spin", &ising::onsager_energy_per_spin, py::arg("K"));
  m.def("onsager_specific_heat", &ising::onsager_specific_heat, py::arg("K"));
  m.def("yang_magnetization", &ising::yang_magnetization, py::arg("K"));

  m.def("sample",
        [](int L, double temperature, const std::string& algorithm, std::int64_t samples, int chains,
           int sweeps_between, int thermalize, std::uint64_t seed, bool keep_spins, double coupling,
           double field, int threads) {
          run::IsingSampleRequest request;
          request.sizes = {L};
          request.temperatures = {temperature};
          request.coupling = coupling;
          request.field = field;
          request.algorithm = ising::parse_algorithm(algorithm);
          request.samples = samples;
          request.chains = chains;
          request.sweeps_between = sweeps_between;
          request.thermalize = thermalize;
          request.seed = seed;
          request.keep_spins = keep_spins;
          run::IsingSampleCallbacks callbacks;
          callbacks.stop = python_stop_poll();
          run::IsingSampleRun result = without_gil([&] {
            const ScopedThreads team(threads);  // chains over threads: the result does not change
            return run::sample_ising(request, callbacks);
          });
          run::IsingPoint& point = result.points.front();
          ising::RunResult& r = point.run;
          py::dict d;
          d["L"] = r.L;
          d["chains"] = r.chains;
          d["samples"] = r.samples;
          if (keep_spins) {
            d["spins"] = from_std_vector(std::move(r.spins), {static_cast<py::ssize_t>(r.samples), L, L});
          } else {
            d["spins"] = py::none();
          }
          const auto n = static_cast<py::ssize_t>(r.energy.size());
          d["energy"] = from_std_vector(std::move(r.energy), {n});
          d["magnetization"] = from_std_vector(std::move(r.magnetization), {n});
          d["json"] = from_json(nlohmann::json(result));
          return d;
        },
        py::arg("L"), py::arg("temperature"), py::arg("algorithm") = "metropolis",
        py::arg("samples") = 1000, py::arg("chains") = 0, py::arg("sweeps_between") = 1,
        py::arg("thermalize") = 1000, py::arg("seed") = 0, py::arg("keep_spins") = true,
        py::arg("coupling") = 1.0, py::arg("field") = 0.0, py::arg("threads") = 0,
        "Markov-chain samples and their observables (run/ising.hpp, as `rgflow ising sample`); "
        "chains interleaved time-major; 'json': the CLI's --json object. threads <= 0: OpenMP's "
        "default; the result does not depend on it");
  m.def("summarize",
        [](const DoubleArray& energy, const DoubleArray& magnetization, std::size_t chains, int L,
           double temperature) {
          return observables_dict(ising::summarize(series(energy), series(magnetization), chains, L, temperature));
        },
        py::arg("energy"), py::arg("magnetization"), py::arg("chains"), py::arg("L"), py::arg("temperature"));
  m.def("measure",
        [](const SpinArray& s, double coupling, double field) {
          const auto [p, n, L] = lattice_batch(s);
          std::vector<double> e(static_cast<std::size_t>(n)), mag(static_cast<std::size_t>(n));
          for (std::int64_t i = 0; i < n; ++i) {
            const auto r = ising::measure({p + i * L * L, static_cast<std::size_t>(L) * L}, L, coupling, field);
            e[static_cast<std::size_t>(i)] = r.energy;
            mag[static_cast<std::size_t>(i)] = r.magnetization;
          }
          const auto nn = static_cast<py::ssize_t>(n);
          return py::make_tuple(from_std_vector(std::move(e), {nn}), from_std_vector(std::move(mag), {nn}));
        },
        py::arg("spins"), py::arg("coupling") = 1.0, py::arg("field") = 0.0,
        "(energy per spin, magnetisation per spin) of each configuration");

  m.def("block_spins",
        [](const SpinArray& s, int b, const std::string& rule, std::uint64_t seed) {
          const auto [p, n, L] = lattice_batch(s);
          const rg::BlockRule r = rg::parse_block_rule(rule);
          if (b < 1 || L % b != 0) throw py::value_error("block: must divide L");
          std::vector<std::int8_t> out = without_gil([&] {
            return rg::block_spins_batch({p, static_cast<std::size_t>(n) * L * L}, n, L, b, r, seed);
          });
          const py::ssize_t l = L / b;
          return from_std_vector(std::move(out), {static_cast<py::ssize_t>(n), l, l});
        },
        py::arg("spins"), py::arg("block") = 2, py::arg("rule") = "majority", py::arg("seed") = 0,
        "Kadanoff block spins [n, L, L] -> [n, L/b, L/b]; sample i breaks ties with Rng(seed, i)");
  m.def("mcrg",
        [](const SpinArray& s, int block, int levels, int even, int odd, const std::string& rule,
           std::uint64_t seed, std::size_t chains) {
          const auto [p, n, L] = lattice_batch(s);
          run::IsingLattice lattice;  // configurations in memory, not from a file
          lattice.L = L;
          lattice.n = n;
          lattice.spins.assign(p, p + static_cast<std::size_t>(n) * L * L);
          lattice.dataset.source = "spins";
          run::IsingMcrgRequest request;
          rg::McrgOptions& o = request.options;
          o.block = block;
          o.levels = levels;
          o.even_operators = even;
          o.odd_operators = odd;
          o.rule = rg::parse_block_rule(rule);
          o.seed = seed;
          request.chains = static_cast<int>(chains);
          const auto steps = without_gil([&] { return run::mcrg_ising(lattice, request).steps; });
          py::list out;
          for (const auto& st : steps) {
            py::dict d;
            d["from_size"] = st.from_size;
            d["to_size"] = st.to_size;
            d["lambda_t"] = st.lambda_t;
            d["lambda_h"] = st.lambda_h;
            d["y_t"] = st.y_t;
            d["y_h"] = st.y_h;
            out.append(d);
          }
          return out;
        },
        py::arg("spins"), py::arg("block") = 2, py::arg("levels") = 3, py::arg("even_operators") = 3,
        py::arg("odd_operators") = 2, py::arg("rule") = "majority", py::arg("seed") = 0,
        py::arg("chains") = 1, "Swendsen's MCRG eigenvalues per blocking level (rg/mcrg.hpp)");

  m.def("autocorrelation_analysis",
        [](const DoubleArray& x, std::size_t chains) { return stats::autocorrelation_analysis(series(x), chains); },
        py::arg("x"), py::arg("chains") = 1);
  m.def("binning_analysis",
        [](const DoubleArray& x, std::size_t chains) { return stats::binning_analysis(series(x), chains); },
        py::arg("x"), py::arg("chains") = 1);
}

}  // namespace rgflow::python
