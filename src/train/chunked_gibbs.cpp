#include "chunked_gibbs.hpp"

#include <omp.h>

#include <algorithm>
#include <span>

#include "rgflow/rbm/sampling_kernels.hpp"

namespace rgflow::train::detail {

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

namespace {

Index pieces(const std::vector<Index>& chunks) { return static_cast<Index>(chunks.size()) - 1; }

}  // namespace

void hidden_field(const Rbm& rbm, const MatrixF& X, MatrixF& F, const std::vector<Index>& chunks) {
  const MatrixF& W = rbm.weights();
  const VectorF& b = rbm.hidden_bias();
#pragma omp for schedule(static)
  for (Index c = 0; c < pieces(chunks); ++c) {
    const Index j0 = chunks[static_cast<std::size_t>(c)];
    const Index nj = chunks[static_cast<std::size_t>(c) + 1] - j0;
    auto block = F.middleCols(j0, nj);
    block.noalias() = X * W.middleCols(j0, nj);
    block.rowwise() += b.segment(j0, nj).transpose();
  }
}

void visible_field(const Rbm& rbm, const MatrixF& Y, MatrixF& G, const std::vector<Index>& chunks) {
  const MatrixF& W = rbm.weights();
  const VectorF& a = rbm.visible_bias();
#pragma omp for schedule(static)
  for (Index c = 0; c < pieces(chunks); ++c) {
    const Index i0 = chunks[static_cast<std::size_t>(c)];
    const Index ni = chunks[static_cast<std::size_t>(c) + 1] - i0;
    auto block = G.middleCols(i0, ni);
    block.noalias() = Y * W.middleRows(i0, ni).transpose();
    block.rowwise() += a.segment(i0, ni).transpose();
  }
}

void sample_rows(UnitType type, MatrixF& X, const Rng& stream, std::uint64_t first, MatrixF* mean) {
  const Index rows = X.rows();
  const Index cols = X.cols();
  const int bands = omp_get_num_threads();
#pragma omp for schedule(static)
  for (int t = 0; t < bands; ++t) {
    const Index r0 = rows * t / bands;
    const Index r1 = rows * (t + 1) / bands;
    if (r1 == r0) continue;
    Rng rng = stream.advanced(first + static_cast<std::uint64_t>(r0 * cols));
    const auto n = static_cast<std::size_t>((r1 - r0) * cols);
    kernels::sample(type, std::span<float>(X.row(r0).data(), n), rng,
                    mean != nullptr ? mean->row(r0).data() : nullptr);
  }
}

void mean_rows(UnitType type, MatrixF& X) {
  const Index rows = X.rows();
  const Index cols = X.cols();
  const int bands = omp_get_num_threads();
#pragma omp for schedule(static)
  for (int t = 0; t < bands; ++t) {
    const Index r0 = rows * t / bands;
    const Index r1 = rows * (t + 1) / bands;
    if (r1 == r0) continue;
    kernels::mean(type, std::span<float>(X.row(r0).data(), static_cast<std::size_t>((r1 - r0) * cols)));
  }
}

}  // namespace rgflow::train::detail
