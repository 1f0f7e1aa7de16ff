#pragma once
// Every estimate rgflow reports is a Result, never a bare double (DESIGN.md: {"mean", "error"}),
// and this is the one place that computes the mean and standard error of independent samples
// and the one place that writes a Result as JSON.
#include <cstdint>
#include <limits>
#include <span>

#include <nlohmann/json_fwd.hpp>

namespace rgflow::stats {

struct Result {
  double mean = std::numeric_limits<double>::quiet_NaN();
  double error = 0.0;    // one standard error of the mean (0 for exact values)
  double tau_int = 0.5;  // integrated autocorrelation time in units of samples (0.5: independent)
  std::int64_t n = 0;    // number of samples behind the estimate (0 for exact values)

  static Result exact(double value) { return {value, 0.0, 0.5, 0}; }
};

// Mean of n independent samples with its standard error sd/√n (sd with divisor n − 1), by two
// passes over the data (no cancellation, unlike the one-pass Σx² − n x̄²). One sample: the mean and
// error NaN (the spread of one sample is unknown). No samples: mean and error NaN, n = 0.
Result mean_sem(std::span<const double> x);

// The fraction p = k/n of n independent trials that succeeded, with its binomial standard error
// √(p(1 − p)/n) (0 at p = 0 or 1: quote a bound there). n = 0: NaN. std::invalid_argument for k
// outside [0, n].
Result proportion(std::int64_t k, std::int64_t n);

// Streaming mean and variance of independent samples (Welford 1962), mergeable across threads or
// chunks (Chan, Golub & LeVeque 1979): the stable form of mean_sem when the samples are not kept.
// result() gives the same mean ± sd/√n (sd with divisor n − 1) as mean_sem, up to rounding.
class Moments {
 public:
  void add(double x) {
    ++n_;
    const double d = x - mean_;
    mean_ += d / static_cast<double>(n_);
    m2_ += d * (x - mean_);
  }
  void merge(const Moments& other);
  std::int64_t count() const { return n_; }
  double mean() const { return n_ > 0 ? mean_ : std::numeric_limits<double>::quiet_NaN(); }
  // Sample variance with divisor n − 1 (NaN for fewer than two samples).
  double variance() const;
  Result result() const;

 private:
  std::int64_t n_ = 0;
  double mean_ = 0.0;
  double m2_ = 0.0;
};

// log Σ_i e^{x_i} without overflow (the largest term factored out); −∞ for no terms.
double log_sum_exp(std::span<const double> x);

// a − b for two independent estimates: errors added in quadrature; n is the smaller n.
Result difference(const Result& a, const Result& b);

// JSON of a Result: {"mean": m, "error": e} plus "n" when n > 0 and "tau_int" when it is not ½.
// NaN and infinite values are written as null (JSON has no NaN). from_json reads that form back
// (null → NaN; missing error → 0).
void to_json(nlohmann::json& j, const Result& r);
void from_json(const nlohmann::json& j, Result& r);

}  // namespace rgflow::stats
