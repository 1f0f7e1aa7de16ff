// Every sampler against exact answers: energy and specific heat against Kaufman's finite-lattice
// formula (|est − exact| < 4σ, σ from the estimate's own error bar), the full L = 4 energy
// distribution against enumeration (χ²), multi-spin vs scalar Metropolis in distribution, and
// bit-identical results for 1 and 2 OpenMP threads. Fixed seeds; sizes chosen to stay well under
// a few seconds in a release build (the suite also runs under ASan).
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "rgflow/core/error.hpp"
#include "rgflow/ising/exact.hpp"
#include "rgflow/ising/observables.hpp"
#include "rgflow/ising/sampler.hpp"
#include "rgflow/stats/series.hpp"

namespace {

using namespace rgflow::ising;

RunConfig config(Algorithm a, int L, double T, std::int64_t samples, int sweeps_between, std::uint64_t seed) {
  RunConfig c;
  c.model = {L, T, 1.0, 0.0};
  c.algorithm = a;
  c.samples = samples;
  c.sweeps_between = sweeps_between;
  c.thermalize = 200;
  c.seed = seed;
  c.keep_spins = false;
  return c;
}

void expect_within(const rgflow::stats::Result& r, double exact, const std::string& what) {
  ASSERT_TRUE(std::isfinite(r.error)) << what;
  EXPECT_GT(r.error, 0.0) << what;
  EXPECT_LT(std::abs(r.mean - exact), 4.0 * r.error)
      << what << ": " << r.mean << " ± " << r.error << " vs exact " << exact
      << " (" << (r.mean - exact) / r.error << " σ)";
}

struct Case {
  Algorithm algorithm;
  int L;
  double T;
  std::int64_t samples;
  int sweeps_between;
};

class SamplerVsKaufman : public ::testing::TestWithParam<Case> {};

TEST_P(SamplerVsKaufman, EnergyAndSpecificHeat) {
  const Case c = GetParam();
  const auto cfg = config(c.algorithm, c.L, c.T, c.samples, c.sweeps_between, 1234);
  const auto run_result = run(cfg);
  const auto obs = summarize(run_result.energy, run_result.magnetization,
                             static_cast<std::size_t>(run_result.chains), c.L, c.T);
  const auto exact = kaufman(c.L, 1.0 / c.T);
  const std::string what = algorithm_name(c.algorithm) + " L=" + std::to_string(c.L) +
                           " T=" + std::to_string(c.T);
  expect_within(obs.energy_per_spin, exact.energy_per_spin, what + " energy");
  expect_within(obs.specific_heat_per_spin, exact.specific_heat, what + " specific heat");
  // The error bars must be informative, not huge.
  EXPECT_LT(obs.energy_per_spin.error, 0.01) << what;
  EXPECT_LT(obs.specific_heat_per_spin.error, 0.1 * exact.specific_heat) << what;
}

const double Tc = critical_temperature();

INSTANTIATE_TEST_SUITE_P(
    Ising, SamplerVsKaufman,
    ::testing::Values(Case{Algorithm::metropolis, 8, Tc, 64 * 400, 2},
                      Case{Algorithm::metropolis, 16, 2.0, 64 * 100, 2},
                      Case{Algorithm::metropolis, 6, 3.5, 64 * 200, 1},
                      Case{Algorithm::metropolis_scalar, 8, Tc, 8000, 2},
                      Case{Algorithm::metropolis_scalar, 6, 3.5, 8000, 1},
                      Case{Algorithm::wolff, 8, Tc, 8000, 1},
                      Case{Algorithm::wolff, 16, Tc, 4000, 1},
                      Case{Algorithm::wolff, 16, 2.0, 4000, 1},
                      Case{Algorithm::swendsen_wang, 8, Tc, 8000, 1},
                      Case{Algorithm::swendsen_wang, 16, Tc, 4000, 1},
                      Case{Algorithm::swendsen_wang, 6, 3.5, 8000, 1}),
    [](const auto& param_info) {
      const Case& c = param_info.param;
      std::string temp = std::to_string(static_cast<int>(std::round(c.T * 1000)));
      std::string name = algorithm_name(c.algorithm) + "_L" + std::to_string(c.L) + "_T" + temp;
      for (char& ch : name)
        if (ch == '-') ch = '_';
      return name;
    });

// χ² of an observed histogram against expected counts, bins with expected < 10 merged.
struct ChiSquare {
  double chi2 = 0.0;
  int dof = 0;
};
ChiSquare chi_square(const std::vector<double>& observed, const std::vector<double>& expected) {
  ChiSquare r;
  double o = 0.0, e = 0.0;
  int bins = 0;
  for (std::size_t k = 0; k < observed.size(); ++k) {
    o += observed[k];
    e += expected[k];
    if (e >= 10.0) {
      r.chi2 += (o - e) * (o - e) / e;
      ++bins;
      o = e = 0.0;
    }
  }
  if (e > 0.0) {  // remainder
    r.chi2 += (o - e) * (o - e) / e;
    ++bins;
  }
  r.dof = bins - 1;
  return r;
}

class L4Histogram : public ::testing::TestWithParam<Algorithm> {};

TEST_P(L4Histogram, MatchesEnumeration) {
  const int L = 4;
  const double T = 2.5, K = 1.0 / T;
  const auto g = enumerate_density_of_states(L);
  const std::int64_t n = 64 * 200;
  const auto res = run(config(GetParam(), L, T, n, 3, 77));
  std::vector<double> observed(g.size(), 0.0), expected(g.size(), 0.0);
  for (double e : res.energy) {
    const auto k = static_cast<std::size_t>(std::lround((e * L * L + 2.0 * L * L) / 2.0));
    ASSERT_LT(k, g.size());
    observed[k] += 1.0;
  }
  double z = 0.0;
  for (std::size_t k = 0; k < g.size(); ++k) z += static_cast<double>(g[k]) * std::exp(-2.0 * K * k);
  for (std::size_t k = 0; k < g.size(); ++k)
    expected[k] = static_cast<double>(n) * static_cast<double>(g[k]) * std::exp(-2.0 * K * k) / z;
  const auto cs = chi_square(observed, expected);
  // Residual autocorrelation inflates χ² by about 2τ_int; correct for it (τ ≥ ½).
  const auto tau = rgflow::stats::integrated_autocorrelation_time(
      res.energy, static_cast<std::size_t>(res.chains));
  const double chi2 = cs.chi2 / std::max(1.0, 2.0 * tau.tau);
  ASSERT_GE(cs.dof, 4);
  // P(χ²_dof > dof + 4 sqrt(2 dof)) < 1e-3 for these dof.
  EXPECT_LT(chi2, cs.dof + 4.0 * std::sqrt(2.0 * cs.dof))
      << algorithm_name(GetParam()) << " chi2 " << cs.chi2 << " dof " << cs.dof << " tau " << tau.tau;
}

INSTANTIATE_TEST_SUITE_P(Ising, L4Histogram,
                         ::testing::Values(Algorithm::metropolis, Algorithm::metropolis_scalar,
                                           Algorithm::wolff, Algorithm::swendsen_wang),
                         [](const auto& param_info) {
                           std::string s = algorithm_name(param_info.param);
                           for (char& ch : s)
                             if (ch == '-') ch = '_';
                           return s;
                         });

TEST(IsingMultiSpin, AgreesWithScalarInDistribution) {
  // Two-sample χ² on the energy histogram and the |m| means, L = 6 at T = 2.3 (no exact |m|).
  const int L = 6;
  const double T = 2.3;
  const auto a = run(config(Algorithm::metropolis, L, T, 64 * 150, 4, 5));
  const auto b = run(config(Algorithm::metropolis_scalar, L, T, 64 * 150, 4, 6));
  const std::size_t bins = 2 * L * L + 1;
  std::vector<double> ha(bins, 0.0), hb(bins, 0.0);
  auto fill = [&](const RunResult& r, std::vector<double>& h) {
    for (double e : r.energy) h[static_cast<std::size_t>(std::lround((e * L * L + 2.0 * L * L) / 2.0))] += 1.0;
  };
  fill(a, ha);
  fill(b, hb);
  double chi2 = 0.0;
  int dof = -1;
  double sa = 0.0, sb = 0.0;
  for (std::size_t k = 0; k < bins; ++k) {
    sa += ha[k];
    sb += hb[k];
    if (sa + sb >= 20.0 || k + 1 == bins) {
      if (sa + sb > 0.0) {
        chi2 += (sa - sb) * (sa - sb) / (sa + sb);  // equal sample sizes
        ++dof;
      }
      sa = sb = 0.0;
    }
  }
  const double tau = std::max(
      rgflow::stats::integrated_autocorrelation_time(a.energy, static_cast<std::size_t>(a.chains)).tau,
      rgflow::stats::integrated_autocorrelation_time(b.energy, 1).tau * 64.0 / 64.0);
  EXPECT_LT(chi2 / std::max(1.0, 2.0 * tau), dof + 4.0 * std::sqrt(2.0 * dof)) << "dof " << dof;
  const auto oa = summarize(a.energy, a.magnetization, static_cast<std::size_t>(a.chains), L, T);
  const auto ob = summarize(b.energy, b.magnetization, 1, L, T);
  const double d = oa.abs_magnetization.mean - ob.abs_magnetization.mean;
  const double s = std::hypot(oa.abs_magnetization.error, ob.abs_magnetization.error);
  EXPECT_LT(std::abs(d), 4.0 * s) << oa.abs_magnetization.mean << " vs " << ob.abs_magnetization.mean;
}

TEST(IsingMetropolis, FieldAndAntiferromagnetMatchEnumeration) {
  // Exact ⟨e⟩ and ⟨m⟩ of the L = 4 lattice by enumerating all 2^16 states with H = −JΣss − hΣs.
  const int L = 4, N = 16;
  for (const auto& [J, h, T] : {std::tuple{1.0, 0.3, 2.5}, std::tuple{-1.0, 0.5, 1.5}}) {
    double z = 0.0, se = 0.0, sm = 0.0;
    std::vector<std::int8_t> s(N);
    for (std::uint32_t state = 0; state < (1u << N); ++state) {
      for (int i = 0; i < N; ++i) s[i] = ((state >> i) & 1u) ? 1 : -1;
      const auto m = measure(s, L, J, h);
      const double w = std::exp(-m.energy * N / T);
      z += w;
      se += w * m.energy;
      sm += w * m.magnetization;
    }
    for (Algorithm a : {Algorithm::metropolis, Algorithm::metropolis_scalar}) {
      auto cfg = config(a, L, T, 64 * 100, 2, 17);
      cfg.model.coupling = J;
      cfg.model.field = h;
      const auto r = run(cfg);
      const auto e = rgflow::stats::autocorrelation_analysis(r.energy, static_cast<std::size_t>(r.chains));
      const auto m = rgflow::stats::autocorrelation_analysis(r.magnetization, static_cast<std::size_t>(r.chains));
      const std::string what = algorithm_name(a) + " J=" + std::to_string(J) + " h=" + std::to_string(h);
      expect_within(e, se / z, what + " energy");
      expect_within(m, sm / z, what + " magnetization");
    }
  }
}

TEST(IsingSampler, SameSeedSameResultAtOneAndTwoThreads) {
  for (Algorithm a : {Algorithm::metropolis, Algorithm::metropolis_scalar, Algorithm::wolff,
                      Algorithm::swendsen_wang}) {
    auto cfg = config(a, 8, Tc, 300, 1, 99);
    cfg.chains = a == Algorithm::metropolis ? 128 : 4;
    cfg.thermalize = 20;
    cfg.keep_spins = true;
    const int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    const auto one = run(cfg);
    omp_set_num_threads(2);
    const auto two = run(cfg);
    omp_set_num_threads(saved);
    EXPECT_EQ(one.spins, two.spins) << algorithm_name(a);
    EXPECT_EQ(one.energy, two.energy) << algorithm_name(a);
    EXPECT_EQ(one.magnetization, two.magnetization) << algorithm_name(a);
    // Stored configurations agree with the stored observables.
    for (std::int64_t i = 0; i < one.samples; i += 37) {
      const auto m = measure(std::span(one.spins).subspan(i * 64, 64), 8, 1.0, 0.0);
      EXPECT_DOUBLE_EQ(m.energy, one.energy[i]);
      EXPECT_DOUBLE_EQ(m.magnetization, one.magnetization[i]);
    }
  }
}

TEST(IsingSampler, BadConfigurationsThrow) {
  auto cfg = config(Algorithm::wolff, 8, 2.0, 10, 1, 1);
  cfg.model.field = 0.5;
  EXPECT_THROW(run(cfg), rgflow::Error);
  cfg = config(Algorithm::metropolis, 1, 2.0, 10, 1, 1);
  EXPECT_THROW(run(cfg), rgflow::Error);
  cfg = config(Algorithm::metropolis, 8, -2.0, 10, 1, 1);
  EXPECT_THROW(run(cfg), rgflow::Error);
  cfg = config(Algorithm::metropolis, 8, 2.0, 0, 1, 1);
  EXPECT_THROW(run(cfg), rgflow::Error);
  EXPECT_THROW(parse_algorithm("heatbath"), rgflow::Error);
}

}  // namespace
