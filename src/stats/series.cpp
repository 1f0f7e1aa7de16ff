#include "rgflow/stats/series.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace rgflow::stats {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::size_t checked_length(std::size_t size, std::size_t n_chains) {
  if (n_chains == 0) throw std::invalid_argument("stats: n_chains must be at least 1");
  if (size % n_chains != 0)
    throw std::invalid_argument("stats: series length is not a multiple of the chain count");
  return size / n_chains;
}

double mean_of(std::span<const double> x) {
  double s = 0.0;
  for (double v : x) s += v;
  return x.empty() ? kNaN : s / static_cast<double>(x.size());
}

}  // namespace

TauEstimate integrated_autocorrelation_time(std::span<const double> x, std::size_t n_chains,
                                            double window_factor) {
  const std::size_t n = checked_length(x.size(), n_chains);
  TauEstimate est;
  if (n < 2) return est;
  const std::size_t R = n_chains;
  const double m = mean_of(x);
  std::vector<double> d(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) d[i] = x[i] - m;
  auto gamma = [&](std::size_t t) {
    double s = 0.0;
    const std::size_t len = (n - t) * R;
    for (std::size_t i = 0; i < len; ++i) s += d[i] * d[i + t * R];
    return s / static_cast<double>(len);
  };
  const double g0 = gamma(0);
  if (!(g0 > 0.0)) return est;  // constant series
  double tau = 0.5;
  std::size_t t = 1;
  for (; t < n; ++t) {
    tau += gamma(t) / g0;
    if (static_cast<double>(t) >= window_factor * tau) break;
  }
  est.window = std::min(t, n - 1);
  est.tau = std::max(tau, 0.5 / static_cast<double>(n));  // noise can drive it below zero
  est.error = est.tau * std::sqrt(2.0 * (2.0 * static_cast<double>(est.window) + 1.0) /
                                  static_cast<double>(x.size()));
  return est;
}

Result autocorrelation_analysis(std::span<const double> x, std::size_t n_chains,
                                double window_factor) {
  const std::size_t n = checked_length(x.size(), n_chains);
  Result r;
  r.n = static_cast<std::int64_t>(x.size());
  r.mean = mean_of(x);
  if (n < 2) {
    r.error = kNaN;
    return r;
  }
  double g0 = 0.0;
  for (double v : x) g0 += (v - r.mean) * (v - r.mean);
  g0 /= static_cast<double>(x.size());
  const TauEstimate est = integrated_autocorrelation_time(x, n_chains, window_factor);
  r.tau_int = est.tau;
  r.error = std::sqrt(2.0 * est.tau * g0 / static_cast<double>(x.size()));
  return r;
}

std::vector<BinningLevel> binning_levels(std::span<const double> x, std::size_t n_chains,
                                         std::size_t min_bins) {
  const std::size_t n = checked_length(x.size(), n_chains);
  const std::size_t R = n_chains;
  std::vector<BinningLevel> levels;
  // bins[c][b]: current bin means of chain c.
  std::vector<std::vector<double>> bins(R, std::vector<double>(n));
  for (std::size_t t = 0; t < n; ++t)
    for (std::size_t c = 0; c < R; ++c) bins[c][t] = x[t * R + c];
  std::size_t bin_size = 1;
  std::size_t per_chain = n;
  while (per_chain * R >= std::max<std::size_t>(min_bins, 2)) {
    const std::size_t total = per_chain * R;
    double s = 0.0, s2 = 0.0;
    for (const auto& chain : bins)
      for (std::size_t b = 0; b < per_chain; ++b) s += chain[b];
    const double m = s / static_cast<double>(total);
    for (const auto& chain : bins)
      for (std::size_t b = 0; b < per_chain; ++b) s2 += (chain[b] - m) * (chain[b] - m);
    BinningLevel level;
    level.bin_size = bin_size;
    level.n_bins = total;
    level.error = std::sqrt(s2 / static_cast<double>(total - 1) / static_cast<double>(total));
    level.error_of_error = level.error / std::sqrt(2.0 * static_cast<double>(total - 1));
    levels.push_back(level);
    // Halve: pairs of consecutive bins (a trailing odd bin is dropped).
    per_chain /= 2;
    for (auto& chain : bins)
      for (std::size_t b = 0; b < per_chain; ++b) chain[b] = 0.5 * (chain[2 * b] + chain[2 * b + 1]);
    bin_size *= 2;
  }
  return levels;
}

