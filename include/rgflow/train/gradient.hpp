#pragma once
// Gradient estimators for the mean log-likelihood of a mini-batch, apart from the model and the
// optimizer (STYLE.md: an estimator takes (const Rbm&, batch, Rng&)).
//
// For E(v,h) = Σ U(v) + Σ U(h) − t(v)ᵀ W t(h) (rbm/rbm.hpp) the exact gradient of ⟨log p(v)⟩ over
// a batch B is ⟨S⟩_B − ⟨S⟩_model for the sufficient statistics S = ∂(−E)/∂θ:
//   S_W = t(v) t(h)ᵀ,  S_a = s(v),  S_b = s(h),  S_log σ (Gaussian visible units, units.hpp)
// with s the bias statistic (binary units: the state itself, so ∂/∂W = ⟨v E[h|v]ᵀ⟩_B − ⟨v hᵀ⟩_model;
// Hinton 2010 §2). Every statistic is linear in h, so h is replaced by E[h|v] on both sides
// (Rao-Blackwellisation). The positive (data) phase is exact; estimators differ in how they
// approximate the negative (model) phase.
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "rgflow/comm/communicator.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/core/types.hpp"
#include "rgflow/rbm/rbm.hpp"
#include "rgflow/train/config.hpp"
#include "rgflow/train/monitors.hpp"
#include "rgflow/sample/tempering.hpp"

namespace rgflow::train {

namespace detail {
class ShardTree;  // row shards' gradient tree (src/train/shard_tree.hpp)
}
class Optimizer;  // optimizer.hpp

// The tempering sampler (sample/tempering.hpp) as the PT estimator uses it.
using sample::geometric_ladder;
using sample::ParallelTempering;
using sample::TemperingState;

// A plain SGD step on the weights, v ← m·v + lr·dW then W ← W + v, that an estimator may apply
// block by block as soon as each column block of dW is formed (while it is in cache) instead of
// leaving it to a separate pass of Optimizer::step (Optimizer::fused_weight_step says when).
struct FusedWeightStep {
  MatrixF* weights = nullptr;
  MatrixF* velocity = nullptr;
  float momentum = 0.0f;
  float learning_rate = 0.0f;
};

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
  // Gaussian visible units with a learned σ: ∂/∂log σ_i (units.hpp log_sigma_statistic); empty
  // otherwise.
  VectorF d_log_sigma;
  // Set by the caller before an estimate: the binary-unit CD, PCD and PT estimators apply it
  // to the weights after forming dW and set weights_stepped (dW is still filled); others leave
  // weights_stepped false. Optimizer::step then steps the biases only.
  std::optional<FusedWeightStep> fused_step;
  // Set by the caller before an estimate (Optimizer::fused_centred_step): the row-sharded binary
  // estimators' tree (shard_tree.hpp) takes the centred SGD step on each block of rows of dW as
  // the root forms it, and sets weights_stepped; others leave it to Optimizer::step.
  Optimizer* centred_step = nullptr;
  bool weights_stepped = false;

  Gradient() = default;
  Gradient(Index n_visible, Index n_hidden);
  // Sizes the members every binary-unit estimator fills (values unset; d_log_sigma empty).
  void resize_binary(Index n_visible, Index n_hidden);
  void set_zero();
};

// Everything an estimator carries between calls, for checkpoints (all empty when stateless).
struct EstimatorState {
  MatrixF chains;   // PCD: the chains; TAP: visible magnetisations; PT: all replicas [K·C, n_v]
  MatrixF hidden;   // TAP: hidden magnetisations [C, n_hidden]
  std::optional<TemperingState> tempering;  // PT: ladder and swap counters (replicas in `chains`)
  std::optional<RngState> reseed_rng;       // persistent TAP: the re-seeding stream
};

// Random streams of the estimators, beside those of trainer.hpp: persistent TAP re-seeding.
inline constexpr std::uint64_t kTapReseedStream = std::uint64_t{4} << 32;

// Interface every negative-phase approximation implements (CD/PCD, TAP/EMF, parallel
// tempering). Implementations may keep sampler state between calls (persistent chains);
// that state must be exposed through state()/restore() (and, for the visible chains alone,
// persistent_chains()/set_persistent_chains()) so that a checkpoint can restore it
// bit-identically.
class GradientEstimator {
 public:
  virtual ~GradientEstimator() = default;
  // Overwrites `grad` (resized as needed) with the estimate for the rows of `batch`.
  // All randomness is drawn from `rng`, in a fixed order.
  virtual void estimate(const Rbm& rbm, const MatrixF& batch, Rng& rng, Gradient& grad) = 0;

  // Sampler state carried between calls (empty when there is none).
  virtual const MatrixF& persistent_chains() const { return empty_; }
  virtual void set_persistent_chains(const MatrixF& chains);

