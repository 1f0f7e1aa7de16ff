// RSMI: learning a coarse-graining filter by maximising the InfoNCE bound on I(H : E)
// (include/rgflow/rg/rsmi.hpp has the equations and sources; docs/rsmi.md the derivations).
#include "rgflow/rg/rsmi.hpp"

#include <fmt/format.h>
#include <omp.h>

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>

#include "rgflow/core/error.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/rg/coarse_graining.hpp"

namespace rgflow::rg {

// ---------------------------------------------------------------------------------------------
// Geometry

void RsmiGeometry::validate() const {
  if (dimension != 1 && dimension != 2) throw Error(fmt::format("rsmi: dimension {} is not 1 or 2", dimension));
  if (L < 2 || L > 65536) throw Error(fmt::format("rsmi: lattice size {} must be in [2, 65536]", L));
  if (block < 1 || L % block != 0)
    throw Error(fmt::format("rsmi: block size {} must be at least 1 and divide the lattice size {}", block, L));
  if (buffer < 0) throw Error(fmt::format("rsmi: buffer width {} must be non-negative", buffer));
  if (environment < 1) throw Error(fmt::format("rsmi: environment width {} must be at least 1", environment));
  if (static_cast<std::int64_t>(block) + 2 * static_cast<std::int64_t>(buffer) + 2 * static_cast<std::int64_t>(environment) > L)
    throw Error(fmt::format("rsmi: block {} + 2 x buffer {} + 2 x environment {} exceeds the lattice size {} "
                            "(the environment would wrap onto itself)", block, buffer, environment, L));
  if (block_sites() > 64) throw Error(fmt::format("rsmi: a block of {} sites is too large (at most 64)", block_sites()));
}

std::int64_t RsmiGeometry::sites() const {
  return dimension == 1 ? std::int64_t{L} : std::int64_t{L} * L;
}
std::int64_t RsmiGeometry::positions() const {
  const std::int64_t per_side = L / block;
  return dimension == 1 ? per_side : per_side * per_side;
}
int RsmiGeometry::block_sites() const { return dimension == 1 ? block : block * block; }
int RsmiGeometry::environment_sites() const { return static_cast<int>(environment_offsets().size()); }

std::vector<std::array<int, 2>> RsmiGeometry::block_offsets() const {
  std::vector<std::array<int, 2>> out;
  const int rows = dimension == 1 ? 1 : block;
  for (int dy = 0; dy < rows; ++dy)
    for (int dx = 0; dx < block; ++dx) out.push_back({dy, dx});
  return out;
}

std::vector<std::array<int, 2>> RsmiGeometry::environment_offsets() const {
  std::vector<std::array<int, 2>> out;
  const int lo = -buffer - environment, hi = block + buffer + environment;  // window [lo, hi)
  auto inside_buffer = [&](int t) { return t >= -buffer && t < block + buffer; };
  if (dimension == 1) {
    for (int dx = lo; dx < hi; ++dx)
      if (!inside_buffer(dx)) out.push_back({0, dx});
    return out;
  }
  for (int dy = lo; dy < hi; ++dy)
    for (int dx = lo; dx < hi; ++dx)
      if (!(inside_buffer(dy) && inside_buffer(dx))) out.push_back({dy, dx});
  return out;
}

void RsmiOptions::validate() const {
  if (hidden_per_block < 1 || hidden_per_block > 4)
    throw Error(fmt::format("rsmi: coarse variables per block {} must be 1 to 4", hidden_per_block));
  if (epochs < 0 || epochs > 1'000'000) throw Error(fmt::format("rsmi: epochs {} must be in [0, 1e6]", epochs));
  if (critic_epochs < 1 || critic_epochs > 1'000'000)
    throw Error(fmt::format("rsmi: critic epochs {} must be in [1, 1e6]", critic_epochs));
  if (positions_per_epoch < 1 || positions_per_epoch > 1'000'000)
    throw Error(fmt::format("rsmi: positions per epoch {} must be at least 1", positions_per_epoch));
  if (eval_positions < 1 || eval_positions > 1'000'000)
    throw Error(fmt::format("rsmi: evaluation positions {} must be at least 1", eval_positions));
  if (batch_size < 2 || batch_size > (1 << 20)) throw Error(fmt::format("rsmi: batch size {} must be in [2, 2^20]", batch_size));
  if (critic_hidden < 1 || critic_hidden > 4096) throw Error(fmt::format("rsmi: critic width {} must be in [1, 4096]", critic_hidden));
  if (!(learning_rate > 0.0) || !std::isfinite(learning_rate)) throw Error("rsmi: learning rate must be positive and finite");
  if (!(critic_learning_rate > 0.0) || !std::isfinite(critic_learning_rate))
    throw Error("rsmi: critic learning rate must be positive and finite");
  if (!(beta > 0.0) || !std::isfinite(beta)) throw Error("rsmi: beta must be positive and finite");
  if (!(validation_fraction > 0.0 && validation_fraction < 1.0))
    throw Error("rsmi: validation fraction must lie strictly between 0 and 1");
}

double filter_nonuniformity(const MatrixD& filter, Index row) {
  const auto r = filter.row(row);
  const double mean = r.mean();
  if (mean == 0.0) return std::numeric_limits<double>::infinity();
  return (r.array() - mean).abs().maxCoeff() / std::abs(mean);
}

namespace {

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
std::vector<Pair> shuffled_pairs(Rng& rng, std::int64_t first, std::int64_t count, int passes,
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

VectorD init_critic(const CriticShape& s, Rng rng) {
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

// Mini-batches are small (a few ms), so on a machine shared with other work every barrier of a
// multi-threaded batch can wait for a descheduled thread (measured on the 2-core box under load:
// a 1D run took 0.5 s on 1 thread and 54 s on 2). So, like the training loop
// (src/train/trainer.cpp), the thread count is chosen by timing: the first 2·kProbe batches of a
// loop run alternately with the OpenMP default and with 1 thread, and the faster (by medians) is
// kept — for this and the next kReprobe − 1 loops (probing costs when threads are slow). Only the
// speed depends on it, never the bits. Threads must also beat 1 thread by 20 %, and batches
// smaller than kParallelWork run on 1 thread without probing.
class ThreadProbe {
 public:
  // Called at the start of each loop over `batches` batches of `work` multiply-adds each.
  void start_loop(std::size_t batches, double work) {
    const int max = work >= kParallelWork ? omp_get_max_threads() : 1;
    probing_ = max > 1 && batches >= 8 * kProbe && loops_ % kReprobe == 0;
    if (max <= 1) chosen_ = 1;
    else if (loops_ == 0) chosen_ = max;
    max_ = max;
    ++loops_;
    seconds_[0].clear();
    seconds_[1].clear();
  }
  int threads(std::size_t b) const {
    if (probing_ && b < 2 * kProbe) return b % 2 == 0 ? max_ : 1;
    return chosen_;
  }
  void record(std::size_t b, double seconds) {
    if (!probing_ || b >= 2 * kProbe) return;
    seconds_[b % 2].push_back(seconds);
    if (b + 1 == 2 * kProbe) {
      for (auto& v : seconds_) std::nth_element(v.begin(), v.begin() + kProbe / 2, v.end());
      chosen_ = seconds_[0][kProbe / 2] < 0.8 * seconds_[1][kProbe / 2] ? max_ : 1;
    }
  }

 private:
  static constexpr std::size_t kProbe = 5;
  static constexpr std::size_t kReprobe = 16;
  // Below this many multiply-adds per batch (~1 ms) threads do not pay for their barriers on a
  // loaded machine (the 2D default, 256 x 64 x 32, stays on 1 thread).
  static constexpr double kParallelWork = 1 << 20;
  std::size_t loops_ = 0;
  int max_ = 1;
  bool probing_ = false;
  int chosen_ = 1;
  std::vector<double> seconds_[2];
};

// Linear decay to 2 % of the start over `epochs` (epoch is 1-based).
double decayed(double lr, int epoch, int epochs) {
  return lr * std::max(0.02, 1.0 - static_cast<double>(epoch - 1) / static_cast<double>(epochs));
}

// Each row scaled to ‖Λ_j‖₂ = β √(b^d).
void project(MatrixD& filter, double beta) {
  const double target = beta * std::sqrt(static_cast<double>(filter.cols()));
  for (Index j = 0; j < filter.rows(); ++j) {
    const double norm = filter.row(j).norm();
    if (norm > 0.0) filter.row(j) *= target / norm;
  }
}

// h → −h (with the critic's outputs relabelled) leaves the bound unchanged, so a learned row is
// defined up to its sign: each is flipped so that its weight of largest magnitude (the first of
// equal ones) is positive — majority-like filters come out positive, as majority rule is, and
// odd MCRG eigenvalues keep their sign.
void orient(MatrixD& filter) {
  for (Index j = 0; j < filter.rows(); ++j) {
    Index largest = 0;
    for (Index i = 1; i < filter.cols(); ++i)
      if (std::abs(filter(j, i)) > std::abs(filter(j, largest))) largest = i;
    if (filter(j, largest) < 0.0) filter.row(j) *= -1.0;
  }
}

// ---------------------------------------------------------------------------------------------
// The experiment: data split, held-out evaluation, learning loop.

template <class T>
const T& checked(const T& x) {
  x.validate();
  return x;
}

class Experiment {
 public:
  Experiment(std::span<const std::int8_t> spins, std::int64_t n, const RsmiGeometry& g, const RsmiOptions& o,
             const StopPoll& stop)
      : geometry_(checked(g)), options_(checked(o)), source_(spins, g), stop_(stop) {
    if (n < 1 || static_cast<std::int64_t>(spins.size()) != n * g.sites())
      throw Error(fmt::format("rsmi: data size {} does not match {} configurations of {} sites", spins.size(), n, g.sites()));
    for (const std::int8_t s : spins)
      if (s != 1 && s != -1) throw Error("rsmi: configurations must hold spins +-1");
    n_valid_ = std::llround(static_cast<double>(n) * o.validation_fraction);
    n_train_ = n - n_valid_;
    const Index K = o.batch_size;
    if (n_train_ < K || n_valid_ < 2 * K)
      throw Error(fmt::format("rsmi: {} configurations give {} for training and {} held out; a batch of {} "
                              "needs at least {} and {} (more data or a smaller batch)",
                              n, n_train_, n_valid_, K, K, 2 * K));
    shape_ = {source_.environment_sites(), o.critic_hidden, Index{1} << o.hidden_per_block};
    batch_work_ = static_cast<double>(K) * static_cast<double>(shape_.in * shape_.hidden + shape_.hidden * shape_.out);
    bound_.emplace(source_, o.hidden_per_block, shape_);
    make_validation_batches();
  }

  std::int64_t n_train() const { return n_train_; }
  std::int64_t n_valid() const { return n_valid_; }

  // Held-out bound of the deterministic rule with critic θ: all rounds (the estimate with its
  // error, from the spread of the group means) or round 0 only (the training curve).
  stats::Result held_out(const MatrixD& filter, const VectorD& theta, bool first_round_only) {
    // Batches as (group, offset into the concatenated rounds of the group).
    const auto K = static_cast<std::size_t>(options_.batch_size);
    std::vector<std::pair<std::size_t, std::span<const Pair>>> batches;
    for (std::size_t g = 0; g < groups_.size(); ++g)
      for (std::size_t r = 0; r < groups_[g].size() && (!first_round_only || r == 0); ++r)
        for (std::size_t b = 0; b + K <= groups_[g][r].size(); b += K)
          batches.emplace_back(g, std::span(groups_[g][r]).subspan(b, K));
    std::vector<double> sums(groups_.size(), 0.0), counts(groups_.size(), 0.0);
    run_batches(batches.size(), [&](std::size_t b) {
      sums[batches[b].first] += bound_->evaluate(batches[b].second, filter, true, theta, nullptr, nullptr);
      counts[batches[b].first] += 1.0;
    });
    std::vector<double> group_means;
    for (std::size_t g = 0; g < groups_.size(); ++g) group_means.push_back(sums[g] / counts[g]);
    const double G = static_cast<double>(group_means.size());
    const double mean = std::accumulate(group_means.begin(), group_means.end(), 0.0) / G;
    double var = 0.0;
    for (const double m : group_means) var += (m - mean) * (m - mean);
    stats::Result r;
    r.mean = mean;
    r.error = std::sqrt(var / (G - 1.0) / G);
    r.n = static_cast<std::int64_t>(group_means.size());
    return r;
  }

  // A fresh critic trained on the deterministic rule, then the held-out estimate.
  stats::Result estimate(const MatrixD& filter) {
    VectorD theta = init_critic(shape_, Rng(options_.seed, kRsmiEstimatorInitStream));
    Adam adam(theta.size());
    VectorD grad;
    for (int e = 1; e <= options_.critic_epochs; ++e) {
      Rng rng(options_.seed, kRsmiEstimatorEpochStreamBase + static_cast<std::uint64_t>(e));
      const auto pairs = shuffled_pairs(rng, 0, n_train_, options_.positions_per_epoch, geometry_.positions(),
                                        options_.batch_size);
      const double lr = decayed(options_.critic_learning_rate, e, options_.critic_epochs);
      const auto K = static_cast<std::size_t>(options_.batch_size);
      run_batches(pairs.size() / K, [&](std::size_t b) {
        bound_->evaluate(std::span(pairs).subspan(b * K, K), filter, true, theta, &grad, nullptr);
        adam.step(theta, grad, lr);
      });
    }
    return held_out(filter, theta, false);
  }

  void learn(RsmiResult& out, const RsmiEpochCallback& on_epoch) {
    const Index M = options_.hidden_per_block, nV = source_.block_sites();
    MatrixD filter(M, nV);
    Rng init(options_.seed, kRsmiFilterInitStream);
    for (Index i = 0; i < filter.size(); ++i) filter.data()[i] = init.normal();
    project(filter, options_.beta);
    out.initial_filter = filter;
    VectorD theta = init_critic(shape_, Rng(options_.seed, kRsmiCriticInitStream));
    Adam critic_adam(theta.size()), filter_adam(filter.size());
    VectorD critic_grad, filter_grad;
    out.filter_history.resize(options_.epochs, filter.size());
    for (int e = 1; e <= options_.epochs; ++e) {
      Rng rng(options_.seed, kRsmiEpochStreamBase + static_cast<std::uint64_t>(e));
      const auto pairs = shuffled_pairs(rng, 0, n_train_, options_.positions_per_epoch, geometry_.positions(),
                                        options_.batch_size);
      const double lr = decayed(options_.learning_rate, e, options_.epochs);
      double sum = 0.0;
      const auto K = static_cast<std::size_t>(options_.batch_size);
      const std::size_t steps = pairs.size() / K;
      run_batches(steps, [&](std::size_t b) {
        sum += bound_->evaluate(std::span(pairs).subspan(b * K, K), filter, false, theta, &critic_grad, &filter_grad);
        critic_adam.step(theta, critic_grad, options_.critic_learning_rate);
        Eigen::Map<VectorD> flat(filter.data(), filter.size());
        filter_adam.step(flat, filter_grad, lr);
        project(filter, options_.beta);
      });
      RsmiEpoch ep;
      ep.epoch = e;
      ep.train_bound = sum / static_cast<double>(steps);
      ep.validation_bound = held_out(filter, theta, true).mean;
      out.curve.push_back(ep);
      out.filter_history.row(e - 1) = Eigen::Map<const VectorD>(filter.data(), filter.size()).transpose();
      if (on_epoch) on_epoch(ep);
    }
    orient(filter);
    out.filter = filter;
  }

 private:
  void poll() {
    if (stop_.check()) stop_.throw_if_stopped();
  }

  // step(b) for b = 0 … count − 1, polling for a stop before each, with the thread count probed.
  template <class Step>
  void run_batches(std::size_t count, Step&& step) {
    probe_.start_loop(count, batch_work_);
    for (std::size_t b = 0; b < count; ++b) {
      poll();
      bound_->set_threads(probe_.threads(b));
      const auto t0 = std::chrono::steady_clock::now();
      step(b);
      probe_.record(b, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
  }

  // Held-out configurations in up to 16 contiguous groups of ≥ K; in each group eval_positions
  // rounds, each a permutation cut into batches of K at random positions.
  void make_validation_batches() {
    const Index K = options_.batch_size;
    const std::int64_t G = std::min<std::int64_t>(16, n_valid_ / K);
    Rng rng(options_.seed, kRsmiValidationStream);
    for (std::int64_t g = 0; g < G; ++g) {
      const std::int64_t first = n_train_ + g * n_valid_ / G, last = n_train_ + (g + 1) * n_valid_ / G;
      std::vector<std::vector<Pair>> rounds;
      for (int r = 0; r < options_.eval_positions; ++r)
        rounds.push_back(shuffled_pairs(rng, first, last - first, 1, geometry_.positions(), K));
      groups_.push_back(std::move(rounds));
    }
  }

  RsmiGeometry geometry_;
  RsmiOptions options_;
  PairSource source_;
  StopSignal stop_;
  ThreadProbe probe_;
  double batch_work_ = 0.0;  // multiply-adds of one batch's critic pass
  std::int64_t n_train_ = 0, n_valid_ = 0;
  CriticShape shape_;
  std::optional<Bound> bound_;
  std::vector<std::vector<std::vector<Pair>>> groups_;  // [group][round] pairs
};

}  // namespace

RsmiResult learn_rsmi(std::span<const std::int8_t> spins, std::int64_t n, const RsmiGeometry& geometry,
                      const RsmiOptions& options, const StopPoll& stop, const RsmiEpochCallback& on_epoch) {
  if (options.epochs < 1) throw Error("rsmi: learning needs at least one epoch");
  Experiment x(spins, n, geometry, options, stop);
  RsmiResult out;
  out.training_configurations = x.n_train();
  out.validation_configurations = x.n_valid();
  x.learn(out, on_epoch);
  out.mutual_information = x.estimate(out.filter);
  return out;
}

RsmiResult rsmi_filter_information(std::span<const std::int8_t> spins, std::int64_t n,
                                   const RsmiGeometry& geometry, const MatrixD& filter,
                                   const RsmiOptions& options, const StopPoll& stop) {
  geometry.validate();
  if (filter.rows() < 1 || filter.rows() > 4 || filter.cols() != geometry.block_sites())
    throw Error(fmt::format("rsmi: the filter is {}x{}, expected 1 to 4 rows of {} block sites", filter.rows(),
                            filter.cols(), geometry.block_sites()));
  if (!filter.allFinite()) throw Error("rsmi: the filter must be finite");
  RsmiOptions o = options;
  o.hidden_per_block = static_cast<int>(filter.rows());
  Experiment x(spins, n, geometry, o, stop);
  RsmiResult out;
  out.training_configurations = x.n_train();
  out.validation_configurations = x.n_valid();
  out.filter = filter;
  out.initial_filter = filter;
  out.mutual_information = x.estimate(filter);
  return out;
}

}  // namespace rgflow::rg
