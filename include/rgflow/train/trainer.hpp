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

#include "rgflow/core/rng.hpp"
#include "rgflow/rbm/rbm.hpp"
#include "rgflow/stats/result.hpp"
#include "rgflow/train/config.hpp"
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
  float momentum = 0.0f;
  double seconds = 0.0;                 // wall time of the epoch (informational only)
};

// Progress inside an epoch: called after each mini-batch.
using BatchCallback = std::function<void(Index batches_done, Index batches_total)>;

// Everything needed to continue training bit-identically.
struct Checkpoint {
  Rbm rbm;
  TrainConfig config;
  int epochs_done = 0;
  RngState rng;
  MatrixF weight_velocity;
  VectorF visible_velocity;
  VectorF hidden_velocity;
  MatrixF persistent_chains;      // PCD negative chains (empty for CD); TAP: visible
                                  // magnetisations; PT: all replicas [K·C, n_visible]
  MatrixF persistent_hidden;      // TAP: hidden magnetisations (empty otherwise)
  std::optional<sample::TemperingState> tempering;  // PT: ladder and swap counters (replicas above)
  VectorF hidden_activity;        // running mean activity q for the sparsity target (may be empty)
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
inline constexpr std::uint64_t kTrainingStream = 0;
inline constexpr std::uint64_t kInitializationStream = 1;
inline constexpr std::uint64_t kMonitorStreamBase = std::uint64_t{1} << 32;

// Each epoch: a fresh Fisher–Yates permutation of the training rows, mini-batches of
// config.batch_size rows in that order (the last one may be smaller), and for each batch
//   make_gradient_estimator(config)->estimate → Sgd::step with momentum
//   momentum_at_epoch(config, epoch) (gradient.hpp, optimizer.hpp).
// Then the monitors on the first config.monitor_rows rows of train and validation.
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

  const TrainConfig& config() const;
  // OpenMP threads the last epoch's updates ran on: each epoch times its first updates with the
  // OpenMP default and with 1 thread, alternately, and keeps the faster (results are the same).
  int threads_used() const;
  int epochs_done() const;
  bool finished() const { return epochs_done() >= config().epochs; }

  // Runs one epoch (mini-batches over a fresh permutation of the rows) and the monitors.
  // Throws Error if the parameters become non-finite (learning rate too large).
  EpochStats run_epoch(const BatchCallback& on_batch = {});
  // Monitors only, on the current model (used before the first epoch, and by tests). Uses the
  // same monitor stream as the epoch just finished, so after run_epoch it returns the same
  // statistics (with seconds = 0 and momentum = that of the last epoch, 0 before any).
  EpochStats evaluate();

  Checkpoint checkpoint() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rgflow::train
