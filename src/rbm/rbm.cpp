#include "rgflow/rbm/rbm.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace rgflow {

Rbm::Rbm(Index n_visible, Index n_hidden, UnitType visible, UnitType hidden)
    : weights_(MatrixF::Zero(n_visible, n_hidden)),
      visible_bias_(VectorF::Zero(n_visible)),
      hidden_bias_(VectorF::Zero(n_hidden)),
      visible_type_(visible),
      hidden_type_(hidden) {
  if (n_visible <= 0 || n_hidden <= 0) {
    throw Error(fmt::format("an RBM needs at least one visible and one hidden unit (got {} x {})",
                            n_visible, n_hidden));
  }
  // Reject unsupported unit types at construction rather than deep inside training.
  dispatch(visible, hidden, [](auto, auto) {});
}

void Rbm::initialize(Rng& rng, const MatrixF* data, float weight_std) {
  for (Index i = 0; i < weights_.size(); ++i) {
    weights_.data()[i] = static_cast<float>(weight_std * rng.normal());
  }
  hidden_bias_.setZero();
  visible_bias_.setZero();
  if (data != nullptr && data->rows() > 0) {
    const VectorD mean = data->cast<double>().colwise().mean().transpose();
    for (Index i = 0; i < n_visible(); ++i) {
      if (visible_type_ == UnitType::spin) {
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
      double acc = -static_cast<double>(V.row(r).dot(visible_bias_.transpose()));
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
  field.noalias() = V * weights_;
  field.rowwise() += hidden_bias_.transpose();
}

void Rbm::visible_field(const MatrixF& H, MatrixF& field) const {
  field.noalias() = H * weights_.transpose();
  field.rowwise() += visible_bias_.transpose();
}

namespace {

template <class Units>
void mean_in_place(MatrixF& m) {
  float* p = m.data();
  for (Index i = 0; i < m.size(); ++i) p[i] = Units::mean(p[i]);
}

// Replaces the field in `x` by a sample; writes the mean first when asked.
template <class Units>
void sample_in_place(MatrixF& x, Rng& rng, MatrixF* mean) {
  if (mean != nullptr) {
    *mean = x;
    mean_in_place<Units>(*mean);
  }
  float* p = x.data();
  for (Index i = 0; i < x.size(); ++i) p[i] = Units::sample(p[i], rng.uniform());
}

}  // namespace

void Rbm::hidden_mean(const MatrixF& V, MatrixF& mean) const {
  hidden_field(V, mean);
  dispatch(hidden_type_, [&](auto u) { mean_in_place<decltype(u)>(mean); });
}

void Rbm::visible_mean(const MatrixF& H, MatrixF& mean) const {
  visible_field(H, mean);
  dispatch(visible_type_, [&](auto u) { mean_in_place<decltype(u)>(mean); });
}

void Rbm::sample_hidden(const MatrixF& V, MatrixF& H, Rng& rng, MatrixF* mean) const {
  hidden_field(V, H);
  dispatch(hidden_type_, [&](auto u) { sample_in_place<decltype(u)>(H, rng, mean); });
}

void Rbm::sample_visible(const MatrixF& H, MatrixF& V, Rng& rng, MatrixF* mean) const {
  visible_field(H, V);
  dispatch(visible_type_, [&](auto u) { sample_in_place<decltype(u)>(V, rng, mean); });
}

void Rbm::gibbs(MatrixF& V, MatrixF& H, int steps, Rng& rng) const {
  for (int k = 0; k < steps; ++k) {
    sample_hidden(V, H, rng);
    sample_visible(H, V, rng);
  }
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
}

void Rbm::check_visible_data(const MatrixF& data, const std::string& source) const {
  if (data.cols() != n_visible()) {
    throw FileError(source, fmt::format("data has {} columns but the model has {} visible units",
                                        data.cols(), n_visible()));
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
