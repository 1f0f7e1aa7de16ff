// Parallel tempering for convolutional RBMs (include/rgflow/conv/tempering.hpp).
#include "rgflow/conv/tempering.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "rgflow/core/error.hpp"
#include "rgflow/sample/tempering.hpp"

namespace rgflow::conv {

double tempered_log_weight(const ConvRbm& model, const float* v, double beta, double* phi) {
  model.hidden_field_row(v, phi);
  double sum_v = 0.0;
  for (Index i = 0; i < model.n_visible(); ++i) sum_v += static_cast<double>(v[i]);
  return with_binary_units(model.hidden_type(), [&](auto u) {
    double s = beta * static_cast<double>(model.visible_bias()) * sum_v;
    for (Index j = 0; j < model.n_hidden(); ++j) s += decltype(u)::log_partition(beta * phi[j]);
    return s;
  });
}

ConvTempering::ConvTempering(int replicas, double beta_min, Index chains)
    : betas_(sample::geometric_ladder(replicas, beta_min)), chains_(chains),
      accepted_(static_cast<std::size_t>(replicas - 1), 0) {
  if (chains < 1) throw Error(fmt::format("parallel tempering needs >= 1 chain (got {})", chains));
}

namespace {

// X(r, ·) ~ p(x | β_{r / C} · field(r, ·)), row r's words from rng advanced by r·n; rng is left
// after the last row's words.
void sample_tempered(UnitType type, MatrixF& field, const std::vector<float>& beta, Index chains, MatrixF& X,
                     Rng& rng) {
  const Index n = field.cols(), rows = field.rows();
  X.resize(rows, n);
  with_binary_units(type, [&](auto u) {
    using U = decltype(u);
#pragma omp parallel for schedule(static) if (rows * n >= (Index{1} << 16))
    for (Index r = 0; r < rows; ++r) {
      Rng local = rng.advanced(static_cast<std::uint64_t>(r * n));
      const float b = beta[static_cast<std::size_t>(r / chains)];
      for (Index j = 0; j < n; ++j) X(r, j) = U::sample(b * field(r, j), local.uniform());
    }
  });
  rng = rng.advanced(static_cast<std::uint64_t>(rows * n));
}

}  // namespace

void ConvTempering::step(const ConvRbm& model, MatrixF& states, Rng& rng) {
  const Index R = static_cast<Index>(betas_.size()), C = chains_, n = model.n_visible();
  if (states.rows() != R * C || states.cols() != n) {
    throw Error(fmt::format("parallel tempering states are {} x {}, expected {} x {}", states.rows(), states.cols(),
                            R * C, n));
  }
  // 1. Swaps, chain by chain (each chain sequential in k; chains in parallel).
  std::vector<std::int64_t> accepted(static_cast<std::size_t>(C * (R - 1)), 0);
#pragma omp parallel if (C * R * model.n_hidden() * model.shape().kernel_size() >= (Index{1} << 16))
  {
    std::vector<double> phi(static_cast<std::size_t>(model.n_hidden()));
    std::vector<float> tmp(static_cast<std::size_t>(n));
#pragma omp for schedule(static)
    for (Index c = 0; c < C; ++c) {
      Rng local = rng.advanced(static_cast<std::uint64_t>(2 * (R - 1) * c));
      for (Index k = 0; k + 1 < R; ++k) {
        float* x = states.row(k * C + c).data();
        float* y = states.row((k + 1) * C + c).data();
        const double bk = betas_[static_cast<std::size_t>(k)], bl = betas_[static_cast<std::size_t>(k + 1)];
        const double log_r = tempered_log_weight(model, y, bk, phi.data()) +
                             tempered_log_weight(model, x, bl, phi.data()) -
                             tempered_log_weight(model, x, bk, phi.data()) -
                             tempered_log_weight(model, y, bl, phi.data());
        const double u = local.uniform_double();
        if (log_r >= 0.0 || u < std::exp(log_r)) {
          std::copy(x, x + n, tmp.data());
          std::copy(y, y + n, x);
          std::copy(tmp.data(), tmp.data() + n, y);
          accepted[static_cast<std::size_t>(c * (R - 1) + k)] = 1;
        }
      }
    }
  }
  rng = rng.advanced(static_cast<std::uint64_t>(2 * (R - 1) * C));
  for (Index c = 0; c < C; ++c) {
    for (Index k = 0; k + 1 < R; ++k) accepted_[static_cast<std::size_t>(k)] += accepted[static_cast<std::size_t>(c * (R - 1) + k)];
  }
  proposed_ += C;
  // 2. A block Gibbs sweep of every replica at its β.
  std::vector<float> beta(betas_.begin(), betas_.end());
  MatrixF field, hidden;
  model.hidden_field(states, field);
  sample_tempered(model.hidden_type(), field, beta, C, hidden, rng);
  model.visible_field(hidden, field);
  sample_tempered(model.visible_type(), field, beta, C, states, rng);
}

}  // namespace rgflow::conv
