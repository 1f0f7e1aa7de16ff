// The LPPL fitter: the linear step is exact, noiseless series are recovered to optimiser
// precision, noisy ones within their bootstrap intervals, results are reproducible for any thread
// count, and bad series are rejected with a message naming the file.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>

#include "rgflow/core/error.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/lppl/lppl.hpp"

namespace rgflow::lppl {
namespace {

Parameters truth() { return Parameters::from_phase(1.1, 0.5, 9.0, 1.0, -1.0, 0.1, 1.0); }

TEST(LpplModel, PhaseFormRoundTrip) {
  const Parameters p = truth();
  EXPECT_NEAR(p.C(), 0.1, 1e-15);
  EXPECT_NEAR(p.phi(), 1.0, 1e-15);
  for (const double t : {0.0, 0.5, 1.0}) {
    const double tau = 1.1 - t;
    const double want = 1.0 - std::pow(tau, 0.5) * (1.0 + 0.1 * std::cos(9.0 * std::log(tau) - 1.0));
    EXPECT_NEAR(evaluate(p, t), want, 1e-14);
  }
  EXPECT_TRUE(std::isnan(evaluate(p, 1.1)));
}

TEST(LpplFit, LinearStepIsExact) {
  Rng rng(1, 0);
  const Series s = synthetic_series(truth(), 150, 0.0, 1.0, 0.0, rng);
  double sse = 1;
  const Parameters p = solve_linear(s, 1.1, 0.5, 9.0, &sse);
  const Parameters t = truth();
  EXPECT_NEAR(p.A, t.A, 1e-10);
  EXPECT_NEAR(p.B, t.B, 1e-10);
  EXPECT_NEAR(p.C1, t.C1, 1e-10);
  EXPECT_NEAR(p.C2, t.C2, 1e-10);
  EXPECT_LT(sse, 1e-20);
}

TEST(LpplFit, NoiselessSeriesIsRecovered) {
  Rng rng(2, 0);
  // Calendar-like times: the fit must not depend on the units of t.
  Parameters p = Parameters::from_phase(736000.0 + 330.0, 0.35, 7.5, 7.2, -0.4, 0.08, 2.0);
  const Series s = synthetic_series(p, 300, 736000.0, 736300.0, 0.0, rng);
  FitOptions o;
  o.bootstrap = 20;
  o.seed = 5;
  const FitResult r = fit(s, o);
  EXPECT_NEAR(r.best.tc, p.tc, 1e-6 * 300);
  EXPECT_NEAR(r.best.m, p.m, 1e-6);
  EXPECT_NEAR(r.best.omega, p.omega, 1e-5);
  EXPECT_NEAR(r.best.A, p.A, 1e-6);
  EXPECT_NEAR(r.best.B, p.B, 1e-6);
  EXPECT_NEAR(r.best.C(), 0.08, 1e-6);
  EXPECT_LT(r.rms, 1e-7);
  // Zero residuals: every refit sees the same data, the intervals collapse onto the truth.
  EXPECT_LT(r.tc.upper - r.tc.lower, 1e-3);
  EXPECT_TRUE(r.pass_m && r.pass_omega);
}

TEST(LpplFit, NoisySeriesWithinIntervals) {
  for (const std::uint64_t seed : {3u, 4u}) {
    Rng rng(seed, 0);
    const Series s = synthetic_series(truth(), 150, 0.0, 1.0, 0.01, rng);
    FitOptions o;
    o.bootstrap = 60;
    o.seed = seed;
    const FitResult r = fit(s, o);
    const Parameters t = truth();
    // Each 95 % interval covers the truth with probability ≈ 0.95; the estimate lies within
    // 4 bootstrap standard deviations (fails with probability ~1e-4 for a Gaussian estimator).
    EXPECT_LT(std::abs(r.tc.estimate - t.tc), 4 * r.tc.error) << seed;
    EXPECT_LT(std::abs(r.m.estimate - t.m), 4 * r.m.error) << seed;
    EXPECT_LT(std::abs(r.omega.estimate - t.omega), 4 * r.omega.error) << seed;
    EXPECT_GT(r.tc.error, 0.0);
    EXPECT_LE(r.tc.lower, r.tc.estimate + 1e-12);
    EXPECT_GE(r.tc.upper, r.tc.estimate - 1e-12);
    EXPECT_NEAR(r.rms, 0.01, 0.003);
  }
}

TEST(LpplFit, ReproducibleForAnyThreadCount) {
  Rng rng(6, 0);
  const Series s = synthetic_series(truth(), 100, 0.0, 1.0, 0.02, rng);
  FitOptions o;
  o.bootstrap = 24;
  o.starts = 8;
  o.seed = 9;
  const int before = omp_get_max_threads();
  omp_set_num_threads(1);
  const FitResult a = fit(s, o);
  omp_set_num_threads(2);
  const FitResult b = fit(s, o);
  omp_set_num_threads(before);
  EXPECT_EQ(a.tc.lower, b.tc.lower);
  EXPECT_EQ(a.tc.upper, b.tc.upper);
  EXPECT_EQ(a.best.omega, b.best.omega);
  EXPECT_EQ(a.evaluations, b.evaluations);
}

std::string write_temp(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << text;
  return path;
}

TEST(LpplSeries, ReadsCsvAndRejectsBadFiles) {
  std::string ok = "# comment\ntime, price\n";
  for (int i = 0; i < 12; ++i) ok += std::to_string(i) + ", " + std::to_string(1.0 + i * 0.1) + "\n";
  const Series s = read_series(write_temp("ok.csv", ok));
  EXPECT_EQ(s.t.size(), 12u);
  EXPECT_DOUBLE_EQ(s.y[3], 1.3);
  std::string ws;
  for (int i = 0; i < 12; ++i) ws += std::to_string(i) + " " + std::to_string(i * i) + "\n";
  EXPECT_EQ(read_series(write_temp("ws.txt", ws)).t.size(), 12u);

  auto expect_file_error = [](const std::string& path, const std::string& needle) {
    try {
      read_series(path);
      ADD_FAILURE() << "no error for " << path;
    } catch (const FileError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
  };
  expect_file_error(::testing::TempDir() + "missing.csv", "cannot open");
  expect_file_error(write_temp("few.csv", "1,2\n2,3\n"), "at least");
  std::string dec = "t,y\n";
  for (int i = 0; i < 12; ++i) dec += std::to_string(i == 5 ? 3 : i) + ",1\n";
  expect_file_error(write_temp("dec.csv", dec), "increase");
  std::string nan = "t,y\n";
  for (int i = 0; i < 12; ++i) nan += std::to_string(i) + (i == 7 ? ",nan\n" : ",1\n");
  expect_file_error(write_temp("nan.csv", nan), "line 9");
  expect_file_error(write_temp("three.csv", "1,2,3\n"), "two columns");
  EXPECT_THROW(fit(Series{{0, 1}, {1, 2}, "x"}, FitOptions{}), Error);
  FitOptions bad;
  bad.box.m_min = -1;
  EXPECT_THROW(bad.validate(), Error);
  bad = FitOptions{};
  bad.bootstrap = 5;
  EXPECT_THROW(bad.validate(), Error);
}

}  // namespace
}  // namespace rgflow::lppl
