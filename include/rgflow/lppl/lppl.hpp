#pragma once
// The log-periodic power law (LPPL) of a bubble before a critical time t_c (Johansen, Ledoit &
// Sornette 2000, Int. J. Theor. Appl. Finance 3, 219; Sornette 2003, "Why stock markets crash"):
//   y(t) = A + B (t_c − t)^m [1 + C cos(ω ln(t_c − t) − φ)],   t < t_c,
// the signature of discrete scale invariance (complex critical exponent m + iω).
//
// Calibration (Filimonov & Sornette 2013, Physica A 392, 3698): write the model as
//   y = A + B f + C₁ g + C₂ h,  f = (t_c − t)^m,  g = f cos(ω ln(t_c − t)),  h = f sin(ω ln(t_c − t)),
// with C₁ = B C cos φ, C₂ = B C sin φ. For fixed nonlinear parameters (t_c, m, ω) the four linear
// ones solve an ordinary least-squares problem exactly, so the cost
//   F(t_c, m, ω) = min_{A,B,C₁,C₂} Σ_i (y_i − A − B f_i − C₁ g_i − C₂ h_i)²
// is a smooth function of three variables; it is minimised by a multistart local search (NLopt's
// BOBYQA from `starts` points drawn from the search box, Powell 2009).
//
// Filters ("qualified" fits; Johansen 2003; Sornette et al. 2015, arXiv:1503.08402): 0 < m < 1,
// 6 ≤ ω ≤ 13, damping D = m|B| / (ω √(C₁² + C₂²)) ≥ 0.8 (a positive crash hazard rate needs the
// oscillations not to dominate the power law; Bothmer & Meister 2003), and the number of
// oscillations in the window O = (ω/π) ln((t_c − t_first)/(t_c − t_last)) ≥ 2.5 (reported).
//
// Confidence intervals by the residual bootstrap (Efron & Tibshirani 1993, §9.4): refit
// y*_i = ŷ_i + ε*_i with ε* drawn with replacement from the centred residuals; the interval is the
// [α/2, 1 − α/2] percentile range of the refitted parameters.
#include <array>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "rgflow/core/cancel.hpp"
#include "rgflow/core/rng.hpp"

namespace rgflow::lppl {

struct Series {
  std::vector<double> t, y;
  std::string source;  // file name (for messages)
};

// Two columns t, y (comma- or whitespace-separated); an optional first header line with a
// non-numeric field; blank lines and lines starting with '#' skipped. FileError unless every value
// is finite, t strictly increasing and there are at least kMinPoints rows.
inline constexpr std::size_t kMinPoints = 12;
Series read_series(const std::string& path);
// The same checks on data given directly (Error, naming `what`).
void check_series(const Series& s, const std::string& what);

struct Parameters {
  double tc = 0.0, m = 0.0, omega = 0.0;   // nonlinear
  double A = 0.0, B = 0.0, C1 = 0.0, C2 = 0.0;  // linear
  // The same in the (C, φ) form: C = √(C₁² + C₂²)/|B|, φ = atan2(C₂/B, C₁/B).
  double C() const;
  double phi() const;
  static Parameters from_phase(double tc, double m, double omega, double A, double B, double C, double phi);
};

// y(t) of the model; t ≥ t_c gives NaN.
double evaluate(const Parameters& p, double t);

struct SearchBox {
  // t_c ∈ [t_last + tc_after_min·Δ, t_last + tc_after_max·Δ], Δ = t_last − t_first (the lower end
  // is at least one part in 10⁶ of Δ past t_last, where the model is defined).
  double tc_after_min = 0.0;
  double tc_after_max = 0.5;
  double m_min = 0.01, m_max = 1.2;
  double omega_min = 2.0, omega_max = 25.0;
  void validate() const;  // Error naming the bound
};

struct Filters {
  double m_min = 0.0, m_max = 1.0;           // strict: m_min < m < m_max
  double omega_min = 6.0, omega_max = 13.0;  // inclusive
  double damping_min = 0.8;
  double oscillations_min = 2.5;
};

struct FitOptions {
  SearchBox box;
  Filters filters;
  int starts = 24;             // multistart points for the fit
  int bootstrap = 200;         // residual-bootstrap refits (0: no intervals)
  int bootstrap_starts = 6;    // starts per refit, besides the point estimate itself
  double level = 0.95;         // interval coverage
  std::uint64_t seed = 0;      // starts and resampling draw from Rng(seed, ·)
  void validate() const;
  static FitOptions make(const SearchBox& box, int starts, int bootstrap, int bootstrap_starts, double level,
                         std::uint64_t seed);
};

struct Interval {
  double estimate = 0.0;  // the best fit to the data
  double error = 0.0;     // standard deviation of the bootstrap refits
  double lower = 0.0, upper = 0.0;
};

struct FitResult {
  Parameters best;
  double sse = 0.0;                 // Σ residual²
  double rms = 0.0;                 // √(sse / n)
  std::int64_t evaluations = 0;     // cost-function evaluations (fit and refits)
  // Intervals of t_c, m, ω, A, B, C, φ-free amplitude |C| (bootstrap; zero width without it).
  Interval tc, m, omega, A, B, C;
  int bootstrap = 0;
  // Filters at the best fit.
  double damping = 0.0, oscillations = 0.0;
  bool pass_m = false, pass_omega = false, pass_damping = false, pass_oscillations = false;
  bool qualified() const { return pass_m && pass_omega && pass_damping && pass_oscillations; }
};

// Least-squares fit of the LPPL to the series with bootstrap intervals. Error on bad options or
// series; Cancelled when `stop` asks (checked between local searches).
FitResult fit(const Series& series, const FitOptions& options, const StopPoll& stop = {});

// JSON of a fit (what `rgflow lppl fit --json` prints and rgflow.lppl_fit returns): t_c, m, omega,
// A, B, C as {mean (the best fit), error (bootstrap sd), lower, upper}; phi, C1, C2, sse, rms,
// points, level, bootstrap, evaluations; filters {m, omega, damping, oscillations} with values and
// pass flags; qualified; search box; seed.
nlohmann::json interval_json(const Interval& i);
nlohmann::json fit_json(const FitResult& r, const FitOptions& o, std::size_t points);

// The linear step alone: best (A, B, C₁, C₂) and the cost for fixed (t_c, m, ω).
Parameters solve_linear(const Series& series, double tc, double m, double omega, double* sse = nullptr);

// A synthetic series: n points evenly spaced on [t_first, t_last], y = model + N(0, σ²) noise.
Series synthetic_series(const Parameters& p, int n, double t_first, double t_last, double sigma, Rng& rng);

// Coverage check: `series` synthetic series (series k: noise from Rng(seed, 2k), fit seed
// derived from (seed, k)), each fitted with `options`; counts how often each interval contains
// the true value. Parallel over series (OpenMP); bit-identical for any thread count.
struct CoverageConfig {
  Parameters truth;
  int n = 200;
  double t_first = 0.0, t_last = 1.0, sigma = 0.01;
  int series = 200;
  std::uint64_t seed = 0;
  FitOptions options;
};
struct CoverageResult {
  int series = 0;
  int covered_tc = 0, covered_m = 0, covered_omega = 0;
  std::vector<FitResult> fits;  // in series order
};
CoverageResult coverage(const CoverageConfig& config,
                        const std::function<void(int done, int total)>& progress = {},
                        const StopPoll& stop = {});

}  // namespace rgflow::lppl
