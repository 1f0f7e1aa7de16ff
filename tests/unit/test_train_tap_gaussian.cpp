// EMF / TAP training with Gaussian visible units (docs/gaussian.md §4, docs/tap.md): the batched
// float32 sweeps reach the float64 fixed point; the batched negative phase is the float64
// free-energy gradient; the estimator's full gradient (data term − TAP model term, with the 1/σ²
// scaling and ∂/∂log σ) equals central differences of the TAP log-likelihood
// ⟨−F(v)⟩_B − log Z_TAP; the order-2 model term approaches the exact model moments (exact for one
// hidden unit) with an error that shrinks with the coupling; short TAP-2 runs on two Gaussian blobs
// raise the exact log-likelihood.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <ostream>
#include <string>
#include <tuple>

#include "rgflow/core/error.hpp"
#include "rgflow/estimate/exact.hpp"
#include "rgflow/estimate/tap.hpp"
#include "rgflow/train/config.hpp"
#include "rgflow/train/gradient.hpp"
#include "rgflow/train/trainer.hpp"
#include "support/gaussian_rbm.hpp"
#include "test_train_support.hpp"

namespace rgflow::train {
namespace {

using test::random_gaussian_rbm;

estimate::TapOptions tight(int order) {
  estimate::TapOptions o;
  o.order = order;
  o.max_iterations = 20000;
  o.damping = 0.3;
  o.tolerance = 1e-14;
  return o;
}

// Rows of roughly standardised real-valued data: N(0, 1) per entry, stream (seed, 3).
MatrixF normal_rows(Index n, Index nv, std::uint64_t seed) {
  Rng rng(seed, 3);
  MatrixF x(n, nv);
  for (Index i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(rng.normal());
  return x;
}

class GaussianTapBatch : public ::testing::TestWithParam<std::tuple<UnitType, int>> {};

// Two particles from very different visible starts: many damped sweeps bring both to the fixed
// point of the float64 solver (unique for these couplings).
TEST_P(GaussianTapBatch, SweepsReachTheFixedPoint) {
  const auto [hidden, order] = GetParam();
  const Rbm rbm = random_gaussian_rbm(7, 5, hidden, 11, 0.2, 0.5, 0.6, 1.4);
  const estimate::TapFixedPoint fp = estimate::tap_fixed_point(rbm, tight(order));
  ASSERT_TRUE(fp.converged);
  MatrixF mv(2, 7);
  mv.row(0).setConstant(-2.0f);
  mv.row(1).setConstant(2.0f);
  MatrixF mh;
  rbm.hidden_mean(mv, mh);
  estimate::tap_sweeps(rbm, order, 400, 0.5, mv, mh);
  // float32: the visible means are O(1), so ~1e-6 absolute.
  for (Index p = 0; p < 2; ++p) {
    for (Index i = 0; i < 7; ++i) EXPECT_NEAR(mv(p, i), fp.visible[i], 5e-6) << p << "," << i;
    for (Index j = 0; j < 5; ++j) EXPECT_NEAR(mh(p, j), fp.hidden[j], 5e-6) << p << "," << j;
  }
}

// At fixed magnetisations the batched negative phase is minus the mean over particles of the
// float64 tap_free_energy_gradient, in every parameter including log σ; order 3 = 2.
TEST_P(GaussianTapBatch, NegativePhaseMatchesFreeEnergyGradient) {
  const auto [hidden, order] = GetParam();
  const Rbm rbm = random_gaussian_rbm(6, 4, hidden, 13, 0.8, 0.5, 0.6, 1.4);
  Rng rng(4, 0);
  const float lo_h = hidden == UnitType::spin ? -1.0f : 0.0f;
  MatrixF mv(3, 6), mh(3, 4);
  for (Index i = 0; i < mv.size(); ++i) mv.data()[i] = static_cast<float>(1.5 * rng.normal());
  for (Index i = 0; i < mh.size(); ++i) mh.data()[i] = lo_h + (1.0f - lo_h) * rng.uniform();
  MatrixF gw;
  VectorF ga, gb, gs;
  estimate::tap_negative_phase(rbm, order, mv, mh, gw, ga, gb, &gs);
  MatrixD sum_w = MatrixD::Zero(6, 4);
  VectorD sum_a = VectorD::Zero(6), sum_b = VectorD::Zero(4), sum_s = VectorD::Zero(6);
  for (Index p = 0; p < 3; ++p) {
    const estimate::TapGradient g = estimate::tap_free_energy_gradient(
        rbm, mv.row(p).transpose().cast<double>(), mh.row(p).transpose().cast<double>(), order);
    sum_w -= g.weights / 3.0;
    sum_a -= g.visible_bias / 3.0;
    sum_b -= g.hidden_bias / 3.0;
    sum_s -= g.log_sigma / 3.0;
  }
  // float32 sums of O(1) terms: a few 1e-7 relative.
  EXPECT_LT((gw.cast<double>() - sum_w).cwiseAbs().maxCoeff(), 1e-5);
  EXPECT_LT((ga.cast<double>() - sum_a).cwiseAbs().maxCoeff(), 1e-5);
  EXPECT_LT((gb.cast<double>() - sum_b).cwiseAbs().maxCoeff(), 1e-6);
  EXPECT_LT((gs.cast<double>() - sum_s).cwiseAbs().maxCoeff(), 1e-5);
  // Without the output pointer the other members are the same.
  MatrixF gw2;
  VectorF ga2, gb2;
  estimate::tap_negative_phase(rbm, order, mv, mh, gw2, ga2, gb2);
  EXPECT_EQ(gw, gw2);
  EXPECT_EQ(ga, ga2);
}

INSTANTIATE_TEST_SUITE_P(HiddenTypesAndOrders, GaussianTapBatch,
                         ::testing::Combine(::testing::Values(UnitType::bernoulli, UnitType::spin),
                                            ::testing::Values(1, 2, 3)));

TEST(GaussianTapBatchErrors, RejectsBadInput) {
  const Rbm rbm = random_gaussian_rbm(4, 3, UnitType::bernoulli, 1, 0.1, 0.1, 1.0, 1.0);
  MatrixF mv = MatrixF::Zero(2, 4), mh = MatrixF::Constant(2, 3, 0.5f);
  EXPECT_THROW(estimate::tap_sweeps(rbm, 4, 1, 0.5, mv, mh), Error);
  EXPECT_THROW(estimate::tap_sweeps(rbm, 2, 0, 0.5, mv, mh), Error);
  EXPECT_THROW(estimate::tap_sweeps(rbm, 2, 1, 1.0, mv, mh), Error);
  MatrixF short_h = MatrixF::Constant(1, 3, 0.5f);
  EXPECT_THROW(estimate::tap_sweeps(rbm, 2, 1, 0.5, mv, short_h), Error);
  MatrixF gw;
  VectorF ga, gb;
  MatrixF outside = mh;
  outside(0, 0) = 1.5f;
  EXPECT_THROW(estimate::tap_negative_phase(rbm, 2, mv, outside, gw, ga, gb), Error);
  MatrixF nan_v = mv;
  nan_v(1, 2) = std::nanf("");
  EXPECT_THROW(estimate::tap_negative_phase(rbm, 2, nan_v, mh, gw, ga, gb), Error);
}

// ---------------------------------------------------------------------------------------------
// The estimator's gradient against finite differences of the TAP log-likelihood

// F(v) = Σ_i (v_i − a_i)²/(2σ_i²) − Σ_j L_h(b_j + Σ_i W_ij v_i/σ_i²), in float64 (docs/gaussian.md
// §1), written here independently of Rbm::free_energy_visible (whose fields are float32).
double free_energy_visible(const Rbm& rbm, const VectorD& v) {
  const VectorD a = rbm.visible_bias().cast<double>();
  const VectorD s2 = rbm.visible_sigma().cast<double>().array().square();
  const VectorD field = rbm.hidden_bias().cast<double>() +
                        rbm.weights().cast<double>().transpose() * (v.array() / s2.array()).matrix();
  double f = ((v - a).array().square() / (2.0 * s2.array())).sum();
  for (Index j = 0; j < field.size(); ++j) {
    const double x = field[j];
    f -= rbm.hidden_type() == UnitType::bernoulli
             ? (x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)))
             : std::fabs(x) + std::log1p(std::exp(-2.0 * std::fabs(x)));  // log 2cosh x
  }
  return f;
}

class GaussianTapEstimatorFd : public ::testing::TestWithParam<UnitType> {};

// L_TAP(θ) = ⟨−F(v)⟩_B − log Z_TAP(θ): its exact gradient is the data term minus ∂ log Z_TAP/∂θ,
// which the estimator returns once its particles sit at the fixed point (2000 sweeps, non-
// persistent, from the batch rows; the fixed point is unique for these couplings). Central
// differences in float64 with step h = 1e-4 on the float32 parameter (the difference is divided by
// the step actually taken): truncation h²/6·|L'''| ≲ 1e-8, rounding 1e-15·|L|/h ≲ 1e-10, far below
// the float32 rounding of the estimator (ε₃₂ ≈ 6e-8 times sums of O(10) terms, ≲ 1e-5), which sets
// the tolerance.
TEST_P(GaussianTapEstimatorFd, FullGradientIsTheDerivativeOfTheTapLogLikelihood) {
  Rbm rbm = random_gaussian_rbm(4, 3, GetParam(), 31, 0.4, 0.5, 0.7, 1.3);
  rbm.set_learn_sigma(true);
  const MatrixF batch = normal_rows(6, 4, 32);
  TapEstimator est(2, 2000, 0.5, /*persistent=*/false);
  Rng rng(1, 0);
  Gradient g;
  est.estimate(rbm, batch, rng, g);
  ASSERT_EQ(g.d_log_sigma.size(), 4);

  const auto tap_log_likelihood = [&]() {
    double data = 0.0;
    for (Index r = 0; r < batch.rows(); ++r) {
      data -= free_energy_visible(rbm, batch.row(r).transpose().cast<double>());
    }
    return data / static_cast<double>(batch.rows()) -
           estimate::tap_log_partition(rbm, tight(2)).mean;
  };
  constexpr double h = 1e-4;
  const auto central = [&](float& param) {
    const float keep = param;
    const auto up = static_cast<float>(keep + h);
    const auto down = static_cast<float>(keep - h);
    param = up;
    const double f_up = tap_log_likelihood();
    param = down;
    const double f_down = tap_log_likelihood();
    param = keep;
    return (f_up - f_down) / (static_cast<double>(up) - static_cast<double>(down));
  };
  // ∂/∂log σ: perturb z = log σ and store σ = e^z in float32; divide by the z actually taken.
  const auto central_log_sigma = [&](Index i) {
    float& sigma = rbm.visible_sigma()[i];
    const float keep = sigma;
    const double z = std::log(static_cast<double>(keep));
    const auto up = static_cast<float>(std::exp(z + h));
    const auto down = static_cast<float>(std::exp(z - h));
    sigma = up;
    const double f_up = tap_log_likelihood();
    sigma = down;
    const double f_down = tap_log_likelihood();
    sigma = keep;
    return (f_up - f_down) / (std::log(static_cast<double>(up)) - std::log(static_cast<double>(down)));
  };
  constexpr double tol = 2e-5;
  for (Index i = 0; i < 4; ++i) {
    for (Index j = 0; j < 3; ++j) {
      EXPECT_NEAR(g.dW(i, j), central(rbm.weights()(i, j)), tol) << i << "," << j;
    }
    EXPECT_NEAR(g.da[i], central(rbm.visible_bias()[i]), tol) << i;
    EXPECT_NEAR(g.d_log_sigma[i], central_log_sigma(i), tol) << i;
  }
  for (Index j = 0; j < 3; ++j) EXPECT_NEAR(g.db[j], central(rbm.hidden_bias()[j]), tol) << j;

  // Fixed σ: the same W, a, b gradient and no log σ term.
  rbm.set_learn_sigma(false);
  Gradient fixed;
  est.estimate(rbm, batch, rng, fixed);
  EXPECT_EQ(fixed.d_log_sigma.size(), 0);
  EXPECT_EQ(fixed.dW, g.dW);
  EXPECT_EQ(fixed.da, g.da);
  EXPECT_EQ(fixed.db, g.db);
}

INSTANTIATE_TEST_SUITE_P(HiddenTypes, GaussianTapEstimatorFd,
                         ::testing::Values(UnitType::bernoulli, UnitType::spin));

// ---------------------------------------------------------------------------------------------
// TAP model term vs the exact model moments (hidden layer enumerated)

// max over W, a, b, log σ of |TAP model term − exact ∂ log Z/∂θ| at the converged fixed point.
double model_term_error(const Rbm& rbm, int order) {
  const test::GaussianExact ex = test::gaussian_exact(rbm);
  const VectorD s2 = rbm.visible_sigma().cast<double>().array().square();
  const VectorD a = rbm.visible_bias().cast<double>();
  MatrixF mv = rbm.visible_bias().transpose();
  MatrixF mh;
  rbm.hidden_mean(mv, mh);
  estimate::tap_sweeps(rbm, order, 600, 0.5, mv, mh);
  MatrixF gw;
  VectorF ga, gb, gs;
  estimate::tap_negative_phase(rbm, order, mv, mh, gw, ga, gb, &gs);
  // Exact: ∂ log Z/∂W_ij = ⟨v_i h_j⟩/σ_i², ∂/∂a_i = (⟨v_i⟩ − a_i)/σ_i², ∂/∂b_j = ⟨h_j⟩,
  // ∂/∂log σ_i = ⟨[(v_i − a_i)² − 2 v_i (W h)_i]/σ_i²⟩.
  const MatrixD exact_w = (ex.vh.array().colwise() / s2.array()).matrix();
  const VectorD exact_a = ((ex.v - a).array() / s2.array()).matrix();
  double e = (gw.cast<double>() - exact_w).cwiseAbs().maxCoeff();
  e = std::max(e, (ga.cast<double>() - exact_a).cwiseAbs().maxCoeff());
  e = std::max(e, (gb.cast<double>() - ex.h).cwiseAbs().maxCoeff());
  e = std::max(e, (gs.cast<double>() - ex.log_sigma_statistic).cwiseAbs().maxCoeff());
  return e;
}

class GaussianTapVsExact : public ::testing::TestWithParam<UnitType> {};

// One hidden unit: log Z_TAP-2 is exact as a function of θ (docs/gaussian.md §4), so its gradient
// is the exact model term (to float32 rounding); order 1 is not.
TEST_P(GaussianTapVsExact, OrderTwoModelTermIsExactForOneHiddenUnit) {
  for (std::uint64_t seed = 0; seed < 3; ++seed) {
    const Rbm rbm = random_gaussian_rbm(6, 1, GetParam(), 80 + seed, 0.8, 0.7, 0.6, 1.4);
    EXPECT_LT(model_term_error(rbm, 2), 2e-5) << seed;
    EXPECT_GT(model_term_error(rbm, 1), 1e-3) << seed;
  }
}

// Several hidden units (8 × 4, weights w·W₀): the hidden–hidden couplings enter log Z at O(w⁴), so
// the order-2 model term's error is O(w³) against O(w) for order 1. Halving w must divide them by
// at least 1.6 and 5 (ideal 2 and 8), and order 2 must be at least 4× better than order 1.
TEST_P(GaussianTapVsExact, OrderTwoErrorShrinksWithTheCoupling) {
  const Rbm base = random_gaussian_rbm(8, 4, GetParam(), 90, 1.0, 0.5, 0.7, 1.3);
  double err[2][2];
  for (int k = 0; k < 2; ++k) {
    Rbm rbm = base;
    rbm.weights() *= k == 0 ? 0.3f : 0.15f;
    err[k][0] = model_term_error(rbm, 1);
    err[k][1] = model_term_error(rbm, 2);
    EXPECT_LT(err[k][1], err[k][0] / 4) << "w index " << k;
    EXPECT_EQ(model_term_error(rbm, 3), err[k][1]);  // no third cumulant: order 3 = order 2
  }
  EXPECT_GT(err[0][0] / err[1][0], 1.6) << err[0][0] << " " << err[1][0];
  EXPECT_GT(err[0][1] / err[1][1], 5.0) << err[0][1] << " " << err[1][1];
}

INSTANTIATE_TEST_SUITE_P(HiddenTypes, GaussianTapVsExact,
                         ::testing::Values(UnitType::bernoulli, UnitType::spin));

// ---------------------------------------------------------------------------------------------
// The estimator: persistence, determinism, state

TEST(GaussianTapEstimator, PersistentParticlesStartAtTheBatchAndCarryOver) {
  const Rbm rbm = random_gaussian_rbm(5, 3, UnitType::bernoulli, 41, 0.3, 0.3, 0.8, 1.2);
  const MatrixF batch = normal_rows(4, 5, 42);
  TapEstimator est(2, 3, 0.5, true, /*chains=*/6);
  Rng rng(1, 0);
  const RngState before = rng.state();
  Gradient g;
  est.estimate(rbm, batch, rng, g);
  EXPECT_EQ(rng.state(), before) << "TAP training must not draw random numbers";
  MatrixF mv(6, 5);
  for (Index p = 0; p < 6; ++p) mv.row(p) = batch.row(p % 4);
  MatrixF mh;
  rbm.hidden_mean(mv, mh);
  estimate::tap_sweeps(rbm, 2, 3, 0.5, mv, mh);
  EXPECT_EQ(est.visible_magnetisations(), mv);
  EXPECT_EQ(est.hidden_magnetisations(), mh);
  EXPECT_EQ(g.d_log_sigma.size(), 0);  // σ fixed

  // The next update continues from the particles; a restored copy gives the same gradient.
  TapEstimator copy(2, 3, 0.5, true, 6);
  copy.restore(est.state());
  const MatrixF other = normal_rows(4, 5, 43);
  Gradient g1, g2;
  est.estimate(rbm, other, rng, g1);
  copy.estimate(rbm, other, rng, g2);
  estimate::tap_sweeps(rbm, 2, 3, 0.5, mv, mh);
  EXPECT_EQ(est.visible_magnetisations(), mv);
  EXPECT_EQ(g1.dW, g2.dW);
  EXPECT_EQ(g1.da, g2.da);
  EXPECT_EQ(g1.db, g2.db);
}

// Checkpoint after 2 epochs, save, load, 2 more == 4 uninterrupted epochs, bit for bit: the
// persistent magnetisations (visible means unbounded) and the learned σ are restored.
TEST(GaussianTapEstimator, CheckpointResumeIsBitIdentical) {
  test::TrainTempDir dir;
  const MatrixF data = normal_rows(70, 5, 44);
  TrainConfig c;
  c.method = Method::tap2;
  c.tap_persistent = true;
  c.epochs = 4;
  c.batch_size = 15;
  c.tap_chains = 9;
  c.seed = 45;
  c.monitor_rows = 20;
  const auto fresh = [] {
    Rbm rbm(5, 3, UnitType::gaussian);
    rbm.set_learn_sigma(true);
    return rbm;
  };
  const auto r = test::resume_after_two_epochs(c, data, fresh, dir.file("gauss_tap.checkpoint.h5"));
  EXPECT_EQ(r.loaded.persistent_chains.rows(), 9);
  EXPECT_EQ(r.loaded.persistent_hidden.rows(), 9);
  test::expect_same_parameters(r.resumed, r.straight);
  EXPECT_NE(r.straight.visible_sigma(), VectorF::Ones(5));  // σ was learned
}

// ---------------------------------------------------------------------------------------------
// Training

// Two Gaussian blobs in 4 dimensions, centres ±(1.5, 1.5, −1.5, −1.5), spread 0.5 (stream
// (seed, 5)): a 4 × 2 Gaussian–Bernoulli RBM can place one hidden unit on the blob axis.
MatrixF two_blobs(Index n, std::uint64_t seed) {
  Rng rng(seed, 5);
  MatrixF x(n, 4);
  for (Index r = 0; r < n; ++r) {
    const float sign = rng.uniform() < 0.5f ? 1.0f : -1.0f;
    for (Index i = 0; i < 4; ++i) {
      const float c = (i < 2 ? 1.5f : -1.5f) * sign;
      x(r, i) = c + 0.5f * static_cast<float>(rng.normal());
    }
  }
  return x;
}

// The generating density of two_blobs, log(½ N(x; c, ¼I) + ½ N(x; −c, ¼I)), mean over rows.
double blob_log_density(const MatrixF& rows) {
  double sum = 0.0;
  for (Index r = 0; r < rows.rows(); ++r) {
    double q[2] = {0.0, 0.0};
    for (int k = 0; k < 2; ++k) {
      for (Index i = 0; i < 4; ++i) {
        const double c = (i < 2 ? 1.5 : -1.5) * (k == 0 ? 1.0 : -1.0);
        const double d = (rows(r, i) - c) / 0.5;
        q[k] += -0.5 * d * d - std::log(0.5) - 0.5 * std::log(2.0 * M_PI);
      }
    }
    const double top = std::max(q[0], q[1]);
    sum += top + std::log(0.5 * std::exp(q[0] - top) + 0.5 * std::exp(q[1] - top));
  }
  return sum / static_cast<double>(rows.rows());
}

double held_out_log_likelihood(const Rbm& rbm, const MatrixF& rows) {
  return estimate::mean_log_likelihood(rbm, rows, estimate::exact_log_partition(rbm)).mean;
}

// Non-persistent TAP training (magnetisations restarted at the batch, 3 sweeps per update) raises
// the exact mean log-likelihood (a density; hidden layer enumerated) of 1000 held-out rows from
// that of the initial model (a ≈ data means, W ≈ 0: N(mean, I) against data of variance 2.5 per
// column, ≈ −8.6 nats) by > 2 nats with σ fixed at 1 (measured: +3.7 nats for TAP-1 and TAP-2, as
// CD-1). With learned σ, σ first grows towards the data's marginal spread and then, once W has
// separated the blobs, falls to their spread 0.5: after 40 epochs σ < 0.7 and the gain is > 4 nats
// (measured +5.0), and the model may not beat the generating density by more than sampling noise
// (0.1 nat ≈ 5 standard errors of the mean difference). The evaluation is exact and the seed
// fixed. Persistent TAP oscillates on these two well-separated modes (docs/gaussian.md §4), as on
// the binary prototype data (docs/tap.md), and is not used here.
struct TrainingCase {
  Method method;
  bool learn_sigma;
  int epochs;
};
void PrintTo(const TrainingCase& c, std::ostream* os) {
  *os << to_string(c.method) << (c.learn_sigma ? "-learned-sigma-" : "-fixed-sigma-") << c.epochs;
}

class GaussianTapTraining : public ::testing::TestWithParam<TrainingCase> {};

TEST_P(GaussianTapTraining, ImprovesExactLogLikelihood) {
  const TrainingCase tc = GetParam();
  const MatrixF train = two_blobs(400, 51);
  const MatrixF test_rows = two_blobs(1000, 52);
  TrainConfig c;
  c.method = tc.method;
  c.tap_persistent = false;
  c.epochs = tc.epochs;
  c.batch_size = 20;
  c.learning_rate = 0.02f;
  c.momentum_final = 0.5f;
  c.seed = 7;
  c.monitor_rows = 20;
  Rbm rbm(4, 2, UnitType::gaussian);
  rbm.set_learn_sigma(tc.learn_sigma);
  Trainer trainer(rbm, c, train);
  const double before = held_out_log_likelihood(rbm, test_rows);
  while (!trainer.finished()) trainer.run_epoch();
  const double after = held_out_log_likelihood(rbm, test_rows);
  if (tc.learn_sigma) {
    EXPECT_GT(after, before + 4.0) << "before " << before << ", after " << after;
    EXPECT_LT(rbm.visible_sigma().maxCoeff(), 0.7f) << rbm.visible_sigma().transpose();
    EXPECT_LT(after, blob_log_density(test_rows) + 0.1) << blob_log_density(test_rows);
  } else {
    EXPECT_GT(after, before + 2.0) << "before " << before << ", after " << after;
    EXPECT_EQ(rbm.visible_sigma(), VectorF::Ones(4));
  }
}

INSTANTIATE_TEST_SUITE_P(NonPersistent, GaussianTapTraining,
                         ::testing::Values(TrainingCase{Method::tap2, false, 20},
                                           TrainingCase{Method::tap1, false, 20},
                                           TrainingCase{Method::tap2, true, 40}));

}  // namespace
}  // namespace rgflow::train
