// The driven sandpile (soc/run.hpp): the height distribution of the driven chain against the exact
// finite-lattice values from the enumeration of recurrent configurations (L = 3, 4; from the
// stationary start and from the empty lattice after the documented transient), topplings per
// grain against Dhar's exact value, bit-identical results for any thread count, and option checks.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>

#include "rgflow/core/error.hpp"
#include "rgflow/soc/exact.hpp"
#include "rgflow/soc/recurrent.hpp"
#include "rgflow/soc/run.hpp"

namespace rgflow::soc {
namespace {

TEST(SocRun, DrivenHeightsMatchExactFiniteLatticeValues) {
  for (const int L : {3, 4}) {
    const auto e = enumerate_recurrent(L);
    for (const Start start : {Start::stationary, Start::empty}) {
      RunConfig c;
      c.L = L;
      c.grains = 200000;
      c.lattices = 4;
      c.start = start;
      c.seed = 31;
      const RunResult r = run(c);
      EXPECT_EQ(r.config.transient, start == Start::stationary ? 0 : 4 * L * L);
      for (int z = 0; z < 4; ++z) {
        const double exact = static_cast<double>(e.height_sum[static_cast<std::size_t>(z)]) /
                             (static_cast<double>(e.count) * L * L);
        const auto& p = r.height_probability[static_cast<std::size_t>(z)];
        EXPECT_LT(std::abs(p.mean - exact), 4 * p.error) << "L=" << L << " z=" << z << " start " << start_name(start);
        EXPECT_GT(p.error, 0.0);
      }
      EXPECT_LT(std::abs(r.mean_size.mean - mean_avalanche_size(L)), 4 * r.mean_size.error) << L;
    }
  }
}

TEST(SocRun, BitIdenticalForAnyThreadCount) {
  RunConfig c;
  c.L = 24;
  c.grains = 30000;
  c.lattices = 5;
  c.seed = 4;
  const int before = omp_get_max_threads();
  omp_set_num_threads(1);
  const RunResult a = run(c);
  omp_set_num_threads(2);
  const RunResult b = run(c);
  omp_set_num_threads(before);
  ASSERT_EQ(a.records.size(), b.records.size());
  for (std::size_t i = 0; i < a.records.size(); ++i) {
    ASSERT_EQ(a.records[i].size, b.records[i].size) << i;
    ASSERT_EQ(a.records[i].radius, b.records[i].radius) << i;
  }
  EXPECT_EQ(a.topplings, b.topplings);
  for (int z = 0; z < 4; ++z)
    EXPECT_EQ(a.height_probability[static_cast<std::size_t>(z)].mean, b.height_probability[static_cast<std::size_t>(z)].mean);
  EXPECT_EQ(a.mean_size.error, b.mean_size.error);
}

TEST(SocRun, RejectsBadConfigurations) {
  RunConfig c;
  c.L = 1;
  EXPECT_THROW(c.validate(), Error);
  c.L = 8;
  c.lattices = 0;
  EXPECT_THROW(c.validate(), Error);
  c.lattices = 2;
  c.grains = kMaxRecordedGrains + 1;
  EXPECT_THROW(c.validate(), Error);
  c.grains = 10;
  c.transient = -2;
  EXPECT_THROW(c.validate(), Error);
  EXPECT_THROW(parse_start("sideways"), Error);
}

}  // namespace
}  // namespace rgflow::soc
