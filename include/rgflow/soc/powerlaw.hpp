#pragma once
// Discrete power laws with a cutoff, fitted by maximum likelihood (Clauset, Shalizi & Newman 2009,
// SIAM Review 51, 661, "CSN"; truncated form as in Deluca & Corral 2013, Acta Geophys. 61, 1351).
//
// Model on the integers x_min ≤ x ≤ x_max (x_max = ∞ allowed when τ > 1):
//   P(x) = x^(−τ) / Z(τ),   Z(τ) = Σ_{k=x_min}^{x_max} k^(−τ) = ζ(τ, x_min) − ζ(τ, x_max + 1),
// with ζ(s, a) = Σ_{k≥0} (k + a)^(−s) the Hurwitz zeta function. The log-likelihood of n samples,
//   ℓ(τ) = −τ Σ ln x_i − n ln Z(τ),
// is concave in τ (ln Z is a log-sum-exp of linear functions), so its maximum is found by a
// bracketing search; n and Σ ln x_i are sufficient statistics, which makes the bootstrap cheap.
// x_min is chosen, as in CSN, to minimise the Kolmogorov–Smirnov distance between the empirical
// and fitted distribution on [x_min, x_max] (over a log-spaced candidate grid); x_max (the cutoff)
// is given. Errors: the standard deviation of the estimate over bootstrap resamples (blocks of
// consecutive samples resampled with replacement, for correlated sequences such as successive
// avalanches; x_min kept fixed), with percentile intervals; the Fisher-information error
// 1/√(−ℓ''(τ̂)) is reported alongside.
//
// Partial sums Σ_{k=a}^{b} k^(−s) use Euler–Maclaurin summation beyond the first terms
// (Abramowitz & Stegun 23.1.30), exact to ~1e-15 relative for every s (also s ≤ 1 when b < ∞).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <vector>

#include "rgflow/stats/result.hpp"

namespace rgflow::soc {

// Σ_{k=a}^{b} k^(−s) for integers 1 ≤ a ≤ b (b < 0 means ∞, then s > 1 is required).
double power_sum(double s, std::int64_t a, std::int64_t b);
// Hurwitz zeta ζ(s, a), s > 1, a > 0.
double hurwitz_zeta(double s, double a);

struct PowerLawOptions {
  std::int64_t x_min = 0;      // 0: chosen by KS minimisation
  std::int64_t x_max = -1;     // the cutoff (largest value in the fit); −1: none (τ > 1 then)
  int x_min_candidates = 24;   // log-spaced candidates in [1, x_min_limit]
  std::int64_t x_min_limit = 0;  // largest candidate (0: x_max / 100, or the 1 % upper quantile)
  int bootstrap = 200;         // resamples (0: no bootstrap)
  std::int64_t block = 1;      // bootstrap block length (consecutive samples)
  double level = 0.95;         // percentile interval
  std::uint64_t seed = 0;
  void validate() const;       // Error naming the option
};

struct PowerLawFit {
  stats::Result tau;          // MLE; error = bootstrap standard deviation (Fisher if no bootstrap)
  double fisher_error = 0.0;  // 1/√(−ℓ''(τ̂))
  double lower = 0.0, upper = 0.0;  // bootstrap percentile interval
  std::int64_t x_min = 0, x_max = -1;
  std::int64_t n_fit = 0;     // samples inside [x_min, x_max]
  std::int64_t n_total = 0;
  double ks = 0.0;            // KS distance at the chosen x_min
  int bootstrap = 0;
};

// Samples must be ≥ 1 (zeros and negatives are ignored: avalanches with no toppling). Error when
// fewer than 10 samples fall inside the fit range.
PowerLawFit fit_power_law(std::span<const std::int64_t> samples, const PowerLawOptions& options);

// {"tau": {mean, error}, "lower", "upper", "fisher_error", "x_min", "x_max", "n_fit", "n_total",
// "ks", "bootstrap"}.
nlohmann::json power_law_json(const PowerLawFit& f);

// Maximum-likelihood τ for given sufficient statistics (n samples with Σ ln x = sum_log on
// [x_min, x_max]).
double power_law_mle(std::int64_t n, double sum_log, std::int64_t x_min, std::int64_t x_max);

}  // namespace rgflow::soc
