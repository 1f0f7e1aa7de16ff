// Observables of the vrg pipeline against exact enumeration of a 4×4 Ising model, and the data
// generators against their defining properties.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>
#include <vector>

#include "rgflow/core/rng.hpp"
#include "rgflow/ising/exact.hpp"
#include "rgflow/vrg/data.hpp"
#include "rgflow/vrg/observables.hpp"

namespace {

using namespace rgflow;

constexpr int kL = 4;
constexpr int kN = kL * kL;

std::vector<float> state_spins(std::uint32_t s) {
  std::vector<float> v(kN);
  for (int i = 0; i < kN; ++i) v[static_cast<std::size_t>(i)] = ((s >> i) & 1u) ? 1.0f : -1.0f;
  return v;
}

// p(s) ∝ exp(K Σ_⟨ij⟩ s_i s_j) on the periodic 4×4 lattice, by enumeration.
std::vector<double> exact_probabilities(double K) {
  std::vector<double> logw(1u << kN);
  for (std::uint32_t s = 0; s < (1u << kN); ++s) {
    const auto v = state_spins(s);
    double e = 0;
    for (int y = 0; y < kL; ++y) {
      for (int x = 0; x < kL; ++x) {
        const float si = v[static_cast<std::size_t>(y * kL + x)];
        e += si * (v[static_cast<std::size_t>(y * kL + (x + 1) % kL)] + v[static_cast<std::size_t>(((y + 1) % kL) * kL + x)]);
      }
    }
    logw[s] = K * e;
  }
  const double m = *std::max_element(logw.begin(), logw.end());
  double z = 0;
  for (double& l : logw) z += (l = std::exp(l - m));
  for (double& l : logw) l /= z;
  return logw;
}

MatrixF draw(const std::vector<double>& p, Index n, std::uint64_t seed) {
  std::vector<double> cdf(p.size());
  std::partial_sum(p.begin(), p.end(), cdf.begin());
  Rng rng(seed);
  MatrixF out(n, kN);
  for (Index r = 0; r < n; ++r) {
    const double u = rng.uniform_double() * cdf.back();
    const auto s = static_cast<std::uint32_t>(std::upper_bound(cdf.begin(), cdf.end(), u) - cdf.begin());
    const auto v = state_spins(std::min<std::uint32_t>(s, (1u << kN) - 1));
    for (int i = 0; i < kN; ++i) out(r, i) = v[static_cast<std::size_t>(i)];
  }
  return out;
}

TEST(VrgObservables, BlockPositionsAreBlockCentres) {
  const vrg::Positions p = vrg::block_positions(2, 4);
  EXPECT_EQ(p.period, 8.0);
  ASSERT_EQ(p.size(), 4u);
  EXPECT_DOUBLE_EQ(p.x[1], 5.5);  // site 1 = block (X, Y) = (1, 0) covers x = 4..7
  EXPECT_DOUBLE_EQ(p.y[1], 1.5);
  EXPECT_DOUBLE_EQ(p.x[2], 1.5);  // site 2 = block (0, 1)
  EXPECT_DOUBLE_EQ(p.y[2], 5.5);
}

// ξ from exact samples agrees with ξ from the exact moments χ = ⟨M²⟩/N and F = ⟨|M(k)|²⟩/N.
TEST(VrgObservables, CorrelationLengthMatchesEnumeration) {
  const double K = 0.3;
  const auto p = exact_probabilities(K);
  double chi = 0, f = 0;
  const double w = 2.0 * std::numbers::pi / kL;
  for (std::uint32_t s = 0; s < p.size(); ++s) {
    const auto v = state_spins(s);
    double m = 0, cx = 0, sx = 0, cy = 0, sy = 0;
    for (int i = 0; i < kN; ++i) {
      const double si = v[static_cast<std::size_t>(i)];
      m += si;
      cx += si * std::cos(w * (i % kL));
      sx += si * std::sin(w * (i % kL));
      cy += si * std::cos(w * (i / kL));
      sy += si * std::sin(w * (i / kL));
    }
    chi += p[s] * m * m / kN;
    f += p[s] * 0.5 * (cx * cx + sx * sx + cy * cy + sy * sy) / kN;
  }
  const double exact = std::sqrt(chi / f - 1.0) / (2.0 * std::sin(std::numbers::pi / kL));
  const MatrixF samples = draw(p, 20000, 11);
  const stats::Result xi = vrg::correlation_length(samples, vrg::block_positions(kL, 1));
  ASSERT_GT(xi.error, 0.0);
  EXPECT_NEAR(xi.mean, exact, 4.0 * xi.error) << "exact " << exact;
  EXPECT_LT(xi.error, 0.1 * exact);  // the test has power
}

// The magnetisation histogram from exact samples against the exact distribution of m.
TEST(VrgObservables, MagnetizationHistogramMatchesEnumeration) {
  const auto p = exact_probabilities(0.35);
  const int bins = 17;  // one bin per value of m = k/8 − 1, k = 0 … 16 ... bins of width 2/17
  std::vector<double> exact(bins, 0.0);
  double abs_m = 0;
  for (std::uint32_t s = 0; s < p.size(); ++s) {
    const auto v = state_spins(s);
    double m = 0;
    for (float x : v) m += x;
    m /= kN;
    abs_m += p[s] * std::fabs(m);
    const int b = std::min(bins - 1, static_cast<int>(std::floor((m + 1.0) / 2.0 * bins)));
    exact[static_cast<std::size_t>(b)] += p[s];
  }
  const vrg::Magnetization mag = vrg::magnetization(draw(p, 20000, 5), bins);
  ASSERT_EQ(mag.histogram.size(), static_cast<std::size_t>(bins));
  for (int b = 0; b < bins; ++b) {
    const auto& h = mag.histogram[static_cast<std::size_t>(b)];
    EXPECT_NEAR(h.mean, exact[static_cast<std::size_t>(b)], 5.0 * h.error + 1e-12) << "bin " << b;
  }
  EXPECT_NEAR(mag.abs_mean.mean, abs_m, 4.0 * mag.abs_mean.error);
}

TEST(VrgObservables, NearestNeighbourCorrelationOfKnownStates) {
  MatrixF states(2, 16);
  states.row(0).setOnes();
  for (int i = 0; i < 16; ++i) states(1, i) = ((i % 4) + (i / 4)) % 2 == 0 ? 1.0f : -1.0f;  // checkerboard
  const stats::Result c = vrg::nearest_neighbour_correlation(states, 4);
  EXPECT_DOUBLE_EQ(c.mean, 0.0);  // (+1 + −1) / 2
  EXPECT_DOUBLE_EQ(c.error, 1.0);  // sd of {1, −1} is √2 (n − 1), over √2 rows
}

TEST(VrgData, PermutedSitesKeepEveryRowsSpins) {
  vrg::SpinData d;
  d.L = 4;
  d.samples = 3;
  Rng rng(1);
  for (int i = 0; i < 48; ++i) d.spins.push_back(rng.uniform() < 0.3f ? 1 : -1);
  std::vector<std::int32_t> perm;
  const vrg::SpinData p = vrg::permute_sites(d, 9, &perm);
  std::vector<std::int32_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < 16; ++i) EXPECT_EQ(sorted[static_cast<std::size_t>(i)], i);
  for (int r = 0; r < 3; ++r) {
    for (int i = 0; i < 16; ++i) {
      EXPECT_EQ(p.spins[static_cast<std::size_t>(r * 16 + i)], d.spins[static_cast<std::size_t>(r * 16 + perm[static_cast<std::size_t>(i)])]);
    }
  }
}

