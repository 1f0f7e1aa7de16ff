// The sandpile kernel and the exact checks of docs/soc.md: det Δ = number of recurrent
// configurations (enumeration), the abelian property, the burning test against an independent
// criterion, the burning bijection, Dhar's Green-function mean avalanche size, and the kernel's
// avalanche observables against a naive reference relaxation written here.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>
#include <vector>

#include "rgflow/core/error.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/soc/exact.hpp"
#include "rgflow/soc/recurrent.hpp"
#include "rgflow/soc/sandpile.hpp"

namespace rgflow::soc {
namespace {

using Config = std::vector<std::uint8_t>;

// A small configuration (≤ 32 sites, values 0..3) as an integer key.
std::uint64_t key(const Config& z) {
  std::uint64_t k = 0;
  for (std::size_t i = 0; i < z.size(); ++i) k |= std::uint64_t{z[i]} << (2 * i);
  return k;
}

Config random_stable(int L, Rng& rng) {
  Config z(static_cast<std::size_t>(L) * L);
  for (auto& h : z) h = static_cast<std::uint8_t>(rng.below(4));
  return z;
}

// Naive reference: parallel update by scanning the whole lattice each step.
struct Reference {
  Config z;
  Avalanche a;
};
Reference naive_relax(int L, Config z) {
  Reference r;
  std::vector<int> toppled(z.size(), 0);
  for (;;) {
    std::vector<int> unstable;
    for (int i = 0; i < L * L; ++i)
      if (z[static_cast<std::size_t>(i)] >= 4) unstable.push_back(i);
    if (unstable.empty()) break;
    ++r.a.duration;
    for (const int i : unstable) {
      z[static_cast<std::size_t>(i)] -= 4;
      ++r.a.size;
      ++toppled[static_cast<std::size_t>(i)];
      const int x = i % L, y = i / L;
      if (x > 0) ++z[static_cast<std::size_t>(i - 1)];
      if (x < L - 1) ++z[static_cast<std::size_t>(i + 1)];
      if (y > 0) ++z[static_cast<std::size_t>(i - L)];
      if (y < L - 1) ++z[static_cast<std::size_t>(i + L)];
    }
  }
  double sx = 0, sy = 0, sxx = 0;
  for (int i = 0; i < L * L; ++i)
    if (toppled[static_cast<std::size_t>(i)]) {
      ++r.a.area;
      sx += i % L;
      sy += i / L;
      sxx += (i % L) * (i % L) + (i / L) * (i / L);
    }
  if (r.a.area > 0) {
    const double n = static_cast<double>(r.a.area);
    r.a.radius = std::sqrt(std::max(0.0, sxx / n - (sx / n) * (sx / n) - (sy / n) * (sy / n)));
  }
  r.z = z;
  return r;
}

// Δ as a dense matrix, built here independently of the library.
Eigen::MatrixXd dense_toppling_matrix(int L) {
  const int n = L * L;
  Eigen::MatrixXd D = Eigen::MatrixXd::Zero(n, n);
  for (int i = 0; i < n; ++i) {
    D(i, i) = 4;
    if (i % L > 0) D(i, i - 1) = -1;
    if (i % L < L - 1) D(i, i + 1) = -1;
    if (i / L > 0) D(i, i - L) = -1;
    if (i / L < L - 1) D(i, i + L) = -1;
  }
  return D;
}

TEST(SocExact, DeterminantMatchesReferenceNumbersAndEigenvalueProduct) {
  EXPECT_EQ(toppling_determinant(1), 4u);
  EXPECT_EQ(toppling_determinant(2), 192u);     // shared/REFERENCES.md
  EXPECT_EQ(toppling_determinant(3), 100352u);  // shared/REFERENCES.md
  for (int L = 1; L <= kMaxExactDeterminantSide; ++L) {
    const double d = static_cast<double>(toppling_determinant(L));
    EXPECT_NEAR(log_toppling_determinant(L), std::log(d), 1e-12 * std::log(d) + 1e-14) << L;
    // And Eigen's LU in double (exact integers well below 2^53 for L <= 4).
    const Eigen::MatrixXd D = dense_toppling_matrix(L);
    EXPECT_NEAR(D.partialPivLu().determinant() / d, 1.0, 1e-11) << L;
  }
  EXPECT_THROW(toppling_determinant(kMaxExactDeterminantSide + 1), Error);
}

TEST(SocExact, RecurrentCountEqualsDeterminant) {
  for (int L = 1; L <= 3; ++L) {
    const auto brute = enumerate_recurrent(L, EnumerationMethod::brute);
    const auto split = enumerate_recurrent(L, EnumerationMethod::split);
    EXPECT_EQ(brute.count, toppling_determinant(L)) << L;
    EXPECT_EQ(split.count, brute.count) << L;
    EXPECT_EQ(split.height_sum, brute.height_sum) << L;
    EXPECT_EQ(brute.burning_tests, std::uint64_t{1} << (2 * L * L)) << L;
  }
  // L = 4: all 4^16 configurations, classified by the split enumeration (the one-by-one
  // brute-force count is the long test test_soc_enumeration_long).
  const auto e4 = enumerate_recurrent(4, EnumerationMethod::split);
  EXPECT_EQ(e4.count, toppling_determinant(4));
  EXPECT_EQ(std::accumulate(e4.height_sum.begin(), e4.height_sum.end(), std::uint64_t{0}), 16 * e4.count);
}

TEST(SocExact, MeanAvalancheSizeIsTheGreenFunctionSum) {
  for (int L = 1; L <= 7; ++L) {
    const int n = L * L;
    const Eigen::MatrixXd D = dense_toppling_matrix(L);
    const double want = D.inverse().sum() / n;
    EXPECT_NEAR(mean_avalanche_size(L), want, 1e-12 * want) << L;
  }
  // One site: its four recurrent heights are equally likely; a grain topples it once from z = 3.
  EXPECT_NEAR(mean_avalanche_size(1), 0.25, 1e-15);
}

TEST(SocExact, InfiniteLatticeHeightProbabilities) {
  const auto p = infinite_lattice_height_probabilities();
  const double ref[4] = {0.073636, 0.173900, 0.306291, 0.446172};  // shared/REFERENCES.md
  for (int z = 0; z < 4; ++z) EXPECT_NEAR(p[static_cast<std::size_t>(z)], ref[z], 1e-6) << z;
  EXPECT_NEAR(p[0] + p[1] + p[2] + p[3], 1.0, 1e-15);
  EXPECT_NEAR(p[1] + 2 * p[2] + 3 * p[3], kInfiniteLatticeMeanHeight, 1e-14);
}

TEST(SocKernel, MatchesNaiveParallelUpdate) {
  Rng rng(11, 0);
  for (int trial = 0; trial < 300; ++trial) {
    const int L = 1 + static_cast<int>(rng.below(9));
    Config z = random_stable(L, rng);
    // Raise some heights so that large avalanches happen.
    for (auto& h : z)
      if (rng.below(3) == 0) h = 3;
    const auto site = static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(L) * L));
    Sandpile pile(L);
    pile.set_heights(z);
    const Avalanche a = pile.add_grain(site);
    Config raised = z;
    ++raised[static_cast<std::size_t>(site)];
    const Reference ref = naive_relax(L, raised);
    ASSERT_EQ(pile.heights(), ref.z) << trial;
    EXPECT_EQ(a.size, ref.a.size);
    EXPECT_EQ(a.area, ref.a.area);
    EXPECT_EQ(a.duration, ref.a.duration);
    EXPECT_NEAR(a.radius, ref.a.radius, 1e-9);
    // The odometer version gives the same avalanche and counts summing to its size.
    Sandpile again(L);
    again.set_heights(z);
    Odometer odo;
    const Avalanche b = again.add_grain(site, odo);
    EXPECT_EQ(again.heights(), ref.z);
    EXPECT_EQ(b.size, a.size);
    EXPECT_EQ(static_cast<std::int64_t>(odo.sites.size()), a.area);
    EXPECT_EQ(std::accumulate(odo.counts.begin(), odo.counts.end(), std::int64_t{0}), a.size);
  }
}

