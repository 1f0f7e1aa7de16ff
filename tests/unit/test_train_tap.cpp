// EMF / TAP training (Gabrié, Tramel & Krzakala 2015; docs/tap.md): the batched sweeps reach the
// fixed point of the double-precision solver; the negative phase equals central differences of
// log Z_TAP (envelope theorem) and approaches the exact model moments as the order rises; the
// estimator's persistence, state and checkpoints; a short TAP-2 run improves the exact
// log-likelihood.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <ostream>
#include <tuple>

#include "../support/random_rbm.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/estimate/exact.hpp"
#include "rgflow/estimate/tap.hpp"
#include "rgflow/train/config.hpp"
#include "rgflow/train/gradient.hpp"
#include "rgflow/train/trainer.hpp"
#include "test_train_support.hpp"

namespace rgflow::train {
namespace {

using test::random_rbm;

// ---------------------------------------------------------------------------------------------
// Configuration

TEST(TrainTapConfig, MethodNamesAndOrders) {
  for (const auto& [name, method, order] :
       {std::tuple{"tap1", Method::tap1, 1}, std::tuple{"tap2", Method::tap2, 2},
        std::tuple{"tap3", Method::tap3, 3}, std::tuple{"pt", Method::pt, 0},
        std::tuple{"pcd", Method::pcd, 0}}) {
    EXPECT_EQ(parse_method(name), method);
    EXPECT_EQ(to_string(method), name);
    EXPECT_EQ(tap_order(method), order);
  }
  EXPECT_THROW(parse_method("tap4"), Error);
  EXPECT_THROW(parse_method("TAP2"), Error);
}

TEST(TrainTapConfig, JsonRoundTripAndValidation) {
  TrainConfig c;
  c.method = Method::tap3;
  c.tap_iterations = 7;
  c.tap_damping = 0.3f;
  c.tap_persistent = false;
  c.tap_chains = 42;
  c.pt_replicas = 5;
  c.pt_beta_min = 0.25f;
  c.pt_adaptive = true;
  const nlohmann::json j = c;
  const TrainConfig back = j.get<TrainConfig>();
  EXPECT_EQ(back.method, Method::tap3);
  EXPECT_EQ(back.tap_iterations, 7);
  EXPECT_EQ(back.tap_damping, 0.3f);
  EXPECT_FALSE(back.tap_persistent);
  EXPECT_EQ(back.tap_chains, 42);
  EXPECT_EQ(back.pt_replicas, 5);
  EXPECT_EQ(back.pt_beta_min, 0.25f);
  EXPECT_TRUE(back.pt_adaptive);
  // Old configurations without the new keys keep the defaults.
  const auto old = nlohmann::json::parse(R"({"method": "pcd"})").get<TrainConfig>();
  EXPECT_EQ(old.tap_iterations, TrainConfig{}.tap_iterations);
  EXPECT_EQ(old.pt_replicas, TrainConfig{}.pt_replicas);

  const auto expect_invalid = [](auto&& mutate, const char* needle) {
    TrainConfig bad;
    mutate(bad);
    try {
      bad.validate();
      ADD_FAILURE() << "accepted: " << needle;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_invalid([](TrainConfig& b) { b.tap_iterations = 0; }, "TAP iterations");
  expect_invalid([](TrainConfig& b) { b.tap_damping = 1.0f; }, "TAP damping");
  expect_invalid([](TrainConfig& b) { b.tap_damping = -0.1f; }, "TAP damping");
  expect_invalid([](TrainConfig& b) { b.tap_chains = -1; }, "TAP chains");
  expect_invalid([](TrainConfig& b) { b.pt_replicas = 1; }, "replicas");
  expect_invalid([](TrainConfig& b) { b.pt_beta_min = 1.0f; }, "inverse temperature");
  expect_invalid([](TrainConfig& b) { b.pt_beta_min = 0.0f; }, "inverse temperature");
}

// ---------------------------------------------------------------------------------------------
// Batched TAP: fixed point and negative phase

struct Pairing {
  UnitType visible, hidden;
};
void PrintTo(const Pairing& p, std::ostream* os) {
  *os << to_string(p.visible) << "-" << to_string(p.hidden);
}
const Pairing kPairings[] = {{UnitType::bernoulli, UnitType::bernoulli},
                             {UnitType::bernoulli, UnitType::spin},
                             {UnitType::spin, UnitType::bernoulli},
                             {UnitType::spin, UnitType::spin}};

class TapBatch : public ::testing::TestWithParam<std::tuple<Pairing, int>> {};

// Two particles started at different data-like corners: many damped sweeps bring both to the
// fixed point that the float64 solver finds (unique for these weak couplings).
TEST_P(TapBatch, SweepsReachTheFixedPoint) {
  const auto [pairing, order] = GetParam();
  const double w = pairing.visible == UnitType::spin || pairing.hidden == UnitType::spin ? 0.15 : 0.3;
  const Rbm rbm = random_rbm(8, 6, pairing.visible, pairing.hidden, 5, w, 0.5, 1);
  estimate::TapOptions opt;
  opt.order = order;
  opt.max_iterations = 5000;
  opt.tolerance = 1e-13;
  const estimate::TapFixedPoint fp = estimate::tap_fixed_point(rbm, opt);
  ASSERT_TRUE(fp.converged);

  const float lo = pairing.visible == UnitType::spin ? -1.0f : 0.0f;
  MatrixF mv(2, 8);
  mv.row(0).setConstant(lo);
  mv.row(1).setConstant(1.0f);
  MatrixF mh;
  rbm.hidden_mean(mv, mh);
  estimate::tap_sweeps(rbm, order, 400, 0.5, mv, mh);
  for (Index p = 0; p < 2; ++p) {
    for (Index i = 0; i < 8; ++i) EXPECT_NEAR(mv(p, i), fp.visible[i], 2e-6) << p << "," << i;
    for (Index j = 0; j < 6; ++j) EXPECT_NEAR(mh(p, j), fp.hidden[j], 2e-6) << p << "," << j;
  }
}

// The model term is the total derivative of log Z_TAP = −F_TAP(m*(θ), θ): compare with central
// differences of the re-solved float64 log Z_TAP in every parameter. The step is applied to the
// float32 parameter and the difference divided by the step actually taken.
TEST_P(TapBatch, NegativePhaseIsTheDerivativeOfLogZTap) {
  const auto [pairing, order] = GetParam();
  const double w = pairing.visible == UnitType::spin || pairing.hidden == UnitType::spin ? 0.15 : 0.3;
  Rbm rbm = random_rbm(5, 4, pairing.visible, pairing.hidden, 9, w, 0.5, 2);
  estimate::TapOptions opt;
  opt.order = order;
  opt.max_iterations = 20000;
  opt.tolerance = 1e-14;
  MatrixF mv = MatrixF::Constant(1, 5, pairing.visible == UnitType::spin ? 0.0f : 0.5f);
  MatrixF mh;
  rbm.hidden_mean(mv, mh);
  estimate::tap_sweeps(rbm, order, 600, 0.5, mv, mh);
  MatrixF gw;
  VectorF ga, gb;
  estimate::tap_negative_phase(rbm, order, mv, mh, gw, ga, gb);

  const auto log_z = [&](const Rbm& m) { return estimate::tap_log_partition(m, opt).mean; };
  const auto central = [&](float& param) {
    const float saved = param;
    const float up = saved + 1e-3f;
    const float down = saved - 1e-3f;
    param = up;
    const double f_up = log_z(rbm);
    param = down;
    const double f_down = log_z(rbm);
    param = saved;
    return (f_up - f_down) / (static_cast<double>(up) - static_cast<double>(down));
  };
  // Float32 magnetisations: ~1e-6; central differences: O(h²) ~ 1e-6.
  constexpr double tol = 2e-5;
  for (Index i = 0; i < 5; ++i) {
    for (Index j = 0; j < 4; ++j) EXPECT_NEAR(gw(i, j), central(rbm.weights()(i, j)), tol) << i << "," << j;
    EXPECT_NEAR(ga[i], central(rbm.visible_bias()[i]), tol) << i;
  }
  for (Index j = 0; j < 4; ++j) EXPECT_NEAR(gb[j], central(rbm.hidden_bias()[j]), tol) << j;
}

// At fixed magnetisations the batched negative phase is minus the mean of the float64
// tap_free_energy_gradient over particles.
TEST_P(TapBatch, NegativePhaseMatchesFreeEnergyGradient) {
  const auto [pairing, order] = GetParam();
  const Rbm rbm = random_rbm(7, 5, pairing.visible, pairing.hidden, 13, 0.8, 0.5, 3);
  Rng rng(4, 0);
  const float lo = pairing.visible == UnitType::spin ? -1.0f : 0.0f;
  const float lo_h = pairing.hidden == UnitType::spin ? -1.0f : 0.0f;
  MatrixF mv(3, 7), mh(3, 5);
  for (Index i = 0; i < mv.size(); ++i) mv.data()[i] = lo + (1.0f - lo) * rng.uniform();
  for (Index i = 0; i < mh.size(); ++i) mh.data()[i] = lo_h + (1.0f - lo_h) * rng.uniform();
  MatrixF gw;
  VectorF ga, gb;
  estimate::tap_negative_phase(rbm, order, mv, mh, gw, ga, gb);
  MatrixD sum_w = MatrixD::Zero(7, 5);
  VectorD sum_a = VectorD::Zero(7), sum_b = VectorD::Zero(5);
  for (Index p = 0; p < 3; ++p) {
    const estimate::TapGradient g = estimate::tap_free_energy_gradient(
        rbm, mv.row(p).transpose().cast<double>(), mh.row(p).transpose().cast<double>(), order);
    sum_w -= g.weights / 3.0;
    sum_a -= g.visible_bias / 3.0;
    sum_b -= g.hidden_bias / 3.0;
  }
  EXPECT_LT((gw.cast<double>() - sum_w).cwiseAbs().maxCoeff(), 1e-5);
  EXPECT_LT((ga.cast<double>() - sum_a).cwiseAbs().maxCoeff(), 1e-6);
  EXPECT_LT((gb.cast<double>() - sum_b).cwiseAbs().maxCoeff(), 1e-6);
}

INSTANTIATE_TEST_SUITE_P(AllPairingsAndOrders, TapBatch,
                         ::testing::Combine(::testing::ValuesIn(kPairings),
                                            ::testing::Values(1, 2, 3)));

TEST(TapBatchErrors, RejectsBadInput) {
  const Rbm rbm = random_rbm(4, 3, UnitType::bernoulli, UnitType::bernoulli, 1, 0.1, 0.1, 0);
  MatrixF mv = MatrixF::Constant(2, 4, 0.5f), mh = MatrixF::Constant(2, 3, 0.5f);
  EXPECT_THROW(estimate::tap_sweeps(rbm, 4, 1, 0.5, mv, mh), Error);
  EXPECT_THROW(estimate::tap_sweeps(rbm, 2, 0, 0.5, mv, mh), Error);
  EXPECT_THROW(estimate::tap_sweeps(rbm, 2, 1, 1.0, mv, mh), Error);
  MatrixF short_h = MatrixF::Constant(1, 3, 0.5f);
  EXPECT_THROW(estimate::tap_sweeps(rbm, 2, 1, 0.5, mv, short_h), Error);
  MatrixF gw;
  VectorF ga, gb;
  MatrixF outside = mv;
  outside(0, 0) = 1.5f;
  EXPECT_THROW(estimate::tap_negative_phase(rbm, 2, outside, mh, gw, ga, gb), Error);
}

// ---------------------------------------------------------------------------------------------
// TAP vs the exact gradient

struct OrderErrors {
  double e[3];
};

// max |TAP model term − exact model moment| over W, a, b at the converged fixed point.
OrderErrors model_term_errors(const Rbm& rbm) {
  const estimate::Moments exact = estimate::exact_model_moments(rbm);
  OrderErrors out{};
  for (int order = 1; order <= 3; ++order) {
    MatrixF mv = MatrixF::Constant(1, rbm.n_visible(),
                                   rbm.visible_type() == UnitType::spin ? 0.0f : 0.5f);
    MatrixF mh;
    rbm.hidden_mean(mv, mh);
    estimate::tap_sweeps(rbm, order, 500, 0.5, mv, mh);
    MatrixF gw;
    VectorF ga, gb;
    estimate::tap_negative_phase(rbm, order, mv, mh, gw, ga, gb);
    double e = (gw.cast<double>() - exact.visible_hidden).cwiseAbs().maxCoeff();
    e = std::max(e, (ga.cast<double>() - exact.visible).cwiseAbs().maxCoeff());
    e = std::max(e, (gb.cast<double>() - exact.hidden).cwiseAbs().maxCoeff());
    out.e[order - 1] = e;
  }
  return out;
}

class TapVsExact : public ::testing::TestWithParam<Pairing> {};

// Weakly coupled 8 × 6 models (W ~ N(0, w²)): the error of the TAP model term shrinks with the
// order (each order removes the leading O(w^k) term), and halving w shrinks the order-k error by
// about 2^k. Float32 noise (~1e-6) is far below the errors compared.
TEST_P(TapVsExact, ModelTermErrorShrinksWithOrder) {
  const Pairing p = GetParam();
  const bool spin = p.visible == UnitType::spin || p.hidden == UnitType::spin;
  const double w = spin ? 0.1 : 0.2;
  const Rbm strong = random_rbm(8, 6, p.visible, p.hidden, 21, w, 0.7, 4);
  const Rbm weak = random_rbm(8, 6, p.visible, p.hidden, 21, w / 2, 0.7, 4);
  const OrderErrors es = model_term_errors(strong);
  const OrderErrors ew = model_term_errors(weak);
  for (const OrderErrors& e : {es, ew}) {
    EXPECT_LT(e.e[1], e.e[0] / 4) << e.e[0] << " " << e.e[1];
    EXPECT_LT(e.e[2], e.e[1]) << e.e[1] << " " << e.e[2];
  }
  // Order-1 error O(w): halving w at least ~halves it; order 2 O(w²): at least ~quarters it.
  EXPECT_LT(ew.e[0], es.e[0] / 1.6);
  EXPECT_LT(ew.e[1], es.e[1] / 3.0);
}

INSTANTIATE_TEST_SUITE_P(AllPairings, TapVsExact, ::testing::ValuesIn(kPairings));

// ---------------------------------------------------------------------------------------------
// The estimator

TEST(TapEstimator, PositivePhaseIsExactAndPersistenceCarriesMagnetisations) {
  const Rbm rbm = random_rbm(8, 5, UnitType::bernoulli, UnitType::bernoulli, 3, 0.3, 0.3, 5);
  const MatrixF batch = test::prototype_data(6, UnitType::bernoulli, 7);
  TapEstimator est(2, 3, 0.5, true, /*chains=*/10);
  Rng rng(1, 0);
  const RngState before = rng.state();
  Gradient g;
  est.estimate(rbm, batch, rng, g);
  EXPECT_EQ(rng.state(), before) << "TAP training must not draw random numbers";

  // First call: particle p starts at batch row p mod 6, m_h = E[h | v], then 3 sweeps.
  MatrixF mv(10, 8);
  for (Index p = 0; p < 10; ++p) mv.row(p) = batch.row(p % 6);
  MatrixF mh;
  rbm.hidden_mean(mv, mh);
  estimate::tap_sweeps(rbm, 2, 3, 0.5, mv, mh);
  EXPECT_EQ(est.visible_magnetisations(), mv);
  EXPECT_EQ(est.hidden_magnetisations(), mh);

  // Gradient = exact data moments − TAP model term.
  const estimate::Moments data = estimate::data_moments(rbm, batch);
  MatrixF gw;
  VectorF ga, gb;
  estimate::tap_negative_phase(rbm, 2, mv, mh, gw, ga, gb);
  EXPECT_LT((g.dW.cast<double>() - (data.visible_hidden - gw.cast<double>())).cwiseAbs().maxCoeff(), 1e-6);
  EXPECT_LT((g.da.cast<double>() - (data.visible - ga.cast<double>())).cwiseAbs().maxCoeff(), 1e-6);
  EXPECT_LT((g.db.cast<double>() - (data.hidden - gb.cast<double>())).cwiseAbs().maxCoeff(), 1e-6);
  EXPECT_LT((g.batch_visible_mean.cast<double>() - data.visible).cwiseAbs().maxCoeff(), 1e-6);
  EXPECT_LT((g.batch_hidden_mean.cast<double>() - data.hidden).cwiseAbs().maxCoeff(), 1e-6);

  // Second call: continues from the stored magnetisations, not from the new batch.
  const MatrixF other = test::prototype_data(6, UnitType::bernoulli, 8);
  est.estimate(rbm, other, rng, g);
  estimate::tap_sweeps(rbm, 2, 3, 0.5, mv, mh);
  EXPECT_EQ(est.visible_magnetisations(), mv);
  EXPECT_EQ(est.hidden_magnetisations(), mh);
}

TEST(TapEstimator, NonPersistentRestartsAtTheBatch) {
  const Rbm rbm = random_rbm(8, 5, UnitType::spin, UnitType::spin, 3, 0.2, 0.3, 6);
  const MatrixF batch = test::prototype_data(6, UnitType::spin, 9);
  TapEstimator est(3, 4, 0.3, false);
  Rng rng(1, 0);
  Gradient g1, g2;
  est.estimate(rbm, batch, rng, g1);
  est.estimate(rbm, batch, rng, g2);
  EXPECT_EQ(g1.dW, g2.dW);
  EXPECT_EQ(g1.da, g2.da);
  EXPECT_EQ(g1.db, g2.db);
  EXPECT_EQ(est.state().chains.size(), 0);
  EXPECT_THROW(est.set_persistent_chains(batch), Error);
  MatrixF mv = batch, mh;
  rbm.hidden_mean(mv, mh);
  estimate::tap_sweeps(rbm, 3, 4, 0.3, mv, mh);
  EXPECT_EQ(est.visible_magnetisations(), mv);
}

TEST(TapEstimator, StateRestoresBitIdentically) {
  const Rbm rbm = random_rbm(8, 5, UnitType::bernoulli, UnitType::bernoulli, 3, 0.3, 0.3, 7);
  const MatrixF b1 = test::prototype_data(6, UnitType::bernoulli, 1);
  const MatrixF b2 = test::prototype_data(6, UnitType::bernoulli, 2);
  Rng rng(1, 0);
  TapEstimator a(3, 3, 0.5, true);
  Gradient ga, gb;
  a.estimate(rbm, b1, rng, ga);
  const EstimatorState saved = a.state();
  EXPECT_EQ(saved.chains.rows(), 6);
  EXPECT_EQ(saved.hidden.rows(), 6);
  TapEstimator b(3, 3, 0.5, true);
  b.restore(saved);
  a.estimate(rbm, b2, rng, ga);
  b.estimate(rbm, b2, rng, gb);
  EXPECT_EQ(ga.dW, gb.dW);
  EXPECT_EQ(ga.da, gb.da);
  EXPECT_EQ(ga.db, gb.db);
  EstimatorState bad = saved;
  bad.hidden = MatrixF::Zero(2, 5);
  EXPECT_THROW(b.restore(bad), Error);
}

TEST(TapEstimator, FactoryBuildsTheConfiguredEstimator) {
  TrainConfig c;
  c.method = Method::tap3;
  c.tap_iterations = 9;
  auto est = make_gradient_estimator(c);
  auto* tap = dynamic_cast<TapEstimator*>(est.get());
  ASSERT_NE(tap, nullptr);
  EXPECT_EQ(tap->order(), 3);
  EXPECT_THROW(TapEstimator(0, 3, 0.5, true), Error);
  EXPECT_THROW(TapEstimator(2, 0, 0.5, true), Error);
  EXPECT_THROW(TapEstimator(2, 3, 1.0, true), Error);
  // Gaussian visible units: tests/unit/test_train_tap_gaussian.cpp.
}

// ---------------------------------------------------------------------------------------------
// Training

// A short TAP run on the 8-unit prototype data (three noisy prototypes; exact log-likelihood by
// enumeration) raises the exact mean log-likelihood well above that of the Hinton-initialised
// independent-unit model (≈ −5.2 nats). The gain required (1 nat) is ~30 standard errors of the
// mean over 300 rows; the evaluation is exact, so the only randomness is the fixed seed.
// Momentum stays at 0.5: with 0.9 (the default after epoch 5) persistent methods — PCD as well
// as persistent TAP — oscillate on this tiny data set. Spin units use non-persistent
// magnetisations: persistent ones oscillate there (docs/tap.md, "EMF training in practice").
class TapTraining : public ::testing::TestWithParam<std::tuple<Method, UnitType, bool>> {};

TEST_P(TapTraining, ImprovesExactLogLikelihood) {
  const auto [method, units, persistent] = GetParam();
  const MatrixF data = test::prototype_data(300, units, 17);
  TrainConfig c;
  c.method = method;
  c.tap_persistent = persistent;
  c.epochs = 30;
  c.batch_size = 20;
  c.learning_rate = 0.05f;
  c.momentum_final = 0.5f;
  c.seed = 5;
  c.monitor_rows = 20;
  Rbm rbm(8, 6, units, units);
  Trainer trainer(rbm, c, data);
  const double before =
      estimate::mean_log_likelihood(rbm, data, estimate::exact_log_partition(rbm)).mean;
  while (!trainer.finished()) trainer.run_epoch();
  const double after =
      estimate::mean_log_likelihood(rbm, data, estimate::exact_log_partition(rbm)).mean;
  EXPECT_GT(after, before + 1.0) << "before " << before << ", after " << after;
}

INSTANTIATE_TEST_SUITE_P(
    Tap2AndTap3, TapTraining,
    ::testing::Values(std::tuple{Method::tap2, UnitType::bernoulli, true},
                      std::tuple{Method::tap2, UnitType::bernoulli, false},
                      std::tuple{Method::tap3, UnitType::bernoulli, true},
                      std::tuple{Method::tap2, UnitType::spin, false}));

// Checkpoint after 2 epochs, save, load, 2 more == 4 uninterrupted epochs, bit for bit (the
// persistent visible and hidden magnetisations are restored).
TEST(TapCheckpoint, ResumeIsBitIdentical) {
  test::TrainTempDir dir;
  const MatrixF data = test::prototype_data(70, UnitType::bernoulli, 21);
  TrainConfig c;
  c.method = Method::tap2;
  c.tap_persistent = true;
  c.epochs = 4;
  c.batch_size = 15;
  c.tap_chains = 11;
  c.seed = 99;
  c.monitor_rows = 20;
  const auto r = test::resume_after_two_epochs(c, data, [] { return Rbm(8, 3); },
                                               dir.file("tap.checkpoint.h5"));
  EXPECT_EQ(r.loaded.persistent_chains.rows(), 11);
  EXPECT_EQ(r.loaded.persistent_hidden.rows(), 11);
  EXPECT_EQ(r.loaded.persistent_hidden, r.saved.persistent_hidden);
  test::expect_same_parameters(r.resumed, r.straight);
}

}  // namespace
}  // namespace rgflow::train
