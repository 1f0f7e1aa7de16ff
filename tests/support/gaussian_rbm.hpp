#pragma once
// Fixtures for the Gaussian-visible tests (header only): a random Gaussian–binary RBM, and exact
// model expectations by enumerating the hidden layer with the closed-form Gaussian moments of
// v | h ~ N(μ(h), σ²), μ = a + W h — written independently of the library's estimators.
#include <cmath>
#include <cstdint>

#include "rgflow/core/rng.hpp"
#include "rgflow/rbm/rbm.hpp"
#include "support/random_rbm.hpp"

namespace rgflow::test {

// random_rbm with Gaussian visible units and σ_i = sigma_lo + (sigma_hi − sigma_lo)·u_i, u_i drawn
// after the weights and biases from the same stream.
inline Rbm random_gaussian_rbm(Index nv, Index nh, UnitType hidden, std::uint64_t seed,
                               double w_std, double b_std, double sigma_lo, double sigma_hi) {
  Rbm rbm = random_rbm(nv, nh, UnitType::gaussian, hidden, seed, w_std, b_std, 0);
  Rng rng(seed, 1);
  for (Index i = 0; i < nv; ++i) {
    rbm.visible_sigma()[i] = static_cast<float>(sigma_lo + (sigma_hi - sigma_lo) * rng.uniform_double());
  }
  return rbm;
}

// Exact expectations under the model, by enumerating h (2^nh states) in float64.
struct GaussianExact {
  double log_z = 0.0;
  VectorD v;         // ⟨v_i⟩
  VectorD v2;        // ⟨v_i²⟩
  VectorD h;         // ⟨h_j⟩
  MatrixD vh;        // ⟨v_i h_j⟩
  VectorD log_sigma_statistic;  // ⟨[(v_i − a_i)² − 2 v_i (W h)_i]/σ_i²⟩
};

inline GaussianExact gaussian_exact(const Rbm& rbm) {
  const Index nv = rbm.n_visible(), nh = rbm.n_hidden();
  const MatrixD W = rbm.weights().cast<double>();
  const VectorD a = rbm.visible_bias().cast<double>();
  const VectorD b = rbm.hidden_bias().cast<double>();
  const VectorD s2 = rbm.visible_sigma().cast<double>().array().square();
  const Index n_states = Index{1} << nh;
  std::vector<double> logw(static_cast<std::size_t>(n_states));
  double top = -1e300;
  for (Index s = 0; s < n_states; ++s) {
    const VectorD hs = state_of(static_cast<std::uint64_t>(s), nh, rbm.hidden_type()).cast<double>();
    const VectorD mu = a + W * hs;
    double lw = b.dot(hs);
    for (Index i = 0; i < nv; ++i) {
      lw += (mu[i] * mu[i] - a[i] * a[i]) / (2.0 * s2[i]) + 0.5 * std::log(2.0 * M_PI * s2[i]);
    }
    logw[static_cast<std::size_t>(s)] = lw;
    top = std::max(top, lw);
  }
  GaussianExact out;
  out.v = VectorD::Zero(nv);
  out.v2 = VectorD::Zero(nv);
  out.h = VectorD::Zero(nh);
  out.vh = MatrixD::Zero(nv, nh);
  out.log_sigma_statistic = VectorD::Zero(nv);
  double z = 0.0;
  for (Index s = 0; s < n_states; ++s) z += std::exp(logw[static_cast<std::size_t>(s)] - top);
  out.log_z = top + std::log(z);
  for (Index s = 0; s < n_states; ++s) {
    const double p = std::exp(logw[static_cast<std::size_t>(s)] - out.log_z);
    const VectorD hs = state_of(static_cast<std::uint64_t>(s), nh, rbm.hidden_type()).cast<double>();
    const VectorD wh = W * hs;
    const VectorD mu = a + wh;
    out.v += p * mu;
    out.v2 += p * (mu.array().square() + s2.array()).matrix();
    out.h += p * hs;
    out.vh += p * mu * hs.transpose();
    // E[(v − a)²] = (μ − a)² + σ²,  E[v (W h)] = μ (W h)
    out.log_sigma_statistic +=
        p * (((mu - a).array().square() + s2.array() - 2.0 * mu.array() * wh.array()) / s2.array())
                .matrix();
  }
  return out;
}

}  // namespace rgflow::test
