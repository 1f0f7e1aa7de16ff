// Gradient of the mean log-likelihood for Gaussian visible units (train/gradient.hpp
// mean_statistics with the Gaussian policy of rbm/units.hpp):
// data term minus the exact model term (hidden layer enumerated) against central finite
// differences of the exact mean log-likelihood in W, a, b and log σ; the CD estimator's Gaussian
// terms; the σ step; and training on data drawn from a known Gaussian RBM.
#include <gtest/gtest.h>

#include <cmath>

#include "rgflow/estimate/exact.hpp"
#include "rgflow/train/optimizer.hpp"
#include "rgflow/train/gradient.hpp"
#include "rgflow/train/trainer.hpp"
#include "support/gaussian_rbm.hpp"

namespace rgflow::train {
namespace {

using test::random_gaussian_rbm;

double mean_log_likelihood(const Rbm& rbm, const MatrixF& data) {
  return estimate::mean_log_likelihood(rbm, data, estimate::exact_log_partition(rbm)).mean;
}

class GaussianGradient : public ::testing::TestWithParam<UnitType> {};

TEST_P(GaussianGradient, ExactGradientMatchesFiniteDifferences) {
  Rbm rbm = random_gaussian_rbm(3, 4, GetParam(), 101, 0.5, 0.5, 0.6, 1.4);
  rbm.set_learn_sigma(true);
  const MatrixF data = test::exact_samples_by_hidden(random_gaussian_rbm(3, 4, GetParam(), 102, 0.7,
                                                                          0.5, 0.8, 1.2),
                                                     50, 103);
  // Positive phase over the data, exact negative phase; then the Gaussian terms.
  const estimate::Moments pos = estimate::data_moments(rbm, data);
  const estimate::Moments neg = estimate::exact_model_moments(rbm);
  // In the units of ∂(−E)/∂θ: rows of the v-moments divided by σ_i² (t(v) = v/σ²), and the bias
  // statistic (v − a)/σ² (a cancels in the difference).
  const VectorD inv_var = rbm.visible_sigma().cast<double>().array().square().inverse();
  Gradient g(3, 4);
  g.dW = (inv_var.asDiagonal() * (pos.visible_hidden - neg.visible_hidden)).cast<float>();
  g.da = (pos.visible - neg.visible).cwiseProduct(inv_var).cast<float>();
  g.db = (pos.hidden - neg.hidden).cast<float>();
  MatrixF hm;
  rbm.hidden_mean(data, hm);
  MeanStatistics stats;
  mean_statistics(rbm, data, hm, true, stats);
  const VectorD d_log_sigma =
      stats.log_sigma.cast<double>() - test::gaussian_exact(rbm).log_sigma_statistic;

  const double h = 1e-3;
  const auto fd = [&](float& p) {
    const float keep = p;
    p = static_cast<float>(keep + h);
    const double up = mean_log_likelihood(rbm, data);
    p = static_cast<float>(keep - h);
    const double down = mean_log_likelihood(rbm, data);
    p = keep;
    return (up - down) / (2.0 * h);
  };
  // Tolerance: float32 parameters (~1e-4 absolute after the division by 2h) plus the O(h²)
  // truncation of the central difference (relative 1e-4 here).
  const auto tol = [](double x) { return 5e-4 + 1e-4 * std::fabs(x); };
  for (Index i = 0; i < 3; ++i) {
    for (Index j = 0; j < 4; ++j) EXPECT_NEAR(g.dW(i, j), fd(rbm.weights()(i, j)), tol(g.dW(i, j)));
    EXPECT_NEAR(g.da[i], fd(rbm.visible_bias()[i]), tol(g.da[i]));
    EXPECT_NEAR(d_log_sigma[i], rbm.visible_sigma()[i] * fd(rbm.visible_sigma()[i]),
                tol(d_log_sigma[i]));
  }
  for (Index j = 0; j < 4; ++j) EXPECT_NEAR(g.db[j], fd(rbm.hidden_bias()[j]), tol(g.db[j]));
}

TEST_P(GaussianGradient, ContrastiveDivergenceAddsTheGaussianTerms) {
  Rbm rbm = random_gaussian_rbm(5, 3, GetParam(), 111, 0.5, 0.5, 0.5, 2.0);
  rbm.set_learn_sigma(true);
  const MatrixF batch = test::exact_samples_by_hidden(rbm, 20, 112);
  for (const bool persistent : {false, true}) {
    ContrastiveDivergence cd(2, persistent);
    Rng rng(113, 0);
    Gradient g;
    cd.estimate(rbm, batch, rng, g);
    MatrixF pos_h, neg_h;
    rbm.hidden_mean(batch, pos_h);
    const MatrixF& V = cd.negative_visible();
    rbm.hidden_mean(V, neg_h);
    const VectorF inv_var = rbm.visible_sigma().array().square().inverse();
    const MatrixF dW = inv_var.asDiagonal() *
                       MatrixF(batch.transpose() * pos_h / 20.0f - V.transpose() * neg_h / float(V.rows()));
    const VectorF da = inv_var.cwiseProduct(VectorF(batch.colwise().mean().transpose() -
                                                     V.colwise().mean().transpose()));
    EXPECT_LT((g.dW - dW).cwiseAbs().maxCoeff(), 1e-4);
    EXPECT_LT((g.da - da).cwiseAbs().maxCoeff(), 1e-4);
    ASSERT_EQ(g.d_log_sigma.size(), 5);
    MeanStatistics pos, neg;
    mean_statistics(rbm, batch, pos_h, true, pos);
    mean_statistics(rbm, V, neg_h, true, neg);
    EXPECT_LT((g.d_log_sigma - (pos.log_sigma - neg.log_sigma)).cwiseAbs().maxCoeff(), 1e-4);
  }
  rbm.set_learn_sigma(false);
  ContrastiveDivergence cd(1, false);
  Rng rng(114, 0);
  Gradient g;
  cd.estimate(rbm, batch, rng, g);
  EXPECT_EQ(g.d_log_sigma.size(), 0);
}

INSTANTIATE_TEST_SUITE_P(HiddenTypes, GaussianGradient,
                         ::testing::Values(UnitType::bernoulli, UnitType::spin));

TEST(GaussianSigmaStep, ClippedAndFloored) {
  Rbm rbm(3, 1, UnitType::gaussian);
  rbm.set_learn_sigma(true);
  rbm.visible_sigma() << 1.0f, 1.0f, 1.1e-3f;
  Gradient g(3, 1);
  g.d_log_sigma = VectorF(3);
  g.d_log_sigma << 0.5f, -100.0f, -100.0f;
  step_log_sigma(rbm, g, 0.1f);
  EXPECT_NEAR(rbm.visible_sigma()[0], std::exp(0.05f), 1e-6);
  EXPECT_NEAR(rbm.visible_sigma()[1], std::exp(-0.1f), 1e-6);  // clipped step
  EXPECT_FLOAT_EQ(rbm.visible_sigma()[2], kMinSigma);           // floor
  rbm.set_learn_sigma(false);
  step_log_sigma(rbm, g, 0.1f);
  EXPECT_NEAR(rbm.visible_sigma()[0], std::exp(0.05f), 1e-6);  // fixed σ: untouched
}

TEST(GaussianTraining, LearnsSigmaAndImprovesHeldOutLikelihood) {
  // Data from a Gaussian RBM with σ = 0.5; a model starting at σ = 1.5 with learned σ must move σ
  // towards the data's scale and raise the exact held-out log-likelihood.
  Rbm truth = random_gaussian_rbm(6, 4, UnitType::bernoulli, 121, 1.0, 1.0, 0.5, 0.5);
  const MatrixF train = test::exact_samples_by_hidden(truth, 2000, 122);
  const MatrixF test_rows = test::exact_samples_by_hidden(truth, 1000, 123);
  Rbm model(6, 4, UnitType::gaussian);
  model.visible_sigma().setConstant(1.5f);
  model.set_learn_sigma(true);
  TrainConfig config;
  config.method = Method::pcd;
  config.epochs = 30;
  config.batch_size = 50;
  config.learning_rate = 0.01f;
  config.seed = 124;
  Trainer trainer(model, config, train);
  const double before = mean_log_likelihood(model, test_rows);
  while (!trainer.finished()) trainer.run_epoch();
  const double after = mean_log_likelihood(model, test_rows);
  const double best = mean_log_likelihood(truth, test_rows);
  EXPECT_GT(after, before + 1.0);
  EXPECT_LT(model.visible_sigma().maxCoeff(), 1.0f);
  EXPECT_LT(after, best + 0.1);  // cannot beat the true model by more than sampling noise
}

}  // namespace
}  // namespace rgflow::train
