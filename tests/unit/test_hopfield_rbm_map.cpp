// The exact Hopfield <-> RBM map (hopfield/rbm_map.hpp, Barra et al. 2012): the Gaussian-hidden
// twin's visible marginal is the Hopfield Gibbs weight, checked by enumerating every state of
// N <= 16 neurons; the inverse map; a Gaussian-hidden RBM trained on noisy copies of stored
// patterns recovers their span.
#include <gtest/gtest.h>

#include <Eigen/SVD>
#include <cmath>

#include "rgflow/core/error.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/estimate/exact.hpp"
#include "rgflow/estimate/log_partition.hpp"
#include "rgflow/sample/chains.hpp"
#include "rgflow/hopfield/rbm_map.hpp"
#include "rgflow/train/trainer.hpp"

namespace rgflow::hopfield {
namespace {

MatrixF random_patterns(Index P, Index N, std::uint64_t seed) {
  Rng rng(seed);
  MatrixF xi(P, N);
  for (Index k = 0; k < xi.size(); ++k) xi.data()[k] = (rng() & 1u) ? 1.0f : -1.0f;
  return xi;
}

// Every state of N spins, one per row.
MatrixF all_states(Index N) {
  MatrixF s(Index{1} << N, N);
  for (Index r = 0; r < s.rows(); ++r) {
    for (Index i = 0; i < N; ++i) s(r, i) = ((r >> i) & 1) ? 1.0f : -1.0f;
  }
  return s;
}

// log Σ_s e^{−βE(s)} by enumeration, in float64 from the network's own energy.
double hopfield_log_partition(const Network& net, double beta) {
  const VectorD e = net.energy(all_states(net.n_neurons()));
  const VectorD x = -beta * e;
  const double m = x.maxCoeff();
  return m + std::log((x.array() - m).exp().sum());
}

TEST(HopfieldRbmMap, HebbMarginalEqualsGibbsWeightTo1e10) {
  // β = N/4: √(β/N) = 1/2 is exact in float32, so only double rounding remains.
  for (const Index N : {8, 12, 16}) {
    for (const Index P : {1, 3, 5}) {
      const Network net(random_patterns(P, N, 100 + N + P));
      const double beta = static_cast<double>(N) / 4.0;
      const Rbm rbm = to_rbm(net, beta);
      ASSERT_EQ(rbm.n_hidden(), P);
      EXPECT_EQ((rbm.weights().array().abs() == 0.5f).count(), N * P);
      const double rbm_log_z = estimate::exact_log_partition(rbm, estimate::EnumerateLayer::visible);
      EXPECT_NEAR(rbm_log_z - twin_log_partition_offset(P), hopfield_log_partition(net, beta), 1e-10)
          << "N " << N << " P " << P;
      // State by state: F(s) = βE(s) − (P/2) log 2π.
      const MatrixF s = all_states(N);
      const VectorD f = rbm.free_energy_visible(s);
      const VectorD e = net.energy(s);
      for (Index r = 0; r < s.rows(); ++r) {
        ASSERT_NEAR(f[r], beta * e[r] - twin_log_partition_offset(P), 1e-10) << "state " << r;
      }
    }
  }
}

TEST(HopfieldRbmMap, AnyBetaAndPseudoInverseWithinFloatRounding) {
  // W in float32: relative rounding 2^-24 of W changes ½|Wᵀs|² by at most ~2^-23 of itself.
  const Index N = 12;
  MatrixF xi = random_patterns(4, N, 7);
  xi.row(3) = xi.row(0);  // a repeated pattern: the pseudo-inverse twin has rank 3
  for (const Rule rule : {Rule::hebb, Rule::pseudo_inverse}) {
    const Network net(xi, rule);
    for (const double beta : {0.3, 1.0, 1.7}) {
      const Rbm rbm = to_rbm(net, beta);
      EXPECT_EQ(rbm.n_hidden(), rule == Rule::hebb ? 4 : 3);
      const double expected = hopfield_log_partition(net, beta);
      const double max_energy = beta * net.energy(all_states(N)).cwiseAbs().maxCoeff();
      const double got = estimate::exact_log_partition(rbm) - twin_log_partition_offset(rbm.n_hidden());
      EXPECT_NEAR(got, expected, 1e-6 * std::max(1.0, max_energy)) << to_string(rule) << " beta " << beta;
    }
  }
}

TEST(HopfieldRbmMap, AisAndGibbsSamplingOfTheTwinAgreeWithEnumeration) {
  // Gaussian hidden units through the whole engine: forward AIS from the uniform base within 3 of
  // its standard errors of the exact log Z, and Gibbs chains (v → h → v) whose mean Hopfield
  // energy matches the exact Boltzmann average within 3 standard errors (independent chains).
  const Index N = 12;
  const Network net(random_patterns(3, N, 21));
  const double beta = 0.7;
  const Rbm rbm = to_rbm(net, beta);
  const double exact = estimate::exact_log_partition(rbm);
  estimate::LogZOptions o;
  o.method = estimate::LogZMethod::ais;
  o.ais.chains = 200;
  o.ais.seed = 3;
  const estimate::LogZEstimate ais = estimate_log_partition(rbm, o);
  ASSERT_GT(ais.log_z.error, 0.0);
  EXPECT_LT(ais.log_z.error, 0.05);  // a test that can fail: the error bar is tight
  EXPECT_NEAR(ais.log_z.mean, exact, 3.0 * ais.log_z.error) << "AIS " << ais.log_z.mean << " +- " << ais.log_z.error;

  const MatrixF s = all_states(N);
  const VectorD e = net.energy(s);
  const VectorD w = (-beta * (e.array() - e.minCoeff())).exp().matrix();
  const double exact_energy = w.dot(e) / w.sum();
  sample::ChainOptions c;
  c.samples = 4000;
  c.gibbs_steps = 100;
  c.seed = 4;
  const VectorD sampled = net.energy(sample::sample_chains(rbm, c).visible);
  const double mean = sampled.mean();
  const double error = std::sqrt((sampled.array() - mean).square().sum() / (sampled.size() - 1.0) / sampled.size());
  EXPECT_LT(error, 0.05 * std::abs(exact_energy));
  EXPECT_NEAR(mean, exact_energy, 3.0 * error) << "sampled <E> " << mean << " +- " << error;
}

TEST(HopfieldRbmMap, InverseMapRecoversPatternsAndBeta) {
  const Network net(random_patterns(5, 30, 3));
  const HebbianTwin back = to_hopfield(to_rbm(net, 0.83));
  EXPECT_EQ(back.network.patterns(), net.patterns());
  EXPECT_NEAR(back.beta, 0.83, 1e-6);
}

TEST(HopfieldRbmMap, InverseMapRefusesOtherRbms) {
  const Network net(random_patterns(3, 10, 4));
  Rbm rbm = to_rbm(net, 1.0);
  Rbm binary(10, 3, UnitType::spin, UnitType::bernoulli);
  EXPECT_THROW(to_hopfield(binary), Error);
  Rbm biased = rbm;
  biased.hidden_bias()[0] = 0.1f;
  EXPECT_THROW(to_hopfield(biased), Error);
  Rbm uneven = rbm;
  uneven.weights()(0, 0) *= 1.5f;
  EXPECT_THROW(to_hopfield(uneven), Error);
  Rbm wide = rbm;
  wide.hidden_sigma()[1] = 2.0f;
  EXPECT_THROW(to_hopfield(wide), Error);
  EXPECT_THROW(to_rbm(net, 0.0), Error);
  EXPECT_THROW(to_rbm(net, std::nan("")), Error);
}

TEST(HopfieldRbmMap, TrainedGaussianHiddenRbmRecoversThePatternSpan) {
  // 600 noisy copies (10 % flips) of ±ξ^μ, 3 patterns of 24 neurons (both signs, as in the
  // Hopfield measure: with one sign the data mean, a direction inside the span, would be taken
  // by the visible biases instead); a 24-3 spin/Gaussian RBM trained by CD-1, three seeds. Its
  // weight columns must span the patterns' space: every principal angle between span(W) and
  // span(Ξᵀ) small (cosines > 0.95).
  const Index N = 24, P = 3, rows = 600;
  const MatrixF xi = random_patterns(P, N, 11);
  Rng rng(12);
  MatrixF data(rows, N);
  for (Index r = 0; r < rows; ++r) {
    data.row(r) = ((r / P) % 2 ? -1.0f : 1.0f) * xi.row(r % P);  // ±ξ: the Gibbs measure is even
    for (Index i = 0; i < N; ++i) {
      if (rng.uniform() < 0.1) data(r, i) = -data(r, i);
    }
  }
  for (const std::uint64_t seed : {5, 6, 7}) {
    Rbm rbm(N, P, UnitType::spin, UnitType::gaussian);
    train::TrainConfig c;
    c.method = train::Method::cd;
    c.epochs = 60;
    c.batch_size = 20;
    c.learning_rate = 0.005f;
    c.momentum_initial = c.momentum_final = 0.5f;
    c.seed = seed;
    train::Trainer trainer(rbm, c, data);
    while (!trainer.finished()) trainer.run_epoch();
    ASSERT_TRUE(rbm.weights().allFinite());
    const Eigen::JacobiSVD<MatrixD> w(rbm.weights().cast<double>(), Eigen::ComputeThinU);
    const Eigen::JacobiSVD<MatrixD> x(xi.cast<double>().transpose(), Eigen::ComputeThinU);
    const VectorD cosines = (w.matrixU().transpose() * x.matrixU()).jacobiSvd().singularValues();
    EXPECT_GT(cosines.minCoeff(), 0.95) << "seed " << seed << ": principal-angle cosines " << cosines.transpose();
  }
}

}  // namespace
}  // namespace rgflow::hopfield
