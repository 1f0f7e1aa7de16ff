#pragma once
// Mini-batch trainer for one RBM: CD-k and PCD-k share one code path (PCD keeps the negative
// chains between updates), SGD with momentum, L1/L2 weight cost, optional sparsity target,
// and per-epoch monitors (Hinton 2010 §5 reconstruction error, pseudo-log-likelihood, and the §6
// overfitting monitor: mean free energy of training rows vs validation rows and their gap).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <vector>

#include "rgflow/comm/communicator.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/rbm/rbm.hpp"
#include "rgflow/stats/result.hpp"
#include "rgflow/train/config.hpp"
#include "rgflow/train/convergence.hpp"
#include "rgflow/train/monitors.hpp"
#include "rgflow/train/optimizer.hpp"
#include "rgflow/sample/tempering.hpp"

namespace rgflow::train {

// Every monitor that is an estimate carries its standard error over the monitor rows.
struct EpochStats {
  int epoch = 0;                        // 1-based index of the epoch just finished
  stats::Result reconstruction_error;   // mean squared error of v vs E[v|h], h ~ p(h|v), per unit
  stats::Result pseudo_log_likelihood;  // mean over monitor rows of the training set
  stats::Result free_energy_train;      // mean F(v) over monitor rows of the training set
  std::optional<stats::Result> free_energy_validation;  // same on validation rows, when given
  std::optional<stats::Result> free_energy_gap;  // validation − train (grows when overfitting);
                                                 // errors of the two means in quadrature
  // Automatic stopping (config.auto_epochs; train/convergence.hpp): the held-out score after the
  // epoch and whether it improved on the best epoch before it.
  std::optional<stats::Result> heldout_score;
  bool heldout_improved = false;
  // Persistent TAP: the magnetisation particles' distinct count, collapse re-seeding and spread
  // over the epoch (train/monitors.hpp); absent for every other method.
  std::optional<ParticleStats> tap_particles;
  float momentum = 0.0f;
  float learning_rate = 0.0f;           // ε of the epoch (after any halving by the guard)
  double seconds = 0.0;                 // wall time of the epoch (informational only)
  // One line per divergence the guard caught during the epoch (it restored the last good state
  // and halved the learning rate; see Trainer::run_epoch), and one when persistent TAP particles
  // collapsed and were re-seeded during the epoch.
  std::vector<std::string> notices;
};

// Thrown by Trainer::run_epoch when the divergence guard has failed kDivergenceRetries times;
// the trainer then holds the last good state (Trainer::checkpoint()).
class TrainingDiverged : public Error {
 public:
  using Error::Error;
};
inline constexpr int kDivergenceRetries = 3;

// Progress inside an epoch: called after each mini-batch.
using BatchCallback = std::function<void(Index batches_done, Index batches_total)>;
// A line from the divergence guard, as it happens.
using NoticeCallback = std::function<void(const std::string& line)>;

// Everything needed to continue training bit-identically.
struct Checkpoint {
  Rbm rbm;
  TrainConfig config;
  int epochs_done = 0;
  RngState rng;
  OptimizerState optimizer;       // velocities / Adam moments, sparsity q, centering offsets
  MatrixF persistent_chains;      // PCD negative chains (empty for CD); TAP: visible
                                  // magnetisations; PT: all replicas [K·C, n_visible]
  MatrixF persistent_hidden;      // TAP: hidden magnetisations (empty otherwise)
  std::optional<sample::TemperingState> tempering;  // PT: ladder and swap counters (replicas above)
  std::optional<RngState> tap_reseed_rng;  // persistent TAP: the re-seeding stream (gradient.hpp)
  // Automatic stopping: the rule's state once an epoch has been scored (config.auto_epochs).
  std::optional<ConvergenceState> convergence;
};

// Atomic HDF5 checkpoint: the model under /rbm (same layout as a model file, so a checkpoint is
// also a loadable model) plus /train/* for the optimizer and sampler state.
void save_checkpoint(const std::string& path, const Checkpoint& checkpoint);
Checkpoint load_checkpoint(const std::string& path);

// Random streams, all derived from (config.seed, stream id) so a run is a pure function of the
// seed (STYLE.md §4):
//   kTrainingStream           permutations and Gibbs sampling; its RngState is checkpointed
//   kInitializationStream     Hinton initialisation (Rbm::initialize), used once
//   kMonitorStreamBase + e    monitors after e epochs, so monitoring never changes training
//   kGuardStreamBase + e      the divergence guard's score after e epochs
//   kStopStream               automatic stopping: pll's flipped units and the AIS chains' seed
//   kTapReseedStream          persistent TAP re-seeding of collapsed particles (gradient.hpp)
inline constexpr std::uint64_t kTrainingStream = 0;
inline constexpr std::uint64_t kInitializationStream = 1;
inline constexpr std::uint64_t kMonitorStreamBase = std::uint64_t{1} << 32;
inline constexpr std::uint64_t kGuardStreamBase = std::uint64_t{2} << 32;
inline constexpr std::uint64_t kStopStream = std::uint64_t{3} << 32;

// Each epoch: a fresh Fisher–Yates permutation of the training rows, mini-batches of
// config.batch_size rows in that order (the last one may be smaller), and for each batch
//   make_gradient_estimator(config)->estimate → Optimizer::step with momentum
//   momentum_at_epoch(config, epoch) (gradient.hpp, optimizer.hpp).
// Then the monitors on the first config.monitor_rows rows of train and validation.
//
// Divergence guard (every unit type and method): after each epoch the trainer checks that
//   - every parameter is finite and |θ| <= kExplodedParameter, and
//   - the score has not collapsed: the pseudo-log-likelihood per unit of the first monitor_rows
//     validation rows (training rows without validation data) has not fallen more than
//     kCollapsePerUnit + 5 standard errors below the best value seen (the model before the first
//     epoch included); for units or rows without a pseudo-likelihood (Gaussian units, rows of
//     probabilities) the reconstruction error has not risen above both 2 × its best + 0.1 and
//     v̄ + r²/4, with v̄ the mean variance of the rows' units (the error of predicting every
//     unit's mean) and r the range of a unit's values (1 Bernoulli, 2 spin, 2√v̄ Gaussian).
// On a failure it restores the state from the start of the epoch (model, optimizer, sampler,
// random stream), halves learning_rate and learning_rate_final in its configuration (so
// checkpoints carry the halving), records one line in EpochStats::notices and runs the epoch
// again. The kDivergenceRetries-th failure of a run throws TrainingDiverged.
//
// Automatic stopping (config.auto_epochs): after an epoch that passed the guard, the held-out
// score of all validation rows and the stopping rule of train/convergence.hpp; when the rule
// stops, the RBM is set to the best epoch's parameters and finished() becomes true. The
// constructors throw Error without validation rows, for binary units with validation rows that
// are not states, and for a score that cannot be computed on this model.
inline constexpr float kExplodedParameter = 1e4f;
inline constexpr double kCollapsePerUnit = 0.25;
class Trainer {
 public:
  // `train` and `validation` must outlive the trainer. Their values must be valid states of
  // the RBM's visible units (checked by the caller with Rbm::check_visible_data).
  Trainer(Rbm& rbm, TrainConfig config, const MatrixF& train, const MatrixF* validation = nullptr);
  // Continue from a checkpoint (the RBM is overwritten with the checkpoint's model).
  Trainer(Rbm& rbm, const Checkpoint& checkpoint, const MatrixF& train,
          const MatrixF* validation = nullptr);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  // Data-parallel training (docs/scaling.md): every rank of `comm` constructs the same trainer
  // (same data, configuration and seed) and calls the same methods in the same order; each
  // update's row shards (config().shards) are spread over the ranks and their gradients combined
  // in a fixed tree, so every rank holds the same model, optimizer and sampler state after every
  // update — the same bits as one process — and run_epoch() becomes collective (a rank that fails
  // or is interrupted makes the others' next update throw PeerFailure / Cancelled). Call before
  // the first epoch; `comm` must outlive the trainer. Throws Error for a method without row
  // shards (cd, pcd, pt only) on more than one rank.
  void set_communicator(const Communicator* comm);

  const TrainConfig& config() const;
  // OpenMP threads the last epoch's updates ran on: each epoch times its first updates with the
  // OpenMP default and with 1 thread, alternately, and keeps the faster (results are the same).
  int threads_used() const;
  int epochs_done() const;
  // epochs_done() >= config().epochs, or automatic stopping has stopped.
  bool finished() const;
  // The stopping rule's state (null unless config.auto_epochs and an epoch has been scored).
  const ConvergenceState* convergence() const;

  // Runs one epoch (mini-batches over a fresh permutation of the rows) and the monitors, under
  // the divergence guard above (throws TrainingDiverged after kDivergenceRetries failures).
  // Each notice also goes to `on_notice` when it happens (before a TrainingDiverged, too).
  EpochStats run_epoch(const BatchCallback& on_batch = {}, const NoticeCallback& on_notice = {});
  // Monitors only, on the current model (used before the first epoch, and by tests). Uses the
  // same monitor stream as the epoch just finished, so after run_epoch it returns the same
  // statistics (with seconds = 0 and momentum = that of the last epoch, 0 before any).
  EpochStats evaluate();

  Checkpoint checkpoint() const;
  // Failures the divergence guard caught so far in this run.
  int divergences() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rgflow::train
