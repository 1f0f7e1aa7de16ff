#pragma once
// Gradient terms of Gaussian visible units (Cho, Raiko & Ilin 2011; docs/gaussian.md §3).
//
// For E(v,h) = Σ_i (v_i − a_i)²/(2σ_i²) − bᵀh − Σ_ij (v_i/σ_i²) W_ij h_j and z_i = log σ_i,
//   ∂(−E)/∂W_ij = v_i h_j / σ_i²,      ∂(−E)/∂a_i = (v_i − a_i)/σ_i²,      ∂(−E)/∂b_j = h_j,
//   ∂(−E)/∂z_i  = [(v_i − a_i)² − 2 v_i (W h)_i] / σ_i²,
// and ∂⟨log p(v)⟩_B/∂θ = ⟨∂(−E)/∂θ⟩_{B, h~p(h|v)} − ⟨∂(−E)/∂θ⟩_model. Every statistic is linear in
// h, so h can be replaced by E[h|v] on both sides (Rao-Blackwellisation, as for binary units).
// The binary-unit code forms dW = ⟨v E[h|v]ᵀ⟩_B − ⟨v E[h|v]ᵀ⟩_neg and da = ⟨v⟩_B − ⟨v⟩_neg; with σ
// fixed within an update the Gaussian ones are those rows divided by σ_i² (a_i cancels in da).
#include "rgflow/core/types.hpp"
#include "rgflow/rbm/rbm.hpp"
#include "rgflow/train/gradient.hpp"

namespace rgflow::train {

// For Gaussian visible units (no-op otherwise): divides row i of grad.dW and grad.da by σ_i², and
// when rbm.learn_sigma() sets grad.d_log_sigma to ⟨∂(−E)/∂z⟩ over (positive, positive_hidden_mean)
// minus the same over (negative, negative_hidden_mean) (else leaves it empty). The hidden
// matrices are E[h|v] of the rows of the visible ones.
void add_gaussian_visible_terms(const Rbm& rbm, const MatrixF& positive,
                                const MatrixF& positive_hidden_mean, const MatrixF& negative,
                                const MatrixF& negative_hidden_mean, Gradient& grad);

// Mean over rows of ∂(−E)/∂z_i with h replaced by `hidden_mean` (float64 accumulation).
VectorD mean_log_sigma_statistic(const Rbm& rbm, const MatrixF& visible,
                                 const MatrixF& hidden_mean);

// σ update of learned Gaussian visible units, plain gradient ascent on z = log σ (no momentum, so
// the optimizer state, and hence checkpoints, need nothing new):
//   z_i ← z_i + ε g_i,  with the step clipped to |ε g_i| ≤ 0.1 and σ_i floored at kMinSigma.
// No-op unless rbm has Gaussian visible units, learn_sigma() is set and g is non-empty.
inline constexpr float kMinSigma = 1e-3f;
void step_log_sigma(Rbm& rbm, const Gradient& grad, float learning_rate);

}  // namespace rgflow::train
