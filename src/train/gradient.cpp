#include "rgflow/train/gradient.hpp"

#include <fmt/format.h>
#include <stdexcept>

#include "rgflow/core/error.hpp"

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
}

std::unique_ptr<GradientEstimator> make_gradient_estimator(const TrainConfig& config) {
  switch (config.method) {
    case Method::cd: return std::make_unique<ContrastiveDivergence>(config.steps, false);
    case Method::pcd: return std::make_unique<ContrastiveDivergence>(config.steps, true);
  }
  throw std::logic_error("unknown training method");
}

}  // namespace rgflow::train
