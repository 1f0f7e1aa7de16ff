#pragma once
// Error analysis of Monte Carlo time series: binning, integrated autocorrelation time (Sokal's
// automatic windowing) and the block jackknife for derived quantities.
//
// Layout convention for every function here: a series of R independent chains, each of n
// measurements, stored interleaved in time-major order, x[t * R + c] (measurement t of chain c).
// This is the order samplers emit configurations in (one "round" of all chains after another),
// so the sample file order and the analysis agree. R = 1 is a single chain.
//
// References: A. D. Sokal, "Monte Carlo Methods in Statistical Mechanics: Foundations and New
// Algorithms" (Cargese lectures, 1996), §3 (automatic windowing, c = 6); H. Flyvbjerg &
// H. G. Petersen, J. Chem. Phys. 91, 461 (1989) (binning); U. Wolff, Comput. Phys. Commun. 156,
// 143 (2004) (replica-averaged autocorrelation function); B. Efron, "The Jackknife, the
// Bootstrap and Other Resampling Plans" (1982).
#include <cstddef>
#include <functional>
#include <span>
#include <vector>

#include "rgflow/stats/result.hpp"

namespace rgflow::stats {

// Mean and error from the integrated autocorrelation time
//   τ_int = ½ + Σ_{t=1}^{W} Γ(t)/Γ(0),   Γ(t) averaged over chains,
// with the window W the smallest t such that W ≥ c·τ_int(W) (Sokal, c = 6). The error is
//   σ = sqrt(2 τ_int Γ(0) / (R n)).
// tau_int is in units of measurements of one chain. Throws std::invalid_argument when the size
// is not a multiple of n_chains; n < 2 measurements gives error NaN.
Result autocorrelation_analysis(std::span<const double> x, std::size_t n_chains = 1,
                                double window_factor = 6.0);

// τ_int itself with its statistical error (Sokal: σ²(τ) ≈ 2(2W+1)/(R n) τ²) and the window W.
struct TauEstimate {
  double tau = 0.5;
  double error = 0.0;
  std::size_t window = 0;
};
TauEstimate integrated_autocorrelation_time(std::span<const double> x, std::size_t n_chains = 1,
                                            double window_factor = 6.0);

// One level of a binning analysis: bins of `bin_size` consecutive measurements of one chain.
struct BinningLevel {
  std::size_t bin_size = 1;
  std::size_t n_bins = 0;
  double error = 0.0;            // standard error of the mean from the bin means
  double error_of_error = 0.0;   // ≈ error / sqrt(2 (n_bins − 1))
};

// Errors at bin sizes 1, 2, 4, ... while at least `min_bins` bins remain (Flyvbjerg–Petersen).
std::vector<BinningLevel> binning_levels(std::span<const double> x, std::size_t n_chains = 1,
                                         std::size_t min_bins = 32);

// Mean and error from the plateau of binned errors: the first level from which the next two
// levels rise by less than their own statistical uncertainty; tau_int = ½ (σ_plateau/σ_naive)².
Result binning_analysis(std::span<const double> x, std::size_t n_chains = 1,
                        std::size_t min_bins = 32);

// Block jackknife for a derived quantity f(⟨A_1⟩, ⟨A_2⟩, ...). `observables[k]` is the series of
// A_k (same layout and length for every k). The series is cut into about `n_blocks` blocks, each
// a contiguous time segment of one chain, so the estimate is valid for correlated data as long
// as a block is much longer than τ_int (with many chains the blocks are simply the chains).
//   f̄ = f(all), f_(b) = f(all but block b), bias-corrected mean = B f̄ − (B−1) mean_b f_(b),
//   σ² = (B−1)/B Σ_b (f_(b) − mean_b f_(b))².
// The Result's mean is the bias-corrected estimate; tau_int is left at ½ (not defined for f).
using DerivedFunction = std::function<double(std::span<const double> means)>;
Result jackknife(const std::vector<std::span<const double>>& observables, std::size_t n_chains,
                 const DerivedFunction& f, std::size_t n_blocks = 64);

// A streaming front end: add measurements (in the interleaved order above), then finalize.
class Accumulator {
 public:
  explicit Accumulator(std::size_t n_chains = 1) : n_chains_(n_chains) {}
  void add(double x) { values_.push_back(x); }
  std::size_t size() const { return values_.size(); }
  std::span<const double> values() const { return values_; }
  std::size_t n_chains() const { return n_chains_; }

  // Mean with the autocorrelation-time error (the default analysis).
  Result finalize() const { return autocorrelation_analysis(values_, n_chains_); }
  Result finalize_binning() const { return binning_analysis(values_, n_chains_); }

 private:
  std::size_t n_chains_;
  std::vector<double> values_;
};

}  // namespace rgflow::stats
