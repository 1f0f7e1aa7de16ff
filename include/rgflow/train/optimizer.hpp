#pragma once
// Stochastic gradient ascent with momentum, weight cost and a sparsity target, following Hinton
// (2010), "A Practical Guide to Training RBMs": §9 momentum, §10 weight decay, §11 sparsity.
#include "rgflow/core/types.hpp"
#include "rgflow/rbm/rbm.hpp"
#include "rgflow/train/config.hpp"
#include "rgflow/train/gradient.hpp"

namespace rgflow::train {

// One update with learning rate ε and momentum μ (velocities Δ start at zero):
//   g_W = dW − l2·W − l1·sign(W) − s·⟨v⟩_B (q − t)ᵀ       (weight cost on weights only, §10)
//   g_a = da
//   g_b = db − s·(q − t)                                 (sparsity penalty, §11)
//   Δθ ← μ Δθ + ε g_θ,   θ ← θ + Δθ                       (momentum, §9)
// Sparsity (only when config.sparsity_target = t is set, s = sparsity_cost): q is a running
// estimate of each hidden unit's probability of being on, updated before the step by
//   q ← λ q + (1 − λ) p,   λ = sparsity_decay,
// with p the batch mean of E[h|v] for Bernoulli hidden units and of (E[h|v] + 1)/2 = σ(2φ) for
// spin hidden units (the probability of h = +1), so the target means the same for both. q starts
// at the first batch's p. (q − t) is the derivative of the cross-entropy between t and q with
// respect to a Bernoulli unit's input; for spin units the exact derivative carries a factor 2,
// which we leave to sparsity_cost.
// Weight mask (Rbm::mask(), locally connected RBMs): the weight velocity is multiplied by the mask
// before the update and W ← W ∘ M after it, so masked weights stay exactly 0.
class Sgd {
 public:
  Sgd(const TrainConfig& config, Index n_visible, Index n_hidden);

  // Applies one update to `rbm` (whose shape must match) from the ascent direction `grad`.
  void step(Rbm& rbm, const Gradient& grad, float momentum);
  // The learning rate of the following steps (the trainer sets it each epoch from
  // learning_rate_at_epoch).
  void set_learning_rate(float learning_rate) { config_.learning_rate = learning_rate; }

  const MatrixF& weight_velocity() const { return weight_velocity_; }
  const VectorF& visible_velocity() const { return visible_velocity_; }
  const VectorF& hidden_velocity() const { return hidden_velocity_; }
  // Running estimate q (empty until the first step with a sparsity target).
  const VectorF& hidden_activity() const { return hidden_activity_; }

  // Restores state saved in a checkpoint; throws Error on shape mismatch. Empty velocities
  // mean zero; an empty hidden_activity means "not yet estimated".
  void restore(const MatrixF& weight_velocity, const VectorF& visible_velocity,
               const VectorF& hidden_velocity, const VectorF& hidden_activity);

 private:
  TrainConfig config_;
  MatrixF weight_velocity_;
  VectorF visible_velocity_;
  VectorF hidden_velocity_;
  VectorF hidden_activity_;
};

// σ update of learned Gaussian visible units, plain gradient ascent on z = log σ (no momentum, so
// the optimizer state, and hence checkpoints, need nothing new):
//   z_i ← z_i + ε g_i,  with the step clipped to |ε g_i| ≤ 0.1 and σ_i floored at kMinSigma
// (σ enters the energy through 1/σ², so one large step could collapse a unit's variance).
// No-op unless rbm.learn_sigma() is set and g is non-empty.
inline constexpr float kMinSigma = 1e-3f;
void step_log_sigma(Rbm& rbm, const Gradient& grad, float learning_rate);

}  // namespace rgflow::train
