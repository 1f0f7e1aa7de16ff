// The fused RBM unit kernels (rbm/sampling_kernels.hpp) against their scalar definitions:
//  * means σ(φ), σ(2φ), tanh φ within a few float ulps of the float64 values over φ ∈ [−90, 90]
//    (tails included, never NaN);
//  * the AVX-512 and portable paths bit-identical (means and samples), every tail length;
//  * sampled frequencies vs σ(φ) (Bernoulli) and σ(2φ) (spin) by a binomial test, fixed seeds;
//  * the stream: one Rng word per unit in order, whether drawn in bulk or word by word, and rng
//    continues right after them; the means written while sampling equal kernels::mean exactly;
//  * log_partition_sum (the parallel-tempering swap sums) against Σ log1p / float64 definitions,
//    every block and tail length, AVX-512 = portable bit for bit; dot_f64 against a long double
//    sum.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "rgflow/core/rng.hpp"
#include "rgflow/rbm/rbm.hpp"
#include "rgflow/rbm/sampling_kernels.hpp"

namespace rgflow {
namespace {

double sigmoid_d(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// |got − want| ≤ 4 ulp of want (relative 2⁻²²), plus 5e−38 absolute: below φ = −86 the kernel
// returns e^{−86} ≈ 4.5e−38 instead of the (smaller) exact value.
void expect_close(double got, double want, double x, const char* what) {
  ASSERT_TRUE(std::isfinite(got)) << what << "(" << x << ")";
  EXPECT_LE(std::fabs(got - want), 0x1.0p-22 * std::fabs(want) + 5e-38)
      << what << "(" << x << ") = " << got << ", exact " << want;
}

std::vector<float> test_fields(std::size_t n_random, std::uint64_t seed) {
  std::vector<float> x = {0.0f, -0.0f, 1e-30f, -1e-30f, 1e-8f, -1e-8f, 0.17f, -0.17f, 0.35f,
                          -0.35f, 80.0f, -80.0f, 86.0f, -86.0f, 90.0f, -90.0f, 1e4f, -1e4f,
                          std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity()};
  Rng rng(seed);
  for (std::size_t i = 0; i < n_random; ++i) {
    // Half uniform over [−90, 90], half log-uniform magnitudes 1e−7 .. 20 (the accurate core).
    const float u = rng.uniform();
    if (i % 2 == 0) {
      x.push_back(-90.0f + 180.0f * u);
    } else {
      const float mag = static_cast<float>(std::pow(10.0, -7.0 + 8.3 * u));
      x.push_back(rng.uniform() < 0.5f ? mag : -mag);
    }
  }
  return x;
}

TEST(RbmKernels, MeansMatchFloat64Definitions) {
  for (float x : test_fields(200000, 11)) {
    const double xd = x;
    expect_close(kernels::fast_sigmoid(x), sigmoid_d(xd), xd, "sigmoid");
    expect_close(kernels::fast_sigmoid2(x), sigmoid_d(2.0 * xd), xd, "sigmoid2");
    expect_close(kernels::fast_tanh(x), std::tanh(xd), xd, "tanh");
  }
  // The tails are exact where float is: σ(±80) and tanh(±80), tanh(±∞).
  EXPECT_EQ(kernels::fast_sigmoid(80.0f), 1.0f);
  EXPECT_EQ(kernels::fast_tanh(80.0f), 1.0f);
  EXPECT_EQ(kernels::fast_tanh(-80.0f), -1.0f);
  EXPECT_EQ(kernels::fast_sigmoid(0.0f), 0.5f);
  EXPECT_EQ(kernels::fast_tanh(0.0f), 0.0f);
}

TEST(RbmKernels, VectorAndPortablePathsAreBitIdentical) {
  if (!kernels::kAvx512) GTEST_SKIP() << "built without AVX-512: only the portable path exists";
#if defined(__AVX512F__)
  const std::vector<float> base = test_fields(3000, 5);
  std::vector<std::uint32_t> words(base.size());
  Rng rng(77);
  for (auto& w : words) w = rng();
  for (UnitType type : {UnitType::bernoulli, UnitType::spin}) {
    for (std::size_t n : {std::size_t{1}, std::size_t{15}, std::size_t{16}, std::size_t{17},
                          std::size_t{33}, base.size()}) {
      std::vector<float> a(base.begin(), base.begin() + static_cast<std::ptrdiff_t>(n)), b = a;
      std::vector<float> ma = a, mb = a, sa = a, sb = a;
      kernels::mean_avx512(type, ma);
      kernels::mean_portable(type, mb);
      std::vector<float> meana(n), meanb(n);
      kernels::sample_avx512(type, sa, words.data(), meana.data());
      kernels::sample_portable(type, sb, words.data(), meanb.data());
      for (std::size_t i = 0; i < n; ++i) {
        ASSERT_EQ(std::bit_cast<std::uint32_t>(ma[i]), std::bit_cast<std::uint32_t>(mb[i]))
            << to_string(type) << " mean, field " << base[i];
        ASSERT_EQ(sa[i], sb[i]) << to_string(type) << " sample, field " << base[i];
        ASSERT_EQ(std::bit_cast<std::uint32_t>(meana[i]), std::bit_cast<std::uint32_t>(ma[i]));
        ASSERT_EQ(meanb[i], mb[i]);
        ASSERT_FALSE(std::isnan(ma[i]));
      }
    }
  }
#endif
}

// Binomial test: each field value repeated n times, the count of "up" units within 5 standard
// deviations of n·p (p from float64); fixed seed, so the outcome is fixed too.
TEST(RbmKernels, SampledFrequenciesMatchProbabilities) {
  const std::vector<float> phis = {-80.0f, -6.0f, -2.0f, -0.7f, -0.05f, 0.0f, 0.3f, 1.5f, 4.0f, 80.0f};
  constexpr std::size_t n = 40000;
  for (UnitType type : {UnitType::bernoulli, UnitType::spin}) {
    std::vector<float> x;
    for (float phi : phis) x.insert(x.end(), n, phi);
    std::vector<float> mean(x.size());
    Rng rng(2024, 3);
    kernels::sample(type, x, rng, mean.data());
    const float up = 1.0f, down = type == UnitType::bernoulli ? 0.0f : -1.0f;
    for (std::size_t k = 0; k < phis.size(); ++k) {
      const double phi = phis[k];
      const double p = type == UnitType::bernoulli ? sigmoid_d(phi) : sigmoid_d(2.0 * phi);
      std::size_t count = 0;
      for (std::size_t i = k * n; i < (k + 1) * n; ++i) {
        ASSERT_TRUE(x[i] == up || x[i] == down) << x[i];
        count += x[i] == up;
        ASSERT_EQ(mean[i], type == UnitType::bernoulli ? kernels::fast_sigmoid(phis[k])
                                                       : kernels::fast_tanh(phis[k]));
      }
      const double sd = std::sqrt(n * p * (1.0 - p));
      // For p within 1e-30 of 0 or 1 the only allowed outcome is the certain one.
      EXPECT_LE(std::fabs(static_cast<double>(count) - n * p), 5.0 * sd + 1e-9)
          << to_string(type) << " phi " << phi << ": " << count << " of " << n << ", p " << p;
    }
  }
}

// The words used are Rng's, one per unit in order, from any starting position, in bulk or not;
// rng continues right after them.
TEST(RbmKernels, StreamUseMatchesWordByWordDraws) {
  for (std::size_t n : {std::size_t{7}, std::size_t{255}, std::size_t{256}, std::size_t{5000}}) {
    for (int skip = 0; skip < 4; ++skip) {
      Rng rng(9, 4), ref(9, 4);
      for (int s = 0; s < skip; ++s) {
        rng();
        ref();
      }
      Rng field_rng(1);
      std::vector<float> x(n);
      for (auto& v : x) v = 6.0f * field_rng.uniform() - 3.0f;
      std::vector<float> y = x;
      std::vector<std::uint32_t> words(n);
      for (auto& w : words) w = ref();
      kernels::sample(UnitType::spin, x, rng);
      kernels::sample_portable(UnitType::spin, y, words.data(), nullptr);
      EXPECT_EQ(x, y) << "n " << n << " skip " << skip;
      EXPECT_EQ(rng.state(), ref.state()) << "n " << n << " skip " << skip;
      EXPECT_EQ(rng(), ref());
    }
  }
}

// Rbm::sample_hidden's means are exactly Rbm::hidden_mean's, and gaussian is refused by the kernels.
TEST(RbmKernels, RbmSampleMeansEqualRbmMeans) {
  for (UnitType type : {UnitType::bernoulli, UnitType::spin}) {
    Rbm rbm(37, 29, type, type);
    Rng init(3);
    rbm.initialize(init, nullptr, 1.5f);
    MatrixF v(13, 37);
    Rng rng(8);
    for (Index i = 0; i < v.size(); ++i) v.data()[i] = rng.uniform() < 0.5f ? 1.0f : (type == UnitType::spin ? -1.0f : 0.0f);
    MatrixF h, m, m2;
    rbm.sample_hidden(v, h, rng, &m);
    rbm.hidden_mean(v, m2);
    EXPECT_EQ(m, m2);
  }
  std::vector<float> x(4, 0.0f);
  Rng rng(1);
  EXPECT_THROW(kernels::sample(UnitType::gaussian, x, rng), Error);
  EXPECT_THROW(kernels::mean(UnitType::gaussian, x), Error);
}

// Σ_i L(β x_i) in float64 with std::log1p / std::exp, y_i = β·x_i rounded to float as the kernel
// does: softplus(y) = max(y, 0) + log1p(e^{−|y|}), log 2cosh y = |y| + log1p(e^{−2|y|}).
double log_partition_reference(UnitType type, const std::vector<float>& x, std::size_t n, float beta) {
  double s = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double y = static_cast<double>(beta * x[i]);
    s += type == UnitType::bernoulli ? std::max(y, 0.0) + std::log1p(std::exp(-std::fabs(y)))
                                     : std::fabs(y) + std::log1p(std::exp(-2.0 * std::fabs(y)));
  }
  return s;
}

// Each term's only error is that of t = e^{−k|y|} (≤ 2 float ulp, relative 2⁻²²): log(1 + t) is
// then off by ≤ 2⁻²² t/(1 + t) < 2.4e−7; the float64 products and sums add ~1e−16 relative.
TEST(RbmKernels, LogPartitionSumMatchesFloat64Definition) {
  std::vector<float> x = test_fields(1300, 21);
  x.erase(std::remove_if(x.begin(), x.end(), [](float v) { return std::isinf(v); }), x.end());
  for (UnitType type : {UnitType::bernoulli, UnitType::spin}) {
    for (float beta : {1.0f, 0.37f, 0.1f}) {
      for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{15}, std::size_t{16},
                            std::size_t{17}, std::size_t{64}, std::size_t{511}, std::size_t{512},
                            std::size_t{513}, std::size_t{1100}}) {
        const double want = log_partition_reference(type, x, n, beta);
        const double got = kernels::log_partition_sum(type, x.data(), n, beta);
        EXPECT_LE(std::fabs(got - want), 2.4e-7 * static_cast<double>(n) + 1e-13 * std::fabs(want))
            << to_string(type) << " beta " << beta << " n " << n << ": " << got << " vs " << want;
        const double portable = kernels::log_partition_sum_portable(type, x.data(), n, beta);
        EXPECT_EQ(std::bit_cast<std::uint64_t>(got), std::bit_cast<std::uint64_t>(portable))
            << to_string(type) << " n " << n << ": vector and portable paths differ";
      }
    }
  }
  // A block of 512 units at the largest factor (field 0: every 1 + t = 2) stays finite.
  const std::vector<float> zeros(2048, 0.0f);
  EXPECT_NEAR(kernels::log_partition_sum(UnitType::bernoulli, zeros.data(), zeros.size(), 1.0f),
              2048.0 * std::log(2.0), 1e-9);
  EXPECT_THROW(kernels::log_partition_sum(UnitType::gaussian, zeros.data(), 4, 1.0f), Error);
}

TEST(RbmKernels, DotF64MatchesLongDoubleSum) {
  const std::vector<float> a = test_fields(1000, 31);
  Rng rng(5);
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{8},
                        std::size_t{9}, std::size_t{784}, std::size_t{1000}}) {
    std::vector<float> v(n), bounded(a.begin() + 20, a.begin() + 20 + static_cast<std::ptrdiff_t>(n));
    long double want = 0.0L, scale = 0.0L;
    for (std::size_t i = 0; i < n; ++i) {
      v[i] = (rng() & 1u) != 0 ? 1.0f : -1.0f;
      want += static_cast<long double>(v[i]) * bounded[i];
      scale += std::fabs(static_cast<long double>(bounded[i]));
    }
    const double got = kernels::dot_f64(v.data(), bounded.data(), n);
    // Eight lanes of float64 sums: |error| ≤ (n/8 + 8)·2⁻⁵³·Σ|a_i| < 2e−14 Σ|a_i| for n ≤ 1000.
    EXPECT_LE(std::fabs(static_cast<long double>(got) - want), 2e-14L * scale) << "n " << n;
  }
}

}  // namespace
}  // namespace rgflow
