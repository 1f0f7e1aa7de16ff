// Parallel tempering for RBMs (Desjardins et al. 2010). Equations in
// include/rgflow/train/tempering.hpp and docs/training.md.
#include "rgflow/sample/tempering.hpp"

#include <cmath>
#include <fmt/format.h>
#include <numeric>
#include <utility>

#include "rgflow/core/error.hpp"

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

// Replaces the fields in rows [k·C, (k+1)·C) of x, scaled by β_k, by samples of the unit type.
template <class U>
void sample_tempered(MatrixF& x, Index chains, const std::vector<double>& betas, Rng& rng) {
  for (Index r = 0; r < x.rows(); ++r) {
    const auto beta = static_cast<float>(betas[static_cast<std::size_t>(r / chains)]);
    float* p = x.row(r).data();
    for (Index c = 0; c < x.cols(); ++c) p[c] = U::sample(beta * p[c], rng.uniform());
  }
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
  const std::vector<double>& betas = state_.betas;
  std::vector<std::uint64_t> attempts(static_cast<std::size_t>(k - 1), 0);
  std::vector<std::uint64_t> accepts(static_cast<std::size_t>(k - 1), 0);
  const Eigen::RowVectorXd a = rbm.visible_bias().cast<double>().transpose();

  rbm.hidden_field(V, field_);
  for (int step = 0; step < steps; ++step) {
    hidden_ = field_;
    dispatch(rbm.hidden_type(), [&](auto u) { sample_tempered<decltype(u)>(hidden_, c, betas, rng); });
    rbm.visible_field(hidden_, V);
    dispatch(rbm.visible_type(), [&](auto u) { sample_tempered<decltype(u)>(V, c, betas, rng); });
    rbm.hidden_field(V, field_);

    // aᵀv of every row, in float64.
    VectorD av(V.rows());
    for (Index r = 0; r < V.rows(); ++r) av[r] = V.row(r).cast<double>().dot(a);
    dispatch(rbm.hidden_type(), [&](auto u) {
      using H = decltype(u);
      const Index nh = field_.cols();
      for (Index chain = 0; chain < c; ++chain) {
        for (Index pair = 0; pair + 1 < k; ++pair) {
          const Index rx = pair * c + chain;
          const Index ry = (pair + 1) * c + chain;
          const double ba = betas[static_cast<std::size_t>(pair)];
          const double bb = betas[static_cast<std::size_t>(pair + 1)];
          const float* fx = field_.row(rx).data();
          const float* fy = field_.row(ry).data();
          const double log_r = (ba - bb) * (av[ry] - av[rx]) + sum_log_partition<H>(fy, nh, ba) +
                               sum_log_partition<H>(fx, nh, bb) -
                               sum_log_partition<H>(fx, nh, ba) - sum_log_partition<H>(fy, nh, bb);
          const double u01 = rng.uniform_double();
          attempts[static_cast<std::size_t>(pair)] += 1;
          if (log_r >= 0.0 || u01 < std::exp(log_r)) {
            V.row(rx).swap(V.row(ry));
            field_.row(rx).swap(field_.row(ry));
            std::swap(av[rx], av[ry]);
            accepts[static_cast<std::size_t>(pair)] += 1;
          }
        }
      }
    });
  }
  cold_field_ = field_.topRows(c);
  for (std::size_t p = 0; p < attempts.size(); ++p) {
    state_.attempts[p] += attempts[p];
    state_.accepts[p] += accepts[p];
  }
  if (adaptive_ && steps > 0) adapt(attempts, accepts);
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
