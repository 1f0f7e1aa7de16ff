#pragma once
// Training a convolutional RBM (conv/conv_rbm.hpp; docs/conv.md) by contrastive divergence (CD-k,
// Hinton 2002), persistent CD (PCD-k, Tieleman 2008) or parallel tempering (conv/tempering.hpp)
// with SGD + momentum or Adam (Kingma & Ba 2015), optionally centred ("Centering" below), resumable
// from a checkpoint (ConvTrainState, conv/checkpoint.hpp). Self-contained apart from two shared
// pieces of train/: Adam's block update
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
// Gibbs sampling (and PT's swaps) from Rng(seed, 1), PCD/PT chain starts from Rng(seed, 2), kernel
// initialisation from Rng(seed, 3). Sufficient statistics are summed over fixed blocks of 16 rows combined in order,
// and sampling is thread-independent (conv_rbm.hpp): the trained model is bit-identical for any
// thread count.
//
// Ranks (ConvTrainOptions::communicator; issue #19, docs/scaling.md): the blocks of 16 rows are
// also the unit of work across processes. Of an n-row set (the mini-batch; PCD's chains) with
// nb = ⌈n/16⌉ blocks, rank r of N holds the consecutive blocks [nb·r/N, nb·(r+1)/N) (none when
// N > nb). It samples only its rows, each with the words that row draws in the whole set (row i's
// uniforms sit i·n_units words into the sweep, conv_rbm.hpp), forms its blocks' statistics (and
// reconstruction errors), and every rank receives every block's values bit for bit
// (Communicator::allgather) and adds them in block order, as one process does. So the model,
// optimiser state, chains and streams are the single-process run's, bit for bit, on any number of
// ranks. PCD chains stay with their rows' rank during an epoch and are gathered at its end (the
// state then holds all of them on every rank). Parallel tempering splits its chains the same way
// (a rank steps every replica of its chains, ConvTempering::step's chain range; the β = 1 rows
// are its negative blocks), and the swap counts, integers, are summed over the ranks.
#include <cstdint>
#include <functional>
#include <vector>
#include <string_view>

#include "rgflow/comm/communicator.hpp"
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

enum class ConvMethod { cd, pcd, pt };
std::string_view to_string(ConvMethod m);
ConvMethod parse_conv_method(std::string_view name);  // "cd" | "pcd" | "pt"; Error otherwise

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
  // Centred gradients (Melchior, Fischer & Wiskott 2016; "Centering" below): offsets μ (one,
  // visible) and λ_c (one per channel; stride 1 only) as moving averages of the data means with
  // rate centering_rate. Off here (the library's tests' default); the CLI and Python turn it on,
  // as the dense defaults do for binary units. The identity with Z2 symmetry (offsets 0).
  bool centering = false;
  double centering_rate = 0.01;  // ν in (0, 1]
  // Parallel tempering (method pt): `replicas` temperatures on the geometric ladder
  // β_k = pt_beta_min^{k/(R−1)} (sample/tempering.hpp geometric_ladder); `chains` chains each.
  int replicas = 10;          // R in [2, 1000]
  double pt_beta_min = 0.1;   // in (0, 1)
  // The ranks that share the work (header comment; null: this process alone). Every rank calls
  // train() with the same model, data and options. Not stored in checkpoints.
  const Communicator* communicator = nullptr;
  // Throws Error naming the quantity for a value out of range.
  void check() const;
};

// Centering offsets: μ for every visible site, λ_c for the hidden units of channel c (zero for
// stride > 1: "Centering" below). `set` is false until the first update sets them to its batch's
// means.
struct ConvOffsets {
  bool set = false;
  double visible = 0.0;
  VectorD hidden;  // [C]
};

// The optimiser of the update rule above. State: SGD's velocities, or Adam's first moments (in
// `first`), second moments and update count, and the centering offsets.
struct ConvOptimizerState {
  ConvStatistics first;
  ConvStatistics second;  // Adam only
  std::int64_t steps = 0;
  ConvOffsets offsets;    // centering only
};

