#pragma once
// Every estimate rgflow reports is a Result, never a bare double (DESIGN.md: {"mean", "error"}).
#include <cstdint>
#include <limits>

namespace rgflow::stats {

struct Result {
  double mean = std::numeric_limits<double>::quiet_NaN();
  double error = 0.0;    // one standard error of the mean (0 for exact values)
  double tau_int = 0.5;  // integrated autocorrelation time in units of samples (0.5: independent)
  std::int64_t n = 0;    // number of samples behind the estimate (0 for exact values)

  static Result exact(double value) { return {value, 0.0, 0.5, 0}; }
};

}  // namespace rgflow::stats
