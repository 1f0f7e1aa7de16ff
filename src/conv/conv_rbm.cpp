// Convolutional RBM: fields as strided periodic correlations (include/rgflow/conv/conv_rbm.hpp).
#include "rgflow/conv/conv_rbm.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "rgflow/core/error.hpp"

namespace rgflow::conv {

namespace {

// Below this many multiply-adds a batch loop runs on the calling thread (thread start-up and
// synchronisation would cost more than the work).
constexpr Index kParallelWork = Index{1} << 16;

void check_rows(const MatrixF& X, Index cols, const char* what) {
  if (X.cols() != cols) {
    throw Error(fmt::format("{} has {} columns, the convolutional RBM needs {}", what, X.cols(), cols));
  }
}

}  // namespace

void ConvShape::check() const {
  if (lattice < 2 || lattice > 1024) throw Error(fmt::format("lattice size {} must be in [2, 1024]", lattice));
  if (kernel < 1 || kernel > lattice) throw Error(fmt::format("kernel {} must be in [1, L = {}]", kernel, lattice));
  if (stride < 1 || stride > lattice || lattice % stride != 0) {
    throw Error(fmt::format("stride {} must divide the lattice size {}", stride, lattice));
  }
  if (channels < 1 || channels > 4096) throw Error(fmt::format("channels {} must be in [1, 4096]", channels));
  if (n_hidden() > (Index{1} << 24)) throw Error(fmt::format("{} hidden units is too many (at most 2^24)", n_hidden()));
}

std::pair<double, double> ConvShape::hidden_position(Index j) const {
  const Index M = hidden_side(), p = j % positions();
  const double half = 0.5 * static_cast<double>(kernel - 1), L = static_cast<double>(lattice);
  return {std::fmod(static_cast<double>(stride * (p / M)) + half, L), std::fmod(static_cast<double>(stride * (p % M)) + half, L)};
}

ConvShape parse_conv_spec(std::string_view spec, Index lattice) {
  ConvShape s;
  s.lattice = lattice;
  bool have_kernel = false;
  std::string_view rest = spec;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string_view part = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    const auto colon = part.find(':');
    if (colon == std::string_view::npos) {
      throw Error(fmt::format("'{}': expected NAME:VALUE (kernel:K,stride:S,channels:C)", part));
    }
    const std::string_view name = part.substr(0, colon), value = part.substr(colon + 1);
    long long x = 0;
    const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), x);
    if (ec != std::errc{} || ptr != value.data() + value.size() || x < 1 || x > (1 << 24)) {
      throw Error(fmt::format("'{}': the value must be a positive integer", part));
    }
    if (name == "kernel") {
      s.kernel = static_cast<Index>(x);
      have_kernel = true;
    } else if (name == "stride") {
      s.stride = static_cast<Index>(x);
    } else if (name == "channels") {
      s.channels = static_cast<Index>(x);
    } else {
      throw Error(fmt::format("'{}': unknown name (kernel, stride, channels)", name));
    }
  }
  if (!have_kernel) throw Error(fmt::format("'{}': kernel:K is required", spec));
  s.check();
  return s;
}

std::string to_string(const ConvShape& s) {
  return fmt::format("kernel:{},stride:{},channels:{}", s.kernel, s.stride, s.channels);
}

ConvRbm::ConvRbm(ConvShape shape, UnitType visible, UnitType hidden)
    : shape_(shape), visible_type_(visible), hidden_type_(hidden) {
  shape_.check();
  if (!is_binary(visible) || !is_binary(hidden)) {
    throw Error("convolutional RBMs have binary units only (bernoulli or spin)");
  }
  const Index K = shape_.kernel, L = shape_.lattice, S = shape_.stride, M = shape_.hidden_side();
  kernels_ = MatrixF::Zero(shape_.channels, shape_.kernel_size());
  hidden_bias_ = VectorF::Zero(shape_.channels);
  patch_.resize(static_cast<std::size_t>(shape_.positions() * shape_.kernel_size()));
  std::size_t n = 0;
  for (Index p1 = 0; p1 < M; ++p1) {
    for (Index p2 = 0; p2 < M; ++p2) {
      for (Index a = 0; a < K; ++a) {
        for (Index b = 0; b < K; ++b) {
          patch_[n++] = static_cast<std::int32_t>(((S * p1 + a) % L) * L + (S * p2 + b) % L);
        }
      }
    }
  }
}