Result binning_analysis(std::span<const double> x, std::size_t n_chains, std::size_t min_bins) {
  Result r;
  r.n = static_cast<std::int64_t>(x.size());
  r.mean = mean_of(x);
  const auto levels = binning_levels(x, n_chains, min_bins);
  if (levels.empty()) {
    r.error = kNaN;
    return r;
  }
  // Plateau: first level k whose successors k+1, k+2 exceed it by less than their own
  // uncertainty. Without such a level the last (largest-bin) level is the best lower bound.
  std::size_t k = levels.size() - 1;
  for (std::size_t i = 0; i + 2 < levels.size(); ++i) {
    const bool flat1 = levels[i + 1].error - levels[i].error < levels[i + 1].error_of_error;
    const bool flat2 = levels[i + 2].error - levels[i].error < levels[i + 2].error_of_error;
    if (flat1 && flat2) {
      k = i;
      break;
    }
  }
  r.error = levels[k].error;
  const double naive = levels[0].error;
  r.tau_int = naive > 0.0 ? 0.5 * (r.error / naive) * (r.error / naive) : 0.5;
  return r;
}

Result jackknife(const std::vector<std::span<const double>>& observables, std::size_t n_chains,
                 const DerivedFunction& f, std::size_t n_blocks) {
  if (observables.empty()) throw std::invalid_argument("jackknife: no observables");
  const std::size_t total = observables[0].size();
  const std::size_t n = checked_length(total, n_chains);
  for (const auto& o : observables)
    if (o.size() != total) throw std::invalid_argument("jackknife: series of different lengths");
  const std::size_t K = observables.size();
  const std::size_t R = n_chains;
  // Segments per chain so that R * segments ≈ n_blocks, each segment at least one measurement.
  const std::size_t segments =
      std::clamp<std::size_t>((n_blocks + R - 1) / R, 1, std::max<std::size_t>(n, 1));
  const std::size_t B = R * segments;
  Result r;
  r.n = static_cast<std::int64_t>(total);
  std::vector<double> full(K, 0.0);
  // block_sums[b * K + k], block_counts[b]
  std::vector<double> block_sums(B * K, 0.0);
  std::vector<double> block_counts(B, 0.0);
  for (std::size_t t = 0; t < n; ++t) {
    const std::size_t seg = std::min(segments - 1, t * segments / n);
    for (std::size_t c = 0; c < R; ++c) {
      const std::size_t b = c * segments + seg;
      block_counts[b] += 1.0;
      for (std::size_t k = 0; k < K; ++k) block_sums[b * K + k] += observables[k][t * R + c];
    }
  }
  for (std::size_t b = 0; b < B; ++b)
    for (std::size_t k = 0; k < K; ++k) full[k] += block_sums[b * K + k];
  std::vector<double> means(K);
  for (std::size_t k = 0; k < K; ++k) means[k] = full[k] / static_cast<double>(total);
  const double f_all = f(means);
  if (B < 2 || total < 2) {
    r.mean = f_all;
    r.error = kNaN;
    return r;
  }
  std::vector<double> fb(B);
  for (std::size_t b = 0; b < B; ++b) {
    const double count = static_cast<double>(total) - block_counts[b];
    for (std::size_t k = 0; k < K; ++k) means[k] = (full[k] - block_sums[b * K + k]) / count;
    fb[b] = f(means);
  }
  const double Bd = static_cast<double>(B);
  const double fbar = mean_of(fb);
  double s2 = 0.0;
  for (double v : fb) s2 += (v - fbar) * (v - fbar);
  r.mean = Bd * f_all - (Bd - 1.0) * fbar;
  r.error = std::sqrt((Bd - 1.0) / Bd * s2);
  return r;
}

}  // namespace rgflow::stats
