// Sampling convolutional RBMs (conv/sample.hpp): the empirical distribution of independent Gibbs
// chains against the exact p(v) by enumeration (Pearson's chi-square over bins with large expected
// counts, threshold at z = 4 of the Wilson–Hilferty approximation, with a power check: the samples
// of a model with kernels 10 % stronger are rejected), bit-identical samples for 1 and 2 threads,
// bad options and cancellation.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "rgflow/conv/conv_rbm.hpp"
#include "rgflow/conv/log_partition.hpp"
#include "rgflow/conv/sample.hpp"
#include "rgflow/core/error.hpp"
#include "support/conv_exact.hpp"

namespace rgflow::conv {
namespace {

ConvRbm random_model(ConvShape shape, UnitType vt, UnitType ht, std::uint64_t seed, double scale) {
  return test::random_conv_model(shape, vt, ht, seed, scale, 0.2, 0.1f);
}

using test::chi_square;
using test::chi_square_quantile;

TEST(ConvSample, SamplesFollowTheExactDistribution) {
  struct Case {
    ConvShape shape;
    UnitType visible, hidden;
    double scale;  // of the random kernels
  };
  for (const Case& c : {Case{ConvShape{4, 2, 2, 2}, UnitType::spin, UnitType::spin, 0.6},
                        Case{ConvShape{3, 3, 1, 1}, UnitType::bernoulli, UnitType::spin, 0.25},
                        Case{ConvShape{4, 3, 2, 1}, UnitType::spin, UnitType::bernoulli, 0.6}}) {
    const ConvRbm m = random_model(c.shape, c.visible, c.hidden, 3, c.scale);
    ConvSampleOptions o;
    o.samples = 10000;
    o.sweeps = 20;
    o.seed = 5;
    const MatrixF V = sample_visible_states(m, o);
    ASSERT_EQ(V.rows(), 10000);
    ASSERT_EQ(V.cols(), m.n_visible());
    const auto [chi2, df] = chi_square(m, V);
    ASSERT_GE(df, 20) << "too few bins for a meaningful test " << to_string(c.shape);
    EXPECT_LT(chi2, chi_square_quantile(df, 4.0)) << to_string(c.shape) << " df " << df;
    // Power: a model with every kernel weight 10 % stronger is rejected at the same threshold.
    ConvRbm stronger = m;
    stronger.kernels() *= 1.1f;
    const auto [chi2_s, df_s] = chi_square(m, sample_visible_states(stronger, o));
    EXPECT_GT(chi2_s, chi_square_quantile(df_s, 4.0)) << to_string(c.shape);
  }
}

TEST(ConvSample, BitIdenticalForAnyThreadCount) {
  const ConvRbm m = random_model(ConvShape{6, 3, 1, 2}, UnitType::spin, UnitType::bernoulli, 4, 0.3);
  ConvSampleOptions o;
  o.samples = 500;
  o.sweeps = 5;
  o.seed = 9;
  omp_set_num_threads(1);
  const MatrixF a = sample_visible_states(m, o);
  omp_set_num_threads(2);
  const MatrixF b = sample_visible_states(m, o);
  omp_set_num_threads(omp_get_num_procs());
  EXPECT_TRUE(a == b);
  o.seed = 10;
  EXPECT_FALSE(a == sample_visible_states(m, o));
}

TEST(ConvSample, ZeroSweepsAreTheUniformStartsAndTheSweepsAreCounted) {
  const ConvRbm m = random_model(ConvShape{4, 2, 2, 1}, UnitType::bernoulli, UnitType::bernoulli, 2, 0.3);
  ConvSampleOptions o;
  o.samples = 4000;
  o.sweeps = 0;
  const MatrixF V = sample_visible_states(m, o);
  EXPECT_TRUE((V.array() == 0.0f || V.array() == 1.0f).all());
  // Mean of 64,000 fair coin flips: 0.5 ± 0.002.
  EXPECT_NEAR(V.cast<double>().mean(), 0.5, 4.0 * 0.5 / std::sqrt(64000.0));
  int calls = 0;
  o.sweeps = 3;
  o.on_sweep = [&](int t) { EXPECT_EQ(t, ++calls); };
  sample_visible_states(m, o);
  EXPECT_EQ(calls, 3);
}

TEST(ConvSample, RefusesBadOptionsAndStops) {
  const ConvRbm m(ConvShape{4, 2, 1, 1});
  ConvSampleOptions o;
  o.samples = 0;
  EXPECT_THROW(sample_visible_states(m, o), Error);
  o.samples = 10;
  o.sweeps = -1;
  EXPECT_THROW(sample_visible_states(m, o), Error);
  o.sweeps = 10;
  o.stop = [] { return true; };
  EXPECT_THROW(sample_visible_states(m, o), Cancelled);
}

}  // namespace
}  // namespace rgflow::conv
