#include "rgflow/train/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fmt/format.h>
#include <omp.h>
#include <numeric>
#include <utility>
#include <vector>

#include "rgflow/core/error.hpp"
#include "rgflow/estimate/pseudo_likelihood.hpp"
#include "rgflow/train/gradient.hpp"
#include "rgflow/train/monitors.hpp"
#include "rgflow/train/optimizer.hpp"

namespace rgflow::train {

namespace {

// Restores the calling thread's OpenMP thread count (omp_set_num_threads) on scope exit.
class ThreadsGuard {
 public:
  ThreadsGuard() : saved_(omp_get_max_threads()) {}
  ~ThreadsGuard() { omp_set_num_threads(saved_); }
  ThreadsGuard(const ThreadsGuard&) = delete;
  ThreadsGuard& operator=(const ThreadsGuard&) = delete;
  int saved() const { return saved_; }

 private:
  int saved_;
};

}  // namespace

struct Trainer::Impl {
  Impl(Rbm& model, const TrainConfig& cfg, const MatrixF& train_rows, const MatrixF* validation_rows)
      : rbm(model),
        config(cfg),
        train(train_rows),
        validation(validation_rows),
        rng(cfg.seed, kTrainingStream),
        estimator(make_gradient_estimator(cfg)),
        optimizer(cfg, model.n_visible(), model.n_hidden()) {
    estimator->set_shards(cfg.shards, nullptr);
  }

  Rbm& rbm;
  TrainConfig config;
  const MatrixF& train;
  const MatrixF* validation;
  int epochs_done = 0;
  int threads_used = 1;  // threads of the last epoch's updates (after probing)
  Rng rng;
  std::unique_ptr<GradientEstimator> estimator;
  Optimizer optimizer;
  Gradient gradient;
  int divergences = 0;
  std::optional<double> best_score;  // the divergence guard's best score (per unit) so far
  MatrixF batch;
  std::vector<Index> order;
  MatrixF monitor_train;       // first monitor_rows rows of train
  MatrixF monitor_validation;  // same of validation (empty without validation data)
  // Automatic stopping (config.auto_epochs): the resolved score, pll's flipped unit per validation
  // row, the AIS seed, and the rule's state once an epoch has been scored.
  StopScore stop_score = StopScore::exact;
  std::vector<Index> stop_flip_index;
  std::uint64_t stop_ais_seed = 0;
  std::optional<ConvergenceState> convergence;

  void prepare_stopping() {
    if (!config.auto_epochs) return;
    if (validation == nullptr || validation->rows() < 1) {
      throw Error("automatic stopping needs validation rows to score");
    }
    if (rbm.binary() && !rows_are_states(*validation)) {
      throw Error("automatic stopping needs validation rows that are states of the visible units");
    }
    stop_score = resolve_stop_score(config.stop_score, rbm);
    Rng stop_rng(config.seed, kStopStream);
    stop_ais_seed = stop_rng.next_u64();
    stop_flip_index.resize(static_cast<std::size_t>(validation->rows()));
    for (Index& i : stop_flip_index) {
      i = static_cast<Index>(stop_rng.below(static_cast<std::uint64_t>(rbm.n_visible())));
    }
  }

  // Scores the epoch just finished and applies the stopping rule (train/convergence.hpp).
  void score_epoch(EpochStats& stats) {
    if (!config.auto_epochs) return;
    if (!convergence) convergence.emplace();
    const HeldOutScore score =
        heldout_score(rbm, stop_score, *validation, train, stop_ais_seed, stop_flip_index);
    stats.heldout_score = score.score;
    stats.heldout_improved = convergence->record(epochs_done, score, rbm, config.patience, config.epochs);
    if (convergence->stopped()) rbm = convergence->best_model;
  }

  void check_data() const {
    if (train.rows() < 1) throw Error("training data has no rows");
    if (train.cols() != rbm.n_visible()) {
      throw Error(fmt::format("training data has {} columns but the model has {} visible units",
                              train.cols(), rbm.n_visible()));
    }
    if (validation != nullptr && validation->rows() > 0 && validation->cols() != rbm.n_visible()) {
      throw Error(fmt::format("validation data has {} columns but the model has {} visible units",
                              validation->cols(), rbm.n_visible()));
    }
  }

