// The exact check of `rgflow demo` (run/exact_check.hpp).
#include "rgflow/run/exact_check.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <vector>

#include "rgflow/core/error.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/estimate/exact.hpp"
#include "rgflow/ising/enumeration.hpp"
#include "rgflow/ising/exact.hpp"
#include "rgflow/train/trainer.hpp"

namespace rgflow::run {
namespace {

// Rng streams of the check (all derived from the seed).
constexpr std::uint64_t kTrainSampleStream = 1;
constexpr std::uint64_t kTestSampleStream = 2;
constexpr std::uint64_t kInitStream = 3;

struct Evaluation {
  double log_z = 0.0;         // library: estimate::exact_log_partition
  double direct_log_z = 0.0;  // direct sum over all visible states
  double expected = 0.0;      // E_p[log q]
};

Evaluation evaluate(const Rbm& rbm, const ising::ExactIsing& ising, const MatrixF& states) {
  Evaluation e;
  const VectorD f = rbm.free_energy_visible(states);
  // One thread: the sum has only 2^min(n_visible, n_hidden) terms.
  e.log_z = estimate::exact_log_partition(rbm, estimate::EnumerateLayer::automatic, 1);
  const VectorD minus_f = -f;
  e.direct_log_z = stats::log_sum_exp({minus_f.data(), static_cast<std::size_t>(minus_f.size())});
  double acc = 0.0;
  for (Index s = 0; s < f.size(); ++s) acc += std::exp(ising.log_prob[static_cast<std::size_t>(s)]) * -f[s];
  e.expected = acc - e.log_z;
  return e;
}

// The Ising model's own mean log-likelihood on a set of samples (a noisy estimate of −S).
stats::Result ising_log_likelihood(const ising::ExactIsing& ising, const MatrixF& x) {
  std::vector<double> lp(static_cast<std::size_t>(x.rows()));
  for (Index r = 0; r < x.rows(); ++r) {
    std::uint64_t s = 0;
    for (Index i = 0; i < x.cols(); ++i) {
      if (x(r, i) > 0) s |= std::uint64_t{1} << i;
    }
    lp[static_cast<std::size_t>(r)] = ising.log_prob[s];
  }
  return stats::mean_sem(lp);
}

Rbm initial_model(const ExactCheckRequest& q, const MatrixF& train_data) {
  Rbm rbm(static_cast<Index>(q.size) * q.size, q.hidden, UnitType::spin, q.hidden_type);
  Rng rng(q.config.seed, kInitStream);
  rbm.initialize(rng, &train_data);
  return rbm;
}

}  // namespace

ExactCheckRun exact_ising_check(const ExactCheckRequest& q, const ExactCheckCallbacks& callbacks) {
  const auto t0 = std::chrono::steady_clock::now();
  if (q.size < 2 || q.size > ising::kMaxExactIsingSize) {
    throw Error(fmt::format("the lattice side must be between 2 and {} (got {})",
                            ising::kMaxExactIsingSize, q.size));
  }
  if (!(q.temperature >= 1e-3 && q.temperature <= 1e6)) {
    throw Error(fmt::format("the temperature must be between 0.001 and 1e6 (got {})", q.temperature));
  }
  if (q.hidden < 1 || q.hidden > 4096) {
    throw Error(fmt::format("the number of hidden units must be between 1 and 4096 (got {})", q.hidden));
  }
  if (q.samples < 10) throw Error(fmt::format("at least 10 samples are needed (got {})", q.samples));
  train::TrainConfig config = q.config;
  config.initialize = false;  // initialised here, so that the initial model can be evaluated
  config.validate();

  ExactCheckRun out;
  out.request = q;
  out.coupling = 1.0 / q.temperature;
  const ising::ExactIsing ising = ising::enumerate_periodic_ising(q.size, out.coupling);
  const int n_sites = q.size * q.size;
  const MatrixF states = ising::all_spin_states(n_sites);
  Rng train_rng(config.seed, kTrainSampleStream);
  Rng test_rng(config.seed, kTestSampleStream);
  const MatrixF train_data = ising::sample_exact(ising, q.samples, train_rng);
  const MatrixF test_data = ising::sample_exact(ising, std::max<Index>(q.samples / 4, 10), test_rng);
  out.states = states.rows();
  out.ising_log_z = ising.log_z;
  out.ising_entropy = ising.entropy;
  out.train_rows = train_data.rows();
  out.test_rows = test_data.rows();
  out.best = -ising.entropy;
  // The enumerated distribution against Kaufman's closed form (1949) for log Z and, via
  // S = log Z + K N u, the entropy.
  const ising::ExactFinite kaufman = ising::kaufman(q.size, out.coupling);
  const double kaufman_entropy = kaufman.log_z + out.coupling * n_sites * kaufman.energy_per_spin;
  out.ising_mismatch =
      std::max(std::abs(kaufman.log_z - ising.log_z), std::abs(kaufman_entropy - ising.entropy));
  if (callbacks.on_message) {
    callbacks.on_message(fmt::format(
        "{} training + {} test exact samples of the periodic {}x{} Ising model at T = {} J "
        "(K = {:.4f}; all {} states enumerated; seed {})",
        train_data.rows(), test_data.rows(), q.size, q.size, q.temperature, out.coupling,
        states.rows(), config.seed));
    callbacks.on_message(fmt::format(
        "best achievable mean log-likelihood: -S = {:.4f} nats (S: entropy of the Ising model)",
        out.best));
  }

  Rbm rbm = initial_model(q, train_data);
  const Evaluation initial = evaluate(rbm, ising, states);
  out.initial = initial.expected;
  if (callbacks.on_message) {
    callbacks.on_message(fmt::format(
        "RBM: {} spin visible, {} {} hidden units; {}-{}, {} epochs, batch {}, learning rate {}{}",
        n_sites, q.hidden, to_string(q.hidden_type), train::to_string(config.method), config.steps,
        config.epochs, config.batch_size, config.learning_rate,
        config.learning_rate_final ? fmt::format(" decaying linearly to {}", *config.learning_rate_final)
                                   : ""));
    callbacks.on_message(
        fmt::format("initial RBM (independent spins): E_p[log q] = {:.4f}, KL = {:.4f} nats",
                    initial.expected, out.best - initial.expected));
  }
  train::Trainer trainer(rbm, config, train_data, &test_data);
  double max_mismatch = std::abs(initial.log_z - initial.direct_log_z);
  Evaluation last = initial;
  while (!trainer.finished()) {
    const int epoch = trainer.epochs_done() + 1;
    trainer.run_epoch([&](Index done, Index total) {
      if (callbacks.on_batch) callbacks.on_batch(epoch, done, total);
    });
    last = evaluate(rbm, ising, states);
    max_mismatch = std::max(max_mismatch, std::abs(last.log_z - last.direct_log_z));
    if (callbacks.on_epoch) callbacks.on_epoch(epoch, last.expected, out.best - last.expected);
  }
  out.epochs_done = trainer.epochs_done();
  out.final = last.expected;
  out.final_train = estimate::mean_log_likelihood(rbm, train_data, last.log_z);
  out.final_test = estimate::mean_log_likelihood(rbm, test_data, last.log_z);
  out.ising_test = ising_log_likelihood(ising, test_data);
  out.initial_test = estimate::mean_log_likelihood(initial_model(q, train_data), test_data, initial.log_z);
  out.kl_initial = out.best - initial.expected;
  out.kl_final = out.best - last.expected;
  out.gap_closed = out.kl_initial > 0 ? 1.0 - out.kl_final / out.kl_initial : 0.0;
  out.log_z_mismatch = max_mismatch;
  out.log_z_consistent = max_mismatch <= 1e-6 * std::max(1.0, std::abs(last.log_z));
  out.kl_nonnegative = out.kl_final >= -1e-9 && out.kl_initial >= -1e-9;
  out.training_improved = out.kl_final < out.kl_initial;
  out.ising_matches_kaufman = out.ising_mismatch <= 1e-8 * std::max(1.0, std::abs(ising.log_z));
  out.passed = out.ising_matches_kaufman && out.log_z_consistent && out.kl_nonnegative &&
               out.training_improved;
  out.request.config = config;
  out.rbm = std::move(rbm);
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

void to_json(nlohmann::json& j, const ExactCheckRun& r) {
  const ExactCheckRequest& q = r.request;
  j = {{"ising",
        {{"size", q.size},
         {"temperature", q.temperature},
         {"coupling", r.coupling},
         {"states", r.states},
         {"log_z", r.ising_log_z},
         {"entropy", r.ising_entropy}}},
       {"data", {{"train", r.train_rows}, {"test", r.test_rows}, {"seed", q.config.seed}}},
       {"rbm",
        {{"n_visible", q.size * q.size},
         {"n_hidden", q.hidden},
         {"visible_type", "spin"},
         {"hidden_type", std::string(to_string(q.hidden_type))},
         {"config", q.config}}},
       {"log_likelihood",
        {{"units", "nats per sample"},
         {"best", stats::Result::exact(r.best)},
         {"initial", stats::Result::exact(r.initial)},
         {"final", stats::Result::exact(r.final)},
         {"initial_test", r.initial_test},
         {"final_train", r.final_train},
         {"final_test", r.final_test},
         {"ising_test", r.ising_test}}},
       {"kl", {{"initial", r.kl_initial}, {"final", r.kl_final}, {"gap_closed", r.gap_closed}}},
       {"checks",
        {{"ising_matches_kaufman", r.ising_matches_kaufman},
         {"ising_max_mismatch", r.ising_mismatch},
         {"log_z_consistent", r.log_z_consistent},
         {"log_z_max_mismatch", r.log_z_mismatch},
         {"kl_nonnegative", r.kl_nonnegative},
         {"training_improved", r.training_improved},
         {"passed", r.passed}}},
       {"time", {{"seconds", r.seconds}}}};
}

}  // namespace rgflow::run
