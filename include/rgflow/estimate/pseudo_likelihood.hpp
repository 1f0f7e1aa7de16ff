#pragma once
// Stochastic pseudo-log-likelihood (Besag 1975), as scikit-learn's BernoulliRBM.score_samples:
// for each row one visible index i is drawn uniformly, and
//   PLL(v) ≈ n_visible · log σ(F(ṽ) − F(v)),   ṽ = v with unit i flipped (0↔1 or +1↔−1),
// which is n_visible times log p(v_i | v_{−i}). Returned as the mean over rows with its standard
// error. Needs no partition function.
#include "rgflow/core/rng.hpp"
#include "rgflow/rbm/rbm.hpp"
#include "rgflow/stats/result.hpp"

namespace rgflow::estimate {

stats::Result pseudo_log_likelihood(const Rbm& rbm, const MatrixF& data, Rng& rng);

}  // namespace rgflow::estimate
