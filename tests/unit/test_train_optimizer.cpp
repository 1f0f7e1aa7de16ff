// Sgd (Hinton 2010 §9–§11): exact effect of weight cost, momentum and sparsity on one or two
// updates, computed by hand from the update rule in optimizer.hpp.
#include <gtest/gtest.h>

#include <cmath>

#include "rgflow/core/error.hpp"
#include "rgflow/train/optimizer.hpp"

namespace rgflow::train {
namespace {

Rbm random_rbm(UnitType hidden = UnitType::bernoulli) {
  Rbm rbm(4, 3, UnitType::bernoulli, hidden);
  Rng rng(7);
  rbm.initialize(rng, nullptr, 0.5f);
  rbm.weights()(1, 2) = 0.0f;  // sign(0) = 0: L1 must leave it at zero
  rbm.visible_bias() << 0.1f, -0.2f, 0.3f, 0.0f;
  rbm.hidden_bias() << -0.5f, 0.25f, 0.0f;
  return rbm;
}

// Relative tolerance of a few float32 roundings.
void expect_close(float actual, float expected) {
  EXPECT_NEAR(actual, expected, 4e-7f * std::max(1.0f, std::fabs(expected)));
}

TEST(TrainSgd, L2ShrinksWeightsByOneMinusLrTimesCost) {
  TrainConfig c;
  c.learning_rate = 0.1f;
  c.l2 = 0.01f;
  Rbm rbm = random_rbm();
  const Rbm before = rbm;
  Optimizer sgd(c, 4, 3);
  sgd.step(rbm, Gradient(4, 3), 0.5f);
  for (Index i = 0; i < rbm.weights().size(); ++i) {
    expect_close(rbm.weights().data()[i], (1.0f - 0.1f * 0.01f) * before.weights().data()[i]);
  }
  // Weight cost acts on weights only.
  EXPECT_EQ(rbm.visible_bias(), before.visible_bias());
  EXPECT_EQ(rbm.hidden_bias(), before.hidden_bias());
}

TEST(TrainSgd, L1SubtractsLrTimesCostTimesSign) {
  TrainConfig c;
  c.learning_rate = 0.1f;
  c.l1 = 0.02f;
  Rbm rbm = random_rbm();
  const Rbm before = rbm;
  Optimizer sgd(c, 4, 3);
  sgd.step(rbm, Gradient(4, 3), 0.9f);
  for (Index i = 0; i < rbm.weights().size(); ++i) {
    const float w = before.weights().data()[i];
    const float sign = w > 0 ? 1.0f : (w < 0 ? -1.0f : 0.0f);
    expect_close(rbm.weights().data()[i], w - 0.1f * 0.02f * sign);
  }
  EXPECT_EQ(rbm.weights()(1, 2), 0.0f);
  EXPECT_EQ(rbm.hidden_bias(), before.hidden_bias());
}

TEST(TrainSgd, MomentumAccumulatesVelocity) {
  // Constant gradient g, momentum μ: Δ1 = εg, Δ2 = μεg + εg, so θ2 = θ0 + εg(2 + μ).
  TrainConfig c;
  c.learning_rate = 0.25f;
  const float mu = 0.5f;
  Rbm rbm = random_rbm();
  const Rbm before = rbm;
  Gradient g(4, 3);
  g.dW.setConstant(0.5f);
  g.da.setConstant(-1.0f);
  g.db.setConstant(2.0f);
  Optimizer sgd(c, 4, 3);
  sgd.step(rbm, g, mu);
  EXPECT_FLOAT_EQ(sgd.weight_velocity()(0, 0), 0.25f * 0.5f);
  sgd.step(rbm, g, mu);
  for (Index i = 0; i < rbm.weights().size(); ++i) {
    expect_close(rbm.weights().data()[i], before.weights().data()[i] + 0.25f * 0.5f * 2.5f);
  }
  expect_close(rbm.visible_bias()[0], before.visible_bias()[0] - 0.25f * 2.5f);
  expect_close(rbm.hidden_bias()[1], before.hidden_bias()[1] + 0.25f * 2.0f * 2.5f);
}

// Sparsity penalty with a zero likelihood gradient: q starts at the first batch's activity p and
// then follows q ← λq + (1−λ)p; the hidden bias moves by −ε·s·(q − t) and W_ij by −ε·s·⟨v_i⟩(q_j − t).
void check_sparsity(UnitType hidden, float reported_mean) {
  TrainConfig c;
  c.learning_rate = 0.5f;
  c.momentum_initial = 0.0f;
  c.sparsity_target = 0.1f;
  c.sparsity_cost = 0.2f;
  c.sparsity_decay = 0.9f;
  Rbm rbm = random_rbm(hidden);
  const Rbm before = rbm;
  Gradient g(4, 3);
  g.batch_visible_mean << 1.0f, 0.5f, 0.0f, 0.25f;
  g.batch_hidden_mean.setConstant(reported_mean);  // activity p = 0.5 for both unit types
  Optimizer sgd(c, 4, 3);
  sgd.step(rbm, g, 0.0f);
  ASSERT_EQ(sgd.hidden_activity().size(), 3);
  EXPECT_FLOAT_EQ(sgd.hidden_activity()[0], 0.5f);
  const float penalty = 0.2f * (0.5f - 0.1f);
  expect_close(rbm.hidden_bias()[2], before.hidden_bias()[2] - 0.5f * penalty);
  expect_close(rbm.weights()(0, 1), before.weights()(0, 1) - 0.5f * penalty * 1.0f);
  expect_close(rbm.weights()(1, 1), before.weights()(1, 1) - 0.5f * penalty * 0.5f);
  EXPECT_EQ(rbm.weights()(2, 1), before.weights()(2, 1));  // ⟨v_2⟩ = 0: no input, no penalty
  EXPECT_EQ(rbm.visible_bias(), before.visible_bias());

  // Second batch with activity p' = 0 (Bernoulli mean 0, spin mean −1): q = 0.9·0.5 + 0.1·0.
  g.batch_hidden_mean.setConstant(hidden == UnitType::spin ? -1.0f : 0.0f);
  sgd.step(rbm, g, 0.0f);
  EXPECT_FLOAT_EQ(sgd.hidden_activity()[1], 0.45f);
}

TEST(TrainSgd, SparsityTargetBernoulliHidden) { check_sparsity(UnitType::bernoulli, 0.5f); }
TEST(TrainSgd, SparsityTargetSpinHiddenUsesProbabilityOfUp) { check_sparsity(UnitType::spin, 0.0f); }

TEST(TrainSgd, RestoreChecksShapes) {
  Optimizer sgd(TrainConfig{}, 4, 3);
  OptimizerState bad;
  bad.weight_velocity = MatrixF::Zero(3, 4);
  EXPECT_THROW(sgd.restore(bad), Error);
  bad = OptimizerState{};
  bad.hidden_activity = VectorF::Zero(2);
  EXPECT_THROW(sgd.restore(bad), Error);
  bad = OptimizerState{};
  bad.visible_offset = VectorF::Zero(3);
  EXPECT_THROW(sgd.restore(bad), Error);
  OptimizerState good;
  const MatrixF w = MatrixF::Constant(4, 3, 0.5f);
  good.weight_velocity = w;
  sgd.restore(good);
  EXPECT_EQ(sgd.weight_velocity(), w);
  EXPECT_EQ(sgd.state().visible_velocity, VectorF::Zero(4));
}

}  // namespace
}  // namespace rgflow::train
