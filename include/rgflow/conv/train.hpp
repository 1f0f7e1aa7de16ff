#pragma once
// Training a convolutional RBM (conv/conv_rbm.hpp; docs/conv.md) by contrastive divergence (CD-k,
// Hinton 2002) or persistent CD (PCD-k, Tieleman 2008) with SGD + momentum or Adam (Kingma & Ba
// 2015). Self-contained apart from two shared pieces of train/: Adam's block update
// (train/adam.hpp) and the learning-rate schedule (train/config.hpp learning_rate_schedule).
//
// Objective: the mean log-likelihood PER SITE, ℓ = (1/L²) ⟨log p(v)⟩_data, so that one learning
// rate suits any lattice size. Its gradient, with the sufficient statistics
//   T_W[c,k](v, m) = (1/L²) Σ_p m_{c,p} v_{S p + k}   (a correlation summed over positions),
//   T_b[c](v, m)   = (1/L²) Σ_p m_{c,p},      T_a(v) = (1/L²) Σ_x v_x,
// m = E[h | v] (σ(φ) or tanh φ), is ∂ℓ/∂θ = ⟨T_θ(v, E[h|v])⟩_data − ⟨T_θ(v, E[h|v])⟩_model
// (gradient of −F(v): ∂(−F)/∂W_c[k] = Σ_p E[h_{c,p}|v] v_{S p + k}). The model expectation is
// estimated from the negative particles: CD-k restarts k Gibbs sweeps at the mini-batch; PCD-k
// continues `chains` persistent chains. The ascent direction is g = ĝ − λ θ_W on the kernels
// (λ: L2 weight decay on the kernels only) and g = ĝ on the biases; the update (ConvOptimizer) is
//   SGD (Hinton 2010, §9):  Δ ← μ Δ + η g,  θ ← θ + Δ
//   Adam (Kingma & Ba 2015, train/adam.hpp):  m ← β1 m + (1 − β1) g,  v ← β2 v + (1 − β2) g²,
//        t ← t + 1,  θ ← θ + η m̂ / (√v̂ + ϵ),  m̂ = m / (1 − β1ᵗ),  v̂ = v / (1 − β2ᵗ)
// element-wise over the C K² kernel weights, the C hidden biases and the one visible bias, in
// float64 (the parameters are rounded to float32 after each update).
// Learning rate of 0-based epoch e: train::learning_rate_schedule (train/config.hpp) — constant
// without a final rate, else linear / exponential (the default here) / cosine from η_0 at the
// first epoch to η_f at the last, times the warm-up factor (e + 1)/(warmup + 1) for e < warmup.
//
// Randomness: the shuffle of epoch e draws from Rng(seed, 0) (one stream, epoch after epoch),
// Gibbs sampling from Rng(seed, 1), PCD chain starts from Rng(seed, 2), kernel initialisation from
// Rng(seed, 3). Sufficient statistics are summed over fixed blocks of 16 rows combined in order,
// and sampling is thread-independent (conv_rbm.hpp): the trained model is bit-identical for any
// thread count.
#include <cstdint>
#include <functional>
#include <string_view>

#include "rgflow/conv/conv_rbm.hpp"
#include "rgflow/core/cancel.hpp"
#include "rgflow/train/config.hpp"

namespace rgflow::conv {

// Sufficient statistics (or a gradient) of a convolutional RBM, in float64.
struct ConvStatistics {
  MatrixD kernels;  // [C, K²]
  VectorD hidden;   // [C]
  double visible = 0.0;
};

// ⟨T(v, E[h|v])⟩ over the rows of V (the per-site statistics above, averaged over rows).
ConvStatistics mean_statistics(const ConvRbm& model, const MatrixF& V);

// The exact model expectation ⟨T(v, E[h|v])⟩_model by enumerating the visible layer
// (n_visible ≤ kMaxExactUnits of log_partition.hpp, else Error): the "CD-∞" negative phase.
ConvStatistics exact_model_statistics(const ConvRbm& model);

enum class ConvMethod { cd, pcd };
std::string_view to_string(ConvMethod m);
ConvMethod parse_conv_method(std::string_view name);  // "cd" | "pcd"; Error otherwise

struct ConvTrainOptions {
  ConvMethod method = ConvMethod::pcd;
  int k = 1;                   // Gibbs sweeps per update
  int epochs = 20;
  Index batch_size = 100;
  double learning_rate = 0.05;  // η, per-site objective
  double final_learning_rate = -1.0;  // < 0: constant η; else η moves to this by `schedule`
  train::Schedule schedule = train::Schedule::exponential;
  int warmup_epochs = 0;       // >= 0
  train::OptimizerKind optimizer = train::OptimizerKind::sgd;
  double momentum = 0.5;       // μ in [0, 1) (SGD; Adam ignores it)
  double adam_beta1 = 0.9;     // in [0, 1)
  double adam_beta2 = 0.999;   // in [0, 1)
  double adam_epsilon = 1e-8;  // > 0
  double weight_decay = 0.0;   // λ ≥ 0
  Index chains = 100;          // PCD persistent chains
  float weight_std = 0.01f;    // initial kernels ~ N(0, weight_std²)
  std::uint64_t seed = 0;
  bool initialize = true;      // false: continue from the model's parameters
  // Z2 symmetry (spin units on both layers only): all biases held at exactly 0, so that
  // p(v) = p(−v) exactly (E(−v, −h) = E(v, h)); PCD chains stuck in one magnetisation sector can
  // then no longer push the biases towards it (issue #16 item 2).
  bool z2 = false;
  // Throws Error naming the quantity for a value out of range.
  void check() const;
};

// The optimiser of the update rule above. State: SGD's velocities, or Adam's first moments (in
// `first`), second moments and update count.
struct ConvOptimizerState {
  ConvStatistics first;
  ConvStatistics second;  // Adam only
  std::int64_t steps = 0;
};

class ConvOptimizer {
 public:
  // options.check()ed; shape: the model's.
  ConvOptimizer(const ConvShape& shape, const ConvTrainOptions& options);
  // One update of `model` from the estimated gradient ĝ (data − model statistics) with learning
  // rate η. With options.z2 the biases are left untouched (the trainer holds them at 0).
  void step(ConvRbm& model, const ConvStatistics& gradient, double learning_rate);
  const ConvOptimizerState& state() const { return state_; }

 private:
  ConvTrainOptions options_;
  ConvOptimizerState state_;
};

struct ConvEpochReport {
  int epoch = 0;                     // 1-based
  double learning_rate = 0.0;
  double reconstruction_error = 0.0;  // mean squared v − E[v | h(v)] per site, over the epoch
};

// Trains `model` on `data` (rows: visible states). With options.z2, Error unless both layers are
// spin units. `on_epoch` (may be empty) is called after each
// epoch. Throws Error for bad options or data, Cancelled when `stop` answers true (the model then
// holds the last completed update), Error when a parameter becomes non-finite.
void train(ConvRbm& model, const MatrixF& data, const ConvTrainOptions& options,
           const std::function<void(const ConvEpochReport&)>& on_epoch = {}, const StopPoll& stop = {});

}  // namespace rgflow::conv
