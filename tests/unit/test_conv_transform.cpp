// Stacking convolutional RBMs (conv/transform.hpp): hidden samples of exact samples of the visible
// layer follow the layer's exact hidden marginal p(h) ∝ Σ e^{−F(h)} (enumeration; channel 0 of a
// two-channel model, the other channel summed out) by Pearson's chi-square, with a power check;
// means are E[h|v] of the channel; bit-identical for 1 and 2 threads; bad channels refused.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>

#include "rgflow/conv/log_partition.hpp"
#include "rgflow/conv/transform.hpp"
#include "rgflow/core/error.hpp"
#include "support/conv_exact.hpp"

namespace rgflow::conv {
namespace {

// p(h_c) of channel c: e^{−F(h)}/Z over all joint hidden states, summed over the other channels.
std::vector<double> channel_marginal(const ConvRbm& m, Index channel) {
  const Index nh = m.n_hidden(), P = m.shape().positions();
  const double log_z = exact_log_partition(m);
  const std::uint64_t total = std::uint64_t{1} << nh;
  MatrixF H(static_cast<Index>(total), nh);
  const float off = m.hidden_type() == UnitType::spin ? -1.0f : 0.0f;
  for (std::uint64_t s = 0; s < total; ++s) {
    for (Index j = 0; j < nh; ++j) H(static_cast<Index>(s), j) = ((s >> j) & 1U) ? 1.0f : off;
  }
  const VectorD F = m.free_energy_hidden(H);
  std::vector<double> p(std::size_t{1} << P, 0.0);
  for (std::uint64_t s = 0; s < total; ++s) {
    p[(s >> (channel * P)) & ((std::uint64_t{1} << P) - 1)] += std::exp(-F[static_cast<Index>(s)] - log_z);
  }
  return p;
}

TEST(ConvTransform, HiddenSamplesOfModelSamplesFollowTheHiddenMarginal) {
  // 4×4 visible, kernel 3, stride 2, two channels: each channel is a 2×2 hidden lattice.
  for (const auto& [vt, ht] : {std::pair{UnitType::spin, UnitType::spin}, std::pair{UnitType::bernoulli, UnitType::spin},
                               std::pair{UnitType::spin, UnitType::bernoulli}}) {
    const ConvRbm m = test::random_conv_model(ConvShape{4, 3, 2, 2}, vt, ht, 4, 0.5, 0.4, 0.1f);
    const MatrixF V = test::exact_samples(m, 20000, 5);
    for (const Index channel : {Index{0}, Index{1}}) {
      HiddenLatticeOptions o;
      o.channel = channel;
      o.seed = 6;
      const MatrixF H = hidden_lattice(m, V, o);
      ASSERT_EQ(H.rows(), 20000);
      ASSERT_EQ(H.cols(), 4);
      const std::vector<double> p = channel_marginal(m, channel);
      const auto [chi2, df] = test::chi_square(p, H);
      ASSERT_GE(df, 5);
      EXPECT_LT(chi2, test::chi_square_quantile(df, 4.0)) << "channel " << channel;
      // Power: the other channel's marginal differs (random kernels), and is rejected.
      const auto [chi2_other, df_other] = test::chi_square(channel_marginal(m, 1 - channel), H);
      EXPECT_GT(chi2_other, test::chi_square_quantile(df_other, 4.0)) << "channel " << channel;
    }
  }
}

TEST(ConvTransform, MeansAreTheChannelsConditionalMeansAndSamplesIgnoreThreads) {
  const ConvRbm m = test::random_conv_model(ConvShape{8, 2, 2, 3}, UnitType::spin, UnitType::spin, 2, 0.5, 0.2, 0.0f);
  const MatrixF V = test::exact_samples(test::random_conv_model(ConvShape{4, 2, 2, 1}, UnitType::spin, UnitType::spin, 3,
                                                                0.5, 0.2, 0.0f), 1, 1);  // shape check below
  Rng rng(1, 0);
  MatrixF X(3000, 64);
  for (Index i = 0; i < X.size(); ++i) X.data()[i] = rng.uniform() < 0.5f ? -1.0f : 1.0f;
  MatrixF mean;
  m.hidden_mean(X, mean);
  HiddenLatticeOptions o;
  o.channel = 2;
  o.sample = false;
  EXPECT_TRUE(hidden_lattice(m, X, o) == mean.middleCols(2 * 16, 16));
  o.sample = true;
  omp_set_num_threads(1);
  const MatrixF a = hidden_lattice(m, X, o);
  omp_set_num_threads(2);
  const MatrixF b = hidden_lattice(m, X, o);
  omp_set_num_threads(omp_get_num_procs());
  EXPECT_TRUE(a == b);
  EXPECT_TRUE((a.array().abs() == 1.0f).all());
  o.channel = 3;
  EXPECT_THROW(hidden_lattice(m, X, o), Error);
  o.channel = -1;
  EXPECT_THROW(hidden_lattice(m, X, o), Error);
  o.channel = 0;
  EXPECT_THROW(hidden_lattice(m, V, o), Error);  // 16 columns for a 64-site model
}

}  // namespace
}  // namespace rgflow::conv
