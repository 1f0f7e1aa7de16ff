// Adam, centred gradients, the Z2 symmetry, learning-rate schedules and the divergence guard
// (optimizer.hpp, config.hpp, trainer.hpp): one or two updates computed by hand in double from the
// update rules; p(v) = p(−v) exactly under Z2; every parametrisation raises the exact
// log-likelihood of a tiny RBM above the independent-unit model; a run with an absurd step is
// stopped by the guard with the last good state kept.
#include <gtest/gtest.h>

#include <omp.h>

#include <cmath>
#include <vector>

#include "rgflow/core/error.hpp"
#include "rgflow/estimate/exact.hpp"
#include "rgflow/train/optimizer.hpp"
#include "rgflow/train/trainer.hpp"
#include "test_train_support.hpp"

namespace rgflow::train {
namespace {

using test::prototype_data;

Rbm small_rbm(UnitType type = UnitType::bernoulli) {
  Rbm rbm(4, 3, type, type);
  Rng rng(11);
  rbm.initialize(rng, nullptr, 0.5f);
  rbm.visible_bias() << 0.1f, -0.2f, 0.3f, 0.0f;
  rbm.hidden_bias() << -0.5f, 0.25f, 0.0f;
  return rbm;
}

Gradient random_gradient(std::uint64_t seed, Index nv = 4, Index nh = 3) {
  Gradient g(nv, nh);
  Rng rng(seed);
  for (Index i = 0; i < g.dW.size(); ++i) g.dW.data()[i] = static_cast<float>(rng.uniform_double() - 0.5);
  for (Index i = 0; i < nv; ++i) g.da[i] = static_cast<float>(rng.uniform_double() - 0.5);
  for (Index j = 0; j < nh; ++j) g.db[j] = static_cast<float>(rng.uniform_double() - 0.5);
  g.batch_visible_mean = VectorF::Zero(nv);
  g.batch_hidden_mean = VectorF::Zero(nh);
  for (Index i = 0; i < nv; ++i) g.batch_visible_mean[i] = static_cast<float>(rng.uniform_double());
  for (Index j = 0; j < nh; ++j) g.batch_hidden_mean[j] = static_cast<float>(rng.uniform_double());
  return g;
}

void expect_close(double actual, double expected, double rel = 2e-6) {
  EXPECT_NEAR(actual, expected, rel * std::max(1.0, std::fabs(expected)));
}

TEST(TrainAdam, TwoStepsMatchTheUpdateRuleByHand) {
  TrainConfig c;
  c.optimizer = OptimizerKind::adam;
  c.learning_rate = 0.01f;
  Rbm rbm = small_rbm();
  const Rbm start = rbm;
  Optimizer adam(c, 4, 3);
  const Gradient g1 = random_gradient(1), g2 = random_gradient(2);
  adam.step(rbm, g1, 0.7f);  // momentum is ignored by Adam
  adam.step(rbm, g2, 0.7f);
  const double b1 = 0.9, b2 = 0.999, eps = 1e-8, lr = 0.01;
  const auto expected = [&](double theta, double x1, double x2) {
    double m = (1 - b1) * x1, v = (1 - b2) * x1 * x1;
    theta += lr * (m / (1 - b1)) / (std::sqrt(v / (1 - b2)) + eps);
    m = b1 * m + (1 - b1) * x2;
    v = b2 * v + (1 - b2) * x2 * x2;
    theta += lr * (m / (1 - b1 * b1)) / (std::sqrt(v / (1 - b2 * b2)) + eps);
    return theta;
  };
  for (Index i = 0; i < rbm.weights().size(); ++i) {
    expect_close(rbm.weights().data()[i],
                 expected(start.weights().data()[i], g1.dW.data()[i], g2.dW.data()[i]));
  }
  for (Index i = 0; i < 4; ++i) {
    expect_close(rbm.visible_bias()[i], expected(start.visible_bias()[i], g1.da[i], g2.da[i]));
  }
  for (Index j = 0; j < 3; ++j) {
    expect_close(rbm.hidden_bias()[j], expected(start.hidden_bias()[j], g1.db[j], g2.db[j]));
  }
  EXPECT_EQ(adam.state().steps, 2);
  // The first Adam step moves every parameter with a non-zero gradient by ≈ ε (|m̂ / √v̂| = 1).
}

TEST(TrainCentering, StepIsTheCentredGradientMappedBack) {
  // Centred energy −(v−μ)ᵀW(h−λ) − (v−μ)ᵀa' − (h−λ)ᵀb': a gradient step on (W, a', b') followed by
  // the map back a = a' − Wλ, b = b' − Wᵀμ, computed here in double from the statistics.
  TrainConfig c;
  c.centering = true;
  c.learning_rate = 0.1f;
  c.centering_rate = 0.25f;
  Rbm rbm = small_rbm();
  Optimizer opt(c, 4, 3);
  const Gradient g1 = random_gradient(3);
  Rbm before = rbm;
  opt.step(rbm, g1, 0.0f);  // no momentum: the step is ε times the direction
  // Offsets of the first step: the first batch's means.
  const VectorF mu = g1.batch_visible_mean, lambda = g1.batch_hidden_mean;
  MatrixD gw(4, 3);
  for (Index i = 0; i < 4; ++i) {
    for (Index j = 0; j < 3; ++j) {
      gw(i, j) = double(g1.dW(i, j)) - double(mu[i]) * g1.db[j] - double(g1.da[i]) * lambda[j];
    }
  }
  const double lr = 0.1;
  for (Index i = 0; i < 4; ++i) {
    for (Index j = 0; j < 3; ++j) expect_close(rbm.weights()(i, j), before.weights()(i, j) + lr * gw(i, j));
  }
  // a' = a + Wλ, stepped by ε da, mapped back with the new W.
  for (Index i = 0; i < 4; ++i) {
    double a_c = before.visible_bias()[i], step_w_lambda = 0.0;
    for (Index j = 0; j < 3; ++j) {
      a_c += double(before.weights()(i, j)) * lambda[j];
      step_w_lambda += (double(before.weights()(i, j)) + lr * gw(i, j)) * lambda[j];
    }
    expect_close(rbm.visible_bias()[i], a_c + lr * g1.da[i] - step_w_lambda);
  }
  for (Index j = 0; j < 3; ++j) {
    double b_c = before.hidden_bias()[j], step_w_mu = 0.0;
    for (Index i = 0; i < 4; ++i) {
      b_c += double(before.weights()(i, j)) * mu[i];
      step_w_mu += (double(before.weights()(i, j)) + lr * gw(i, j)) * mu[i];
    }
    expect_close(rbm.hidden_bias()[j], b_c + lr * g1.db[j] - step_w_mu);
  }
  // The offsets then move toward the batch means by ν: μ ← 0.75 μ + 0.25 ⟨v⟩_B.
  const Gradient g2 = random_gradient(4);
  opt.step(rbm, g2, 0.0f);
  for (Index i = 0; i < 4; ++i) {
    expect_close(opt.state().visible_offset[i], 0.75 * mu[i] + 0.25 * g2.batch_visible_mean[i]);
  }
  for (Index j = 0; j < 3; ++j) {
    expect_close(opt.state().hidden_offset[j], 0.75 * lambda[j] + 0.25 * g2.batch_hidden_mean[j]);
  }
}

// The defaults' step (plain SGD with momentum on centred gradients) runs as one pass over the
// weights by fixed blocks of rows (Optimizer::centred_sgd_pass): on a model of several blocks, two
// steps with momentum equal the update rule computed by hand in double, and 1 and 3 threads give
// the same bits.
TEST(TrainCentering, OnePassStepWithMomentumMatchesTheRuleForAnyThreadCount) {
  // 19 blocks of 32 rows, the last one short; nh not a multiple of 16; nv·nh ≥ 2^18, so the pass
  // takes the threads it is given.
  const Index nv = 600, nh = 450;
  TrainConfig c;
  c.centering = true;
  c.learning_rate = 0.1f;
  c.centering_rate = 0.25f;
  const float m = 0.5f;
  const Gradient g1 = random_gradient(3, nv, nh), g2 = random_gradient(4, nv, nh);
  Rbm start(nv, nh);
  Rng init(5);
  start.initialize(init, nullptr, 0.5f);
  start.visible_bias().setConstant(0.1f);
  start.hidden_bias().setConstant(-0.2f);

  // By hand, in double: the direction of each step, its velocity, and the offsets.
  MatrixD W = start.weights().cast<double>(), V = MatrixD::Zero(nv, nh);
  VectorD a = start.visible_bias().cast<double>(), b = start.hidden_bias().cast<double>();
  VectorD va = VectorD::Zero(nv), vb = VectorD::Zero(nh);
  VectorD mu = g1.batch_visible_mean.cast<double>(), lambda = g1.batch_hidden_mean.cast<double>();
  for (const Gradient* g : {&g1, &g2}) {
    const MatrixD dW = g->dW.cast<double>();
    const VectorD da = g->da.cast<double>(), db = g->db.cast<double>();
    const MatrixD gw = dW - mu * db.transpose() - da * lambda.transpose();
    const VectorD ga = da - gw * lambda, gb = db - gw.transpose() * mu;
    V = m * V + 0.1 * gw;
    W += V;
    va = m * va + 0.1 * ga;
    vb = m * vb + 0.1 * gb;
    a += va;
    b += vb;
    mu = 0.75 * mu + 0.25 * g->batch_visible_mean.cast<double>();
    lambda = 0.75 * lambda + 0.25 * g->batch_hidden_mean.cast<double>();
  }

  std::vector<Rbm> got;
  for (const int threads : {1, 3}) {
    const int saved = omp_get_max_threads();
    omp_set_num_threads(threads);
    Rbm rbm = start;
    Optimizer opt(c, nv, nh);
    opt.step(rbm, g1, m);
    opt.step(rbm, g2, m);
    omp_set_num_threads(saved);
    for (Index i = 0; i < nv; ++i) {
      for (Index j = 0; j < nh; ++j) expect_close(rbm.weights()(i, j), W(i, j), 1e-5);
      expect_close(rbm.visible_bias()[i], a[i], 1e-5);
      expect_close(opt.state().visible_offset[i], mu[i], 1e-6);
    }
    for (Index j = 0; j < nh; ++j) {
      expect_close(rbm.hidden_bias()[j], b[j], 1e-5);
      expect_close(opt.state().hidden_offset[j], lambda[j], 1e-6);
    }
    got.push_back(rbm);
  }
  EXPECT_TRUE(got[0].weights() == got[1].weights());
  EXPECT_TRUE(got[0].visible_bias() == got[1].visible_bias());
  EXPECT_TRUE(got[0].hidden_bias() == got[1].hidden_bias());
}

TEST(TrainZ2, BiasesStayZeroAndFreeEnergyIsEven) {
  const MatrixF data = prototype_data(60, UnitType::spin, 5);
  TrainConfig c;
  c.method = Method::pcd;
  c.symmetry = Symmetry::z2;
  c.epochs = 3;
  c.batch_size = 10;
  c.seed = 3;
  for (OptimizerKind kind : {OptimizerKind::sgd, OptimizerKind::adam}) {
    c.optimizer = kind;
    Rbm rbm(8, 4, UnitType::spin, UnitType::spin);
    Trainer trainer(rbm, c, data);
    while (!trainer.finished()) trainer.run_epoch();
    EXPECT_EQ(rbm.visible_bias(), VectorF::Zero(8));
    EXPECT_EQ(rbm.hidden_bias(), VectorF::Zero(4));
    EXPECT_GT(rbm.weights().cwiseAbs().maxCoeff(), 0.0f);
    const VectorD f = rbm.free_energy_visible(data);
    const VectorD g = rbm.free_energy_visible(-data);
    for (Index r = 0; r < data.rows(); ++r) EXPECT_EQ(f[r], g[r]) << "row " << r;
  }
}

TEST(TrainZ2, NeedsSpinUnitsAndNoSparsityTarget) {
  const MatrixF data = prototype_data(20, UnitType::bernoulli, 5);
  TrainConfig c;
  c.symmetry = Symmetry::z2;
  Rbm bernoulli(8, 3);
  EXPECT_THROW(Trainer(bernoulli, c, data), Error);
  c.sparsity_target = 0.1f;
  EXPECT_THROW(c.validate(), Error);
  TrainConfig centred;
  centred.centering = true;
  Rbm gaussian(8, 3, UnitType::gaussian, UnitType::bernoulli);
  EXPECT_THROW(Trainer(gaussian, centred, data), Error);
}

double exact_ll(const Rbm& rbm, const MatrixF& data) {
  return estimate::mean_log_likelihood(rbm, data, estimate::exact_log_partition(rbm)).mean;
}

// The best product of marginals: Σ_i log p_i(v_i) with p_i the data frequencies.
double independent_ll(const MatrixF& data, UnitType type) {
  double ll = 0.0;
  for (Index i = 0; i < data.cols(); ++i) {
    const double on = type == UnitType::spin ? (data.col(i).array() > 0.0f).cast<double>().mean()
                                             : data.col(i).cast<double>().mean();
    for (Index r = 0; r < data.rows(); ++r) {
      const bool up = type == UnitType::spin ? data(r, i) > 0.0f : data(r, i) > 0.5f;
      ll += std::log(up ? on : 1.0 - on);
    }
  }
  return ll / static_cast<double>(data.rows());
}

TEST(TrainParametrisations, EveryOneFitsBetterThanIndependentUnits) {
  // Three prototypes with 5 % noise: the independent model gives ≈ −5.5 nats, the generating
  // mixture ≈ −3. Each parametrisation must recover at least half of that gap on held-out rows.
  for (UnitType type : {UnitType::bernoulli, UnitType::spin}) {
    const MatrixF train = prototype_data(600, type, 7);
    const MatrixF test = prototype_data(600, type, 8);
    const double baseline = independent_ll(train, type);
    // Spin units see twice the Bernoulli couplings' range (v h ∈ ±1): a smaller SGD step.
    const float sgd_lr = type == UnitType::spin ? 0.03f : 0.1f;
    struct Case { OptimizerKind optimizer; bool centering; float lr; };
    for (const Case& k : {Case{OptimizerKind::sgd, true, sgd_lr}, Case{OptimizerKind::adam, false, 0.03f},
                          Case{OptimizerKind::adam, true, 0.03f}}) {
      TrainConfig c;
      c.method = Method::pcd;
      c.optimizer = k.optimizer;
      c.centering = k.centering;
      c.learning_rate = k.lr;
      c.learning_rate_final = k.lr / 10;
      c.momentum_initial = c.momentum_final = 0.5f;
      c.epochs = 30;
      c.batch_size = 20;
      c.seed = 9;
      Rbm rbm(8, 4, type, type);
      Trainer trainer(rbm, c, train);
      while (!trainer.finished()) trainer.run_epoch();
      EXPECT_EQ(trainer.divergences(), 0);
      const double ll = exact_ll(rbm, test);
      EXPECT_GT(ll, baseline + 0.5 * (-3.0 - baseline))
          << to_string(type) << " " << to_string(k.optimizer) << (k.centering ? " centred" : "")
          << ": held-out " << ll << " vs independent " << baseline;
    }
  }
}

TEST(TrainSchedule, ExponentialCosineAndWarmup) {
  TrainConfig c;
  c.epochs = 5;
  c.learning_rate = 0.1f;
  c.learning_rate_final = 0.001f;
  c.schedule = Schedule::exponential;
  EXPECT_FLOAT_EQ(learning_rate_at_epoch(c, 0), 0.1f);
  EXPECT_FLOAT_EQ(learning_rate_at_epoch(c, 2), 0.01f);  // the geometric mean
  EXPECT_FLOAT_EQ(learning_rate_at_epoch(c, 4), 0.001f);
  c.schedule = Schedule::cosine;
  EXPECT_FLOAT_EQ(learning_rate_at_epoch(c, 2), 0.0505f);  // half-way: the arithmetic mean
  EXPECT_FLOAT_EQ(learning_rate_at_epoch(c, 4), 0.001f);
  c.warmup_epochs = 3;
  EXPECT_FLOAT_EQ(learning_rate_at_epoch(c, 0), 0.1f * 0.25f);
  EXPECT_FLOAT_EQ(learning_rate_at_epoch(c, 2), 0.0505f * 0.75f);
  EXPECT_FLOAT_EQ(learning_rate_at_epoch(c, 3), learning_rate_at_epoch(TrainConfig(c), 3));
  c.learning_rate_final.reset();  // no final rate: constant whatever the schedule
  c.warmup_epochs = 0;
  EXPECT_FLOAT_EQ(learning_rate_at_epoch(c, 3), 0.1f);
}

TEST(TrainGuard, AbsurdStepStopsWithTheLastGoodStateKept) {
  const MatrixF train = prototype_data(200, UnitType::bernoulli, 12);
  TrainConfig c;
  c.method = Method::cd;
  c.learning_rate = 1e6f;
  c.momentum_initial = c.momentum_final = 0.0f;
  c.epochs = 3;
  c.batch_size = 20;
  Rbm rbm(8, 4);
  Trainer trainer(rbm, c, train);
  const Rbm initial = rbm;
  try {
    trainer.run_epoch();
    ADD_FAILURE() << "a step of 1e6 trained without a divergence";
  } catch (const TrainingDiverged& e) {
    EXPECT_NE(std::string(e.what()).find("diverged 3 times"), std::string::npos) << e.what();
  }
  EXPECT_EQ(trainer.divergences(), kDivergenceRetries);
  // The state before the epoch, with the step halved once per failure.
  EXPECT_EQ(trainer.epochs_done(), 0);
  EXPECT_EQ(rbm.weights(), initial.weights());
  EXPECT_FLOAT_EQ(trainer.config().learning_rate, 1e6f / 8.0f);
  EXPECT_FLOAT_EQ(trainer.checkpoint().config.learning_rate, 1e6f / 8.0f);
}

TEST(TrainGuard, ReasonableTrainingRaisesNoNotice) {
  const MatrixF train = prototype_data(200, UnitType::spin, 13);
  TrainConfig c;
  c.method = Method::pcd;
  c.epochs = 5;
  c.batch_size = 20;
  Rbm rbm(8, 4, UnitType::spin, UnitType::spin);
  Trainer trainer(rbm, c, train);
  while (!trainer.finished()) EXPECT_TRUE(trainer.run_epoch().notices.empty());
  EXPECT_EQ(trainer.divergences(), 0);
}

}  // namespace
}  // namespace rgflow::train
