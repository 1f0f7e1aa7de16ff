#pragma once
// Internal to the soc component: the delete-one-block jackknife of a ratio estimator
// Σ_b num_b / Σ_b den_b (Efron 1982; the blocks are consecutive stretches of a run, see run.hpp).
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>

#include "rgflow/stats/result.hpp"

namespace rgflow::soc::detail {

// Blocks with den_b = 0 are skipped in the jackknife; error NaN with fewer than two usable blocks.
inline stats::Result jackknife_ratio(std::span<const double> num, std::span<const double> den) {
  double N = 0.0, D = 0.0;
  for (std::size_t b = 0; b < num.size(); ++b) {
    N += num[b];
    D += den[b];
  }
  stats::Result r;
  r.mean = D > 0.0 ? N / D : std::numeric_limits<double>::quiet_NaN();
  double sum = 0.0, sum2 = 0.0;
  int used = 0;
  for (std::size_t b = 0; b < num.size(); ++b) {
    if (!(den[b] > 0.0) || !(D - den[b] > 0.0)) continue;
    const double v = (N - num[b]) / (D - den[b]);
    sum += v;
    sum2 += v * v;
    ++used;
  }
  if (used >= 2) {
    const double m = sum / used;
    const double var = std::max(0.0, sum2 / used - m * m);
    r.error = std::sqrt((used - 1.0) * var);
  } else {
    r.error = std::numeric_limits<double>::quiet_NaN();
  }
  r.n = static_cast<std::int64_t>(D);
  return r;
}

}  // namespace rgflow::soc::detail