void ConvRbm::initialize(Rng& rng, const MatrixF* data, float weight_std) {
  for (Index i = 0; i < kernels_.size(); ++i) kernels_.data()[i] = weight_std * static_cast<float>(rng.normal());
  hidden_bias_.setZero();
  visible_bias_ = 0.0f;
  if (data != nullptr && data->size() > 0) {
    const double m = data->cast<double>().mean();
    visible_bias_ = with_binary_units(visible_type_, [&](auto u) {
      using U = decltype(u);
      constexpr double off = U::state(0), on = U::state(1);
      const double clipped = std::fmin(std::fmax(m, off + 1e-3 * (on - off)), on - 1e-3 * (on - off));
      return static_cast<float>(U::initial_bias(clipped));
    });
  }
}

// Row kernels, templated on the accumulation type (float for sampling, double for F).
namespace {

template <class T>
void hidden_field_impl(const ConvRbm& m, const float* v, T* phi) {
  const Index P = m.shape().positions(), KK = m.shape().kernel_size(), C = m.shape().channels;
  const float* W = m.kernels().data();
  const std::int32_t* patch = m.patch_index().data();
  for (Index c = 0; c < C; ++c) {
    const float* w = W + c * KK;
    const T bias = static_cast<T>(m.hidden_bias()[c]);
    for (Index p = 0; p < P; ++p) {
      const std::int32_t* idx = patch + p * KK;
      T s = bias;
      for (Index k = 0; k < KK; ++k) s += static_cast<T>(w[k]) * static_cast<T>(v[idx[k]]);
      phi[c * P + p] = s;
    }
  }
}

template <class T>
void visible_field_impl(const ConvRbm& m, const float* h, T* psi) {
  const Index P = m.shape().positions(), KK = m.shape().kernel_size(), C = m.shape().channels;
  const float* W = m.kernels().data();
  const std::int32_t* patch = m.patch_index().data();
  for (Index i = 0; i < m.n_visible(); ++i) psi[i] = static_cast<T>(m.visible_bias());
  for (Index c = 0; c < C; ++c) {
    const float* w = W + c * KK;
    for (Index p = 0; p < P; ++p) {
      const T hv = static_cast<T>(h[c * P + p]);
      if (hv == T(0)) continue;
      const std::int32_t* idx = patch + p * KK;
      for (Index k = 0; k < KK; ++k) psi[idx[k]] += static_cast<T>(w[k]) * hv;
    }
  }
}

// Applies `row(r)` to every row, split over threads in static chunks (results per row are
// independent of the split); `m` sets the work per row (C K² per hidden unit).
template <class F>
void for_rows(const ConvRbm& m, Index rows, F&& row) {
  const Index work = rows * m.n_hidden() * m.shape().kernel_size();
#pragma omp parallel for schedule(static) if (rows > 1 && work >= kParallelWork)
  for (Index r = 0; r < rows; ++r) row(r);
}

// Draws X(r, j) ~ p(x | field(r, j)) with row r's uniforms from rng advanced by r·n; leaves rng
// after the last row's words.
void sample_from_field(UnitType type, const MatrixF& field, MatrixF& X, Rng& rng) {
  const Index n = field.cols();
  X.resize(field.rows(), n);
  with_binary_units(type, [&](auto u) {
    using U = decltype(u);
    for (Index r = 0; r < field.rows(); ++r) {
      Rng local = rng.advanced(static_cast<std::uint64_t>(r * n));
      for (Index j = 0; j < n; ++j) X(r, j) = U::sample(field(r, j), local.uniform());
    }
  });
  rng = rng.advanced(static_cast<std::uint64_t>(field.rows() * n));
}

void mean_from_field(UnitType type, const MatrixF& field, MatrixF& mean) {
  mean.resize(field.rows(), field.cols());
  with_binary_units(type, [&](auto u) {
    using U = decltype(u);
    mean = field.unaryExpr([](float x) { return U::mean(x); });
  });
}

}  // namespace

