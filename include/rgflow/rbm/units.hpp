#pragma once
// Unit types of a Boltzmann machine layer, chosen at run time. Each type is a *complete policy*:
// everything the estimators, samplers and trainers need to know about a unit lives here, and
// algorithms are written once over the policy interface (dispatch() picks the policy; templates
// only in hot loops). Gaussian units carry their per-unit σ (and bias) in the policy object.
//
// The model (one layer x with bias c and the other layer's coupling statistics):
//   E(v,h) = Σ_i U_i(v_i) + Σ_j U_j(h_j) − Σ_ij t_i(v_i) W_ij t_j(h_j)
// with the unit's self-energy U and coupling statistic t:
//   Bernoulli x ∈ {0,1}:  U(x) = −c x,               t(x) = x
//   Spin      x ∈ {±1}:   U(x) = −c x,               t(x) = x
//   Gaussian  x ∈ ℝ, σ:   U(x) = (x − c)²/(2σ²),     t(x) = x/σ²    (Cho, Raiko & Ilin 2011 for
//                                                                  visible units, eq. 3)
// so a unit's conditional given the other layer has the *field* φ = c + input, input = (W t(other)):
//   Bernoulli: p(x=1|φ) = σ(φ),        E[x] = σ(φ),    log Σ_x e^{−U(x)+t(x)·input} = softplus(φ)
//   Spin:      p(x=+1|φ) = σ(2φ),      E[x] = tanh φ,  log Σ_x … = log 2cosh φ
//   Gaussian:  x ~ N(φ, σ²),           E[x] = φ,       log ∫ … dx = ½ log(2πσ²) + (φ² − c²)/(2σ²)
// (the last is the closed-form Gaussian integral; docs/gaussian.md). The free energy of one layer
// with the other summed out is then F(x) = Σ_i U_i(x_i) − Σ_j log_partition_j(φ_j).
//
// TAP / mean-field quantities (estimate/tap.hpp, docs/tap.md) for an independent unit with mean m:
//   gibbs_term(m) = −S(m) + E[U] (the single-unit Gibbs free energy at fixed mean):
//     binary: −S(m) − c m;  Gaussian N(m, σ²): (m − c)²/(2σ²) − ½ log(2πσ²)
//   variance(m), third(m): the 2nd and 3rd cumulants of the coupling statistic t (binary: of x;
//     Gaussian: 1/σ² and 0) and their m-derivatives variance_slope, third_slope.
//
// Binary policies are stateless in their hot-path functions (static: mean, sample, log_partition
// of a field); the general interface (member functions taking the unit index i) needs the layer's
// bias, which dispatch() supplies.
#include <cmath>
#include <string>
#include <string_view>
#include <utility>

#include "rgflow/core/error.hpp"
#include "rgflow/core/philox_bulk.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/core/types.hpp"

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

namespace units_detail {
// x log x with 0 log 0 = 0.
inline double xlogx(double x) { return x > 0.0 ? x * std::log(x) : 0.0; }
inline constexpr double kLog2Pi = 1.8378770664093454836;
}  // namespace units_detail

// Members shared by the two binary policies (CRTP: B supplies the static field functions).
template <class B>
struct BinaryUnits {
  static constexpr bool enumerable = true;  // finitely many states: exact enumeration, PLL, …
  static constexpr bool has_sigma = false;
  static constexpr bool constant_cumulants = false;  // κ₂, κ₃ depend on the mean
  const float* bias = nullptr;              // the layer's bias c (general interface only)

  double field_mean(Index, double field) const { return B::mean(field); }
  float draw(Index, float field, Rng& rng) const { return B::sample(field, rng.uniform()); }
  double log_partition(Index, double field) const { return B::log_partition(field); }
  // log_partition = log_partition_offset + log_partition_varying (the field-independent part
  // apart, for sums over many states).
  static double log_partition_offset(Index) { return 0.0; }
  double log_partition_varying(Index, double field) const { return B::log_partition(field); }
  double self_energy(Index i, double x) const { return -static_cast<double>(bias[i]) * x; }
  static double statistic(Index, double x) { return x; }
  // ∂(−U)/∂c: the sufficient statistic of the bias.
  static double bias_statistic(Index, double x) { return x; }
  double gibbs_term(Index i, double m) const { return -B::entropy(m) - static_cast<double>(bias[i]) * m; }
  // TAP's uniform start (the mean of a unit with zero field).
  static double tap_start(Index) { return B::uniform_mean; }

