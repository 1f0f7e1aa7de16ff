// Bulk Philox: the AVX-512 and portable generators produce rgflow::Rng's words exactly, the
// BulkStream continues and hands back Rng's position exactly, and the multi-spin and scalar
// Metropolis sweeps (which now draw through BulkStream) reproduce the chains of the earlier
// per-word Rng kernels bit for bit (hashes recorded from that kernel, commit 79bca80).
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "rgflow/core/rng.hpp"
#include "rgflow/ising/exact.hpp"
#include "rgflow/ising/metropolis.hpp"
#include "rgflow/ising/philox_bulk.hpp"

namespace {

using namespace rgflow;
using namespace rgflow::ising;

std::vector<std::uint32_t> rng_words(std::uint64_t seed, std::uint64_t stream, std::uint64_t first_block,
                                     std::size_t n_blocks) {
  Rng rng = Rng::from_state({seed, stream, first_block, 4});
  std::vector<std::uint32_t> w(4 * n_blocks);
  for (auto& x : w) x = rng();
  return w;
}

TEST(IsingPhiloxBulk, PortableMatchesRng) {
  for (const std::uint64_t first : {std::uint64_t{0}, std::uint64_t{12345}, (std::uint64_t{1} << 32) - 3}) {
    std::vector<std::uint32_t> out(4 * 37);
    philox_blocks_portable(0xDEADBEEFCAFEull, (std::uint64_t{7} << 32) | 9, first, 37, out);
    EXPECT_EQ(out, rng_words(0xDEADBEEFCAFEull, (std::uint64_t{7} << 32) | 9, first, 37)) << first;
  }
}

TEST(IsingPhiloxBulk, Avx512MatchesPortable) {
#if defined(__AVX512F__)
  for (const std::size_t n : {std::size_t{1}, std::size_t{8}, std::size_t{29}, std::size_t{256}})
    for (const std::uint64_t first : {std::uint64_t{0}, std::uint64_t{77}, (std::uint64_t{1} << 32) - 5}) {
      std::vector<std::uint32_t> a(4 * n), b(4 * n);
      philox_blocks_avx512(42, 3, first, n, a);
      philox_blocks_portable(42, 3, first, n, b);
      EXPECT_EQ(a, b) << n << " " << first;
    }
  EXPECT_TRUE(kPhiloxAvx512);
#else
  GTEST_SKIP() << "built without __AVX512F__: only the portable generator exists";
#endif
}

TEST(IsingPhiloxBulk, StreamContinuesAndHandsBackRngPosition) {
  for (const int skip : {0, 1, 2, 3, 5}) {
    Rng a(11, 4), b(11, 4);
    for (int i = 0; i < skip; ++i) { (void)a(); (void)b(); }
    {
      BulkStream s(b);
      for (int i = 0; i < 2000; ++i) ASSERT_EQ(s.next_u64(), a.next_u64()) << skip << " " << i;
      (void)s.next_u32();
      (void)a();
    }
    for (int i = 0; i < 9; ++i) EXPECT_EQ(b(), a()) << skip;  // position written back
    EXPECT_EQ(b.state(), a.state());
  }
}

std::uint64_t sweep_hash(int L, std::uint32_t& next) {
  MetropolisMultiSpin m({L, critical_temperature(), 1.0, 0.0});
  std::vector<std::uint64_t> w(static_cast<std::size_t>(L) * L);
  Rng init(9, 1);
  for (auto& x : w) x = init.next_u64();
  Rng rng(3, 5);
  (void)rng();  // odd position: 64-bit draws straddle Philox blocks
  for (int s = 0; s < 10; ++s) m.sweep(w, rng);
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a over the words
  for (const auto x : w) { h ^= x; h *= 1099511628211ull; }
  next = rng();
  return h;
}

TEST(IsingPhiloxBulk, MultiSpinSweepIsBitIdenticalToThePerWordKernel) {
  std::uint32_t next = 0;
  EXPECT_EQ(sweep_hash(16, next), 0xcfe5f8cbe01c2d8aull);
  EXPECT_EQ(next, 2632889874u);
  EXPECT_EQ(sweep_hash(17, next), 0x9811f7ad21ed28d9ull);
  EXPECT_EQ(next, 1905950348u);
}

std::uint64_t scalar_sweep_hash(int L, std::uint32_t& next) {
  MetropolisScalar m({L, critical_temperature(), 1.0, 0.0});
  std::vector<std::int8_t> s(static_cast<std::size_t>(L) * L);
  Rng init(9, 1);
  for (auto& x : s) x = (init() & 1) ? 1 : -1;
  Rng rng(3, 5);
  (void)rng();
  for (int k = 0; k < 10; ++k) m.sweep(s, rng);
  std::uint64_t h = 1469598103934665603ull;
  for (const auto x : s) { h ^= static_cast<std::uint8_t>(x); h *= 1099511628211ull; }
  next = rng();
  return h;
}

TEST(IsingPhiloxBulk, ScalarSweepIsBitIdenticalToThePerWordKernel) {
  std::uint32_t next = 0;
  EXPECT_EQ(scalar_sweep_hash(16, next), 0x23c9bf1cfb6ddacfull);
  EXPECT_EQ(next, 1117543817u);
  EXPECT_EQ(scalar_sweep_hash(17, next), 0x337dedbf216144deull);
  EXPECT_EQ(next, 3292935200u);
}

}  // namespace
