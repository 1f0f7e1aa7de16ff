#pragma once
// The periodic 1D Ising chain p(s) ∝ exp(K Σ_i s_i s_{i+1}) on n sites, exactly (header only):
// transfer matrix T(s, s') = e^{K s s'}, whose powers are T^k(s, s') = (λ₊^k + s s' λ₋^k) / 2 with
// λ₊ = 2 cosh K, λ₋ = 2 sinh K, and Z = Tr T^n = λ₊^n + λ₋^n.
#include <cmath>
#include <cstdint>

#include "rgflow/core/rng.hpp"
#include "rgflow/core/types.hpp"

namespace rgflow::test {

struct IsingChain {
  int n = 0;
  double K = 0.0;

  double lambda_plus() const { return 2.0 * std::cosh(K); }
  double lambda_minus() const { return 2.0 * std::sinh(K); }
  // T^k(s, s') for spins s, s' = ±1.
  double transfer_power(int k, int s, int s2) const {
    return 0.5 * (std::pow(lambda_plus(), k) + s * s2 * std::pow(lambda_minus(), k));
  }
  double log_partition() const {
    return std::log(std::pow(lambda_plus(), n) + std::pow(lambda_minus(), n));
  }
  // ⟨s_0 s_r⟩ = (λ₊^{n−r} λ₋^r + λ₋^{n−r} λ₊^r) / Z.
  double correlation(int r) const {
    const double lp = lambda_plus(), lm = lambda_minus();
    return (std::pow(lp, n - r) * std::pow(lm, r) + std::pow(lm, n - r) * std::pow(lp, r)) /
           (std::pow(lp, n) + std::pow(lm, n));
  }
  // Shannon entropy −E[log p] = log Z − K n ⟨s_0 s_1⟩.
  double entropy() const { return log_partition() - K * n * correlation(1); }
  // Probability of w consecutive sites (s_0 … s_{w−1}) = spins of `bits` (bit k set: +1),
  // w < n: e^{K Σ s_k s_{k+1}} T^{n−w+1}(s_{w−1}, s_0) / Z.
  double window_probability(std::uint32_t bits, int w) const {
    auto spin = [&](int k) { return ((bits >> k) & 1u) != 0 ? 1 : -1; };
    double e = 0.0;
    for (int k = 0; k + 1 < w; ++k) e += spin(k) * spin(k + 1);
    return std::exp(K * e - log_partition()) * transfer_power(n - w + 1, spin(w - 1), spin(0));
  }
};

// Exact samples by sequential transfer-matrix sampling: s_0 uniform (spin-flip symmetry), then
// p(s_{i+1} | s_i, s_0) ∝ T(s_i, s_{i+1}) T^{n−i−1}(s_{i+1}, s_0). Rows are independent draws from
// Rng(seed, stream). Returns [rows, n] of ±1.
inline MatrixF sample_ising_chain(const IsingChain& chain, Index rows, std::uint64_t seed,
                                  std::uint64_t stream = 0) {
  MatrixF out(rows, chain.n);
  Rng rng(seed, stream);
  for (Index r = 0; r < rows; ++r) {
    const int s0 = rng.uniform_double() < 0.5 ? -1 : 1;
    out(r, 0) = static_cast<float>(s0);
    int s = s0;
    for (int i = 0; i + 1 < chain.n; ++i) {
      double w[2];
      for (int b = 0; b < 2; ++b) {
        const int t = 2 * b - 1;
        w[b] = std::exp(chain.K * s * t) * chain.transfer_power(chain.n - i - 1, t, s0);
      }
      s = rng.uniform_double() < w[1] / (w[0] + w[1]) ? 1 : -1;
      out(r, i + 1) = static_cast<float>(s);
    }
  }
  return out;
}

}  // namespace rgflow::test