  // The independent unit that best fits a data column x of states or mean activities in
  // [off, on] (maximum likelihood with `pseudo_count` observations of each state added, so a
  // constant column gets a finite bias): p = P(x = on) = (Σ act(x) + c)/(N + 2c) with
  // act(x) = (x − off)/(on − off) (the count of on-states for binary data), and the bias whose mean
  // matches it, log(p/(1−p)) / (on − off). Returns {bias, σ}; σ is 1 (unused) for binary units.
  template <class Column>
  static std::pair<double, double> fit_independent(const Column& x, double pseudo_count) {
    constexpr double off = B::state(0), on = B::state(1);
    const double active = (x.template cast<double>().array() - off).sum() / (on - off);
    double p = (active + pseudo_count) / (static_cast<double>(x.size()) + 2.0 * pseudo_count);
    p = std::fmin(std::fmax(p, 1e-12), 1.0 - 1e-12);
    return {std::log(p / (1.0 - p)) / (on - off), 1.0};
  }
  // Whether x is a state or mean activity of the unit (within [off, on]).
  static bool valid_activity(float x) { return x >= B::state(0) && x <= B::state(1); }

  // Annealed importance sampling path (estimate/ais.hpp), hidden side: the tempered layer at
  // inverse temperature β has the field β φ (φ = c + input at the target), so its log-partition is
  // A(β) = L(β φ) and A(0) = log 2. Returns Σ_j [A_j(β_new) − A_j(β_old)], computed without
  // cancellation as Δβ lin(φ) + log((1 + e^{−sβ_new|φ|}) / (1 + e^{−sβ_old|φ|})) (s = field_scale),
  // and when `h` is given draws h_j ~ p(h_j | β_new φ_j) from one uniform per unit, in order.
  double anneal_hidden(const float* phi, Index n, double beta_old, double beta_new, Rng& rng,
                       float* h) const {
    const Eigen::ArrayXd x = Eigen::Map<const Eigen::ArrayXf>(phi, n).cast<double>();
    double lin = 0.0;
    for (Index j = 0; j < n; ++j) lin += B::linear_part(x[j]);
    const Eigen::ArrayXd ax = x.abs();
    const Eigen::ArrayXd e_new = (-(B::field_scale * beta_new) * ax).exp();
    const Eigen::ArrayXd e_old = (-(B::field_scale * beta_old) * ax).exp();
    const double dw = (beta_new - beta_old) * lin + ((1.0 + e_new) / (1.0 + e_old)).log().sum();
    if (h != nullptr) {
      // p(on) = σ(sβφ) from the same exponentials; branch-free so that it vectorizes.
      Eigen::ArrayXd p_on = 1.0 / (1.0 + e_new);
      p_on = (x >= 0.0).select(p_on, e_new * p_on);
      Eigen::ArrayXf u(n);
      fill_uniform(rng, u.data(), static_cast<std::size_t>(n));  // = n calls of rng.uniform()
      constexpr float off = B::state(0);
      Eigen::Map<Eigen::ArrayXf>(h, n) = (u.cast<double>() < p_on).cast<float>() * (B::state(1) - off) + off;
    }
    return dw;
  }
  static double anneal_log_z0(Index n) { return static_cast<double>(n) * 0.69314718055994530942; }
  // Visible side: p(v_i | h) at β ∝ exp(−(1 − β) U_A,i(v) − β U_B,i(v) + β v input_i) for the base
  // A (`base`, bias a_A) and target B (*this): the field (1 − β) a_A + β (a_B + input); one uniform
  // per unit, in order.
  void anneal_visible(const B& base, float beta, const float* input, Index n, Rng& rng,
                      float* v) const {
    const auto a_a = Eigen::Map<const Eigen::ArrayXf>(base.bias, n);
    const auto a_b = Eigen::Map<const Eigen::ArrayXf>(bias, n);
    const Eigen::ArrayXf f = ((1.0f - beta) * a_a + beta * a_b) + beta * Eigen::Map<const Eigen::ArrayXf>(input, n);
    constexpr auto s = static_cast<float>(B::field_scale);
    const Eigen::ArrayXf ev = (-s * f.abs()).exp();
    Eigen::ArrayXf pv = 1.0f / (1.0f + ev);
    pv = (f >= 0.0f).select(pv, ev * pv);
    Eigen::ArrayXf u(n);
    fill_uniform(rng, u.data(), static_cast<std::size_t>(n));  // = n calls of rng.uniform()
    constexpr float off = B::state(0);
    Eigen::Map<Eigen::ArrayXf>(v, n) = (u < pv).cast<float>() * (B::state(1) - off) + off;
  }
  // Draws v from the independent model with biases `bias` (W = 0): AIS's exact start at β = 0.
  void sample_independent(Index n, Rng& rng, float* v) const {
    for (Index i = 0; i < n; ++i) v[i] = B::sample(bias[i], rng.uniform());
  }
};

