// The Binder-cumulant crossing of a temperature scan (ising/scan.hpp, as `rgflow ising sample
// --size 8,16 --temperature A:B:n` computes it) lands on T_c: Wolff scans of L = 8 and 16 with
// per-point seeds scan_seed(seed, l, t). Tolerance: 4σ of the propagated error plus a stated
// systematic 0.01 (corrections to scaling at L = 8/16 and linear interpolation on a 0.02 grid;
// the measured deviation is printed).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "rgflow/ising/exact.hpp"
#include "rgflow/ising/observables.hpp"
#include "rgflow/ising/sampler.hpp"
#include "rgflow/ising/scan.hpp"

namespace {

using namespace rgflow;
using namespace rgflow::ising;

TEST(IsingBinderCrossing, ScanOfL8AndL16CrossesAtTc) {
  const std::vector<int> sizes = {8, 16};
  const std::vector<double> temps = parse_temperatures("2.2:2.34:8");
  std::vector<std::vector<stats::Result>> binder(sizes.size());
  for (std::size_t l = 0; l < sizes.size(); ++l)
    for (std::size_t t = 0; t < temps.size(); ++t) {
      RunConfig cfg;
      cfg.model = {sizes[l], temps[t], 1.0, 0.0};
      cfg.algorithm = Algorithm::wolff;
      cfg.samples = 8 * 500;
      cfg.chains = 8;
      cfg.thermalize = 100;
      cfg.seed = scan_seed(2026, l, t);
      cfg.keep_spins = false;
      const auto r = run(cfg);
      binder[l].push_back(summarize(r.energy, r.magnetization, 8, sizes[l], temps[t]).binder);
    }
  const auto c = binder_crossings(temps, sizes, binder);
  ASSERT_EQ(c.size(), 1u);
  ASSERT_TRUE(c[0].found);
  const double tc = critical_temperature();
  std::printf("Binder crossing 8/16: T = %.5f ± %.5f (T_c = %.5f, %+.2f sigma)\n", c[0].temperature.mean,
              c[0].temperature.error, tc, (c[0].temperature.mean - tc) / c[0].temperature.error);
  EXPECT_GT(c[0].temperature.error, 0.0);
  EXPECT_LT(c[0].temperature.error, 0.02);
  EXPECT_LT(std::abs(c[0].temperature.mean - tc), 4.0 * c[0].temperature.error + 0.01);
}

}  // namespace
