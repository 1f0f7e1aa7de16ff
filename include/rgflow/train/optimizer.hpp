#pragma once
// Parameter updates from an ascent direction: stochastic gradient ascent with momentum (Hinton
// 2010, "A Practical Guide to Training RBMs": §9 momentum, §10 weight decay, §11 sparsity) or
// Adam (Kingma & Ba 2015), optionally on centred gradients (Melchior, Fischer & Wiskott 2016,
// "How to center deep Boltzmann machines", JMLR 17) and with the biases tied to zero (Z2).
#include <optional>
#include <cstdint>

#include "rgflow/core/types.hpp"
#include "rgflow/rbm/rbm.hpp"
#include "rgflow/train/config.hpp"
#include "rgflow/train/gradient.hpp"

namespace rgflow::train {

// Everything an optimizer carries between updates (checkpointed; empty members mean zero, or for
// hidden_activity and the offsets "not yet estimated").
struct OptimizerState {
  // SGD: the velocities Δ; Adam: the first moments m.
  MatrixF weight_velocity;
  VectorF visible_velocity;
  VectorF hidden_velocity;
  // Adam: the second moments v and the number of updates t (bias correction); empty / 0 for SGD.
  MatrixF weight_second_moment;
  VectorF visible_second_moment;
  VectorF hidden_second_moment;
  std::int64_t steps = 0;
  VectorF hidden_activity;  // running mean activity q for the sparsity target
  VectorF visible_offset;   // centering: μ
  VectorF hidden_offset;    // centering: λ
};

// One update with learning rate ε. The direction g starts as the estimator's gradient:
//   g_W = dW − l2·W − l1·sign(W) − s·⟨v⟩_B (q − t)ᵀ       (weight cost on weights only, §10)
//   g_a = da
//   g_b = db − s·(q − t)                                 (sparsity penalty, §11)
// Centering (config.centering): the energy is written −(v−μ)ᵀW(h−λ) − (v−μ)ᵀa' − (h−λ)ᵀb', whose
// gradient, expressed back in the model's (uncentred) parameters a = a' − Wλ, b = b' − Wᵀμ, is
//   g_W ← dW − μ dbᵀ − da λᵀ   (= ⟨(v−μ)(h−λ)ᵀ⟩_data − ⟨(v−μ)(h−λ)ᵀ⟩_model)
//   g_a ← da − g_W λ,   g_b ← db − g_Wᵀ μ
// (Melchior et al. 2016, Algorithm 1, with the reparametrisation folded in; the penalties are
// added afterwards). The offsets start at the first batch's ⟨v⟩_B, ⟨E[h|v]⟩_B and follow them as
// moving averages after each update: μ ← (1 − ν) μ + ν ⟨v⟩_B, λ likewise (ν = centering_rate).
// With Symmetry::z2 the offsets are 0 (the model's means are 0 by symmetry) and g_a = g_b = 0:
// the biases stay exactly 0.
// Then, for every parameter θ:
//   SGD:   Δθ ← μ_m Δθ + ε g_θ,   θ ← θ + Δθ                        (momentum μ_m, §9)
//   Adam:  m ← β1 m + (1 − β1) g,  v ← β2 v + (1 − β2) g²,  t ← t + 1,
//          θ ← θ + ε m̂ / (√v̂ + ϵ),  m̂ = m / (1 − β1ᵗ),  v̂ = v / (1 − β2ᵗ)
// Sparsity (only when config.sparsity_target = t is set, s = sparsity_cost): q is a running
// estimate of each hidden unit's probability of being on, updated before the step by
//   q ← λ_s q + (1 − λ_s) p,   λ_s = sparsity_decay,
// with p the batch mean of E[h|v] for Bernoulli hidden units and of (E[h|v] + 1)/2 = σ(2φ) for
// spin hidden units (the probability of h = +1), so the target means the same for both. q starts
// at the first batch's p. (q − t) is the derivative of the cross-entropy between t and q with
// respect to a Bernoulli unit's input; for spin units the exact derivative carries a factor 2,
// which we leave to sparsity_cost.
// Weight mask (Rbm::mask(), locally connected RBMs): the weight direction is multiplied by the
// mask and W ← W ∘ M after the update, so masked weights and their optimizer state stay exactly 0.
class Optimizer {
 public:
  Optimizer(const TrainConfig& config, Index n_visible, Index n_hidden);

  // Applies one update to `rbm` (whose shape must match) from the ascent direction `grad`.
  // `momentum` is SGD's μ_m (Adam ignores it).
  void step(Rbm& rbm, const Gradient& grad, float momentum);
  // The weight step an estimator may fuse into its gradient (Gradient::fused_step): present
  // when this optimizer's weight update is plain SGD with momentum (no Adam, centering, weight
  // cost, sparsity target or mask); step() then leaves the weights to the estimator when
  // grad.weights_stepped says it took them.
  std::optional<FusedWeightStep> fused_weight_step(Rbm& rbm, float momentum);
  // The defaults' step — plain SGD with momentum on centred gradients — taken by fixed blocks of
  // kCentredRows rows of dW (Gradient::centred_step): this optimizer when its step is that one
  // (centring, SGD, no weight cost, sparsity target or mask), else null. A caller that holds the
  // final da, db and batch means calls centred_begin once, then centred_block for every block
  // (any order, any threads), and sets weights_stepped; step() then finishes the biases.
  Optimizer* fused_centred_step(Rbm& rbm, float momentum);
  static constexpr Index kCentredRows = 32;
  static Index centred_blocks(Index rows) { return (rows + kCentredRows - 1) / kCentredRows; }
  void centred_begin(const Gradient& grad);
  void centred_block(Index k, const Gradient& grad);
  // The learning rate of the following steps (the trainer sets it each epoch from
  // learning_rate_at_epoch).
  void set_learning_rate(float learning_rate) { config_.learning_rate = learning_rate; }

  const OptimizerState& state() const { return state_; }
  const MatrixF& weight_velocity() const { return state_.weight_velocity; }
  const VectorF& hidden_activity() const { return state_.hidden_activity; }

  // Restores state(); throws Error on shape mismatch.
  void restore(const OptimizerState& state);

 private:
  bool one_pass_centred(const Rbm& rbm) const;
  void centred_end(const Gradient& grad, VectorF& ga, VectorF& gb);

  struct CentredPass {
    MatrixF* weights = nullptr;
    float momentum = 0.0f;
    float db_lambda = 0.0f;  // db·λ
    float lambda2 = 0.0f;    // |λ|²
    bool begun = false;
  };
  CentredPass centred_;
  VectorF centred_ga_;        // the visible biases' direction, by row

  TrainConfig config_;
  OptimizerState state_;
  MatrixF centred_weights_;  // work buffer of the centred weight direction
  MatrixF column_partials_;  // centred SGD: Σ_i dW_ij μ_i by fixed blocks of rows
};

// σ update of learned Gaussian visible units, plain gradient ascent on z = log σ (no momentum, so
// the optimizer state, and hence checkpoints, need nothing new):
//   z_i ← z_i + ε g_i,  with the step clipped to |ε g_i| ≤ 0.1 and σ_i floored at kMinSigma
// (σ enters the energy through 1/σ², so one large step could collapse a unit's variance).
// No-op unless rbm.learn_sigma() is set and g is non-empty.
inline constexpr float kMinSigma = 1e-3f;
void step_log_sigma(Rbm& rbm, const Gradient& grad, float learning_rate);

}  // namespace rgflow::train
