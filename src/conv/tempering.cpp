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

// The rows of chains [c0, c0 + local) of every replica, in the order (replica, chain), of states
// with `chains` chains per replica: local row r is global row (r / local)·chains + c0 + r % local.
Index global_row(Index r, Index local, Index c0, Index chains) { return (r / local) * chains + c0 + r % local; }

// X(r, ·) ~ p(x | β_k · field(r, ·)) for the local rows r above (replica k = r / local), each with
// the words of its global row g: rng advanced by g·n; rng is left after all R·chains rows' words.
void sample_tempered(UnitType type, MatrixF& field, const std::vector<float>& beta, Index chains, Index c0,
                     Index local, MatrixF& X, Rng& rng) {
  const Index n = field.cols(), rows = field.rows();
  X.resize(rows, n);
  with_binary_units(type, [&](auto u) {
    using U = decltype(u);
#pragma omp parallel for schedule(static) if (rows * n >= (Index{1} << 16))
    for (Index r = 0; r < rows; ++r) {
      Rng local_rng = rng.advanced(static_cast<std::uint64_t>(global_row(r, local, c0, chains) * n));
      const float b = beta[static_cast<std::size_t>(r / local)];
      for (Index j = 0; j < n; ++j) X(r, j) = U::sample(b * field(r, j), local_rng.uniform());
    }
  });
  rng = rng.advanced(static_cast<std::uint64_t>(static_cast<Index>(beta.size()) * chains * n));
}

}  // namespace

void ConvTempering::step(const ConvRbm& model, MatrixF& states, Rng& rng) { step(model, states, rng, 0, chains_); }

void ConvTempering::step(const ConvRbm& model, MatrixF& states, Rng& rng, Index first_chain, Index end_chain) {
  const Index R = static_cast<Index>(betas_.size()), C = chains_, n = model.n_visible();
  if (states.rows() != R * C || states.cols() != n) {
    throw Error(fmt::format("parallel tempering states are {} x {}, expected {} x {}", states.rows(), states.cols(),
                            R * C, n));
  }
  if (first_chain < 0 || end_chain < first_chain || end_chain > C) {
    throw Error(fmt::format("parallel tempering chains [{}, {}) are not within the {} chains", first_chain, end_chain, C));
  }
  const Index held = end_chain - first_chain;
  // 1. Swaps, chain by chain (each chain sequential in k; chains in parallel).
  std::vector<std::int64_t> accepted(static_cast<std::size_t>(C * (R - 1)), 0);
#pragma omp parallel if (C * R * model.n_hidden() * model.shape().kernel_size() >= (Index{1} << 16))
  {
    std::vector<double> phi(static_cast<std::size_t>(model.n_hidden()));
    std::vector<float> tmp(static_cast<std::size_t>(n));
#pragma omp for schedule(static)
    for (Index c = first_chain; c < end_chain; ++c) {
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
  for (Index c = first_chain; c < end_chain; ++c) {
    for (Index k = 0; k + 1 < R; ++k) accepted_[static_cast<std::size_t>(k)] += accepted[static_cast<std::size_t>(c * (R - 1) + k)];
  }
  proposed_ += C;
  // 2. A block Gibbs sweep of every replica at its β (of the chains' rows only, gathered into one
  // matrix when they are not all of them).
  std::vector<float> beta(betas_.begin(), betas_.end());
  MatrixF field, hidden;
  if (held == C) {
    model.hidden_field(states, field);
    sample_tempered(model.hidden_type(), field, beta, C, 0, C, hidden, rng);
    model.visible_field(hidden, field);
    sample_tempered(model.visible_type(), field, beta, C, 0, C, states, rng);
    return;
  }
  if (held == 0) {  // no rows here: only the words of the full sweep are passed over
    rng = rng.advanced(static_cast<std::uint64_t>(R * C * (model.n_hidden() + n)));
    return;
  }
  MatrixF mine(R * held, n);
  for (Index r = 0; r < mine.rows(); ++r) mine.row(r) = states.row(global_row(r, held, first_chain, C));
  model.hidden_field(mine, field);
  sample_tempered(model.hidden_type(), field, beta, C, first_chain, held, hidden, rng);
  model.visible_field(hidden, field);
  sample_tempered(model.visible_type(), field, beta, C, first_chain, held, mine, rng);
  for (Index r = 0; r < mine.rows(); ++r) states.row(global_row(r, held, first_chain, C)) = mine.row(r);
}

}  // namespace rgflow::conv