// Thresholded symmetric Gaussian fields: ⟨m⟩ = 0, and the nearest-neighbour correlation of
// sign(φ) is (2/π) arcsin ρ with ρ the field's own neighbour correlation (Van Vleck's arcsine law);
// for the periodic Gaussian kernel ρ = Σ_d k_d k_{d+1} / Σ_d k_d² (per axis, k the 1-D kernel).
TEST(VrgData, TexturesFollowTheArcsineLaw) {
  const int L = 32;
  const double xi = 1.5;
  const vrg::SpinData t = vrg::gaussian_textures(L, 400, xi, 4);
  const MatrixF m = vrg::to_matrix(t.spins, t.samples, L * L);
  const int R = static_cast<int>(std::ceil(4.0 * xi));
  std::vector<double> k(static_cast<std::size_t>(L), 0.0);  // kernel wrapped on the ring
  for (int d = -R; d <= R; ++d) k[static_cast<std::size_t>((d + L) % L)] += std::exp(-0.5 * d * d / (xi * xi));
  double c0 = 0, c1 = 0;
  for (int d = 0; d < L; ++d) {
    c0 += k[static_cast<std::size_t>(d)] * k[static_cast<std::size_t>(d)];
    c1 += k[static_cast<std::size_t>(d)] * k[static_cast<std::size_t>((d + 1) % L)];
  }
  const double rho = c1 / c0;  // the other axis contributes a factor 1 (same offset 0)
  const double expected = 2.0 / std::numbers::pi * std::asin(rho);
  const stats::Result c = vrg::nearest_neighbour_correlation(m, L);
  EXPECT_NEAR(c.mean, expected, 5.0 * c.error);
  const vrg::Magnetization mag = vrg::magnetization(m, 10);
  EXPECT_LT(mag.second_moment.mean, 0.05);
}

// Data at T = 2.451 on an 8×8 lattice: the energy per spin matches Kaufman within its error.
TEST(VrgData, IsingDataMatchKaufman) {
  vrg::IsingDataOptions o;
  o.L = 8;
  o.temperature = 2.451;
  o.samples = 2000;
  o.pilot_samples = 400;
  o.thermalize = 100;
  o.seed = 6;
  const vrg::SpinData d = vrg::sample_ising(o);
  EXPECT_GE(d.sweeps_between, 1);
  EXPECT_GT(d.tau.tau, 0.0);
  const MatrixF m = vrg::to_matrix(d.spins, d.samples, 64);
  const stats::Result c = vrg::nearest_neighbour_correlation(m, 8);
  const double u = ising::kaufman(8, 1.0 / 2.451).energy_per_spin;
  EXPECT_NEAR(-2.0 * c.mean, u, 5.0 * 2.0 * c.error);
}

}  // namespace
