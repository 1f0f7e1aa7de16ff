#pragma once
// Stochastic pseudo-log-likelihood (Besag 1975), as scikit-learn's BernoulliRBM.score_samples:
// for each row one visible index i is drawn uniformly, and
//   PLL(v) ≈ n_visible · log σ(F(ṽ) − F(v)),   ṽ = v with unit i flipped (0↔1 or +1↔−1),
// which is n_visible times log p(v_i | v_{−i}). Returned as the mean over rows with its standard
// error. Needs no partition function.
//
// Averaged over the random index, n_visible · log p(v_i | v_{−i}) is the full pseudo-log-likelihood
// Σ_i log p(v_i | v_{−i}); the reported error is the spread over rows, which includes the
// randomness of the index.
#include <vector>

#include "rgflow/core/rng.hpp"
#include "rgflow/rbm/rbm.hpp"
#include "rgflow/stats/result.hpp"

namespace rgflow::estimate {

// Row r uses index rng.below(n_visible), drawn in row order (one draw per row). Data values must be
// states of the visible unit type (throws Error otherwise, or if the column count is wrong).
stats::Result pseudo_log_likelihood(const Rbm& rbm, const MatrixF& data, Rng& rng);

// The same with the flipped index of each row given: flip_index[r] ∈ [0, n_visible).
stats::Result pseudo_log_likelihood(const Rbm& rbm, const MatrixF& data,
                                    const std::vector<Index>& flip_index);

}  // namespace rgflow::estimate
