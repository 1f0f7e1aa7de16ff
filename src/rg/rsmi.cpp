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
#include "rsmi_bound.hpp"

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

using namespace rsmi_detail;

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
      if (!filter.allFinite() || !theta.allFinite() || !std::isfinite(ep.train_bound))
        throw Error(fmt::format("rsmi: training diverged (non-finite parameters after epoch {}); try a smaller "
                                "learning rate", e));
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
