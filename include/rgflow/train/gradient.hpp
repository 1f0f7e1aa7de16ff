#pragma once
// Gradient estimators for the mean log-likelihood of a mini-batch, apart from the model and the
// optimizer (STYLE.md: an estimator takes (const Rbm&, batch, Rng&)).
//
// For E(v,h) = −aᵀv − bᵀh − vᵀWh the exact gradient of ⟨log p(v)⟩ over a batch B is
//   ∂/∂W = ⟨v E[h|v]ᵀ⟩_B − ⟨v hᵀ⟩_model,  ∂/∂a = ⟨v⟩_B − ⟨v⟩_model,  ∂/∂b = ⟨E[h|v]⟩_B − ⟨h⟩_model
// (Hinton 2010 §2, written here for any binary unit type). The positive (data) phase is
// exact; estimators differ in how they approximate the negative (model) phase.
#include <memory>

#include "rgflow/core/rng.hpp"
#include "rgflow/core/types.hpp"
#include "rgflow/rbm/rbm.hpp"
#include "rgflow/train/config.hpp"

namespace rgflow::train {

// An ascent direction for the mean log-likelihood (add it, scaled, to the parameters).
struct Gradient {
  MatrixF dW;  // [n_visible, n_hidden]
  VectorF da;  // visible bias [n_visible]
  VectorF db;  // hidden bias [n_hidden]
  // Every estimator fills all five members.
  // Positive-phase means over the batch, ⟨v⟩_B and ⟨E[h|v]⟩_B, used by the sparsity target
  // (Hinton §11), whose penalty needs the hidden activity and the inputs of the hidden units.
  VectorF batch_visible_mean;
  VectorF batch_hidden_mean;

  Gradient() = default;
  Gradient(Index n_visible, Index n_hidden);
  void set_zero();
};

// Interface every negative-phase approximation implements (CD/PCD here; TAP/EMF and parallel
// tempering later). Implementations may keep sampler state between calls (persistent chains);
// that state must be exposed through persistent_chains()/set_persistent_chains() so that a
// checkpoint can restore it bit-identically.
class GradientEstimator {
 public:
  virtual ~GradientEstimator() = default;
  // Overwrites `grad` (resized as needed) with the estimate for the rows of `batch`.
  // All randomness is drawn from `rng`, in a fixed order.
  virtual void estimate(const Rbm& rbm, const MatrixF& batch, Rng& rng, Gradient& grad) = 0;

  // Sampler state carried between calls (empty when there is none).
  virtual const MatrixF& persistent_chains() const { return empty_; }
  virtual void set_persistent_chains(const MatrixF& chains);

 private:
  MatrixF empty_;
};

// CD-k (Hinton 2002) and PCD-k (Tieleman 2008) in one code path: PCD = CD whose negative chains
// persist between updates. The negative phase runs `steps` rounds of block Gibbs sampling
// v → h ~ p(h|v) → v ~ p(v|h) from
//   CD:  the batch itself;
//   PCD: the persistent chains, which are initialised from the first batch seen (so there are as
//        many chains as rows in the first, full mini-batch: random training rows because batches
//        come from a random permutation) and keep their final state v_k for the next update.
// Its statistics use the visible samples v_k and E[h|v_k] (Rao-Blackwellised hidden units,
// Hinton §3): ⟨v hᵀ⟩_model ≈ mean over chains of v_k E[h|v_k]ᵀ.
class ContrastiveDivergence final : public GradientEstimator {
 public:
  ContrastiveDivergence(int steps, bool persistent);

  void estimate(const Rbm& rbm, const MatrixF& batch, Rng& rng, Gradient& grad) override;

  const MatrixF& persistent_chains() const override { return chains_; }
  // PCD: replaces the chains (empty: re-initialise from the next batch). CD: must be empty.
  void set_persistent_chains(const MatrixF& chains) override;

  int steps() const { return steps_; }
  bool persistent() const { return persistent_; }
  // The negative-phase samples of the last estimate(): v_k [chains, n_visible] and
  // E[h|v_k] [chains, n_hidden] (exposed for tests and diagnostics).
  const MatrixF& negative_visible() const { return persistent_ ? chains_ : negative_visible_; }
  const MatrixF& negative_hidden_mean() const { return negative_hidden_mean_; }

 private:
  int steps_;
  bool persistent_;
  MatrixF chains_;               // PCD only
  MatrixF negative_visible_;     // CD: v_k of the last estimate (PCD: v_k is chains_)
  MatrixF negative_hidden_mean_; // E[h|v_k] of the last estimate
  // Work buffers kept between calls to avoid reallocating every update.
  MatrixF hidden_sample_;
  MatrixF positive_hidden_mean_;
};

// The estimator a configuration asks for: ContrastiveDivergence(steps, method == pcd). New
// methods (TAP/EMF, parallel tempering) are added here and in Method.
std::unique_ptr<GradientEstimator> make_gradient_estimator(const TrainConfig& config);

}  // namespace rgflow::train