struct BernoulliUnits : BinaryUnits<BernoulliUnits> {
  using BinaryUnits<BernoulliUnits>::log_partition;
  static constexpr UnitType type = UnitType::bernoulli;
  static constexpr int n_states = 2;
  static constexpr float state(int k) { return static_cast<float>(k); }  // 0, 1
  static float mean(float field) { return sigmoid(field); }
  static double mean(double field) { return sigmoid(field); }
  // u ~ U[0,1): returns 1 with probability σ(φ).
  static float sample(float field, float u) { return u < sigmoid(field) ? 1.0f : 0.0f; }
  static double log_partition(double field) { return softplus(field); }
  static float log_partition(float field) { return softplus(field); }
  static bool valid(float x) { return x == 0.0f || x == 1.0f; }
  static float flip(float x) { return 1.0f - x; }
  // Mean-field range and cumulants (κ of x itself).
  static constexpr double lower = 0.0, upper = 1.0, uniform_mean = 0.5;
  static constexpr double max_variance = 0.25;  // sup_m κ₂(m) = sup_φ LP''(φ)
  static double entropy(double m) { return -units_detail::xlogx(m) - units_detail::xlogx(1.0 - m); }
  template <class T> static T variance(Index, T m) { return m - m * m; }
  template <class T> static T variance_slope(Index, T m) { return T(1) - T(2) * m; }
  template <class T> static T third(Index, T m) { return (m - m * m) * (T(1) - T(2) * m); }
  template <class T> static T third_slope(Index, T m) { return T(1) - T(6) * m + T(6) * m * m; }
  // AIS: p(on | φ) = σ(s φ) and log Σ_x e^{xφ} = lin(φ) + log(1 + e^{−s|φ|}).
  static constexpr double field_scale = 1.0;
  static double linear_part(double field) { return field > 0.0 ? field : 0.0; }
  // The bias of an independent unit with mean m (clipped 1e-3 inside the range; Hinton 2010 §8).
  static double initial_bias(double m) {
    const double p = std::fmin(std::fmax(m, 1e-3), 1.0 - 1e-3);
    return std::log(p / (1.0 - p));
  }
};

struct SpinUnits : BinaryUnits<SpinUnits> {
  using BinaryUnits<SpinUnits>::log_partition;
  static constexpr UnitType type = UnitType::spin;
  static constexpr int n_states = 2;
  static constexpr float state(int k) { return k == 0 ? -1.0f : 1.0f; }
  static float mean(float field) { return std::tanh(field); }
  static double mean(double field) { return std::tanh(field); }
  static float sample(float field, float u) { return u < sigmoid(2.0f * field) ? 1.0f : -1.0f; }
  static double log_partition(double field) { return log2cosh(field); }
  static float log_partition(float field) { return log2cosh(field); }
  static bool valid(float x) { return x == -1.0f || x == 1.0f; }
  static float flip(float x) { return -x; }
  static constexpr double lower = -1.0, upper = 1.0, uniform_mean = 0.0;
  static constexpr double max_variance = 1.0;
  static double entropy(double m) {
    const double p = 0.5 * (1.0 + m);
    return -units_detail::xlogx(p) - units_detail::xlogx(1.0 - p);
  }
  template <class T> static T variance(Index, T m) { return T(1) - m * m; }
  template <class T> static T variance_slope(Index, T m) { return T(-2) * m; }
  template <class T> static T third(Index, T m) { return T(-2) * m * (T(1) - m * m); }
  template <class T> static T third_slope(Index, T m) { return T(-2) + T(6) * m * m; }
  static constexpr double field_scale = 2.0;
  static double linear_part(double field) { return std::fabs(field); }
  static double initial_bias(double m) { return std::atanh(std::fmin(std::fmax(m, -1.0 + 2e-3), 1.0 - 2e-3)); }
};

