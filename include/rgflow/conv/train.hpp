#pragma once
// Training a convolutional RBM (conv/conv_rbm.hpp; docs/conv.md) by contrastive divergence (CD-k,
// Hinton 2002) or persistent CD (PCD-k, Tieleman 2008) with SGD + momentum. Self-contained (the
// dense trainer of train/ is not used).
//
// Objective: the mean log-likelihood PER SITE, ℓ = (1/L²) ⟨log p(v)⟩_data, so that one learning
// rate suits any lattice size. Its gradient, with the sufficient statistics
//   T_W[c,k](v, m) = (1/L²) Σ_p m_{c,p} v_{S p + k}   (a correlation summed over positions),
//   T_b[c](v, m)   = (1/L²) Σ_p m_{c,p},      T_a(v) = (1/L²) Σ_x v_x,
// m = E[h | v] (σ(φ) or tanh φ), is ∂ℓ/∂θ = ⟨T_θ(v, E[h|v])⟩_data − ⟨T_θ(v, E[h|v])⟩_model
// (gradient of −F(v): ∂(−F)/∂W_c[k] = Σ_p E[h_{c,p}|v] v_{S p + k}). The model expectation is
// estimated from the negative particles: CD-k restarts k Gibbs sweeps at the mini-batch; PCD-k
// continues `chains` persistent chains. Update (Hinton 2010, §9):
//   Δ ← μ Δ + η (ĝ − λ θ_W),  θ ← θ + Δ   (λ: L2 weight decay on the kernels only).
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
  double final_learning_rate = -1.0;  // < 0: constant η; else η decays geometrically to this
  double momentum = 0.5;       // μ in [0, 1)
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
