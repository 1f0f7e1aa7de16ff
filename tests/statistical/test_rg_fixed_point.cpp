// Majority-rule blocking at T_c (b = 2) preserves the shape of the |m| distribution: the
// Kadanoff/Wilson fixed point seen in the magnetisation histogram. Wolff configurations of an
// L = 64 lattice at T_c are blocked 64 → 32 → 16; the distribution of the scaled magnetisation
// x = |m| / ⟨|m|⟩ at each level is compared, by χ² with jackknife errors, with direct L = 32 and
// L = 16 samples at T_c and with the previous level; the Binder cumulants must agree within 4σ
// (jackknife; the scale-free moment ratio is what the fixed point fixes, not ⟨|m|⟩ itself).
//
// χ² ignores the (small, positive) correlations between neighbouring histogram bins, which
// makes it conservative rather than strict; the pass criterion is χ² below the 0.1 % quantile
// bound dof + 4·sqrt(2·dof).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "rgflow/ising/exact.hpp"
#include "rgflow/ising/sampler.hpp"
#include "rgflow/rg/block_spin.hpp"
#include "rgflow/stats/series.hpp"

namespace {

using namespace rgflow;

constexpr int kBins = 12;
constexpr double kMaxX = 2.4;  // x = |m|/<|m|> beyond this is lumped into the last bin

// |m| of each configuration of a batch [n, L, L].
std::vector<double> abs_magnetization(std::span<const std::int8_t> spins, std::int64_t n, int L) {
  const std::int64_t N = static_cast<std::int64_t>(L) * L;
  std::vector<double> m(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    std::int64_t s = 0;
    for (std::int64_t j = 0; j < N; ++j) s += spins[static_cast<std::size_t>(i * N + j)];
    m[static_cast<std::size_t>(i)] = std::abs(static_cast<double>(s)) / static_cast<double>(N);
  }
  return m;
}

// Normalised histogram of x = |m|/<|m|> over the samples whose chain index (i % chains) is not
// `skip` (skip = -1: all). The chains are the jackknife blocks.
std::vector<double> shape(const std::vector<double>& m, std::size_t chains, long skip) {
  double sum = 0.0;
  std::size_t count = 0;
  for (std::size_t i = 0; i < m.size(); ++i)
    if (static_cast<long>(i % chains) != skip) { sum += m[i]; ++count; }
  const double mean = sum / static_cast<double>(count);
  std::vector<double> h(kBins, 0.0);
  for (std::size_t i = 0; i < m.size(); ++i) {
    if (static_cast<long>(i % chains) == skip) continue;
    const int b = std::min(kBins - 1, static_cast<int>(m[i] / mean / kMaxX * kBins));
    h[static_cast<std::size_t>(b)] += 1.0 / static_cast<double>(count);
  }
  return h;
}

struct Shape {
  std::vector<double> p, err;
  stats::Result binder;
};

// Histogram with delete-one-chain jackknife errors, and the Binder cumulant (stats::jackknife).
Shape analyse(const std::vector<double>& m, std::size_t chains) {
  Shape s;
  s.p = shape(m, chains, -1);
  s.err.assign(kBins, 0.0);
  const auto B = static_cast<double>(chains);
  std::vector<std::vector<double>> leave(chains);
  std::vector<double> avg(kBins, 0.0);
  for (std::size_t c = 0; c < chains; ++c) {
    leave[c] = shape(m, chains, static_cast<long>(c));
    for (int k = 0; k < kBins; ++k) avg[k] += leave[c][k] / B;
  }
  for (std::size_t c = 0; c < chains; ++c)
    for (int k = 0; k < kBins; ++k) s.err[k] += (B - 1.0) / B * std::pow(leave[c][k] - avg[k], 2);
  for (auto& e : s.err) e = std::sqrt(e);
  std::vector<double> m2(m.size()), m4(m.size());
  for (std::size_t i = 0; i < m.size(); ++i) { m2[i] = m[i] * m[i]; m4[i] = m2[i] * m2[i]; }
  s.binder = stats::jackknife({m2, m4}, chains,
                              [](std::span<const double> x) { return 1.0 - x[1] / (3.0 * x[0] * x[0]); },
                              chains);
  return s;
}

void expect_same_shape(const Shape& a, const Shape& b, const std::string& what) {
  double chi2 = 0.0;
  int dof = 0;
  for (int k = 0; k < kBins; ++k) {
    const double var = a.err[k] * a.err[k] + b.err[k] * b.err[k];
    if (var <= 0.0 || (a.p[k] < 0.005 && b.p[k] < 0.005)) continue;  // empty tail bins
    chi2 += std::pow(a.p[k] - b.p[k], 2) / var;
    ++dof;
  }
  ASSERT_GE(dof, 6) << what;
  EXPECT_LT(chi2, dof + 4.0 * std::sqrt(2.0 * dof)) << what << ": chi2 " << chi2 << " / " << dof;
  const double db = a.binder.mean - b.binder.mean;
  const double sb = std::hypot(a.binder.error, b.binder.error);
  EXPECT_LT(std::abs(db), 4.0 * sb) << what << ": Binder " << a.binder.mean << " ± " << a.binder.error
                                    << " vs " << b.binder.mean << " ± " << b.binder.error;
  std::printf("%-28s chi2 = %6.2f / %d   U = %.4f ± %.4f vs %.4f ± %.4f\n", what.c_str(), chi2, dof,
              a.binder.mean, a.binder.error, b.binder.mean, b.binder.error);
}

ising::RunResult critical_samples(int L, std::int64_t samples, int chains, std::uint64_t seed) {
  ising::RunConfig cfg;
  cfg.model = {L, ising::critical_temperature(), 1.0, 0.0};
  cfg.algorithm = ising::Algorithm::wolff;
  cfg.samples = samples;
  cfg.chains = chains;
  cfg.thermalize = 200;
  cfg.seed = seed;
  return ising::run(cfg);
}

TEST(RgFixedPoint, MajorityBlockingPreservesMagnetizationShapeAtTc) {
  constexpr int kChains = 32;
  constexpr std::int64_t kSamples = 32 * 250;
  const auto big = critical_samples(64, kSamples, kChains, 101);
  const auto l1 = rg::block_spins_batch(big.spins, big.samples, 64, 2, rg::BlockRule::majority, 7);
  const auto l2 = rg::block_spins_batch(l1, big.samples, 32, 2, rg::BlockRule::majority, 8);
  const auto d32 = critical_samples(32, kSamples, kChains, 102);
  const auto d16 = critical_samples(16, kSamples, kChains, 103);

  const Shape s0 = analyse(abs_magnetization(big.spins, big.samples, 64), kChains);
  const Shape s1 = analyse(abs_magnetization(l1, big.samples, 32), kChains);
  const Shape s2 = analyse(abs_magnetization(l2, big.samples, 16), kChains);
  const Shape e32 = analyse(abs_magnetization(d32.spins, d32.samples, 32), kChains);
  const Shape e16 = analyse(abs_magnetization(d16.spins, d16.samples, 16), kChains);

  expect_same_shape(s1, e32, "blocked 64->32 vs direct 32");
  expect_same_shape(s2, e16, "blocked 64->16 vs direct 16");
  expect_same_shape(s0, s1, "level 0 (64) vs level 1");
  expect_same_shape(s1, s2, "level 1 vs level 2");
}

}  // namespace