  bool monitor_rows_are_states = true;
  bool validation_rows_are_states = true;

  bool rows_are_states(const MatrixF& rows) const {
    return rbm.binary() && dispatch(rbm.visible_type(), [&](auto u) {
      using U = decltype(u);
      return std::all_of(rows.data(), rows.data() + rows.size(), [](float x) { return U::valid(x); });
    });
  }

  void take_monitor_rows() {
    monitor_train = train.topRows(std::min(config.monitor_rows, train.rows()));
    // Pseudo-likelihood needs binary units (Gaussian ones: reported as missing) whose rows are
    // valid states.
    monitor_rows_are_states = rows_are_states(monitor_train);
    if (validation != nullptr && validation->rows() > 0) {
      monitor_validation = validation->topRows(std::min(config.monitor_rows, validation->rows()));
      validation_rows_are_states = rows_are_states(monitor_validation);
    }
    take_guard_variance();
  }

  // Mean over units of the variance of the guard's rows: the reconstruction error of predicting
  // every unit's mean.
  double guard_rows_variance = 0.0;
  void take_guard_variance() {
    const MatrixF& rows = monitor_validation.rows() > 0 ? monitor_validation : monitor_train;
    const Eigen::MatrixXd x = rows.cast<double>();
    const Eigen::RowVectorXd mean = x.colwise().mean();
    guard_rows_variance = (x.rowwise() - mean).array().square().mean();
  }

  // The squared range of a unit's values (Gaussian units: 4 × the rows' mean variance).
  double guard_range2() const {
    switch (rbm.visible_type()) {
      case UnitType::bernoulli: return 1.0;
      case UnitType::spin: return 4.0;
      default: return 4.0 * guard_rows_variance;
    }
  }

  // The divergence guard's score (trainer.hpp), per unit, higher is better, with its error.
  bool guard_uses_pll() const {
    return monitor_validation.rows() > 0 ? validation_rows_are_states : monitor_rows_are_states;
  }
  stats::Result guard_score() const {
    const MatrixF& rows = monitor_validation.rows() > 0 ? monitor_validation : monitor_train;
    Rng guard_rng(config.seed, kGuardStreamBase + static_cast<std::uint64_t>(epochs_done));
    stats::Result r = guard_uses_pll() ? estimate::pseudo_log_likelihood(rbm, rows, guard_rng)
                                       : reconstruction_error(rbm, rows, guard_rng);
    const double per_unit = 1.0 / static_cast<double>(rbm.n_visible());
    r.mean *= guard_uses_pll() ? per_unit : -1.0;
    r.error *= guard_uses_pll() ? per_unit : 1.0;
    return r;
  }

  // What went wrong after an epoch (empty: nothing); updates the best score.
  std::string check_health() {
    const auto bad = [](const auto& m) {
      return !m.allFinite() || (m.size() != 0 && m.cwiseAbs().maxCoeff() > kExplodedParameter);
    };
    if (bad(rbm.weights()) || bad(rbm.visible_bias()) || bad(rbm.hidden_bias()) ||
        (has_sigma(rbm.visible_type()) && bad(rbm.visible_sigma()))) {
      return fmt::format("non-finite or exploding parameters (|θ| > {:g})", kExplodedParameter);
    }
    const stats::Result score = guard_score();
    if (!std::isfinite(score.mean)) return "the monitor score is not finite";
    const double best = best_score.value_or(score.mean);
    if (guard_uses_pll()) {
      if (score.mean < best - (kCollapsePerUnit + 5.0 * score.error)) {
        return fmt::format("the pseudo-log-likelihood fell from {:.4f} to {:.4f} nats per unit",
                           best, score.mean);
      }
    } else if (-score.mean > std::max(2.0 * -best + 0.1, guard_rows_variance + 0.25 * guard_range2())) {
      return fmt::format("the reconstruction error rose from {:.4f} to {:.4f} per unit", -best,
                         -score.mean);
    }
    best_score = std::max(best, score.mean);
    return {};
  }