TEST(SocKernel, AbelianProperty) {
  Rng rng(12, 0);
  for (int trial = 0; trial < 60; ++trial) {
    const int L = 2 + static_cast<int>(rng.below(14));
    const Config start = random_stable(L, rng);
    const int grains = 1 + static_cast<int>(rng.below(static_cast<std::uint64_t>(8 * L * L)));
    std::vector<std::int32_t> sites(static_cast<std::size_t>(grains));
    for (auto& s : sites) s = static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(L) * L));
    // Order 1: one at a time, relaxing after each.
    Sandpile a(L);
    a.set_heights(start);
    std::int64_t topplings_a = 0;
    for (const auto s : sites) topplings_a += a.add_grain(s).size;
    // Order 2: a random permutation, relaxing after each.
    std::vector<std::int32_t> shuffled = sites;
    for (std::size_t i = shuffled.size(); i > 1; --i) std::swap(shuffled[i - 1], shuffled[rng.below(i)]);
    Sandpile b(L);
    b.set_heights(start);
    std::int64_t topplings_b = 0;
    for (const auto s : shuffled) topplings_b += b.add_grain(s).size;
    // Order 3: add everything (in chunks that keep heights below the uint8 limit), relax once per chunk.
    Sandpile c(L);
    c.set_heights(start);
    std::int64_t topplings_c = 0;
    std::size_t k = 0;
    while (k < sites.size()) {
      const std::size_t end = std::min(sites.size(), k + 150);
      for (; k < end; ++k) c.add_grain_unrelaxed(sites[k]);
      topplings_c += c.relax().size;
    }
    ASSERT_EQ(a.heights(), b.heights()) << trial;
    ASSERT_EQ(a.heights(), c.heights()) << trial;
    EXPECT_EQ(topplings_a, topplings_b);  // the odometer does not depend on the order either
    EXPECT_EQ(topplings_a, topplings_c);
    EXPECT_TRUE(c.stable());
  }
}

