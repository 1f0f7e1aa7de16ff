#pragma once
// Exact references for tests of conv/ (header only): exact samples of a small convolutional RBM's
// p(v) (enumerate all 2^{L²} visible states, p(v) = e^{−F(v)}/Z, draw rows by inverse CDF from
// Rng(seed, 0)), the exact log Z of the Ising bond model, and random models.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "rgflow/conv/conv_rbm.hpp"
#include "rgflow/conv/log_partition.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/ising/exact.hpp"

namespace rgflow::test {

inline MatrixF exact_samples(const conv::ConvRbm& m, Index rows, std::uint64_t seed) {
  const Index n = m.n_visible();
  const double log_z = conv::exact_log_partition(m);
  const std::uint64_t total = std::uint64_t{1} << n;
  const float off = m.visible_type() == UnitType::spin ? -1.0f : 0.0f;
  auto state = [&](std::uint64_t s, float* v) {
    for (Index i = 0; i < n; ++i) v[i] = ((s >> i) & 1U) ? 1.0f : off;
  };
  std::vector<double> cdf(total), phi(static_cast<std::size_t>(m.n_hidden()));
  std::vector<float> v(static_cast<std::size_t>(n));
  double acc = 0.0;
  for (std::uint64_t s = 0; s < total; ++s) {
    state(s, v.data());
    acc += std::exp(-m.free_energy_visible_row(v.data(), phi.data()) - log_z);
    cdf[s] = acc;
  }
  Rng rng(seed, 0);
  MatrixF out(rows, n);
  for (Index r = 0; r < rows; ++r) {
    const double u = rng.uniform_double() * acc;
    const auto it = std::upper_bound(cdf.begin(), cdf.end(), u);
    state(static_cast<std::uint64_t>(std::min<std::ptrdiff_t>(it - cdf.begin(), static_cast<std::ptrdiff_t>(total) - 1)),
          out.row(r).data());
  }
  return out;
}

// A model with kernels ~ N(0, w_std²) and hidden biases ~ N(0, bias_std²), drawn in that order from
// Rng(seed, 7), and the visible bias `visible`.
inline conv::ConvRbm random_conv_model(conv::ConvShape shape, UnitType vt, UnitType ht, std::uint64_t seed,
                                       double w_std, double bias_std, float visible) {
  conv::ConvRbm m(shape, vt, ht);
  Rng rng(seed, 7);
  for (Index i = 0; i < m.kernels().size(); ++i) m.kernels().data()[i] = static_cast<float>(w_std * rng.normal());
  for (Index c = 0; c < m.hidden_bias().size(); ++c) m.hidden_bias()[c] = static_cast<float>(bias_std * rng.normal());
  m.visible_bias() = visible;
  return m;
}

// log Z of the Ising bond model ising_bond_model(L, ·) from Kaufman's finite-lattice value at the
// coupling its float32 kernel represents (conv_rbm.hpp): log Z_Ising(K') + 2L² (log 2 + K').
inline double bond_model_log_z(const conv::ConvRbm& bonds) {
  const Index L = bonds.shape().lattice;
  const double k = conv::bond_coupling(static_cast<double>(bonds.kernels()(0, 0)));
  return ising::kaufman(static_cast<int>(L), k).log_z + conv::ising_bond_log_z_shift(L, k);
}

}  // namespace rgflow::test
