#pragma once
// Exact references for tests of conv/ (header only): exact samples of a small convolutional RBM's
// p(v) (enumerate all 2^{L²} visible states, p(v) = e^{−F(v)}/Z, draw rows by inverse CDF from
// Rng(seed, 0)), the exact log Z of the Ising bond model, random models, and Pearson's chi-square
// of samples against the exact p(v).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <utility>
#include <vector>

#include "rgflow/conv/conv_rbm.hpp"
#include "rgflow/conv/log_partition.hpp"
#include "rgflow/conv/train.hpp"
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

// The exact per-site gradient of the mean log-likelihood of the rows of V: data statistics minus
// the exact model statistics (conv/train.hpp, enumeration).
inline conv::ConvStatistics exact_gradient(const conv::ConvRbm& m, const MatrixF& V) {
  conv::ConvStatistics g = conv::mean_statistics(m, V);
  const conv::ConvStatistics model = conv::exact_model_statistics(m);
  g.kernels -= model.kernels;
  g.hidden -= model.hidden;
  g.visible -= model.visible;
  return g;
}

// The bond-model recovery check of the conv training tests: 2,000 exact samples of the 4×4 Ising
// bond model at K = 0.35 train a fresh kernel:2, two-channel spin model (the generating family)
// with `options`; returns KL(p_truth ‖ p_trained) per site from 4,000 held-out exact samples'
// exact log-likelihoods (the independent-spin model's is 0.19).
inline double bond_model_recovery_kl(const conv::ConvTrainOptions& options) {
  const conv::ConvRbm truth = conv::ising_bond_model(4, 0.35);
  const MatrixF train_rows = exact_samples(truth, 2000, 11), test_rows = exact_samples(truth, 4000, 12);
  conv::ConvRbm m(conv::ConvShape{4, 2, 1, 2}, UnitType::spin, UnitType::spin);
  conv::train(m, train_rows, options);
  const double ll_truth = conv::mean_log_likelihood(truth, test_rows, conv::exact_log_partition(truth)).mean;
  return (ll_truth - conv::mean_log_likelihood(m, test_rows, conv::exact_log_partition(m)).mean) / 16.0;
}

// Chi-square tests of samples against a model's exact p(v) (test_conv_sample, test_conv_pt).
inline std::uint64_t state_index(const MatrixF& V, Index r) {
  std::uint64_t s = 0;
  for (Index i = 0; i < V.cols(); ++i) s |= (V(r, i) > 0.5f ? std::uint64_t{1} : 0) << i;
  return s;
}

// Pearson's chi-square of the rows of V (binary states, state_index) against the probabilities
// p[state_index], and its degrees of freedom (bins below).
inline std::pair<double, int> chi_square(const std::vector<double>& p, const MatrixF& V) {
  const std::uint64_t total = p.size();
  const double N = static_cast<double>(V.rows());
  // States in order of decreasing probability (a partition fixed before sampling), cut into
  // consecutive bins of expected count >= 20; the remainder joins the last bin.
  std::vector<std::uint64_t> order(total);
  std::iota(order.begin(), order.end(), std::uint64_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::uint64_t x, std::uint64_t y) { return p[x] > p[y]; });
  std::vector<int> bin(total);
  std::vector<double> expected;
  double acc = 0.0;
  for (const std::uint64_t s : order) {
    bin[s] = static_cast<int>(expected.size());
    acc += N * p[s];
    if (acc >= 20.0) {
      expected.push_back(acc);
      acc = 0.0;
    }
  }
  if (acc > 0.0) {
    for (const std::uint64_t s : order) bin[s] = std::min(bin[s], static_cast<int>(expected.size()) - 1);
    expected.back() += acc;
  }
  std::vector<double> observed(expected.size(), 0.0);
  for (Index r = 0; r < V.rows(); ++r) observed[static_cast<std::size_t>(bin[state_index(V, r)])] += 1.0;
  double chi2 = 0.0;
  for (std::size_t b = 0; b < expected.size(); ++b) chi2 += (observed[b] - expected[b]) * (observed[b] - expected[b]) / expected[b];
  return {chi2, static_cast<int>(expected.size()) - 1};
}

// The same against the exact p(v) of `model` (enumeration).
inline std::pair<double, int> chi_square(const conv::ConvRbm& model, const MatrixF& V) {
  const Index n = model.n_visible();
  const double log_z = conv::exact_log_partition(model);
  const std::uint64_t total = std::uint64_t{1} << n;
  std::vector<double> p(total), phi(static_cast<std::size_t>(model.n_hidden()));
  std::vector<float> v(static_cast<std::size_t>(n));
  const float off = model.visible_type() == UnitType::spin ? -1.0f : 0.0f;
  for (std::uint64_t s = 0; s < total; ++s) {
    for (Index i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = ((s >> i) & 1U) ? 1.0f : off;
    p[s] = std::exp(-model.free_energy_visible_row(v.data(), phi.data()) - log_z);
  }
  return chi_square(p, V);
}

// The chi-square quantile at z standard deviations (Wilson & Hilferty 1931).
inline double chi_square_quantile(int df, double z) {
  const double a = 2.0 / (9.0 * df);
  return df * std::pow(1.0 - a + z * std::sqrt(a), 3.0);
}

}  // namespace rgflow::test
