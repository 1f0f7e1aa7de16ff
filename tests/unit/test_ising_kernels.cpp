// The optimised Ising kernels against straightforward references, exactly:
//  * multi-spin Metropolis: the AVX-512 acceptance kernel (eight bit levels per register, vector
//    neighbour counts for even L) reproduces the portable kernel word for word and leaves the
//    generator at the same position, for even and odd L, zero and non-zero field, ferro- and
//    antiferromagnetic coupling, low and high temperature (one to several threshold groups);
//  * Wolff: the BulkStream / packed-coordinate kernel reproduces a plain per-word Rng
//    implementation written here (seed by Rng::below, neighbours left, right, up, down, one
//    64-bit uniform per aligned neighbour not yet in the cluster) cluster for cluster.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "rgflow/core/rng.hpp"
#include "rgflow/ising/cluster.hpp"
#include "rgflow/ising/exact.hpp"
#include "rgflow/ising/metropolis.hpp"

namespace {

using namespace rgflow;
using namespace rgflow::ising;

struct MsCase {
  int L;
  double T, J, h;
};

TEST(IsingKernels, MultiSpinAvx512MatchesPortable) {
#if defined(__AVX512F__)
  const double tc = critical_temperature();
  const MsCase cases[] = {{2, tc, 1, 0},     {3, tc, 1, 0},      {6, 1.2, 1, 0},    {16, tc, 1, 0},
                          {17, tc, 1, 0.3},  {18, 3.5, 1, 0},    {30, tc, -1, 0},   {32, 2.0, 1, 0.2},
                          {34, tc, 1, -0.7}, {40, 1.0, -1, 0.5}, {15, 0.4, 1, 0.05}};
  for (const auto& c : cases) {
    const MetropolisMultiSpin m({c.L, c.T, c.J, c.h});
    std::vector<std::uint64_t> a(static_cast<std::size_t>(c.L) * c.L);
    Rng init(21, static_cast<std::uint64_t>(c.L));
    for (auto& x : a) x = init.next_u64();
    std::vector<std::uint64_t> b = a;
    Rng ra(5, 7), rb(5, 7);
    (void)ra();  // odd start: 64-bit draws straddle Philox blocks
    (void)rb();
    for (int s = 0; s < 12; ++s) {
      m.sweep_portable(a, ra);
      m.sweep_avx512(b, rb);
      ASSERT_EQ(a, b) << "L " << c.L << " T " << c.T << " h " << c.h << " sweep " << s;
      ASSERT_EQ(ra.state(), rb.state()) << "L " << c.L << " sweep " << s;
    }
    // The sweeps did something: some lane's configuration changed from the start.
    std::vector<std::uint64_t> start(a.size());
    Rng again(21, static_cast<std::uint64_t>(c.L));
    for (auto& x : start) x = again.next_u64();
    EXPECT_NE(a, start) << "L " << c.L;
  }
#else
  GTEST_SKIP() << "built without __AVX512F__: only the portable kernel exists";
#endif
}

// Reference Wolff cluster update on a plain Rng, one word at a time.
std::int64_t reference_wolff(std::vector<std::int8_t>& s, int L, std::uint64_t threshold, Rng& rng) {
  const int seed = static_cast<int>(rng.below(static_cast<std::uint64_t>(L) * L));
  const std::int8_t s0 = s[seed];
  s[seed] = static_cast<std::int8_t>(-s0);
  std::vector<int> stack{seed};
  std::int64_t size = 1;
  while (!stack.empty()) {
    const int i = stack.back();
    stack.pop_back();
    for (const int j : {left_of(i, L), right_of(i, L), up_of(i, L), down_of(i, L)}) {
      if (s[j] == s0 && rng.next_u64() < threshold) {
        s[j] = static_cast<std::int8_t>(-s0);
        stack.push_back(j);
        ++size;
      }
    }
  }
  return size;
}

TEST(IsingKernels, WolffMatchesPerWordReference) {
  for (const int L : {2, 5, 16, 33}) {
    for (const double T : {critical_temperature(), 1.6, 4.0}) {
      const Model model{L, T, 1.0, 0.0};
      const std::uint64_t threshold = Threshold::from_probability(-std::expm1(-2.0 / T)).value;
      Wolff w(model);
      std::vector<std::int8_t> a(static_cast<std::size_t>(L) * L), b;
      Rng init(3, static_cast<std::uint64_t>(L));
      for (auto& x : a) x = (init() & 1u) ? 1 : -1;
      b = a;
      Rng ra(8, 1), rb(8, 1);
      std::int64_t total = 0;
      for (int k = 0; k < 60; ++k) {
        const std::int64_t got = w.flip_cluster(a, ra);
        const std::int64_t want = reference_wolff(b, L, threshold, rb);
        ASSERT_EQ(got, want) << "L " << L << " T " << T << " cluster " << k;
        total += got;
      }
      EXPECT_EQ(a, b) << "L " << L << " T " << T;
      EXPECT_EQ(ra.state(), rb.state()) << "L " << L << " T " << T;
      EXPECT_GT(total, 60) << "some cluster grew beyond its seed";
      // sweep() shares one buffer across clusters: same chain as cluster-by-cluster updates.
      Wolff w2(model), w3(model);
      std::vector<std::int8_t> c = a, d = a;
      Rng rc(4, 4), rd(4, 4);
      w2.sweep(c, rc);
      std::int64_t flipped = 0;
      while (flipped < static_cast<std::int64_t>(L) * L) flipped += w3.flip_cluster(d, rd);
      EXPECT_EQ(c, d) << "L " << L;
      EXPECT_EQ(rc.state(), rd.state()) << "L " << L;
    }
  }
}

}  // namespace
