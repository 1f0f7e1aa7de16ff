// Stochastic pseudo-log-likelihood (Besag 1975) in scikit-learn's score_samples convention.
#include "rgflow/estimate/pseudo_likelihood.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fmt/format.h>
#include <omp.h>

#include "rgflow/core/serial_eigen.hpp"

namespace rgflow::estimate {
namespace {

// log σ(x) without overflow: −softplus(−x).
double log_sigmoid(double x) { return -softplus(-x); }

}  // namespace

VectorD pseudo_log_likelihood_rows(const Rbm& rbm, const MatrixF& data,
                                   const std::vector<Index>& flip_index, bool require_states) {
  rbm.validate();
  const SerialEigen serial;  // the float64 GEMM below: bits independent of the thread count
  if (data.rows() == 0) throw Error("pseudo_log_likelihood: the data has no rows");
  if (data.cols() != rbm.n_visible()) {
    throw Error(fmt::format("pseudo_log_likelihood: data has {} columns but the model has {} "
                            "visible units",
                            data.cols(), rbm.n_visible()));
  }
  if (static_cast<Index>(flip_index.size()) != data.rows()) {
    throw Error(fmt::format("pseudo_log_likelihood: {} flip indices for {} rows", flip_index.size(),
                            data.rows()));
  }
  const Index n_visible = rbm.n_visible();
  const Index n_hidden = rbm.n_hidden();
  const MatrixD W = rbm.weights().cast<double>();
  const VectorD a = rbm.visible_bias().cast<double>();
  const VectorD b = rbm.hidden_bias().cast<double>();
  VectorD pll(data.rows());

  // Binary visible units (their flips), any hidden unit type (through its log-partition).
  dispatch(rbm.visible_type(), [&](auto vis) {
    using V = decltype(vis);
    dispatch(rbm.hidden_units(), [&](auto hid) {
    // Every row checked first (errors are thrown outside any parallel region).
    for (Index r = 0; r < data.rows(); ++r) {
      const Index i = flip_index[static_cast<std::size_t>(r)];
      if (i < 0 || i >= n_visible) {
        throw Error(fmt::format("pseudo_log_likelihood: flip index {} outside [0, {})", i,
                                n_visible));
      }
      for (Index c = 0; c < n_visible; ++c) {
        if (require_states ? !V::valid(data(r, c)) : !std::isfinite(data(r, c))) {
          throw Error(fmt::format("pseudo_log_likelihood: value {} at row {}, column {} is not a "
                                  "{} state",
                                  data(r, c), r, c, to_string(V::type)));
        }
      }
    }
    // φ = b + Wᵀ v for blocks of rows at a time: one float64 GEMM per block instead of one
    // matrix-vector product (a pass over W) per row. Blocks are fixed and rows independent, so
    // the threads that take them do not change any bit.
    constexpr Index kBlock = 256;
    const Index blocks = (data.rows() + kBlock - 1) / kBlock;
    const double work = static_cast<double>(data.rows()) * static_cast<double>(n_visible) *
                        static_cast<double>(n_hidden);
    const int threads = omp_in_parallel() != 0 || work < double(1 << 22) ? 1 : omp_get_max_threads();
#pragma omp parallel for num_threads(threads) schedule(static, 1)
    for (Index blk = 0; blk < blocks; ++blk) {
      const Index r0 = blk * kBlock;
      const Index n = std::min(kBlock, data.rows() - r0);
      MatrixD fields = data.middleRows(r0, n).cast<double>() * W;
      fields.rowwise() += b.transpose();
      for (Index r = r0; r < r0 + n; ++r) {
        const auto field = fields.row(r - r0);
        const Index i = flip_index[static_cast<std::size_t>(r)];
        // F(ṽ) − F(v) directly in float64: ṽ differs in unit i only, by d = ṽ_i − v_i, so
        //   F(ṽ) − F(v) = −a_i d − Σ_j [LP_h(φ_j + d W_ij) − LP_h(φ_j)],   φ = b + Wᵀ v.
        // Forming the difference term by term avoids the cancellation of two large free energies.
        const double d = static_cast<double>(V::flip(data(r, i)) - data(r, i));
        double delta_f = -a[i] * d;
        for (Index j = 0; j < n_hidden; ++j) {
          delta_f -= hid.log_partition(j, field[j] + d * W(i, j)) - hid.log_partition(j, field[j]);
        }
        // log p(v_i | v_{−i}) = log e^{−F(v)} / (e^{−F(v)} + e^{−F(ṽ)}) = log σ(F(ṽ) − F(v)).
        pll[r] = static_cast<double>(n_visible) * log_sigmoid(delta_f);
      }
    }
    });
  });
  return pll;
}

stats::Result pseudo_log_likelihood(const Rbm& rbm, const MatrixF& data,
                                    const std::vector<Index>& flip_index) {
  const VectorD pll = pseudo_log_likelihood_rows(rbm, data, flip_index);
  return stats::mean_sem({pll.data(), static_cast<std::size_t>(pll.size())});
}

stats::Result pseudo_log_likelihood(const Rbm& rbm, const MatrixF& data, Rng& rng) {
  std::vector<Index> flip_index(static_cast<std::size_t>(data.rows()));
  for (Index& i : flip_index) {
    i = static_cast<Index>(rng.below(static_cast<std::uint64_t>(std::max<Index>(rbm.n_visible(), 1))));
  }
  return pseudo_log_likelihood(rbm, data, flip_index);
}

}  // namespace rgflow::estimate
