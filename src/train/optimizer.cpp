#include "rgflow/train/optimizer.hpp"

#include <fmt/format.h>

#include "rgflow/core/error.hpp"
#include "rgflow/train/gaussian_gradient.hpp"

namespace rgflow::train {

Sgd::Sgd(const TrainConfig& config, Index n_visible, Index n_hidden)
    : config_(config),
      weight_velocity_(MatrixF::Zero(n_visible, n_hidden)),
      visible_velocity_(VectorF::Zero(n_visible)),
      hidden_velocity_(VectorF::Zero(n_hidden)) {
  config_.validate();
}

void Sgd::restore(const MatrixF& weight_velocity, const VectorF& visible_velocity,
                  const VectorF& hidden_velocity, const VectorF& hidden_activity) {
  const Index nv = weight_velocity_.rows();
  const Index nh = weight_velocity_.cols();
  const auto check = [](bool ok, const char* what) {
    if (!ok) throw Error(fmt::format("optimizer state: {} has the wrong shape", what));
  };
  check(weight_velocity.size() == 0 || (weight_velocity.rows() == nv && weight_velocity.cols() == nh),
        "weight velocity");
  check(visible_velocity.size() == 0 || visible_velocity.size() == nv, "visible velocity");
  check(hidden_velocity.size() == 0 || hidden_velocity.size() == nh, "hidden velocity");
  check(hidden_activity.size() == 0 || hidden_activity.size() == nh, "hidden activity");
  if (weight_velocity.size() == 0) weight_velocity_.setZero(); else weight_velocity_ = weight_velocity;
  if (visible_velocity.size() == 0) visible_velocity_.setZero(); else visible_velocity_ = visible_velocity;
  if (hidden_velocity.size() == 0) hidden_velocity_.setZero(); else hidden_velocity_ = hidden_velocity;
  hidden_activity_ = hidden_activity;
}

void Sgd::step(Rbm& rbm, const Gradient& grad, float momentum) {
  MatrixF& W = rbm.weights();
  if (W.rows() != weight_velocity_.rows() || W.cols() != weight_velocity_.cols() ||
      grad.dW.rows() != W.rows() || grad.dW.cols() != W.cols() || grad.da.size() != W.rows() ||
      grad.db.size() != W.cols()) {
    throw Error("optimizer: model, gradient and optimizer shapes disagree");
  }
  const float lr = config_.learning_rate;

  // Δ ← μΔ + ε g, accumulated term by term into the velocities (no temporary gradient copy).
  weight_velocity_ = momentum * weight_velocity_ + lr * grad.dW;
  visible_velocity_ = momentum * visible_velocity_ + lr * grad.da;
  hidden_velocity_ = momentum * hidden_velocity_ + lr * grad.db;

  // Weight cost (§10) acts on W only: biases are few and rarely overfit.
  if (config_.l2 != 0.0f) weight_velocity_ -= (lr * config_.l2) * W;
  if (config_.l1 != 0.0f) {
    weight_velocity_ -= (lr * config_.l1) * W.unaryExpr([](float w) {
      return static_cast<float>((w > 0.0f) - (w < 0.0f));
    });
  }

  if (config_.sparsity_target) {
    if (grad.batch_visible_mean.size() != W.rows() || grad.batch_hidden_mean.size() != W.cols()) {
      throw Error("optimizer: the sparsity target needs the gradient's batch means");
    }
    VectorF p = grad.batch_hidden_mean;
    // Spin hidden units: the "activity" is the probability of h = +1, (E[h|v] + 1) / 2.
    if (rbm.hidden_type() == UnitType::spin) p = (p.array() + 1.0f) * 0.5f;
    const float decay = config_.sparsity_decay;
    if (hidden_activity_.size() == 0) {
      hidden_activity_ = p;
    } else {
      hidden_activity_ = decay * hidden_activity_ + (1.0f - decay) * p;
    }
    const VectorF penalty =
        (lr * config_.sparsity_cost) * (hidden_activity_.array() - *config_.sparsity_target).matrix();
    hidden_velocity_ -= penalty;
    // ∂(input of hidden j)/∂W_ij = v_i, averaged over the batch.
    weight_velocity_.noalias() -= grad.batch_visible_mean * penalty.transpose();
  }

  // Locally connected RBMs: masked weights and their velocities stay exactly 0, so every penalty
  // and momentum term above acts on the connected weights only.
  if (rbm.has_mask()) {
    if (rbm.mask().rows() != W.rows() || rbm.mask().cols() != W.cols()) {
      throw Error("optimizer: the weight mask and the weights have different shapes");
    }
    weight_velocity_.array() *= rbm.mask().array();
  }
  W += weight_velocity_;
  rbm.apply_mask();
  rbm.visible_bias() += visible_velocity_;
  rbm.hidden_bias() += hidden_velocity_;
  step_log_sigma(rbm, grad, lr);  // Gaussian visible units with a learned σ (gaussian_gradient.hpp)
}

}  // namespace rgflow::train