  // The full state; the default is the visible chains alone.
  virtual EstimatorState state() const;
  // Per-epoch particle diagnostics: begin_epoch() resets the counters, particle_stats() reports
  // them (none for estimators without persistent magnetisations).
  virtual void begin_epoch() {}
  virtual std::optional<ParticleStats> particle_stats() const { return std::nullopt; }
  // Restores state(); the default accepts only `chains` (set_persistent_chains). Throws Error for
  // state this estimator does not keep or of inconsistent shape.
  virtual void restore(const EstimatorState& state);
  // Row shards (TrainConfig::shards; src/train/shard_tree.hpp): the batch and the chains are cut
  // into `shards` fixed blocks of rows and their gradients added in a fixed tree; under `comm`
  // (null: this process alone) each rank forms its own shards, the gradient is combined over the
  // ranks and the persistent chains' rows are exchanged, so every rank holds the same gradient
  // and state — the same bits for any number of ranks. Then estimate() is collective over
  // `comm`. The default accepts one shard on one rank only (Error otherwise).
  virtual void set_shards(int shards, const Communicator* comm);

 private:
  MatrixF empty_;
};

// The mean over rows of the sufficient statistics S(v, E[h|v]) above, given visible states V and
// the hidden conditional means H: weights ⟨t(v) t(h)ᵀ⟩, visible ⟨s(v)⟩, hidden ⟨s(h)⟩, and (when
// `log_sigma` and the visible units are Gaussian, else empty) ⟨∂(−E)/∂log σ⟩.
struct MeanStatistics {
  MatrixF weights;
  VectorF visible;
  VectorF hidden;
  VectorF log_sigma;
};
void mean_statistics(const Rbm& rbm, const MatrixF& visible, const MatrixF& hidden_mean,
                     bool log_sigma, MeanStatistics& out);

// The positive phase shared by all estimators: E[h|v] of the batch into hidden_mean, the batch's
// mean statistics into grad.dW, grad.da, grad.db (and grad.d_log_sigma for a learned σ), ⟨v⟩_B into
// grad.batch_visible_mean and ⟨E[h|v]⟩_B into grad.batch_hidden_mean. The caller then subtracts
// the negative phase.
void positive_phase(const Rbm& rbm, const MatrixF& batch, MatrixF& hidden_mean, Gradient& grad);
// grad −= the mean statistics of the negative-phase states (V, E[h|V]).
void subtract_negative_phase(const Rbm& rbm, const MatrixF& visible, const MatrixF& hidden_mean,
                             Gradient& grad);

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
  // hidden_state (PCD only): the chains carry their hidden samples between updates, as
  // scikit-learn's BernoulliRBM does — each update continues the chain from h (drawn from the
  // previous parameters) with v | h, h | v, …, so PCD-k needs the products of CD-k (2k + 3)
  // instead of 2k + 4. The default keeps the visible samples (Tieleman 2008).
  ContrastiveDivergence(int steps, bool persistent, bool hidden_state = false);
  ~ContrastiveDivergence() override;

  void estimate(const Rbm& rbm, const MatrixF& batch, Rng& rng, Gradient& grad) override;

  const MatrixF& persistent_chains() const override { return chains_; }
  // PCD: replaces the chains (empty: re-initialise from the next batch). CD: must be empty.
  void set_persistent_chains(const MatrixF& chains) override;
  // PCD: the visible chains and, with hidden_state, their hidden samples.
  EstimatorState state() const override;
  void restore(const EstimatorState& state) override;
  // Binary units only (estimate() throws Error for others with more than one shard or rank).
  void set_shards(int shards, const Communicator* comm) override;

  int steps() const { return steps_; }
  bool persistent() const { return persistent_; }
  bool hidden_state() const { return hidden_state_; }
  // The negative-phase samples of the last estimate(): v_k [chains, n_visible] and
  // E[h|v_k] [chains, n_hidden] (exposed for tests and diagnostics; on several ranks only the rows
  // of this rank's shards, apart from PCD's chains, which every rank holds whole).
  const MatrixF& negative_visible() const { return persistent_ ? chains_ : negative_visible_; }
  const MatrixF& negative_hidden_mean() const { return negative_hidden_mean_; }

 private:
  void estimate_general(const Rbm& rbm, const MatrixF& batch, Rng& rng, Gradient& grad);
  void estimate_binary(const Rbm& rbm, const MatrixF& batch, Rng& rng, Gradient& grad);

  int steps_;
  bool persistent_;
  bool hidden_state_;
  int shards_ = 1;
  const Communicator* comm_ = nullptr;
  MatrixF chains_;               // PCD only
  MatrixF chain_hidden_;         // hidden-state PCD: the chains' hidden samples
  MatrixF negative_visible_;     // CD: v_k of the last estimate (PCD: v_k is chains_)
  MatrixF negative_hidden_mean_; // E[h|v_k] of the last estimate
  // Work buffers kept between calls to avoid reallocating every update.
  MatrixF hidden_sample_;
  MatrixF positive_hidden_mean_;
  std::unique_ptr<detail::ShardTree> tree_;  // row shards: the tree's buffers
};

