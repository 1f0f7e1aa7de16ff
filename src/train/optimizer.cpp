#include "rgflow/train/optimizer.hpp"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <cmath>

#include "rgflow/core/error.hpp"
#include "rgflow/train/adam.hpp"

#include "sgd_kernel.hpp"

namespace rgflow::train {

Optimizer::Optimizer(const TrainConfig& config, Index n_visible, Index n_hidden) : config_(config) {
  config_.validate();
  state_.weight_velocity = MatrixF::Zero(n_visible, n_hidden);
  state_.visible_velocity = VectorF::Zero(n_visible);
  state_.hidden_velocity = VectorF::Zero(n_hidden);
  if (config_.optimizer == OptimizerKind::adam) {
    state_.weight_second_moment = MatrixF::Zero(n_visible, n_hidden);
    state_.visible_second_moment = VectorF::Zero(n_visible);
    state_.hidden_second_moment = VectorF::Zero(n_hidden);
  }
}

void Optimizer::restore(const OptimizerState& state) {
  const Index nv = state_.weight_velocity.rows();
  const Index nh = state_.weight_velocity.cols();
  const auto check = [](bool ok, const char* what) {
    if (!ok) throw Error(fmt::format("optimizer state: {} has the wrong shape", what));
  };
  const auto matrix_ok = [&](const MatrixF& m) {
    return m.size() == 0 || (m.rows() == nv && m.cols() == nh);
  };
  const auto vector_ok = [](const VectorF& v, Index n) { return v.size() == 0 || v.size() == n; };
  check(matrix_ok(state.weight_velocity), "weight velocity");
  check(vector_ok(state.visible_velocity, nv), "visible velocity");
  check(vector_ok(state.hidden_velocity, nh), "hidden velocity");
  check(matrix_ok(state.weight_second_moment), "weight second moment");
  check(vector_ok(state.visible_second_moment, nv), "visible second moment");
  check(vector_ok(state.hidden_second_moment, nh), "hidden second moment");
  check(vector_ok(state.hidden_activity, nh), "hidden activity");
  check(vector_ok(state.visible_offset, nv), "visible offset");
  check(vector_ok(state.hidden_offset, nh), "hidden offset");
  if (state.steps < 0) throw Error("optimizer state: the update count is negative");
  const auto take = [](auto& into, const auto& from) {
    if (from.size() == 0) into.setZero(); else into = from;
  };
  take(state_.weight_velocity, state.weight_velocity);
  take(state_.visible_velocity, state.visible_velocity);
  take(state_.hidden_velocity, state.hidden_velocity);
  if (config_.optimizer == OptimizerKind::adam) {
    take(state_.weight_second_moment, state.weight_second_moment);
    take(state_.visible_second_moment, state.visible_second_moment);
    take(state_.hidden_second_moment, state.hidden_second_moment);
  }
  state_.steps = state.steps;
  state_.hidden_activity = state.hidden_activity;
  state_.visible_offset = state.visible_offset;
  state_.hidden_offset = state.hidden_offset;
}

std::optional<FusedWeightStep> Optimizer::fused_weight_step(Rbm& rbm, float momentum) {
  const bool centred = config_.centering && config_.symmetry != Symmetry::z2;
  MatrixF& W = rbm.weights();
  if (config_.optimizer == OptimizerKind::adam || centred || config_.l1 != 0.0f || config_.l2 != 0.0f ||
      config_.sparsity_target || rbm.has_mask() || W.rows() != state_.weight_velocity.rows() ||
      W.cols() != state_.weight_velocity.cols()) {
    return std::nullopt;
  }
  return FusedWeightStep{&W, &state_.weight_velocity, momentum, config_.learning_rate};
}

void Optimizer::step(Rbm& rbm, const Gradient& grad, float momentum) {
  MatrixF& W = rbm.weights();
  OptimizerState& s = state_;
  if (W.rows() != s.weight_velocity.rows() || W.cols() != s.weight_velocity.cols() ||
      grad.dW.rows() != W.rows() || grad.dW.cols() != W.cols() || grad.da.size() != W.rows() ||
      grad.db.size() != W.cols()) {
    throw Error("optimizer: model, gradient and optimizer shapes disagree");
  }
  if (rbm.has_mask() && (rbm.mask().rows() != W.rows() || rbm.mask().cols() != W.cols())) {
    throw Error("optimizer: the weight mask and the weights have different shapes");
  }
  const bool z2 = config_.symmetry == Symmetry::z2;
  const bool centred = config_.centering && !z2;
  if ((config_.sparsity_target || centred) &&
      (grad.batch_visible_mean.size() != W.rows() || grad.batch_hidden_mean.size() != W.cols())) {
    throw Error("optimizer: the sparsity target and centering need the gradient's batch means");
  }
  const float lr = config_.learning_rate;
  const bool adam = config_.optimizer == OptimizerKind::adam;

  // Plain SGD on centred gradients (the defaults): the weights in one pass with the bias
  // directions (centred_begin / centred_block / centred_end, below).
  const bool fused_centred = one_pass_centred(rbm);
  if (fused_centred && grad.weights_stepped &&
      (!centred_.begun || centred_.weights != &W || centred_.momentum != momentum)) {
    throw std::logic_error("optimizer: the weights were stepped without this step's centred_begin");
  }

  // The bias directions (centred, penalised or tied to zero).
  VectorF ga, gb;
  if (z2) {
    ga = VectorF::Zero(W.rows());
    gb = VectorF::Zero(W.cols());
  } else if (fused_centred) {
    // The estimator's tree took the row blocks already (Gradient::centred_step), or they are
    // taken here; either way by centred_block, so the bits are the same.
    if (!grad.weights_stepped) {
      fused_centred_step(rbm, momentum);
      centred_begin(grad);
      const Index blocks = centred_blocks(W.rows());
      const int threads = W.size() >= (Index{1} << 18) ? omp_get_max_threads() : 1;
#pragma omp parallel for num_threads(threads) schedule(static)
      for (Index k = 0; k < blocks; ++k) centred_block(k, grad);
    }
    centred_end(grad, ga, gb);
  } else if (centred) {
    if (s.visible_offset.size() == 0) s.visible_offset = grad.batch_visible_mean;
    if (s.hidden_offset.size() == 0) s.hidden_offset = grad.batch_hidden_mean;
    const VectorF& mu = s.visible_offset;
    const VectorF& lambda = s.hidden_offset;
    // g_a = da − (dW − μ dbᵀ − da λᵀ) λ,  g_b = db − (dW − μ dbᵀ − da λᵀ)ᵀ μ.
    ga = grad.da - grad.dW * lambda + mu * grad.db.dot(lambda) + grad.da * lambda.squaredNorm();
    gb = grad.db - grad.dW.transpose() * mu + grad.db * mu.squaredNorm() + lambda * grad.da.dot(mu);
  } else {
    ga = grad.da;
    gb = grad.db;
  }

  VectorF penalty;
  if (config_.sparsity_target) {
    VectorF p = grad.batch_hidden_mean;
    // Spin hidden units: the "activity" is the probability of h = +1, (E[h|v] + 1) / 2.
    if (rbm.hidden_type() == UnitType::spin) p = (p.array() + 1.0f) * 0.5f;
    const float decay = config_.sparsity_decay;
    if (s.hidden_activity.size() == 0) {
      s.hidden_activity = p;
    } else {
      s.hidden_activity = decay * s.hidden_activity + (1.0f - decay) * p;
    }
    penalty = config_.sparsity_cost * (s.hidden_activity.array() - *config_.sparsity_target).matrix();
    gb -= penalty;
  }

  float c1 = 1.0f, c2 = 1.0f;
  const float b1 = config_.adam_beta1, b2 = config_.adam_beta2, eps = config_.adam_epsilon;
  if (adam) {
    s.steps += 1;
    c1 = static_cast<float>(adam_correction(static_cast<double>(b1), s.steps));
    c2 = static_cast<float>(adam_correction(static_cast<double>(b2), s.steps));
  }

  // The weights, element-wise by bands of rows (threads for large models; the same arithmetic
  // per element whatever the band). Weight cost (§10) acts on W only: biases are few and rarely
  // overfit. Locally connected RBMs: masked weights and their state stay exactly 0, so every
  // penalty and momentum term acts on the connected weights only.
  const Index rows = W.rows();
  const Index cols = W.cols();
  // When the estimator stepped the weights already (fused_weight_step): biases only.
  const int threads = grad.weights_stepped ? 1 : rows * cols >= (Index{1} << 18) ? omp_get_max_threads() : 1;
  const int bands = grad.weights_stepped || fused_centred ? 0 : threads;
  if ((centred && !fused_centred) || adam) centred_weights_.resize(rows, cols);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int t = 0; t < bands; ++t) {
    const Index r0 = rows * t / threads;
    const Index n = rows * (t + 1) / threads - r0;
    auto w = W.middleRows(r0, n);
    if (!adam && !centred) {
      // SGD on the plain gradient, accumulated term by term into the velocity (no copy).
      auto vel = s.weight_velocity.middleRows(r0, n);
      if (config_.l2 == 0.0f && config_.l1 == 0.0f && penalty.size() == 0 && !rbm.has_mask()) {
        // The common case in one pass over the band (contiguous rows): v ← m·v + lr·g, w ← w + v.
        detail::sgd_momentum(vel.data(), w.data(), grad.dW.middleRows(r0, n).data(), n * cols, momentum, lr);
        continue;
      }
      vel = momentum * vel + lr * grad.dW.middleRows(r0, n);
      if (config_.l2 != 0.0f) vel -= (lr * config_.l2) * w;
      if (config_.l1 != 0.0f) {
        vel -= (lr * config_.l1) *
               w.unaryExpr([](float x) { return static_cast<float>((x > 0.0f) - (x < 0.0f)); });
      }
      // ∂(input of hidden j)/∂W_ij = v_i, averaged over the batch.
      if (penalty.size() != 0) {
        vel.noalias() -= (lr * grad.batch_visible_mean.segment(r0, n)) * penalty.transpose();
      }
      if (rbm.has_mask()) vel.array() *= rbm.mask().middleRows(r0, n).array();
      w += vel;
      continue;
    }
    auto g = centred_weights_.middleRows(r0, n);
    g = grad.dW.middleRows(r0, n);
    if (centred) {
      g.noalias() -= s.visible_offset.segment(r0, n) * grad.db.transpose();
      g.noalias() -= grad.da.segment(r0, n) * s.hidden_offset.transpose();
    }
    if (config_.l2 != 0.0f) g -= config_.l2 * w;
    if (config_.l1 != 0.0f) {
      g -= config_.l1 * w.unaryExpr([](float x) { return static_cast<float>((x > 0.0f) - (x < 0.0f)); });
    }
    if (penalty.size() != 0) g.noalias() -= grad.batch_visible_mean.segment(r0, n) * penalty.transpose();
    if (rbm.has_mask()) g.array() *= rbm.mask().middleRows(r0, n).array();
    if (adam) {
      adam_block(w, g, s.weight_velocity.middleRows(r0, n), s.weight_second_moment.middleRows(r0, n),
                 lr, b1, b2, c1, c2, eps);
    } else {
      auto vel = s.weight_velocity.middleRows(r0, n);
      vel = momentum * vel + lr * g;
      w += vel;
    }
  }
  rbm.apply_mask();
  if (z2) {
    rbm.visible_bias().setZero();
    rbm.hidden_bias().setZero();
  } else if (adam) {
    adam_block(rbm.visible_bias(), ga, s.visible_velocity, s.visible_second_moment, lr, b1, b2, c1, c2, eps);
    adam_block(rbm.hidden_bias(), gb, s.hidden_velocity, s.hidden_second_moment, lr, b1, b2, c1, c2, eps);
  } else {
    s.visible_velocity = momentum * s.visible_velocity + lr * ga;
    s.hidden_velocity = momentum * s.hidden_velocity + lr * gb;
    rbm.visible_bias() += s.visible_velocity;
    rbm.hidden_bias() += s.hidden_velocity;
  }
  if (centred) {
    const float nu = config_.centering_rate;
    s.visible_offset = (1.0f - nu) * s.visible_offset + nu * grad.batch_visible_mean;
    s.hidden_offset = (1.0f - nu) * s.hidden_offset + nu * grad.batch_hidden_mean;
  }
  step_log_sigma(rbm, grad, lr);  // Gaussian visible units with a learned σ
}

