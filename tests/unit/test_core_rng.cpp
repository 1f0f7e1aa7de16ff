// Philox streams: reproducibility, independence of streams, exact resume from a saved state,
// and the distribution of the derived draws against their exact laws.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "rgflow/core/philox_bulk.hpp"
#include "rgflow/core/rng.hpp"

namespace {

using rgflow::Rng;

TEST(Rng, SameSeedAndStreamGiveSameSequence) {
  Rng a(42, 7), b(42, 7);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a(), b());
}

TEST(Rng, DifferentStreamsAndSeedsDiffer) {
  Rng a(42, 0), b(42, 1), c(43, 0);
  int same_ab = 0, same_ac = 0;
  for (int i = 0; i < 1000; ++i) {
    const auto x = a();
    same_ab += x == b();
    same_ac += x == c();
  }
  // Two independent 32-bit streams coincide with probability 2^-32 per draw.
  EXPECT_LE(same_ab, 1);
  EXPECT_LE(same_ac, 1);
}

TEST(Rng, ResumesExactlyFromAnyState) {
  Rng a(123, 5);
  for (int skip = 0; skip < 9; ++skip) {
    (void)a();
    Rng b = Rng::from_state(a.state());
    Rng a_copy = a;
    for (int i = 0; i < 20; ++i) ASSERT_EQ(a_copy(), b()) << "skip " << skip << " draw " << i;
    EXPECT_EQ(a_copy.state(), b.state());
  }
}

TEST(Rng, UniformIsInUnitIntervalWithCorrectMoments) {
  Rng rng(1);
  const int n = 200000;
  double sum = 0, sum2 = 0;
  for (int i = 0; i < n; ++i) {
    const float u = rng.uniform();
    ASSERT_GE(u, 0.0f);
    ASSERT_LT(u, 1.0f);
    sum += u;
    sum2 += double(u) * u;
  }
  const double mean = sum / n, var = sum2 / n - mean * mean;
  // Mean of U[0,1) is 1/2 with standard error sqrt(1/12/n); variance is 1/12.
  EXPECT_NEAR(mean, 0.5, 5 * std::sqrt(1.0 / 12.0 / n));
  EXPECT_NEAR(var, 1.0 / 12.0, 5 * std::sqrt(1.0 / 180.0 / n));
}

TEST(Rng, BelowIsUniformByChiSquare) {
  Rng rng(9, 3);
  const int k = 7, n = 70000;
  std::vector<int> counts(k, 0);
  for (int i = 0; i < n; ++i) counts[rng.below(k)]++;
  double chi2 = 0;
  for (int c : counts) chi2 += (c - n / double(k)) * (c - n / double(k)) / (n / double(k));
  // 6 degrees of freedom: P(chi2 > 22.46) = 0.001.
  EXPECT_LT(chi2, 22.46);
}

TEST(Rng, NormalHasUnitVarianceAndGaussianFourthMoment) {
  Rng rng(77);
  const int n = 200000;
  double s1 = 0, s2 = 0, s4 = 0;
  for (int i = 0; i < n; ++i) {
    const double x = rng.normal();
    s1 += x;
    s2 += x * x;
    s4 += x * x * x * x;
  }
  EXPECT_NEAR(s1 / n, 0.0, 5 / std::sqrt(n));
  EXPECT_NEAR(s2 / n, 1.0, 5 * std::sqrt(2.0 / n));
  EXPECT_NEAR(s4 / n, 3.0, 5 * std::sqrt(96.0 / n));  // Var(x^4) = 105 - 9 = 96
}

// advanced(w) is the stream after w draws, from every position inside a Philox block.
TEST(Rng, AdvancedSkipsExactlyThatManyDraws) {
  for (int start = 0; start < 9; ++start) {
    for (std::uint64_t w : {0u, 1u, 2u, 3u, 4u, 5u, 7u, 8u, 13u, 1000u}) {
      rgflow::Rng drawn(42, 7);
      for (int i = 0; i < start; ++i) drawn();
      const rgflow::Rng skipped = drawn.advanced(w);
      EXPECT_EQ(drawn.position(), static_cast<std::uint64_t>(start));
      for (std::uint64_t i = 0; i < w; ++i) drawn();
      EXPECT_EQ(skipped.position(), drawn.position());
      EXPECT_EQ(skipped.state(), drawn.state()) << "start " << start << " w " << w;
      rgflow::Rng s = skipped;
      for (int i = 0; i < 6; ++i) EXPECT_EQ(s(), drawn());
    }
  }
}

}  // namespace

TEST(Rng, FillUniformEqualsCallsOfUniform) {
  // fill_uniform (AIS's annealing draws) gives the values of n calls of uniform(), bit for bit,
  // from any position inside a block, and leaves the stream where those calls would.
  for (std::uint64_t skip : {0, 1, 2, 3, 4, 5, 1027}) {
    for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{63}, std::size_t{64}, std::size_t{500},
                          std::size_t{1027}, std::size_t{5003}}) {
      rgflow::Rng a(42, 7);
      for (std::uint64_t k = 0; k < skip; ++k) a();
      rgflow::Rng b = a;
      std::vector<float> bulk(n), scalar(n);
      rgflow::fill_uniform(a, bulk.data(), n);
      for (float& u : scalar) u = b.uniform();
      ASSERT_EQ(bulk, scalar) << "skip " << skip << ", n " << n;
      ASSERT_EQ(a.state(), b.state()) << "skip " << skip << ", n " << n;
      ASSERT_EQ(a(), b());
    }
  }
}
