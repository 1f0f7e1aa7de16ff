// Parallel tempering for RBMs (Desjardins et al. 2010). Equations in
// include/rgflow/sample/tempering.hpp and docs/training.md.
#include "rgflow/sample/tempering.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fmt/format.h>
#include <numeric>
#include <span>
#include <utility>

#include "../rbm/chunked_gibbs.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/core/gemm.hpp"
#include "rgflow/rbm/sampling_kernels.hpp"

namespace rgflow::sample {

namespace {

void check_ladder(const std::vector<double>& betas) {
  if (betas.size() < 2) {
    throw Error(fmt::format("parallel tempering needs at least 2 temperatures (got {})",
                            betas.size()));
  }
  if (betas.front() != 1.0) {
    throw Error(fmt::format("the first inverse temperature must be 1 (got {})", betas.front()));
  }
  for (std::size_t k = 1; k < betas.size(); ++k) {
    if (!(betas[k] > 0.0 && betas[k] < betas[k - 1])) {
      throw Error(fmt::format("inverse temperatures must decrease strictly and stay > 0 (β_{} = "
                              "{} after {})", k, betas[k], betas[k - 1]));
    }
  }
}

// Σ_j L_h(β φ_j) for one row of fields, in float64.
template <class H>
double sum_log_partition(const float* field, Index n, double beta) {
  double s = 0.0;
  for (Index j = 0; j < n; ++j) s += H::log_partition(beta * static_cast<double>(field[j]));
  return s;
}

// Fixed blocks of at most kRowBlock rows inside each of `replicas` replicas of `chains` rows and,
// within a replica, inside each piece [pieces[i], pieces[i + 1]) of its chains: (first row, rows).
// The blocks, and so every product's bits, depend on the chain count and the pieces alone, never on
// the thread count or on which rank holds the replica or the piece. Unlike the column blocks of
// CD/PCD's products these split a 64-unit hidden layer too, and let a block's whole sweep run
// without a barrier.
constexpr Index kRowBlock = 128;

std::vector<std::pair<Index, Index>> row_blocks(Index replicas, Index chains,
                                                const std::vector<Index>& pieces) {
  std::vector<std::pair<Index, Index>> out;
  for (Index q = 0; q < replicas; ++q) {
    for (std::size_t i = 0; i + 1 < pieces.size(); ++i) {
      for (Index r = pieces[i]; r < pieces[i + 1]; r += kRowBlock) {
        out.emplace_back(q * chains + r, std::min(kRowBlock, pieces[i + 1] - r));
      }
    }
  }
  return out;
}

// Worksharing over `blocks`: f(first row, rows), static schedule.
template <class F>
void for_blocks(const std::vector<std::pair<Index, Index>>& blocks, F&& f) {
  const auto n = static_cast<Index>(blocks.size());
#pragma omp for schedule(static)
  for (Index b = 0; b < n; ++b) {
    const auto& [first, rows] = blocks[static_cast<std::size_t>(b)];
    f(first, rows);
  }
}

// Rows [first, first + rows) of `m` as raw float bytes, appended to `out`; read_rows fills all of
// `m` from `in` at byte offset `at` (advanced past them).
void append_rows(std::vector<std::byte>& out, const MatrixF& m, Index first, Index rows) {
  const auto* p = reinterpret_cast<const std::byte*>(m.row(first).data());
  out.insert(out.end(), p, p + rows * m.cols() * static_cast<Index>(sizeof(float)));
}

void read_rows(const std::vector<std::byte>& in, std::size_t& at, MatrixF& m) {
  const auto bytes = static_cast<std::size_t>(m.size()) * sizeof(float);
  if (in.size() < at + bytes) throw Error("parallel tempering: a rank sent too few boundary rows");
  std::memcpy(m.data(), in.data() + at, bytes);
  at += bytes;
}

}  // namespace

std::vector<double> geometric_ladder(int replicas, double beta_min) {
  if (replicas < 2) {
    throw Error(fmt::format("parallel tempering needs >= 2 replicas (got {})", replicas));
  }
  if (!(beta_min > 0.0 && beta_min < 1.0)) {
    throw Error(fmt::format("lowest inverse temperature must be in (0, 1) (got {})", beta_min));
  }
  std::vector<double> betas(static_cast<std::size_t>(replicas));
  for (int k = 0; k < replicas; ++k) {
    betas[static_cast<std::size_t>(k)] =
        std::pow(beta_min, static_cast<double>(k) / static_cast<double>(replicas - 1));
  }
  betas.front() = 1.0;
  return betas;
}

VectorD tempered_log_weight(const Rbm& rbm, const MatrixF& V, double beta) {
  if (!rbm.binary()) throw Error("parallel tempering supports bernoulli and spin units only");
  MatrixF field;
  rbm.hidden_field(V, field);
  const VectorD a = rbm.visible_bias().cast<double>();
  VectorD out(V.rows());
  dispatch(rbm.hidden_type(), [&](auto h) {
    using H = decltype(h);
    for (Index r = 0; r < V.rows(); ++r) {
      out[r] = beta * V.row(r).cast<double>().dot(a.transpose()) +
               sum_log_partition<H>(field.row(r).data(), field.cols(), beta);
    }
  });
  return out;
}

double swap_log_ratio(const Rbm& rbm, const VectorF& x, const VectorF& y, double beta_a,
                      double beta_b) {
  MatrixF xy(2, x.size());
  xy.row(0) = x.transpose();
  xy.row(1) = y.transpose();
  const VectorD at_a = tempered_log_weight(rbm, xy, beta_a);
  const VectorD at_b = tempered_log_weight(rbm, xy, beta_b);
  return at_a[1] + at_b[0] - at_a[0] - at_b[1];
}

ParallelTempering::ParallelTempering(std::vector<double> betas, bool adaptive,
                                     const Communicator* communicator)
    : adaptive_(adaptive), comm_(communicator) {
  check_ladder(betas);
  state_.betas = std::move(betas);
  state_.attempts.assign(state_.betas.size() - 1, 0);
  state_.accepts.assign(state_.betas.size() - 1, 0);
  const auto k = static_cast<Index>(state_.betas.size());
  end_ = k;
  if (comm_ != nullptr && comm_->size() > 1) {
    check_communicator(*comm_, "parallel tempering");
    const Index n = comm_->size();
    if (k < n) {
      throw Error(fmt::format("parallel tempering over {} ranks needs at least one temperature per "
                              "rank (got {} replicas)", n, k));
    }
    first_ = k * comm_->rank() / n;
    end_ = k * (comm_->rank() + 1) / n;
  } else {
    comm_ = nullptr;
  }
}

void ParallelTempering::reset(const MatrixF& start) {
  if (start.rows() < 1) throw Error("parallel tempering: no starting states");
  chains_ = start.rows();
  const Index local = end_ - first_;
  state_.replicas.resize(local * chains_, start.cols());
  for (Index r = 0; r < local; ++r) state_.replicas.middleRows(r * chains_, chains_) = start;
}

MatrixF ParallelTempering::cold_states() const {
  if (first_ != 0) throw Error("parallel tempering: the β = 1 replicas live on rank 0");
  return state_.replicas.topRows(chains());
}

void ParallelTempering::restore(TemperingState state) {
  check_ladder(state.betas);
  const std::size_t pairs = state.betas.size() - 1;
  if (state.attempts.size() != pairs || state.accepts.size() != pairs) {
    throw Error(fmt::format("parallel tempering: swap counters have {} / {} entries for {} pairs",
                            state.attempts.size(), state.accepts.size(), pairs));
  }
  if (comm_ == nullptr) {
    end_ = static_cast<Index>(state.betas.size());
  } else if (state.betas.size() != state_.betas.size()) {
    throw Error(fmt::format("parallel tempering: a state of {} temperatures for a ladder of {} "
                            "split over ranks", state.betas.size(), state_.betas.size()));
  }
  const Index local = end_ - first_;
  if (state.replicas.size() != 0 && state.replicas.rows() % local != 0) {
    throw Error(fmt::format("parallel tempering: {} replica rows are not a multiple of {} "
                            "temperatures", state.replicas.rows(), local));
  }
  state_ = std::move(state);
  chains_ = state_.replicas.rows() / local;
}

std::vector<double> ParallelTempering::acceptance() const {
  std::vector<double> out(state_.attempts.size());
  for (std::size_t k = 0; k < out.size(); ++k) {
    out[k] = state_.attempts[k] > 0
                 ? static_cast<double>(state_.accepts[k]) / static_cast<double>(state_.attempts[k])
                 : std::nan("");
  }
  return out;
}

void ParallelTempering::prepare(const Rbm& rbm, int steps) {
  if (!initialized()) throw Error("parallel tempering: run() before reset()");
  if (state_.replicas.cols() != rbm.n_visible()) {
    throw Error(fmt::format("parallel tempering: states have {} columns but the model has {} "
                            "visible units", state_.replicas.cols(), rbm.n_visible()));
  }
  if (steps < 0) throw Error(fmt::format("parallel tempering: steps must be >= 0 (got {})", steps));
  if (!rbm.binary()) throw Error("parallel tempering supports bernoulli and spin units only");
  const Index c = chains();
  const auto k = static_cast<Index>(state_.betas.size());
  const Index rows = state_.replicas.rows();
  field_.resize(rows, rbm.n_hidden());
  if (keep_cold_field_ && first_ == 0) cold_field_.resize(c, rbm.n_hidden());
  beta_f_.resize(static_cast<std::size_t>(k));
  for (Index r = 0; r < k; ++r) {
    beta_f_[static_cast<std::size_t>(r)] = static_cast<float>(state_.betas[static_cast<std::size_t>(r)]);
  }
  chain_accepts_.assign(static_cast<std::size_t>(c * (k - 1)), 0);
  cursors_.resize(static_cast<std::size_t>(c));
  term_dot_.resize(static_cast<std::size_t>(rows));
  term_below_.resize(static_cast<std::size_t>(rows));
  term_own_.resize(static_cast<std::size_t>(rows));
}

std::uint64_t ParallelTempering::step_words(const Rbm& rbm) const {
  const auto c = static_cast<std::uint64_t>(chains());
  const auto k = static_cast<std::uint64_t>(state_.betas.size());
  // The swaps' two words per (chain, pair), then the sweep's over all K·C rows (on every rank and
  // in every shard: the layout of one process).
  return 2 * c * (k - 1) + k * c * static_cast<std::uint64_t>(rbm.n_hidden() + rbm.n_visible());
}

std::vector<std::uint64_t> ParallelTempering::chain_range_accepts(Index c0, Index c1) const {
  const auto k = static_cast<Index>(state_.betas.size());
  std::vector<std::uint64_t> accepts(static_cast<std::size_t>(k - 1), 0);
  for (Index chain = c0; chain < c1; ++chain) {
    for (Index pair = 0; pair + 1 < k; ++pair) {
      accepts[static_cast<std::size_t>(pair)] += chain_accepts_[static_cast<std::size_t>(chain * (k - 1) + pair)];
    }
  }
  return accepts;
}

void ParallelTempering::run(const Rbm& rbm, int steps, Rng& rng) {
  if (comm_ == nullptr) {
    if (!initialized()) throw Error("parallel tempering: run() before reset()");
    const std::vector<std::uint64_t> accepts = run_chains(rbm, steps, rng, {0, chains()});
    add_swaps(steps, accepts);
    return;
  }
  prepare(rbm, steps);
  MatrixF& V = state_.replicas;
  const Index c = chains();
  const Index rows = V.rows();
  const Index nv = rbm.n_visible();
  const Index nh = rbm.n_hidden();
  const UnitType ht = rbm.hidden_type();
  const bool cold = keep_cold_field_ && first_ == 0;
  const VectorF& a = rbm.visible_bias();
  const std::uint64_t swap_words = 2 * static_cast<std::uint64_t>(c * (replicas() - 1));
  const std::uint64_t sweep_words = step_words(rbm) - swap_words;
  const int threads = chunked::update_threads(rows, nv, nh);
  const std::vector<Index> hc = chunked::gemm_chunks(nh);
  const Rng stream = rng;
  blocks_ = row_blocks(end_ - first_, c, {0, c});

  // The steps with the exchange rounds between the regions (collectives run on this thread,
  // outside any parallel region).
  std::uint64_t at = 0;
  for (int step = 0; step < steps; ++step) {
    if (step == 0) {
#pragma omp parallel num_threads(threads)
      for_blocks(blocks_, [&](Index r0, Index n) { hidden_rows(rbm, r0, n); });
    }
    swap_distributed(ht, a, stream, at, threads);
    at += swap_words;
#pragma omp parallel num_threads(threads)
    sweep(rbm, stream, at, step + 1 < steps);
    at += sweep_words;
  }
  if (cold) {
#pragma omp parallel num_threads(threads)
    chunked::hidden_field(rbm, V.topRows(c), cold_field_, hc);
  }
  rng = stream.advanced(static_cast<std::uint64_t>(steps) * step_words(rbm));

  // Each pair was counted by one rank (the one holding its upper replica): the sum over ranks is
  // exact (integers far below 2^53).
  std::vector<std::uint64_t> accepts = chain_range_accepts(0, c);
  std::vector<double> sum(accepts.begin(), accepts.end());
  comm_->allreduce_sum(sum);
  for (std::size_t p = 0; p < sum.size(); ++p) accepts[p] = static_cast<std::uint64_t>(sum[p]);
  add_swaps(steps, accepts);
}

std::vector<std::uint64_t> ParallelTempering::run_chains(const Rbm& rbm, int steps, Rng& rng,
                                                         const std::vector<Index>& pieces) {
  if (comm_ != nullptr) {
    throw Error("parallel tempering: a sampler split over ranks by temperature runs every chain");
  }
  prepare(rbm, steps);
  const Index c = chains();
  if (pieces.empty() || pieces.front() < 0 || pieces.back() > c ||
      !std::is_sorted(pieces.begin(), pieces.end())) {
    throw Error(fmt::format("parallel tempering: chain pieces must rise within [0, {}]", c));
  }
  const Index c0 = pieces.front();
  const Index c1 = pieces.back();
  MatrixF& V = state_.replicas;
  const auto k = static_cast<Index>(state_.betas.size());
  const Index nv = rbm.n_visible();
  const Index nh = rbm.n_hidden();
  const UnitType ht = rbm.hidden_type();
  const bool cold = keep_cold_field_;
  const VectorF& a = rbm.visible_bias();
  const std::uint64_t swap_words = 2 * static_cast<std::uint64_t>(c * (k - 1));
  const std::uint64_t sweep_words = step_words(rbm) - swap_words;
  const int threads = chunked::update_threads(std::max<Index>(k * (c1 - c0), 1), nv, nh);
  const std::vector<Index> hc = chunked::gemm_chunks(nh);
  const Rng stream = rng;
  blocks_ = row_blocks(k, c, pieces);

  if (c1 > c0) {
#pragma omp parallel num_threads(threads)
    {
      std::uint64_t at = 0;
      for (int step = 0; step < steps; ++step) {
        // φ = V W + b (the previous step computed it already, unless this is the run's first).
        if (step == 0) for_blocks(blocks_, [&](Index r0, Index n) { hidden_rows(rbm, r0, n); });
        chunked::for_row_bands(c1 - c0, [&](Index b0, Index n) {
          swap_terms(c0 + b0, n, ht, a);
          swap_chains(c0 + b0, n, 0, k - 1, true, ht, a, stream, at);
        });
        at += swap_words;
        sweep(rbm, stream, at, step + 1 < steps);
        at += sweep_words;
      }
      // φ of the β = 1 states under this model (the negative phase's E[h | v]), piece by piece.
      if (cold) {
        for (std::size_t i = 0; i + 1 < pieces.size(); ++i) {
          const Index p0 = pieces[i];
          const Index n = pieces[i + 1] - p0;
          if (n > 0) chunked::hidden_field(rbm, V.middleRows(p0, n), cold_field_.middleRows(p0, n), hc);
        }
      }
    }
  }
  rng = stream.advanced(static_cast<std::uint64_t>(steps) * step_words(rbm));
  return chain_range_accepts(c0, c1);
}

void ParallelTempering::add_swaps(int steps, const std::vector<std::uint64_t>& accepts) {
  if (accepts.size() != state_.accepts.size() || steps < 0) {
    throw Error(fmt::format("parallel tempering: {} swap counts for {} pairs", accepts.size(),
                            state_.accepts.size()));
  }
  const std::vector<std::uint64_t> attempts(
      accepts.size(), static_cast<std::uint64_t>(steps) * static_cast<std::uint64_t>(chains()));
  for (std::size_t p = 0; p < attempts.size(); ++p) {
    state_.attempts[p] += attempts[p];
    state_.accepts[p] += accepts[p];
  }
  if (adaptive_ && steps > 0) adapt(attempts, accepts);
}

float* ParallelTempering::state_row(Index pos, Index chain) {
  if (pos < first_) return ghost_low_v_.row(chain).data();
  if (pos >= end_) return ghost_high_v_.row(chain).data();
  return state_.replicas.row((pos - first_) * chains_ + chain).data();
}

float* ParallelTempering::field_row(Index pos, Index chain) {
  if (pos < first_) return ghost_low_f_.row(chain).data();
  if (pos >= end_) return ghost_high_f_.row(chain).data();
  return field_.row((pos - first_) * chains_ + chain).data();
}

// The sweep, one block of rows at a time (a row's sweep needs its own row only), and the next
// step's φ of the block.
void ParallelTempering::sweep(const Rbm& rbm, const Rng& stream, std::uint64_t at, bool next) {
  MatrixF& V = state_.replicas;
  const std::uint64_t hw = static_cast<std::uint64_t>(
      static_cast<Index>(state_.betas.size()) * chains_ * rbm.n_hidden());
  for_blocks(blocks_, [&](Index r0, Index n) {
    sample_rows(rbm.hidden_type(), field_, r0, n, stream, at);
    auto vis = V.middleRows(r0, n);
    gemm::product(1.0f, field_.middleRows(r0, n), false, rbm.weights(), true, 0.0f, vis);
    vis.rowwise() += rbm.visible_bias().transpose();
    sample_rows(rbm.visible_type(), V, r0, n, stream, at + hw);
    if (next) hidden_rows(rbm, r0, n);
  });
}

// The exchange rounds of one step (header comment). Round j = 1 … N−1: rank j−1 sends its carry
// (its top replica after its pairs below the upper boundary), and in round 1 every rank r ≥ 1 its
// bottom replica before the swaps.
void ParallelTempering::swap_distributed(UnitType hidden, const VectorF& a, const Rng& stream,
                                         std::uint64_t at, int threads) {
  const Communicator& comm = *comm_;
  const int rank = comm.rank();
  const int n = comm.size();
  const Index c = chains_;
  const Index nv = state_.replicas.cols();
  const Index nh = field_.cols();
  const Index top = end_ - 1;
  const Index low = rank > 0 ? first_ - 1 : 0;  // where this rank's pairs start
  // This rank's pairs below its upper boundary: [low, top), the cursors starting at `low`.
  const auto own_pairs = [&] {
#pragma omp parallel num_threads(threads)
    chunked::for_row_bands(c, [&](Index c0, Index m) {
      swap_chains(c0, m, low, top, true, hidden, a, stream, at);
    });
  };
  const auto upper_pair = [&] {
#pragma omp parallel num_threads(threads)
    chunked::for_row_bands(c, [&](Index c0, Index m) {
      swap_chains(c0, m, top, top + 1, false, hidden, a, stream, at);
    });
  };
#pragma omp parallel num_threads(threads)
  chunked::for_row_bands(c, [&](Index c0, Index m) { swap_terms(c0, m, hidden, a); });
  if (rank == 0) own_pairs();
  if (rank > 0) {
    ghost_low_v_.resize(c, nv);
    ghost_low_f_.resize(c, nh);
  }
  if (rank + 1 < n) {
    ghost_high_v_.resize(c, nv);
    ghost_high_f_.resize(c, nh);
  }
  const Index top_row = (top - first_) * c;
  for (int j = 1; j < n; ++j) {
    std::vector<std::byte> mine;
    if (rank == j - 1) {
      append_rows(mine, state_.replicas, top_row, c);
      append_rows(mine, field_, top_row, c);
    } else if (j == 1) {
      append_rows(mine, state_.replicas, 0, c);
      append_rows(mine, field_, 0, c);
    }
    const std::vector<std::vector<std::byte>> all = comm.allgather(mine);
    if (j == 1 && rank + 1 < n) {
      std::size_t pos = 0;
      read_rows(all[static_cast<std::size_t>(rank + 1)], pos, ghost_high_v_);
      read_rows(all[static_cast<std::size_t>(rank + 1)], pos, ghost_high_f_);
    }
    if (rank == j) {
      std::size_t pos = 0;
      read_rows(all[static_cast<std::size_t>(rank - 1)], pos, ghost_low_v_);
      read_rows(all[static_cast<std::size_t>(rank - 1)], pos, ghost_low_f_);
      own_pairs();
    }
    if (rank == j - 1) upper_pair();
  }
}

void ParallelTempering::swap_terms(Index c0, Index n, UnitType hidden, const VectorF& a) {
  const Index c = chains_;
  const auto nh = static_cast<std::size_t>(field_.cols());
  const auto nv = static_cast<std::size_t>(a.size());
  for (Index q = first_; q < end_; ++q) {
    for (Index chain = c0; chain < c0 + n; ++chain) {
      const Index row = (q - first_) * c + chain;
      const auto i = static_cast<std::size_t>(row);
      const float* f = field_.row(row).data();
      term_dot_[i] = kernels::dot_f64(state_.replicas.row(row).data(), a.data(), nv);
      term_below_[i] = q > 0 ? kernels::log_partition_sum(hidden, f, nh, beta_f_[static_cast<std::size_t>(q - 1)]) : 0.0;
      term_own_[i] = kernels::log_partition_sum(hidden, f, nh, beta_f_[static_cast<std::size_t>(q)]);
    }
  }
}

// Swap proposals of chains [c0, c0 + n), pairs (p0, p0 + 1), …, (p1 − 1, p1) in turn, on the
// fields φ = b + Wᵀv of the current states (field_). S(row, β) = Σ_j L(β φ_j) is computed once per
// (row, β) it is needed for: y's terms come from swap_terms (or, for a neighbouring rank's row,
// are computed here), and the state that ends a pair at position p + 1 carries its S at β_{p+1}
// into the next pair.
void ParallelTempering::swap_chains(Index c0, Index n, Index p0, Index p1, bool start,
                                    UnitType hidden, const VectorF& a, const Rng& stream,
                                    std::uint64_t at) {
  const auto k = static_cast<Index>(state_.betas.size());
  const Index nh = field_.cols();
  const auto nv = static_cast<std::size_t>(a.size());
  const auto bias_dot = [&](const float* v) { return kernels::dot_f64(v, a.data(), nv); };
  const auto log_z = [&](const float* f, Index pos) {
    return kernels::log_partition_sum(hidden, f, static_cast<std::size_t>(nh),
                                      beta_f_[static_cast<std::size_t>(pos)]);
  };
  for (Index chain = c0; chain < c0 + n; ++chain) {
    Cursor& cur = cursors_[static_cast<std::size_t>(chain)];
    if (start && p0 >= first_) {  // a state of this rank, untouched so far
      const auto i = static_cast<std::size_t>((p0 - first_) * chains_ + chain);
      cur.ax = term_dot_[i];
      cur.x_at_own = term_own_[i];
    } else if (start) {  // the carry from the rank below
      cur.ax = bias_dot(state_row(p0, chain));
      cur.x_at_own = log_z(field_row(p0, chain), p0);
    }
    Rng rng = stream.advanced(at + 2 * static_cast<std::uint64_t>(chain * (k - 1) + p0));
    for (Index pair = p0; pair < p1; ++pair) {
      float* xv = state_row(pair, chain);
      float* xf = field_row(pair, chain);
      float* yv = state_row(pair + 1, chain);
      float* yf = field_row(pair + 1, chain);
      const double ba = state_.betas[static_cast<std::size_t>(pair)];
      const double bb = state_.betas[static_cast<std::size_t>(pair + 1)];
      double ay, y_at_a, y_at_b;
      if (pair + 1 < end_) {  // y is this rank's, untouched so far: its terms are known
        const auto i = static_cast<std::size_t>((pair + 1 - first_) * chains_ + chain);
        ay = term_dot_[i];
        y_at_a = term_below_[i];
        y_at_b = term_own_[i];
      } else {  // the bottom state of the rank above
        ay = bias_dot(yv);
        y_at_a = log_z(yf, pair);
        y_at_b = log_z(yf, pair + 1);
      }
      const double x_at_b = log_z(xf, pair + 1);
      const double log_r = (ba - bb) * (ay - cur.ax) + y_at_a + x_at_b - cur.x_at_own - y_at_b;
      const double u01 = rng.uniform_double();
      if (log_r >= 0.0 || u01 < std::exp(log_r)) {
        std::swap_ranges(xv, xv + nv, yv);
        std::swap_ranges(xf, xf + nh, yf);
        // Counted by the rank holding the upper replica (the lower one decides it too).
        if (pair + 1 < end_) chain_accepts_[static_cast<std::size_t>(chain * (k - 1) + pair)] += 1;
        // x moves up to position pair + 1, y down to pair.
        cur.x_at_own = x_at_b;
      } else {
        cur.ax = ay;
        cur.x_at_own = y_at_b;
      }
    }
  }
}

// Replaces the fields in rows [r0, r0 + n) of X (local replica q of chain c at row q·C + c) by
// samples of the unit type at β_{first + q}: y = β·x (float), then the fused kernel, word
// `first + (global row)·cols + i` of `stream` for entry (r, i) (the layout of chunked::sample_rows
// over all K·C rows).
void ParallelTempering::sample_rows(UnitType type, MatrixF& X, Index r0, Index n, const Rng& stream,
                                    std::uint64_t first) const {
  const Index c = chains();
  const Index cols = X.cols();
  for (Index r = r0; r < r0 + n; ++r) X.row(r) *= beta_f_[static_cast<std::size_t>(first_ + r / c)];
  Rng rng = stream.advanced(first + static_cast<std::uint64_t>((first_ * c + r0) * cols));
  kernels::sample(type, std::span<float>(X.row(r0).data(), static_cast<std::size_t>(n * cols)), rng);
}

// φ = V W + b for rows [r0, r0 + n).
void ParallelTempering::hidden_rows(const Rbm& rbm, Index r0, Index n) {
  auto f = field_.middleRows(r0, n);
  gemm::product(1.0f, state_.replicas.middleRows(r0, n), false, rbm.weights(), false, 0.0f, f);
  f.rowwise() += rbm.hidden_bias().transpose();
}

void ParallelTempering::adapt(const std::vector<std::uint64_t>& attempts,
                              const std::vector<std::uint64_t>& accepts) {
  std::vector<double>& betas = state_.betas;
  const std::size_t pairs = attempts.size();
  std::vector<double> rate(pairs);
  for (std::size_t p = 0; p < pairs; ++p) {
    rate[p] = static_cast<double>(accepts[p]) / static_cast<double>(attempts[p]);
  }
  const double mean = std::accumulate(rate.begin(), rate.end(), 0.0) / static_cast<double>(pairs);
  const double kappa = 0.1 / (1.0 + static_cast<double>(state_.adaptations) / 100.0);
  const double t_first = 1.0;
  const double t_last = 1.0 / betas.back();
  std::vector<double> gap(pairs);
  double total = 0.0;
  for (std::size_t p = 0; p < pairs; ++p) {
    gap[p] = (1.0 / betas[p + 1] - 1.0 / betas[p]) * std::exp(kappa * (rate[p] - mean));
    total += gap[p];
  }
  double t = t_first;
  for (std::size_t p = 0; p + 1 < pairs; ++p) {
    t += gap[p] * (t_last - t_first) / total;
    betas[p + 1] = 1.0 / t;
  }
  state_.adaptations += 1;
}

}  // namespace rgflow::sample