// Independent recurrence criterion (Dhar 1990): add to every site its number of sink edges and
// relax; the configuration is recurrent iff every site toppled exactly once and it came back.
bool recurrent_by_toppling(int L, const Config& z) {
  Sandpile pile(L);
  Config beta = z;
  for (int i = 0; i < L * L; ++i) {
    const int x = i % L, y = i / L;
    beta[static_cast<std::size_t>(i)] += (x == 0) + (x == L - 1) + (y == 0) + (y == L - 1);
  }
  pile.set_heights(beta);
  const Avalanche a = pile.relax();
  return a.size == std::int64_t{L} * L && a.area == std::int64_t{L} * L && pile.heights() == z;
}

TEST(SocRecurrent, BurningTestAgreesWithToppling) {
  Rng rng(13, 0);
  int recurrent = 0;
  for (int trial = 0; trial < 4000; ++trial) {
    const int L = 1 + static_cast<int>(rng.below(6));
    Config z = random_stable(L, rng);
    for (auto& h : z)
      if (rng.below(2) == 0) h = 3;  // bias towards recurrent
    const bool r = is_recurrent(L, z);
    ASSERT_EQ(r, recurrent_by_toppling(L, z)) << trial;
    recurrent += r;
  }
  EXPECT_GT(recurrent, 400);
  EXPECT_LT(recurrent, 3600);
  // Forbidden subconfiguration: two neighbouring zeros.
  Config z(16, 3);
  z[5] = z[6] = 0;
  EXPECT_FALSE(is_recurrent(4, z));
  EXPECT_TRUE(is_recurrent(4, Config(16, 3)));
  EXPECT_THROW(is_recurrent(4, Config(15, 3)), Error);
  EXPECT_THROW(is_recurrent(4, Config(16, 4)), Error);
}