// Plain SGD with momentum on centred gradients (Melchior, Fischer & Wiskott 2016) in one pass
// over dW, W and the velocity, which the general path of step() makes in about a dozen:
//   g_ij = dW_ij − μ_i db_j − da_i λ_j,  v ← m·v + lr·g,  w ← w + v,
//   g_a,i = da_i − Σ_j dW_ij λ_j + μ_i (db·λ) + da_i |λ|²,
//   g_b,j = db_j − Σ_i dW_ij μ_i + db_j |μ|² + λ_j (da·μ).
// Rows go by fixed blocks of kCentredRows (centred_block; threads or the estimator's tree take
// blocks); Σ_j by dot16, Σ_i as one partial sum per block, added in block order by centred_end —
// so the bits depend neither on the thread count nor on who takes the blocks.
bool Optimizer::one_pass_centred(const Rbm& rbm) const {
  return config_.centering && config_.symmetry != Symmetry::z2 &&
         config_.optimizer != OptimizerKind::adam && config_.l1 == 0.0f && config_.l2 == 0.0f &&
         !config_.sparsity_target && !rbm.has_mask();
}

Optimizer* Optimizer::fused_centred_step(Rbm& rbm, float momentum) {
  if (!one_pass_centred(rbm)) return nullptr;
  centred_.weights = &rbm.weights();
  centred_.momentum = momentum;
  centred_.begun = false;
  return this;
}

