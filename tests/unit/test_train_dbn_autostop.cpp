// Automatic stopping per DBN layer (train/dbn_trainer.hpp): every layer stops on its own rule
// and keeps its best epoch, bit for bit the layer of a DBN trained with that many epochs per
// layer; layer k's score is the exact held-out log-likelihood per unit of the validation rows
// sampled up through the layers below (checked against a brute-force sum over every joint state,
// written here); layer 0 stops exactly as a single RBM's Trainer with --epochs auto; the cap;
// extending a DBN by an automatic layer; refusals; 1 and 2 threads give the same bits.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <string>
#include <vector>

#include "rgflow/core/error.hpp"
#include "rgflow/train/convergence.hpp"
#include "rgflow/train/dbn_trainer.hpp"
#include "rgflow/train/trainer.hpp"
#include "test_error_support.hpp"
#include "test_train_support.hpp"

namespace rgflow {
namespace {

using train::ConvergenceState;
using train::DbnLayerSpec;
using train::DbnStops;
using train::DbnTrainOptions;
using train::TrainConfig;
using test::error_of;

TrainConfig auto_config(std::uint64_t seed) {
  TrainConfig c;
  c.method = train::Method::pcd;
  c.batch_size = 10;
  c.learning_rate = 0.3f;  // constant: a plain run of fewer epochs follows the same path
  c.momentum_initial = c.momentum_final = 0.5f;
  c.seed = seed;
  c.monitor_rows = 100;
  c.auto_epochs = true;
  c.patience = 3;
  c.epochs = 200;
  return c;
}

// 8-6-4-3, every layer small enough for the exact score.
DbnTrainOptions auto_options(Propagate propagate = Propagate::mean) {
  DbnTrainOptions o;
  o.propagate = propagate;
  o.layers = {DbnLayerSpec{6, UnitType::bernoulli, auto_config(31), {}},
              DbnLayerSpec{4, UnitType::bernoulli, auto_config(32), {}},
              DbnLayerSpec{3, UnitType::bernoulli, auto_config(33), {}}};
  return o;
}

struct Data {
  MatrixF train = test::prototype_data(400, UnitType::bernoulli, 1);
  MatrixF validation = test::prototype_data(200, UnitType::bernoulli, 2);
};

struct AutoRun {
  Dbn dbn;
  DbnStops stops;
};

AutoRun train_auto(const Data& d, const DbnTrainOptions& o) {
  AutoRun r;
  r.dbn = train::train_dbn(d.train, UnitType::bernoulli, o, &d.validation, {}, {}, &r.stops);
  return r;
}

// log Σ_i exp(x_i), stable.
double log_sum_exp(const std::vector<double>& x) {
  double m = -INFINITY;
  for (double v : x) m = std::max(m, v);
  double s = 0.0;
  for (double v : x) s += std::exp(v - m);
  return m + std::log(s);
}

// Bit j of `code` as a Bernoulli state.
VectorD bits(std::uint64_t code, Index n) {
  VectorD s(n);
  for (Index j = 0; j < n; ++j) s(j) = static_cast<double>((code >> j) & 1u);
  return s;
}

// Mean over the rows of log p(v) / n_visible of a Bernoulli RBM, by summing exp(−E(v, h)) with
// E(v, h) = −bᵀv − cᵀh − vᵀWh over every hidden state (for p*(v)) and every joint state (for Z):
// no free energy, no estimator code of the library.
double brute_force_log_likelihood_per_unit(const Rbm& rbm, const MatrixF& rows) {
  const Index nv = rbm.n_visible(), nh = rbm.n_hidden();
  const MatrixD W = rbm.weights().cast<double>();
  const VectorD b = rbm.visible_bias().cast<double>(), c = rbm.hidden_bias().cast<double>();
  const auto log_unnormalised = [&](const VectorD& v) {
    std::vector<double> terms;
    for (std::uint64_t code = 0; code < (std::uint64_t{1} << nh); ++code) {
      const VectorD h = bits(code, nh);
      terms.push_back(b.dot(v) + c.dot(h) + v.dot(W * h));
    }
    return log_sum_exp(terms);
  };
  std::vector<double> all;
  for (std::uint64_t code = 0; code < (std::uint64_t{1} << nv); ++code) {
    all.push_back(log_unnormalised(bits(code, nv)));
  }
  const double log_z = log_sum_exp(all);
  double sum = 0.0;
  for (Index r = 0; r < rows.rows(); ++r) {
    sum += log_unnormalised(rows.row(r).transpose().cast<double>()) - log_z;
  }
  return sum / static_cast<double>(rows.rows()) / static_cast<double>(nv);
}

void expect_same(const Rbm& a, const Rbm& b, std::size_t k) {
  EXPECT_EQ(a.weights(), b.weights()) << "layer " << k;
  EXPECT_EQ(a.visible_bias(), b.visible_bias()) << "layer " << k;
  EXPECT_EQ(a.hidden_bias(), b.hidden_bias()) << "layer " << k;
}

TEST(DbnAutostop, EveryLayerStopsAndKeepsItsBestEpochBitForBit) {
  const Data d;
  const DbnTrainOptions o = auto_options();
  const AutoRun run = train_auto(d, o);
  ASSERT_EQ(run.stops.size(), 3u);
  DbnTrainOptions plain = o;
  for (std::size_t k = 0; k < 3; ++k) {
    ASSERT_TRUE(run.stops[k]) << k;
    const ConvergenceState& c = *run.stops[k];
    EXPECT_EQ(c.stop_reason, "converged") << k;
    EXPECT_EQ(static_cast<int>(c.history.size()), c.best_epoch + 3) << k;
    EXPECT_GE(c.best_epoch, 2) << k;  // it learned something before stopping
    EXPECT_EQ(c.best.method, train::StopScore::exact) << k;
    plain.layers[k].config.auto_epochs = false;
    plain.layers[k].config.epochs = c.best_epoch;
  }
  // A DBN trained with the chosen number of epochs per layer (its upper layers then train on the
  // best lower layers, as the automatic run's do) is the same, layer by layer.
  const Dbn reference = train::train_dbn(d.train, UnitType::bernoulli, plain, &d.validation);
  for (std::size_t k = 0; k < 3; ++k) {
    expect_same(run.dbn.layers()[k], reference.layers()[k], k);
  }
}

TEST(DbnAutostop, ScoreIsTheExactHeldOutLogLikelihoodOfSampledStates) {
  const Data d;
  const DbnTrainOptions o = auto_options();
  const AutoRun run = train_auto(d, o);
  for (std::size_t k = 0; k < 3; ++k) {
    // Layer k's held-out states: the validation rows sampled up layer by layer with one stream.
    MatrixF states = d.validation;
    Rng rng(o.layers[k].config.seed, train::kStopStatesStream);
    for (std::size_t j = 0; j < k; ++j) {
      MatrixF next;
      run.dbn.layers()[j].sample_hidden(states, next, rng);
      states = next;
    }
    const ConvergenceState& c = *run.stops[k];
    const double exact = brute_force_log_likelihood_per_unit(run.dbn.layers()[k], states);
    EXPECT_NEAR(c.best.score.mean, exact, 1e-12) << "layer " << k;
    EXPECT_NEAR(c.history[static_cast<std::size_t>(c.best_epoch - 1)].score.mean, exact, 1e-12);
  }
}

TEST(DbnAutostop, BottomLayerStopsAsASingleRbmDoes) {
  const Data d;
  DbnTrainOptions o = auto_options();
  o.layers.resize(1);
  const AutoRun run = train_auto(d, o);
  Rbm rbm(8, 6);
  train::Trainer trainer(rbm, o.layers[0].config, d.train, &d.validation);
  while (!trainer.finished()) trainer.run_epoch();
  expect_same(run.dbn.layer(0), rbm, 0);
  const ConvergenceState& a = *run.stops[0];
  const ConvergenceState& b = *trainer.convergence();
  EXPECT_EQ(a.best_epoch, b.best_epoch);
  ASSERT_EQ(a.history.size(), b.history.size());
  for (std::size_t e = 0; e < a.history.size(); ++e) {
    EXPECT_EQ(a.history[e].score.mean, b.history[e].score.mean);
    EXPECT_EQ(a.history[e].improved, b.history[e].improved);
  }
}

TEST(DbnAutostop, TheCapStopsEveryLayer) {
  const Data d;
  DbnTrainOptions o = auto_options(Propagate::sample);
  for (DbnLayerSpec& spec : o.layers) {
    spec.config.epochs = 2;
    spec.config.patience = 5;
  }
  std::vector<std::pair<Index, int>> seen;
  AutoRun run;
  run.dbn = train::train_dbn(d.train, UnitType::bernoulli, o, &d.validation,
                             [&](const train::DbnProgress& p) {
                               ASSERT_TRUE(p.stats.heldout_score.has_value());
                               seen.emplace_back(p.layer, p.stats.epoch);
                             },
                             {}, &run.stops);
  EXPECT_EQ(seen, (std::vector<std::pair<Index, int>>{{0, 1}, {0, 2}, {1, 1}, {1, 2}, {2, 1}, {2, 2}}));
  for (std::size_t k = 0; k < 3; ++k) {
    EXPECT_EQ(run.stops[k]->stop_reason, "max_epochs") << k;
    EXPECT_EQ(run.stops[k]->history.size(), 2u) << k;
  }
}

TEST(DbnAutostop, FixedLayersBesideAutomaticOnes) {
  const Data d;
  DbnTrainOptions o = auto_options();
  o.layers[1].config.auto_epochs = false;
  o.layers[1].config.epochs = 2;
  const AutoRun run = train_auto(d, o);
  ASSERT_EQ(run.stops.size(), 3u);
  EXPECT_TRUE(run.stops[0] && run.stops[2]);
  EXPECT_FALSE(run.stops[1]);
}

// Extending a DBN by an automatic layer samples its held-out states through the existing layers:
// the same stop and bits as training the whole stack at once.
TEST(DbnAutostop, ExtendingEqualsTrainingTheWholeStack) {
  const Data d;
  const DbnTrainOptions all = auto_options();
  const AutoRun full = train_auto(d, all);
  DbnTrainOptions first = all, rest = all;
  first.layers.resize(2);
  rest.layers.erase(rest.layers.begin(), rest.layers.begin() + 2);
  AutoRun part = train_auto(d, first);
  DbnStops top;
  train::extend_dbn(part.dbn, d.train, rest, &d.validation, {}, {}, &top);
  ASSERT_EQ(top.size(), 1u);
  ASSERT_TRUE(top[0]);
  EXPECT_EQ(top[0]->best_epoch, full.stops[2]->best_epoch);
  EXPECT_EQ(top[0]->best.score.mean, full.stops[2]->best.score.mean);
  for (std::size_t k = 0; k < 3; ++k) expect_same(part.dbn.layers()[k], full.dbn.layers()[k], k);
}

TEST(DbnAutostop, Refusals) {
  const Data d;
  const DbnTrainOptions o = auto_options();
  const std::string no_rows = error_of([&] { train::train_dbn(d.train, UnitType::bernoulli, o); });
  EXPECT_NE(no_rows.find("DBN layer 0: automatic stopping needs validation rows"), std::string::npos) << no_rows;
  EXPECT_EQ(no_rows.find("--"), std::string::npos) << no_rows;  // the library names no flag
  MatrixF probabilities = d.validation;
  probabilities(0, 0) = 0.5f;
  const std::string not_states =
      error_of([&] { train::train_dbn(d.train, UnitType::bernoulli, o, &probabilities); });
  EXPECT_NE(not_states.find("validation data: value 0.5 at row 0, column 0 is not a bernoulli state"),
            std::string::npos) << not_states;
  // The exact score of a 40 x 40 layer would enumerate 2^40 states: refused before training it.
  DbnTrainOptions wide = o;
  wide.layers = {DbnLayerSpec{40, UnitType::bernoulli, auto_config(31), {}},
                 DbnLayerSpec{40, UnitType::bernoulli, auto_config(32), {}}};
  wide.layers[0].config.auto_epochs = false;
  wide.layers[0].config.epochs = 1;
  wide.layers[1].config.stop_score = train::StopScore::exact;
  const std::string exact =
      error_of([&] { train::train_dbn(d.train, UnitType::bernoulli, wide, &d.validation); });
  EXPECT_NE(exact.find("DBN layer 1: the exact held-out score enumerates 40 units"), std::string::npos) << exact;
}

TEST(DbnAutostop, SameBitsForOneAndTwoThreads) {
  const Data d;
  for (const train::StopScore score : {train::StopScore::exact, train::StopScore::ais}) {
    DbnTrainOptions o = auto_options(Propagate::sample);
    for (DbnLayerSpec& spec : o.layers) {
      spec.config.stop_score = score;
      spec.config.epochs = 4;
    }
    AutoRun runs[2];
    for (int threads : {1, 2}) {
      const int saved = omp_get_max_threads();
      omp_set_num_threads(threads);
      runs[threads - 1] = train_auto(d, o);
      omp_set_num_threads(saved);
    }
    for (std::size_t k = 0; k < 3; ++k) {
      expect_same(runs[0].dbn.layers()[k], runs[1].dbn.layers()[k], k);
      const ConvergenceState &a = *runs[0].stops[k], &b = *runs[1].stops[k];
      EXPECT_EQ(a.best.method, score);
      EXPECT_EQ(a.best_epoch, b.best_epoch);
      ASSERT_EQ(a.history.size(), b.history.size());
      for (std::size_t e = 0; e < a.history.size(); ++e) {
        EXPECT_EQ(a.history[e].score.mean, b.history[e].score.mean);
        EXPECT_EQ(a.history[e].score.error, b.history[e].score.error);
      }
    }
  }
}

}  // namespace
}  // namespace rgflow