TEST(SocRecurrent, BurningBijectionOnAllOfL3) {
  const int L = 3;
  std::set<std::uint64_t> trees;
  std::uint64_t count = 0;
  Config z(9);
  for (int c = 0; c < (1 << 18); ++c) {
    for (int i = 0; i < 9; ++i) z[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>((c >> (2 * i)) & 3);
    if (!is_recurrent(L, z)) {
      EXPECT_THROW(burning_tree(L, z), Error);
      continue;
    }
    ++count;
    const Config tree = burning_tree(L, z);
    ASSERT_EQ(tree_configuration(L, tree), z) << c;
    trees.insert(key(tree));
  }
  EXPECT_EQ(count, toppling_determinant(L));
  EXPECT_EQ(trees.size(), count);  // distinct configurations give distinct trees
}

TEST(SocRecurrent, TreeConfigurationRejectsCycles) {
  // Site 0 points right, site 1 points left: a 2-cycle.
  Config parent(4, kUp);
  parent[0] = kRight;
  parent[1] = kLeft;
  EXPECT_THROW(tree_configuration(2, parent), Error);
}

TEST(SocRecurrent, WilsonSamplerIsUniformOnL2) {
  const int L = 2;
  const std::uint64_t states = toppling_determinant(L);  // 192
  const int per_state = 100;
  std::map<std::uint64_t, int> hist;
  Rng rng(14, 0);
  for (std::uint64_t k = 0; k < states * per_state; ++k) {
    const Config z = sample_recurrent(L, rng);
    ASSERT_TRUE(is_recurrent(L, z));
    ++hist[key(z)];
  }
  EXPECT_EQ(hist.size(), states);
  double chi2 = 0.0;
  for (const auto& [cfg, n] : hist) chi2 += (n - per_state) * (n - per_state) / double(per_state);
  // χ² with 191 degrees of freedom: mean 191, sd √382 ≈ 19.5; 5 sd is p ≈ 1e-6.
  EXPECT_LT(chi2, 191 + 5 * 19.6);
}

TEST(SocRecurrent, SampledHeightsMatchExactFiniteLatticeValues) {
  for (int L : {3, 4}) {
    const auto e = enumerate_recurrent(L, EnumerationMethod::split);
    const double denom = static_cast<double>(e.count) * L * L;
    Rng rng(15, static_cast<std::uint64_t>(L));
    const int samples = 20000;
    std::vector<double> frac[4];
    for (int s = 0; s < samples; ++s) {
      const Config z = sample_recurrent(L, rng);
      int c[4] = {0, 0, 0, 0};
      for (const auto h : z) ++c[h];
      for (int h = 0; h < 4; ++h) frac[h].push_back(c[h] / double(L * L));
    }
    for (int h = 0; h < 4; ++h) {
      const double exact = static_cast<double>(e.height_sum[static_cast<std::size_t>(h)]) / denom;
      const double mean = std::accumulate(frac[h].begin(), frac[h].end(), 0.0) / samples;
      double var = 0;
      for (const double f : frac[h]) var += (f - mean) * (f - mean);
      const double se = std::sqrt(var / (samples - 1) / samples);
      EXPECT_LT(std::abs(mean - exact), 4 * se) << "L=" << L << " z=" << h << " exact " << exact;
    }
  }
}

TEST(SocKernel, AddConfigurationsIsTheGroupOperation) {
  // ⊕ is commutative and associative (abelian relaxation), and recurrent configurations are
  // closed under it.
  Rng rng(16, 0);
  for (int trial = 0; trial < 40; ++trial) {
    const int L = 2 + static_cast<int>(rng.below(10));
    const Config a = sample_recurrent(L, rng), b = sample_recurrent(L, rng), c = sample_recurrent(L, rng);
    EXPECT_EQ(add_configurations(L, a, b), add_configurations(L, b, a));
    EXPECT_EQ(add_configurations(L, add_configurations(L, a, b), c),
              add_configurations(L, a, add_configurations(L, b, c)));
    EXPECT_TRUE(is_recurrent(L, add_configurations(L, a, b)));
  }
}

TEST(SocKernel, RejectsBadInput) {
  EXPECT_THROW(Sandpile(0), Error);
  EXPECT_THROW(Sandpile(kMaxSide + 1), Error);
  Sandpile p(3);
  EXPECT_THROW(p.set_heights(Config(8, 0)), Error);
  EXPECT_THROW(p.set_heights(Config(9, kMaxInputHeight + 1)), Error);
  EXPECT_THROW(p.add_grain_unrelaxed(9), Error);
  EXPECT_THROW(add_configurations(3, Config(9, 4), Config(9, 0)), Error);
}

}  // namespace
}  // namespace rgflow::soc
