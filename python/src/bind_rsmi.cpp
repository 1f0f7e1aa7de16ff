// RSMI coarse-graining (rg/rsmi.hpp), its exact 1D reference (rg/rsmi_exact.hpp), RSMI files and
// blocking rules (rg/coarse_graining.hpp). Learning releases the GIL and polls for Ctrl-C.
#include <omp.h>

#include "common.hpp"
#include "rgflow/core/version.hpp"
#include "rgflow/rg/coarse_graining.hpp"
#include "rgflow/rg/rsmi.hpp"
#include "rgflow/rg/rsmi_exact.hpp"
#include "rgflow/rg/rsmi_file.hpp"

namespace rgflow::python {

namespace {

using SpinArray = py::array_t<std::int8_t, py::array::c_style | py::array::forcecast>;

// [n, L, L] (2D) or [n, L] (rings, chain = true) as (pointer, n, L).
std::tuple<const std::int8_t*, std::int64_t, int> spin_rows(const SpinArray& s, bool chain) {
  if (chain && s.ndim() == 2) return {s.data(), static_cast<std::int64_t>(s.shape(0)), static_cast<int>(s.shape(1))};
  if (!chain && s.ndim() == 3 && s.shape(1) == s.shape(2))
    return {s.data(), static_cast<std::int64_t>(s.shape(0)), static_cast<int>(s.shape(1))};
  throw py::value_error(chain ? "spins: expected an array [n, L] of rings" : "spins: expected an array [n, L, L]");
}

MatrixD to_filter(const DoubleArray& a) {
  if (a.ndim() != 1 && a.ndim() != 2) throw py::value_error("filter: expected a 1-D or 2-D array");
  const Index rows = a.ndim() == 2 ? a.shape(0) : 1, cols = a.ndim() == 2 ? a.shape(1) : a.shape(0);
  MatrixD m(rows, cols);
  std::copy(a.data(), a.data() + m.size(), m.data());
  return m;
}

}  // namespace

void bind_rsmi(py::module_& m) {
  const rg::RsmiOptions def;  // the library's defaults are the Python defaults
  m.def("rsmi",
        [](const SpinArray& spins, bool chain, int block, int buffer, int environment, py::object filter,
           int hidden_per_block, int epochs, int critic_epochs, int positions_per_epoch, int eval_positions,
           Index batch_size, int critic_hidden, double learning_rate, double critic_learning_rate, double beta,
           double validation_fraction, std::uint64_t seed, const std::string& output, int threads) {
          const auto [p, n, L] = spin_rows(spins, chain);
          rg::RsmiGeometry g;
          g.dimension = chain ? 1 : 2;
          g.L = L;
          g.block = block;
          g.buffer = buffer;
          g.environment = environment;
          rg::RsmiOptions o;
          o.hidden_per_block = hidden_per_block;
          o.epochs = epochs;
          o.critic_epochs = critic_epochs;
          o.positions_per_epoch = positions_per_epoch;
          o.eval_positions = eval_positions;
          o.batch_size = batch_size;
          o.critic_hidden = critic_hidden;
          o.learning_rate = learning_rate;
          o.critic_learning_rate = critic_learning_rate;
          o.beta = beta;
          o.validation_fraction = validation_fraction;
          o.seed = seed;
          const bool learned = filter.is_none();
          MatrixD given;
          if (!learned) given = to_filter(filter.cast<DoubleArray>());
          const std::span<const std::int8_t> data(p, static_cast<std::size_t>(n * (chain ? L : std::int64_t{L} * L)));
          rg::RsmiResult r = without_gil([&] {
            const int saved = omp_get_max_threads();
            if (threads > 0) omp_set_num_threads(threads);
            struct Restore {
              int n;
              ~Restore() { omp_set_num_threads(n); }
            } restore{saved};
            return learned ? rg::learn_rsmi(data, n, g, o, python_stop_poll())
                           : rg::rsmi_filter_information(data, n, g, given, o, python_stop_poll());
          });
          if (!output.empty()) rg::save_rsmi(output, g, o, r, learned, {{"command", "python: rgflow.rsmi"}});
          py::dict d;
          MatrixD curve(static_cast<Index>(r.curve.size()), 3);
          for (std::size_t e = 0; e < r.curve.size(); ++e)
            curve.row(static_cast<Index>(e)) << r.curve[e].epoch, r.curve[e].train_bound, r.curve[e].validation_bound;
          d["mutual_information"] = r.mutual_information;
          d["filter"] = from_matrix(std::move(r.filter));
          d["initial_filter"] = from_matrix(std::move(r.initial_filter));
          d["training_curve"] = from_matrix(std::move(curve));
          d["filter_history"] = from_matrix(std::move(r.filter_history));
          d["training_configurations"] = r.training_configurations;
          d["validation_configurations"] = r.validation_configurations;
          d["environment_sites"] = g.environment_sites();
          return d;
        },
        py::arg("spins"), py::arg("chain") = false, py::arg("block") = 2, py::arg("buffer") = 2,
        py::arg("environment") = 2, py::arg("filter") = py::none(), py::arg("hidden_per_block") = def.hidden_per_block,
        py::arg("epochs") = def.epochs, py::arg("critic_epochs") = def.critic_epochs,
        py::arg("positions_per_epoch") = def.positions_per_epoch, py::arg("eval_positions") = def.eval_positions,
        py::arg("batch_size") = def.batch_size, py::arg("critic_hidden") = def.critic_hidden,
        py::arg("learning_rate") = def.learning_rate, py::arg("critic_learning_rate") = def.critic_learning_rate,
        py::arg("beta") = def.beta, py::arg("validation_fraction") = def.validation_fraction,
        py::arg("seed") = 0, py::arg("output") = "", py::arg("threads") = 0,
        "Learn (filter=None) or measure an RSMI filter (rg/rsmi.hpp); output: an RSMI file to write");
  m.def("rsmi_chain_information",
        [](double K, int L, int buffer, const DoubleArray& filter, bool deterministic) {
          return rg::rsmi_chain_information(K, L, buffer, to_filter(filter), deterministic);
        },
        py::arg("K"), py::arg("L"), py::arg("buffer"),
        py::arg("filter"), py::arg("deterministic") = true,
        "Exact I(H:E) in nats of a filter [M, b] on the periodic Ising chain (rg/rsmi_exact.hpp)");
  m.def("coarse_grain",
        [](const SpinArray& spins, py::object rule, int block, std::uint64_t seed, int conv_channel,
           const std::string& conv_hidden) {
          std::shared_ptr<const rg::BlockingRule> r;
          rg::RuleOptions options;
          if (conv_channel >= 0) options.channel = conv_channel;
          if (!conv_hidden.empty()) options.hidden = rg::parse_hidden_state(conv_hidden);
          if (py::isinstance<py::str>(rule)) {
            const auto spec = rule.cast<std::string>();
            const bool builtin = spec == "majority" || spec == "decimation";
            if ((options.channel || options.hidden) && (builtin || !rg::is_conv_rule_file(spec)))
              throw py::value_error("coarse_grain: conv_channel and conv_hidden apply to a convolutional RBM file");
            r = rg::make_blocking_rule(spec, block, options);
          } else {
            if (options.channel || options.hidden)
              throw py::value_error("coarse_grain: conv_channel and conv_hidden apply to a convolutional RBM file");
            const MatrixD f = to_filter(rule.cast<DoubleArray>());
            if (f.rows() != 1) throw py::value_error("coarse_grain: a filter with one row (one coarse spin per block)");
            const auto sites = static_cast<int>(f.cols());
            const int b = static_cast<int>(std::lround(std::sqrt(static_cast<double>(sites))));
            if (b * b != sites) throw py::value_error("coarse_grain: the filter must have b*b weights");
            r = std::make_shared<rg::LinearFilterRule>(std::vector<double>(f.data(), f.data() + f.size()), b, 2);
          }
          const bool chain = r->dimension() == 1;
          const auto [p, n, L] = spin_rows(spins, chain);
          const std::int64_t sites = chain ? L : std::int64_t{L} * L;
          std::vector<std::int8_t> out = without_gil(
              [&] { return rg::coarse_grain_batch(*r, {p, static_cast<std::size_t>(n * sites)}, n, L, seed); });
          const py::ssize_t l = L / r->factor();
          if (chain) return from_std_vector(std::move(out), {static_cast<py::ssize_t>(n), l});
          return from_std_vector(std::move(out), {static_cast<py::ssize_t>(n), l, l});
        },
        py::arg("spins"), py::arg("rule"), py::arg("block") = 2, py::arg("seed") = 0, py::arg("conv_channel") = -1,
        py::arg("conv_hidden") = "",
        "Apply a blocking rule ('majority', 'decimation', an RSMI or convolutional RBM file, or a b*b "
        "filter) to [n, L, L] configurations; configuration i draws from Rng(seed, i)");
}

}  // namespace rgflow::python
