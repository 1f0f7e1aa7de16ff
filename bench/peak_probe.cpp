// GEMM-peak probe: the machine limits that benchmark reports quote fractions of.
//   * FMA peak: independent fused multiply-add chains in registers (AVX-512 where __AVX512F__,
//     else AVX2/FMA, else scalar), 1 and 2 OpenMP threads; GFLOP/s = 2 flops per lane per FMA.
//   * sgemm on the RBM shapes (784×500 weights, batch 100 and 10) and a 1024³ reference, with
//     Eigen's own GEMM at 1 and 2 threads (Eigen's threading), and rgflow's GEMM seam
//     (include/rgflow/core/gemm.hpp) with every backend of the build on 1 thread, as the library
//     calls it (the gradient as Aᵀ·B).
// Each number is the median of --repeats (default 5) timings of ~0.2 s. Output: one JSON object.
// Run: build/bench/bench/peak_probe [--repeats N]
#include <omp.h>

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "rgflow/core/gemm.hpp"

#if defined(__AVX512F__) || defined(__FMA__)
#include <immintrin.h>
#endif

namespace {

using Clock = std::chrono::steady_clock;
using MatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// flops done by one call of fma_chains(iterations) per thread.
#if defined(__AVX512F__)
constexpr int kLanes = 16;
const char* kIsa = "avx512";
#elif defined(__FMA__)
constexpr int kLanes = 8;
const char* kIsa = "avx2-fma";
#else
constexpr int kLanes = 1;
const char* kIsa = "scalar";
#endif
constexpr int kChains = 12;  // independent accumulators: covers FMA latency × throughput

float fma_chains(long iterations, float seed) {
#if defined(__AVX512F__)
  __m512 acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = _mm512_set1_ps(seed + static_cast<float>(c));
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (long i = 0; i < iterations; ++i)
    for (int c = 0; c < kChains; ++c) acc[c] = _mm512_fmadd_ps(acc[c], a, b);
  __m512 s = acc[0];
  for (int c = 1; c < kChains; ++c) s = _mm512_add_ps(s, acc[c]);
  return _mm512_reduce_add_ps(s);
#elif defined(__FMA__)
  __m256 acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = _mm256_set1_ps(seed + static_cast<float>(c));
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (long i = 0; i < iterations; ++i)
    for (int c = 0; c < kChains; ++c) acc[c] = _mm256_fmadd_ps(acc[c], a, b);
  float out[8];
  __m256 s = acc[0];
  for (int c = 1; c < kChains; ++c) s = _mm256_add_ps(s, acc[c]);
  _mm256_storeu_ps(out, s);
  return out[0] + out[7];
#else
  float acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = seed + static_cast<float>(c);
  for (long i = 0; i < iterations; ++i)
    for (int c = 0; c < kChains; ++c) acc[c] = acc[c] * 0.999999f + 1e-7f;
  float s = 0;
  for (float x : acc) s += x;
  return s;
#endif
}

double fma_peak_gflops(int threads, int repeats) {
  const long iterations = 20'000'000;
  std::vector<double> rates;
  volatile float sink = 0;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = Clock::now();
#pragma omp parallel num_threads(threads)
    {
      const float v = fma_chains(iterations, static_cast<float>(omp_get_thread_num()));
#pragma omp critical
      sink = sink + v;
    }
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    rates.push_back(2.0 * kLanes * kChains * static_cast<double>(iterations) * threads / s * 1e-9);
  }
  return median(rates);
}

double gemm_gflops(long m, long k, long n, bool transpose_b, int threads, int repeats) {
  Eigen::setNbThreads(threads);
  const MatrixF A = MatrixF::Random(m, k);
  const MatrixF B = transpose_b ? MatrixF::Random(n, k) : MatrixF::Random(k, n);
  MatrixF C(m, n);
  const double flops = 2.0 * static_cast<double>(m) * static_cast<double>(k) * static_cast<double>(n);
  const long reps = std::max(1L, static_cast<long>(0.2e11 / flops));
  std::vector<double> rates;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = Clock::now();
    for (long i = 0; i < reps; ++i) {
      if (transpose_b) {
        C.noalias() = A * B.transpose();
      } else {
        C.noalias() = A * B;
      }
    }
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    rates.push_back(flops * static_cast<double>(reps) / s * 1e-9);
  }
  return median(rates);
}

