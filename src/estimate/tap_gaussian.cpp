// TAP free energy of RBMs with Gaussian visible units (estimate/tap_gaussian.hpp,
// docs/gaussian.md §4).
#include "rgflow/estimate/tap_gaussian.hpp"

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

constexpr double kLog2Pi = 1.8378770664093454836;

double xlogx(double x) { return x > 0.0 ? x * std::log(x) : 0.0; }

// Single hidden unit: entropy, mean, variance κ₂ and its derivative; Bernoulli or spin.
struct Hidden {
  bool bernoulli;
  double entropy(double m) const {
    if (bernoulli) return -xlogx(m) - xlogx(1.0 - m);
    const double p = 0.5 * (1.0 + m);
    return -xlogx(p) - xlogx(1.0 - p);
  }
  double mean(double field) const { return bernoulli ? sigmoid(field) : std::tanh(field); }
  double k2(double m) const { return bernoulli ? m - m * m : 1.0 - m * m; }
  double dk2(double m) const { return bernoulli ? 1.0 - 2.0 * m : -2.0 * m; }
  double lower() const { return bernoulli ? 0.0 : -1.0; }
};

struct Model {
  MatrixD w;        // W
  MatrixD w2_prec;  // W_ij² / σ_i²
  VectorD a, b, precision, log_norm;  // precision 1/σ², log_norm ½ log(2πσ²)
  Hidden hid{true};
};

void check_model(const Rbm& rbm, const char* what) {
  if (rbm.visible_type() != UnitType::gaussian) {
    throw Error(fmt::format("{}: the model has {} visible units; this TAP free energy is for "
                            "gaussian visible units (see estimate/tap.hpp for binary ones)",
                            what, to_string(rbm.visible_type())));
  }
  rbm.validate();
}

Model make_model(const Rbm& rbm) {
  Model m;
  m.w = rbm.weights().cast<double>();
  m.a = rbm.visible_bias().cast<double>();
  m.b = rbm.hidden_bias().cast<double>();
  const VectorD sigma = rbm.visible_sigma().cast<double>();
  m.precision = sigma.array().square().inverse();
  m.log_norm = 0.5 * kLog2Pi + sigma.array().log();
  m.w2_prec = m.precision.asDiagonal() * m.w.array().square().matrix();
  m.hid = Hidden{rbm.hidden_type() == UnitType::bernoulli};
  return m;
}

void check_state(const Model& model, const VectorD& mv, const VectorD& mh, const char* what) {
  if (mv.size() != model.a.size() || mh.size() != model.b.size()) {
    throw Error(fmt::format("{}: magnetisations have {} and {} entries, the model is {} x {}", what,
                            mv.size(), mh.size(), model.a.size(), model.b.size()));
  }
  if (!mv.allFinite()) throw Error(fmt::format("{}: visible means are not finite", what));
  for (Index j = 0; j < mh.size(); ++j) {
    if (!(mh[j] >= model.hid.lower() && mh[j] <= 1.0)) {
      throw Error(fmt::format("{}: hidden magnetisation {} = {} is outside [{}, 1]", what, j, mh[j],
                              model.hid.lower()));
    }
  }
}

VectorD hidden_k2(const Model& model, const VectorD& mh) {
  VectorD k(mh.size());
  for (Index j = 0; j < mh.size(); ++j) k[j] = model.hid.k2(mh[j]);
  return k;
}

double free_energy(const Model& model, const VectorD& mv, const VectorD& mh, int order) {
  const VectorD d = mv - model.a;
  double f = 0.5 * d.cwiseAbs2().dot(model.precision) - model.log_norm.sum();
  for (Index j = 0; j < mh.size(); ++j) f -= model.hid.entropy(mh[j]);
  f -= model.b.dot(mh) + mv.cwiseProduct(model.precision).dot(model.w * mh);
  if (order >= 2) f -= 0.5 * model.w2_prec.colwise().sum().dot(hidden_k2(model, mh));
  return f;
}

// Keeps a NaN once seen, so a diverging iteration is never "converged".
void track(double change, double& max_change) {
  if (!(change <= max_change) && !std::isnan(max_change)) max_change = change;
}

TapFixedPoint iterate(const Model& model, const TapOptions& options, VectorD mv,
                      StopSignal& stop) {
  const VectorD reaction = model.w2_prec.colwise().sum().transpose();  // Σ_i W_ij²/σ_i²
  const double damping = options.damping;
  VectorD mh(model.b.size());
  {
    const VectorD field = model.b + model.w.transpose() * mv.cwiseProduct(model.precision);
    for (Index j = 0; j < mh.size(); ++j) mh[j] = model.hid.mean(field[j]);
  }
  TapFixedPoint out;
  for (int it = 1; it <= options.max_iterations; ++it) {
    if (stop.check()) throw Cancelled();  // serial: no parallel region to leave first
    double max_change = 0.0;
    VectorD field = model.b + model.w.transpose() * mv.cwiseProduct(model.precision);
    for (Index j = 0; j < mh.size(); ++j) {
      const double phi = options.order >= 2 ? field[j] + 0.5 * model.hid.dk2(mh[j]) * reaction[j]
                                            : field[j];
      const double next = damping * mh[j] + (1.0 - damping) * model.hid.mean(phi);
      track(std::fabs(next - mh[j]), max_change);
      mh[j] = next;
    }
    const VectorD target = model.a + model.w * mh;
    for (Index i = 0; i < mv.size(); ++i) {
      const double next = damping * mv[i] + (1.0 - damping) * target[i];
      // Visible means are not bounded: measure their change relative to σ.
      track(std::fabs(next - mv[i]) * std::sqrt(model.precision[i]), max_change);
      mv[i] = next;
    }
    out.iterations = it;
    if (max_change < options.tolerance) {
      out.converged = true;
      break;
    }
  }
  out.free_energy = free_energy(model, mv, mh, options.order);
  out.visible = std::move(mv);
  out.hidden = std::move(mh);
  if (!std::isfinite(out.free_energy)) out.converged = false;
  return out;
}

}  // namespace

