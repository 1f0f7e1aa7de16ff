#include "rgflow/core/gemm.hpp"

#include <omp.h>
#include <pthread.h>

#include <csignal>

#include <atomic>
#include <cstdlib>
#include <fmt/format.h>
#include <stdexcept>

#include "rgflow/core/error.hpp"

#if RGFLOW_WITH_DNNL
#include <oneapi/dnnl/dnnl.h>
#endif

#ifndef RGFLOW_GEMM_DEFAULT
#define RGFLOW_GEMM_DEFAULT "eigen"
#endif
#ifndef RGFLOW_GEMM_CALIBRATION
#define RGFLOW_GEMM_CALIBRATION ""
#endif

namespace rgflow::gemm {

namespace {

using Stride = Eigen::OuterStride<>;
using ConstMap = Eigen::Map<const MatrixF, 0, Stride>;
using Map = Eigen::Map<MatrixF, 0, Stride>;

bool parse(std::string_view text, Backend& out) {
  for (Backend b : available()) {
    if (text == name(b)) {
      out = b;
      return true;
    }
  }
  return false;
}

Backend resolve_default() {
  Backend b = Backend::eigen;
  parse(RGFLOW_GEMM_DEFAULT, b);
  return b;
}

// -1: not resolved yet; else the Backend's value.
std::atomic<int>& active_slot() {
  static std::atomic<int> slot{-1};
  return slot;
}

// The backend of a product: the resolved one, or the environment's when valid, else the build's.
Backend current() {
  const int v = active_slot().load(std::memory_order_relaxed);
  if (v >= 0) return static_cast<Backend>(v);
  Backend b = build_default();
  if (const char* env = std::getenv("RGFLOW_GEMM"); env != nullptr && *env != '\0') parse(env, b);
  active_slot().store(static_cast<int>(b), std::memory_order_relaxed);
  return b;
}

void eigen_sgemm(bool ta, bool tb, Index m, Index n, Index k, float alpha, const float* a, Index lda,
                 const float* b, Index ldb, float beta, float* c, Index ldc) {
  const ConstMap A(a, ta ? k : m, ta ? m : k, Stride(lda));
  const ConstMap B(b, tb ? n : k, tb ? k : n, Stride(ldb));
  Map C(c, m, n, Stride(ldc));
  const auto run = [&](const auto& lhs, const auto& rhs) {
    if (beta == 0.0f) {
      C.noalias() = alpha * (lhs * rhs);
      return;
    }
    if (beta != 1.0f) C *= beta;
    C.noalias() += alpha * (lhs * rhs);
  };
  if (ta && tb) {
    run(A.transpose(), B.transpose());
  } else if (ta) {
    run(A.transpose(), B);
  } else if (tb) {
    run(A, B.transpose());
  } else {
    run(A, B);
  }
}

#if RGFLOW_WITH_DNNL
// Asynchronous signals are held back on the calling thread while oneDNN runs. Its f32 GEMM
// kernels (2.6, Debian 12) point RSP into a heap workspace while they run
// (uxlfoundation/oneDNN#4845, fixed upstream by #4855): a signal delivered to the thread then has
// its frame written over the heap (wrong products; "corrupted size vs. prev_size" later). Ctrl-C
// during training hit it (SIGINT's handler only sets a flag). A blocked signal stays pending and
// is delivered when the call returns, or meanwhile to another thread; the faults a thread raises
// itself (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT) are left alone.
class AsyncSignalsHeld {
 public:
  AsyncSignalsHeld() {
    sigset_t all;
    sigfillset(&all);
    for (const int s : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT}) sigdelset(&all, s);
    held_ = pthread_sigmask(SIG_BLOCK, &all, &saved_) == 0;
  }
  ~AsyncSignalsHeld() {
    if (held_) pthread_sigmask(SIG_SETMASK, &saved_, nullptr);
  }
  AsyncSignalsHeld(const AsyncSignalsHeld&) = delete;
  AsyncSignalsHeld& operator=(const AsyncSignalsHeld&) = delete;

 private:
  sigset_t saved_{};
  bool held_ = false;
};

void dnnl_product(bool ta, bool tb, Index m, Index n, Index k, float alpha, const float* a,
                  Index lda, const float* b, Index ldb, float beta, float* c, Index ldc) {
  // oneDNN runs single-threaded inside a parallel region; outside one it would use the OpenMP
  // team, so the calling thread's thread count is set to 1 for the call (a per-thread setting).
  const bool outside = omp_in_parallel() == 0;
  const int previous = outside ? omp_get_max_threads() : 1;
  if (outside && previous != 1) omp_set_num_threads(1);
  dnnl_status_t status = dnnl_success;
  {
    const AsyncSignalsHeld held;
    status = dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }
  if (outside && previous != 1) omp_set_num_threads(previous);
  if (status != dnnl_success) {
    // Only reachable through a bug (bad shapes): the arguments are checked by the callers.
    throw std::logic_error(fmt::format("dnnl_sgemm failed (status {}) on {}x{}x{}",
                                       static_cast<int>(status), m, n, k));
  }
}
#endif

}  // namespace

std::string_view name(Backend backend) {
  switch (backend) {
    case Backend::eigen:
      return "eigen";
    case Backend::dnnl:
      return "dnnl";
  }
  return "eigen";
}

std::vector<Backend> available() {
#if RGFLOW_WITH_DNNL
  return {Backend::eigen, Backend::dnnl};
#else
  return {Backend::eigen};
#endif
}

Backend build_default() {
  static const Backend b = resolve_default();
  return b;
}

Backend active() {
  if (const char* env = std::getenv("RGFLOW_GEMM"); env != nullptr && *env != '\0') {
    Backend b{};
    if (!parse(env, b)) {
      std::string names;
      for (Backend x : available()) names += (names.empty() ? "" : ", ") + std::string(name(x));
      throw Error(fmt::format("RGFLOW_GEMM={}: not a GEMM backend of this build ({})", env, names));
    }
  }
  return current();
}

void set_active(Backend backend) {
  active_slot().store(static_cast<int>(backend), std::memory_order_relaxed);
}

std::string description() {
  const Backend b = current();
  const char* env = std::getenv("RGFLOW_GEMM");
  if (env != nullptr && *env != '\0' && std::string_view(env) == name(b)) {
    return std::string(name(b)) + " (RGFLOW_GEMM)";
  }
  const std::string calibration = RGFLOW_GEMM_CALIBRATION;
  return std::string(name(b)) + (b == build_default() ? " (build default" : " (set by the program") +
         (calibration.empty() ? std::string(")") : "; " + calibration + ")");
}

void sgemm(bool trans_a, bool trans_b, Index m, Index n, Index k, float alpha, const float* a,
           Index lda, const float* b, Index ldb, float beta, float* c, Index ldc) {
  if (m <= 0 || n <= 0) return;
#if RGFLOW_WITH_DNNL
  if (k > 0 && current() == Backend::dnnl &&
      static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k) >= kSmallProduct) {
    dnnl_product(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
#endif
  eigen_sgemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

}  // namespace rgflow::gemm
