// TAP / extended-mean-field free energy of an RBM (Gabrié, Tramel & Krzakala 2015; Georges &
// Yedidia 1991). Equations in include/rgflow/estimate/tap.hpp, derivation in docs/tap.md.
#include "rgflow/estimate/tap.hpp"

#include <cmath>
#include <fmt/format.h>
#include <utility>
#include <vector>

#include "rgflow/core/error.hpp"
#include "tap_search.hpp"

namespace rgflow::estimate {
using tap_detail::append_starts;
using tap_detail::best_of_starts;
using tap_detail::check_options;
using tap_detail::check_order;
using tap_detail::log_partition;
namespace {

// Single-unit quantities of an independent unit with mean m, in float64. Bernoulli {0,1} and spin
// {±1}; the spin forms follow from the Bernoulli ones with x = 2u − 1, p = (1 + m)/2.
struct UnitFunctions {
  UnitType type;

  // x log x with 0 log 0 = 0.
  static double xlogx(double x) { return x > 0.0 ? x * std::log(x) : 0.0; }

  double entropy(double m) const {
    if (type == UnitType::bernoulli) return -xlogx(m) - xlogx(1.0 - m);
    const double p = 0.5 * (1.0 + m);
    return -xlogx(p) - xlogx(1.0 - p);
  }
  // E[x] for input field φ.
  double mean(double field) const {
    return type == UnitType::bernoulli ? sigmoid(field) : std::tanh(field);
  }
  double uniform() const { return type == UnitType::bernoulli ? 0.5 : 0.0; }
  double lower() const { return type == UnitType::bernoulli ? 0.0 : -1.0; }
  double upper() const { return 1.0; }
  // Variance κ₂ and third cumulant κ₃ of the unit, and their derivatives in m.
  double k2(double m) const { return type == UnitType::bernoulli ? m - m * m : 1.0 - m * m; }
  double dk2(double m) const { return type == UnitType::bernoulli ? 1.0 - 2.0 * m : -2.0 * m; }
  double k3(double m) const {
    return type == UnitType::bernoulli ? (m - m * m) * (1.0 - 2.0 * m) : -2.0 * m * (1.0 - m * m);
  }
  double dk3(double m) const {
    return type == UnitType::bernoulli ? 1.0 - 6.0 * m + 6.0 * m * m : -2.0 + 6.0 * m * m;
  }
};

// The model in float64 with the elementwise powers of W the expansion needs.
struct TapModel {
  MatrixD w, w2, w3;
  VectorD a, b;
  UnitFunctions vis, hid;
};

void check_supported(const Rbm& rbm, const char* what) {
  if (rbm.visible_type() == UnitType::gaussian || rbm.hidden_type() == UnitType::gaussian) {
    throw Error(fmt::format("{}: gaussian units are not supported by the TAP expansion", what));
  }
  rbm.validate();
}

TapModel make_model(const Rbm& rbm) {
  TapModel model;
  model.w = rbm.weights().cast<double>();
  model.w2 = model.w.array().square().matrix();
  model.w3 = model.w.array().cube().matrix();
  model.a = rbm.visible_bias().cast<double>();
  model.b = rbm.hidden_bias().cast<double>();
  model.vis = UnitFunctions{rbm.visible_type()};
  model.hid = UnitFunctions{rbm.hidden_type()};
  return model;
}

void check_magnetisation(const VectorD& m, Index n, const UnitFunctions& unit, const char* layer,
                         const char* what) {
  if (m.size() != n) {
    throw Error(fmt::format("{}: {} magnetisation has {} entries, the model has {} units", what,
                            layer, m.size(), n));
  }
  for (Index i = 0; i < n; ++i) {
    if (!(m[i] >= unit.lower() && m[i] <= unit.upper())) {
      throw Error(fmt::format("{}: {} magnetisation {} = {} is outside [{}, {}]", what, layer, i,
                              m[i], unit.lower(), unit.upper()));
    }
  }
}

VectorD apply(const VectorD& m, double (UnitFunctions::*f)(double) const, const UnitFunctions& u) {
  VectorD out(m.size());
  for (Index i = 0; i < m.size(); ++i) out[i] = (u.*f)(m[i]);
  return out;
}

double free_energy(const TapModel& model, const VectorD& mv, const VectorD& mh, int order) {
  double f = 0.0;
  for (Index i = 0; i < mv.size(); ++i) f -= model.vis.entropy(mv[i]);
  for (Index j = 0; j < mh.size(); ++j) f -= model.hid.entropy(mh[j]);
  f -= model.a.dot(mv) + model.b.dot(mh) + mv.dot(model.w * mh);
  if (order >= 2) {
    const VectorD kv = apply(mv, &UnitFunctions::k2, model.vis);
    const VectorD kh = apply(mh, &UnitFunctions::k2, model.hid);
    f -= 0.5 * kv.dot(model.w2 * kh);
  }
  if (order >= 3) {
    const VectorD kv = apply(mv, &UnitFunctions::k3, model.vis);
    const VectorD kh = apply(mh, &UnitFunctions::k3, model.hid);
    f -= kv.dot(model.w3 * kh) / 6.0;
  }
  return f;
}

// The field of one layer in the self-consistency equation μ⁻¹(m) = −∂(F + S)/∂m:
//   φ = bias + coupling·m_other + ½ κ₂'(m) ⊙ W²·κ₂(m_other) + ⅙ κ₃'(m) ⊙ W³·κ₃(m_other),
// where coupling·x is W x (visible layer) or Wᵀx (hidden layer).
template <class Mul>
void layer_update(const VectorD& bias, const VectorD& other, const UnitFunctions& self_unit,
                  const UnitFunctions& other_unit, int order, double damping, Mul&& mul,
                  VectorD& m, double& max_change) {
  VectorD field = bias + mul(0, other);
  if (order >= 2) {
    const VectorD reaction = mul(1, apply(other, &UnitFunctions::k2, other_unit));
    for (Index i = 0; i < m.size(); ++i) field[i] += 0.5 * self_unit.dk2(m[i]) * reaction[i];
  }
  if (order >= 3) {
    const VectorD reaction = mul(2, apply(other, &UnitFunctions::k3, other_unit));
    for (Index i = 0; i < m.size(); ++i) field[i] += self_unit.dk3(m[i]) * reaction[i] / 6.0;
  }
  for (Index i = 0; i < m.size(); ++i) {
    const double next = damping * m[i] + (1.0 - damping) * self_unit.mean(field[i]);
    const double change = std::fabs(next - m[i]);
    // Unlike std::max, this keeps a NaN once seen, so a diverging iteration is not "converged".
    if (!(change <= max_change) && !std::isnan(max_change)) max_change = change;
    m[i] = next;
  }
}

// Keeps a start strictly inside the unit's range, so data rows (exactly 0/1 or ±1) can be used.
VectorD clamp_start(const VectorD& start, const UnitFunctions& unit) {
  constexpr double margin = 1e-9;
  return start.cwiseMax(unit.lower() + margin).cwiseMin(unit.upper() - margin);
}

TapFixedPoint iterate(const TapModel& model, const TapOptions& options, VectorD mv,
                      StopSignal& stop) {
  const int order = options.order;
  VectorD mh(model.b.size());
  {
    const VectorD field = model.b + model.w.transpose() * mv;
    for (Index j = 0; j < mh.size(); ++j) mh[j] = model.hid.mean(field[j]);
  }
  const auto mul_hidden = [&](int power, const VectorD& x) -> VectorD {
    const MatrixD& m = power == 0 ? model.w : power == 1 ? model.w2 : model.w3;
    return m.transpose() * x;
  };
  const auto mul_visible = [&](int power, const VectorD& x) -> VectorD {
    const MatrixD& m = power == 0 ? model.w : power == 1 ? model.w2 : model.w3;
    return m * x;
  };
  TapFixedPoint result;
  for (int t = 0; t < options.max_iterations; ++t) {
    if (stop.check()) throw Cancelled();  // serial: no parallel region to leave first
    double change = 0.0;
    layer_update(model.b, mv, model.hid, model.vis, order, options.damping, mul_hidden, mh, change);
    layer_update(model.a, mh, model.vis, model.hid, order, options.damping, mul_visible, mv,
                 change);
    result.iterations = t + 1;
    if (!std::isfinite(change)) break;
    if (change < options.tolerance) {
      result.converged = true;
      break;
    }
  }
  result.free_energy = free_energy(model, mv, mh, order);
  if (!std::isfinite(result.free_energy)) result.converged = false;
  result.visible = std::move(mv);
  result.hidden = std::move(mh);
  return result;
}

}  // namespace

double tap_free_energy(const Rbm& rbm, const VectorD& visible, const VectorD& hidden, int order) {
  constexpr const char* what = "tap_free_energy";
  check_supported(rbm, what);
  check_order(order, what);
  const TapModel model = make_model(rbm);
  check_magnetisation(visible, rbm.n_visible(), model.vis, "visible", what);
  check_magnetisation(hidden, rbm.n_hidden(), model.hid, "hidden", what);
  return free_energy(model, visible, hidden, order);
}

TapGradient tap_free_energy_gradient(const Rbm& rbm, const VectorD& visible, const VectorD& hidden,
                                     int order) {
  constexpr const char* what = "tap_free_energy_gradient";
  check_supported(rbm, what);
  check_order(order, what);
  const TapModel model = make_model(rbm);
  check_magnetisation(visible, rbm.n_visible(), model.vis, "visible", what);
  check_magnetisation(hidden, rbm.n_hidden(), model.hid, "hidden", what);
  TapGradient g;
  g.visible_bias = -visible;
  g.hidden_bias = -hidden;
  g.weights = -visible * hidden.transpose();
  if (order >= 2) {
    const VectorD kv = apply(visible, &UnitFunctions::k2, model.vis);
    const VectorD kh = apply(hidden, &UnitFunctions::k2, model.hid);
    g.weights.array() -= model.w.array() * (kv * kh.transpose()).array();
  }
  if (order >= 3) {
    const VectorD kv = apply(visible, &UnitFunctions::k3, model.vis);
    const VectorD kh = apply(hidden, &UnitFunctions::k3, model.hid);
    g.weights.array() -= 0.5 * model.w2.array() * (kv * kh.transpose()).array();
  }
  return g;
}

TapFixedPoint tap_fixed_point(const Rbm& rbm, const TapOptions& options,
                              const VectorD* visible_start) {
  constexpr const char* what = "tap_fixed_point";
  check_supported(rbm, what);
  check_options(options, what);
  const TapModel model = make_model(rbm);
  VectorD start;
  if (visible_start != nullptr) {
    if (visible_start->size() != rbm.n_visible()) {
      throw Error(fmt::format("{}: start has {} entries, the model has {} visible units", what,
                              visible_start->size(), rbm.n_visible()));
    }
    if (!visible_start->allFinite()) throw Error(fmt::format("{}: start is not finite", what));
    start = clamp_start(*visible_start, model.vis);
  } else {
    start = VectorD::Constant(rbm.n_visible(), model.vis.uniform());
  }
  StopSignal stop(options.stop);
  return iterate(model, options, std::move(start), stop);
}

TapFixedPoint tap_best_fixed_point(const Rbm& rbm, const TapOptions& options,
                                   const MatrixF* visible_starts) {
  constexpr const char* what = "tap_best_fixed_point";
  check_supported(rbm, what);
  check_options(options, what);
  const TapModel model = make_model(rbm);
  std::vector<VectorD> starts;
  starts.push_back(VectorD::Constant(rbm.n_visible(), model.vis.uniform()));
  {
    VectorD bias_only(rbm.n_visible());
    for (Index i = 0; i < bias_only.size(); ++i) bias_only[i] = model.vis.mean(model.a[i]);
    starts.push_back(clamp_start(bias_only, model.vis));
  }
  append_starts(starts, visible_starts, rbm.n_visible(), what,
                [&](const VectorD& row) { return clamp_start(row, model.vis); });
  return best_of_starts(starts, options, [&](VectorD start, StopSignal& stop) {
    return iterate(model, options, std::move(start), stop);
  });
}

stats::Result tap_log_partition(const Rbm& rbm, const TapOptions& options,
                                const MatrixF* visible_starts) {
  return log_partition(tap_best_fixed_point(rbm, options, visible_starts), options,
                       "tap_log_partition");
}

namespace {

// Float32 single-unit functions for the batched code (same formulas as UnitFunctions).
struct UnitF {
  bool bernoulli;
  float mean(float field) const { return bernoulli ? sigmoid(field) : std::tanh(field); }
  float k2(float m) const { return bernoulli ? m - m * m : 1.0f - m * m; }
  float dk2(float m) const { return bernoulli ? 1.0f - 2.0f * m : -2.0f * m; }
  float k3(float m) const { return bernoulli ? (m - m * m) * (1.0f - 2.0f * m) : -2.0f * m * (1.0f - m * m); }
  float dk3(float m) const { return bernoulli ? 1.0f - 6.0f * m + 6.0f * m * m : -2.0f + 6.0f * m * m; }
};

template <class F>
MatrixF map_elements(const MatrixF& m, F&& f) {
  MatrixF out(m.rows(), m.cols());
  const float* in = m.data();
  float* o = out.data();
  for (Index i = 0; i < m.size(); ++i) o[i] = f(in[i]);
  return out;
}

void check_batch(const Rbm& rbm, const MatrixF& visible, const MatrixF& hidden, const char* what) {
  if (visible.cols() != rbm.n_visible() || hidden.cols() != rbm.n_hidden() ||
      visible.rows() != hidden.rows() || visible.rows() < 1) {
    throw Error(fmt::format("{}: magnetisations are {}x{} and {}x{}, the model is {} x {}", what,
                            visible.rows(), visible.cols(), hidden.rows(), hidden.cols(),
                            rbm.n_visible(), rbm.n_hidden()));
  }
}

// One damped layer update for all particles: m ← d·m + (1 − d)·μ(φ), with
//   φ = bias + other·C + ½ κ₂'(m) ⊙ (κ₂(other)·C²) + ⅙ κ₃'(m) ⊙ (κ₃(other)·C³),
// C = W (hidden layer, other = m_v) or Wᵀ (visible layer, other = m_h); powers elementwise.
void batch_layer_update(const VectorF& bias, const MatrixF& other, const MatrixF& c,
                        const MatrixF& c2, const MatrixF& c3, const UnitF& self,
                        const UnitF& other_unit, int order, float damping, MatrixF& m,
                        MatrixF& field) {
  field.noalias() = other * c;
  field.rowwise() += bias.transpose();
  if (order >= 2) {
    const MatrixF reaction = map_elements(other, [&](float x) { return other_unit.k2(x); }) * c2;
    field.array() += 0.5f * map_elements(m, [&](float x) { return self.dk2(x); }).array() * reaction.array();
  }
  if (order >= 3) {
    const MatrixF reaction = map_elements(other, [&](float x) { return other_unit.k3(x); }) * c3;
    field.array() +=
        (1.0f / 6.0f) * map_elements(m, [&](float x) { return self.dk3(x); }).array() * reaction.array();
  }
  float* pm = m.data();
  const float* pf = field.data();
  for (Index i = 0; i < m.size(); ++i) pm[i] = damping * pm[i] + (1.0f - damping) * self.mean(pf[i]);
}

}  // namespace

void tap_sweeps(const Rbm& rbm, int order, int sweeps, double damping, MatrixF& visible,
                MatrixF& hidden) {
  constexpr const char* what = "tap_sweeps";
  check_supported(rbm, what);
  check_order(order, what);
  if (!(damping >= 0.0 && damping < 1.0)) {
    throw Error(fmt::format("{}: damping must be in [0, 1) (got {})", what, damping));
  }
  if (sweeps < 1) throw Error(fmt::format("{}: sweeps must be at least 1 (got {})", what, sweeps));
  check_batch(rbm, visible, hidden, what);
  const MatrixF& w = rbm.weights();
  const MatrixF wt = w.transpose();
  MatrixF w2, w3, w2t, w3t;
  if (order >= 2) {
    w2 = w.array().square().matrix();
    w2t = w2.transpose();
  }
  if (order >= 3) {
    w3 = w.array().cube().matrix();
    w3t = w3.transpose();
  }
  const UnitF vis{rbm.visible_type() == UnitType::bernoulli};
  const UnitF hid{rbm.hidden_type() == UnitType::bernoulli};
  const auto d = static_cast<float>(damping);
  MatrixF field;
  for (int t = 0; t < sweeps; ++t) {
    batch_layer_update(rbm.visible_bias(), hidden, wt, w2t, w3t, vis, hid, order, d, visible, field);
    batch_layer_update(rbm.hidden_bias(), visible, w, w2, w3, hid, vis, order, d, hidden, field);
  }
}

void tap_negative_phase(const Rbm& rbm, int order, const MatrixF& visible, const MatrixF& hidden,
                        MatrixF& weights, VectorF& visible_bias, VectorF& hidden_bias) {
  constexpr const char* what = "tap_negative_phase";
  check_supported(rbm, what);
  check_order(order, what);
  check_batch(rbm, visible, hidden, what);
  const float lo_v = rbm.visible_type() == UnitType::bernoulli ? 0.0f : -1.0f;
  const float lo_h = rbm.hidden_type() == UnitType::bernoulli ? 0.0f : -1.0f;
  const auto in_range = [](const MatrixF& m, float lo) {
    return ((m.array() >= lo) && (m.array() <= 1.0f)).all();
  };
  if (!in_range(visible, lo_v) || !in_range(hidden, lo_h)) {
    throw Error(fmt::format("{}: magnetisations outside the range of the unit type", what));
  }
  const UnitF vis{rbm.visible_type() == UnitType::bernoulli};
  const UnitF hid{rbm.hidden_type() == UnitType::bernoulli};
  const float inv = 1.0f / static_cast<float>(visible.rows());
  weights.noalias() = (visible.transpose() * hidden) * inv;
  if (order >= 2) {
    const MatrixF kv = map_elements(visible, [&](float x) { return vis.k2(x); });
    const MatrixF kh = map_elements(hidden, [&](float x) { return hid.k2(x); });
    const MatrixF kk = (kv.transpose() * kh) * inv;
    weights.array() += rbm.weights().array() * kk.array();
  }
  if (order >= 3) {
    const MatrixF kv = map_elements(visible, [&](float x) { return vis.k3(x); });
    const MatrixF kh = map_elements(hidden, [&](float x) { return hid.k3(x); });
    const MatrixF kk = (kv.transpose() * kh) * inv;
    weights.array() += 0.5f * rbm.weights().array().square() * kk.array();
  }
  visible_bias = visible.colwise().sum().transpose() * inv;
  hidden_bias = hidden.colwise().sum().transpose() * inv;
}

}  // namespace rgflow::estimate