// Gaussian units with per-unit standard deviation σ_i > 0 (and bias c_i, the prior mean).
struct GaussianUnits {
  static constexpr UnitType type = UnitType::gaussian;
  static constexpr bool enumerable = false;
  static constexpr bool has_sigma = true;
  static constexpr bool constant_cumulants = true;  // κ₂ = 1/σ², κ₃ = 0 at any mean
  const float* bias = nullptr;
  const float* sigma = nullptr;

  double variance_of(Index i) const {
    const double s = sigma[i];
    return s * s;
  }
  static float mean(float field) { return field; }
  static double mean(double field) { return field; }
  double field_mean(Index, double field) const { return field; }
  // x = φ + σ ξ with ξ = Rng::normal().
  float draw(Index i, float field, Rng& rng) const {
    return field + sigma[i] * static_cast<float>(rng.normal());
  }
  double log_partition(Index i, double field) const {
    return log_partition_offset(i) + log_partition_varying(i, field);
  }
  double log_partition_offset(Index i) const {
    const double c = bias[i];
    const double var = variance_of(i);
    return 0.5 * (units_detail::kLog2Pi + std::log(var)) - c * c / (2.0 * var);
  }
  double log_partition_varying(Index i, double field) const {
    return field * field / (2.0 * variance_of(i));
  }
  double self_energy(Index i, double x) const {
    const double d = x - static_cast<double>(bias[i]);
    return d * d / (2.0 * variance_of(i));
  }
  double statistic(Index i, double x) const { return x / variance_of(i); }
  double bias_statistic(Index i, double x) const {
    return (x - static_cast<double>(bias[i])) / variance_of(i);
  }
  static bool valid(float x) { return std::isfinite(x); }
  static bool valid_activity(float x) { return std::isfinite(x); }
  static double initial_bias(double m) { return m; }
  // Mean field: N(m, σ²) at any mean m.
  static constexpr double lower = -HUGE_VAL, upper = HUGE_VAL;
  double gibbs_term(Index i, double m) const {
    return self_energy(i, m) - 0.5 * (units_detail::kLog2Pi + std::log(variance_of(i)));
  }
  double tap_start(Index i) const { return bias[i]; }
  template <class T> T variance(Index i, T) const { return static_cast<T>(1.0 / variance_of(i)); }
  template <class T> static T variance_slope(Index, T) { return T(0); }
  template <class T> static T third(Index, T) { return T(0); }
  template <class T> static T third_slope(Index, T) { return T(0); }
  // The maximum-likelihood independent Gaussian for a data column: {mean, sd} (sd with divisor N).
  template <class Column>
  static std::pair<double, double> fit_independent(const Column& x, double /*pseudo_count*/) {
    const Eigen::ArrayXd d = x.template cast<double>().array();
    const double mean = d.mean();
    return {mean, std::sqrt((d - mean).square().sum() / static_cast<double>(d.size()))};
  }

