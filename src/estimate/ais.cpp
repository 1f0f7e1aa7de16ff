// Forward and reverse annealed importance sampling for RBMs (estimate/ais.hpp; the derivation is
// in docs/estimators.md).
#include "rgflow/estimate/ais.hpp"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "rgflow/core/error.hpp"
#include "rgflow/core/rng.hpp"

namespace rgflow::estimate {
namespace {

constexpr double kLn2 = 0.693147180559945309417232121458;
// Stream of the row selection in reverse AIS; chains use streams 0 … M − 1.
constexpr std::uint64_t kRowSelectionStream = std::uint64_t{1} << 63;

// Both binary unit types written as L(y) = lin(y) + log(1 + e^{−s|y|}) and p(on | y) = σ(s y):
// Bernoulli lin(y) = max(y, 0), s = 1; spin lin(y) = |y|, s = 2 (log 2cosh y = |y| + log(1 + e^{−2|y|})).
template <class U>
constexpr double unit_scale() {
  return U::type == UnitType::spin ? 2.0 : 1.0;
}

// Everything a batch needs about the annealing path; read-only during the run.
struct Path {
  const MatrixF* weights = nullptr;  // W of the target
  RowF hidden_bias;                  // b of the target
  RowF base_bias;                    // a_A
  RowF target_bias;                  // a_B
  Eigen::Matrix<double, 1, Eigen::Dynamic> bias_diff;  // a_B − a_A in float64
  std::vector<double> betas;
  // Gaussian visible units only (docs/gaussian.md §5): W scaled by 1/σ² (the hidden field is
  // b + Wᵀ(v/σ²)), and σ of the base and of the target in float64.
  MatrixF scaled_weights;
  VectorD base_sigma;
  VectorD target_sigma;
};

// Gaussian visible units: the path p*_β(v) = exp(−(1 − β) E_A(v)) e^{−β F̃_B(v)} with
//   E_A(v) = Σ_i (v_i − a_A,i)²/(2σ_A,i²),
//   log p*_β(v) = −(1 − β) E_A(v) − β Σ_i (v_i − a_i)²/(2σ_i²) + Σ_j L_h(β φ_j),  φ = b + Wᵀ(v/σ²),
// so a step adds Δβ [E_A(v) − Σ_i (v_i − a_i)²/(2σ_i²)] + Σ_j [L_h(β_new φ_j) − L_h(β_old φ_j)].
// The Gibbs sweep at β: h_j ~ p(on) = σ(s β φ_j), then v_i ~ N(m_i, 1/λ_i) with precision
// λ_i = (1 − β)/σ_A,i² + β/σ_i² and mean m_i = [(1 − β) a_A,i/σ_A,i² + β (a_i + (W h)_i)/σ_i²]/λ_i.
template <class Hid>
void anneal_batch_gaussian(const Path& path, bool reverse, MatrixF& V, std::vector<Rng>& rngs,
                           double* log_w, StopSignal& stop) {
  const MatrixF& W = *path.weights;
  const Index n = V.rows();
  const Index nv = W.rows();
  const Index nh = W.cols();
  const std::size_t K = path.betas.size() - 1;
  constexpr double sh = unit_scale<Hid>();
  constexpr float h_off = Hid::state(0);
  const VectorD base_prec = path.base_sigma.array().square().inverse();
  const VectorD target_prec = path.target_sigma.array().square().inverse();
  const VectorD base_mean = path.base_bias.transpose().cast<double>();
  const VectorD target_mean = path.target_bias.transpose().cast<double>();

  MatrixF phi(n, nh), H(n, nh), X(n, nv);
  Eigen::ArrayXd x(nh), e_new(nh), e_old(nh), p_on(nh), lambda(nv), std_dev(nv), shift(nv);
  Eigen::ArrayXf u_h(nh);

  for (std::size_t t = 0; t < K; ++t) {
    if (stop.check()) return;  // the caller throws Cancelled after the parallel region
    const double b_old = reverse ? path.betas[K - t] : path.betas[t];
    const double b_new = reverse ? path.betas[K - t - 1] : path.betas[t + 1];
    const double db = b_new - b_old;
    const bool transition = t + 1 < K;

    phi.noalias() = V * path.scaled_weights;
    phi.rowwise() += path.hidden_bias;
    for (Index r = 0; r < n; ++r) {
      x = phi.row(r).transpose().cast<double>().array();
      const double lin = Hid::type == UnitType::spin ? x.abs().sum() : x.max(0.0).sum();
      const Eigen::ArrayXd v = V.row(r).transpose().cast<double>().array();
      const double vis = 0.5 * ((v - base_mean.array()).square() * base_prec.array()).sum() -
                         0.5 * ((v - target_mean.array()).square() * target_prec.array()).sum();
      x = x.abs();
      e_new = (-(sh * b_new) * x).exp();
      e_old = (-(sh * b_old) * x).exp();
      log_w[r] += db * (vis + lin) + ((1.0 + e_new) / (1.0 + e_old)).log().sum();
      if (!transition) continue;
      p_on = 1.0 / (1.0 + e_new);
      p_on = (phi.row(r).transpose().array() >= 0.0f).select(p_on, e_new * p_on);
      Rng& rng = rngs[static_cast<std::size_t>(r)];
      for (Index j = 0; j < nh; ++j) u_h[j] = rng.uniform();
      H.row(r) = ((u_h.cast<double>() < p_on).cast<float>() * (1.0f - h_off) + h_off).transpose();
    }
    if (!transition) break;

    lambda = (1.0 - b_new) * base_prec.array() + b_new * target_prec.array();
    std_dev = lambda.rsqrt();
    shift = ((1.0 - b_new) * base_prec.array() * base_mean.array() +
             b_new * target_prec.array() * target_mean.array()) / lambda;
    const Eigen::ArrayXd h_scale = b_new * target_prec.array() / lambda;
    X.noalias() = H * W.transpose();
    for (Index r = 0; r < n; ++r) {
      Rng& rng = rngs[static_cast<std::size_t>(r)];
      for (Index i = 0; i < nv; ++i) {
        const double mean = shift[i] + h_scale[i] * static_cast<double>(X(r, i));
        V(r, i) = static_cast<float>(mean + std_dev[i] * rng.normal());
      }
    }
  }
}

// Advances one batch of chains (rows of V, chain r drawing from rngs[r]) along the whole schedule,
// forward (β_0 → β_K) or reverse (β_K → β_0), adding each chain's log weight to log_w[r].
// Step t evaluates the pair (β_old, β_new) at the current state,
//   log w += log p*_{β_new}(v) − log p*_{β_old}(v)
//          = (β_new − β_old)(a_B − a_A)ᵀv + Σ_j [L_h(β_new φ_j) − L_h(β_old φ_j)],  φ = b + Wᵀv,
// then (except after the last pair) applies the Gibbs sweep at β_new. The hidden field of that sweep
// is β_new φ: the same GEMM serves the weight and the transition.
template <class Vis, class Hid>
void anneal_batch(const Path& path, bool reverse, MatrixF& V, std::vector<Rng>& rngs,
                  double* log_w, StopSignal& stop) {
  const MatrixF& W = *path.weights;
  const Index n = V.rows();
  const Index nv = W.rows();
  const Index nh = W.cols();
  const std::size_t K = path.betas.size() - 1;
  constexpr double sh = unit_scale<Hid>();
  constexpr float sv = static_cast<float>(unit_scale<Vis>());
  constexpr float h_off = Hid::state(0);
  constexpr float v_off = Vis::state(0);

  MatrixF phi(n, nh), H(n, nh), X(n, nv);
  Eigen::ArrayXd x(nh), e_new(nh), e_old(nh), p_on(nh);
  Eigen::ArrayXf f(nv), ev(nv), pv(nv), u_v(nv), u_h(nh);
  RowF vis_bias(nv);

  for (std::size_t t = 0; t < K; ++t) {
    if (stop.check()) return;  // the caller throws Cancelled after the parallel region
    const double b_old = reverse ? path.betas[K - t] : path.betas[t];
    const double b_new = reverse ? path.betas[K - t - 1] : path.betas[t + 1];
    const double db = b_new - b_old;
    const bool transition = t + 1 < K;

    phi.noalias() = V * W;
    phi.rowwise() += path.hidden_bias;
    for (Index r = 0; r < n; ++r) {
      x = phi.row(r).transpose().cast<double>().array();
      const double lin = Hid::type == UnitType::spin ? x.abs().sum() : x.max(0.0).sum();
      const double vis = V.row(r).cast<double>().dot(path.bias_diff);
      x = x.abs();
      e_new = (-(sh * b_new) * x).exp();
      e_old = (-(sh * b_old) * x).exp();
      // L(β_new φ) − L(β_old φ) = Δβ lin(φ) + log((1 + e^{−sβ_new|φ|}) / (1 + e^{−sβ_old|φ|})).
      log_w[r] += db * (vis + lin) + ((1.0 + e_new) / (1.0 + e_old)).log().sum();
      if (!transition) continue;
      // h ~ p(h | v) at β_new: p(on) = σ(s β_new φ), from the same exponentials.
      // Branch-free so that it vectorizes: the uniforms are drawn first.
      p_on = 1.0 / (1.0 + e_new);
      p_on = (phi.row(r).transpose().array() >= 0.0f).select(p_on, e_new * p_on);
      Rng& rng = rngs[static_cast<std::size_t>(r)];
      for (Index j = 0; j < nh; ++j) u_h[j] = rng.uniform();
      H.row(r) = ((u_h.cast<double>() < p_on).cast<float>() * (1.0f - h_off) + h_off).transpose();
    }
    if (!transition) break;

    // v ~ p(v | h) at β_new: field (1 − β) a_A + β (a_B + W h).
    const auto bn = static_cast<float>(b_new);
    vis_bias = (1.0f - bn) * path.base_bias + bn * path.target_bias;
    X.noalias() = H * W.transpose();
    for (Index r = 0; r < n; ++r) {
      f = vis_bias.array() + bn * X.row(r).array();
      ev = (-sv * f.abs()).exp();
      pv = 1.0f / (1.0f + ev);
      pv = (f >= 0.0f).select(pv, ev * pv);
      Rng& rng = rngs[static_cast<std::size_t>(r)];
      for (Index i = 0; i < nv; ++i) u_v[i] = rng.uniform();
      V.row(r) = ((u_v < pv).cast<float>() * (1.0f - v_off) + v_off).transpose();
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
  // Rejects unsupported units before any work starts.
  if (target.visible_type() != UnitType::gaussian) dispatch(target.visible_type(), [](auto) {});
  dispatch(target.hidden_type(), [](auto) {});
  dispatch(base.hidden_type(), [](auto) {});
}

// log Z_0 = Σ_i L_v(a_A,i) + n_hidden(target) · log 2 (each target hidden unit contributes
// L_h(0) = log 2 at β = 0, for both unit types).
double path_log_z0(const Rbm& target, const Rbm& base) {
  double acc = static_cast<double>(target.n_hidden()) * kLn2;
  if (base.visible_type() == UnitType::gaussian) {
    // ∫ e^{−E_A(v)} dv = Π_i √(2π σ_A,i²).
    for (Index i = 0; i < base.n_visible(); ++i) {
      acc += 0.5 * std::log(2.0 * M_PI) + std::log(static_cast<double>(base.visible_sigma()[i]));
    }
    return acc;
  }
  dispatch(base.visible_type(), [&](auto u) {
    using U = decltype(u);
    for (Index i = 0; i < base.n_visible(); ++i) {
      acc += U::log_partition(static_cast<double>(base.visible_bias()[i]));
    }
  });
  return acc;
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
  path.weights = &target.weights();
  path.hidden_bias = target.hidden_bias().transpose();
  path.base_bias = base.visible_bias().transpose();
  path.target_bias = target.visible_bias().transpose();
  path.bias_diff = (target.visible_bias().cast<double>() - base.visible_bias().cast<double>()).transpose();
  path.betas = checked_betas(options);
  const bool gaussian = target.visible_type() == UnitType::gaussian;
  if (gaussian) {
    const VectorF inv_var = target.visible_sigma().array().square().inverse();
    path.scaled_weights = inv_var.asDiagonal() * target.weights();
    path.base_sigma = base.visible_sigma().cast<double>();
    path.target_sigma = target.visible_sigma().cast<double>();
  }

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
  if (comm.size() < 1 || comm.rank() < 0 || comm.rank() >= comm.size()) {
    throw Error(fmt::format("AIS: invalid communicator (rank {} of {})", comm.rank(), comm.size()));
  }
  StopSignal stop(options.stop);
  // Gaussian visible units have no policy type: BernoulliUnits stands in for Vis and is unused.
  const UnitType vis_type = gaussian ? UnitType::bernoulli : target.visible_type();
  dispatch(vis_type, target.hidden_type(), [&](auto vis, auto hid) {
    using Vis = decltype(vis);
    using Hid = decltype(hid);
#pragma omp parallel num_threads(static_cast<int>(std::min<Index>(threads, n_batches)))
    {
      // Eigen must not split a batch's GEMM over threads: its blocking (and so the rounding) would
      // then depend on the thread count. This sets the nested-region ICV of this thread only.
      omp_set_num_threads(1);
#pragma omp for schedule(dynamic, 1) nowait
      for (Index bi = 0; bi < n_batches; ++bi) {
        const StopItem done(stop);
        if (stop.check()) continue;
        if (bi % comm.size() != comm.rank()) continue;  // another process runs this batch
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
            Rng& rng = rngs[static_cast<std::size_t>(r)];
            if (gaussian) {
              for (Index i = 0; i < nv; ++i) {
                V(r, i) = static_cast<float>(path.base_bias[i] + path.base_sigma[i] * rng.normal());
              }
            } else {
              for (Index i = 0; i < nv; ++i) V(r, i) = Vis::sample(path.base_bias[i], rng.uniform());
            }
          }
        }
        if (gaussian) {
          anneal_batch_gaussian<Hid>(path, reverse, V, rngs, log_w.data() + first, stop);
        } else {
          anneal_batch<Vis, Hid>(path, reverse, V, rngs, log_w.data() + first, stop);
        }
      }
      stop.wait_for_items(n_batches);  // the calling thread keeps polling for the others
    }
  });
  stop.throw_if_stopped();

  // Other ranks' chains are 0 here; the sum over ranks completes every chain's log weight.
  comm.allreduce_sum(log_w);

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
    const auto m = static_cast<double>(M);
    const double mean = std::accumulate(raise.begin(), raise.end(), 0.0) / m;
    double ss = 0.0;
    for (const double x : raise) ss += (x - mean) * (x - mean);
    out.raise_log_likelihood = {mean, std::sqrt(ss / (m - 1.0) / m), 0.5, static_cast<std::int64_t>(M)};
  }
  return out;
}

}  // namespace

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
  target.check_visible_data(data, "base-rate data");
  Rbm base(target.n_visible(), target.n_hidden(), target.visible_type(), target.hidden_type());
  const double N = static_cast<double>(data.rows());
  if (target.visible_type() == UnitType::gaussian) {
    // Gaussian base: the data's column means, and σ_A,i = max(sd_i, σ_i). The model's marginal
    // variance of v_i is σ_i² + Var((W h)_i) ≥ σ_i², so a narrower base only hurts the proposal
    // (and a constant column would give σ_A = 0).
    const MatrixD x = data.cast<double>();
    const VectorD mean = x.colwise().mean().transpose();
    for (Index i = 0; i < data.cols(); ++i) {
      const double var = (x.col(i).array() - mean[i]).square().sum() / N;
      base.visible_bias()[i] = static_cast<float>(mean[i]);
      base.visible_sigma()[i] = std::max(static_cast<float>(std::sqrt(var)), target.visible_sigma()[i]);
    }
    return base;
  }
  const double half = target.visible_type() == UnitType::spin ? 0.5 : 1.0;
  for (Index i = 0; i < data.cols(); ++i) {
    const double on = static_cast<double>((data.col(i).array() == 1.0f).count());
    const double p = (on + pseudo_count) / (N + 2.0 * pseudo_count);
    base.visible_bias()[i] = static_cast<float>(half * std::log(p / (1.0 - p)));
  }
  return base;
}

