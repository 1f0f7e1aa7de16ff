#pragma once
// Internals of rg/rsmi.cpp (not installed): pairs (block, environment) drawn from configurations,
// the critic network, Adam, and one mini-batch of the InfoNCE bound with its gradients — the
// equations are in include/rgflow/rg/rsmi.hpp and docs/rsmi.md. Split from rsmi.cpp to keep
// each file to one concern.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <span>
#include <vector>

#include "rgflow/core/rng.hpp"
#include "rgflow/core/types.hpp"
#include "rgflow/rg/coarse_graining.hpp"
#include "rgflow/rg/rsmi.hpp"

namespace rgflow::rg::rsmi_detail {

// ---------------------------------------------------------------------------------------------
// Pairs (configuration, block position) → block spins v and environment spins e

struct Pair {
  std::int64_t config;
  std::int64_t position;
};

class PairSource {
 public:
  PairSource(std::span<const std::int8_t> spins, const RsmiGeometry& g) : spins_(spins), sites_(g.sites()) {
    const auto block = g.block_offsets();
    const auto env = g.environment_offsets();
    n_block_ = static_cast<int>(block.size());
    n_env_ = static_cast<int>(env.size());
    const int per_side = g.L / g.block;
    const std::int64_t P = g.positions();
    block_index_.resize(static_cast<std::size_t>(P * n_block_));
    env_index_.resize(static_cast<std::size_t>(P * n_env_));
    auto site = [&](int y, int x) {
      y = ((y % g.L) + g.L) % g.L;
      x = ((x % g.L) + g.L) % g.L;
      return g.dimension == 1 ? x : y * g.L + x;
    };
    for (std::int64_t p = 0; p < P; ++p) {
      const int oy = g.dimension == 1 ? 0 : static_cast<int>(p / per_side) * g.block;
      const int ox = static_cast<int>(p % per_side) * g.block;
      for (int i = 0; i < n_block_; ++i)
        block_index_[static_cast<std::size_t>(p * n_block_ + i)] = site(oy + block[i][0], ox + block[i][1]);
      for (int k = 0; k < n_env_; ++k)
        env_index_[static_cast<std::size_t>(p * n_env_ + k)] = site(oy + env[k][0], ox + env[k][1]);
    }
  }
  int block_sites() const { return n_block_; }
  int environment_sites() const { return n_env_; }
  // Rows [first, first + count) of V and E from pairs[first ...].
  void gather(std::span<const Pair> pairs, Index first, Index count, MatrixD& V, MatrixD& E) const {
    for (Index r = first; r < first + count; ++r) {
      const Pair& pr = pairs[static_cast<std::size_t>(r)];
      const std::int8_t* s = spins_.data() + pr.config * sites_;
      const int* bi = block_index_.data() + pr.position * n_block_;
      const int* ei = env_index_.data() + pr.position * n_env_;
      for (int i = 0; i < n_block_; ++i) V(r, i) = s[bi[i]];
      for (int k = 0; k < n_env_; ++k) E(r, k) = s[ei[k]];
    }
  }

