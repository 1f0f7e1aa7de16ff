// Training of convolutional RBMs (conv/train.hpp): the sufficient statistics against the dense
// expansion's moments (estimate/exact.hpp, an independent implementation), the exact gradient
// (data − CD-∞ statistics) against central finite differences of the exact per-site
// log-likelihood, PCD recovering a known model from its exact samples, and bit-identical training
// (SGD and Adam) for any thread count.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>

#include "rgflow/conv/conv_rbm.hpp"
#include "rgflow/conv/log_partition.hpp"
#include "rgflow/conv/train.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/estimate/exact.hpp"
#include "support/conv_exact.hpp"

namespace rgflow::conv {
namespace {

ConvRbm random_model(ConvShape shape, UnitType vt, UnitType ht, std::uint64_t seed) {
  ConvRbm m(shape, vt, ht);
  Rng rng(seed, 7);
  for (Index i = 0; i < m.kernels().size(); ++i) m.kernels().data()[i] = static_cast<float>(0.4 * rng.normal());
  for (Index c = 0; c < m.hidden_bias().size(); ++c) m.hidden_bias()[c] = static_cast<float>(0.3 * rng.normal());
  m.visible_bias() = 0.1f;
  return m;
}

// The conv statistics from dense moments: T_W[c,k] = (1/L²) Σ_p ⟨v_{patch(p,k)} h_{c,p}⟩, etc.
ConvStatistics from_dense(const ConvRbm& m, const estimate::Moments& d) {
  const Index P = m.shape().positions(), KK = m.shape().kernel_size(), C = m.shape().channels;
  const double n = static_cast<double>(m.n_visible());
  ConvStatistics s{MatrixD::Zero(C, KK), VectorD::Zero(C), d.visible.sum() / n};
  for (Index c = 0; c < C; ++c) {
    for (Index p = 0; p < P; ++p) {
      s.hidden[c] += d.hidden[c * P + p] / n;
      for (Index k = 0; k < KK; ++k) {
        s.kernels(c, k) += d.visible_hidden(m.patch_index()[static_cast<std::size_t>(p * KK + k)], c * P + p) / n;
      }
    }
  }
  return s;
}

void expect_close(const ConvStatistics& a, const ConvStatistics& b, double tol) {
  EXPECT_LT((a.kernels - b.kernels).cwiseAbs().maxCoeff(), tol);
  EXPECT_LT((a.hidden - b.hidden).cwiseAbs().maxCoeff(), tol);
  EXPECT_NEAR(a.visible, b.visible, tol);
}

TEST(ConvTrain, StatisticsMatchTheDenseMoments) {
  for (const auto& [vt, ht] : {std::pair{UnitType::spin, UnitType::spin}, std::pair{UnitType::bernoulli, UnitType::spin},
                               std::pair{UnitType::spin, UnitType::bernoulli}}) {
    const ConvRbm m = random_model(ConvShape{4, 3, 2, 2}, vt, ht, 2);
    const Rbm dense = m.to_dense();
    const MatrixF V = test::exact_samples(m, 50, 3);
    expect_close(mean_statistics(m, V), from_dense(m, estimate::data_moments(dense, V)), 1e-6);
    expect_close(exact_model_statistics(m), from_dense(m, estimate::exact_model_moments(dense)), 1e-9);
  }
}

// ℓ(θ) = (1/L²) mean_v log p(v), exactly.
double per_site_log_likelihood(const ConvRbm& m, const MatrixF& V) {
  return mean_log_likelihood(m, V, exact_log_partition(m)).mean / static_cast<double>(m.n_visible());
}

TEST(ConvTrain, ExactGradientMatchesFiniteDifferences) {
  // 3×3 lattice (2^9 visible states), so that the 22 exact log Z evaluations take milliseconds.
  ConvRbm m = random_model(ConvShape{3, 2, 1, 2}, UnitType::spin, UnitType::spin, 5);
  const MatrixF V = test::exact_samples(random_model(ConvShape{3, 2, 1, 2}, UnitType::spin, UnitType::spin, 6), 64, 1);
  const ConvStatistics data = mean_statistics(m, V), model = exact_model_statistics(m);
  // Central differences with the float32 step actually taken; truncation O(h²) ≈ 1e-7.
  auto fd = [&](float& param) {
    const float saved = param;
    param = saved + 1e-3f;
    const double up = per_site_log_likelihood(m, V), h_up = static_cast<double>(param) - saved;
    param = saved - 1e-3f;
    const double down = per_site_log_likelihood(m, V), h_down = saved - static_cast<double>(param);
    param = saved;
    return (up - down) / (h_up + h_down);
  };
  for (Index c = 0; c < 2; ++c) {
    for (Index k = 0; k < 4; ++k) {
      EXPECT_NEAR(fd(m.kernels()(c, k)), data.kernels(c, k) - model.kernels(c, k), 2e-6) << c << "," << k;
    }
    EXPECT_NEAR(fd(m.hidden_bias()[c]), data.hidden[c] - model.hidden[c], 2e-6);
  }
  EXPECT_NEAR(fd(m.visible_bias()), data.visible - model.visible, 2e-6);
}

TEST(ConvTrain, PcdRecoversTheBondModelFromItsSamples) {
  // Data: exact samples of the Ising bond model at K = 0.35 on 4×4; a fresh kernel:2 model with
  // two channels (the generating family) trained by PCD-1. KL(p_data-model ‖ p_trained) per site,
  // estimated on held-out exact samples, must be small (the independent-spin model's is 0.19 here).
  const ConvRbm truth = ising_bond_model(4, 0.35);
  const MatrixF train_rows = test::exact_samples(truth, 2000, 11), test_rows = test::exact_samples(truth, 4000, 12);
  ConvRbm m(ConvShape{4, 2, 1, 2}, UnitType::spin, UnitType::spin);
  ConvTrainOptions o;
  o.method = ConvMethod::pcd;
  o.epochs = 40;
  o.batch_size = 50;
  o.learning_rate = 0.2;
  o.final_learning_rate = 0.01;
  o.momentum = 0.5;
  o.seed = 3;
  train(m, train_rows, o);
  const double n = 16.0;
  const double ll_truth = mean_log_likelihood(truth, test_rows, exact_log_partition(truth)).mean / n;
  const double ll_model = mean_log_likelihood(m, test_rows, exact_log_partition(m)).mean / n;
  const double kl = ll_truth - ll_model;
  EXPECT_LT(kl, 0.01) << "truth " << ll_truth << " model " << ll_model;
  // The independent-spin baseline (zero kernels, the data's bias) is far worse: the test can fail.
  ConvRbm independent(ConvShape{4, 2, 1, 2}, UnitType::spin, UnitType::spin);
  const double ll_ind = mean_log_likelihood(independent, test_rows, exact_log_partition(independent)).mean / n;
  EXPECT_GT(ll_truth - ll_ind, 10.0 * kl);
}

TEST(ConvTrain, BitIdenticalForAnyThreadCount) {
  const ConvRbm truth = ising_bond_model(4, 0.3);
  const MatrixF rows = test::exact_samples(truth, 300, 2);
  ConvTrainOptions o;
  o.epochs = 2;
  o.batch_size = 40;
  o.seed = 8;
  for (const auto& [method, optimizer] : {std::pair{ConvMethod::cd, train::OptimizerKind::sgd},
                                           std::pair{ConvMethod::pcd, train::OptimizerKind::sgd},
                                           std::pair{ConvMethod::cd, train::OptimizerKind::adam},
                                           std::pair{ConvMethod::pcd, train::OptimizerKind::adam}}) {
    o.method = method;
    o.optimizer = optimizer;
    if (optimizer == train::OptimizerKind::adam) {  // with a cosine schedule and a warm-up epoch
      o.learning_rate = 0.01;
      o.final_learning_rate = 0.002;
      o.schedule = train::Schedule::cosine;
      o.warmup_epochs = 1;
    }
    ConvRbm a(ConvShape{4, 3, 2, 3}, UnitType::spin, UnitType::bernoulli), b = a;
    omp_set_num_threads(1);
    train(a, rows, o);
    omp_set_num_threads(2);
    train(b, rows, o);
    omp_set_num_threads(omp_get_num_procs());
    EXPECT_TRUE(a.kernels() == b.kernels());
    EXPECT_TRUE(a.hidden_bias() == b.hidden_bias());
    EXPECT_EQ(a.visible_bias(), b.visible_bias());
  }
}

TEST(ConvTrain, Z2SymmetryKeepsBiasesAtZeroAndFreeEnergyEven) {
  const MatrixF rows = test::exact_samples(ising_bond_model(4, 0.3), 300, 4);
  ConvRbm m(ConvShape{4, 2, 1, 2}, UnitType::spin, UnitType::spin);
  ConvTrainOptions o;
  o.epochs = 3;
  o.batch_size = 30;
  o.weight_std = 0.3f;
  o.z2 = true;
  train(m, rows, o);
  EXPECT_TRUE(m.hidden_bias().isZero(0.0f));
  EXPECT_EQ(m.visible_bias(), 0.0f);
  EXPECT_GT(m.kernels().cwiseAbs().maxCoeff(), 0.0f);
  const MatrixF flipped = -rows;
  EXPECT_TRUE(m.free_energy_visible(rows) == m.free_energy_visible(flipped));  // exactly: L_h is even
  ConvRbm bernoulli(ConvShape{4, 2, 1, 2}, UnitType::spin, UnitType::bernoulli);
  EXPECT_THROW(train(bernoulli, rows, o), Error);
}

TEST(ConvTrain, RefusesBadOptionsAndData) {
  ConvRbm m(ConvShape{4, 2, 1, 1});
  const MatrixF rows = MatrixF::Ones(10, 16);
  ConvTrainOptions o;
  o.learning_rate = 0.0;
  EXPECT_THROW(train(m, rows, o), Error);
  o = {};
  o.momentum = 1.0;
  EXPECT_THROW(train(m, rows, o), Error);
  o = {};
  EXPECT_THROW(train(m, MatrixF::Zero(10, 16), o), FileError);  // 0 is not a spin
  EXPECT_THROW(train(m, MatrixF::Ones(10, 15), o), FileError);
  EXPECT_THROW(parse_conv_method("adam"), Error);
}

}  // namespace
}  // namespace rgflow::conv
