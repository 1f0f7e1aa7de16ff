#include "rgflow/rbm/rbm.hpp"

#include <algorithm>
#include <cmath>
#include <utility>
#include <fmt/format.h>

#include "rgflow/rbm/sampling_kernels.hpp"

namespace rgflow {

Rbm::Rbm(Index n_visible, Index n_hidden, UnitType visible, UnitType hidden)
    : weights_(MatrixF::Zero(n_visible, n_hidden)),
      visible_bias_(VectorF::Zero(n_visible)),
      hidden_bias_(VectorF::Zero(n_hidden)),
      visible_sigma_(VectorF::Ones(n_visible)),
      visible_type_(visible),
      hidden_type_(hidden) {
  if (n_visible <= 0 || n_hidden <= 0) {
    throw Error(fmt::format("an RBM needs at least one visible and one hidden unit (got {} x {})",
                            n_visible, n_hidden));
  }
  // Reject unsupported unit types at construction rather than deep inside training: Gaussian
  // units only on the visible layer.
  if (hidden == UnitType::gaussian) throw Error("gaussian hidden units are not supported");
  if (visible != UnitType::gaussian) dispatch(visible, [](auto) {});
}

void Rbm::initialize(Rng& rng, const MatrixF* data, float weight_std) {
  for (Index i = 0; i < weights_.size(); ++i) {
    weights_.data()[i] = static_cast<float>(weight_std * rng.normal());
  }
  apply_mask();  // the draws stay the same with or without a mask; masked weights become 0
  hidden_bias_.setZero();
  visible_bias_.setZero();
  if (data != nullptr && data->rows() > 0) {
    const VectorD mean = data->cast<double>().colwise().mean().transpose();
    for (Index i = 0; i < n_visible(); ++i) {
      if (visible_type_ == UnitType::gaussian) {
        visible_bias_[i] = static_cast<float>(mean[i]);
      } else if (visible_type_ == UnitType::spin) {
        const double m = std::clamp(mean[i], -1.0 + 2e-3, 1.0 - 2e-3);
        visible_bias_[i] = static_cast<float>(std::atanh(m));
      } else {
        const double p = std::clamp(mean[i], 1e-3, 1.0 - 1e-3);
        visible_bias_[i] = static_cast<float>(std::log(p / (1.0 - p)));
      }
    }
  }
}

double Rbm::energy(const Eigen::Ref<const VectorF>& v, const Eigen::Ref<const VectorF>& h) const {
  const VectorD vd = v.cast<double>();
  const VectorD hd = h.cast<double>();
  if (visible_type_ == UnitType::gaussian) {
    const VectorD var = visible_sigma_.cast<double>().array().square();
    const VectorD a = visible_bias_.cast<double>();
    return ((vd - a).array().square() / (2.0 * var.array())).sum() -
           hidden_bias_.cast<double>().dot(hd) -
           (vd.array() / var.array()).matrix().dot(weights_.cast<double>() * hd);
  }
  return -visible_bias_.cast<double>().dot(vd) - hidden_bias_.cast<double>().dot(hd) -
         vd.dot(weights_.cast<double>() * hd);
}

VectorD Rbm::free_energy_visible(const MatrixF& V) const {
  MatrixF field;
  hidden_field(V, field);
  VectorD out(V.rows());
  dispatch(hidden_type_, [&](auto H) {
    using Hid = decltype(H);
    for (Index r = 0; r < V.rows(); ++r) {
      double acc = 0.0;
      if (visible_type_ == UnitType::gaussian) {
        for (Index i = 0; i < V.cols(); ++i) {
          const double d = static_cast<double>(V(r, i)) - visible_bias_[i];
          const double s = visible_sigma_[i];
          acc += d * d / (2.0 * s * s);
        }
      } else {
        acc = -static_cast<double>(V.row(r).dot(visible_bias_.transpose()));
      }
      for (Index j = 0; j < field.cols(); ++j) acc -= Hid::log_partition(static_cast<double>(field(r, j)));
      out[r] = acc;
    }
  });
  return out;
}

VectorD Rbm::free_energy_hidden(const MatrixF& H) const {
  MatrixF field;
  visible_field(H, field);
  VectorD out(H.rows());
  if (visible_type_ == UnitType::gaussian) {
    // −F(h) = bᵀh + Σ_i [(μ_i² − a_i²)/(2σ_i²) + ½ log(2πσ_i²)], μ = a + W h (Gaussian integral).
    constexpr double kLog2Pi = 1.8378770664093454836;
    double constant = 0.0;
    for (Index i = 0; i < n_visible(); ++i) {
      const double s = visible_sigma_[i];
      constant += 0.5 * kLog2Pi + std::log(s);
    }
    for (Index r = 0; r < H.rows(); ++r) {
      double acc = -static_cast<double>(H.row(r).dot(hidden_bias_.transpose())) - constant;
      for (Index i = 0; i < field.cols(); ++i) {
        const double mu = field(r, i);
        const double a = visible_bias_[i];
        const double s = visible_sigma_[i];
        acc -= (mu * mu - a * a) / (2.0 * s * s);
      }
      out[r] = acc;
    }
    return out;
  }
  dispatch(visible_type_, [&](auto Vis) {
    using V = decltype(Vis);
    for (Index r = 0; r < H.rows(); ++r) {
      double acc = -static_cast<double>(H.row(r).dot(hidden_bias_.transpose()));
      for (Index i = 0; i < field.cols(); ++i) acc -= V::log_partition(static_cast<double>(field(r, i)));
      out[r] = acc;
    }
  });
  return out;
}

void Rbm::hidden_field(const MatrixF& V, MatrixF& field) const {
  if (visible_type_ == UnitType::gaussian) {
    const VectorF inv_var = visible_sigma_.array().square().inverse();
    field.noalias() = V * (inv_var.asDiagonal() * weights_);
  } else {
    field.noalias() = V * weights_;
  }
  field.rowwise() += hidden_bias_.transpose();
}

void Rbm::visible_field(const MatrixF& H, MatrixF& field) const {
  field.noalias() = H * weights_.transpose();
  field.rowwise() += visible_bias_.transpose();
}

namespace {

// Both go through the vectorised kernels (rbm/sampling_kernels.hpp): the same definitions as
// Units::mean / Units::sample, one Rng word per unit in row-major order.
template <class Units>
void mean_in_place(MatrixF& m) {
  kernels::mean(Units::type, std::span<float>(m.data(), static_cast<std::size_t>(m.size())));
}

// Replaces the field in `x` by a sample; writes the mean first when asked.
template <class Units>
void sample_in_place(MatrixF& x, Rng& rng, MatrixF* mean) {
  if (mean != nullptr) mean->resize(x.rows(), x.cols());
  kernels::sample(Units::type, std::span<float>(x.data(), static_cast<std::size_t>(x.size())), rng,
                  mean != nullptr ? mean->data() : nullptr);
}

}  // namespace

void Rbm::hidden_mean(const MatrixF& V, MatrixF& mean) const {
  hidden_field(V, mean);
  dispatch(hidden_type_, [&](auto u) { mean_in_place<decltype(u)>(mean); });
}

void Rbm::visible_mean(const MatrixF& H, MatrixF& mean) const {
  visible_field(H, mean);
  if (visible_type_ == UnitType::gaussian) return;  // E[v | h] = a + W h
  dispatch(visible_type_, [&](auto u) { mean_in_place<decltype(u)>(mean); });
}

void Rbm::sample_hidden(const MatrixF& V, MatrixF& H, Rng& rng, MatrixF* mean) const {
  hidden_field(V, H);
  dispatch(hidden_type_, [&](auto u) { sample_in_place<decltype(u)>(H, rng, mean); });
}

void Rbm::sample_visible(const MatrixF& H, MatrixF& V, Rng& rng, MatrixF* mean) const {
  visible_field(H, V);
  if (visible_type_ == UnitType::gaussian) {
    if (mean != nullptr) *mean = V;
    // Row-major order of the draws, so that a row's noise does not depend on the batch size.
    for (Index r = 0; r < V.rows(); ++r) {
      for (Index i = 0; i < V.cols(); ++i) {
        V(r, i) += visible_sigma_[i] * static_cast<float>(rng.normal());
      }
    }
    return;
  }
  dispatch(visible_type_, [&](auto u) { sample_in_place<decltype(u)>(V, rng, mean); });
}

void Rbm::gibbs(MatrixF& V, MatrixF& H, int steps, Rng& rng) const {
  for (int k = 0; k < steps; ++k) {
    sample_hidden(V, H, rng);
    sample_visible(H, V, rng);
  }
}

void Rbm::set_mask(MatrixF mask) {
  if (mask.size() != 0) {
    if (mask.rows() != n_visible() || mask.cols() != n_hidden()) {
      throw Error(fmt::format("weight mask has shape {}x{} but the weights are {}x{}", mask.rows(),
                              mask.cols(), n_visible(), n_hidden()));
    }
    if (!(mask.array() == 0.0f || mask.array() == 1.0f).all()) {
      throw Error("weight mask entries must be 0 or 1");
    }
  }
  mask_ = std::move(mask);
  apply_mask();
}

void Rbm::apply_mask() {
  if (has_mask()) weights_.array() *= mask_.array();
}

void Rbm::validate() const {
  if (visible_bias_.size() != weights_.rows() || hidden_bias_.size() != weights_.cols()) {
    throw Error(fmt::format("inconsistent RBM shapes: weights {}x{}, visible bias {}, hidden bias {}",
                            weights_.rows(), weights_.cols(), visible_bias_.size(),
                            hidden_bias_.size()));
  }
  if (!weights_.allFinite() || !visible_bias_.allFinite() || !hidden_bias_.allFinite()) {
    throw Error("RBM parameters contain NaN or infinite values");
  }
  if (has_mask() && (mask_.rows() != weights_.rows() || mask_.cols() != weights_.cols())) {
    throw Error(fmt::format("weight mask has shape {}x{} but the weights are {}x{}", mask_.rows(),
                            mask_.cols(), weights_.rows(), weights_.cols()));
  }
  if (visible_type_ == UnitType::gaussian) {
    if (visible_sigma_.size() != weights_.rows()) {
      throw Error(fmt::format("inconsistent RBM shapes: {} visible units but {} sigmas",
                              weights_.rows(), visible_sigma_.size()));
    }
    for (Index i = 0; i < visible_sigma_.size(); ++i) {
      if (!(visible_sigma_[i] > 0.0f) || !std::isfinite(visible_sigma_[i])) {
        throw Error(fmt::format("gaussian visible unit {} has sigma {}; it must be positive and "
                                "finite", i, visible_sigma_[i]));
      }
    }
  }
}

void Rbm::check_visible_data(const MatrixF& data, const std::string& source) const {
  if (data.cols() != n_visible()) {
    throw FileError(source, fmt::format("data has {} columns but the model has {} visible units",
                                        data.cols(), n_visible()));
  }
  if (visible_type_ == UnitType::gaussian) {
    for (Index r = 0; r < data.rows(); ++r) {
      for (Index c = 0; c < data.cols(); ++c) {
        if (!std::isfinite(data(r, c))) {
          throw FileError(source, fmt::format("value {} at row {}, column {} is not finite "
                                              "(gaussian visible units need real numbers)",
                                              data(r, c), r, c));
        }
      }
    }
    return;
  }
  dispatch(visible_type_, [&](auto u) {
    using U = decltype(u);
    for (Index r = 0; r < data.rows(); ++r) {
      for (Index c = 0; c < data.cols(); ++c) {
        const float x = data(r, c);
        if (!U::valid(x)) {
          throw FileError(source, fmt::format("value {} at row {}, column {} is not a {} state", x,
                                              r, c, to_string(U::type)));
        }
      }
    }
  });
}

}  // namespace rgflow
