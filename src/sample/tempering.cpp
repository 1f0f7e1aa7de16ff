// Parallel tempering for RBMs (Desjardins et al. 2010). Equations in
// include/rgflow/sample/tempering.hpp and docs/training.md.
#include "rgflow/sample/tempering.hpp"

#include <algorithm>
#include <cmath>
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

// Worksharing over fixed blocks of kRowBlock rows (the last one shorter): the blocks, and so
// every product's bits, depend on the row count alone, never on the thread count. Unlike the
// column blocks of CD/PCD's products these split a 64-unit hidden layer too, and let a block's
// whole sweep run without a barrier.
constexpr Index kRowBlock = 128;

template <class F>
void for_row_blocks(Index rows, F&& f) {
  const Index blocks = (rows + kRowBlock - 1) / kRowBlock;
#pragma omp for schedule(static)
  for (Index b = 0; b < blocks; ++b) f(b * kRowBlock, std::min(kRowBlock, rows - b * kRowBlock));
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

ParallelTempering::ParallelTempering(std::vector<double> betas, bool adaptive)
    : adaptive_(adaptive) {
  check_ladder(betas);
  state_.betas = std::move(betas);
  state_.attempts.assign(state_.betas.size() - 1, 0);
  state_.accepts.assign(state_.betas.size() - 1, 0);
}

Index ParallelTempering::chains() const {
  return state_.replicas.rows() / static_cast<Index>(state_.betas.size());
}

void ParallelTempering::reset(const MatrixF& start) {
  if (start.rows() < 1) throw Error("parallel tempering: no starting states");
  const Index c = start.rows();
  const auto k = static_cast<Index>(state_.betas.size());
  state_.replicas.resize(k * c, start.cols());
  for (Index r = 0; r < k; ++r) state_.replicas.middleRows(r * c, c) = start;
}

void ParallelTempering::restore(TemperingState state) {
  check_ladder(state.betas);
  const std::size_t pairs = state.betas.size() - 1;
  if (state.attempts.size() != pairs || state.accepts.size() != pairs) {
    throw Error(fmt::format("parallel tempering: swap counters have {} / {} entries for {} pairs",
                            state.attempts.size(), state.accepts.size(), pairs));
  }
  const auto k = static_cast<Index>(state.betas.size());
  if (state.replicas.size() != 0 && state.replicas.rows() % k != 0) {
    throw Error(fmt::format("parallel tempering: {} replica rows are not a multiple of {} "
                            "temperatures", state.replicas.rows(), k));
  }
  state_ = std::move(state);
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

void ParallelTempering::run(const Rbm& rbm, int steps, Rng& rng) {
  if (!initialized()) throw Error("parallel tempering: run() before reset()");
  if (state_.replicas.cols() != rbm.n_visible()) {
    throw Error(fmt::format("parallel tempering: states have {} columns but the model has {} "
                            "visible units", state_.replicas.cols(), rbm.n_visible()));
  }
  if (steps < 0) throw Error(fmt::format("parallel tempering: steps must be >= 0 (got {})", steps));
  if (!rbm.binary()) throw Error("parallel tempering supports bernoulli and spin units only");
  MatrixF& V = state_.replicas;
  const Index c = chains();
  const auto k = static_cast<Index>(state_.betas.size());
  const Index rows = V.rows();
  const Index nv = rbm.n_visible();
  const Index nh = rbm.n_hidden();
  const UnitType vt = rbm.visible_type();
  const UnitType ht = rbm.hidden_type();
  field_.resize(rows, nh);
  cold_field_.resize(c, nh);
  beta_f_.resize(static_cast<std::size_t>(k));
  for (Index r = 0; r < k; ++r) {
    beta_f_[static_cast<std::size_t>(r)] = static_cast<float>(state_.betas[static_cast<std::size_t>(r)]);
  }
  chain_accepts_.assign(static_cast<std::size_t>(c * (k - 1)), 0);
  const VectorF& a = rbm.visible_bias();

  const std::uint64_t swap_words = 2 * static_cast<std::uint64_t>(c * (k - 1));
  const std::uint64_t hw = static_cast<std::uint64_t>(rows * nh);
  const std::uint64_t vw = static_cast<std::uint64_t>(rows * nv);
  const int threads = chunked::update_threads(rows, nv, nh);
  const std::vector<Index> hc = chunked::gemm_chunks(nh);
  const Rng stream = rng;

#pragma omp parallel num_threads(threads)
  {
    std::uint64_t at = 0;
    for (int step = 0; step < steps; ++step) {
      // φ = V W + b (the previous step computed it already, unless this is the run's first).
      if (step == 0) for_row_blocks(rows, [&](Index r0, Index n) { hidden_rows(rbm, r0, n); });
      chunked::for_row_bands(c, [&](Index c0, Index n) {
        Rng r = stream.advanced(at + 2 * static_cast<std::uint64_t>(c0 * (k - 1)));
        for (Index chain = c0; chain < c0 + n; ++chain) swap_chain(chain, ht, a, r);
      });
      at += swap_words;
      // The sweep, one block of rows at a time (a row's sweep needs its own row only), and the
      // next step's φ of the block.
      const bool next = step + 1 < steps;
      for_row_blocks(rows, [&](Index r0, Index n) {
        sample_rows(ht, field_, r0, n, stream, at);
        auto vis = V.middleRows(r0, n);
        gemm::product(1.0f, field_.middleRows(r0, n), false, rbm.weights(), true, 0.0f, vis);
        vis.rowwise() += rbm.visible_bias().transpose();
        sample_rows(vt, V, r0, n, stream, at + hw);
        if (next) hidden_rows(rbm, r0, n);
      });
      at += hw + vw;
    }
    // φ of the β = 1 states under this model: the negative phase's E[h | v].
    chunked::hidden_field(rbm, V.topRows(c), cold_field_, hc);
  }
  rng = stream.advanced(static_cast<std::uint64_t>(steps) * (swap_words + hw + vw));

  std::vector<std::uint64_t> attempts(static_cast<std::size_t>(k - 1),
                                      static_cast<std::uint64_t>(steps) * static_cast<std::uint64_t>(c));
  std::vector<std::uint64_t> accepts(static_cast<std::size_t>(k - 1), 0);
  for (Index chain = 0; chain < c; ++chain) {
    for (Index pair = 0; pair + 1 < k; ++pair) {
      accepts[static_cast<std::size_t>(pair)] += chain_accepts_[static_cast<std::size_t>(chain * (k - 1) + pair)];
    }
  }
  for (std::size_t p = 0; p < attempts.size(); ++p) {
    state_.attempts[p] += attempts[p];
    state_.accepts[p] += accepts[p];
  }
  if (adaptive_ && steps > 0) adapt(attempts, accepts);
}

// Swap proposals of one chain, pairs (0, 1), (1, 2), … in turn, on the fields φ = b + Wᵀv of the
// current states (field_). S(row, β) = Σ_j L(β φ_j) is computed once per (row, β) it is needed
// for: the state that ends a pair at position p + 1 carries its S at β_{p+1} into the next pair.
void ParallelTempering::swap_chain(Index chain, UnitType hidden, const VectorF& a, Rng& rng) {
  MatrixF& V = state_.replicas;
  const Index c = chains();
  const auto k = static_cast<Index>(state_.betas.size());
  const Index nh = field_.cols();
  const auto bias_dot = [&](Index row) {
    return kernels::dot_f64(V.row(row).data(), a.data(), static_cast<std::size_t>(a.size()));
  };
  const auto log_z = [&](Index row, Index at) {
    return kernels::log_partition_sum(hidden, field_.row(row).data(), static_cast<std::size_t>(nh),
                                      beta_f_[static_cast<std::size_t>(at)]);
  };
  Index rx = chain;
  double ax = bias_dot(rx);
  double x_at_own = log_z(rx, 0);
  for (Index pair = 0; pair + 1 < k; ++pair) {
    const Index ry = (pair + 1) * c + chain;
    const double ba = state_.betas[static_cast<std::size_t>(pair)];
    const double bb = state_.betas[static_cast<std::size_t>(pair + 1)];
    const double ay = bias_dot(ry);
    const double x_at_b = log_z(rx, pair + 1);
    const double y_at_a = log_z(ry, pair);
    const double y_at_b = log_z(ry, pair + 1);
    const double log_r = (ba - bb) * (ay - ax) + y_at_a + x_at_b - x_at_own - y_at_b;
    const double u01 = rng.uniform_double();
    if (log_r >= 0.0 || u01 < std::exp(log_r)) {
      V.row(rx).swap(V.row(ry));
      field_.row(rx).swap(field_.row(ry));
      chain_accepts_[static_cast<std::size_t>(chain * (k - 1) + pair)] += 1;
      // x moves up to position pair + 1 (row ry now), y down to rx.
      x_at_own = x_at_b;
    } else {
      ax = ay;
      x_at_own = y_at_b;
    }
    rx = ry;
  }
}

// Replaces the fields in rows [r0, r0 + n) of X (replica k of chain c at row k·C + c) by samples
// of the unit type at β_k: y = β_k·x (float), then the fused kernel, word `first + r·cols + i` of
// `stream` for entry (r, i) (the layout of chunked::sample_rows).
void ParallelTempering::sample_rows(UnitType type, MatrixF& X, Index r0, Index n, const Rng& stream,
                                    std::uint64_t first) const {
  const Index c = chains();
  const Index cols = X.cols();
  for (Index r = r0; r < r0 + n; ++r) X.row(r) *= beta_f_[static_cast<std::size_t>(r / c)];
  Rng rng = stream.advanced(first + static_cast<std::uint64_t>(r0 * cols));
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
