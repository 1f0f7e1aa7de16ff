// Discrete power-law fits (CSN-style MLE with cutoff): the Hurwitz-zeta partial sums against
// direct summation and closed forms, and recovery of a known exponent from exact samples.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "rgflow/core/error.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/soc/powerlaw.hpp"

namespace rgflow::soc {
namespace {

double direct(double s, std::int64_t a, std::int64_t b) {
  long double t = 0;
  for (std::int64_t k = b; k >= a; --k) t += std::pow(static_cast<long double>(k), -static_cast<long double>(s));
  return static_cast<double>(t);
}

TEST(SocPowerLaw, PartialSumsMatchDirectSummation) {
  for (const double s : {-2.0, -0.5, 0.0, 0.7, 1.0, 1.0 + 1e-9, 1.3, 2.0, 3.7, 8.0})
    for (const auto& [a, b] : std::vector<std::pair<std::int64_t, std::int64_t>>{{1, 1}, {1, 30}, {1, 1000}, {7, 20000}, {150, 30000}}) {
      const double want = direct(s, a, b);
      EXPECT_NEAR(power_sum(s, a, b), want, 1e-13 * std::abs(want)) << s << " " << a << " " << b;
    }
  EXPECT_NEAR(power_sum(2.0, 1, -1), std::numbers::pi * std::numbers::pi / 6.0, 1e-14);
  EXPECT_NEAR(power_sum(4.0, 1, -1), std::pow(std::numbers::pi, 4) / 90.0, 1e-14);
  EXPECT_NEAR(hurwitz_zeta(3.0, 1.0), 1.2020569031595942, 1e-14);
  // ζ(s, a) − ζ(s, a + 1) = a^(−s), also for non-integer a.
  for (const double a : {0.3, 1.5, 20.25}) EXPECT_NEAR(hurwitz_zeta(2.5, a) - hurwitz_zeta(2.5, a + 1), std::pow(a, -2.5), 1e-13);
  EXPECT_THROW(power_sum(0.9, 1, -1), Error);
}

// Exact samples of P(x) ∝ x^(−τ) on [lo, hi] by inverting the cumulative table.
std::vector<std::int64_t> sample_power_law(double tau, std::int64_t lo, std::int64_t hi, int n, Rng& rng) {
  std::vector<double> cdf;
  double t = 0;
  for (std::int64_t k = lo; k <= hi; ++k) cdf.push_back(t += std::pow(static_cast<double>(k), -tau));
  std::vector<std::int64_t> x(static_cast<std::size_t>(n));
  for (auto& v : x) {
    const double u = rng.uniform_double() * t;
    v = lo + (std::upper_bound(cdf.begin(), cdf.end(), u) - cdf.begin());
  }
  return x;
}

TEST(SocPowerLaw, RecoversExponentWithCutoff) {
  Rng rng(21, 0);
  for (const double tau : {1.1, 1.3, 2.2}) {
    const auto x = sample_power_law(tau, 1, 100000, 50000, rng);
    const PowerLawOptions o{.x_min = 1, .x_max = 100000, .bootstrap = 200, .seed = 3};
    const PowerLawFit f = fit_power_law(x, o);
    EXPECT_LT(std::abs(f.tau.mean - tau), 4 * f.tau.error) << tau << " got " << f.tau.mean << " ± " << f.tau.error;
    EXPECT_NEAR(f.tau.error / f.fisher_error, 1.0, 0.25);  // i.i.d.: bootstrap ≈ Fisher
    EXPECT_LT(f.lower, f.tau.mean);
    EXPECT_GT(f.upper, f.tau.mean);
    EXPECT_EQ(f.n_fit, 50000);
  }
}

TEST(SocPowerLaw, KolmogorovSmirnovFindsTheStartOfThePowerLaw) {
  // Below x = 20 the values are uniform (not a power law); above, P ∝ x^(−1.6) up to 10^5.
  Rng rng(22, 0);
  auto x = sample_power_law(1.6, 20, 100000, 40000, rng);
  for (int i = 0; i < 40000; ++i) x.push_back(1 + static_cast<std::int64_t>(rng.below(19)));
  PowerLawOptions o{.x_max = 100000, .x_min_candidates = 40, .x_min_limit = 1000, .bootstrap = 100};
  const PowerLawFit f = fit_power_law(x, o);
  EXPECT_GE(f.x_min, 15);
  EXPECT_LE(f.x_min, 40);
  EXPECT_LT(std::abs(f.tau.mean - 1.6), 4 * f.tau.error) << f.tau.mean << " ± " << f.tau.error;
  // The same fit from x_min = 1 is far off: the KS choice matters.
  o.x_min = 1;
  EXPECT_GT(std::abs(fit_power_law(x, o).tau.mean - 1.6), 0.3);
}

TEST(SocPowerLaw, UntruncatedFit) {
  Rng rng(23, 0);
  const auto x = sample_power_law(2.5, 1, 10000000, 30000, rng);  // the tail beyond 10^7 is ~1e-11
  PowerLawOptions o;
  o.x_min = 1;
  o.bootstrap = 0;
  const PowerLawFit f = fit_power_law(x, o);
  EXPECT_LT(std::abs(f.tau.mean - 2.5), 4 * f.fisher_error);
  EXPECT_EQ(f.bootstrap, 0);
  EXPECT_NEAR(f.upper - f.tau.mean, 1.959964 * f.fisher_error, 1e-5);
}

TEST(SocPowerLaw, RejectsBadInput) {
  PowerLawOptions o;
  std::vector<std::int64_t> few{1, 2, 3};
  EXPECT_THROW(fit_power_law(few, o), Error);
  o.x_max = 0;
  std::vector<std::int64_t> many(100, 5);
  EXPECT_THROW(fit_power_law(many, o), Error);
  o.x_max = 10;
  o.x_min = 20;
  EXPECT_THROW(fit_power_law(many, o), Error);
  o.x_min = 0;
  o.level = 1.0;
  EXPECT_THROW(fit_power_law(many, o), Error);
}

}  // namespace
}  // namespace rgflow::soc
