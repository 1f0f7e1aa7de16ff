#pragma once
// Finite-size scaling of sandpile runs (`rgflow sandpile stats`).
//
// Moment analysis (De Menech, Stella & Tebaldi 1998, PRE 58, R2677; Lübeck & Usadel 1997,
// PRE 55, 4095): if P(x; L) = x^(−τ) G(x / L^D), then for q > τ − 1
//   ⟨x^q⟩_L ∝ L^σ(q),   σ(q) = D (q + 1 − τ).
// σ(q) is the least-squares slope of ln⟨x^q⟩ against ln L over the given sizes; D and τ come from a
// straight line through σ(q) on [q_lo, q_hi] (slope D, intercept D(1 − τ)). Errors: delete-one-
// block jackknife over the runs' kBlocks blocks (block b is left out of every size at once; the
// sizes are independent, so this is a valid jackknife of the joint estimate). A consistency check:
// ⟨s⟩ ∝ L² exactly (Dhar 1990), so σ_size(1) → 2.
//
// Height probabilities and the mean height carry a boundary correction; whole-lattice averages
// are extrapolated as y_L = y_∞ + a/L + b/L² by weighted least squares over the sizes (order 1
// drops b); the error of y_∞ is from the fit's covariance, and χ² says whether the form fits.
#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "rgflow/soc/report.hpp"
#include "rgflow/soc/run.hpp"
#include "rgflow/stats/result.hpp"

namespace rgflow::soc {

// What stats needs from one run (its JSON with the raw section).
struct SizeData {
  int L = 0;
  std::string source;
  std::uint64_t seed = 0;
  std::int64_t grains = 0;
  std::array<stats::Result, 4> heights;
  stats::Result mean_height, mean_size;
  double mean_size_exact = 0.0;
  std::vector<double> q;
  std::array<std::int64_t, kBlocks> block_avalanches{};
  std::array<std::vector<std::vector<double>>, 4> block_sums;  // [observable][block][q]
  std::array<LogHistogram, 4> histograms;
  bool has_avalanches() const;  // every block has avalanches
};
// FileError(source, ...) when a key is missing or malformed.
SizeData size_data_from_json(const nlohmann::json& j, const std::string& source);

struct MomentAnalysis {
  std::vector<double> q;
  std::vector<stats::Result> sigma;  // σ(q)
  stats::Result D, tau;
  double q_lo = 0.0, q_hi = 0.0;
};
// Needs ≥ 2 distinct sizes with avalanches in every block (Error otherwise).
MomentAnalysis moment_analysis(const std::vector<SizeData>& runs, int observable, double q_lo, double q_hi);

struct Extrapolation {
  stats::Result limit;               // y_∞
  std::vector<double> coefficients;  // y_∞, a, (b)
  double chi2 = 0.0;
  int dof = 0;
};
// order 1 or 2; needs more sizes than coefficients (Error otherwise).
Extrapolation extrapolate_inverse_size(const std::vector<double>& L, const std::vector<stats::Result>& y, int order);

// The whole analysis of `rgflow sandpile stats` (and rgflow.sandpile.stats in Python) over a set
// of runs:
//   heights: per size the run with the smallest error of P(z=0); P(z), z = 0…3, and the mean
//     height extrapolated in 1/L (order 1 or 2) when there are more sizes than coefficients,
//     each next to the infinite-lattice value with its deviation in σ;
//   mean_size_check: every run's topplings per grain against Dhar's exact value;
//   exponents: with ≥ 2 sizes with avalanches (one run per size, sorted by L), the moment
//     analysis of the four observables on q ∈ [q_lo, q_hi].
struct FssStudy {
  int order = 2;
  double q_lo = 1.0, q_hi = 4.0;
  std::vector<double> height_sizes;                      // L of the height extrapolation
  std::array<std::vector<stats::Result>, 5> heights;     // [z or 4: mean height][size]
  std::array<Extrapolation, 5> height_limits;            // when height_sizes.size() > order + 1
  bool has_height_limits = false;
  std::vector<const SizeData*> avalanche_runs;           // the moment analysis' runs, by L
  std::array<MomentAnalysis, 4> moments;                 // when avalanche_runs.size() ≥ 2
  bool has_moments = false;
};
// Error for order outside {1, 2} or not 0 ≤ q_lo < q_hi (finite); the study points into `runs`.
FssStudy fss_study(const std::vector<SizeData>& runs, double q_lo, double q_hi, int order);
// {"heights": null | {probabilities: [{extrapolated, exact, deviation_sigma, chi2, dof,
//  coefficients}], mean_height, sizes, order}, "mean_size_check": [{L, file, measured, exact,
//  deviation_sigma}], "exponents": null | {size|area|duration|radius: {D, tau, q, sigma}, sizes,
//  q_range, reference}} (the `sandpile stats --json` keys apart from "files").
nlohmann::json fss_json(const std::vector<SizeData>& runs, const FssStudy& study);

}  // namespace rgflow::soc
