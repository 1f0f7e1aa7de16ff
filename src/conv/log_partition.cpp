// Exact log Z and AIS for convolutional RBMs (include/rgflow/conv/log_partition.hpp).
#include "rgflow/conv/log_partition.hpp"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "rgflow/core/error.hpp"

namespace rgflow::conv {

namespace {

constexpr std::uint64_t kChunkStates = 4096;
// Stream of the row selection in reverse AIS, as in estimate/ais.cpp; chains use streams 0 … M − 1.
constexpr std::uint64_t kRowSelectionStream = std::uint64_t{1} << 63;

int thread_count(int threads) { return threads > 0 ? threads : omp_get_max_threads(); }

}  // namespace

double exact_log_partition(const ConvRbm& model, int threads, const StopPoll& stop) {
  model.validate();
  const bool visible = model.n_visible() <= model.n_hidden();
  const Index n = visible ? model.n_visible() : model.n_hidden();
  if (n > kMaxExactUnits) {
    throw Error(fmt::format("exact log Z enumerates the smaller layer, here {} units (at most {})", n,
                            kMaxExactUnits));
  }
  const std::uint64_t total = std::uint64_t{1} << n;
  const std::uint64_t chunk = std::min(total, kChunkStates);
  const auto n_chunks = static_cast<std::int64_t>(total / chunk);
  std::vector<double> chunk_max(static_cast<std::size_t>(n_chunks)), chunk_sum(chunk_max.size());
  const UnitType type = visible ? model.visible_type() : model.hidden_type();
  const float off = type == UnitType::spin ? -1.0f : 0.0f;
  StopSignal signal(stop);
#pragma omp parallel num_threads(thread_count(threads))
  {
    std::vector<float> state(static_cast<std::size_t>(n));
    std::vector<double> scratch(static_cast<std::size_t>(std::max(model.n_visible(), model.n_hidden())));
    std::vector<double> minus_f(chunk);
#pragma omp for schedule(dynamic) nowait
    for (std::int64_t ch = 0; ch < n_chunks; ++ch) {
      const StopItem item(signal);
      if (signal.check()) continue;
      for (std::uint64_t s = 0; s < chunk; ++s) {
        const std::uint64_t index = static_cast<std::uint64_t>(ch) * chunk + s;
        for (Index i = 0; i < n; ++i) state[static_cast<std::size_t>(i)] = ((index >> i) & 1U) ? 1.0f : off;
        if (visible) {
          minus_f[s] = -model.free_energy_visible_row(state.data(), scratch.data());
        } else {
          model.visible_field_row(state.data(), scratch.data());
          const Index P = model.shape().positions();
          double f = 0.0;
          for (Index j = 0; j < n; ++j) f += static_cast<double>(model.hidden_bias()[j / P]) * state[static_cast<std::size_t>(j)];
          f += with_binary_units(model.visible_type(), [&](auto u) {
            using U = decltype(u);
            double lp = 0.0;
            for (Index i = 0; i < model.n_visible(); ++i) lp += U::log_partition(scratch[static_cast<std::size_t>(i)]);
            return lp;
          });
          minus_f[s] = f;
        }
      }
      const double top = *std::max_element(minus_f.begin(), minus_f.end());
      double sum = 0.0;
      for (const double x : minus_f) sum += std::exp(x - top);
      chunk_max[static_cast<std::size_t>(ch)] = top;
      chunk_sum[static_cast<std::size_t>(ch)] = sum;
    }
    signal.wait_for_items(n_chunks);
  }
  signal.throw_if_stopped();
  const double top = *std::max_element(chunk_max.begin(), chunk_max.end());
  double sum = 0.0;
  for (std::size_t c = 0; c < chunk_max.size(); ++c) sum += chunk_sum[c] * std::exp(chunk_max[c] - top);
  return top + std::log(sum);
}

stats::Result mean_log_likelihood(const ConvRbm& model, const MatrixF& data, double log_z) {
  if (data.rows() == 0) throw Error("no rows to evaluate the log-likelihood on");
  const VectorD f = model.free_energy_visible(data);
  std::vector<double> ll(static_cast<std::size_t>(f.size()));
  for (Index r = 0; r < f.size(); ++r) ll[static_cast<std::size_t>(r)] = -f[r] - log_z;
  return stats::mean_sem(ll);
}

float base_visible_bias(const ConvRbm& model, const MatrixF* data, double pseudo_count) {
  if (data == nullptr || data->size() == 0) return 0.0f;
  if (data->cols() != model.n_visible()) {
    throw Error(fmt::format("the data have {} columns, the model {} visible units", data->cols(), model.n_visible()));
  }
  // Every site is one observation of the same independent unit: a column of N·L² values, with
  // pseudo_count observations of each state per site.
  const auto column = Eigen::Map<const VectorF>(data->data(), data->size());
  const double c = pseudo_count * static_cast<double>(model.n_visible());
  return with_binary_units(model.visible_type(), [&](auto u) {
    using U = decltype(u);
    return static_cast<float>(U::fit_independent(column, c).first);
  });
}

namespace {

estimate::AisResult run_ais(const ConvRbm& model, float base_bias, const MatrixF* data,
                            const estimate::AisOptions& options) {
  model.validate();
  if (!std::isfinite(base_bias)) throw Error("the AIS base model's visible bias is not finite");
  if (options.chains < 2) throw Error(fmt::format("AIS needs at least 2 chains (got {})", options.chains));
  const std::vector<double> betas = estimate::checked_ais_schedule(options);
  const bool reverse = data != nullptr;
  const Index M = options.chains, nv = model.n_visible(), nh = model.n_hidden();
  std::vector<Index> rows;
  if (reverse) {
    const Index N = data->rows();
    if (N == 0) throw Error("reverse AIS needs at least one data row");
    if (data->cols() != nv) throw Error(fmt::format("the data have {} columns, the model {} visible units", data->cols(), nv));
    rows.resize(static_cast<std::size_t>(M));
    if (N <= M) {
      for (Index c = 0; c < M; ++c) rows[static_cast<std::size_t>(c)] = c % N;
    } else {  // a partial Fisher-Yates shuffle: M distinct rows
      std::vector<Index> perm(static_cast<std::size_t>(N));
      std::iota(perm.begin(), perm.end(), Index{0});
      Rng pick(options.seed, kRowSelectionStream);
      for (Index c = 0; c < M; ++c) {
        const auto j = c + static_cast<Index>(pick.below(static_cast<std::uint64_t>(N - c)));
        std::swap(perm[static_cast<std::size_t>(c)], perm[static_cast<std::size_t>(j)]);
        rows[static_cast<std::size_t>(c)] = perm[static_cast<std::size_t>(c)];
      }
    }
  }
  const double a_base = base_bias, a = model.visible_bias();
  const double log_z0 = with_binary_units(model.visible_type(), [&](auto u) {
    return static_cast<double>(nv) * decltype(u)::log_partition(a_base);
  }) + static_cast<double>(nh) * std::log(2.0);
  const std::size_t K = betas.size() - 1;
  std::vector<double> log_w(static_cast<std::size_t>(M), 0.0), raise(reverse ? log_w.size() : 0);
  StopSignal signal(options.stop);
  with_binary_units(model.visible_type(), [&](auto vu) {
    using V = decltype(vu);
    with_binary_units(model.hidden_type(), [&](auto hu) {
      using H = decltype(hu);
#pragma omp parallel num_threads(thread_count(options.threads))
      {
        std::vector<float> v(static_cast<std::size_t>(nv)), h(static_cast<std::size_t>(nh)), phi(h.size());
        std::vector<double> phi_d(h.size()), psi(v.size());
#pragma omp for schedule(dynamic) nowait
        for (Index c = 0; c < M; ++c) {
          const StopItem item(signal);
          if (signal.check()) continue;
          Rng rng(options.seed, static_cast<std::uint64_t>(c));
          if (reverse) {
            const auto row = data->row(rows[static_cast<std::size_t>(c)]);
            std::copy(row.data(), row.data() + nv, v.begin());
            raise[static_cast<std::size_t>(c)] = -model.free_energy_visible_row(v.data(), phi_d.data());
          } else {
            for (float& x : v) x = V::sample(static_cast<float>(a_base), rng.uniform());
          }
          double lw = 0.0;
          for (std::size_t t = 0; t < K; ++t) {
            if ((t & 255U) == 0 && signal.check()) break;
            const double b_old = reverse ? betas[K - t] : betas[t];
            const double b_new = reverse ? betas[K - t - 1] : betas[t + 1];
            model.hidden_field_row(v.data(), phi.data());
            const double sum_v = std::accumulate(v.begin(), v.end(), 0.0);
            // Σ_j [L_h(β_new φ_j) − L_h(β_old φ_j)] and, unless this was the last pair, h ~ p(h | β_new φ)
            // (the policy's tempered hidden layer, rbm/units.hpp anneal_hidden; as in estimate/ais.cpp).
            const bool transition = t + 1 < K;
            lw += (b_new - b_old) * (a - a_base) * sum_v +
                  H{}.anneal_hidden(phi.data(), nh, b_old, b_new, rng, transition ? h.data() : nullptr);
            if (!transition) break;
            model.visible_field_row(h.data(), psi.data());
            for (Index i = 0; i < nv; ++i) {
              const double field = (1.0 - b_new) * a_base + b_new * psi[static_cast<std::size_t>(i)];
              v[static_cast<std::size_t>(i)] = V::sample(static_cast<float>(field), rng.uniform());
            }
          }
          log_w[static_cast<std::size_t>(c)] = lw;
          if (reverse) raise[static_cast<std::size_t>(c)] += lw - log_z0;
        }
        signal.wait_for_items(M);
      }
    });
  });
  signal.throw_if_stopped();
  estimate::AisResult out = estimate::summarize_ais_log_weights(std::move(log_w), reverse, log_z0, log_z0, betas.size());
  if (reverse) out.raise_log_likelihood = stats::mean_sem(raise);
  return out;
}

}  // namespace

estimate::AisResult ais_log_partition(const ConvRbm& model, float base_bias, const estimate::AisOptions& options) {
  return run_ais(model, base_bias, nullptr, options);
}

estimate::AisResult reverse_ais_log_partition(const ConvRbm& model, float base_bias, const MatrixF& data,
                                              const estimate::AisOptions& options) {
  return run_ais(model, base_bias, &data, options);
}

}  // namespace rgflow::conv
