#include "rgflow/train/optimizer.hpp"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <cmath>

#include "rgflow/core/error.hpp"

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
  if (rbm.has_mask() && (rbm.mask().rows() != W.rows() || rbm.mask().cols() != W.cols())) {
    throw Error("optimizer: the weight mask and the weights have different shapes");
  }
  const float lr = config_.learning_rate;

  // Δ ← μΔ + ε g, accumulated term by term into the velocities (no temporary gradient copy).
  visible_velocity_ = momentum * visible_velocity_ + lr * grad.da;
  hidden_velocity_ = momentum * hidden_velocity_ + lr * grad.db;

  VectorF penalty;
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
    penalty = (lr * config_.sparsity_cost) * (hidden_activity_.array() - *config_.sparsity_target).matrix();
    hidden_velocity_ -= penalty;
  }

  // The weights, element-wise by bands of rows (threads for large models; the same arithmetic
  // per element whatever the band). Weight cost (§10) acts on W only: biases are few and rarely
  // overfit. Locally connected RBMs: masked weights and their velocities stay exactly 0, so every
  // penalty and momentum term acts on the connected weights only.
  const Index rows = W.rows();
  const Index cols = W.cols();
  const int threads = rows * cols >= (Index{1} << 18) ? omp_get_max_threads() : 1;
  const float l2 = lr * config_.l2;
  const float l1 = lr * config_.l1;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int t = 0; t < threads; ++t) {
    const Index r0 = rows * t / threads;
    const Index n = rows * (t + 1) / threads - r0;
    auto vel = weight_velocity_.middleRows(r0, n);
    auto w = W.middleRows(r0, n);
    vel = momentum * vel + lr * grad.dW.middleRows(r0, n);
    if (config_.l2 != 0.0f) vel -= l2 * w;
    if (config_.l1 != 0.0f) {
      vel -= l1 * w.unaryExpr([](float x) { return static_cast<float>((x > 0.0f) - (x < 0.0f)); });
    }
    // ∂(input of hidden j)/∂W_ij = v_i, averaged over the batch.
    if (penalty.size() != 0) vel.noalias() -= grad.batch_visible_mean.segment(r0, n) * penalty.transpose();
    if (rbm.has_mask()) vel.array() *= rbm.mask().middleRows(r0, n).array();
    w += vel;
  }
  rbm.apply_mask();
  rbm.visible_bias() += visible_velocity_;
  rbm.hidden_bias() += hidden_velocity_;
  step_log_sigma(rbm, grad, lr);  // Gaussian visible units with a learned σ
}

void step_log_sigma(Rbm& rbm, const Gradient& grad, float learning_rate) {
  if (!rbm.learn_sigma() || grad.d_log_sigma.size() == 0) return;
  if (grad.d_log_sigma.size() != rbm.n_visible()) {
    throw Error(fmt::format("optimizer: log-sigma gradient has {} entries for {} visible units",
                            grad.d_log_sigma.size(), rbm.n_visible()));
  }
  VectorF& sigma = rbm.visible_sigma();
  for (Index i = 0; i < sigma.size(); ++i) {
    const float step = std::clamp(learning_rate * grad.d_log_sigma[i], -0.1f, 0.1f);
    sigma[i] = std::max(kMinSigma, sigma[i] * std::exp(step));
  }
}

}  // namespace rgflow::train
