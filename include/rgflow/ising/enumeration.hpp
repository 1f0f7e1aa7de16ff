#pragma once
// The periodic L x L Ising model, p(s) ∝ exp(K Σ_<ij> s_i s_j) with K = J/T, solved by
// enumerating all 2^(L²) states: a dataset with a known distribution (run/exact_check.hpp,
// `rgflow demo`), so the best achievable log-likelihood (the negative entropy −S) and the exact
// KL divergence of a trained RBM are known. L <= 4 (65536 states).
//
// State index bit i (site i = row·L + column, row-major) is spin +1 when set, −1 when clear.
#include <vector>

#include "rgflow/core/rng.hpp"
#include "rgflow/core/types.hpp"

namespace rgflow::ising {

inline constexpr int kMaxExactIsingSize = 4;

struct ExactIsing {
  int size = 0;                  // L
  double coupling = 0.0;         // K = J/T
  std::vector<double> log_prob;  // log p(s) per state index
  double log_z = 0.0;            // log Σ_s exp(K Σ_<ij> s_i s_j)
  double entropy = 0.0;          // S = −Σ_s p(s) log p(s), nats
};

// Each site couples to its right and lower neighbour with periodic wrap-around (2L² bonds; for
// L = 2 each pair is thus coupled twice, the usual convention on a periodic 2 x 2 lattice).
ExactIsing enumerate_periodic_ising(int size, double coupling);

// All 2^(L²) states as ±1 rows, in state-index order.
MatrixF all_spin_states(int n_sites);

// n independent exact samples (inverse-CDF over the enumerated states), ±1 rows.
MatrixF sample_exact(const ExactIsing& model, Index n, Rng& rng);

}  // namespace rgflow::ising