 private:
  std::span<const std::int8_t> spins_;
  std::int64_t sites_;
  int n_block_ = 0, n_env_ = 0;
  std::vector<int> block_index_, env_index_;
};

// `passes` random permutations of configurations [first, first + count), each cut into batches of
// K (the remainder of a pass is dropped, so a batch never holds a configuration twice), each
// configuration at a uniformly random block position.
inline std::vector<Pair> shuffled_pairs(Rng& rng, std::int64_t first, std::int64_t count, int passes,
                                 std::int64_t positions, Index K) {
  std::vector<Pair> out;
  const std::int64_t per_pass = (count / K) * K;
  out.reserve(static_cast<std::size_t>(per_pass * passes));
  std::vector<std::int64_t> order(static_cast<std::size_t>(count));
  for (int p = 0; p < passes; ++p) {
    std::iota(order.begin(), order.end(), first);
    for (std::int64_t i = count - 1; i > 0; --i)  // Fisher–Yates
      std::swap(order[static_cast<std::size_t>(i)],
                order[static_cast<std::size_t>(rng.below(static_cast<std::uint64_t>(i + 1)))]);
    for (std::int64_t i = 0; i < per_pass; ++i)
      out.push_back({order[static_cast<std::size_t>(i)], static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(positions)))});
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Critic g: R^{|E|} → R^{S}, g(e) = W2 tanh(W1 e + b1) + b2, parameters in one flat vector.

struct CriticShape {
  Index in = 0, hidden = 0, out = 0;
  Index size() const { return hidden * in + hidden + out * hidden + out; }
};

struct CriticView {
  Eigen::Map<const MatrixD> W1;
  Eigen::Map<const VectorD> b1;
  Eigen::Map<const MatrixD> W2;
  Eigen::Map<const VectorD> b2;
  CriticView(const VectorD& theta, const CriticShape& s)
      : W1(theta.data(), s.hidden, s.in),
        b1(theta.data() + s.hidden * s.in, s.hidden),
        W2(theta.data() + s.hidden * s.in + s.hidden, s.out, s.hidden),
        b2(theta.data() + s.hidden * s.in + s.hidden + s.out * s.hidden, s.out) {}
};

inline VectorD init_critic(const CriticShape& s, Rng rng) {
  VectorD theta = VectorD::Zero(s.size());
  const double s1 = 1.0 / std::sqrt(static_cast<double>(s.in));
  const double s2 = 1.0 / std::sqrt(static_cast<double>(s.hidden));
  for (Index i = 0; i < s.hidden * s.in; ++i) theta[i] = s1 * rng.normal();
  const Index w2 = s.hidden * s.in + s.hidden;
  for (Index i = 0; i < s.out * s.hidden; ++i) theta[w2 + i] = s2 * rng.normal();
  return theta;
}

// Adam (Kingma & Ba 2015), gradient *ascent*: θ ← θ + ε m̂ / (√v̂ + 1e-8).
class Adam {
 public:
  explicit Adam(Index size) : m_(VectorD::Zero(size)), v_(VectorD::Zero(size)) {}
  void step(Eigen::Ref<VectorD> theta, const VectorD& grad, double lr) {
    ++t_;
    m_ = kBeta1 * m_ + (1.0 - kBeta1) * grad;
    v_ = kBeta2 * v_ + (1.0 - kBeta2) * grad.cwiseAbs2();
    const double c1 = 1.0 - std::pow(kBeta1, t_), c2 = 1.0 - std::pow(kBeta2, t_);
    theta.array() += lr * (m_.array() / c1) / ((v_.array() / c2).sqrt() + 1e-8);
  }

 private:
  static constexpr double kBeta1 = 0.9, kBeta2 = 0.999;
  VectorD m_, v_;
  int t_ = 0;
};

// ---------------------------------------------------------------------------------------------
// One mini-batch of the InfoNCE bound, its value and (optionally) its gradients.

constexpr Index kChunk = 32;  // rows per work item: fixed, so sums do not depend on the threads

struct Workspace {
  MatrixD V, E, A, P, H, G;
  void resize(Index K, Index nV, Index nE, Index M, Index S, Index nh) {
    if (V.rows() == K && V.cols() == nV && E.cols() == nE && A.cols() == M && P.cols() == S && H.cols() == nh) return;
    V.resize(K, nV); E.resize(K, nE); A.resize(K, M); P.resize(K, S); H.resize(K, nh); G.resize(K, S);
  }
};

class Bound {
 public:
  Bound(const PairSource& source, Index M, const CriticShape& shape)
      : source_(source), M_(M), S_(Index{1} << M), shape_(shape) {}

