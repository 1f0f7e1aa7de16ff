#pragma once
// Unit types of a Boltzmann machine layer, chosen at run time; the policies carry behaviour and
// are used as template parameters only inside hot loops (see dispatch()).
//
// For a unit x with input field φ (the bias plus the weighted input from the other layer):
//   Bernoulli x ∈ {0,1}:  p(x=1|φ) = σ(φ),           E[x] = σ(φ),  log Σ_x e^{xφ} = softplus(φ)
//   Spin      x ∈ {±1}:   p(x=+1|φ) = σ(2φ),         E[x] = tanh φ, log Σ_x e^{xφ} = log 2cosh φ
// Gaussian visible units carry a per-unit σ, so they have no policy here: Rbm and the estimators
// handle them explicitly (rbm/rbm.hpp, docs/gaussian.md), and dispatch() rejects them, so binary-only
// operations (pseudo-likelihood, enumeration of a visible layer, ...) fail with a clear error.
#include <cmath>
#include <string>
#include <string_view>
#include <utility>

#include "rgflow/core/error.hpp"

namespace rgflow {

enum class UnitType { bernoulli, spin, gaussian };

std::string_view to_string(UnitType type);
// Parses "bernoulli" | "spin" | "gaussian"; throws rgflow::Error otherwise.
UnitType parse_unit_type(std::string_view name);

// Numerically stable log(1 + e^x).
inline double softplus(double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }
inline float softplus(float x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }
// Numerically stable log(2 cosh x).
inline double log2cosh(double x) {
  const double a = std::fabs(x);
  return a + std::log1p(std::exp(-2.0 * a));
}
inline float log2cosh(float x) {
  const float a = std::fabs(x);
  return a + std::log1p(std::exp(-2.0f * a));
}
inline float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }
inline double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

struct BernoulliUnits {
  static constexpr UnitType type = UnitType::bernoulli;
  static constexpr int n_states = 2;
  static constexpr float state(int k) { return static_cast<float>(k); }  // 0, 1
  static float mean(float field) { return sigmoid(field); }
  // u ~ U[0,1): returns 1 with probability σ(φ).
  static float sample(float field, float u) { return u < sigmoid(field) ? 1.0f : 0.0f; }
  static double log_partition(double field) { return softplus(field); }
  static float log_partition(float field) { return softplus(field); }
  static bool valid(float x) { return x == 0.0f || x == 1.0f; }
  static float flip(float x) { return 1.0f - x; }
};

struct SpinUnits {
  static constexpr UnitType type = UnitType::spin;
  static constexpr int n_states = 2;
  static constexpr float state(int k) { return k == 0 ? -1.0f : 1.0f; }
  static float mean(float field) { return std::tanh(field); }
  static float sample(float field, float u) { return u < sigmoid(2.0f * field) ? 1.0f : -1.0f; }
  static double log_partition(double field) { return log2cosh(field); }
  static float log_partition(float field) { return log2cosh(field); }
  static bool valid(float x) { return x == -1.0f || x == 1.0f; }
  static float flip(float x) { return -x; }
};

// Calls f(BernoulliUnits{}) or f(SpinUnits{}) according to type.
template <class F>
decltype(auto) dispatch(UnitType type, F&& f) {
  switch (type) {
    case UnitType::bernoulli: return std::forward<F>(f)(BernoulliUnits{});
    case UnitType::spin: return std::forward<F>(f)(SpinUnits{});
    case UnitType::gaussian: break;
  }
  throw Error("gaussian units are not supported by this operation");
}

// Calls f(VisiblePolicy{}, HiddenPolicy{}) for the four binary pairings.
template <class F>
decltype(auto) dispatch(UnitType visible, UnitType hidden, F&& f) {
  return dispatch(visible, [&](auto v) -> decltype(auto) {
    return dispatch(hidden, [&](auto h) -> decltype(auto) { return f(v, h); });
  });
}

}  // namespace rgflow