  void restore(const Checkpoint& c) {
    rbm = c.rbm;
    config = c.config;
    epochs_done = c.epochs_done;
    rng = Rng::from_state(c.rng);
    optimizer = Optimizer(config, rbm.n_visible(), rbm.n_hidden());
    optimizer.restore(c.optimizer);
    EstimatorState sampler;
    sampler.chains = c.persistent_chains;
    sampler.hidden = c.persistent_hidden;
    sampler.tempering = c.tempering;
    sampler.reseed_rng = c.tap_reseed_rng;
    estimator->restore(sampler);
    convergence = c.convergence;
  }

  EpochStats epoch(const BatchCallback& on_batch);

  EpochStats monitors() const {
    // A stream of its own per epoch: monitors draw nothing from the training stream, so the
    // trained weights are the same with or without monitoring.
    Rng monitor_rng(config.seed, kMonitorStreamBase + static_cast<std::uint64_t>(epochs_done));
    EpochStats s;
    s.epoch = epochs_done;
    s.reconstruction_error = reconstruction_error(rbm, monitor_train, monitor_rng);
    // Pseudo-likelihood flips units, so it needs rows of states; rows of mean activations (a DBN
    // layer trained on the probabilities of the layer below) report NaN.
    if (monitor_rows_are_states) {
      s.pseudo_log_likelihood = estimate::pseudo_log_likelihood(rbm, monitor_train, monitor_rng);
    }
    s.free_energy_train = mean_free_energy(rbm, monitor_train);
    if (monitor_validation.rows() > 0) {
      s.free_energy_validation = mean_free_energy(rbm, monitor_validation);
      s.free_energy_gap = stats::difference(*s.free_energy_validation, s.free_energy_train);
    }
    s.tap_particles = estimator->particle_stats();
    s.momentum = epochs_done > 0 ? momentum_at_epoch(config, epochs_done - 1) : 0.0f;
    s.learning_rate = learning_rate_at_epoch(config, std::max(0, epochs_done - 1));
    return s;
  }
};

namespace {

// The unit types the configuration's parametrisation needs.
void check_parametrisation(const TrainConfig& config, const Rbm& rbm) {
  if (config.symmetry == Symmetry::z2 &&
      (rbm.visible_type() != UnitType::spin || rbm.hidden_type() != UnitType::spin)) {
    throw Error("the Z2 symmetry needs spin visible and hidden units");
  }
  if (config.centering && !rbm.binary()) {
    throw Error("centering applies to binary (Bernoulli or spin) units only");
  }
}

}  // namespace

Trainer::Trainer(Rbm& rbm, TrainConfig config, const MatrixF& train, const MatrixF* validation) {
  config.validate();
  rbm.validate();
  check_parametrisation(config, rbm);
  impl_ = std::make_unique<Impl>(rbm, config, train, validation);
  impl_->check_data();
  impl_->prepare_stopping();
  if (config.initialize) {
    Rng init_rng(config.seed, kInitializationStream);
    rbm.initialize(init_rng, &train);
  }
  if (config.symmetry == Symmetry::z2) {
    rbm.visible_bias().setZero();
    rbm.hidden_bias().setZero();
  }
  impl_->take_monitor_rows();
}

Trainer::Trainer(Rbm& rbm, const Checkpoint& checkpoint, const MatrixF& train,
                 const MatrixF* validation) {
  checkpoint.config.validate();
  checkpoint.rbm.validate();
  check_parametrisation(checkpoint.config, checkpoint.rbm);
  if (checkpoint.epochs_done < 0) {
    throw Error(fmt::format("checkpoint: epochs done is negative ({})", checkpoint.epochs_done));
  }
  rbm = checkpoint.rbm;
  impl_ = std::make_unique<Impl>(rbm, checkpoint.config, train, validation);
  impl_->check_data();
  impl_->prepare_stopping();
  const MatrixF& chains = checkpoint.persistent_chains;
  if (chains.size() != 0 && chains.cols() != rbm.n_visible()) {
    throw Error(fmt::format("checkpoint: persistent chains have {} columns but the model has {} "
                            "visible units", chains.cols(), rbm.n_visible()));
  }
  impl_->restore(checkpoint);
  impl_->take_monitor_rows();
}

Trainer::~Trainer() = default;

const TrainConfig& Trainer::config() const { return impl_->config; }
int Trainer::epochs_done() const { return impl_->epochs_done; }
void Trainer::set_communicator(const Communicator* comm) {
  impl_->estimator->set_shards(impl_->config.shards, comm);
}

int Trainer::threads_used() const { return impl_->threads_used; }
int Trainer::divergences() const { return impl_->divergences; }
bool Trainer::finished() const {
  return impl_->epochs_done >= impl_->config.epochs ||
         (impl_->convergence && impl_->convergence->stopped());
}
const ConvergenceState* Trainer::convergence() const {
  return impl_->convergence ? &*impl_->convergence : nullptr;
}

EpochStats Trainer::run_epoch(const BatchCallback& on_batch, const NoticeCallback& on_notice) {
  Impl& s = *impl_;
  if (s.convergence && s.convergence->stopped()) throw Error("training has already stopped");
  if (!s.best_score) s.best_score = s.guard_score().mean;  // the model this run starts from
  std::vector<std::string> notices;
  for (;;) {
    const Checkpoint before = checkpoint();
    EpochStats stats = s.epoch(on_batch);
    const std::string problem = s.check_health();
    if (problem.empty()) {
      s.score_epoch(stats);
      stats.notices = std::move(notices);
      if (const auto& p = stats.tap_particles; p && p->reseeded > 0) {
        stats.notices.push_back(fmt::format(
            "epoch {}: the TAP particles collapsed (as few as {} of {} distinct): re-seeded {} "
            "particles at random batch rows in {} updates",
            stats.epoch, p->min_distinct, p->particles, p->reseeded, p->reseedings));
        if (on_notice) on_notice(stats.notices.back());
      }
      return stats;
    }
    s.divergences += 1;
    const int epoch = s.epochs_done;
    s.restore(before);
    s.config.learning_rate *= 0.5f;
    if (s.config.learning_rate_final) *s.config.learning_rate_final *= 0.5f;
    if (s.divergences >= kDivergenceRetries) {
      throw TrainingDiverged(fmt::format(
          "training diverged {} times (last in epoch {}: {}); kept the state after epoch {}",
          s.divergences, epoch, problem, s.epochs_done));
    }
    notices.push_back(fmt::format(
        "epoch {} diverged ({}): restored the state before it and halved the learning rate to {:g}",
        epoch, problem, learning_rate_at_epoch(s.config, s.epochs_done)));
    if (on_notice) on_notice(notices.back());
  }
}

EpochStats Trainer::Impl::epoch(const BatchCallback& on_batch) {
  Impl& s = *this;
  const auto start = std::chrono::steady_clock::now();
  const Index n = s.train.rows();
  const float momentum = momentum_at_epoch(s.config, s.epochs_done);
  s.optimizer.set_learning_rate(learning_rate_at_epoch(s.config, s.epochs_done));

  // Fisher–Yates from the identity each epoch, so the order depends only on the stream state.
  s.order.resize(static_cast<std::size_t>(n));
  std::iota(s.order.begin(), s.order.end(), Index{0});
  for (Index i = n - 1; i > 0; --i) {
    const auto j = static_cast<Index>(s.rng.below(static_cast<std::uint64_t>(i) + 1));
    std::swap(s.order[static_cast<std::size_t>(i)], s.order[static_cast<std::size_t>(j)]);
  }

  const Index batch_size = s.config.batch_size;
  const Index batches = (n + batch_size - 1) / batch_size;
  // Threads: the updates' results do not depend on the thread count (train/chunked_gibbs.hpp),
  // so each epoch picks the faster of 1 and the OpenMP default by timing the first updates
  // alternately with each (median of kProbe). A machine shared with other work makes every
  // barrier of a multi-threaded update wait for a descheduled thread (measured: 12 s per
  // 784×500 MNIST epoch with 2 threads against 1.6 s with 1 while two builds ran; 0.9 s with 2
  // when idle), so the choice is remade every epoch.
  const ThreadsGuard threads_guard;
  const int max_threads = threads_guard.saved();
  constexpr Index kProbe = 5;
  const bool probe = max_threads > 1 && batches >= 8 * kProbe;
  s.estimator->begin_epoch();
  std::vector<double> probe_seconds[2];
  for (Index b = 0; b < batches; ++b) {
    const Index first = b * batch_size;
    const Index rows = std::min(batch_size, n - first);
    s.batch.resize(rows, s.train.cols());
    // Rows come from anywhere in the training set: prefetching row r + 2 while copying row r
    // hides most of the memory latency of the gather, and large batches are gathered by the
    // update's threads (a copy: no effect on any result).
    const Index cols = s.train.cols();
    const int gather_threads = rows * cols >= (Index{1} << 15) ? omp_get_max_threads() : 1;
#pragma omp parallel for num_threads(gather_threads) schedule(static)
    for (Index r = 0; r < rows; ++r) {
      if (r + 2 < rows) {
        const float* ahead = s.train.row(s.order[static_cast<std::size_t>(first + r + 2)]).data();
        for (Index c = 0; c < cols; c += 16) __builtin_prefetch(ahead + c);
      }
      s.batch.row(r) = s.train.row(s.order[static_cast<std::size_t>(first + r)]);
    }
    const bool probing = probe && b < 2 * kProbe;
    if (probing) omp_set_num_threads(b % 2 == 0 ? max_threads : 1);
    const auto t0 = std::chrono::steady_clock::now();
    // Plain SGD: the estimator steps each block of weights as soon as its gradient is formed.
    s.gradient.fused_step = s.optimizer.fused_weight_step(s.rbm, momentum);
    s.gradient.centred_step = s.optimizer.fused_centred_step(s.rbm, momentum);
    s.gradient.weights_stepped = false;
    s.estimator->estimate(s.rbm, s.batch, s.rng, s.gradient);
    s.optimizer.step(s.rbm, s.gradient, momentum);
    if (probing) {
      probe_seconds[b % 2].push_back(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      if (b + 1 == 2 * kProbe) {
        for (auto& v : probe_seconds) std::nth_element(v.begin(), v.begin() + kProbe / 2, v.end());
        s.threads_used = probe_seconds[1][kProbe / 2] < probe_seconds[0][kProbe / 2] ? 1 : max_threads;
        omp_set_num_threads(s.threads_used);
      }
    } else if (b == 0) {
      s.threads_used = max_threads;
    }
    if (on_batch) on_batch(b + 1, batches);
  }
  s.epochs_done += 1;
  // Non-finite parameters: the guard (run_epoch) restores the state; the monitors would be NaN.
  if (!s.rbm.weights().allFinite() || !s.rbm.visible_bias().allFinite() ||
      !s.rbm.hidden_bias().allFinite()) {
    return EpochStats{};
  }

  EpochStats stats = s.monitors();
  stats.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return stats;
}

EpochStats Trainer::evaluate() { return impl_->monitors(); }

Checkpoint Trainer::checkpoint() const {
  const Impl& s = *impl_;
  Checkpoint c;
  c.rbm = s.rbm;
  c.config = s.config;
  c.epochs_done = s.epochs_done;
  c.rng = s.rng.state();
  c.optimizer = s.optimizer.state();
  EstimatorState sampler = s.estimator->state();
  c.persistent_chains = std::move(sampler.chains);
  c.persistent_hidden = std::move(sampler.hidden);
  c.tempering = std::move(sampler.tempering);
  c.tap_reseed_rng = sampler.reseed_rng;
  c.convergence = s.convergence;
  return c;
}

}  // namespace rgflow::train
