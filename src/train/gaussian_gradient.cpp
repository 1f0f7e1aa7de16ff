#include "rgflow/train/gaussian_gradient.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "rgflow/core/error.hpp"

namespace rgflow::train {

VectorD mean_log_sigma_statistic(const Rbm& rbm, const MatrixF& visible,
                                 const MatrixF& hidden_mean) {
  if (visible.cols() != rbm.n_visible() || hidden_mean.cols() != rbm.n_hidden() ||
      visible.rows() != hidden_mean.rows() || visible.rows() == 0) {
    throw Error("log-sigma statistic: visible and hidden rows do not match the model");
  }
  // (W E[h|v])_i per row: one GEMM.
  const MatrixF wh = hidden_mean * rbm.weights().transpose();
  const VectorD a = rbm.visible_bias().cast<double>();
  VectorD acc = VectorD::Zero(rbm.n_visible());
  for (Index r = 0; r < visible.rows(); ++r) {
    for (Index i = 0; i < visible.cols(); ++i) {
      const double v = visible(r, i);
      const double d = v - a[i];
      acc[i] += d * d - 2.0 * v * static_cast<double>(wh(r, i));
    }
  }
  const VectorD var = rbm.visible_sigma().cast<double>().array().square();
  return (acc.array() / var.array()).matrix() / static_cast<double>(visible.rows());
}

void add_gaussian_visible_terms(const Rbm& rbm, const MatrixF& positive,
                                const MatrixF& positive_hidden_mean, const MatrixF& negative,
                                const MatrixF& negative_hidden_mean, Gradient& grad) {
  if (rbm.visible_type() != UnitType::gaussian) {
    grad.d_log_sigma.resize(0);
    return;
  }
  const VectorF inv_var = rbm.visible_sigma().array().square().inverse();
  grad.dW = inv_var.asDiagonal() * grad.dW;
  grad.da = grad.da.cwiseProduct(inv_var);
  if (!rbm.learn_sigma()) {
    grad.d_log_sigma.resize(0);
    return;
  }
  grad.d_log_sigma = (mean_log_sigma_statistic(rbm, positive, positive_hidden_mean) -
                      mean_log_sigma_statistic(rbm, negative, negative_hidden_mean))
                         .cast<float>();
}

void step_log_sigma(Rbm& rbm, const Gradient& grad, float learning_rate) {
  if (rbm.visible_type() != UnitType::gaussian || !rbm.learn_sigma() ||
      grad.d_log_sigma.size() == 0) {
    return;
  }
  if (grad.d_log_sigma.size() != rbm.n_visible()) {
    throw Error(fmt::format("optimizer: log-sigma gradient has {} entries for {} visible units",
                            grad.d_log_sigma.size(), rbm.n_visible()));
  }
  VectorF& sigma = rbm.visible_sigma();
  for (Index i = 0; i < sigma.size(); ++i) {
    // Clipped: σ enters the energy through 1/σ², so one large step can collapse a unit's variance.
    const float step = std::clamp(learning_rate * grad.d_log_sigma[i], -0.1f, 0.1f);
    sigma[i] = std::max(kMinSigma, sigma[i] * std::exp(step));
  }
}

}  // namespace rgflow::train