// EMF / TAP training (Gabrié, Tramel & Krzakala 2015; docs/tap.md): the model term is
// ∂ log Z_TAP/∂θ (estimate::tap_negative_phase, in the units of mean_statistics) at magnetisations
// refined by `iterations` damped sweeps per update (estimate::tap_sweeps; persistent particles or
// restarted at the batch), for every unit type (Gaussian visible units: docs/gaussian.md §4, with
// a learned σ d_log_sigma = ⟨∂(−E)/∂log σ⟩_data − ∂ log Z_TAP/∂log σ; order 3 = order 2).
//
// Persistent particles collapse (docs/tap.md): while W is small the damped sweeps contract every
// particle onto one fixed point, and a deterministic map never separates them again. Before each
// update's sweeps the estimator counts the distinct particles (count_distinct_particles); when
// fewer than ceil(reseed_fraction · P) are distinct it restarts every duplicate at a batch row
// (m_v = v, m_h = E[h|v]; the rows in the order of a fresh random permutation of the batch, drawn
// from the stream (seed, kTapReseedStream), cycling when there are more duplicates than rows).
// Batches are random training rows, so these are random training rows. The stream is used
// serially and checkpointed (state().reseed_rng), so results stay bit-identical for any thread
// count and across resumes. reseed_fraction 0 never re-seeds.
class TapEstimator final : public GradientEstimator {
 public:
  TapEstimator(int order, int iterations, double damping, bool persistent, Index chains = 0,
               double reseed_fraction = 0.0, std::uint64_t seed = 0);

  void estimate(const Rbm& rbm, const MatrixF& batch, Rng& rng, Gradient& grad) override;

  const MatrixF& persistent_chains() const override { return visible_; }
  void set_persistent_chains(const MatrixF& chains) override;
  EstimatorState state() const override;
  void restore(const EstimatorState& state) override;
  void begin_epoch() override;
  // Persistent TAP only (nullopt otherwise, and before the first update).
  std::optional<ParticleStats> particle_stats() const override;

  int order() const { return order_; }
  double reseed_fraction() const { return reseed_fraction_; }
  // Magnetisations after the last estimate() [particles, n_visible] / [particles, n_hidden].
  const MatrixF& visible_magnetisations() const { return visible_; }
  const MatrixF& hidden_magnetisations() const { return hidden_; }

 private:
  int order_;
  int iterations_;
  double damping_;
  bool persistent_;
  // Counts the distinct particles and restarts the duplicates when too few are distinct.
  void reseed_collapsed(const Rbm& rbm, const MatrixF& batch);

  Index chains_;
  double reseed_fraction_;
  Rng reseed_rng_;
  ParticleStats epoch_stats_;
  std::vector<Index> duplicates_;
  std::vector<Index> rows_;
  MatrixF visible_, hidden_;
  MatrixF positive_hidden_mean_;
  MatrixF neg_w_;
  VectorF neg_a_, neg_b_, neg_log_sigma_;
};

// Parallel tempering (Desjardins et al. 2010; tempering.hpp): C chains (rows of the first
// batch, every replica starting there), each with K replicas on the ladder; per update `steps` PT
// steps (neighbour swaps, then a Gibbs sweep of every replica), and the negative phase from the
// β = 1 replicas with Rao-Blackwellised hidden units, as PCD: mean of v E[h|v]ᵀ. Binary units,
// thread-count-independent results (ParallelTempering, src/rbm/chunked_gibbs.hpp); row shards
// over ranks with the same bits for any rank count (set_shards).
class TemperingEstimator final : public GradientEstimator {
 public:
  TemperingEstimator(int steps, std::vector<double> betas, bool adaptive);
  ~TemperingEstimator() override;

  void estimate(const Rbm& rbm, const MatrixF& batch, Rng& rng, Gradient& grad) override;

  const MatrixF& persistent_chains() const override { return pt_.state().replicas; }
  void set_persistent_chains(const MatrixF& chains) override;
  EstimatorState state() const override;
  void restore(const EstimatorState& state) override;

  // Row shards of the batch and of the chains (every replica of a chain with it), over the ranks
  // of `comm`: the same bits for any number of ranks and threads given `shards` (gradient.cpp).
  void set_shards(int shards, const Communicator* comm) override;

  const ParallelTempering& sampler() const { return pt_; }

 private:
  int steps_;
  int shards_ = 1;
  const Communicator* comm_ = nullptr;
  std::unique_ptr<detail::ShardTree> tree_;  // row shards: the tree's buffers
  ParallelTempering pt_;
  MatrixF positive_hidden_mean_;
  MatrixF negative_hidden_mean_;
};

// The estimator a configuration asks for: ContrastiveDivergence(steps, method == pcd),
// TapEstimator(order, tap_iterations, tap_damping, tap_persistent, tap_chains) for tap1..3, and
// TemperingEstimator(steps, geometric_ladder(pt_replicas, pt_beta_min), pt_adaptive) for pt.
// TAP passes tap_reseed_fraction and seed as well.
std::unique_ptr<GradientEstimator> make_gradient_estimator(const TrainConfig& config);

}  // namespace rgflow::train
