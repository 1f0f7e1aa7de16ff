#pragma once
// Mean and standard error of independent measurements (trials, pattern draws, seeds, rows):
// error = s/√n with s² the unbiased sample variance; NaN error for n < 2. Header-only.
#include <cmath>
#include <limits>
#include <span>

#include "rgflow/stats/result.hpp"

namespace rgflow::stats {

inline Result sample_mean(std::span<const double> x) {
  Result r;
  r.n = static_cast<std::int64_t>(x.size());
  if (x.empty()) return r;
  double sum = 0.0;
  for (double v : x) sum += v;
  r.mean = sum / static_cast<double>(x.size());
  if (x.size() < 2) {
    r.error = std::numeric_limits<double>::quiet_NaN();
    return r;
  }
  double ss = 0.0;
  for (double v : x) ss += (v - r.mean) * (v - r.mean);
  const double n = static_cast<double>(x.size());
  r.error = std::sqrt(ss / (n - 1.0) / n);
  return r;
}

}  // namespace rgflow::stats