double base_log_partition(const Rbm& base) {
  base.validate();
  if (!base.weights().isZero(0.0f)) {
    throw Error("the closed-form log Z needs an RBM with zero weights");
  }
  double acc = 0.0;
  if (base.visible_type() == UnitType::gaussian) {
    // ∫ e^{−Σ(v−a)²/(2σ²)} dv Σ_h e^{bᵀh} = Π_i √(2πσ_i²) Π_j e^{L_h(b_j)}.
    for (Index i = 0; i < base.n_visible(); ++i) {
      acc += 0.5 * std::log(2.0 * M_PI) + std::log(static_cast<double>(base.visible_sigma()[i]));
    }
    dispatch(base.hidden_type(), [&](auto hid) {
      using Hid = decltype(hid);
      for (Index j = 0; j < base.n_hidden(); ++j) {
        acc += Hid::log_partition(static_cast<double>(base.hidden_bias()[j]));
      }
    });
    return acc;
  }
  dispatch(base.visible_type(), base.hidden_type(), [&](auto vis, auto hid) {
    using Vis = decltype(vis);
    using Hid = decltype(hid);
    for (Index i = 0; i < base.n_visible(); ++i) {
      acc += Vis::log_partition(static_cast<double>(base.visible_bias()[i]));
    }
    for (Index j = 0; j < base.n_hidden(); ++j) {
      acc += Hid::log_partition(static_cast<double>(base.hidden_bias()[j]));
    }
  });
  return acc;
}

AisResult ais_log_partition(const Rbm& target, const Rbm& base, const AisOptions& options) {
  return run_ais(target, base, nullptr, options);
}

AisResult reverse_ais_log_partition(const Rbm& target, const Rbm& base, const MatrixF& data,
                                    const AisOptions& options) {
  return run_ais(target, base, &data, options);
}

}  // namespace rgflow::estimate