void ConvRbm::hidden_field_row(const float* v, double* phi) const { hidden_field_impl(*this, v, phi); }
void ConvRbm::hidden_field_row(const float* v, float* phi) const { hidden_field_impl(*this, v, phi); }
void ConvRbm::visible_field_row(const float* h, double* psi) const { visible_field_impl(*this, h, psi); }

void ConvRbm::hidden_field(const MatrixF& V, MatrixF& field) const {
  check_rows(V, n_visible(), "the visible batch");
  field.resize(V.rows(), n_hidden());
  for_rows(*this, V.rows(), [&](Index r) { hidden_field_impl(*this, V.row(r).data(), field.row(r).data()); });
}

void ConvRbm::visible_field(const MatrixF& H, MatrixF& field) const {
  check_rows(H, n_hidden(), "the hidden batch");
  field.resize(H.rows(), n_visible());
  for_rows(*this, H.rows(), [&](Index r) { visible_field_impl(*this, H.row(r).data(), field.row(r).data()); });
}

void ConvRbm::hidden_mean(const MatrixF& V, MatrixF& mean) const {
  MatrixF field;
  hidden_field(V, field);
  mean_from_field(hidden_type_, field, mean);
}

void ConvRbm::visible_mean(const MatrixF& H, MatrixF& mean) const {
  MatrixF field;
  visible_field(H, field);
  mean_from_field(visible_type_, field, mean);
}

void ConvRbm::sample_hidden(const MatrixF& V, MatrixF& H, Rng& rng, MatrixF* mean) const {
  MatrixF field;
  hidden_field(V, field);
  if (mean != nullptr) mean_from_field(hidden_type_, field, *mean);
  sample_from_field(hidden_type_, field, H, rng);
}

void ConvRbm::sample_visible(const MatrixF& H, MatrixF& V, Rng& rng, MatrixF* mean) const {
  MatrixF field;
  visible_field(H, field);
  if (mean != nullptr) mean_from_field(visible_type_, field, *mean);
  sample_from_field(visible_type_, field, V, rng);
}

void ConvRbm::gibbs(MatrixF& V, MatrixF& H, int steps, Rng& rng) const {
  for (int t = 0; t < steps; ++t) {
    sample_hidden(V, H, rng);
    sample_visible(H, V, rng);
  }
}

double ConvRbm::free_energy_visible_row(const float* v, double* phi) const {
  hidden_field_impl(*this, v, phi);
  double sum_v = 0.0;
  for (Index i = 0; i < n_visible(); ++i) sum_v += static_cast<double>(v[i]);
  const double lp = with_binary_units(hidden_type_, [&](auto u) {
    using U = decltype(u);
    double s = 0.0;
    for (Index j = 0; j < n_hidden(); ++j) s += U::log_partition(phi[j]);
    return s;
  });
  return -static_cast<double>(visible_bias_) * sum_v - lp;
}

VectorD ConvRbm::free_energy_visible(const MatrixF& V) const {
  check_rows(V, n_visible(), "the visible batch");
  VectorD F(V.rows());
  for_rows(*this, V.rows(), [&](Index r) {
    std::vector<double> phi(static_cast<std::size_t>(n_hidden()));
    F[r] = free_energy_visible_row(V.row(r).data(), phi.data());
  });
  return F;
}

VectorD ConvRbm::free_energy_hidden(const MatrixF& H) const {
  check_rows(H, n_hidden(), "the hidden batch");
  VectorD F(H.rows());
  for_rows(*this, H.rows(), [&](Index r) {
    std::vector<double> psi(static_cast<std::size_t>(n_visible()));
    visible_field_impl(*this, H.row(r).data(), psi.data());
    double bh = 0.0;
    const Index P = shape_.positions();
    for (Index j = 0; j < n_hidden(); ++j) bh += static_cast<double>(hidden_bias_[j / P]) * H(r, j);
    const double lp = with_binary_units(visible_type_, [&](auto u) {
      using U = decltype(u);
      double s = 0.0;
      for (double x : psi) s += U::log_partition(x);
      return s;
    });
    F[r] = -bh - lp;
  });
  return F;
}

