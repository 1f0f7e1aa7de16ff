// Compiled with -ffp-contract=off (src/CMakeLists.txt): the portable and AVX-512 paths must do
// exactly the operations written here, so that they agree bit for bit.
#include "rgflow/rbm/sampling_kernels.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

#include "rgflow/core/error.hpp"
#include "rgflow/core/philox_bulk.hpp"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace rgflow::kernels {

namespace {

constexpr float kLog2e = 1.44269504088896341f;
constexpr float kLn2Hi = 0.693359375f;      // 355/512: n·kLn2Hi is exact for |n| < 2¹⁵
constexpr float kLn2Lo = -2.12194440e-4f;   // ln 2 − kLn2Hi
constexpr float kMinArg = -86.0f;           // e^y stays a normal float, and so does 2ⁿ
constexpr float kRound = 12582912.0f;       // 1.5 · 2²³
constexpr float kC2 = 1.0f / 2, kC3 = 1.0f / 6, kC4 = 1.0f / 24, kC5 = 1.0f / 120,
                kC6 = 1.0f / 720, kC7 = 1.0f / 5040;

// y ∈ [kMinArg, 0] (or NaN → kMinArg): t = e^y and m = e^y − 1 (m without cancellation).
struct ExpNeg {
  float t, m;
};
inline ExpNeg exp_neg(float y) {
  y = y > kMinArg ? y : kMinArg;  // the operand order of _mm512_max_ps(y, kMinArg), NaN → kMinArg
  // Round to nearest even by the 1.5·2²³ trick (|y·log2e| < 2²²): the same value as
  // _mm512_roundscale_ps, and unlike std::nearbyint it inlines and vectorises.
  const float n = (y * kLog2e + kRound) - kRound;
  float r = std::fma(n, -kLn2Hi, y);
  r = std::fma(n, -kLn2Lo, r);
  float p = kC7;
  p = std::fma(p, r, kC6);
  p = std::fma(p, r, kC5);
  p = std::fma(p, r, kC4);
  p = std::fma(p, r, kC3);
  p = std::fma(p, r, kC2);
  const float q = std::fma(p, r * r, r);  // e^r − 1
  const float pow2n = std::bit_cast<float>((static_cast<std::int32_t>(n) + 127) << 23);
  const float t = (1.0f + q) * pow2n;
  return {t, n == 0.0f ? q : t - 1.0f};
}

// σ(x) from t = e^{−|x|}, or σ(2x) from t = e^{−2|x|}.
inline float logistic_from(float x, float t) {
  const float d = 1.0f + t;
  return x >= 0.0f ? 1.0f / d : t / d;
}

inline float tanh_from(float x, float m) {
  const float a = -m / (2.0f + m);
  return std::copysign(a, x);
}

template <UnitType T>
inline float mean_one(float x) {
  if constexpr (T == UnitType::bernoulli) {
    return logistic_from(x, exp_neg(0.0f - std::fabs(x)).t);
  } else {
    return tanh_from(x, exp_neg(-2.0f * std::fabs(x)).m);
  }
}

template <UnitType T>
inline float sample_one(float x, std::uint32_t w, float* mean) {
  const float u = word_uniform(w);
  if constexpr (T == UnitType::bernoulli) {
    const float p = logistic_from(x, exp_neg(0.0f - std::fabs(x)).t);
    if (mean != nullptr) *mean = p;
    return u < p ? 1.0f : 0.0f;
  } else {
    const ExpNeg e = exp_neg(-2.0f * std::fabs(x));
    if (mean != nullptr) *mean = tanh_from(x, e.m);
    return u < logistic_from(x, e.t) ? 1.0f : -1.0f;
  }
}

void require_binary(UnitType type) {
  if (type != UnitType::bernoulli && type != UnitType::spin) {
    throw Error("the sampling kernels handle bernoulli and spin units only");
  }
}

#if defined(__AVX512F__)
struct ExpNeg16 {
  __m512 t, m;
};
inline ExpNeg16 exp_neg16(__m512 y) {
  y = _mm512_max_ps(y, _mm512_set1_ps(kMinArg));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(y, _mm512_set1_ps(kLog2e)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(kLn2Hi), y);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(kLn2Lo), r);
  __m512 p = _mm512_set1_ps(kC7);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kC6));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kC5));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kC4));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kC3));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kC2));
  const __m512 q = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r);
  const __m512 pow2n = _mm512_castsi512_ps(
      _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23));
  const __m512 one = _mm512_set1_ps(1.0f);
  const __m512 t = _mm512_mul_ps(_mm512_add_ps(one, q), pow2n);
  const __mmask16 n0 = _mm512_cmp_ps_mask(n, _mm512_setzero_ps(), _CMP_EQ_OQ);
  return {t, _mm512_mask_blend_ps(n0, _mm512_sub_ps(t, one), q)};
}