double gaussian_tap_free_energy(const Rbm& rbm, const VectorD& visible, const VectorD& hidden,
                                int order) {
  constexpr const char* what = "gaussian_tap_free_energy";
  check_model(rbm, what);
  check_order(order, what);
  const Model model = make_model(rbm);
  check_state(model, visible, hidden, what);
  return free_energy(model, visible, hidden, order);
}

GaussianTapGradient gaussian_tap_free_energy_gradient(const Rbm& rbm, const VectorD& visible,
                                                      const VectorD& hidden, int order) {
  constexpr const char* what = "gaussian_tap_free_energy_gradient";
  check_model(rbm, what);
  check_order(order, what);
  const Model model = make_model(rbm);
  check_state(model, visible, hidden, what);
  const VectorD scaled = visible.cwiseProduct(model.precision);  // m_i/σ_i²
  const VectorD d = visible - model.a;
  GaussianTapGradient g;
  g.parameters.visible_bias = -d.cwiseProduct(model.precision);
  g.parameters.hidden_bias = -hidden;
  g.parameters.weights = -scaled * hidden.transpose();
  g.log_sigma = -d.cwiseAbs2().cwiseProduct(model.precision) - VectorD::Ones(visible.size()) +
                2.0 * scaled.cwiseProduct(model.w * hidden);
  if (order >= 2) {
    const VectorD k = hidden_k2(model, hidden);
    g.parameters.weights -= model.precision.asDiagonal() * (model.w * k.asDiagonal());
    g.log_sigma += model.w2_prec * k;
  }
  return g;
}

TapFixedPoint gaussian_tap_fixed_point(const Rbm& rbm, const TapOptions& options,
                                       const VectorD* visible_start) {
  constexpr const char* what = "gaussian_tap_fixed_point";
  check_model(rbm, what);
  check_options(options, what);
  const Model model = make_model(rbm);
  VectorD start = model.a;
  if (visible_start != nullptr) {
    if (visible_start->size() != rbm.n_visible() || !visible_start->allFinite()) {
      throw Error(fmt::format("{}: the start must have {} finite entries", what, rbm.n_visible()));
    }
    start = *visible_start;
  }
  StopSignal stop(options.stop);
  return iterate(model, options, std::move(start), stop);
}

TapFixedPoint gaussian_tap_best_fixed_point(const Rbm& rbm, const TapOptions& options,
                                            const MatrixF* visible_starts) {
  constexpr const char* what = "gaussian_tap_best_fixed_point";
  check_model(rbm, what);
  check_options(options, what);
  const Model model = make_model(rbm);
  std::vector<VectorD> starts{model.a};
  append_starts(starts, visible_starts, rbm.n_visible(), what,
                [](const VectorD& row) { return row; });
  return best_of_starts(starts, options, [&](VectorD start, StopSignal& stop) {
    return iterate(model, options, std::move(start), stop);
  });
}

stats::Result gaussian_tap_log_partition(const Rbm& rbm, const TapOptions& options,
                                         const MatrixF* visible_starts) {
  return log_partition(gaussian_tap_best_fixed_point(rbm, options, visible_starts), options,
                       "gaussian_tap_log_partition");
}

// ---------------------------------------------------------------------------------------------
// Batched float32 form for EMF training.

namespace {

void check_batch(const Rbm& rbm, int order, const MatrixF& visible, const MatrixF& hidden,
                 const char* what) {
  check_model(rbm, what);
  check_order(order, what);
  if (visible.cols() != rbm.n_visible() || hidden.cols() != rbm.n_hidden() ||
      visible.rows() != hidden.rows() || visible.rows() < 1) {
    throw Error(fmt::format("{}: magnetisations are {}x{} and {}x{}, the model is {} x {}", what,
                            visible.rows(), visible.cols(), hidden.rows(), hidden.cols(),
                            rbm.n_visible(), rbm.n_hidden()));
  }
  if (!visible.allFinite()) throw Error(fmt::format("{}: visible means are not finite", what));
  const float lo = rbm.hidden_type() == UnitType::bernoulli ? 0.0f : -1.0f;
  if (!((hidden.array() >= lo) && (hidden.array() <= 1.0f)).all()) {
    throw Error(fmt::format("{}: hidden magnetisations outside [{}, 1]", what, lo));
  }
}

VectorF visible_precision(const Rbm& rbm) {
  return rbm.visible_sigma().array().square().inverse();
}

}  // namespace

