#include "rgflow/autoencoder/autoencoder.hpp"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "rgflow/core/error.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/core/serial_eigen.hpp"

namespace rgflow::autoencoder {

namespace {

template <class S>
S sigmoid(S x) {
  return S(1) / (S(1) + std::exp(-x));
}
template <class S>
S softplus(S x) {
  return x > S(0) ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

// A fixed partition of [0, d) into pieces of at most 128 (interior bounds on multiples of 16), a
// function of d alone: every product is formed block by block the same way for any team size.
std::vector<Index> column_blocks(Index d) {
  const Index pieces = std::max<Index>(1, (d + 127) / 128);
  std::vector<Index> bounds{0};
  for (Index p = 1; p < pieces; ++p) bounds.push_back(((d * p / pieces) + 15) / 16 * 16);
  bounds.push_back(d);
  return bounds;
}

// Worksharing over the blocks (call on every thread of a team, or outside any region).
template <class F>
void for_blocks(const std::vector<Index>& b, F&& f) {
  const Index pieces = static_cast<Index>(b.size()) - 1;
#pragma omp for schedule(static)
  for (Index k = 0; k < pieces; ++k) {
    f(k, b[static_cast<std::size_t>(k)], b[static_cast<std::size_t>(k) + 1] - b[static_cast<std::size_t>(k)]);
  }
}

// Buffers of one layer's gradient, reused across batches.
template <class S>
struct Workspace {
  Mat<S> A, H, Ahat, delta, dA;
  BatchGradient<S> grad;
  std::vector<double> loss_parts, penalty_parts;
  std::vector<Index> in_blocks, out_blocks;
  Vec<S> q;  // Σ_i W_ij²
};

// Fills ws.grad for the batch; `team` threads (1: no parallel region).
template <class S>
void compute_gradient(const TiedLayer<S>& L, const Mat<S>& X, const Mat<S>& Xin, double lambda,
                      int team, Workspace<S>& ws) {
  const Index B = X.rows(), n = L.n_in(), m = L.n_out();
  if (ws.in_blocks.empty() || ws.in_blocks.back() != n) ws.in_blocks = column_blocks(n);
  if (ws.out_blocks.empty() || ws.out_blocks.back() != m) ws.out_blocks = column_blocks(m);
  ws.A.resize(B, m);
  ws.H.resize(B, m);
  ws.Ahat.resize(B, n);
  ws.delta.resize(B, n);
  ws.dA.resize(B, m);
  ws.grad.weights.resize(n, m);
  ws.grad.hidden_bias.resize(m);
  ws.grad.visible_bias.resize(n);
  ws.loss_parts.assign(ws.in_blocks.size(), 0.0);
  ws.penalty_parts.assign(ws.out_blocks.size(), 0.0);
  const S inv_b = S(1) / static_cast<S>(B);
  const S lam = static_cast<S>(lambda);
  if (lambda > 0.0) ws.q = L.weights.colwise().squaredNorm().transpose();
#pragma omp parallel num_threads(team) if (team > 1)
  {
    // a = x̃ W + b, h = σ(a).
    for_blocks(ws.out_blocks, [&](Index, Index c0, Index w) {
      ws.A.middleCols(c0, w).noalias() = Xin * L.weights.middleCols(c0, w);
      for (Index r = 0; r < B; ++r) {
        for (Index j = c0; j < c0 + w; ++j) ws.H(r, j) = sigmoid(ws.A(r, j) + L.hidden_bias(j));
      }
    });
    // â = h Wᵀ + c, δ = (σ(â) − x)/B, loss Σ softplus(â) − x â.
    for_blocks(ws.in_blocks, [&](Index k, Index c0, Index w) {
      ws.Ahat.middleCols(c0, w).noalias() = ws.H * L.weights.middleRows(c0, w).transpose();
      double loss = 0.0;
      for (Index r = 0; r < B; ++r) {
        for (Index i = c0; i < c0 + w; ++i) {
          const S a = ws.Ahat(r, i) + L.visible_bias(i);
          loss += static_cast<double>(softplus(a) - X(r, i) * a);
          ws.delta(r, i) = (sigmoid(a) - X(r, i)) * inv_b;
        }
      }
      ws.loss_parts[static_cast<std::size_t>(k)] = loss;
      ws.grad.visible_bias.segment(c0, w) = ws.delta.middleCols(c0, w).colwise().sum().transpose();
    });
    // ∂L/∂a = (δ W) ∘ h(1 − h) + (2λ/B) q s² (1 − 2h); then ∂L/∂W = x̃ᵀ ∂L/∂a + δᵀ h (+ 2λ/B W Σ s²).
    for_blocks(ws.out_blocks, [&](Index k, Index c0, Index w) {
      ws.dA.middleCols(c0, w).noalias() = ws.delta * L.weights.middleCols(c0, w);
      double penalty = 0.0;
      Vec<S> s2sum = Vec<S>::Zero(w);
      for (Index r = 0; r < B; ++r) {
        for (Index j = c0; j < c0 + w; ++j) {
          const S h = ws.H(r, j), s = h * (S(1) - h);
          S g = ws.dA(r, j) * s;
          if (lambda > 0.0) {
            g += S(2) * lam * inv_b * ws.q(j) * s * s * (S(1) - S(2) * h);
            penalty += static_cast<double>(lam * s * s * ws.q(j));
            s2sum(j - c0) += s * s;
          }
          ws.dA(r, j) = g;
        }
      }
      ws.penalty_parts[static_cast<std::size_t>(k)] = penalty;
      ws.grad.hidden_bias.segment(c0, w) = ws.dA.middleCols(c0, w).colwise().sum().transpose();
      ws.grad.weights.middleCols(c0, w).noalias() = Xin.transpose() * ws.dA.middleCols(c0, w);
      ws.grad.weights.middleCols(c0, w).noalias() += ws.delta.transpose() * ws.H.middleCols(c0, w);
      if (lambda > 0.0) {
        ws.grad.weights.middleCols(c0, w) +=
            L.weights.middleCols(c0, w) * (S(2) * lam * inv_b * s2sum).asDiagonal();
      }
    });
  }
  ws.grad.loss = std::accumulate(ws.loss_parts.begin(), ws.loss_parts.end(), 0.0) / static_cast<double>(B);
  ws.grad.penalty = std::accumulate(ws.penalty_parts.begin(), ws.penalty_parts.end(), 0.0) / static_cast<double>(B);
}

int team_size(int threads, Index B, Index n, Index m) {
  const int t = threads > 0 ? threads : omp_get_max_threads();
  // Below ~2^21 multiply-adds per product a barrier costs more than a second thread gains.
  return B * n * m >= (Index{1} << 21) ? t : 1;
}

void check_layer_data(const MatrixF& X) {
  if (X.rows() < 1 || X.cols() < 1) throw Error("no data");
  for (Index r = 0; r < X.rows(); ++r) {
    for (Index c = 0; c < X.cols(); ++c) {
      const float x = X(r, c);
      if (!(x >= 0.0f && x <= 1.0f)) {
        throw Error(fmt::format("row {} column {}: value {} is outside [0, 1] (autoencoders "
                                "reconstruct probabilities)", r, c, x));
      }
    }
  }
}

Layer initial_layer(Index n_in, Index n_out, std::uint64_t seed, int index) {
  Rng rng(seed, 1'000'000 + static_cast<std::uint64_t>(index));
  const float r = 4.0f * std::sqrt(6.0f / static_cast<float>(n_in + n_out));
  Layer L;
  L.weights.resize(n_in, n_out);
  for (Index k = 0; k < L.weights.size(); ++k) L.weights.data()[k] = (2.0f * rng.uniform() - 1.0f) * r;
  L.hidden_bias = VectorF::Zero(n_out);
  L.visible_bias = VectorF::Zero(n_in);
  return L;
}

Layer train_layer(const MatrixF& X, Index n_out, const TrainOptions& o, int index,
                  const std::function<void(const EpochLog&)>& on_epoch, StopSignal& stop) {
  const Index n = X.rows(), n_in = X.cols();
  Layer L = initial_layer(n_in, n_out, o.seed, index);
  Layer velocity{MatrixF::Zero(n_in, n_out), VectorF::Zero(n_out), VectorF::Zero(n_in)};
  Workspace<float> ws;
  const Index B = std::min(o.batch_size, n);
  const int team = team_size(o.threads, B, n_in, n_out);
  std::vector<Index> order(static_cast<std::size_t>(n));
  MatrixF clean(B, n_in), input(B, n_in);
  const auto lr = static_cast<float>(o.learning_rate), mu = static_cast<float>(o.momentum);
  for (int epoch = 1; epoch <= o.epochs; ++epoch) {
    const std::uint64_t stream = 2 * (1000 * static_cast<std::uint64_t>(index) + static_cast<std::uint64_t>(epoch));
    Rng shuffle_rng(o.seed, stream), mask_rng(o.seed, stream + 1);
    std::iota(order.begin(), order.end(), Index{0});
    for (std::size_t k = order.size(); k > 1; --k) std::swap(order[k - 1], order[static_cast<std::size_t>(shuffle_rng.below(k))]);
    double loss = 0.0, penalty = 0.0;
    Index batches = 0;
    for (Index first = 0; first < n; first += B) {
      if (stop.check()) return L;  // discarded: Cancelled follows
      const Index rows = std::min(B, n - first);
      clean.resize(rows, n_in);
      input.resize(rows, n_in);
      for (Index r = 0; r < rows; ++r) clean.row(r) = X.row(order[static_cast<std::size_t>(first + r)]);
      input = clean;
      if (o.corruption > 0.0) {
        for (Index k = 0; k < input.size(); ++k) {
          if (mask_rng.uniform_double() < o.corruption) input.data()[k] = 0.0f;
        }
      }
      compute_gradient(L, clean, input, o.contraction, rows == B ? team : 1, ws);
      velocity.weights = mu * velocity.weights - lr * ws.grad.weights;
      velocity.hidden_bias = mu * velocity.hidden_bias - lr * ws.grad.hidden_bias;
      velocity.visible_bias = mu * velocity.visible_bias - lr * ws.grad.visible_bias;
      L.weights += velocity.weights;
      L.hidden_bias += velocity.hidden_bias;
      L.visible_bias += velocity.visible_bias;
      loss += ws.grad.loss;
      penalty += ws.grad.penalty;
      ++batches;
    }
    if (!L.weights.allFinite()) {
      throw Error(fmt::format("layer {} diverged in epoch {} (non-finite weights): lower the learning rate",
                              index, epoch));
    }
    if (on_epoch) on_epoch({index, epoch, loss / static_cast<double>(batches), penalty / static_cast<double>(batches)});
  }
  return L;
}

}  // namespace

template <class S>
BatchGradient<S> batch_gradient(const TiedLayer<S>& layer, const Mat<S>& clean, const Mat<S>& input,
                                double contraction, int threads) {
  if (clean.rows() != input.rows() || clean.cols() != input.cols() || clean.cols() != layer.n_in()) {
    throw Error("batch_gradient: clean and input batches must both have n_in columns and equal rows");
  }
  const SerialEigen serial;
  Workspace<S> ws;
  compute_gradient(layer, clean, input, contraction, std::max(1, threads), ws);
  return ws.grad;
}

template BatchGradient<float> batch_gradient(const TiedLayer<float>&, const Mat<float>&,
                                             const Mat<float>&, double, int);
template BatchGradient<double> batch_gradient(const TiedLayer<double>&, const Mat<double>&,
                                              const Mat<double>&, double, int);

MatrixF Autoencoder::encode(const MatrixF& X) const {
  validate();
  if (X.cols() != n_in()) throw Error(fmt::format("rows have {} values, the autoencoder takes {}", X.cols(), n_in()));
  MatrixF h = X;
  for (const Layer& L : layers) {
    MatrixF a = h * L.weights;
    a.rowwise() += L.hidden_bias.transpose();
    h = a.unaryExpr([](float v) { return sigmoid(v); });
  }
  return h;
}

MatrixF Autoencoder::decode(const MatrixF& H) const {
  validate();
  if (H.cols() != layers.back().n_out()) {
    throw Error(fmt::format("codes have {} values, the top layer has {}", H.cols(), layers.back().n_out()));
  }
  MatrixF x = H;
  for (auto it = layers.rbegin(); it != layers.rend(); ++it) {
    MatrixF a = x * it->weights.transpose();
    a.rowwise() += it->visible_bias.transpose();
    x = a.unaryExpr([](float v) { return sigmoid(v); });
  }
  return x;
}

void Autoencoder::validate() const {
  if (layers.empty()) throw Error("the autoencoder has no layers");
  for (std::size_t l = 0; l < layers.size(); ++l) {
    const Layer& L = layers[l];
    if (L.n_in() < 1 || L.n_out() < 1 || L.hidden_bias.size() != L.n_out() || L.visible_bias.size() != L.n_in()) {
      throw Error(fmt::format("layer {}: inconsistent shapes", l));
    }
    if (l > 0 && L.n_in() != layers[l - 1].n_out()) {
      throw Error(fmt::format("layer {} takes {} inputs but layer {} has {} outputs", l, L.n_in(), l - 1,
                              layers[l - 1].n_out()));
    }
    if (!L.weights.allFinite() || !L.hidden_bias.allFinite() || !L.visible_bias.allFinite()) {
      throw Error(fmt::format("layer {}: non-finite parameters", l));
    }
  }
}

std::vector<ReconstructionStep> iterate_reconstruction(const Autoencoder& ae, MatrixF& X, int steps) {
  if (steps < 0) throw Error(fmt::format("reconstruction steps {}: must be >= 0", steps));
  const MatrixF data = X;
  const double rows = static_cast<double>(X.rows());
  std::vector<ReconstructionStep> out;
  for (int t = 1; t <= steps; ++t) {
    MatrixF next = ae.reconstruct(X);
    out.push_back({t, std::sqrt((next - X).squaredNorm() / rows), std::sqrt((next - data).squaredNorm() / rows)});
    X.swap(next);
  }
  return out;
}

double reconstruction_loss(const Autoencoder& ae, const MatrixF& X) {
  check_layer_data(X);
  // Pre-activations of the bottom decoder: â = h₁ W₀ᵀ + c₀ with h₁ the reconstruction of the
  // first code through the layers above (the whole stack's x̂ = σ(â)).
  MatrixF code = ae.encode(X);
  for (std::size_t l = ae.layers.size(); l-- > 1;) {
    MatrixF a = code * ae.layers[l].weights.transpose();
    a.rowwise() += ae.layers[l].visible_bias.transpose();
    code = a.unaryExpr([](float v) { return sigmoid(v); });
  }
  MatrixF a = code * ae.layers[0].weights.transpose();
  a.rowwise() += ae.layers[0].visible_bias.transpose();
  double total = 0.0;
  for (Index r = 0; r < X.rows(); ++r) {
    for (Index i = 0; i < X.cols(); ++i) total += static_cast<double>(softplus(a(r, i)) - X(r, i) * a(r, i));
  }
  return total / static_cast<double>(X.rows());
}

Autoencoder train(const MatrixF& X, const TrainOptions& o,
                  const std::function<void(const EpochLog&)>& on_epoch, const StopPoll& poll) {
  check_layer_data(X);
  if (o.hidden.empty()) throw Error("no hidden layers given");
  for (Index h : o.hidden) {
    if (h < 1) throw Error(fmt::format("hidden layer size {}: must be >= 1", h));
  }
  if (!(o.corruption >= 0.0 && o.corruption < 1.0)) throw Error(fmt::format("corruption {}: must be in [0, 1)", o.corruption));
  if (!(o.contraction >= 0.0) || !std::isfinite(o.contraction)) throw Error(fmt::format("contraction {}: must be >= 0", o.contraction));
  if (o.epochs < 0) throw Error(fmt::format("epochs {}: must be >= 0", o.epochs));
  if (o.batch_size < 1) throw Error(fmt::format("batch size {}: must be >= 1", o.batch_size));
  if (!(o.learning_rate > 0.0) || !std::isfinite(o.learning_rate)) throw Error(fmt::format("learning rate {}: must be > 0", o.learning_rate));
  if (!(o.momentum >= 0.0 && o.momentum < 1.0)) throw Error(fmt::format("momentum {}: must be in [0, 1)", o.momentum));
  const SerialEigen serial;
  StopSignal stop(poll);
  Autoencoder ae;
  MatrixF codes = X;
  for (std::size_t l = 0; l < o.hidden.size(); ++l) {
    ae.layers.push_back(train_layer(codes, o.hidden[l], o, static_cast<int>(l), on_epoch, stop));
    stop.throw_if_stopped();
    if (l + 1 < o.hidden.size()) codes = Autoencoder{{ae.layers.back()}}.encode(codes);
  }
  return ae;
}

}  // namespace rgflow::autoencoder
