#include "rgflow/stats/result.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace rgflow::stats {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

nlohmann::json number_or_null(double x) {
  return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr);
}

double number_or_nan(const nlohmann::json& j) { return j.is_number() ? j.get<double>() : kNaN; }

}  // namespace

Result proportion(std::int64_t k, std::int64_t n) {
  if (n < 0 || k < 0 || k > n) {
    throw std::invalid_argument("proportion: need 0 <= successes <= trials");
  }
  if (n == 0) return {std::nan(""), std::nan(""), 0.5, 0};
  const double p = static_cast<double>(k) / static_cast<double>(n);
  return {p, std::sqrt(p * (1 - p) / static_cast<double>(n)), 0.5, n};
}

Result mean_sem(std::span<const double> x) {
  Result r;
  r.n = static_cast<std::int64_t>(x.size());
  if (x.empty()) {
    r.error = kNaN;
    return r;
  }
  const auto n = static_cast<double>(x.size());
  double sum = 0.0;
  for (const double v : x) sum += v;
  r.mean = sum / n;
  if (x.size() < 2) {
    r.error = kNaN;
    return r;
  }
  double ss = 0.0;
  for (const double v : x) ss += (v - r.mean) * (v - r.mean);
  r.error = std::sqrt(ss / (n - 1.0) / n);
  return r;
}

void Moments::merge(const Moments& other) {
  if (other.n_ == 0) return;
  if (n_ == 0) {
    *this = other;
    return;
  }
  const auto na = static_cast<double>(n_);
  const auto nb = static_cast<double>(other.n_);
  const double d = other.mean_ - mean_;
  const double n = na + nb;
  mean_ += d * nb / n;
  m2_ += other.m2_ + d * d * na * nb / n;
  n_ += other.n_;
}

double Moments::variance() const {
  return n_ > 1 ? m2_ / static_cast<double>(n_ - 1) : kNaN;
}

Result Moments::result() const {
  Result r;
  r.n = n_;
  r.mean = mean();
  r.error = n_ > 1 ? std::sqrt(variance() / static_cast<double>(n_)) : kNaN;
  return r;
}

double log_sum_exp(std::span<const double> x) {
  double top = -std::numeric_limits<double>::infinity();
  for (const double v : x) top = std::max(top, v);
  if (!std::isfinite(top)) return top;
  double sum = 0.0;
  for (const double v : x) sum += std::exp(v - top);
  return top + std::log(sum);
}

Result difference(const Result& a, const Result& b) {
  Result r;
  r.mean = a.mean - b.mean;
  r.error = std::hypot(a.error, b.error);
  r.n = std::min(a.n, b.n);
  return r;
}

void to_json(nlohmann::json& j, const Result& r) {
  j = nlohmann::json{{"mean", number_or_null(r.mean)}, {"error", number_or_null(r.error)}};
  if (r.n > 0) j["n"] = r.n;
  if (r.tau_int != 0.5) j["tau_int"] = number_or_null(r.tau_int);
}

void from_json(const nlohmann::json& j, Result& r) {
  r = Result{};
  r.mean = number_or_nan(j.at("mean"));
  r.error = j.contains("error") ? number_or_nan(j.at("error")) : 0.0;
  if (j.contains("n") && j.at("n").is_number_integer()) r.n = j.at("n").get<std::int64_t>();
  if (j.contains("tau_int")) r.tau_int = number_or_nan(j.at("tau_int"));
}

}  // namespace rgflow::stats
