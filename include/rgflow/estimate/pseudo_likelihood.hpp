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
// Its per-row values n_visible · log σ(F(ṽ) − F(v)) in float64 (scikit-learn's score_samples).
// Visible units must be binary; any hidden unit type. With require_states false the rows may hold
// any finite values (scikit-learn scores probabilities too), flipped as states are (x → 1 − x for
// Bernoulli units, x → −x for spins).
VectorD pseudo_log_likelihood_rows(const Rbm& rbm, const MatrixF& data,
                                   const std::vector<Index>& flip_index, bool require_states = true);

}  // namespace rgflow::estimate
