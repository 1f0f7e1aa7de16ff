#include "chunked_gibbs.hpp"

#include <algorithm>
#include <cassert>
#include <span>

#include "rgflow/core/gemm.hpp"
#include "rgflow/rbm/sampling_kernels.hpp"

namespace rgflow::chunked {

std::vector<Index> gemm_chunks(Index n) {
  if (n < 128) return {0, n};
  const Index pieces = 2 * ((n + 1023) / 1024);
  std::vector<Index> bounds(static_cast<std::size_t>(pieces) + 1);
  for (Index i = 0; i <= pieces; ++i) {
    bounds[static_cast<std::size_t>(i)] = std::min(n, (i * n / pieces + 8) / 16 * 16);
  }
  bounds.back() = n;
  return bounds;
}

int update_threads(Index rows, Index n_visible, Index n_hidden) {
  const double work = static_cast<double>(rows) * static_cast<double>(n_visible) *
                      static_cast<double>(n_hidden);
  return work >= static_cast<double>(1 << 21) ? omp_get_max_threads() : 1;
}

void hidden_field(const Rbm& rbm, const Eigen::Ref<const MatrixF>& X, Eigen::Ref<MatrixF> F,
                  const std::vector<Index>& chunks) {
  for_chunks(chunks, [&](Index j0, Index nj) {
    auto block = F.middleCols(j0, nj);
    gemm::product(1.0f, X, false, rbm.weights().middleCols(j0, nj), false, 0.0f, block);
    block.rowwise() += rbm.hidden_bias().segment(j0, nj).transpose();
  });
}

void visible_field(const Rbm& rbm, const Eigen::Ref<const MatrixF>& Y, Eigen::Ref<MatrixF> G,
                   const std::vector<Index>& chunks) {
  for_chunks(chunks, [&](Index i0, Index ni) {
    auto block = G.middleCols(i0, ni);
    gemm::product(1.0f, Y, false, rbm.weights().middleRows(i0, ni), true, 0.0f, block);
    block.rowwise() += rbm.visible_bias().segment(i0, ni).transpose();
  });
}

void sample_rows(UnitType type, Eigen::Ref<MatrixF> X, const Rng& stream, std::uint64_t first,
                 float* mean) {
  const Index cols = X.cols();
  assert(X.rows() < 2 || X.outerStride() == cols);
  for_row_bands(X.rows(), [&](Index r0, Index n) {
    Rng rng = stream.advanced(first + static_cast<std::uint64_t>(r0 * cols));
    kernels::sample(type, std::span<float>(X.row(r0).data(), static_cast<std::size_t>(n * cols)),
                    rng, mean != nullptr ? mean + r0 * cols : nullptr);
  });
}

void mean_rows(UnitType type, Eigen::Ref<MatrixF> X) {
  const Index cols = X.cols();
  assert(X.rows() < 2 || X.outerStride() == cols);
  for_row_bands(X.rows(), [&](Index r0, Index n) {
    kernels::mean(type, std::span<float>(X.row(r0).data(), static_cast<std::size_t>(n * cols)));
  });
}

}  // namespace rgflow::chunked
