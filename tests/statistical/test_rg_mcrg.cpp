// Swendsen's MCRG on Wolff configurations at T_c recovers the exact 2D Ising eigenvalue
// exponents y_t = 1 and y_h = 15/8. MCRG estimates carry systematic errors on top of the
// statistical ones (truncation to few operators, small blocked lattices, and T_c of the
// nearest-neighbour model not being on the majority rule's fixed point), so the tolerance is
// 4σ plus a stated systematic allowance: 0.08 for y_t, 0.015 for y_h (observed deviations at
// L = 32 with 3 even / 2 odd operators: ≤ 0.045 and ≤ 0.005).
#include <gtest/gtest.h>

#include <cmath>

#include "rgflow/ising/exact.hpp"
#include "rgflow/ising/sampler.hpp"
#include "rgflow/rg/mcrg.hpp"

namespace {

TEST(RgMcrg, CriticalExponentsOfTheIsingModel) {
  using namespace rgflow;
  ising::RunConfig cfg;
  cfg.model = {16, ising::critical_temperature(), 1.0, 0.0};
  cfg.algorithm = ising::Algorithm::wolff;
  cfg.samples = 2000;
  cfg.chains = 4;
  cfg.thermalize = 200;
  cfg.seed = 31;
  const auto r = ising::run(cfg);
  rg::McrgOptions o;
  o.levels = 2;  // 16 -> 8 -> 4
  o.chains = 4;
  o.seed = 5;
  const auto steps = rg::mcrg(r.spins, r.samples, 16, o);
  ASSERT_EQ(steps.size(), 2u);
  for (const auto& s : steps) {
    EXPECT_LT(std::abs(s.y_t.mean - 1.0), 4.0 * s.y_t.error + 0.08)
        << s.from_size << "->" << s.to_size << " y_t " << s.y_t.mean << " ± " << s.y_t.error;
    EXPECT_LT(std::abs(s.y_h.mean - 1.875), 4.0 * s.y_h.error + 0.015)
        << s.from_size << "->" << s.to_size << " y_h " << s.y_h.mean << " ± " << s.y_h.error;
    EXPECT_LT(s.y_t.error, 0.1);
    EXPECT_LT(s.y_h.error, 0.02);
  }
}

TEST(RgMcrg, HighTemperatureIsIrrelevantDirection) {
  // Far above T_c the flow goes to K = 0: the leading thermal eigenvalue is below 1 (y_t < 0).
  using namespace rgflow;
  ising::RunConfig cfg;
  cfg.model = {16, 5.0, 1.0, 0.0};
  cfg.algorithm = ising::Algorithm::metropolis;
  cfg.samples = 64 * 40;
  cfg.sweeps_between = 2;
  cfg.thermalize = 100;
  cfg.seed = 2;
  const auto r = ising::run(cfg);
  rg::McrgOptions o;
  o.levels = 1;
  o.even_operators = 1;
  o.odd_operators = 1;
  o.chains = static_cast<std::size_t>(r.chains);
  const auto steps = rg::mcrg(r.spins, r.samples, 16, o);
  EXPECT_LT(steps[0].y_t.mean + 4.0 * steps[0].y_t.error, 1.0);
  EXPECT_LT(steps[0].y_h.mean + 4.0 * steps[0].y_h.error, 1.875);
}

}  // namespace
