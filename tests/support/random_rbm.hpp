#pragma once
// Fixtures shared by the RBM and estimator tests (header only).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <ostream>
#include <vector>

#include "rgflow/core/rng.hpp"
#include "rgflow/rbm/rbm.hpp"

namespace rgflow {
// GoogleTest prints parameters through PrintTo found by argument-dependent lookup.
inline void PrintTo(UnitType type, std::ostream* os) { *os << to_string(type); }
}  // namespace rgflow

namespace rgflow::test {

// An RBM with W_ij ~ N(0, w_std²) and biases ~ N(0, b_std²), drawn in the order weights (row-major),
// visible bias, hidden bias from the Philox stream (seed, stream).
inline Rbm random_rbm(Index nv, Index nh, UnitType vt, UnitType ht, std::uint64_t seed,
                      double w_std, double b_std, std::uint64_t stream) {
  Rbm rbm(nv, nh, vt, ht);
  Rng rng(seed, stream);
  for (Index i = 0; i < rbm.weights().size(); ++i) {
    rbm.weights().data()[i] = static_cast<float>(w_std * rng.normal());
  }
  for (Index i = 0; i < nv; ++i) rbm.visible_bias()[i] = static_cast<float>(b_std * rng.normal());
  for (Index j = 0; j < nh; ++j) rbm.hidden_bias()[j] = static_cast<float>(b_std * rng.normal());
  return rbm;
}

// Unit values for the bit pattern `bits` (bit k set: 1; clear: 0 for Bernoulli, −1 for spin).
inline VectorF state_of(std::uint64_t bits, Index n, UnitType type) {
  VectorF x(n);
  for (Index k = 0; k < n; ++k) {
    const bool on = ((bits >> k) & 1u) != 0;
    x[k] = on ? 1.0f : (type == UnitType::spin ? -1.0f : 0.0f);
  }
  return x;
}

// n exact samples of p(v): h from p(h) = e^{−F(h)}/Z by enumerating all 2^n_hidden states, then
// v ~ p(v | h); stream (seed, 11).
inline MatrixF exact_samples_by_hidden(const Rbm& rbm, Index n, std::uint64_t seed) {
  const Index nh = rbm.n_hidden();
  const Index n_states = Index{1} << nh;
  MatrixF states(n_states, nh);
  for (Index s = 0; s < n_states; ++s) {
    states.row(s) = state_of(static_cast<std::uint64_t>(s), nh, rbm.hidden_type()).transpose();
  }
  const VectorD free_energy = rbm.free_energy_hidden(states);
  const double f_min = free_energy.minCoeff();
  std::vector<double> cdf(static_cast<std::size_t>(n_states));
  double acc = 0.0;
  for (Index s = 0; s < n_states; ++s) {
    acc += std::exp(f_min - free_energy[s]);
    cdf[static_cast<std::size_t>(s)] = acc;
  }
  Rng rng(seed, 11);
  MatrixF hidden(n, nh);
  for (Index r = 0; r < n; ++r) {
    const double u = rng.uniform_double() * acc;
    const auto it = std::upper_bound(cdf.begin(), cdf.end(), u);
    hidden.row(r) = states.row(std::min<Index>(static_cast<Index>(it - cdf.begin()), n_states - 1));
  }
  MatrixF visible;
  rbm.sample_visible(hidden, visible, rng);
  return visible;
}

}  // namespace rgflow::test