void Optimizer::centred_begin(const Gradient& grad) {
  OptimizerState& s = state_;
  if (centred_.weights == nullptr) throw std::logic_error("optimizer: centred_begin without fused_centred_step");
  MatrixF& W = *centred_.weights;
  if (grad.db.size() != W.cols() || grad.da.size() != W.rows() ||
      grad.batch_visible_mean.size() != W.rows() || grad.batch_hidden_mean.size() != W.cols() ||
      s.weight_velocity.rows() != W.rows() || s.weight_velocity.cols() != W.cols()) {
    throw Error("optimizer: model, gradient and optimizer shapes disagree");
  }
  if (s.visible_offset.size() == 0) s.visible_offset = grad.batch_visible_mean;
  if (s.hidden_offset.size() == 0) s.hidden_offset = grad.batch_hidden_mean;
  const Index nh = W.cols();
  centred_.db_lambda = detail::dot16(grad.db.data(), s.hidden_offset.data(), nh);
  centred_.lambda2 = detail::dot16(s.hidden_offset.data(), s.hidden_offset.data(), nh);
  column_partials_.resize(centred_blocks(W.rows()), nh);
  centred_ga_.resize(W.rows());
  centred_.begun = true;
}

void Optimizer::centred_block(Index k, const Gradient& grad) {
  MatrixF& W = *centred_.weights;
  MatrixF& V = state_.weight_velocity;
  const Index nv = W.rows();
  const Index nh = W.cols();
  const float* db = grad.db.data();
  const float* lam = state_.hidden_offset.data();
  const float m = centred_.momentum;
  const float lr = config_.learning_rate;
  float* p = column_partials_.row(k).data();
  std::fill(p, p + nh, 0.0f);
  for (Index i = k * kCentredRows; i < std::min(nv, (k + 1) * kCentredRows); ++i) {
    const float* d = grad.dW.row(i).data();
    float* w = W.row(i).data();
    float* v = V.row(i).data();
    const float mu_i = state_.visible_offset[i];
    const float da_i = grad.da[i];
#pragma omp simd
    for (Index j = 0; j < nh; ++j) {
      p[j] += d[j] * mu_i;
      const float g = d[j] - mu_i * db[j] - da_i * lam[j];
      v[j] = m * v[j] + lr * g;
      w[j] += v[j];
    }
    centred_ga_[i] = da_i - detail::dot16(d, lam, nh) + mu_i * centred_.db_lambda + da_i * centred_.lambda2;
  }
}

void Optimizer::centred_end(const Gradient& grad, VectorF& ga, VectorF& gb) {
  const VectorF& mu = state_.visible_offset;
  const VectorF& lambda = state_.hidden_offset;
  const float mu2 = detail::dot16(mu.data(), mu.data(), mu.size());
  const float da_mu = detail::dot16(grad.da.data(), mu.data(), mu.size());
  VectorF column = VectorF::Zero(grad.db.size());
  for (Index k = 0; k < column_partials_.rows(); ++k) column += column_partials_.row(k).transpose();
  gb = grad.db - column + grad.db * mu2 + lambda * da_mu;
  ga = centred_ga_;
  centred_.begun = false;
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
