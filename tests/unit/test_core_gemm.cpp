// rgflow's GEMM seam (include/rgflow/core/gemm.hpp): every backend of the build against a
// double-precision reference within the standard rounding bound, on strided blocks, all four
// transpose cases and the β cases (β = 0 never reads C); the backend choice by RGFLOW_GEMM; and
// the model fields (Rbm::hidden_field / visible_field, split into fixed column blocks) bit for bit
// the same on 1 and 3 threads, and within rounding of the float64 product; and products that
// signals interrupt (every backend, bit for bit: oneDNN's kernels corrupted the heap).
#include <gtest/gtest.h>
#include <omp.h>

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <thread>

#include "rgflow/core/error.hpp"
#include "rgflow/core/gemm.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/rbm/rbm.hpp"

namespace {

using rgflow::Index;
using rgflow::MatrixF;
using rgflow::gemm::Backend;

MatrixF random_matrix(Index rows, Index cols, std::uint64_t seed) {
  rgflow::Rng rng(seed, 0);
  MatrixF m(rows, cols);
  for (Index r = 0; r < rows; ++r) {
    for (Index c = 0; c < cols; ++c) m(r, c) = static_cast<float>(2.0 * rng.uniform_double() - 1.0);
  }
  return m;
}

// Restores the backend in use when a test ends.
class BackendGuard {
 public:
  BackendGuard() : saved_(rgflow::gemm::active()) {}
  ~BackendGuard() { rgflow::gemm::set_active(saved_); }