// rgflow::gemm::product with `backend`, one thread, C = op(A) B: A is stored k × m when trans_a.
double seam_gflops(rgflow::gemm::Backend backend, long m, long k, long n, bool trans_a, bool trans_b,
                   int repeats) {
  rgflow::gemm::set_active(backend);
  const MatrixF A = trans_a ? MatrixF::Random(k, m) : MatrixF::Random(m, k);
  const MatrixF B = trans_b ? MatrixF::Random(n, k) : MatrixF::Random(k, n);
  MatrixF C(m, n);
  const double flops = 2.0 * static_cast<double>(m) * static_cast<double>(k) * static_cast<double>(n);
  const long reps = std::max(1L, static_cast<long>(0.2e11 / flops));
  std::vector<double> rates;
  rgflow::gemm::product(1.0f, A, trans_a, B, trans_b, 0.0f, C);  // JIT, warm caches
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = Clock::now();
    for (long i = 0; i < reps; ++i) rgflow::gemm::product(1.0f, A, trans_a, B, trans_b, 0.0f, C);
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    rates.push_back(flops * static_cast<double>(reps) / s * 1e-9);
  }
  return median(rates);
}

}  // namespace

int main(int argc, char** argv) {
  int repeats = 5;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--repeats") == 0 && i + 1 < argc) {
      repeats = std::max(1, std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr, "usage: %s [--repeats N]\n", argv[0]);
      return 2;
    }
  }
  std::printf("{\n  \"isa\": \"%s\",\n  \"repeats\": %d,\n", kIsa, repeats);
  for (int t : {1, 2}) std::printf("  \"fma_peak_gflops_%dt\": %.1f,\n", t, fma_peak_gflops(t, repeats));
  struct Shape {
    const char* name;
    long m, k, n;
    bool tb;
  };
  const Shape shapes[] = {{"hidden_field_b100", 100, 784, 500, false},
                          {"visible_field_b100", 100, 500, 784, true},
                          {"gradient_b100", 784, 100, 500, false},
                          {"hidden_field_b10", 10, 784, 500, false},
                          // AIS advances its chains in batches of 25 (AisOptions::chains_per_batch)
                          {"ais_hidden_b25", 25, 784, 500, false},
                          {"ais_visible_b25", 25, 500, 784, true},
                          {"square_1024", 1024, 1024, 1024, false}};
  std::printf("  \"sgemm_eigen_gflops\": {\n");
  for (std::size_t s = 0; s < std::size(shapes); ++s) {
    const auto& sh = shapes[s];
    const double one = gemm_gflops(sh.m, sh.k, sh.n, sh.tb, 1, repeats);
    const double two = gemm_gflops(sh.m, sh.k, sh.n, sh.tb, 2, repeats);
    std::printf("    \"%s\": {\"m\": %ld, \"k\": %ld, \"n\": %ld, \"1t\": %.1f, \"2t\": %.1f}%s\n", sh.name, sh.m,
                sh.k, sh.n, one, two, s + 1 < std::size(shapes) ? "," : "");
  }
  std::printf("  },\n");
  // rgflow's seam, one thread (rgflow splits products into column blocks on its own threads).
  const rgflow::gemm::Backend in_use = rgflow::gemm::active();
  Eigen::setNbThreads(1);  // as the CLI and the Python module run it
  std::printf("  \"gemm_backend\": \"%s\",\n  \"sgemm_rgflow_1t_gflops\": {\n",
              std::string(rgflow::gemm::name(in_use)).c_str());
  const std::vector<rgflow::gemm::Backend> backends = rgflow::gemm::available();
  for (std::size_t b = 0; b < backends.size(); ++b) {
    std::printf("    \"%s\": {", std::string(rgflow::gemm::name(backends[b])).c_str());
    for (std::size_t s = 0; s < std::size(shapes); ++s) {
      const auto& sh = shapes[s];
      const bool gradient = std::strcmp(sh.name, "gradient_b100") == 0;
      std::printf("\"%s\": %.1f%s", sh.name,
                  seam_gflops(backends[b], sh.m, sh.k, sh.n, gradient, sh.tb, repeats),
                  s + 1 < std::size(shapes) ? ", " : "");
    }
    std::printf("}%s\n", b + 1 < backends.size() ? "," : "");
  }
  rgflow::gemm::set_active(in_use);
  std::printf("  }\n}\n");
  return 0;
}