inline __m512 logistic_from16(__m512 x, __m512 t) {
  const __m512 d = _mm512_add_ps(_mm512_set1_ps(1.0f), t);
  const __mmask16 nonneg = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_GE_OQ);
  return _mm512_mask_blend_ps(nonneg, _mm512_div_ps(t, d), _mm512_div_ps(_mm512_set1_ps(1.0f), d));
}

inline __m512 tanh_from16(__m512 x, __m512 m) {
  const __m512 a = _mm512_div_ps(_mm512_sub_ps(_mm512_setzero_ps(), m),
                                 _mm512_add_ps(_mm512_set1_ps(2.0f), m));
  // copysign(a, x): magnitude bits of a, sign bit of x (0xE4 = (A & C) | (B & ~C)).
  const __m512i mag = _mm512_set1_epi32(0x7FFFFFFF);
  return _mm512_castsi512_ps(_mm512_ternarylogic_epi32(_mm512_castps_si512(a), _mm512_castps_si512(x), mag, 0xE4));
}

inline __m512 abs16(__m512 x) {
  return _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32(0x7FFFFFFF)));
}

template <UnitType T>
inline __m512 mean16(__m512 x) {
  if constexpr (T == UnitType::bernoulli) {
    return logistic_from16(x, exp_neg16(_mm512_sub_ps(_mm512_setzero_ps(), abs16(x))).t);
  } else {
    return tanh_from16(x, exp_neg16(_mm512_mul_ps(_mm512_set1_ps(-2.0f), abs16(x))).m);
  }
}

// One register of 16 units: returns the samples, writes the means to *mean_out when asked.
template <UnitType T>
inline __m512 sample16(__m512 x, __m512i w, __m512* mean_out) {
  const __m512 u = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_srli_epi32(w, 8)), _mm512_set1_ps(0x1.0p-24f));
  __m512 p;
  if constexpr (T == UnitType::bernoulli) {
    p = logistic_from16(x, exp_neg16(_mm512_sub_ps(_mm512_setzero_ps(), abs16(x))).t);
    if (mean_out != nullptr) *mean_out = p;
  } else {
    const ExpNeg16 e = exp_neg16(_mm512_mul_ps(_mm512_set1_ps(-2.0f), abs16(x)));
    if (mean_out != nullptr) *mean_out = tanh_from16(x, e.m);
    p = logistic_from16(x, e.t);
  }
  const __mmask16 on = _mm512_cmp_ps_mask(u, p, _CMP_LT_OQ);
  const __m512 off = _mm512_set1_ps(T == UnitType::bernoulli ? 0.0f : -1.0f);
  return _mm512_mask_blend_ps(on, off, _mm512_set1_ps(1.0f));
}

template <UnitType T>
void mean_avx512_t(std::span<float> xs) {
  float* x = xs.data();
  const std::size_t n = xs.size(), full = n / 16 * 16;
  for (std::size_t i = 0; i < full; i += 16) _mm512_storeu_ps(x + i, mean16<T>(_mm512_loadu_ps(x + i)));
  if (full < n) {
    const __mmask16 k = static_cast<__mmask16>((1u << (n - full)) - 1);
    _mm512_mask_storeu_ps(x + full, k, mean16<T>(_mm512_maskz_loadu_ps(k, x + full)));
  }
}

template <UnitType T>
void sample_avx512_t(std::span<float> xs, const std::uint32_t* words, float* mean) {
  float* x = xs.data();
  const std::size_t n = xs.size(), full = n / 16 * 16;
  __m512 m;
  for (std::size_t i = 0; i < full; i += 16) {
    const __m512i w = _mm512_loadu_si512(words + i);
    const __m512 s = sample16<T>(_mm512_loadu_ps(x + i), w, mean != nullptr ? &m : nullptr);
    if (mean != nullptr) _mm512_storeu_ps(mean + i, m);
    _mm512_storeu_ps(x + i, s);
  }
  if (full < n) {
    const __mmask16 k = static_cast<__mmask16>((1u << (n - full)) - 1);
    const __m512i w = _mm512_maskz_loadu_epi32(k, words + full);
    const __m512 s = sample16<T>(_mm512_maskz_loadu_ps(k, x + full), w, mean != nullptr ? &m : nullptr);
    if (mean != nullptr) _mm512_mask_storeu_ps(mean + full, k, m);
    _mm512_mask_storeu_ps(x + full, k, s);
  }
}
#endif

template <UnitType T>
void mean_portable_t(std::span<float> x) {
  for (float& v : x) v = mean_one<T>(v);
}