  // Mean over the batch of Σ_h p(h|v_i) [g_h(e_i) − lse_h]. With `critic_grad` / `filter_grad`
  // non-null, the gradients of that value are written there.
  double evaluate(std::span<const Pair> pairs, const MatrixD& filter, bool hard, const VectorD& theta,
                  VectorD* critic_grad, VectorD* filter_grad) {
    const Index K = static_cast<Index>(pairs.size());
    const Index nV = source_.block_sites(), nE = source_.environment_sites(), nh = shape_.hidden;
    ws_.resize(K, nV, nE, M_, S_, nh);
    const CriticView c(theta, shape_);
    const VectorD abs_sum = filter.cwiseAbs().rowwise().sum();
    const Index chunks = (K + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) num_threads(threads_)
    for (Index k = 0; k < chunks; ++k) {
      const Index r0 = k * kChunk, rows = std::min(kChunk, K - r0);
      source_.gather(pairs, r0, rows, ws_.V, ws_.E);
      ws_.A.middleRows(r0, rows).noalias() = ws_.V.middleRows(r0, rows) * filter.transpose();
      for (Index r = r0; r < r0 + rows; ++r)
        for (Index s = 0; s < S_; ++s) {
          double p = 1.0;
          for (Index j = 0; j < M_; ++j) {
            const double a = ws_.A(r, j);
            const double q = hard ? 0.5 * (1 + filter_sign(a, abs_sum[j])) : 1.0 / (1.0 + std::exp(-2.0 * a));
            p *= ((s >> j) & 1) ? q : 1.0 - q;
          }
          ws_.P(r, s) = p;
        }
      ws_.H.middleRows(r0, rows).noalias() = ws_.E.middleRows(r0, rows) * c.W1.transpose();
      ws_.H.middleRows(r0, rows).rowwise() += c.b1.transpose();
      ws_.H.middleRows(r0, rows) = ws_.H.middleRows(r0, rows).array().tanh().matrix();
      ws_.G.middleRows(r0, rows).noalias() = ws_.H.middleRows(r0, rows) * c.W2.transpose();
      ws_.G.middleRows(r0, rows).rowwise() += c.b2.transpose();
    }
    // lse_h = log((1/K) Σ_j e^{g_h(e_j)}), serial in row order.
    VectorD lse(S_), p_sum = VectorD::Zero(S_);
    const double log_K = std::log(static_cast<double>(K));
    for (Index s = 0; s < S_; ++s) {
      const double mx = ws_.G.col(s).maxCoeff();
      double sum = 0.0;
      for (Index r = 0; r < K; ++r) sum += std::exp(ws_.G(r, s) - mx);
      lse[s] = mx + std::log(sum) - log_K;
    }
    double value = 0.0;
    for (Index r = 0; r < K; ++r)
      for (Index s = 0; s < S_; ++s) {
        value += ws_.P(r, s) * (ws_.G(r, s) - lse[s]);
        p_sum[s] += ws_.P(r, s);
      }
    value /= static_cast<double>(K);
    if (critic_grad == nullptr && filter_grad == nullptr) return value;

    // Per-chunk gradients, summed in chunk order.
    critic_parts_.assign(static_cast<std::size_t>(chunks), VectorD());
    filter_parts_.assign(static_cast<std::size_t>(chunks), MatrixD());
    const double inv_K = 1.0 / static_cast<double>(K);
#pragma omp parallel for schedule(static) num_threads(threads_)
    for (Index k = 0; k < chunks; ++k) {
      const Index r0 = k * kChunk, rows = std::min(kChunk, K - r0);
      const auto P = ws_.P.middleRows(r0, rows);
      const auto G = ws_.G.middleRows(r0, rows);
      if (critic_grad != nullptr) {
        // ∂value/∂g_h(e_r) = (p(h|v_r) − P_h softmax_r(g_h)) / K,  P_h = Σ_i p(h|v_i).
        MatrixD dG(rows, S_);
        for (Index r = 0; r < rows; ++r)
          for (Index s = 0; s < S_; ++s)
            dG(r, s) = (P(r, s) - p_sum[s] * std::exp(G(r, s) - lse[s] - log_K)) * inv_K;
        const auto H = ws_.H.middleRows(r0, rows);
        VectorD g = VectorD::Zero(shape_.size());
        const Index o_b1 = nh * nE, o_W2 = o_b1 + nh, o_b2 = o_W2 + S_ * nh;
        Eigen::Map<MatrixD>(g.data() + o_W2, S_, nh).noalias() = dG.transpose() * H;
        g.segment(o_b2, S_) = dG.colwise().sum().transpose();
        MatrixD dH = (dG * c.W2).cwiseProduct((1.0 - H.array().square()).matrix());
        Eigen::Map<MatrixD>(g.data(), nh, nE).noalias() = dH.transpose() * ws_.E.middleRows(r0, rows);
        g.segment(o_b1, nh) = dH.colwise().sum().transpose();
        critic_parts_[static_cast<std::size_t>(k)] = std::move(g);
      }
      if (filter_grad != nullptr) {
        // ∂value/∂a_rj = Σ_h (g_h(e_r) − lse_h)/K · p(h|v_r) (h_j − tanh a_rj);  ∂a_rj/∂Λ_ji = v_ri.
        MatrixD dA = MatrixD::Zero(rows, M_);
        for (Index r = 0; r < rows; ++r)
          for (Index j = 0; j < M_; ++j) {
            const double t = std::tanh(ws_.A(r0 + r, j));
            double d = 0.0;
            for (Index s = 0; s < S_; ++s) {
              const double h = ((s >> j) & 1) ? 1.0 : -1.0;
              d += (G(r, s) - lse[s]) * P(r, s) * (h - t);
            }
            dA(r, j) = d * inv_K;
          }
        filter_parts_[static_cast<std::size_t>(k)] = dA.transpose() * ws_.V.middleRows(r0, rows);
      }
    }
    if (critic_grad != nullptr) {
      critic_grad->setZero(shape_.size());
      for (const auto& g : critic_parts_) *critic_grad += g;
    }
    if (filter_grad != nullptr) {
      filter_grad->setZero(M_ * nV);
      for (const auto& g : filter_parts_) *filter_grad += Eigen::Map<const VectorD>(g.data(), g.size());
    }
    return value;
  }

  // OpenMP threads of the chunk loops (the result does not depend on it).
  void set_threads(int threads) { threads_ = std::max(1, threads); }

 private:
  const PairSource& source_;
  int threads_ = 1;
  Index M_, S_;
  CriticShape shape_;
  Workspace ws_;
  std::vector<VectorD> critic_parts_;
  std::vector<MatrixD> filter_parts_;
};

}  // namespace rgflow::rg::rsmi_detail
