// Coverage of the LPPL bootstrap intervals (issue #23): over 200 synthetic series (noise σ = 0.01,
// 100 points, t_c one tenth of the window after its end) the 95 % intervals of t_c must contain
// the true value in 90–99 % of the series. A binomial(200, 0.95) count lies in [180, 198] with
// probability > 0.999, so a correct interval passes and one off by a few percent does not.
// (The acceptance run in bench/results/soc/ uses 250 series of 200 points and 200 refits.)
#include <gtest/gtest.h>

#include "rgflow/lppl/lppl.hpp"

namespace rgflow::lppl {
namespace {

TEST(LpplCoverageLong, TcIntervalsCoverTheTruth) {
  CoverageConfig c;
  c.truth = Parameters::from_phase(1.1, 0.5, 9.0, 1.0, -1.0, 0.05, 1.0);
  c.n = 100;
  c.sigma = 0.01;
  c.series = 200;
  c.seed = 2323;
  c.options.bootstrap = 100;
  c.options.starts = 16;
  c.options.bootstrap_starts = 4;
  const CoverageResult r = coverage(c);
  const double cov = static_cast<double>(r.covered_tc) / r.series;
  EXPECT_GE(cov, 0.90);
  EXPECT_LE(cov, 0.99);
  RecordProperty("coverage_tc", std::to_string(cov));
  RecordProperty("coverage_m", std::to_string(static_cast<double>(r.covered_m) / r.series));
  RecordProperty("coverage_omega", std::to_string(static_cast<double>(r.covered_omega) / r.series));
}

}  // namespace
}  // namespace rgflow::lppl