// Branch-free loops (one with, one without the means) that the compiler can vectorise.
template <UnitType T, bool kMean>
void sample_portable_loop(float* __restrict x, std::size_t n, const std::uint32_t* __restrict words,
                          float* __restrict mean) {
  for (std::size_t i = 0; i < n; ++i) {
    float m = 0.0f;
    x[i] = sample_one<T>(x[i], words[i], kMean ? &m : nullptr);
    if constexpr (kMean) mean[i] = m;
  }
}

template <UnitType T>
void sample_portable_t(std::span<float> x, const std::uint32_t* words, float* mean) {
  if (mean != nullptr) sample_portable_loop<T, true>(x.data(), x.size(), words, mean);
  else sample_portable_loop<T, false>(x.data(), x.size(), words, nullptr);
}

// log_partition_sum (header): lane l of 16 holds elements b0 + l, b0 + l + 16, … of a block.
constexpr std::size_t kSumLanes = 16, kSumBlock = 512;

template <UnitType T>
inline void log_partition_term(float xi, float beta, double& lin, double& prod) {
  const float y = beta * xi;
  const float a = std::fabs(y);
  if constexpr (T == UnitType::bernoulli) {
    lin += static_cast<double>(y > 0.0f ? y : 0.0f);
    prod *= 1.0 + static_cast<double>(exp_neg(0.0f - a).t);
  } else {
    lin += static_cast<double>(a);
    prod *= 1.0 + static_cast<double>(exp_neg(-2.0f * a).t);
  }
}

// One block's lanes, portable: every lane with its own float64 accumulators.
template <UnitType T>
void log_partition_block_portable(const float* x, std::size_t n, float beta, double* lin,
                                  double* prod) {
  std::size_t i = 0;
  for (; i + kSumLanes <= n; i += kSumLanes) {
    for (std::size_t l = 0; l < kSumLanes; ++l) log_partition_term<T>(x[i + l], beta, lin[l], prod[l]);
  }
  for (std::size_t l = 0; i + l < n; ++l) log_partition_term<T>(x[i + l], beta, lin[l], prod[l]);
}

#if defined(__AVX512F__)
// The same operations 16 lanes at a time (lanes 0–7 in the low double registers, 8–15 in the
// high ones); the tail touches the lanes of the elements it has only.
template <UnitType T>
void log_partition_block_avx512(const float* x, std::size_t n, float beta, double* lin,
                                double* prod) {
  __m512d lin_lo = _mm512_loadu_pd(lin), lin_hi = _mm512_loadu_pd(lin + 8);
  __m512d prod_lo = _mm512_loadu_pd(prod), prod_hi = _mm512_loadu_pd(prod + 8);
  const __m512 b = _mm512_set1_ps(beta);
  const __m512d one = _mm512_set1_pd(1.0);
  const auto step = [&](__m512 xv, __mmask16 k) {
    const __m512 y = _mm512_mul_ps(b, xv);
    const __m512 a = abs16(y);
    __m512 l, t;
    if constexpr (T == UnitType::bernoulli) {
      l = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(y, _mm512_setzero_ps(), _CMP_GT_OQ), y);
      t = exp_neg16(_mm512_sub_ps(_mm512_setzero_ps(), a)).t;
    } else {
      l = a;
      t = exp_neg16(_mm512_mul_ps(_mm512_set1_ps(-2.0f), a)).t;
    }
    const auto klo = static_cast<__mmask8>(k & 0xFF), khi = static_cast<__mmask8>(k >> 8);
    const __m512d l_lo = _mm512_cvtps_pd(_mm512_castps512_ps256(l));
    const __m512d l_hi = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(l), 1)));
    const __m512d t_lo = _mm512_cvtps_pd(_mm512_castps512_ps256(t));
    const __m512d t_hi = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(t), 1)));
    lin_lo = _mm512_mask_add_pd(lin_lo, klo, lin_lo, l_lo);
    lin_hi = _mm512_mask_add_pd(lin_hi, khi, lin_hi, l_hi);
    prod_lo = _mm512_mask_mul_pd(prod_lo, klo, prod_lo, _mm512_add_pd(one, t_lo));
    prod_hi = _mm512_mask_mul_pd(prod_hi, khi, prod_hi, _mm512_add_pd(one, t_hi));
  };
  std::size_t i = 0;
  for (; i + kSumLanes <= n; i += kSumLanes) step(_mm512_loadu_ps(x + i), 0xFFFF);
  if (i < n) {
    const auto k = static_cast<__mmask16>((1u << (n - i)) - 1);
    step(_mm512_maskz_loadu_ps(k, x + i), k);
  }
  _mm512_storeu_pd(lin, lin_lo);
  _mm512_storeu_pd(lin + 8, lin_hi);
  _mm512_storeu_pd(prod, prod_lo);
  _mm512_storeu_pd(prod + 8, prod_hi);
}
#endif