Rbm ConvRbm::to_dense() const {
  Rbm rbm(n_visible(), n_hidden(), visible_type_, hidden_type_);
  rbm.weights().setZero();
  const Index P = shape_.positions(), KK = shape_.kernel_size();
  for (Index c = 0; c < shape_.channels; ++c) {
    for (Index p = 0; p < P; ++p) {
      for (Index k = 0; k < KK; ++k) rbm.weights()(patch_[static_cast<std::size_t>(p * KK + k)], c * P + p) += kernels_(c, k);
    }
    rbm.hidden_bias().segment(c * P, P).setConstant(hidden_bias_[c]);
  }
  rbm.visible_bias().setConstant(visible_bias_);
  return rbm;
}

void ConvRbm::validate() const {
  shape_.check();
  if (kernels_.rows() != shape_.channels || kernels_.cols() != shape_.kernel_size() ||
      hidden_bias_.size() != shape_.channels) {
    throw Error(fmt::format("convolutional RBM parameters do not match the shape {}", to_string(shape_)));
  }
  if (!kernels_.allFinite()) throw Error("convolutional RBM kernels are not all finite");
  if (!hidden_bias_.allFinite()) throw Error("convolutional RBM hidden biases are not all finite");
  if (!std::isfinite(visible_bias_)) throw Error("convolutional RBM visible bias is not finite");
}

void ConvRbm::check_visible_data(const MatrixF& data, const std::string& source) const {
  if (data.cols() != n_visible()) {
    throw FileError(source, fmt::format("{} values per row, the {}x{} lattice needs {}", data.cols(),
                                        shape_.lattice, shape_.lattice, n_visible()));
  }
  with_binary_units(visible_type_, [&](auto u) {
    using U = decltype(u);
    for (Index r = 0; r < data.rows(); ++r) {
      for (Index i = 0; i < data.cols(); ++i) {
        if (!U::valid(data(r, i))) {
          throw FileError(source, fmt::format("row {} column {}: {} is not a {} state", r, i, data(r, i),
                                              rgflow::to_string(visible_type_)));
        }
      }
    }
  });
}

double bond_weight(double coupling) {
  if (!(coupling > 0.0) || !std::isfinite(coupling) || coupling > 300.0) {
    throw Error(fmt::format("coupling K = {} must be in (0, 300]", coupling));
  }
  return 0.5 * std::acosh(std::exp(2.0 * coupling));
}

ConvRbm ising_bond_model(Index lattice, double coupling) {
  if (lattice < 3) throw Error(fmt::format("the bond representation needs L >= 3 (got {})", lattice));
  ConvRbm m(ConvShape{lattice, 2, 1, 2}, UnitType::spin, UnitType::spin);
  const auto w = static_cast<float>(bond_weight(coupling));
  m.kernels()(0, 0) = w;  // horizontal bond: (0,0)-(0,1)
  m.kernels()(0, 1) = w;
  m.kernels()(1, 0) = w;  // vertical bond: (0,0)-(1,0)
  m.kernels()(1, 2) = w;
  return m;
}

double bond_coupling(double weight) { return 0.5 * std::log(std::cosh(2.0 * weight)); }

double ising_bond_log_z_shift(Index lattice, double coupling) {
  return 2.0 * static_cast<double>(lattice * lattice) * (std::log(2.0) + coupling);
}

ConvRbm majority_rule_model(Index lattice, Index block, double weight) {
  if (!(std::isfinite(weight) && weight > 0.0))
    throw Error(fmt::format("majority-rule RBM: weight {} must be finite and > 0", weight));
  if (block < 1 || lattice < 2 || lattice % block != 0)
    throw Error(fmt::format("majority-rule RBM: block {} must be >= 1 and divide the lattice side {}", block, lattice));
  ConvRbm m(ConvShape{lattice, block, block, 1}, UnitType::spin, UnitType::spin);
  m.kernels().setConstant(static_cast<float>(weight));
  return m;
}

}  // namespace rgflow::conv