  // AIS path (estimate/ais.hpp), hidden side: only the coupling is tempered (β = 0 must leave a
  // proper distribution), so the field at β is c + β input (input = φ − c) and
  // A(β) = LP(c + β input), A(0) = ½ log(2πσ²). Returns Σ_j [A_j(β_new) − A_j(β_old)] and, when
  // `h` is given, draws h_j ~ N(c_j + β_new input_j, σ_j²) (one normal per unit, in order).
  double anneal_hidden(const float* phi, Index n, double beta_old, double beta_new, Rng& rng,
                       float* h) const {
    double dw = 0.0;
    for (Index j = 0; j < n; ++j) {
      const double c = bias[j];
      const double in = static_cast<double>(phi[j]) - c;
      const double f_new = c + beta_new * in;
      const double f_old = c + beta_old * in;
      dw += (f_new - f_old) * (f_new + f_old) / (2.0 * variance_of(j));
      if (h != nullptr) h[j] = static_cast<float>(f_new + sigma[j] * rng.normal());
    }
    return dw;
  }
  double anneal_log_z0(Index n) const {
    double acc = 0.0;
    for (Index j = 0; j < n; ++j) acc += 0.5 * (units_detail::kLog2Pi + std::log(variance_of(j)));
    return acc;
  }
  // Visible side: p(v_i | h) at β ∝ exp(−(1 − β)(v − a_A)²/(2σ_A²) − β (v − a)²/(2σ²) + β v input/σ²):
  // a normal with precision λ = (1 − β)/σ_A² + β/σ² and mean [(1 − β) a_A/σ_A² + β (a + input)/σ²]/λ
  // (one normal per unit, in order).
  void anneal_visible(const GaussianUnits& base, float beta, const float* input, Index n, Rng& rng,
                      float* v) const {
    const double b = beta;
    for (Index i = 0; i < n; ++i) {
      const double pa = 1.0 / base.variance_of(i);
      const double pb = 1.0 / variance_of(i);
      const double lambda = (1.0 - b) * pa + b * pb;
      const double mean = ((1.0 - b) * pa * base.bias[i] + b * pb * (bias[i] + static_cast<double>(input[i]))) / lambda;
      v[i] = static_cast<float>(mean + rng.normal() / std::sqrt(lambda));
    }
  }
  void sample_independent(Index n, Rng& rng, float* v) const {
    for (Index i = 0; i < n; ++i) v[i] = static_cast<float>(bias[i] + sigma[i] * rng.normal());
  }

  // TAP (estimate/tap.hpp): ∂F_TAP/∂log σ_i of a unit with mean m, coupling input
  // ψ = (W t(m_other))_i and order-2 reaction ρ = (W² κ₂(m_other))_i (0 at order 1):
  // −(m − c)²/σ² − 1 + (2 m ψ + ρ)/σ².
  double tap_log_sigma_gradient(Index i, double m, double input, double reaction) const {
    const double d = m - static_cast<double>(bias[i]);
    const double var = variance_of(i);
    return -d * d / var - 1.0 + (2.0 * m * input + reaction) / var;
  }

  // ∂(−E)/∂log σ_i of one unit with value x and coupling input ψ = (W t(other))_i (σ fixed in ψ's
  // W; E = U(x) − t(x) ψ):  [(x − c)² − 2 x ψ] / σ².
  double log_sigma_statistic(Index i, double x, double input) const {
    const double d = x - static_cast<double>(bias[i]);
    return (d * d - 2.0 * x * input) / variance_of(i);
  }
};

// Finitely many states (Bernoulli, spin): the layer can be enumerated, sampled exactly from a
// table, scored by pseudo-likelihood. Otherwise real-valued with a width σ (Gaussian).
constexpr bool is_binary(UnitType type) { return type != UnitType::gaussian; }
constexpr bool has_sigma(UnitType type) { return !is_binary(type); }

// Calls f(BernoulliUnits{}) or f(SpinUnits{}) according to type: for the operations that need a
// binary layer (enumeration, pseudo-likelihood, …). Gaussian units: Error naming the operation.
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

// One layer's units with their parameters: the policy object of every unit type.
struct LayerUnits {
  UnitType type = UnitType::bernoulli;
  const float* bias = nullptr;
  const float* sigma = nullptr;  // Gaussian only
};

// Calls f(policy) with BernoulliUnits{bias}, SpinUnits{bias} or GaussianUnits{bias, sigma}.
template <class F>
decltype(auto) dispatch(const LayerUnits& layer, F&& f) {
  switch (layer.type) {
    case UnitType::bernoulli: {
      BernoulliUnits u;
      u.bias = layer.bias;
      return std::forward<F>(f)(u);
    }
    case UnitType::spin: {
      SpinUnits u;
      u.bias = layer.bias;
      return std::forward<F>(f)(u);
    }
    case UnitType::gaussian: break;
  }
  return std::forward<F>(f)(GaussianUnits{layer.bias, layer.sigma});
}

template <class F>
decltype(auto) dispatch(const LayerUnits& visible, const LayerUnits& hidden, F&& f) {
  return dispatch(visible, [&](auto v) -> decltype(auto) {
    return dispatch(hidden, [&](auto h) -> decltype(auto) { return f(v, h); });
  });
}

}  // namespace rgflow