template <UnitType T>
double log_partition_sum_t(const float* x, std::size_t n, float beta, bool vector) {
  double lin[kSumLanes] = {};
  double log_product = 0.0;
  for (std::size_t b0 = 0; b0 < n; b0 += kSumBlock) {
    const std::size_t m = std::min(n - b0, kSumBlock);
    double prod[kSumLanes];
    for (double& p : prod) p = 1.0;
#if defined(__AVX512F__)
    if (vector) {
      log_partition_block_avx512<T>(x + b0, m, beta, lin, prod);
    } else {
      log_partition_block_portable<T>(x + b0, m, beta, lin, prod);
    }
#else
    (void)vector;
    log_partition_block_portable<T>(x + b0, m, beta, lin, prod);
#endif
    double p = 1.0;
    for (double q : prod) p *= q;
    log_product += std::log(p);
  }
  double sum = 0.0;
  for (double v : lin) sum += v;
  return sum + log_product;
}

}  // namespace

double log_partition_sum_portable(UnitType type, const float* x, std::size_t n, float beta) {
  require_binary(type);
  return type == UnitType::bernoulli ? log_partition_sum_t<UnitType::bernoulli>(x, n, beta, false)
                                     : log_partition_sum_t<UnitType::spin>(x, n, beta, false);
}

double log_partition_sum(UnitType type, const float* x, std::size_t n, float beta) {
  require_binary(type);
  return type == UnitType::bernoulli ? log_partition_sum_t<UnitType::bernoulli>(x, n, beta, kAvx512)
                                     : log_partition_sum_t<UnitType::spin>(x, n, beta, kAvx512);
}

double dot_f64(const float* __restrict x, const float* __restrict a, std::size_t n) {
  constexpr std::size_t kLanes = 8;
  double acc[kLanes] = {};
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (std::size_t l = 0; l < kLanes; ++l) {
      acc[l] += static_cast<double>(x[i + l]) * static_cast<double>(a[i + l]);
    }
  }
  for (std::size_t l = 0; i + l < n; ++l) acc[l] += static_cast<double>(x[i + l]) * static_cast<double>(a[i + l]);
  double sum = 0.0;
  for (double v : acc) sum += v;
  return sum;
}

float fast_sigmoid(float x) { return mean_one<UnitType::bernoulli>(x); }
float fast_sigmoid2(float x) { return logistic_from(x, exp_neg(-2.0f * std::fabs(x)).t); }
float fast_tanh(float x) { return mean_one<UnitType::spin>(x); }

void mean_portable(UnitType type, std::span<float> x) {
  require_binary(type);
  if (type == UnitType::bernoulli) mean_portable_t<UnitType::bernoulli>(x);
  else mean_portable_t<UnitType::spin>(x);
}

void sample_portable(UnitType type, std::span<float> x, const std::uint32_t* words, float* mean) {
  require_binary(type);
  if (type == UnitType::bernoulli) sample_portable_t<UnitType::bernoulli>(x, words, mean);
  else sample_portable_t<UnitType::spin>(x, words, mean);
}

#if defined(__AVX512F__)
void mean_avx512(UnitType type, std::span<float> x) {
  require_binary(type);
  if (type == UnitType::bernoulli) mean_avx512_t<UnitType::bernoulli>(x);
  else mean_avx512_t<UnitType::spin>(x);
}

void sample_avx512(UnitType type, std::span<float> x, const std::uint32_t* words, float* mean) {
  require_binary(type);
  if (type == UnitType::bernoulli) sample_avx512_t<UnitType::bernoulli>(x, words, mean);
  else sample_avx512_t<UnitType::spin>(x, words, mean);
}
#endif

void mean(UnitType type, std::span<float> x) {
#if defined(__AVX512F__)
  mean_avx512(type, x);
#else
  mean_portable(type, x);
#endif
}

void sample(UnitType type, std::span<float> x, const std::uint32_t* words, float* mean) {
#if defined(__AVX512F__)
  sample_avx512(type, x, words, mean);
#else
  sample_portable(type, x, words, mean);
#endif
}

void sample(UnitType type, std::span<float> x, Rng& rng, float* mean) {
  require_binary(type);
  // Below this size a BulkStream's 1,024-word refill costs more than drawing word by word.
  constexpr std::size_t kBulkMin = 256;
  if (x.size() < kBulkMin) {
    std::uint32_t words[kBulkMin];
    for (std::size_t i = 0; i < x.size(); ++i) words[i] = rng();
    sample(type, x, words, mean);
    return;
  }
  BulkStream stream(rng);  // writes rng's new position back when it goes out of scope
  for (std::size_t i = 0; i < x.size(); i += BulkStream::kMaxPeek) {
    const std::size_t k = std::min(BulkStream::kMaxPeek, x.size() - i);
    sample(type, x.subspan(i, k), stream.peek(k), mean != nullptr ? mean + i : nullptr);
    stream.advance(k);
  }
}

}  // namespace rgflow::kernels
