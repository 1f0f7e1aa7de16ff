// Error analysis on synthetic series with known answers. AR(1): x_t = φ x_{t−1} + sqrt(1−φ²) ε_t
// has variance 1, ρ(t) = φ^t and τ_int = ½ (1+φ)/(1−φ), so σ(mean) = sqrt(2 τ_int / n).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "rgflow/core/rng.hpp"
#include "rgflow/stats/result.hpp"
#include "rgflow/stats/series.hpp"

namespace {

using rgflow::Rng;
namespace st = rgflow::stats;

// R interleaved AR(1) chains, x[t * R + c], each started in equilibrium.
std::vector<double> ar1(double phi, std::size_t n, std::size_t R, std::uint64_t seed) {
  std::vector<double> x(n * R);
  const double s = std::sqrt(1.0 - phi * phi);
  for (std::size_t c = 0; c < R; ++c) {
    Rng rng(seed, c);
    double v = rng.normal();
    for (std::size_t t = 0; t < n; ++t) {
      x[t * R + c] = v;
      v = phi * v + s * rng.normal();
    }
  }
  return x;
}

double tau_exact(double phi) { return 0.5 * (1.0 + phi) / (1.0 - phi); }

TEST(StatsProportion, FractionWithItsBinomialError) {
  const st::Result r = st::proportion(236, 250);
  EXPECT_DOUBLE_EQ(r.mean, 0.944);
  EXPECT_DOUBLE_EQ(r.error, std::sqrt(0.944 * 0.056 / 250));
  EXPECT_EQ(r.n, 250);
  // The binomial error is the standard error of the mean of the 0/1 outcomes with divisor n (not n - 1).
  std::vector<double> outcomes(250, 0.0);
  for (int k = 0; k < 236; ++k) outcomes[static_cast<std::size_t>(k)] = 1.0;
  EXPECT_NEAR(r.error, st::mean_sem(outcomes).error * std::sqrt(249.0 / 250.0), 1e-15);
  EXPECT_EQ(st::proportion(0, 10).error, 0.0);
  EXPECT_EQ(st::proportion(10, 10).mean, 1.0);
  EXPECT_TRUE(std::isnan(st::proportion(0, 0).mean));
  EXPECT_THROW(st::proportion(11, 10), std::invalid_argument);
  EXPECT_THROW(st::proportion(-1, 10), std::invalid_argument);
}

TEST(StatsAutocorrelation, Ar1TauAndError) {
  for (double phi : {0.0, 0.5, 0.9}) {
    const std::size_t n = 1 << 18;
    const auto x = ar1(phi, n, 1, 11);
    const auto r = st::autocorrelation_analysis(x);
    const double tau = tau_exact(phi);
    const double err = std::sqrt(2.0 * tau / static_cast<double>(n));
    EXPECT_NEAR(r.tau_int, tau, 0.08 * tau) << "phi " << phi;
    EXPECT_NEAR(r.error, err, 0.08 * err) << "phi " << phi;
    EXPECT_LT(std::abs(r.mean), 4.0 * err) << "phi " << phi;
    EXPECT_EQ(r.n, static_cast<std::int64_t>(n));
    // τ's own error bar (Sokal) covers the deviation from the exact value.
    const auto est = st::integrated_autocorrelation_time(x);
    EXPECT_GT(est.error, 0.0);
    EXPECT_LT(std::abs(est.tau - tau), 4.0 * est.error) << "phi " << phi;
    EXPECT_GE(static_cast<double>(est.window), 6.0 * est.tau - 1.0);
  }
}

TEST(StatsAutocorrelation, ManyChainsPoolTheirAutocorrelation) {
  const double phi = 0.8;
  const std::size_t n = 4096, R = 64;
  const auto x = ar1(phi, n, R, 5);
  const auto r = st::autocorrelation_analysis(x, R);
  const double tau = tau_exact(phi);
  EXPECT_NEAR(r.tau_int, tau, 0.08 * tau);
  const double err = std::sqrt(2.0 * tau / static_cast<double>(n * R));
  EXPECT_NEAR(r.error, err, 0.08 * err);
}

TEST(StatsBinning, Ar1PlateauMatchesExactError) {
  const double phi = 0.9;
  const std::size_t n = 1 << 20;
  const auto x = ar1(phi, n, 1, 3);
  const auto r = st::binning_analysis(x);
  const double tau = tau_exact(phi);
  const double err = std::sqrt(2.0 * tau / static_cast<double>(n));
  EXPECT_NEAR(r.error, err, 0.12 * err);
  EXPECT_NEAR(r.tau_int, tau, 0.25 * tau);
  const auto levels = st::binning_levels(x);
  ASSERT_GE(levels.size(), 10u);
  EXPECT_EQ(levels[3].bin_size, 8u);
  // Naive error (bin size 1) is the iid error, too small by sqrt(2 τ).
  EXPECT_NEAR(levels[0].error, 1.0 / std::sqrt(static_cast<double>(n)), 0.05 / std::sqrt(n));
}

TEST(StatsBinning, IndependentDataHasTauOneHalf) {
  const auto x = ar1(0.0, 1 << 16, 1, 9);
  const auto r = st::binning_analysis(x);
  EXPECT_NEAR(r.tau_int, 0.5, 0.1);
}

TEST(StatsJackknife, VarianceOfGaussianHasKnownError) {
  // f = ⟨x²⟩ − ⟨x⟩² on iid N(0,1): mean 1, σ ≈ sqrt(2/n).
  const std::size_t n = 1 << 16;
  const auto x = ar1(0.0, n, 1, 21);
  std::vector<double> x2(n);
  for (std::size_t i = 0; i < n; ++i) x2[i] = x[i] * x[i];
  const auto r = st::jackknife({x, x2}, 1, [](std::span<const double> m) { return m[1] - m[0] * m[0]; });
  const double err = std::sqrt(2.0 / static_cast<double>(n));
  EXPECT_NEAR(r.error, err, 0.25 * err);  // 64 blocks: the error itself is known to ~9 %
  EXPECT_LT(std::abs(r.mean - 1.0), 4.0 * err);
}

TEST(StatsJackknife, MeanOfCorrelatedSeriesMatchesTau) {
  // With blocks ≫ τ, the jackknife error of f = ⟨x⟩ is sqrt(2 τ / n).
  const double phi = 0.9;
  const std::size_t n = 1 << 18;
  const auto x = ar1(phi, n, 1, 8);
  const auto r = st::jackknife({x}, 1, [](std::span<const double> m) { return m[0]; });
  const double err = std::sqrt(2.0 * tau_exact(phi) / static_cast<double>(n));
  EXPECT_NEAR(r.error, err, 0.25 * err);
}

TEST(StatsJackknife, ChainsAsBlocks) {
  const std::size_t n = 256, R = 64;
  const auto x = ar1(0.5, n, R, 2);
  const auto r = st::jackknife({x}, R, [](std::span<const double> m) { return m[0]; });
  const double err = std::sqrt(2.0 * tau_exact(0.5) / static_cast<double>(n * R));
  EXPECT_NEAR(r.error, err, 0.3 * err);
}

TEST(StatsAccumulator, FinalizesAndRejectsBadLayout) {
  st::Accumulator acc(2);
  for (int i = 0; i < 100; ++i) acc.add(i % 2 ? 1.0 : -1.0);
  const auto r = acc.finalize();
  EXPECT_DOUBLE_EQ(r.mean, 0.0);
  EXPECT_EQ(r.n, 100);
  const std::vector<double> odd(5, 1.0);
  EXPECT_THROW(st::autocorrelation_analysis(odd, 2), std::invalid_argument);
  const std::vector<double> constant(10, 3.0);
  EXPECT_EQ(st::autocorrelation_analysis(constant).error, 0.0);
}

}  // namespace
