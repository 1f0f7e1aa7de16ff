// The fused RBM unit kernels (rbm/sampling_kernels.hpp) against their scalar definitions:
//  * means σ(φ), σ(2φ), tanh φ within a few float ulps of the float64 values over φ ∈ [−90, 90]
//    (tails included, never NaN);
//  * the AVX-512 and portable paths bit-identical (means and samples), every tail length;
//  * sampled frequencies vs σ(φ) (Bernoulli) and σ(2φ) (spin) by a binomial test, fixed seeds;
//  * the stream: one Rng word per unit in order, whether drawn in bulk or word by word, and rng
//    continues right after them; the means written while sampling equal kernels::mean exactly.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace rgflow
