#include "rgflow/rbm/rbm.hpp"

#include <algorithm>
#include <cmath>
#include <utility>
#include <fmt/format.h>

#include "chunked_gibbs.hpp"
#include "rgflow/core/gemm.hpp"
#include "rgflow/rbm/sampling_kernels.hpp"

namespace rgflow {

Rbm::Rbm(Index n_visible, Index n_hidden, UnitType visible, UnitType hidden)
    : weights_(MatrixF::Zero(n_visible, n_hidden)),
      visible_bias_(VectorF::Zero(n_visible)),
      hidden_bias_(VectorF::Zero(n_hidden)),
      visible_sigma_(VectorF::Ones(n_visible)),
      hidden_sigma_(VectorF::Ones(n_hidden)),
      visible_type_(visible),
      hidden_type_(hidden) {
  if (n_visible <= 0 || n_hidden <= 0) {
    throw Error(fmt::format("an RBM needs at least one visible and one hidden unit (got {} x {})",
                            n_visible, n_hidden));
  }
  dispatch(visible_units(), hidden_units(), [](auto vis, auto hid) {
    if constexpr (!decltype(vis)::enumerable && !decltype(hid)::enumerable) {
      throw Error("an RBM cannot have gaussian units on both layers (its energy is unbounded below)");
    }
  });
}

bool Rbm::binary() const {
  return dispatch(visible_units(), hidden_units(), [](auto vis, auto hid) {
    return decltype(vis)::enumerable && decltype(hid)::enumerable;
  });
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
    dispatch(visible_units(), [&](auto u) {
      for (Index i = 0; i < n_visible(); ++i) {
        visible_bias_[i] = static_cast<float>(decltype(u)::initial_bias(mean[i]));
      }
    });
  }
}

namespace {

// Σ_i U_i(x_i) of one state, in float64.
template <class U>
double self_energy(const U& u, const Eigen::Ref<const VectorD>& x) {
  double acc = 0.0;
  for (Index i = 0; i < x.size(); ++i) acc += u.self_energy(i, x[i]);
  return acc;
}

// x ↦ t(x) row by row (a copy; the identity for binary units).
template <class U>
MatrixF statistic_of(const U& u, const MatrixF& x) {
  if constexpr (!U::has_sigma) {
    return x;
  } else {
    MatrixF t(x.rows(), x.cols());
    for (Index r = 0; r < x.rows(); ++r) {
      for (Index i = 0; i < x.cols(); ++i) t(r, i) = static_cast<float>(u.statistic(i, x(r, i)));
    }
    return t;
  }
}

// F of each row of X (one layer's states) given `field`, the other layer's fields:
// Σ_i U_i(x_i) − Σ_o log_partition_o(φ_o).
template <class Self, class Other>
VectorD free_energy(const Self& self, const Other& other, const MatrixF& X, const MatrixF& field) {
  VectorD out(X.rows());
  for (Index r = 0; r < X.rows(); ++r) {
    double acc = 0.0;
    for (Index i = 0; i < X.cols(); ++i) acc += self.self_energy(i, static_cast<double>(X(r, i)));
    for (Index o = 0; o < field.cols(); ++o) acc -= other.log_partition(o, static_cast<double>(field(r, o)));
    out[r] = acc;
  }
  return out;
}

// Replaces the field in `x` by the conditional mean (binary units: the vectorised kernels of
// rbm/sampling_kernels.hpp; Gaussian: the field itself).
template <class U>
void mean_in_place(const U&, MatrixF& m) {
  if constexpr (U::enumerable) {
    kernels::mean(U::type, std::span<float>(m.data(), static_cast<std::size_t>(m.size())));
  }
}

// Replaces the field in `x` by a sample; writes the mean first when asked. Binary units: one Rng
// word per unit in row-major order (the kernels); Gaussian: x = φ + σ ξ, one normal per unit in
// row-major order, so a row's noise does not depend on the batch size.
template <class U>
void sample_in_place(const U& u, MatrixF& x, Rng& rng, MatrixF* mean) {
  if constexpr (U::enumerable) {
    if (mean != nullptr) mean->resize(x.rows(), x.cols());
    kernels::sample(U::type, std::span<float>(x.data(), static_cast<std::size_t>(x.size())), rng,
                    mean != nullptr ? mean->data() : nullptr);
  } else {
    if (mean != nullptr) *mean = x;
    for (Index r = 0; r < x.rows(); ++r) {
      for (Index i = 0; i < x.cols(); ++i) x(r, i) = u.draw(i, x(r, i), rng);
    }
  }
}

}  // namespace

double Rbm::energy(const Eigen::Ref<const VectorF>& v, const Eigen::Ref<const VectorF>& h) const {
  const VectorD vd = v.cast<double>();
  const VectorD hd = h.cast<double>();
  return dispatch(visible_units(), hidden_units(), [&](auto vis, auto hid) {
    VectorD tv(vd.size()), th(hd.size());
    for (Index i = 0; i < vd.size(); ++i) tv[i] = vis.statistic(i, vd[i]);
    for (Index j = 0; j < hd.size(); ++j) th[j] = hid.statistic(j, hd[j]);
    return self_energy(vis, vd) + self_energy(hid, hd) - tv.dot(weights_.cast<double>() * th);
  });
}

VectorD Rbm::free_energy_visible(const MatrixF& V) const {
  MatrixF field;
  hidden_field(V, field);
  return dispatch(visible_units(), hidden_units(),
                  [&](auto vis, auto hid) { return free_energy(vis, hid, V, field); });
}

VectorD Rbm::free_energy_hidden(const MatrixF& H) const {
  MatrixF field;
  visible_field(H, field);
  return dispatch(visible_units(), hidden_units(),
                  [&](auto vis, auto hid) { return free_energy(hid, vis, H, field); });
}

