#include "rgflow/soc/powerlaw.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "rgflow/core/error.hpp"
#include "rgflow/core/rng.hpp"

namespace rgflow::soc {

namespace {

constexpr int kDirectTerms = 16;
// B_{2j} / (2j)! for j = 1..6.
constexpr double kBernoulliOverFactorial[6] = {1.0 / 12.0,          -1.0 / 720.0,
                                               1.0 / 30240.0,       -1.0 / 1209600.0,
                                               1.0 / 47900160.0,    -691.0 / 1307674368000.0};

// Euler–Maclaurin: Σ_{k=0}^{K} f(m + k) with f(x) = x^(−s), m ≥ kDirectTerms, upper end n = m + K
// (n = ∞ when `infinite`; then s > 1).
double euler_maclaurin(double s, double m, double n, bool infinite) {
  const double fm = std::pow(m, -s);
  double integral;
  if (infinite) {
    integral = m * fm / (s - 1.0);
  } else {
    const double lr = std::log(n / m);
    const double x = (1.0 - s) * lr;
    const double g = std::abs(x) < 1e-12 ? 1.0 + x / 2.0 : std::expm1(x) / x;
    integral = m * fm * lr * g;  // (n^(1−s) − m^(1−s)) / (1 − s), stable at s = 1
  }
  double total = integral + 0.5 * fm + (infinite ? 0.0 : 0.5 * std::pow(n, -s));
  // f^(r)(x) = (−1)^r s(s+1)…(s+r−1) x^(−s−r); terms use r = 2j − 1.
  double rising = s;  // s(s+1)…(s+r−1) for r = 1
  for (int j = 1; j <= 6; ++j) {
    const int r = 2 * j - 1;
    const double dm = -rising * std::pow(m, -s - r);
    const double dn = infinite ? 0.0 : -rising * std::pow(n, -s - r);
    total += kBernoulliOverFactorial[j - 1] * (dn - dm);
    rising *= (s + r) * (s + r + 1);
  }
  return total;
}

}  // namespace

double power_sum(double s, std::int64_t a, std::int64_t b) {
  if (a < 1) throw std::invalid_argument("power_sum: a must be >= 1");
  const bool infinite = b < 0;
  if (infinite && !(s > 1.0)) throw Error(fmt::format("an untruncated power law needs an exponent > 1 (got {})", s));
  if (!infinite && b < a) return 0.0;
  double total = 0.0;
  std::int64_t k = a;
  const std::int64_t direct_end = infinite ? a + kDirectTerms : std::min(b, a + kDirectTerms + 24);
  for (; k <= direct_end && (infinite || k <= b); ++k) total += std::pow(static_cast<double>(k), -s);
  if (!infinite && k > b) return total;
  return total + euler_maclaurin(s, static_cast<double>(k), infinite ? 0.0 : static_cast<double>(b), infinite);
}

double hurwitz_zeta(double s, double a) {
  if (!(s > 1.0) || !(a > 0.0)) throw Error(fmt::format("hurwitz_zeta needs s > 1 and a > 0 (got {}, {})", s, a));
  double total = 0.0;
  for (int k = 0; k < kDirectTerms; ++k) total += std::pow(a + k, -s);
  return total + euler_maclaurin(s, a + kDirectTerms, 0.0, true);
}

void PowerLawOptions::validate() const {
  if (x_min < 0) throw Error(fmt::format("x_min {} must be >= 1 (or 0: automatic)", x_min));
  if (x_max != -1 && x_max < 1) throw Error(fmt::format("x_max {} must be >= 1 (or -1: no cutoff)", x_max));
  if (x_max > 0 && x_min > x_max) throw Error(fmt::format("x_min {} exceeds x_max {}", x_min, x_max));
  if (x_min_candidates < 1 || x_min_candidates > 10000)
    throw Error(fmt::format("x_min candidates {} outside 1..10000", x_min_candidates));
  if (bootstrap < 0 || bootstrap > 1000000) throw Error(fmt::format("bootstrap {} outside 0..1000000", bootstrap));
  if (block < 1) throw Error(fmt::format("bootstrap block length {} must be >= 1", block));
  if (!(level > 0.0 && level < 1.0)) throw Error(fmt::format("confidence level {} must lie in (0, 1)", level));
}

double power_law_mle(std::int64_t n, double sum_log, std::int64_t x_min, std::int64_t x_max) {
  if (n < 1) return std::numeric_limits<double>::quiet_NaN();
  const double mean_log = sum_log / static_cast<double>(n);
  auto loglik = [&](double tau) { return -tau * mean_log - std::log(power_sum(tau, x_min, x_max)); };
  // Golden-section search on the concave per-sample log-likelihood.
  double lo = x_max < 0 ? 1.0 + 1e-9 : -4.0, hi = 12.0;
  if (x_max >= 0 && x_max == x_min) return std::numeric_limits<double>::quiet_NaN();  // one value: no shape
  const double phi = (std::sqrt(5.0) - 1.0) / 2.0;
  double a = hi - phi * (hi - lo), b = lo + phi * (hi - lo);
  double fa = loglik(a), fb = loglik(b);
  while (hi - lo > 1e-11) {
    if (fa < fb) {
      lo = a;
      a = b;
      fa = fb;
      b = lo + phi * (hi - lo);
      fb = loglik(b);
    } else {
      hi = b;
      b = a;
      fb = fa;
      a = hi - phi * (hi - lo);
      fa = loglik(a);
    }
  }
  return 0.5 * (lo + hi);
}

namespace {

struct Distinct {
  std::vector<std::int64_t> value;
  std::vector<std::int64_t> count_prefix;  // samples with value index < k
  std::vector<double> log_prefix;          // Σ ln x of those
};

Distinct distinct_values(std::span<const std::int64_t> samples) {
  std::vector<std::int64_t> sorted;
  sorted.reserve(samples.size());
  for (const auto x : samples)
    if (x >= 1) sorted.push_back(x);
  std::sort(sorted.begin(), sorted.end());
  Distinct d;
  d.count_prefix.push_back(0);
  d.log_prefix.push_back(0.0);
  for (std::size_t i = 0; i < sorted.size();) {
    std::size_t j = i;
    while (j < sorted.size() && sorted[j] == sorted[i]) ++j;
    d.value.push_back(sorted[i]);
    d.count_prefix.push_back(d.count_prefix.back() + static_cast<std::int64_t>(j - i));
    d.log_prefix.push_back(d.log_prefix.back() + static_cast<double>(j - i) * std::log(static_cast<double>(sorted[i])));
    i = j;
  }
  return d;
}

// Index range [lo, hi) of distinct values inside [x_min, x_max].
std::pair<std::size_t, std::size_t> range_of(const Distinct& d, std::int64_t x_min, std::int64_t x_max) {
  const auto lo = static_cast<std::size_t>(std::lower_bound(d.value.begin(), d.value.end(), x_min) - d.value.begin());
  const auto hi = x_max < 0 ? d.value.size()
                            : static_cast<std::size_t>(std::upper_bound(d.value.begin(), d.value.end(), x_max) - d.value.begin());
  return {lo, std::max(lo, hi)};
}

// KS distance between the empirical distribution on [x_min, x_max] and the fitted power law.
double ks_distance(const Distinct& d, std::size_t lo, std::size_t hi, double tau, std::int64_t x_min,
                   std::int64_t x_max) {
  const double n = static_cast<double>(d.count_prefix[hi] - d.count_prefix[lo]);
  const double Z = power_sum(tau, x_min, x_max);
  double F = 0.0;  // model CDF at the previous evaluation point
  std::int64_t at = x_min - 1;
  double D = 0.0;
  for (std::size_t k = lo; k < hi; ++k) {
    const std::int64_t x = d.value[k];
    const double S_before = static_cast<double>(d.count_prefix[k] - d.count_prefix[lo]) / n;
    if (x - 1 > at) {  // just below x: empirical still S_before
      F += power_sum(tau, at + 1, x - 1) / Z;
      at = x - 1;
      D = std::max(D, std::abs(S_before - F));
    }
    F += std::pow(static_cast<double>(x), -tau) / Z;
    at = x;
    const double S = static_cast<double>(d.count_prefix[k + 1] - d.count_prefix[lo]) / n;
    D = std::max(D, std::abs(S - F));
  }
  return D;
}

}  // namespace

PowerLawFit fit_power_law(std::span<const std::int64_t> samples, const PowerLawOptions& o) {
  o.validate();
  const Distinct d = distinct_values(samples);
  PowerLawFit r;
  r.n_total = d.count_prefix.back();
  r.x_max = o.x_max;
  if (r.n_total < 10) throw Error(fmt::format("power-law fit needs at least 10 positive samples, got {}", r.n_total));

  auto fit_at = [&](std::int64_t x_min, double& tau, std::int64_t& n_fit) {
    const auto [lo, hi] = range_of(d, x_min, o.x_max);
    n_fit = d.count_prefix[hi] - d.count_prefix[lo];
    if (n_fit < 10 || hi - lo < 2) return std::numeric_limits<double>::infinity();
    tau = power_law_mle(n_fit, d.log_prefix[hi] - d.log_prefix[lo], x_min, o.x_max);
    return ks_distance(d, lo, hi, tau, x_min, o.x_max);
  };
  double tau = 0.0;
  std::int64_t n_fit = 0;
  if (o.x_min > 0) {
    r.x_min = o.x_min;
    r.ks = fit_at(o.x_min, tau, n_fit);
  } else {
    std::int64_t limit = o.x_min_limit;
    if (limit <= 0) {
      if (o.x_max > 0) {
        limit = std::max<std::int64_t>(1, o.x_max / 100);
      } else {
        const std::int64_t want = r.n_total - r.n_total / 100;  // the 99 % quantile
        const auto k = static_cast<std::size_t>(std::upper_bound(d.count_prefix.begin(), d.count_prefix.end(), want) -
                                                d.count_prefix.begin()) - 1;
        limit = d.value[std::min(k, d.value.size() - 1)];
      }
    }
    std::vector<std::int64_t> candidates;
    for (int i = 0; i < o.x_min_candidates; ++i) {
      const double f = o.x_min_candidates == 1 ? 0.0 : static_cast<double>(i) / (o.x_min_candidates - 1);
      const auto c = static_cast<std::int64_t>(std::llround(std::pow(static_cast<double>(limit), f)));
      if (candidates.empty() || c > candidates.back()) candidates.push_back(c);
    }
    r.ks = std::numeric_limits<double>::infinity();
    for (const std::int64_t c : candidates) {
      double t = 0.0;
      std::int64_t nf = 0;
      const double D = fit_at(c, t, nf);
      if (D < r.ks) {
        r.ks = D;
        r.x_min = c;
        tau = t;
        n_fit = nf;
      }
    }
  }
  if (!std::isfinite(r.ks))
    throw Error(fmt::format("power-law fit: fewer than 10 samples (or a single value) inside [{}, {}]", r.x_min,
                            o.x_max < 0 ? std::string("inf") : std::to_string(o.x_max)));
  r.n_fit = n_fit;
  // Fisher information from the curvature of ℓ at the maximum.
  {
    const auto [lo, hi] = range_of(d, r.x_min, o.x_max);
    const double sum_log = d.log_prefix[hi] - d.log_prefix[lo];
    auto ll = [&](double t) { return -t * sum_log - static_cast<double>(n_fit) * std::log(power_sum(t, r.x_min, o.x_max)); };
    const double h = 1e-3;
    const double curvature = (ll(tau + h) - 2.0 * ll(tau) + ll(tau - h)) / (h * h);
    r.fisher_error = curvature < 0.0 ? 1.0 / std::sqrt(-curvature) : std::numeric_limits<double>::quiet_NaN();
  }
  r.tau = stats::Result{tau, r.fisher_error, 0.5, n_fit};

  if (o.bootstrap > 0) {
    // Block bootstrap on the sufficient statistics (samples in order, blocks of o.block).
    const std::int64_t N = static_cast<std::int64_t>(samples.size());
    const std::int64_t nblocks = (N + o.block - 1) / o.block;
    std::vector<std::int64_t> bn(static_cast<std::size_t>(nblocks), 0);
    std::vector<double> bl(static_cast<std::size_t>(nblocks), 0.0);
    for (std::int64_t i = 0; i < N; ++i) {
      const std::int64_t x = samples[static_cast<std::size_t>(i)];
      if (x >= r.x_min && (o.x_max < 0 || x <= o.x_max)) {
        bn[static_cast<std::size_t>(i / o.block)] += 1;
        bl[static_cast<std::size_t>(i / o.block)] += std::log(static_cast<double>(x));
      }
    }
    Rng rng(o.seed, 0);
    std::vector<double> taus;
    taus.reserve(static_cast<std::size_t>(o.bootstrap));
    for (int b = 0; b < o.bootstrap; ++b) {
      std::int64_t n = 0;
      double sl = 0.0;
      for (std::int64_t k = 0; k < nblocks; ++k) {
        const auto j = static_cast<std::size_t>(rng.below(static_cast<std::uint64_t>(nblocks)));
        n += bn[j];
        sl += bl[j];
      }
      const double t = power_law_mle(n, sl, r.x_min, o.x_max);
      if (std::isfinite(t)) taus.push_back(t);
    }
    if (taus.size() >= 2) {
      const double mean = std::accumulate(taus.begin(), taus.end(), 0.0) / static_cast<double>(taus.size());
      double var = 0.0;
      for (const double t : taus) var += (t - mean) * (t - mean);
      r.tau.error = std::sqrt(var / static_cast<double>(taus.size() - 1));
      std::sort(taus.begin(), taus.end());
      auto q = [&](double p) {
        const double pos = p * static_cast<double>(taus.size() - 1);
        const auto k = static_cast<std::size_t>(pos);
        const double f = pos - static_cast<double>(k);
        return k + 1 < taus.size() ? taus[k] * (1 - f) + taus[k + 1] * f : taus.back();
      };
      r.lower = q((1.0 - o.level) / 2.0);
      r.upper = q(1.0 - (1.0 - o.level) / 2.0);
      r.bootstrap = static_cast<int>(taus.size());
    }
  }
  if (r.bootstrap == 0) {  // normal interval from the Fisher error: z with erfc(z/√2) = 1 − level
    double zlo = 0.0, zhi = 40.0;
    for (int it = 0; it < 200; ++it) {
      const double z = 0.5 * (zlo + zhi);
      (std::erfc(z / std::sqrt(2.0)) > 1.0 - o.level ? zlo : zhi) = z;
    }
    r.lower = tau - zlo * r.fisher_error;
    r.upper = tau + zlo * r.fisher_error;
  }
  return r;
}

nlohmann::json power_law_json(const PowerLawFit& f) {
  return {{"tau", {{"mean", f.tau.mean}, {"error", f.tau.error}}},
          {"lower", f.lower},
          {"upper", f.upper},
          {"fisher_error", f.fisher_error},
          {"x_min", f.x_min},
          {"x_max", f.x_max},
          {"n_fit", f.n_fit},
          {"n_total", f.n_total},
          {"ks", f.ks},
          {"bootstrap", f.bootstrap}};
}

}  // namespace rgflow::soc