void gaussian_tap_sweeps(const Rbm& rbm, int order, int sweeps, double damping, MatrixF& visible,
                         MatrixF& hidden) {
  constexpr const char* what = "gaussian_tap_sweeps";
  check_batch(rbm, order, visible, hidden, what);
  if (!(damping >= 0.0 && damping < 1.0)) {
    throw Error(fmt::format("{}: damping must be in [0, 1) (got {})", what, damping));
  }
  if (sweeps < 1) throw Error(fmt::format("{}: sweeps must be at least 1 (got {})", what, sweeps));
  const MatrixF& w = rbm.weights();
  const VectorF& a = rbm.visible_bias();
  const VectorF& b = rbm.hidden_bias();
  const VectorF precision = visible_precision(rbm);
  const bool bernoulli = rbm.hidden_type() == UnitType::bernoulli;
  // ½ Σ_i W_ij²/σ_i²: the Onsager field is ½κ₂'(m_j) times this (κ₂ of a Gaussian unit is σ²).
  VectorF half_reaction = VectorF::Zero(rbm.n_hidden());
  if (order >= 2) {
    half_reaction = 0.5f * (w.array().square().matrix().transpose() * precision);
  }
  const auto d = static_cast<float>(damping);
  const float e = 1.0f - d;
  const Index p = visible.rows();
  MatrixF product;
  for (int t = 0; t < sweeps; ++t) {
    product.noalias() = hidden * w.transpose();  // (W m_h) per particle
    for (Index i = 0; i < visible.cols(); ++i) {
      for (Index r = 0; r < p; ++r) visible(r, i) = d * visible(r, i) + e * (a[i] + product(r, i));
    }
    product.noalias() = (visible * precision.asDiagonal()) * w;  // Wᵀ(m_v/σ²) per particle
    for (Index j = 0; j < hidden.cols(); ++j) {
      for (Index r = 0; r < p; ++r) {
        const float m = hidden(r, j);
        float phi = b[j] + product(r, j);
        if (order >= 2) phi += (bernoulli ? 1.0f - 2.0f * m : -2.0f * m) * half_reaction[j];
        hidden(r, j) = d * m + e * (bernoulli ? sigmoid(phi) : std::tanh(phi));
      }
    }
  }
}

void gaussian_tap_negative_phase(const Rbm& rbm, int order, const MatrixF& visible,
                                 const MatrixF& hidden, MatrixF& weights, VectorF& visible_bias,
                                 VectorF& hidden_bias, VectorF* log_sigma) {
  constexpr const char* what = "gaussian_tap_negative_phase";
  check_batch(rbm, order, visible, hidden, what);
  const MatrixF& w = rbm.weights();
  const VectorF& a = rbm.visible_bias();
  const VectorF precision = visible_precision(rbm);
  const bool bernoulli = rbm.hidden_type() == UnitType::bernoulli;
  const float inv = 1.0f / static_cast<float>(visible.rows());
  weights.noalias() = (visible.transpose() * hidden) * inv;
  VectorF mean_k2;
  if (order >= 2) {
    mean_k2 = VectorF::Zero(rbm.n_hidden());
    for (Index j = 0; j < hidden.cols(); ++j) {
      double acc = 0.0;
      for (Index r = 0; r < hidden.rows(); ++r) {
        const double m = hidden(r, j);
        acc += bernoulli ? m - m * m : 1.0 - m * m;
      }
      mean_k2[j] = static_cast<float>(acc / static_cast<double>(hidden.rows()));
    }
    weights.noalias() += w * mean_k2.asDiagonal();
  }
  weights = precision.asDiagonal() * weights;
  visible_bias = (visible.colwise().sum().transpose() * inv - a).cwiseProduct(precision);
  hidden_bias = hidden.colwise().sum().transpose() * inv;
  if (log_sigma == nullptr) return;
  // ⟨(m_i − a_i)² − 2 m_i (W m_h)_i⟩ accumulated in float64, as train::mean_log_sigma_statistic.
  const MatrixF wh = hidden * w.transpose();
  VectorD acc = VectorD::Zero(rbm.n_visible());
  for (Index i = 0; i < visible.cols(); ++i) {
    for (Index r = 0; r < visible.rows(); ++r) {
      const double m = visible(r, i);
      const double dm = m - static_cast<double>(a[i]);
      acc[i] += dm * dm - 2.0 * m * static_cast<double>(wh(r, i));
    }
  }
  acc /= static_cast<double>(visible.rows());
  if (order >= 2) acc -= (w.array().square().matrix() * mean_k2).cast<double>();
  log_sigma->resize(rbm.n_visible());
  for (Index i = 0; i < acc.size(); ++i) {
    (*log_sigma)[i] = static_cast<float>(acc[i] * static_cast<double>(precision[i]) + 1.0);
  }
}

}  // namespace rgflow::estimate
