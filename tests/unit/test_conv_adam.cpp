// Adam and learning-rate schedules for convolutional RBMs (conv/train.hpp ConvOptimizer): the
// Adam step against an independent element-by-element implementation of Kingma & Ba's formula
// (and against its closed form at t = 1, θ₁ − θ₀ = η g/(|g| + ϵ)) on the exact gradient of a 3×3
// lattice (enumeration); SGD + momentum against its formula; Adam with the exact gradient climbing
// the exact log-likelihood past the generating model's; Adam + PCD recovering the Ising bond
// model from its exact samples; the epochs' learning rates against the closed-form schedules; Z2
// with Adam. (Bit-identical Adam training for 1 and 2 threads: test_conv_train.)
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "rgflow/conv/conv_rbm.hpp"
#include "rgflow/conv/log_partition.hpp"
#include "rgflow/conv/train.hpp"
#include "rgflow/core/error.hpp"
#include "support/conv_exact.hpp"

namespace rgflow::conv {
namespace {

ConvRbm random_model(ConvShape shape, std::uint64_t seed, double scale = 0.4) {
  return test::random_conv_model(shape, UnitType::spin, UnitType::spin, seed, scale, 0.3, 0.1f);
}

using test::exact_gradient;

// All parameters as one list (kernels row-major, hidden biases, visible bias), and the gradient
// in the same order.
std::vector<double> params(const ConvRbm& m) {
  std::vector<double> p;
  for (Index c = 0; c < m.kernels().rows(); ++c) {
    for (Index k = 0; k < m.kernels().cols(); ++k) p.push_back(m.kernels()(c, k));
  }
  for (Index c = 0; c < m.hidden_bias().size(); ++c) p.push_back(m.hidden_bias()[c]);
  p.push_back(m.visible_bias());
  return p;
}

std::vector<double> flatten(const ConvStatistics& g) {
  std::vector<double> p;
  for (Index c = 0; c < g.kernels.rows(); ++c) {
    for (Index k = 0; k < g.kernels.cols(); ++k) p.push_back(g.kernels(c, k));
  }
  for (Index c = 0; c < g.hidden.size(); ++c) p.push_back(g.hidden[c]);
  p.push_back(g.visible);
  return p;
}

double per_site_log_likelihood(const ConvRbm& m, const MatrixF& V) {
  return mean_log_likelihood(m, V, exact_log_partition(m)).mean / static_cast<double>(m.n_visible());
}

TEST(ConvAdam, StepMatchesKingmaBaFormulaOnTheExactGradient) {
  const ConvShape shape{3, 2, 1, 2};
  ConvRbm m = random_model(shape, 5);
  const MatrixF V = test::exact_samples(random_model(shape, 6), 64, 1);
  ConvTrainOptions o;
  o.optimizer = train::OptimizerKind::adam;
  o.weight_decay = 0.05;
  ConvOptimizer opt(shape, o);
  const Index n_kernel = shape.channels * shape.kernel_size();
  const double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8;
  std::vector<double> mom(static_cast<std::size_t>(n_kernel + 3), 0.0), sec(mom.size(), 0.0);
  for (int t = 1; t <= 4; ++t) {
    const std::vector<double> before = params(m);
    std::vector<double> g = flatten(exact_gradient(m, V));
    for (Index i = 0; i < n_kernel; ++i) g[static_cast<std::size_t>(i)] -= o.weight_decay * before[static_cast<std::size_t>(i)];
    opt.step(m, exact_gradient(m, V), lr);
    EXPECT_EQ(opt.state().steps, t);
    const std::vector<double> after = params(m);
    for (std::size_t i = 0; i < g.size(); ++i) {
      mom[i] = b1 * mom[i] + (1 - b1) * g[i];
      sec[i] = b2 * sec[i] + (1 - b2) * g[i] * g[i];
      const double m_hat = mom[i] / (1 - std::pow(b1, t)), v_hat = sec[i] / (1 - std::pow(b2, t));
      const double expected = before[i] + lr * m_hat / (std::sqrt(v_hat) + eps);
      // The parameters are float32: one rounding of the float64 update.
      EXPECT_NEAR(after[i], expected, 1e-7 * std::max(1.0, std::fabs(expected))) << "t " << t << " parameter " << i;
      // At t = 1, m̂ = g and v̂ = g²: every parameter moves by η in the direction of its gradient.
      if (t == 1 && std::fabs(g[i]) > 1e-3) {
        EXPECT_NEAR(after[i] - before[i], lr * (g[i] > 0 ? 1 : -1), 1e-6);
      }
    }
  }
}

TEST(ConvAdam, SgdStepMatchesMomentumFormula) {
  const ConvShape shape{3, 2, 1, 1};
  ConvRbm m = random_model(shape, 8);
  const MatrixF V = test::exact_samples(random_model(shape, 9), 32, 2);
  ConvTrainOptions o;
  o.momentum = 0.7;
  ConvOptimizer opt(shape, o);
  std::vector<double> velocity(static_cast<std::size_t>(shape.kernel_size() + 2), 0.0);
  for (int t = 1; t <= 3; ++t) {
    const std::vector<double> before = params(m), g = flatten(exact_gradient(m, V));
    opt.step(m, exact_gradient(m, V), 0.1);
    const std::vector<double> after = params(m);
    for (std::size_t i = 0; i < g.size(); ++i) {
      velocity[i] = 0.7 * velocity[i] + 0.1 * g[i];
      EXPECT_NEAR(after[i], before[i] + velocity[i], 1e-7 * std::max(1.0, std::fabs(after[i])));
    }
  }
}

TEST(ConvAdam, ExactGradientAdamReachesTheMaximumLikelihood) {
  // Data: 1000 exact samples of the Ising bond model at K = 0.3 on 3×3 (2^9 states). Full-batch
  // Adam on the exact gradient, started at the generating model perturbed (kernels + N(0, 0.15²),
  // hidden biases N(0, 0.3²), visible bias 0.1), must climb from well below to above the
  // generating model's log-likelihood of the same rows (the maximum-likelihood model of the family
  // can only do better; from a near-zero start the two channels first learn one shared plaquette
  // kernel, a plateau that takes hundreds of steps to leave).
  const ConvRbm truth = ising_bond_model(3, 0.3);
  const MatrixF V = test::exact_samples(truth, 1000, 4);
  ConvRbm m = random_model(ConvShape{3, 2, 1, 2}, 10, 0.15);
  m.kernels() += truth.kernels();
  const double ll_truth = per_site_log_likelihood(truth, V), ll_start = per_site_log_likelihood(m, V);
  ConvTrainOptions o;
  o.optimizer = train::OptimizerKind::adam;
  ConvOptimizer opt(m.shape(), o);
  for (int t = 0; t < 200; ++t) opt.step(m, exact_gradient(m, V), t < 100 ? 0.02 : 0.005);
  const double ll_end = per_site_log_likelihood(m, V);
  EXPECT_LT(ll_start, ll_truth - 0.01);
  EXPECT_GT(ll_end, ll_truth) << "start " << ll_start << " truth " << ll_truth;
}

TEST(ConvAdam, PcdWithAdamRecoversTheBondModel) {
  // As ConvTrain.PcdRecoversTheBondModelFromItsSamples, with Adam and a cosine schedule.
  const ConvRbm truth = ising_bond_model(4, 0.35);
  const MatrixF train_rows = test::exact_samples(truth, 2000, 11), test_rows = test::exact_samples(truth, 4000, 12);
  ConvRbm m(ConvShape{4, 2, 1, 2}, UnitType::spin, UnitType::spin);
  ConvTrainOptions o;
  o.optimizer = train::OptimizerKind::adam;
  o.epochs = 30;
  o.batch_size = 50;
  o.learning_rate = 0.02;
  o.final_learning_rate = 0.001;
  o.schedule = train::Schedule::cosine;
  o.seed = 3;
  train(m, train_rows, o);
  const double ll_truth = per_site_log_likelihood(truth, test_rows), ll_model = per_site_log_likelihood(m, test_rows);
  EXPECT_LT(ll_truth - ll_model, 0.01) << "truth " << ll_truth << " model " << ll_model;
}

TEST(ConvAdam, EpochLearningRatesFollowTheSchedules) {
  const MatrixF rows = test::exact_samples(ising_bond_model(3, 0.3), 20, 5);
  ConvTrainOptions o;
  o.epochs = 5;
  o.batch_size = 20;
  o.learning_rate = 0.1;
  o.final_learning_rate = 0.01;
  auto rates = [&] {
    ConvRbm m(ConvShape{3, 2, 1, 1}, UnitType::spin, UnitType::spin);
    std::vector<double> r;
    train(m, rows, o, [&](const ConvEpochReport& e) { r.push_back(e.learning_rate); });
    return r;
  };
  std::vector<double> r = rates();  // exponential (the default): the geometric mean half-way
  ASSERT_EQ(r.size(), 5U);
  EXPECT_DOUBLE_EQ(r[0], 0.1);
  EXPECT_NEAR(r[2], std::sqrt(0.1 * 0.01), 1e-15);
  EXPECT_NEAR(r[4], 0.01, 1e-15);
  o.schedule = train::Schedule::linear;
  EXPECT_NEAR(rates()[1], 0.1 + 0.25 * (0.01 - 0.1), 1e-15);
  o.schedule = train::Schedule::cosine;
  o.warmup_epochs = 2;
  r = rates();
  EXPECT_NEAR(r[0], 0.1 / 3.0, 1e-15);                                // warm-up: (e + 1)/(W + 1)
  EXPECT_NEAR(r[1], (0.01 + 0.09 * 0.5 * (1 + std::cos(M_PI / 4))) * 2.0 / 3.0, 1e-15);
  EXPECT_NEAR(r[2], 0.055, 1e-15);                                    // cosine half-way: the mean
  o.final_learning_rate = -1.0;
  o.warmup_epochs = 0;
  for (double x : rates()) EXPECT_EQ(x, 0.1);
}

TEST(ConvAdam, Z2KeepsBiasesZero) {
  // (Thread independence of Adam training: ConvTrain.BitIdenticalForAnyThreadCount.)
  const MatrixF rows = test::exact_samples(ising_bond_model(4, 0.3), 300, 2);
  ConvTrainOptions o;
  o.optimizer = train::OptimizerKind::adam;
  o.epochs = 3;
  o.batch_size = 40;
  o.learning_rate = 0.01;
  o.z2 = true;
  ConvRbm s(ConvShape{4, 2, 1, 2}, UnitType::spin, UnitType::spin);
  train(s, rows, o);
  EXPECT_TRUE(s.hidden_bias().isZero(0.0f));
  EXPECT_EQ(s.visible_bias(), 0.0f);
  EXPECT_GT(s.kernels().cwiseAbs().maxCoeff(), 0.0f);
}

TEST(ConvAdam, RefusesBadOptions) {
  ConvRbm m(ConvShape{4, 2, 1, 1});
  const MatrixF rows = MatrixF::Ones(10, 16);
  ConvTrainOptions o;
  o.optimizer = train::OptimizerKind::adam;
  o.adam_beta1 = 1.0;
  EXPECT_THROW(train(m, rows, o), Error);
  o.adam_beta1 = 0.9;
  o.adam_beta2 = -0.1;
  EXPECT_THROW(train(m, rows, o), Error);
  o.adam_beta2 = 0.999;
  o.adam_epsilon = 0.0;
  EXPECT_THROW(train(m, rows, o), Error);
  o.adam_epsilon = 1e-8;
  o.warmup_epochs = -1;
  EXPECT_THROW(train(m, rows, o), Error);
  o.warmup_epochs = 0;
  EXPECT_THROW(ConvOptimizer(ConvShape{4, 2, 1, 2}, o).step(m, ConvStatistics{MatrixD::Zero(1, 4), VectorD::Zero(1), 0.0}, 0.1),
               Error);  // the optimizer's shape is not the model's
}

}  // namespace
}  // namespace rgflow::conv
