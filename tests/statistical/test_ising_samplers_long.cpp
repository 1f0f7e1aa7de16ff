// Heavier sampler checks (label "long", run with ctest -L long): larger lattices at T_c, where
// critical slowing down makes local updates slow, and the Binder cumulant near its known value.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "rgflow/ising/exact.hpp"
#include "rgflow/ising/observables.hpp"
#include "rgflow/ising/sampler.hpp"

namespace {

using namespace rgflow::ising;

struct Case {
  Algorithm algorithm;
  int L;
  double T;
  std::int64_t samples;
  int sweeps_between;
  int chains;
};

class SamplerVsKaufmanLong : public ::testing::TestWithParam<Case> {};

TEST_P(SamplerVsKaufmanLong, EnergyAndSpecificHeat) {
  const Case c = GetParam();
  RunConfig cfg;
  cfg.model = {c.L, c.T, 1.0, 0.0};
  cfg.algorithm = c.algorithm;
  cfg.samples = c.samples;
  cfg.sweeps_between = c.sweeps_between;
  cfg.chains = c.chains;
  cfg.thermalize = 2000;
  cfg.seed = 2024;
  cfg.keep_spins = false;
  const auto r = run(cfg);
  const auto o = summarize(r.energy, r.magnetization, static_cast<std::size_t>(r.chains), c.L, c.T);
  const auto exact = kaufman(c.L, 1.0 / c.T);
  const std::string what = algorithm_name(c.algorithm) + " L=" + std::to_string(c.L);
  EXPECT_LT(std::abs(o.energy_per_spin.mean - exact.energy_per_spin), 4.0 * o.energy_per_spin.error)
      << what << " e " << o.energy_per_spin.mean << " ± " << o.energy_per_spin.error << " vs "
      << exact.energy_per_spin;
  EXPECT_LT(std::abs(o.specific_heat_per_spin.mean - exact.specific_heat),
            4.0 * o.specific_heat_per_spin.error)
      << what << " c " << o.specific_heat_per_spin.mean << " ± " << o.specific_heat_per_spin.error
      << " vs " << exact.specific_heat;
  // Binder cumulant at T_c approaches U* ≈ 0.61069 (Salas & Sokal 2000) with small corrections.
  if (c.T == critical_temperature()) {
    EXPECT_NEAR(o.binder.mean, 0.61069, 4.0 * o.binder.error + 0.01) << what;
  }
}

const double Tc = critical_temperature();

INSTANTIATE_TEST_SUITE_P(Ising, SamplerVsKaufmanLong,
                         ::testing::Values(Case{Algorithm::metropolis, 32, Tc, 64 * 1000, 10, 128},
                                           Case{Algorithm::metropolis, 64, 2.0, 64 * 200, 5, 64},
                                           Case{Algorithm::metropolis_scalar, 16, Tc, 20000, 5, 4},
                                           Case{Algorithm::wolff, 32, Tc, 20000, 1, 4},
                                           Case{Algorithm::wolff, 64, Tc, 10000, 1, 4},
                                           Case{Algorithm::swendsen_wang, 32, Tc, 20000, 1, 4},
                                           Case{Algorithm::swendsen_wang, 32, 2.6, 20000, 1, 4}));

}  // namespace
