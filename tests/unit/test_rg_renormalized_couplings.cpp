// Maximum pseudo-likelihood couplings (rg/renormalized_couplings) against exact answers: every
// state of a 3×3 / 4×4 torus enumerated with its Boltzmann weight for known K₁, K₂, K₄.
#include <gtest/gtest.h>

#include <Eigen/Cholesky>

#include <algorithm>
#include <cmath>
#include <vector>

#include "rgflow/core/error.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/rg/rbm_flow.hpp"
#include "rgflow/rg/renormalized_couplings.hpp"

namespace {

using namespace rgflow;
using rg::IsingTerm;

const std::vector<IsingTerm> kAll = {IsingTerm::nearest_neighbour, IsingTerm::next_nearest_neighbour,
                                     IsingTerm::plaquette};

// Every state of the L×L torus (row s = bits of the state index) and its exact probability under
// H = −K1 Σ_x (s_x s_{x+1} + s_x s_{x+2}) − K2 Σ_x (s_x s_{x+1+2} + s_x s_{x+1−2})
//     − K4 Σ_x s_x s_{x+1} s_{x+2} s_{x+1+2}, written out directly from the definition.
struct Enumerated {
  MatrixF states;
  VectorD p;
};
Enumerated enumerate(int L, double K1, double K2, double K4) {
  const int n = L * L;
  const Index count = Index{1} << n;
  Enumerated e{MatrixF(count, n), VectorD(count)};
  for (Index c = 0; c < count; ++c) {
    for (int i = 0; i < n; ++i) e.states(c, i) = ((c >> i) & 1) ? 1.0f : -1.0f;
    auto s = [&](int x, int y) { return static_cast<double>(e.states(c, ((y + L) % L) * L + (x + L) % L)); };
    double nn = 0, nnn = 0, plaq = 0;
    for (int y = 0; y < L; ++y) {
      for (int x = 0; x < L; ++x) {
        nn += s(x, y) * (s(x + 1, y) + s(x, y + 1));
        nnn += s(x, y) * (s(x + 1, y + 1) + s(x + 1, y - 1));
        plaq += s(x, y) * s(x + 1, y) * s(x, y + 1) * s(x + 1, y + 1);
      }
    }
    e.p[c] = K1 * nn + K2 * nnn + K4 * plaq;  // −H
  }
  e.p = (e.p.array() - e.p.maxCoeff()).exp();
  e.p /= e.p.sum();
  return e;
}

// N exact, independent samples by inverting the cumulative distribution.
MatrixF draw(const Enumerated& e, Index N, std::uint64_t seed) {
  std::vector<double> cdf(static_cast<std::size_t>(e.p.size()));
  double acc = 0;
  for (Index c = 0; c < e.p.size(); ++c) cdf[static_cast<std::size_t>(c)] = acc += e.p[c];
  Rng rng(seed, 0);
  MatrixF out(N, e.states.cols());
  for (Index r = 0; r < N; ++r) {
    const double u = rng.uniform_double() * acc;
    const auto it = std::upper_bound(cdf.begin(), cdf.end(), u);
    out.row(r) = e.states.row(std::min<Index>(it - cdf.begin(), e.p.size() - 1));
  }
  return out;
}

// On the exact distribution the pseudo-likelihood's estimating equation has its root at the true
// couplings (E[s_i | rest] = tanh h_i), so the fit over all states weighted by p recovers K to
// rounding — for every combination of terms that contains the true ones.
TEST(PseudoLikelihoodCouplings, ExactDistributionGivesTrueCouplings) {
  struct Case {
    int L;
    double K1, K2, K4;
  };
  for (const Case& c : {Case{3, 0.3, 0.0, 0.0}, Case{3, 0.25, -0.12, 0.07}, Case{4, 0.35, 0.1, -0.05},
                        Case{4, -0.2, 0.15, 0.1}}) {
    SCOPED_TRACE(::testing::Message() << "L=" << c.L << " K=" << c.K1 << "," << c.K2 << "," << c.K4);
    const Enumerated e = enumerate(c.L, c.K1, c.K2, c.K4);
    const auto fit = rg::pseudo_likelihood_couplings(e.states, c.L, kAll, e.p * 1000.0);
    ASSERT_EQ(fit.couplings.size(), 3u);
    EXPECT_NEAR(fit.couplings[0].mean, c.K1, 1e-9);
    EXPECT_NEAR(fit.couplings[1].mean, c.K2, 1e-9);
    EXPECT_NEAR(fit.couplings[2].mean, c.K4, 1e-9);
    for (const auto& r : fit.couplings) EXPECT_GT(r.error, 0.0);
    if (c.K2 == 0.0 && c.K4 == 0.0) {
      const auto nn = rg::pseudo_likelihood_couplings(e.states, c.L, {IsingTerm::nearest_neighbour}, e.p * 1000.0);
      EXPECT_NEAR(nn.couplings[0].mean, c.K1, 1e-9);
    }
  }
}

// Sampled data: independent exact samples of a 4×4 model with K₂, K₄ ≠ 0. Over R repetitions the
// estimates scatter around the truth with the exact asymptotic covariance Σ (the sandwich of the
// exact distribution with weights N·p): Σ_r (K̂_r − K)ᵀ Σ⁻¹ (K̂_r − K) ~ χ²(3R); and each
// repetition's own sandwich error agrees with the asymptotic one.
TEST(PseudoLikelihoodCouplings, SamplesRecoverCouplingsWithinErrors) {
  const double K1 = 0.3, K2 = 0.1, K4 = -0.06;
  const Enumerated e = enumerate(4, K1, K2, K4);
  const Index N = 3000;
  const auto exact = rg::pseudo_likelihood_couplings(e.states, 4, kAll, e.p * static_cast<double>(N));
  const MatrixD inv = exact.covariance.llt().solve(MatrixD::Identity(3, 3));
  const VectorD truth = (VectorD(3) << K1, K2, K4).finished();
  const int R = 20;
  double chi2 = 0;
  for (int r = 0; r < R; ++r) {
    const MatrixF x = draw(e, N, 100 + static_cast<std::uint64_t>(r));
    const auto fit = rg::pseudo_likelihood_couplings(x, 4, kAll);
    VectorD d(3);
    for (int a = 0; a < 3; ++a) {
      d[a] = fit.couplings[static_cast<std::size_t>(a)].mean - truth[a];
      // The sandwich error from N rows estimates the asymptotic one to a few percent.
      EXPECT_NEAR(fit.couplings[static_cast<std::size_t>(a)].error / exact.couplings[static_cast<std::size_t>(a)].error,
                  1.0, 0.15);
      EXPECT_LT(std::fabs(d[a]), 4.5 * exact.couplings[static_cast<std::size_t>(a)].error);
    }
    chi2 += d.dot(inv * d);
  }
  // χ²(60): mean 60, sd 11; [30, 100] holds with probability > 0.997.
  EXPECT_GT(chi2, 30.0);
  EXPECT_LT(chi2, 100.0);
}

// With the nearest-neighbour term alone the estimator is rg::pseudo_likelihood_coupling's
// (same estimating equation and sandwich error).
TEST(PseudoLikelihoodCouplings, NearestNeighbourAloneMatchesRbmFlowEstimator) {
  const Enumerated e = enumerate(4, 0.4, 0.0, 0.0);
  const MatrixF x = draw(e, 500, 7);
  const auto fit = rg::pseudo_likelihood_couplings(x, 4, {IsingTerm::nearest_neighbour});
  const stats::Result one = rg::pseudo_likelihood_coupling(x, 4);
  EXPECT_NEAR(fit.couplings[0].mean, one.mean, 1e-10);
  EXPECT_NEAR(fit.couplings[0].error, one.error, 1e-8 * one.error);
}

// A model without next-nearest or plaquette terms: fitting them too finds them zero within errors
// while K₁ stays put; leaving out a true K₂ ≠ 0 biases K₁ beyond its error (the fit can fail).
TEST(PseudoLikelihoodCouplings, ExtraTermsAreZeroAndMissingTermsBias) {
  const Enumerated e = enumerate(4, 0.3, 0.2, 0.0);
  const MatrixF x = draw(e, 4000, 11);
  const auto full = rg::pseudo_likelihood_couplings(x, 4, kAll);
  EXPECT_LT(std::fabs(full.couplings[0].mean - 0.3), 4 * full.couplings[0].error);
  EXPECT_LT(std::fabs(full.couplings[1].mean - 0.2), 4 * full.couplings[1].error);
  EXPECT_LT(std::fabs(full.couplings[2].mean), 4 * full.couplings[2].error);
  const auto nn = rg::pseudo_likelihood_couplings(x, 4, {IsingTerm::nearest_neighbour});
  EXPECT_GT(nn.couplings[0].mean - 0.3, 5 * nn.couplings[0].error);  // absorbs the diagonal bonds
}

TEST(PseudoLikelihoodCouplings, NoFiniteMaximumOrBadInput) {
  // Every row fully aligned: the likelihood grows without bound in K₁.
  MatrixF aligned = MatrixF::Ones(4, 16);
  aligned.row(1) *= -1.0f;
  const auto fit = rg::pseudo_likelihood_couplings(aligned, 4, {IsingTerm::nearest_neighbour});
  EXPECT_TRUE(std::isnan(fit.couplings[0].mean));
  EXPECT_TRUE(std::isnan(fit.couplings[0].error));
  // ... and with all three terms they cannot even be told apart (g₁ = g₂ = g₄ = ±4 everywhere).
  for (const auto& r : rg::pseudo_likelihood_couplings(aligned, 4, kAll).couplings) EXPECT_TRUE(std::isnan(r.mean));

  MatrixF x = draw(enumerate(3, 0.2, 0, 0), 10, 1);
  EXPECT_THROW(rg::pseudo_likelihood_couplings(x, 4, kAll), Error);  // 9 sites are not 4×4
  EXPECT_THROW(rg::pseudo_likelihood_couplings(x, 3, {}), Error);
  EXPECT_THROW(rg::pseudo_likelihood_couplings(x, 3, {IsingTerm::plaquette, IsingTerm::plaquette}), Error);
  EXPECT_THROW(rg::pseudo_likelihood_couplings(x, 3, kAll, VectorD::Ones(3)), Error);
  EXPECT_THROW(rg::pseudo_likelihood_couplings(x, 3, kAll, VectorD::Zero(10)), Error);
  MatrixF half = x;
  half(2, 5) = 0.5f;
  EXPECT_THROW(rg::pseudo_likelihood_couplings(half, 3, kAll), Error);
  EXPECT_THROW(rg::pseudo_likelihood_couplings(x.topRows(1), 3, kAll), Error);
}

}  // namespace
