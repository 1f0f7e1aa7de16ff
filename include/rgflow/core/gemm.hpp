#pragma once
// rgflow's single-precision matrix product: C ← α·op(A)·op(B) + β·C on row-major float blocks,
// always on the calling thread. The hot float32 products of the library (the fields and gradients
// of binary-unit training updates, Rbm::hidden_field / visible_field, parallel tempering, AIS) go
// through it, so the GEMM library is chosen in one place. (Exact log Z enumerates by rank-1
// updates in float64 and does not.)
//
// Backends (docs/benchmarks.md, "The GEMM"):
//   eigen  Eigen's GEMM (always available);
//   dnnl   oneDNN's dnnl_sgemm (libdnnl-dev; the JIT kernels PyTorch's CPU path uses), when the
//          build found it.
// The build picks the default by a short calibration at configure time (cmake/GemmCalibrate.cmake:
// the RBM shapes, one thread, the faster backend wins) unless -DRGFLOW_GEMM=eigen|dnnl names one;
// the environment variable RGFLOW_GEMM=eigen|dnnl overrides it per run. OpenBLAS is not a backend:
// its kernel, and so its bits and its speed, follow OPENBLAS_CORETYPE, and its thread count is
// process-wide state shared with numpy.
//
// Bits: a product's result depends on the backend, the host's ISA and the shapes — never on the
// thread count (each call runs on one thread, with a blocking fixed by its shapes) — so the
// library's thread-count-independence guarantee holds for either backend. Products of fewer than
// kSmallProduct multiply-adds always use Eigen (no library call overhead on tiny models).
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include "rgflow/core/types.hpp"

namespace rgflow::gemm {

enum class Backend { eigen, dnnl };

// Multiply-adds below which a product always runs in Eigen.
inline constexpr double kSmallProduct = 32.0 * 32.0 * 32.0;

// "eigen" / "dnnl".
std::string_view name(Backend backend);
// The backends this build has (eigen first).
std::vector<Backend> available();
// The backend the build chose (configure-time calibration or -DRGFLOW_GEMM).
Backend build_default();
// The backend in use: RGFLOW_GEMM from the environment when set, else the build's default. Throws
// rgflow::Error (one line naming RGFLOW_GEMM) for an unknown or unavailable name; call it once at
// start-up (the CLI and the Python module do) — the products themselves never throw and fall
// back to the build's default.
Backend active();
// The environment is read once, at the first product or the first call of active().
// Process-wide override for benchmarks and tests; call outside any parallel region.
void set_active(Backend backend);
// "dnnl (build default; calibrated: eigen 134.9, dnnl 151.2 GFLOP/s)" — for --version.
std::string description();

// C ← α·op(A)·op(B) + β·C; op(A) is m×k, op(B) k×n, C m×n; all row-major with leading dimensions
// lda, ldb, ldc. β = 0 never reads C (NaN there is overwritten).
void sgemm(bool trans_a, bool trans_b, Index m, Index n, Index k, float alpha, const float* a,
           Index lda, const float* b, Index ldb, float beta, float* c, Index ldc);

// The same on Eigen row-major blocks (a matrix, middleRows/middleCols/block of one, a Map, a Ref):
// op(A) = A or Aᵀ by trans_a, likewise for B.
template <class MA, class MB, class MC>
void product(float alpha, const MA& a, bool trans_a, const MB& b, bool trans_b, float beta, MC&& c) {
  static_assert(MA::IsRowMajor || MA::ColsAtCompileTime == 1 || MA::RowsAtCompileTime == 1,
                "gemm::product takes row-major blocks");
  static_assert(std::decay_t<MC>::IsRowMajor, "gemm::product writes a row-major block");
  eigen_assert(a.innerStride() == 1 && b.innerStride() == 1 && c.innerStride() == 1);
  const Index m = trans_a ? a.cols() : a.rows();
  const Index k = trans_a ? a.rows() : a.cols();
  const Index n = trans_b ? b.rows() : b.cols();
  eigen_assert((trans_b ? b.cols() : b.rows()) == k && c.rows() == m && c.cols() == n);
  sgemm(trans_a, trans_b, m, n, k, alpha, a.data(), a.outerStride(), b.data(), b.outerStride(), beta,
        c.data(), c.outerStride());
}

}  // namespace rgflow::gemm
