// Exact Ising references against the anchors in shared/REFERENCES.md and brute-force enumeration.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <numeric>

#include "rgflow/core/error.hpp"
#include "rgflow/ising/exact.hpp"

namespace {

using namespace rgflow::ising;

TEST(IsingExact, CriticalPoint) {
  EXPECT_NEAR(critical_temperature(), 2.269185314213, 1e-12);
  EXPECT_NEAR(critical_coupling(), 0.4406867935, 1e-10);
}

TEST(Kaufman, EnergyAnchorsAtTc) {
  const double Kc = critical_coupling();
  EXPECT_NEAR(kaufman(4, Kc).energy_per_spin, -1.56562378764, 1e-9);
  EXPECT_NEAR(kaufman(8, Kc).energy_per_spin, -1.49158910744, 1e-9);
  EXPECT_NEAR(kaufman(16, Kc).energy_per_spin, -1.45306485281, 1e-9);
  EXPECT_NEAR(kaufman(32, Kc).energy_per_spin, -1.43365846615, 1e-9);
  EXPECT_NEAR(kaufman(64, Kc).energy_per_spin, -1.42393838983, 1e-9);
  EXPECT_NEAR(kaufman(64, Kc).specific_heat, 2.19221139314, 1e-9);
}

TEST(Kaufman, MatchesEnumeration) {
  for (int L : {2, 3, 4}) {
    for (double T : {0.5, 1.5, 2.0, critical_temperature(), 3.0, 10.0}) {
      const double K = 1.0 / T;
      const auto k = kaufman(L, K);
      const auto e = enumerate(L, K);
      EXPECT_NEAR(k.log_z, e.log_z, 1e-12 * std::abs(e.log_z)) << "L " << L << " T " << T;
      EXPECT_NEAR(k.energy_per_spin, e.energy_per_spin, 1e-11) << "L " << L << " T " << T;
      EXPECT_NEAR(k.specific_heat, e.specific_heat, 1e-10) << "L " << L << " T " << T;
    }
  }
}

TEST(Kaufman, DerivativesAreConsistentWithLogZ) {
  // u = −(1/N) d ln Z/dK by a central difference of ln Z (independent of the analytic path).
  const int L = 12;
  const double N = L * L;
  for (double K : {0.3, critical_coupling(), 0.6}) {
    const double h = 1e-3;  // fourth-order stencil: truncation ~h⁴, round-off ~ε N/h
    auto f = [&](double k) { return kaufman(L, k).log_z; };
    const double fd = (-f(K + 2 * h) + 8 * f(K + h) - 8 * f(K - h) + f(K - 2 * h)) / (12 * h);
    EXPECT_NEAR(kaufman(L, K).energy_per_spin, -fd / N, 1e-8);
  }
}

TEST(Kaufman, StableForLargeLattices) {
  // Exponentially small finite-size corrections off criticality: L = 256 equals Onsager.
  const double K = 0.5;  // T = 2
  const auto r = kaufman(256, K);
  EXPECT_TRUE(std::isfinite(r.log_z));
  EXPECT_NEAR(r.energy_per_spin, onsager_energy_per_spin(K), 1e-10);
  EXPECT_NEAR(r.specific_heat, onsager_specific_heat(K), 1e-8);
  EXPECT_NEAR(kaufman(512, 2.0).energy_per_spin, onsager_energy_per_spin(2.0), 1e-12);
}

TEST(Onsager, AnchorsAtTEqualsTwo) {
  EXPECT_NEAR(onsager_energy_per_spin(0.5), -1.745564575, 1e-9);
  EXPECT_NEAR(yang_magnetization(0.5), 0.9113193779, 1e-9);
  EXPECT_NEAR(onsager_energy_per_spin(critical_coupling()), -std::numbers::sqrt2, 1e-12);
  EXPECT_EQ(yang_magnetization(0.3), 0.0);
}

TEST(Onsager, SpecificHeatIsMinusKSquaredDuDK) {
  for (double K : {0.2, 0.35, 0.5, 0.8}) {
    const double h = 1e-5;
    const double du = (onsager_energy_per_spin(K + h) - onsager_energy_per_spin(K - h)) / (2 * h);
    EXPECT_NEAR(onsager_specific_heat(K), -K * K * du, 1e-7) << "K " << K;
  }
}

TEST(Enumeration, DensityOfStatesSumsToTwoToTheN) {
  const auto g = enumerate_density_of_states(4);
  EXPECT_EQ(std::accumulate(g.begin(), g.end(), std::uint64_t{0}), std::uint64_t{1} << 16);
  EXPECT_EQ(g[0], 2u);  // the two ground states
  EXPECT_EQ(g[1], 0u);
  EXPECT_EQ(g[4], 32u);  // one flipped spin: 16 sites × 2
}

TEST(IsingExact, BadInputThrows) {
  EXPECT_THROW(kaufman(1, 0.4), rgflow::Error);
  EXPECT_THROW(kaufman(8, -1.0), rgflow::Error);
  EXPECT_THROW(kaufman(8, std::nan("")), rgflow::Error);
  EXPECT_THROW(enumerate_density_of_states(6), rgflow::Error);
}

}  // namespace
