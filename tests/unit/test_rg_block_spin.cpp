// Block-spin rules and MCRG operators on configurations with known answers.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "rgflow/core/error.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/rg/block_spin.hpp"
#include "rgflow/rg/mcrg.hpp"

namespace {

using namespace rgflow::rg;
using Spins = std::vector<std::int8_t>;

Spins random_spins(int L, rgflow::Rng& rng) {
  Spins s(static_cast<std::size_t>(L) * L);
  for (auto& v : s) v = (rng() & 1u) ? 1 : -1;
  return s;
}

TEST(RgBlockSpin, MajorityOddBlockIsTheSignOfTheSum) {
  rgflow::Rng rng(3, 0);
  const int L = 9, b = 3;
  for (int trial = 0; trial < 20; ++trial) {
    const Spins s = random_spins(L, rng);
    const Spins out = block_spins(s, L, b, BlockRule::majority, rng);
    ASSERT_EQ(out.size(), 9u);
    for (int Y = 0; Y < 3; ++Y)
      for (int X = 0; X < 3; ++X) {
        int sum = 0;
        for (int y = 0; y < 3; ++y)
          for (int x = 0; x < 3; ++x) sum += s[(3 * Y + y) * L + 3 * X + x];
        EXPECT_EQ(out[Y * 3 + X], sum > 0 ? 1 : -1);
      }
  }
}

TEST(RgBlockSpin, DecimationKeepsTopLeftSpin) {
  rgflow::Rng rng(4, 0);
  const int L = 8;
  const Spins s = random_spins(L, rng);
  const Spins out = block_spins(s, L, 2, BlockRule::decimation, rng);
  for (int Y = 0; Y < 4; ++Y)
    for (int X = 0; X < 4; ++X) EXPECT_EQ(out[Y * 4 + X], s[(2 * Y) * L + 2 * X]);
}

TEST(RgBlockSpin, MajorityTiesAreFairCoins) {
  // A 2x2 block with sum 0: over many ties the block spin averages 0 (a fixed tie-break gives ±1).
  const Spins tie = {1, -1, -1, 1};
  rgflow::Rng rng(5, 0);
  const int n = 20000;
  double sum = 0.0;
  for (int i = 0; i < n; ++i) sum += block_spins(tie, 2, 2, BlockRule::majority, rng)[0];
  EXPECT_LT(std::abs(sum / n), 4.0 / std::sqrt(n));
  // Infinite temperature: majority blocks of iid spins have mean 0 as well.
  const auto batch_in = [] {
    rgflow::Rng r(6, 0);
    Spins all;
    for (int i = 0; i < 500; ++i) {
      const Spins s = random_spins(8, r);
      all.insert(all.end(), s.begin(), s.end());
    }
    return all;
  }();
  const Spins blocked = block_spins_batch(batch_in, 500, 8, 2, BlockRule::majority, 7);
  double m = 0.0;
  for (auto v : blocked) m += v;
  EXPECT_LT(std::abs(m / blocked.size()), 4.0 / std::sqrt(blocked.size()));
}

TEST(RgBlockSpin, BatchEqualsPerSampleStreams) {
  rgflow::Rng rng(8, 0);
  const int L = 8, n = 5;
  Spins all;
  for (int i = 0; i < n; ++i) {
    const Spins s = random_spins(L, rng);
    all.insert(all.end(), s.begin(), s.end());
  }
  const Spins batch = block_spins_batch(all, n, L, 2, BlockRule::majority, 42);
  for (int i = 0; i < n; ++i) {
    rgflow::Rng r(42, static_cast<std::uint64_t>(i));
    const Spins one = block_spins(std::span(all).subspan(i * 64, 64), L, 2, BlockRule::majority, r);
    EXPECT_EQ(Spins(batch.begin() + i * 16, batch.begin() + (i + 1) * 16), one);
  }
}

TEST(RgBlockSpin, BadInputThrows) {
  rgflow::Rng rng(1, 0);
  const Spins s(36, 1);
  EXPECT_THROW(block_spins(s, 6, 4, BlockRule::majority, rng), rgflow::Error);
  EXPECT_THROW(block_spins(s, 5, 5, BlockRule::majority, rng), rgflow::Error);  // wrong size
  EXPECT_THROW(parse_block_rule("median"), rgflow::Error);
  EXPECT_EQ(parse_block_rule("decimation"), BlockRule::decimation);
}

TEST(RgOperators, OrderedAndCheckerboardConfigurations) {
  const int L = 4, N = 16;
  const Spins up(N, 1);
  EXPECT_EQ(even_operators(up, L, 4), (std::vector<double>{2.0 * N, 2.0 * N, N, 2.0 * N}));
  EXPECT_EQ(odd_operators(up, L, 2), (std::vector<double>{N, 4.0 * N}));
  Spins chess(N);
  for (int y = 0; y < L; ++y)
    for (int x = 0; x < L; ++x) chess[y * L + x] = ((x + y) % 2) ? -1 : 1;
  EXPECT_EQ(even_operators(chess, L, 4), (std::vector<double>{-2.0 * N, 2.0 * N, N, 2.0 * N}));
  EXPECT_EQ(odd_operators(chess, L, 2), (std::vector<double>{0.0, 0.0}));
}

TEST(RgMcrg, RejectsImpossibleBlocking) {
  const Spins s(10 * 16, 1);
  McrgOptions o;
  o.levels = 1;
  EXPECT_THROW(mcrg(s, 10, 4, o), rgflow::Error);  // 4 -> 2 is below 4x4
  o.even_operators = 5;
  EXPECT_THROW(mcrg(Spins(10 * 64, 1), 10, 8, o), rgflow::Error);
}

}  // namespace
