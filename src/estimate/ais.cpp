// Forward and reverse annealed importance sampling for RBMs (estimate/ais.hpp; the derivation is
// in docs/estimators.md).
#include "rgflow/estimate/ais.hpp"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <type_traits>

#include "rgflow/core/error.hpp"
#include "rgflow/core/gemm.hpp"
#include "rgflow/core/rng.hpp"

namespace rgflow::estimate {
namespace {

// Stream of the row selection in reverse AIS; chains use streams 0 … M − 1.
constexpr std::uint64_t kRowSelectionStream = std::uint64_t{1} << 63;

// Everything a batch needs about the annealing path; read-only during the run. The unit physics
// of the path (the tempered conditionals and the weight increments) is the unit policies'
// (rbm/units.hpp: anneal_hidden, anneal_visible); this file only drives the chains.
struct Path {
  const Rbm* target = nullptr;
  const Rbm* base = nullptr;
  MatrixF coupling;    // W with the coupling statistics folded in: t_v(v) W = v · coupling
  MatrixF coupling_t;  // Wᵀ likewise for the hidden side: t_h(h) Wᵀ = h · coupling_t
  RowF hidden_bias;    // b of the target
  std::vector<double> betas;
};

// Advances one batch of chains (rows of V, chain r drawing from rngs[r]) along the whole schedule,
// forward (β_0 → β_K) or reverse (β_K → β_0), adding each chain's log weight to log_w[r].
// Step t evaluates the pair (β_old, β_new) at the current state,
//   log w += log p*_{β_new}(v) − log p*_{β_old}(v)
//          = Δβ Σ_i [U_A,i(v_i) − U_B,i(v_i)] + Σ_j [A_j(β_new) − A_j(β_old)],   φ = b + Wᵀ t(v),
// then (except after the last pair) applies the Gibbs sweep at β_new: h ~ p_β(h | v) (the same
// field serves the weight and the transition), then v ~ p_β(v | h).
template <class Vis, class Hid>
void anneal_batch(const Path& path, const Vis& base, const Vis& target, const Hid& hid,
                  bool reverse, MatrixF& V, std::vector<Rng>& rngs, double* log_w,
                  StopSignal& stop) {
  const Index n = V.rows();
  const Index nv = path.coupling.rows();
  const Index nh = path.coupling.cols();
  const std::size_t K = path.betas.size() - 1;
  MatrixF phi(n, nh), H(n, nh), X(n, nv);

  for (std::size_t t = 0; t < K; ++t) {
    if (stop.check()) return;  // the caller throws Cancelled after the parallel region
    stop.add_work();
    const double b_old = reverse ? path.betas[K - t] : path.betas[t];
    const double b_new = reverse ? path.betas[K - t - 1] : path.betas[t + 1];
    const double db = b_new - b_old;
    const bool transition = t + 1 < K;

    gemm::product(1.0f, V, false, path.coupling, false, 0.0f, phi);
    phi.rowwise() += path.hidden_bias;
    for (Index r = 0; r < n; ++r) {
      double vis = 0.0;
      for (Index i = 0; i < nv; ++i) {
        const double v = V(r, i);
        vis += base.self_energy(i, v) - target.self_energy(i, v);
      }
      Rng& rng = rngs[static_cast<std::size_t>(r)];
      log_w[r] += db * vis + hid.anneal_hidden(phi.row(r).data(), nh, b_old, b_new, rng,
                                               transition ? H.row(r).data() : nullptr);
    }
    if (!transition) break;

    gemm::product(1.0f, H, false, path.coupling_t, false, 0.0f, X);
    const auto bn = static_cast<float>(b_new);
    for (Index r = 0; r < n; ++r) {
      target.anneal_visible(base, bn, X.row(r).data(), nv, rngs[static_cast<std::size_t>(r)],
                            V.row(r).data());
    }
  }
}

std::vector<double> checked_betas(const AisOptions& options) {
  std::vector<double> betas = options.betas.empty() ? default_ais_schedule() : options.betas;
  if (betas.size() < 2) throw Error("AIS needs at least two inverse temperatures (0 and 1)");
  if (betas.front() != 0.0 || betas.back() != 1.0) {
    throw Error(fmt::format("the AIS schedule must start at β = 0 and end at β = 1 (got {} … {})",
                            betas.front(), betas.back()));
  }
  for (std::size_t k = 1; k < betas.size(); ++k) {
    if (!(betas[k] >= betas[k - 1])) {
      throw Error(fmt::format("the AIS schedule must be non-decreasing (β[{}] = {} < β[{}] = {})", k,
                              betas[k], k - 1, betas[k - 1]));
    }
  }
  return betas;
}

void check_models(const Rbm& target, const Rbm& base, const AisOptions& options) {
  target.validate();
  base.validate();
  if (base.n_visible() != target.n_visible() || base.visible_type() != target.visible_type()) {
    throw Error(fmt::format(
        "the AIS base model must have the target's visible layer ({} {} units; got {} {})",
        target.n_visible(), to_string(target.visible_type()), base.n_visible(),
        to_string(base.visible_type())));
  }
  if (!base.weights().isZero(0.0f)) throw Error("the AIS base model must have zero weights");
  if (options.chains < 2) throw Error(fmt::format("AIS needs at least 2 chains (got {})", options.chains));
  if (options.chains_per_batch < 1) {
    throw Error(fmt::format("chains_per_batch must be at least 1 (got {})", options.chains_per_batch));
  }
}

// log Z_0 = Σ_i log_partition_A,i(a_A,i) + Σ_j A_j(0): the independent base visible units and the
// target's hidden units at β = 0 (n_hidden · log 2 for binary ones, units.hpp).
double path_log_z0(const Rbm& target, const Rbm& base) {
  return dispatch(base.visible_units(), target.hidden_units(), [&](auto vis, auto hid) {
    double acc = hid.anneal_log_z0(target.n_hidden());
    for (Index i = 0; i < base.n_visible(); ++i) {
      acc += vis.log_partition(i, static_cast<double>(base.visible_bias()[i]));
    }
    return acc;
  });
}

AisResult summarize(std::vector<double> log_w, bool reverse, double log_z0, double log_z_base,
                    std::size_t n_betas) {
  const auto M = static_cast<double>(log_w.size());
  const double top = *std::max_element(log_w.begin(), log_w.end());
  double sum = 0.0, sum_sq = 0.0;
  for (const double lw : log_w) {
    const double r = std::exp(lw - top);
    sum += r;
    sum_sq += r * r;
  }
  const double mean = sum / M;
  double ss = 0.0;  // second pass for the variance: no cancellation
  for (const double lw : log_w) {
    const double d = std::exp(lw - top) - mean;
    ss += d * d;
  }
  const double sem = std::sqrt(ss / (M - 1.0)) / std::sqrt(M);  // of mean(w) e^{−top}
  const double log_mean = top + std::log(mean);
  const double inf = std::numeric_limits<double>::infinity();
  const double log_lo = mean - 3.0 * sem > 0.0 ? top + std::log(mean - 3.0 * sem) : -inf;
  const double log_hi = top + std::log(mean + 3.0 * sem);

  AisResult out;
  out.log_z.error = sem / mean;
  out.log_z.tau_int = 0.5;
  out.log_z.n = static_cast<std::int64_t>(log_w.size());
  if (reverse) {
    out.log_z.mean = log_z0 - log_mean;
    out.log_z_lower3 = log_z0 - log_hi;
    out.log_z_upper3 = log_z0 - log_lo;
  } else {
    out.log_z.mean = log_z0 + log_mean;
    out.log_z_lower3 = log_z0 + log_lo;
    out.log_z_upper3 = log_z0 + log_hi;
  }
  out.effective_sample_size = sum * sum / sum_sq;
  out.chains = static_cast<int>(log_w.size());
  out.n_betas = n_betas;
  out.log_z_base = log_z_base;
  out.log_z_start = log_z0;
  out.log_weights = std::move(log_w);
  return out;
}

// Shared driver: data == nullptr runs forward AIS from exact samples of p_0, otherwise reverse AIS
// from rows of *data.
AisResult run_ais(const Rbm& target, const Rbm& base, const MatrixF* data,
                  const AisOptions& options) {
  check_models(target, base, options);
  const bool reverse = data != nullptr;
  if (reverse) {
    if (data->rows() == 0) throw Error("reverse AIS needs at least one data row");
    target.check_visible_data(*data, "reverse AIS data");
  }

  Path path;
  path.target = &target;
  path.base = &base;
  // t(v) W = v · (diag(t'(v)) W) for the linear statistics of every unit type.
  {
    const MatrixF ones_v = MatrixF::Ones(1, target.n_visible());
    const MatrixF ones_h = MatrixF::Ones(1, target.n_hidden());
    path.coupling = target.visible_statistic(ones_v).row(0).transpose().asDiagonal() * target.weights();
    path.coupling_t = target.hidden_statistic(ones_h).row(0).transpose().asDiagonal() * target.weights().transpose();
  }
  path.hidden_bias = target.hidden_bias().transpose();
  path.betas = checked_betas(options);

  const Index M = options.chains;
  const Index per_batch = std::min<Index>(options.chains_per_batch, M);
  const Index n_batches = (M + per_batch - 1) / per_batch;
  const Index nv = target.n_visible();

  // Starting rows for reverse AIS: all rows cycling, or a uniform subset without replacement
  // (partial Fisher–Yates) so that ordered data sets (sorted by label, say) are not a problem.
  std::vector<Index> rows;
  if (reverse) {
    const Index N = data->rows();
    rows.resize(static_cast<std::size_t>(M));
    if (N <= M) {
      for (Index c = 0; c < M; ++c) rows[static_cast<std::size_t>(c)] = c % N;
    } else {
      std::vector<Index> perm(static_cast<std::size_t>(N));
      std::iota(perm.begin(), perm.end(), Index{0});
      Rng pick(options.seed, kRowSelectionStream);
      for (Index c = 0; c < M; ++c) {
        const auto j = static_cast<Index>(static_cast<std::uint64_t>(c) +
                                          pick.below(static_cast<std::uint64_t>(N - c)));
        std::swap(perm[static_cast<std::size_t>(c)], perm[static_cast<std::size_t>(j)]);
        rows[static_cast<std::size_t>(c)] = perm[static_cast<std::size_t>(c)];
      }
    }
  }

  std::vector<double> log_w(static_cast<std::size_t>(M), 0.0);
  const int threads = options.threads > 0 ? options.threads : omp_get_max_threads();
  const SerialCommunicator serial;
  const Communicator& comm = options.communicator ? *options.communicator : serial;
  check_communicator(comm, "AIS");
  StopSignal stop(with_peer_stops(comm, options.stop), options.progress);
  stop.expect_work(n_batches * static_cast<std::int64_t>(path.betas.size() - 1));
  dispatch(target.visible_units(), target.hidden_units(), [&](auto vis, auto hid) {
    using Vis = decltype(vis);
    Vis base_units = vis;
    dispatch(base.visible_units(), [&](auto b) {
      if constexpr (std::is_same_v<decltype(b), Vis>) base_units = b;
    });
#pragma omp parallel num_threads(static_cast<int>(std::min<Index>(threads, n_batches)))
    {
      // Eigen must not split a batch's GEMM over threads: its blocking (and so the rounding) would
      // then depend on the thread count. This sets the nested-region ICV of this thread only.
      omp_set_num_threads(1);
#pragma omp for schedule(dynamic, 1) nowait
      for (Index bi = 0; bi < n_batches; ++bi) {
        const StopItem done(stop);
        if (stop.check()) continue;
        if (round_robin_owner(bi, comm.size()) != comm.rank()) {  // another process runs this batch
          stop.add_work(static_cast<std::int64_t>(path.betas.size() - 1));
          continue;
        }
        const Index first = bi * per_batch;
        const Index n = std::min(per_batch, M - first);
        std::vector<Rng> rngs;
        rngs.reserve(static_cast<std::size_t>(n));
        for (Index r = 0; r < n; ++r) {
          rngs.emplace_back(options.seed, static_cast<std::uint64_t>(first + r));
        }
        MatrixF V(n, nv);
        for (Index r = 0; r < n; ++r) {
          if (reverse) {
            V.row(r) = data->row(rows[static_cast<std::size_t>(first + r)]);
          } else {
            base_units.sample_independent(nv, rngs[static_cast<std::size_t>(r)], V.row(r).data());
          }
        }
        anneal_batch(path, base_units, vis, hid, reverse, V, rngs, log_w.data() + first, stop);
      }
      stop.wait_for_items(n_batches);  // the calling thread keeps polling for the others
    }
  });
  // Every rank learns whether any stopped (then all throw Cancelled), then every chain's log
  // weight from the rank that ran it.
  agree_on_stop(comm, stop.stopped());
  stop.throw_if_stopped();
  gather_round_robin(comm, log_w, static_cast<std::size_t>(per_batch));

  const double log_z0 = path_log_z0(target, base);
  std::vector<double> raise;
  if (reverse) {
    // RAISE (Burda et al. 2015): log p̂(x_c) = −F_B(x_c) + log w_r,c − log Z_0 for the start rows.
    MatrixF starts(M, nv);
    for (Index c = 0; c < M; ++c) starts.row(c) = data->row(rows[static_cast<std::size_t>(c)]);
    const VectorD free_energy = target.free_energy_visible(starts);
    raise.resize(static_cast<std::size_t>(M));
    for (Index c = 0; c < M; ++c) {
      raise[static_cast<std::size_t>(c)] = -free_energy[c] + log_w[static_cast<std::size_t>(c)] - log_z0;
    }
  }
  AisResult out = summarize(std::move(log_w), reverse, log_z0, base_log_partition(base),
                            path.betas.size());
  if (reverse) {
    out.raise_log_likelihood = stats::mean_sem(raise);
  }
  return out;
}

}  // namespace

// Public faces of the helpers above, for AIS drivers of other models (conv/log_partition.cpp).
std::vector<double> checked_ais_schedule(const AisOptions& options) { return checked_betas(options); }
AisResult summarize_ais_log_weights(std::vector<double> log_w, bool reverse, double log_z0,
                                    double log_z_base, std::size_t n_betas) {
  return summarize(std::move(log_w), reverse, log_z0, log_z_base, n_betas);
}

std::vector<double> default_ais_schedule() {
  std::vector<double> betas;
  betas.reserve(14501);
  for (int i = 0; i <= 500; ++i) betas.push_back(i / 1000.0);
  for (int i = 1; i <= 4000; ++i) betas.push_back(0.5 + i / 10000.0);
  for (int i = 1; i <= 10000; ++i) betas.push_back(0.9 + i / 100000.0);
  betas.back() = 1.0;
  return betas;
}

std::vector<double> linear_ais_schedule(std::size_t n_betas) {
  if (n_betas < 2) throw Error("an AIS schedule needs at least two temperatures");
  std::vector<double> betas(n_betas);
  for (std::size_t k = 0; k < n_betas; ++k) {
    betas[k] = static_cast<double>(k) / static_cast<double>(n_betas - 1);
  }
  betas.back() = 1.0;
  return betas;
}

Rbm base_rate_model(const Rbm& target, const MatrixF& data, double pseudo_count) {
  if (data.rows() == 0) throw Error("the base-rate model needs at least one data row");
  if (!(pseudo_count > 0.0) || !std::isfinite(pseudo_count)) {
    throw Error(fmt::format("the base-rate pseudo-count must be positive (got {})", pseudo_count));
  }
  if (data.cols() != target.n_visible()) {
    throw Error(fmt::format("base-rate data have {} columns but the model has {} visible units",
                            data.cols(), target.n_visible()));
  }
  dispatch(target.visible_units(), [&](auto u) {
    for (Index i = 0; i < data.size(); ++i) {
      if (!decltype(u)::valid_activity(data.data()[i])) {
        throw Error(fmt::format("base-rate data: value {} is not a state or mean activity of {} "
                                "units", data.data()[i], to_string(decltype(u)::type)));
      }
    }
  });
  Rbm base(target.n_visible(), target.n_hidden(), target.visible_type(), target.hidden_type());
  base.hidden_sigma() = target.hidden_sigma();
  // Each visible unit: the best independent unit for its column (units.hpp fit_independent).
  dispatch(target.visible_units(), [&](auto u) {
    using U = decltype(u);
    for (Index i = 0; i < data.cols(); ++i) {
      const auto [bias, sd] = U::fit_independent(data.col(i), pseudo_count);
      base.visible_bias()[i] = static_cast<float>(bias);
      if constexpr (U::has_sigma) {
        // σ_A,i = max(sd_i, σ_i): the model's marginal variance of v_i is σ_i² + Var((W t(h))_i)
        // ≥ σ_i², so a narrower base only hurts the proposal (and a constant column would give 0).
        base.visible_sigma()[i] = std::max(static_cast<float>(sd), target.visible_sigma()[i]);
      }
    }
  });
  return base;
}

double base_log_partition(const Rbm& base) {
  base.validate();
  if (!base.weights().isZero(0.0f)) {
    throw Error("the closed-form log Z needs an RBM with zero weights");
  }
  // W = 0: every unit is independent, log Z = Σ_i LP_i(a_i) + Σ_j LP_j(b_j) (units.hpp).
  return dispatch(base.visible_units(), base.hidden_units(), [&](auto vis, auto hid) {
    double acc = 0.0;
    for (Index i = 0; i < base.n_visible(); ++i) {
      acc += vis.log_partition(i, static_cast<double>(base.visible_bias()[i]));
    }
    for (Index j = 0; j < base.n_hidden(); ++j) {
      acc += hid.log_partition(j, static_cast<double>(base.hidden_bias()[j]));
    }
    return acc;
  });
}

AisResult ais_log_partition(const Rbm& target, const Rbm& base, const AisOptions& options) {
  return run_ais(target, base, nullptr, options);
}

AisResult reverse_ais_log_partition(const Rbm& target, const Rbm& base, const MatrixF& data,
                                    const AisOptions& options) {
  return run_ais(target, base, &data, options);
}

}  // namespace rgflow::estimate
