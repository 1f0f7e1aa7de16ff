// Block Gibbs sampling of an RBM with Gaussian visible units against exact moments (hidden layer
// enumerated, v | h ~ N(a + W h, σ²) integrated in closed form): ⟨v_i⟩, ⟨v_i²⟩, ⟨h_j⟩ and
// ⟨v_i h_j⟩ within 4 standard errors. The error bar is the spread of independent chains' time
// averages over √chains, valid whatever the autocorrelation inside a chain.
#include <gtest/gtest.h>

#include <cmath>

#include "support/gaussian_rbm.hpp"

namespace rgflow {
namespace {

class GaussianGibbs : public ::testing::TestWithParam<UnitType> {};

TEST_P(GaussianGibbs, MomentsMatchExact) {
  const Rbm rbm = test::random_gaussian_rbm(3, 4, GetParam(), 91, 0.6, 0.6, 0.5, 1.5);
  const test::GaussianExact ex = test::gaussian_exact(rbm);
  const Index chains = 400, burn_in = 100, sweeps = 300;
  const Index nv = 3, nh = 4;
  Rng rng(92, 0);
  MatrixF V = MatrixF::Zero(chains, nv);
  MatrixF H;
  rbm.gibbs(V, H, static_cast<int>(burn_in), rng);
  // Per chain time averages of v, v², h and v hᵀ (flattened), columns in that order.
  const Index n_stats = nv + nv + nh + nv * nh;
  MatrixD avg = MatrixD::Zero(chains, n_stats);
  for (Index t = 0; t < sweeps; ++t) {
    rbm.gibbs(V, H, 1, rng);  // H is the hidden sample that produced V
    for (Index c = 0; c < chains; ++c) {
      Index k = 0;
      for (Index i = 0; i < nv; ++i) avg(c, k++) += V(c, i);
      for (Index i = 0; i < nv; ++i) avg(c, k++) += double(V(c, i)) * V(c, i);
      for (Index j = 0; j < nh; ++j) avg(c, k++) += H(c, j);
      for (Index i = 0; i < nv; ++i) {
        for (Index j = 0; j < nh; ++j) avg(c, k++) += double(V(c, i)) * H(c, j);
      }
    }
  }
  avg /= static_cast<double>(sweeps);
  VectorD exact(n_stats);
  {
    Index k = 0;
    for (Index i = 0; i < nv; ++i) exact[k++] = ex.v[i];
    for (Index i = 0; i < nv; ++i) exact[k++] = ex.v2[i];
    for (Index j = 0; j < nh; ++j) exact[k++] = ex.h[j];
    for (Index i = 0; i < nv; ++i) {
      for (Index j = 0; j < nh; ++j) exact[k++] = ex.vh(i, j);
    }
  }
  for (Index k = 0; k < n_stats; ++k) {
    const double mean = avg.col(k).mean();
    const double sd = std::sqrt((avg.col(k).array() - mean).square().sum() / (chains - 1.0));
    const double error = sd / std::sqrt(static_cast<double>(chains));
    EXPECT_GT(error, 0.0);
    EXPECT_NEAR(mean, exact[k], 4.0 * error) << "statistic " << k;
  }
}

INSTANTIATE_TEST_SUITE_P(HiddenTypes, GaussianGibbs,
                         ::testing::Values(UnitType::bernoulli, UnitType::spin));

}  // namespace
}  // namespace rgflow