 private:
  Backend saved_;
};

struct Case {
  Index m, n, k;
  bool ta, tb;
  float alpha, beta;
};

// C (an m × n block at column offset 3 of a wider matrix) ← α op(A) op(B) + β C, against the
// product in double; |error| ≤ 2 (k + 2) u Σ|α a b| + |β c| u (u = 2⁻²⁴) bounds float GEMM
// rounding whatever the summation order (Higham, Accuracy and Stability, §3.5).
void check_case(const Case& t, std::uint64_t seed) {
  SCOPED_TRACE(::testing::Message() << rgflow::gemm::name(rgflow::gemm::active()) << " m=" << t.m
                                    << " n=" << t.n << " k=" << t.k << " ta=" << t.ta << " tb=" << t.tb
                                    << " beta=" << t.beta);
  const MatrixF a_store = random_matrix(t.ta ? t.k : t.m, (t.ta ? t.m : t.k) + 5, seed);
  const MatrixF b_store = random_matrix(t.tb ? t.n : t.k, (t.tb ? t.k : t.n) + 7, seed + 1);
  const auto A = a_store.leftCols(t.ta ? t.m : t.k);
  const auto B = b_store.middleCols(2, t.tb ? t.k : t.n);
  MatrixF c_store = random_matrix(t.m, t.n + 6, seed + 2);
  if (t.beta == 0.0f) c_store.setConstant(std::numeric_limits<float>::quiet_NaN());
  const MatrixF c_before = c_store;
  rgflow::gemm::product(t.alpha, A, t.ta, B, t.tb, t.beta, c_store.middleCols(3, t.n));

  const double u = std::ldexp(1.0, -24);
  for (Index i = 0; i < t.m; ++i) {
    for (Index j = 0; j < t.n; ++j) {
      double exact = 0.0, magnitude = 0.0;
      for (Index l = 0; l < t.k; ++l) {
        const double a = t.ta ? A(l, i) : A(i, l);
        const double b = t.tb ? B(j, l) : B(l, j);
        exact += a * b;
        magnitude += std::abs(a * b);
      }
      exact *= t.alpha;
      magnitude *= std::abs(t.alpha);
      double bound = 2.0 * static_cast<double>(t.k + 2) * u * magnitude + 1e-30;
      if (t.beta != 0.0f) {
        const double c = c_before(i, j + 3);
        exact += t.beta * c;
        bound += 2.0 * u * std::abs(t.beta * c);
      }
      ASSERT_NEAR(c_store(i, j + 3), exact, bound) << "entry " << i << "," << j;
    }
  }
  // Outside the block nothing moved (NaN-filled stores compare by bits).
  for (Index i = 0; i < t.m; ++i) {
    for (Index j : {Index{0}, Index{1}, Index{2}, t.n + 3, t.n + 4, t.n + 5}) {
      ASSERT_EQ(std::memcmp(&c_store(i, j), &c_before(i, j), sizeof(float)), 0);
    }
  }
}

TEST(Gemm, EveryBackendMatchesTheDoubleProduct) {
  const BackendGuard guard;
  for (Backend backend : rgflow::gemm::available()) {
    rgflow::gemm::set_active(backend);
    std::uint64_t seed = 10;
    for (bool ta : {false, true}) {
      for (bool tb : {false, true}) {
        // Above and below kSmallProduct (the small ones always run in Eigen), and k = 0.
        check_case({67, 45, 130, ta, tb, 1.0f, 0.0f}, seed++);
        check_case({67, 45, 130, ta, tb, -0.37f, 1.0f}, seed++);
        check_case({33, 70, 96, ta, tb, 0.5f, 0.25f}, seed++);
        check_case({5, 7, 3, ta, tb, 2.0f, 0.0f}, seed++);
        check_case({9, 4, 0, ta, tb, 1.0f, 0.5f}, seed++);
      }
    }
  }
}

TEST(Gemm, BackendsAgreeWithinRounding) {
  // The RBM shape of a training update: every backend gives the same field to float rounding.
  const BackendGuard guard;
  const MatrixF V = random_matrix(100, 784, 3);
  const MatrixF W = random_matrix(784, 500, 4);
  MatrixF reference;
  for (Backend backend : rgflow::gemm::available()) {
    rgflow::gemm::set_active(backend);
    MatrixF F(100, 500);
    rgflow::gemm::product(1.0f, V, false, W, false, 0.0f, F);
    if (reference.size() == 0) {
      reference = F;
      continue;
    }
    EXPECT_LT((F - reference).cwiseAbs().maxCoeff(), 1e-3f) << rgflow::gemm::name(backend);
  }
}

TEST(Gemm, EnvironmentNamesTheBackend) {
  const BackendGuard guard;
  const char* saved = std::getenv("RGFLOW_GEMM");
  const std::string saved_value = saved != nullptr ? saved : "";
  setenv("RGFLOW_GEMM", "blas-of-the-future", 1);
  try {
    rgflow::gemm::active();
    ADD_FAILURE() << "an unknown RGFLOW_GEMM was accepted";
  } catch (const rgflow::Error& e) {
    EXPECT_NE(std::string(e.what()).find("RGFLOW_GEMM=blas-of-the-future"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
  }
  // A valid name passes the check (the environment is read once, at the first product or the
  // first active(): set_active is how a running program switches).
  setenv("RGFLOW_GEMM", "eigen", 1);
  EXPECT_NO_THROW(rgflow::gemm::active());
  if (saved != nullptr) {
    setenv("RGFLOW_GEMM", saved_value.c_str(), 1);
  } else {
    unsetenv("RGFLOW_GEMM");
  }
  for (Backend b : rgflow::gemm::available()) {
    rgflow::gemm::set_active(b);
    EXPECT_EQ(rgflow::gemm::active(), b);
    EXPECT_EQ(rgflow::gemm::description().rfind(std::string(rgflow::gemm::name(b)), 0), 0u);
  }
}

TEST(Gemm, ModelFieldsDoNotDependOnTheThreadCount) {
  // 300 × 700 × 600 passes the two-thread threshold: the fields are formed by column blocks on
  // the team; on one thread the same blocks in order.
  const BackendGuard guard;
  rgflow::Rbm rbm(700, 600, rgflow::UnitType::bernoulli, rgflow::UnitType::bernoulli);
  rbm.weights() = random_matrix(700, 600, 5);
  const MatrixF V = random_matrix(300, 700, 6);
  const MatrixF H = random_matrix(300, 600, 7);
  const int saved_threads = omp_get_max_threads();
  for (Backend backend : rgflow::gemm::available()) {
    rgflow::gemm::set_active(backend);
    MatrixF f1, f3, g1, g3;
    omp_set_num_threads(1);
    rbm.hidden_field(V, f1);
    rbm.visible_field(H, g1);
    omp_set_num_threads(3);
    rbm.hidden_field(V, f3);
    rbm.visible_field(H, g3);
    ASSERT_EQ(f1.rows(), 300);
    ASSERT_EQ(f1.cols(), 600);
    ASSERT_EQ(g1.cols(), 700);
    EXPECT_EQ(std::memcmp(f1.data(), f3.data(), sizeof(float) * static_cast<std::size_t>(f1.size())), 0);
    EXPECT_EQ(std::memcmp(g1.data(), g3.data(), sizeof(float) * static_cast<std::size_t>(g1.size())), 0);
    // And they are the fields: against the float64 product within the rounding bound.
    const double u = std::ldexp(1.0, -24);
    const rgflow::MatrixD Wd = rbm.weights().cast<double>();
    const rgflow::MatrixD exact_f = V.cast<double>() * Wd;
    const rgflow::MatrixD mag_f = V.cast<double>().cwiseAbs() * Wd.cwiseAbs();
    const rgflow::MatrixD exact_g = H.cast<double>() * Wd.transpose();
    const rgflow::MatrixD mag_g = H.cast<double>().cwiseAbs() * Wd.cwiseAbs().transpose();
    EXPECT_TRUE(((f1.cast<double>() - exact_f).cwiseAbs().array() <= 2.0 * 702.0 * u * mag_f.array() + 1e-30).all());
    EXPECT_TRUE(((g1.cast<double>() - exact_g).cwiseAbs().array() <= 2.0 * 602.0 * u * mag_g.array() + 1e-30).all());
  }
  omp_set_num_threads(saved_threads);
}

}  // namespace

// oneDNN 2.6's f32 GEMM kernels point RSP into a heap workspace while they run
// (uxlfoundation/oneDNN#4845, fixed upstream in 2026 by #4855), so a signal delivered to a thread
// inside dnnl_sgemm has its frame written over that heap block: wrong products and a corrupted
// heap ("corrupted size vs. prev_size"; seen as Ctrl-C crashing `mpirun … vrg run`). gemm::sgemm
// blocks asynchronous signals around the library call. Here a thread runs products of a training
// shape while the main thread sends it signals (a handler that only counts, as Ctrl-C's sets a
// flag); every product must equal the one computed without signals, bit for bit.
namespace signal_storm {
std::atomic<long> handled{0};
extern "C" void count_signal(int) { handled.fetch_add(1, std::memory_order_relaxed); }
}  // namespace signal_storm

TEST(Gemm, SignalsDuringAProductChangeNothing) {
  for (const Backend backend : rgflow::gemm::available()) {
    SCOPED_TRACE(std::string(rgflow::gemm::name(backend)));
    BackendGuard guard;
    rgflow::gemm::set_active(backend);
    const MatrixF a = random_matrix(100, 784, 31), b = random_matrix(784, 500, 32);
    MatrixF expected(100, 500);
    rgflow::gemm::product(1.0f, a, false, b, false, 0.0f, expected);

    struct sigaction action {}, previous{};
    action.sa_handler = signal_storm::count_signal;
    sigemptyset(&action.sa_mask);
    ASSERT_EQ(sigaction(SIGUSR1, &action, &previous), 0);
    signal_storm::handled = 0;
    std::atomic<bool> done{false};
    std::atomic<long> wrong{0}, products{0};
    // Counts, not a time window: at least kProducts products and kSignals signals handled by the
    // worker (a loaded or sanitized machine only takes longer; the cap is a hang guard).
    constexpr long kProducts = 40, kSignals = 40;
    std::thread worker([&] {
      MatrixF c(100, 500);
      const auto cap = std::chrono::steady_clock::now() + std::chrono::seconds(120);
      while ((products < kProducts || signal_storm::handled < kSignals) && std::chrono::steady_clock::now() < cap) {
        rgflow::gemm::product(1.0f, a, false, b, false, 0.0f, c);
        if (std::memcmp(c.data(), expected.data(), sizeof(float) * static_cast<std::size_t>(c.size())) != 0) {
          wrong.fetch_add(1);
        }
        products.fetch_add(1);
      }
      done = true;
    });
    const pthread_t target = worker.native_handle();
    while (!done) {
      pthread_kill(target, SIGUSR1);
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    worker.join();
    sigaction(SIGUSR1, &previous, nullptr);
    EXPECT_GE(products.load(), kProducts);
    EXPECT_GE(signal_storm::handled.load(), kSignals) << "too few signals reached the thread";
    EXPECT_EQ(wrong.load(), 0) << "of " << products.load() << " products";
  }
}
