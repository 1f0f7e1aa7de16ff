#include "rgflow/train/gradient.hpp"

#include <fmt/format.h>
#include <stdexcept>

#include "rgflow/core/error.hpp"
#include "rgflow/estimate/tap.hpp"
#include "rgflow/train/gaussian_gradient.hpp"

namespace rgflow::train {

Gradient::Gradient(Index n_visible, Index n_hidden)
    : dW(MatrixF::Zero(n_visible, n_hidden)),
      da(VectorF::Zero(n_visible)),
      db(VectorF::Zero(n_hidden)),
      batch_visible_mean(VectorF::Zero(n_visible)),
      batch_hidden_mean(VectorF::Zero(n_hidden)) {}

void Gradient::set_zero() {
  dW.setZero();
  da.setZero();
  db.setZero();
  batch_visible_mean.setZero();
  batch_hidden_mean.setZero();
}

void GradientEstimator::set_persistent_chains(const MatrixF& chains) {
  if (chains.size() != 0) {
    throw Error("this gradient estimator keeps no persistent chains");
  }
}

EstimatorState GradientEstimator::state() const {
  EstimatorState s;
  s.chains = persistent_chains();
  return s;
}

void GradientEstimator::restore(const EstimatorState& state) {
  if (state.hidden.size() != 0 || state.tempering.has_value()) {
    throw Error("this gradient estimator keeps no hidden magnetisations or tempering ladder");
  }
  set_persistent_chains(state.chains);
}

namespace {

void check_batch(const Rbm& rbm, const MatrixF& batch) {
  if (batch.rows() < 1 || batch.cols() != rbm.n_visible()) {
    throw Error(fmt::format("gradient: batch is {}x{} but the model has {} visible units",
                            batch.rows(), batch.cols(), rbm.n_visible()));
  }
}

}  // namespace

void positive_phase(const Rbm& rbm, const MatrixF& batch, MatrixF& hidden_mean, Gradient& grad) {
  check_batch(rbm, batch);
  rbm.hidden_mean(batch, hidden_mean);
  const float inv_b = 1.0f / static_cast<float>(batch.rows());
  grad.dW.noalias() = (batch.transpose() * hidden_mean) * inv_b;
  grad.batch_visible_mean = batch.colwise().sum().transpose() * inv_b;
  grad.batch_hidden_mean = hidden_mean.colwise().sum().transpose() * inv_b;
  grad.da = grad.batch_visible_mean;
  grad.db = grad.batch_hidden_mean;
}

ContrastiveDivergence::ContrastiveDivergence(int steps, bool persistent)
    : steps_(steps), persistent_(persistent) {
  if (steps < 1) throw Error(fmt::format("Gibbs steps per update must be >= 1 (got {})", steps));
}

void ContrastiveDivergence::set_persistent_chains(const MatrixF& chains) {
  if (!persistent_) {
    GradientEstimator::set_persistent_chains(chains);
    return;
  }
  chains_ = chains;
}

void ContrastiveDivergence::estimate(const Rbm& rbm, const MatrixF& batch, Rng& rng,
                                     Gradient& grad) {
  if (batch.rows() < 1 || batch.cols() != rbm.n_visible()) {
    throw Error(fmt::format("gradient: batch is {}x{} but the model has {} visible units",
                            batch.rows(), batch.cols(), rbm.n_visible()));
  }
  if (persistent_ && chains_.size() != 0 && chains_.cols() != rbm.n_visible()) {
    throw Error(fmt::format("gradient: persistent chains have {} columns but the model has {} "
                            "visible units", chains_.cols(), rbm.n_visible()));
  }

  // Negative chains: for CD they start at the batch, for PCD where the last update left them.
  MatrixF& V = persistent_ ? chains_ : negative_visible_;
  int remaining = steps_;
  if (persistent_) {
    if (chains_.size() == 0) chains_ = batch;
    rbm.hidden_mean(batch, positive_hidden_mean_);
  } else {
    // CD: the first hidden sample of the chain is drawn from the same field as the positive
    // phase, so compute both in one pass (saves one V·W product per update).
    rbm.sample_hidden(batch, hidden_sample_, rng, &positive_hidden_mean_);
    rbm.sample_visible(hidden_sample_, V, rng);
    remaining -= 1;
  }
  rbm.gibbs(V, hidden_sample_, remaining, rng);
  rbm.hidden_mean(V, negative_hidden_mean_);

  const float inv_b = 1.0f / static_cast<float>(batch.rows());
  const float inv_c = 1.0f / static_cast<float>(V.rows());
  grad.dW.noalias() = (batch.transpose() * positive_hidden_mean_) * inv_b;
  grad.dW.noalias() -= (V.transpose() * negative_hidden_mean_) * inv_c;
  grad.batch_visible_mean = batch.colwise().sum().transpose() * inv_b;
  grad.batch_hidden_mean = positive_hidden_mean_.colwise().sum().transpose() * inv_b;
  grad.da = grad.batch_visible_mean - V.colwise().sum().transpose() * inv_c;
  grad.db = grad.batch_hidden_mean - negative_hidden_mean_.colwise().sum().transpose() * inv_c;
  // Gaussian visible units: 1/σ² factors and the log σ gradient.
  add_gaussian_visible_terms(rbm, batch, positive_hidden_mean_, V, negative_hidden_mean_, grad);
}

// ---------------------------------------------------------------------------------------------
// TAP / EMF

TapEstimator::TapEstimator(int order, int iterations, double damping, bool persistent,
                           Index chains)
    : order_(order),
      iterations_(iterations),
      damping_(damping),
      persistent_(persistent),
      chains_(chains) {
  if (order < 1 || order > 3) throw Error(fmt::format("TAP order must be 1, 2 or 3 (got {})", order));
  if (iterations < 1) {
    throw Error(fmt::format("TAP iterations must be >= 1 (got {})", iterations));
  }
  if (!(damping >= 0.0 && damping < 1.0)) {
    throw Error(fmt::format("TAP damping must be in [0, 1) (got {})", damping));
  }
  if (chains < 0) throw Error(fmt::format("TAP chains must be >= 0 (got {})", chains));
}

void TapEstimator::set_persistent_chains(const MatrixF& chains) {
  if (!persistent_) {
    GradientEstimator::set_persistent_chains(chains);
    return;
  }
  visible_ = chains;
  hidden_.resize(0, 0);  // recomputed as E[h | m_v] by the next estimate()
}

EstimatorState TapEstimator::state() const {
  EstimatorState s;
  if (persistent_) {
    s.chains = visible_;
    s.hidden = hidden_;
  }
  return s;
}

void TapEstimator::restore(const EstimatorState& state) {
  if (state.tempering.has_value()) throw Error("the TAP estimator keeps no tempering ladder");
  if (!persistent_) {
    if (state.chains.size() != 0 || state.hidden.size() != 0) {
      throw Error("non-persistent TAP training keeps no magnetisations");
    }
    return;
  }
  if (state.hidden.size() != 0 && state.hidden.rows() != state.chains.rows()) {
    throw Error(fmt::format("TAP state: {} visible but {} hidden magnetisation rows",
                            state.chains.rows(), state.hidden.rows()));
  }
  visible_ = state.chains;
  hidden_ = state.hidden;
}

void TapEstimator::estimate(const Rbm& rbm, const MatrixF& batch, Rng& /*rng*/, Gradient& grad) {
  positive_phase(rbm, batch, positive_hidden_mean_, grad);
  if (!persistent_) {
    visible_ = batch;
    hidden_ = positive_hidden_mean_;
  } else {
    if (visible_.size() == 0) {
      const Index n = chains_ > 0 ? chains_ : batch.rows();
      visible_.resize(n, batch.cols());
      for (Index p = 0; p < n; ++p) visible_.row(p) = batch.row(p % batch.rows());
    }
    if (visible_.cols() != rbm.n_visible()) {
      throw Error(fmt::format("gradient: TAP magnetisations have {} columns but the model has {} "
                              "visible units", visible_.cols(), rbm.n_visible()));
    }
    if (hidden_.rows() != visible_.rows() || hidden_.cols() != rbm.n_hidden()) {
      rbm.hidden_mean(visible_, hidden_);
    }
  }
  estimate::tap_sweeps(rbm, order_, iterations_, damping_, visible_, hidden_);
  estimate::tap_negative_phase(rbm, order_, visible_, hidden_, neg_w_, neg_a_, neg_b_);
  grad.dW -= neg_w_;
  grad.da -= neg_a_;
  grad.db -= neg_b_;
}

// ---------------------------------------------------------------------------------------------
// Parallel tempering

TemperingEstimator::TemperingEstimator(int steps, std::vector<double> betas, bool adaptive)
    : steps_(steps), pt_(std::move(betas), adaptive) {
  if (steps < 1) throw Error(fmt::format("PT steps per update must be >= 1 (got {})", steps));
}

void TemperingEstimator::set_persistent_chains(const MatrixF& chains) {
  TemperingState s = pt_.state();
  s.replicas = chains;
  pt_.restore(std::move(s));
}

EstimatorState TemperingEstimator::state() const {
  EstimatorState s;
  s.chains = pt_.state().replicas;
  s.tempering = pt_.state();
  s.tempering->replicas.resize(0, 0);  // stored once, in `chains`
  return s;
}

void TemperingEstimator::restore(const EstimatorState& state) {
  if (state.hidden.size() != 0) throw Error("parallel tempering keeps no hidden magnetisations");
  TemperingState s = state.tempering ? *state.tempering : pt_.state();
  s.replicas = state.chains;
  pt_.restore(std::move(s));
}

void TemperingEstimator::estimate(const Rbm& rbm, const MatrixF& batch, Rng& rng,
                                  Gradient& grad) {
  positive_phase(rbm, batch, positive_hidden_mean_, grad);
  if (!pt_.initialized()) pt_.reset(batch);
  pt_.run(rbm, steps_, rng);
  negative_visible_ = pt_.cold_states();
  negative_hidden_mean_ = pt_.cold_hidden_field();
  dispatch(rbm.hidden_type(), [&](auto u) {
    using H = decltype(u);
    float* p = negative_hidden_mean_.data();
    for (Index i = 0; i < negative_hidden_mean_.size(); ++i) p[i] = H::mean(p[i]);
  });
  const float inv_c = 1.0f / static_cast<float>(negative_visible_.rows());
  grad.dW.noalias() -= (negative_visible_.transpose() * negative_hidden_mean_) * inv_c;
  grad.da -= negative_visible_.colwise().sum().transpose() * inv_c;
  grad.db -= negative_hidden_mean_.colwise().sum().transpose() * inv_c;
}

std::unique_ptr<GradientEstimator> make_gradient_estimator(const TrainConfig& config) {
  switch (config.method) {
    case Method::cd: return std::make_unique<ContrastiveDivergence>(config.steps, false);
    case Method::pcd: return std::make_unique<ContrastiveDivergence>(config.steps, true);
    case Method::tap1:
    case Method::tap2:
    case Method::tap3:
      return std::make_unique<TapEstimator>(tap_order(config.method), config.tap_iterations,
                                            config.tap_damping, config.tap_persistent,
                                            config.tap_chains);
    case Method::pt:
      return std::make_unique<TemperingEstimator>(
          config.steps, geometric_ladder(config.pt_replicas, config.pt_beta_min),
          config.pt_adaptive);
  }
  throw std::logic_error("unknown training method");
}

}  // namespace rgflow::train