// Centering (Melchior, Fischer & Wiskott 2016), for weight sharing. With offsets μ (visible, one
// for all sites) and λ_c (hidden, one per channel) the energy written about them,
//   E = −a′ Σ_x (v_x − μ) − Σ_{c,p} b′_c (h_{c,p} − λ_c) − Σ_{c,p} (h_{c,p} − λ_c) Σ_k W_c[k] (v_{S p + k} − μ),
// is the same model as the uncentred one with
//   b_c = b′_c − μ Σ_k W_c[k],    a = a′ − Σ_c λ_c Σ_k W_c[k]   (stride 1),
// because for S = 1 every site x is S p + k for exactly one p per k, so Σ_{p,k} W_c[k] v_{p+k}
// = (Σ_k W_c[k]) Σ_x v_x stays a shared visible bias. (For S > 1 the λ term gives each site
// residue x mod S its own bias, outside the shared-bias family: there λ = 0 and only the visible
// offset is used, still an exact reparametrisation.) The per-site gradients in the centred
// coordinates, from the uncentred ones ĝ (data − model statistics of train.hpp), are
//   g′_W[c,k] = ĝ_W[c,k] − μ ĝ_b[c] − λ_c ĝ_a,   g′_b = ĝ_b,   g′_a = ĝ_a
// ((1/L²) Σ_p ⟨(h_{c,p} − λ_c)(v_{p+k} − μ)⟩, using (1/L²) Σ_p v_{p+k} = (1/L²) Σ_x v_x for S = 1),
// and a step θ′ ← θ′ + η g′ is, mapped back, the uncentred step along
//   G_W = g′_W,   G_b[c] = ĝ_b[c] − μ Σ_k g′_W[c,k],   G_a = ĝ_a − Σ_c λ_c Σ_k g′_W[c,k],
// to which the optimiser (momentum or Adam, weight decay on the kernels) is applied, as the dense
// trainer does (train/optimizer.hpp). This returns G.
ConvStatistics centred_direction(const ConvStatistics& gradient, const ConvOffsets& offsets);
// g′ above (the gradient in the centred coordinates), for tests.
ConvStatistics centred_gradient(const ConvStatistics& gradient, const ConvOffsets& offsets);
// The offsets a batch with statistics `positive` (mean_statistics of the batch) has as its means:
// μ = ⟨v⟩ over rows and sites = positive.visible, λ_c = ⟨E[h_{c,p}|v]⟩ over rows and positions
// = S² positive.hidden[c] (0 for S > 1).
ConvOffsets batch_offsets(const ConvShape& shape, const ConvStatistics& positive);

class ConvOptimizer {
 public:
  // options.check()ed; shape: the model's.
  ConvOptimizer(const ConvShape& shape, const ConvTrainOptions& options);
  // Continues from a saved state (Error when its shapes do not match).
  ConvOptimizer(const ConvShape& shape, const ConvTrainOptions& options, ConvOptimizerState state);
  // One update of `model` from the estimated gradient ĝ (data − model statistics) with learning
  // rate η. With options.z2 the biases are left untouched (the trainer holds them at 0). With
  // options.centering (and not z2), `positive` (the batch's mean_statistics) is required: the
  // offsets start at its means, the step is taken along centred_direction, then the offsets move
  // towards the batch's means, o ← (1 − ν) o + ν o_batch.
  void step(ConvRbm& model, const ConvStatistics& gradient, double learning_rate,
            const ConvStatistics* positive = nullptr);
  const ConvOptimizerState& state() const { return state_; }

 private:
  ConvTrainOptions options_;
  ConvOptimizerState state_;
};

struct ConvEpochReport {
  int epoch = 0;                     // 1-based
  double learning_rate = 0.0;
  double reconstruction_error = 0.0;  // mean squared v − E[v | h(v)] per site, over the epoch
  std::vector<double> swap_acceptance;  // PT: accepted fraction of the swaps of pair (k, k+1) in the epoch
};

// Trains `model` on `data` (rows: visible states). With options.z2, Error unless both layers are
// spin units. `on_epoch` (may be empty) is called after each
// epoch. Throws Error for bad options or data, Cancelled when `stop` answers true (the model then
// holds the last completed update), Error when a parameter becomes non-finite. With a
// communicator of several ranks: a collective over it (PeerFailure / Cancelled when another rank
// fails / stops; `stop` is polled with with_peer_stops).
void train(ConvRbm& model, const MatrixF& data, const ConvTrainOptions& options,
           const std::function<void(const ConvEpochReport&)>& on_epoch = {}, const StopPoll& stop = {});

// Everything a run needs to continue bit-identically after a completed epoch (conv/checkpoint.hpp
// stores it): the optimiser's state (velocities or Adam's moments and count, centering offsets),
// the persistent chains (PCD: [chains, L²]; PT: [R·chains, L²], replica k of chain c at row
// k·chains + c), the data order after the last epoch's shuffle (each epoch shuffles the previous
// order), and the positions of the shuffle and Gibbs streams. A default-constructed state
// (epochs_done 0, no order) starts a fresh run.
struct ConvTrainState {
  int epochs_done = 0;
  ConvOptimizerState optimizer;
  MatrixF chains;
  std::vector<std::int64_t> order;
  RngState shuffle;
  RngState gibbs;
  bool fresh() const { return epochs_done == 0 && order.empty(); }
};

// train() continuing from `state` (fresh: initialised as train() does) up to options.epochs
// epochs in all; `state` is updated after every completed epoch, then `on_epoch(report, model,
// state)` is called (a checkpoint writer). A run interrupted after epoch e and resumed from the
// state of epoch e with the same data and options gives the same bits as an uninterrupted run.
// Error when the state does not fit the model, data or options.
void train(ConvRbm& model, const MatrixF& data, const ConvTrainOptions& options, ConvTrainState& state,
           const std::function<void(const ConvEpochReport&, const ConvRbm&, const ConvTrainState&)>& on_epoch,
           const StopPoll& stop = {});

}  // namespace rgflow::conv
