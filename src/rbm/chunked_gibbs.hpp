#pragma once
// Multi-threaded building blocks of one CD / PCD update and of one parallel-tempering step
// (sample/tempering.cpp) for binary (Bernoulli / spin) units, internal to the library (the train
// component reaches them through src/train/chunked_gibbs.hpp).
//
// Every function here is a worksharing construct: call it from inside `#pragma omp parallel`, on
// every thread of the team (it ends with the implicit barrier of its `omp for`), or outside any
// parallel region (then it runs on one thread). Results do not depend on the number of threads:
//  - every product is split into a fixed set of column blocks of its output (gemm_chunks, a
//    function of the layer size alone, never of the thread count), each one single-threaded
//    Eigen product, so the same products are formed in the same order whatever thread runs
//    them. (Splitting only when threaded would save one thread ~8 % of repacked operands, but
//    Eigen's result for a column block is not bitwise the same columns of the whole product.)
//    Two blocks per started 1,024 units: balanced on 2 cores, ~8 % slower on 1 than no split;
//  - sampling is element-wise with one Rng word per unit in row-major order: each thread takes a
//    band of rows and a copy of the stream advanced to its first word (Rng::advanced), so the
//    words, and the samples, are those of a single pass.
// One parallel region per update (rather than one per product, as Eigen's own threading does)
// keeps the cost of waking threads to a few barriers per update.
#include <omp.h>

#include <vector>

#include "rgflow/core/rng.hpp"
#include "rgflow/core/types.hpp"
#include "rgflow/rbm/rbm.hpp"

namespace rgflow::chunked {

// Fixed partition 0 = b_0 < b_1 < ... < b_k = n of [0, n): one piece below 128, else two pieces
// per started 1,024 entries, interior bounds on multiples of 16 (SIMD-aligned).
std::vector<Index> gemm_chunks(Index n);

// Worksharing over the blocks of `chunks`: f(first, size) for each, static schedule (with the
// implicit barrier at the end).
template <class F>
void for_chunks(const std::vector<Index>& chunks, F&& f) {
  const Index pieces = static_cast<Index>(chunks.size()) - 1;
#pragma omp for schedule(static)
  for (Index c = 0; c < pieces; ++c) {
    const Index first = chunks[static_cast<std::size_t>(c)];
    f(first, chunks[static_cast<std::size_t>(c) + 1] - first);
  }
}

// Worksharing over one band of rows per thread: f(first row, rows), static schedule (with the
// implicit barrier at the end). The bands depend on the thread count: use it only where the result
// of a row does not depend on which band holds it.
template <class F>
void for_row_bands(Index rows, F&& f) {
  const int bands = omp_get_num_threads();
#pragma omp for schedule(static)
  for (int t = 0; t < bands; ++t) {
    const Index r0 = rows * t / bands;
    const Index r1 = rows * (t + 1) / bands;
    if (r1 > r0) f(r0, r1 - r0);
  }
}

// Threads for an update over `rows` rows of an n_visible × n_hidden model: the OpenMP default
// when a product is large enough to amortise a barrier (≥ 2^21 multiply-adds), else 1.
int update_threads(Index rows, Index n_visible, Index n_hidden);

// F = X W + b (hidden field of the rows of X), by column chunks of F.
void hidden_field(const Rbm& rbm, const Eigen::Ref<const MatrixF>& X, Eigen::Ref<MatrixF> F,
                  const std::vector<Index>& chunks);
// G = Y Wᵀ + a (visible field of the rows of Y), by column chunks of G.
void visible_field(const Rbm& rbm, const Eigen::Ref<const MatrixF>& Y, Eigen::Ref<MatrixF> G,
                   const std::vector<Index>& chunks);
// X ← a sample given the field X, drawing word `first + r·cols + i` of `stream` for entry (r, i)
// (no draw from `stream` itself); when `mean` is given (already sized like X) it receives the
// conditional means first.
// X may be a block of consecutive rows of a larger matrix (a row shard of a batch); `mean`, when
// not null, points at X.rows() × X.cols() contiguous row-major floats.
void sample_rows(UnitType type, Eigen::Ref<MatrixF> X, const Rng& stream, std::uint64_t first,
                 float* mean);
// X ← E[unit | field X], element-wise.
void mean_rows(UnitType type, Eigen::Ref<MatrixF> X);

}  // namespace rgflow::chunked