MatrixF Rbm::visible_statistic(const MatrixF& V) const {
  return dispatch(visible_units(), [&](auto u) { return statistic_of(u, V); });
}

MatrixF Rbm::hidden_statistic(const MatrixF& H) const {
  return dispatch(hidden_units(), [&](auto u) { return statistic_of(u, H); });
}

namespace {

// f(first, size) over the fixed column blocks of an m × n product with inner size k
// (chunked::gemm_chunks: a function of n alone), on the OpenMP team when the product is large
// and the caller is outside any parallel region, else in order on the calling thread; the bits
// are the same either way.
template <class F>
void columns_in_parallel(Index m, Index k, Index n, F&& f) {
  const std::vector<Index> chunks = chunked::gemm_chunks(n);
  const int threads = omp_in_parallel() != 0 ? 1 : chunked::update_threads(m, k, n);
  if (threads > 1) {
#pragma omp parallel num_threads(threads)
    chunked::for_chunks(chunks, f);
    return;
  }
  for (std::size_t c = 0; c + 1 < chunks.size(); ++c) f(chunks[c], chunks[c + 1] - chunks[c]);
}

}  // namespace

void Rbm::hidden_field(const MatrixF& V, MatrixF& field) const {
  dispatch(visible_units(), [&](auto u) {
    if constexpr (decltype(u)::has_sigma) {
      const VectorF inv_var = visible_sigma_.array().square().inverse();
      field.noalias() = V * (inv_var.asDiagonal() * weights_);  // t(V) W without forming t(V)
    } else {
      field.resize(V.rows(), weights_.cols());
      columns_in_parallel(V.rows(), weights_.rows(), weights_.cols(), [&](Index j0, Index nj) {
        gemm::product(1.0f, V, false, weights_.middleCols(j0, nj), false, 0.0f, field.middleCols(j0, nj));
      });
    }
  });
  field.rowwise() += hidden_bias_.transpose();
}

void Rbm::visible_field(const MatrixF& H, MatrixF& field) const {
  dispatch(hidden_units(), [&](auto u) {
    if constexpr (decltype(u)::has_sigma) {
      const VectorF inv_var = hidden_sigma_.array().square().inverse();
      field.noalias() = H * (inv_var.asDiagonal() * weights_.transpose());
    } else {
      field.resize(H.rows(), weights_.rows());
      columns_in_parallel(H.rows(), weights_.cols(), weights_.rows(), [&](Index i0, Index ni) {
        gemm::product(1.0f, H, false, weights_.middleRows(i0, ni), true, 0.0f, field.middleCols(i0, ni));
      });
    }
  });
  field.rowwise() += visible_bias_.transpose();
}

void Rbm::hidden_mean(const MatrixF& V, MatrixF& mean) const {
  hidden_field(V, mean);
  dispatch(hidden_units(), [&](auto u) { mean_in_place(u, mean); });
}

void Rbm::visible_mean(const MatrixF& H, MatrixF& mean) const {
  visible_field(H, mean);
  dispatch(visible_units(), [&](auto u) { mean_in_place(u, mean); });
}

void Rbm::sample_hidden(const MatrixF& V, MatrixF& H, Rng& rng, MatrixF* mean) const {
  hidden_field(V, H);
  dispatch(hidden_units(), [&](auto u) { sample_in_place(u, H, rng, mean); });
}

void Rbm::sample_visible(const MatrixF& H, MatrixF& V, Rng& rng, MatrixF* mean) const {
  visible_field(H, V);
  dispatch(visible_units(), [&](auto u) { sample_in_place(u, V, rng, mean); });
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

namespace {

void check_sigma(const VectorF& sigma, Index n, const char* layer) {
  if (sigma.size() != n) {
    throw Error(fmt::format("inconsistent RBM shapes: {} {} units but {} sigmas", n, layer,
                            sigma.size()));
  }
  for (Index i = 0; i < n; ++i) {
    if (!(sigma[i] > 0.0f) || !std::isfinite(sigma[i])) {
      throw Error(fmt::format("gaussian {} unit {} has sigma {}; it must be positive and finite",
                              layer, i, sigma[i]));
    }
  }
}

}  // namespace

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
  dispatch(visible_units(), hidden_units(), [&](auto vis, auto hid) {
    if constexpr (decltype(vis)::has_sigma) check_sigma(visible_sigma_, n_visible(), "visible");
    if constexpr (decltype(hid)::has_sigma) check_sigma(hidden_sigma_, n_hidden(), "hidden");
    if constexpr (!decltype(vis)::enumerable && !decltype(hid)::enumerable) {
      throw Error("an RBM cannot have gaussian units on both layers (its energy is unbounded below)");
    }
  });
}

void Rbm::check_visible_data(const MatrixF& data, const std::string& source) const {
  if (data.cols() != n_visible()) {
    throw FileError(source, fmt::format("data has {} columns but the model has {} visible units",
                                        data.cols(), n_visible()));
  }
  dispatch(visible_units(), [&](auto u) {
    using U = decltype(u);
    for (Index r = 0; r < data.rows(); ++r) {
      for (Index c = 0; c < data.cols(); ++c) {
        const float x = data(r, c);
        if (U::valid(x)) continue;
        if constexpr (U::enumerable) {
          throw FileError(source, fmt::format("value {} at row {}, column {} is not a {} state", x,
                                              r, c, to_string(U::type)));
        } else {
          throw FileError(source, fmt::format("value {} at row {}, column {} is not finite "
                                              "({} units need real numbers)",
                                              x, r, c, to_string(U::type)));
        }
      }
    }
  });
}

}  // namespace rgflow
