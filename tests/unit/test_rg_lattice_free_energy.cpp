// The free-energy conservation metric of rg/lattice_free_energy.hpp against exact RGs: the 1D
// decimation DBN, the checkerboard decimation of the 2D Ising model and Hinton's transposed layer
// give C = 0; a DBN whose second layer is the wrong ring gives the transfer-matrix value.
#include <gtest/gtest.h>

#include <cmath>

#include "rgflow/core/error.hpp"
#include "rgflow/ising/exact.hpp"
#include "rgflow/rg/lattice_free_energy.hpp"
#include "support/ising_chain.hpp"
#include "support/random_rbm.hpp"

namespace rgflow {
namespace {

using rg::LatticeFreeEnergyOptions;

MatrixF random_spins(Index rows, Index cols, std::uint64_t seed) {
  Rng rng(seed, 3);
  MatrixF x(rows, cols);
  for (Index i = 0; i < x.size(); ++i) x.data()[i] = rng.uniform() < 0.5f ? 1.0f : -1.0f;
  return x;
}

LatticeFreeEnergyOptions exact_options() {
  LatticeFreeEnergyOptions o;
  o.flow.log_z.method = estimate::LogZMethod::exact;
  return o;
}

double ring_log_z(int n, double k) { return test::IsingChain{n, k}.log_partition(); }

// The issue-17 DBN: 16-site ring at K = 0.8, 16 -> 8 -> 4.
TEST(RgLatticeFreeEnergy, ExactChainDecimationConserves) {
  const Dbn dbn = rg::decimation_chain_dbn(16, 0.8, 2);
  const double k0 = dbn.layer(0).weights()(1, 0);  // the float32 K actually stored
  EXPECT_NEAR(k0, 0.8, 4e-6);
  const double k1 = 0.5 * std::log(std::cosh(2.0 * k0));
  EXPECT_NEAR(dbn.layer(1).weights()(1, 0), k1, 1e-10);
  const auto fe = rg::lattice_free_energy(dbn, random_spins(20, 16, 1), exact_options());
  ASSERT_EQ(fe.layers.size(), 2U);
  ASSERT_EQ(fe.change_per_site.size(), 1U);
  EXPECT_NEAR(fe.change_per_site[0].mean, 0.0, 1e-9);
  EXPECT_LT(fe.conservation.mean, 1e-9);
  EXPECT_EQ(fe.conservation.error, 0.0);  // every term exact
  // Layer 0 is the ring at K (gauge-fixed F' = −ln Z), layer 1 the ring at K' = atanh(tanh² K).
  EXPECT_NEAR(fe.layers[0].free_energy.mean, -ring_log_z(16, k0), 1e-9);
  EXPECT_NEAR(fe.layers[1].free_energy.mean, -ring_log_z(8, k1), 1e-8);
  // The step's constant is 8 ln(2√cosh 2K): what the gauge-fixed difference alone used to report,
  // ¼ ln(4 cosh 2K) = 0.583 per site.
  const double constant = 8.0 * std::log(2.0 * std::sqrt(std::cosh(2.0 * k0)));
  EXPECT_NEAR(fe.layers[0].generated_constant.mean, constant, 1e-9);
  EXPECT_NEAR((fe.layers[1].free_energy.mean - fe.layers[0].free_energy.mean) / 16.0,
              0.25 * std::log(4.0 * std::cosh(2.0 * k0)), 1e-9);
  EXPECT_NEAR(fe.layers[1].kept_free_energy_per_site.mean, fe.layers[0].free_energy_per_site.mean, 1e-9);
}

// Three decimations (32 -> 16 -> 8 -> 4): deeper steps carry the float32 rounding of K_k only.
TEST(RgLatticeFreeEnergy, DeeperChainDecimationConserves) {
  const Dbn dbn = rg::decimation_chain_dbn(32, 1.2, 3);
  const auto fe = rg::lattice_free_energy(dbn, random_spins(10, 32, 2), exact_options());
  ASSERT_EQ(fe.change_per_site.size(), 2U);
  // Δ_1 = [ln Z_8(K_2 exact) − ln Z_8(K_2 stored)]/32 ≤ 8 · 3e-8 K_2 / 32.
  EXPECT_LT(fe.conservation.mean, 1e-8);
}

// Not an exact RG: layer 1 models the 8-ring at 0.3 instead of K' = 0.4734. Δ is then
// ⟨ln p_1 − ln p^h_0⟩_uniform / 16 = [ln Z_8(K') − ln Z_8(0.3)] / 16 (the energy terms average to
// 0 over uniform states).
TEST(RgLatticeFreeEnergy, WrongSecondLayerGivesTransferMatrixValue) {
  Dbn dbn = rg::decimation_chain_dbn(16, 0.8, 2);
  const double k1 = 0.5 * std::log(std::cosh(2.0 * static_cast<double>(dbn.layer(0).weights()(1, 0))));
  Rbm& top = dbn.layer(1);
  for (Index i = 0; i < top.weights().size(); ++i) {
    if (top.weights().data()[i] != 0.0F && top.weights().data()[i] < 1.0F) top.weights().data()[i] = 0.3F;
  }
  const auto fe = rg::lattice_free_energy(dbn, random_spins(20, 16, 1), exact_options());
  const double expected = (ring_log_z(8, k1) - ring_log_z(8, static_cast<double>(0.3F))) / 16.0;
  EXPECT_NEAR(fe.change_per_site[0].mean, expected, 1e-9);
  EXPECT_GT(fe.conservation.mean, 0.01);
}

// AIS: within 3 σ of 0 (and the σ small enough to mean something).
TEST(RgLatticeFreeEnergy, ExactChainDecimationConservesWithAis) {
  const Dbn dbn = rg::decimation_chain_dbn(16, 0.8, 2);
  LatticeFreeEnergyOptions o;
  o.flow.log_z.method = estimate::LogZMethod::ais;
  o.flow.log_z.ais.chains = 200;
  o.flow.log_z.ais.betas = estimate::linear_ais_schedule(3000);
  o.flow.log_z.ais.seed = 5;
  test::IsingChain chain{16, 0.8};
  const auto fe = rg::lattice_free_energy(dbn, test::sample_ising_chain(chain, 500, 4), o);
  const auto& d = fe.change_per_site[0];
  EXPECT_GT(d.error, 0.0);
  EXPECT_LT(d.error, 0.01);  // measured 0.0073
  EXPECT_LT(std::fabs(d.mean), 3.0 * d.error) << d.mean << " ± " << d.error;
}

// 2D: decimation of the black sublattice of the 4 × 4 and 6 × 6 Ising models.
TEST(RgLatticeFreeEnergy, CheckerboardDecimationConserves) {
  for (const int L : {4, 6}) {
    const double K = 0.4406868;
    const Dbn dbn = rg::checkerboard_decimation_dbn(L, K);
    const Index n = Index{L} * L;
    LatticeFreeEnergyOptions o = exact_options();
    o.lattice_size = L;
    o.temperature = 1.0 / static_cast<double>(static_cast<float>(K));
    const auto fe = rg::lattice_free_energy(dbn, random_spins(10, n, 3), o);
    ASSERT_EQ(fe.change_per_site.size(), 1U);
    EXPECT_LT(fe.conservation.mean, 1e-9) << "L = " << L;
    // Layer 0's marginal is the Ising model at K: F'_0 per site = −ln Z_Kaufman / L².
    ASSERT_TRUE(fe.ising_per_site);
    EXPECT_NEAR(fe.layers[0].free_energy_per_site.mean, *fe.ising_per_site, 1e-9) << "L = " << L;
    EXPECT_NEAR(fe.layers[1].kept_free_energy_per_site.mean, *fe.ising_per_site, 1e-9) << "L = " << L;
  }
}

// Hinton's tight case: layer 1 = layer 0 transposed models layer 0's hidden marginal exactly, for
// any weights and biases (spin and Bernoulli units): C = 0.
TEST(RgLatticeFreeEnergy, TransposedLayerConserves) {
  for (const UnitType type : {UnitType::spin, UnitType::bernoulli}) {
    const Rbm first = test::random_rbm(7, 5, type, type, 11, 0.7, 0.4, 0);
    Rbm second(5, 7, type, type);
    second.weights() = first.weights().transpose();
    second.visible_bias() = first.hidden_bias();
    second.hidden_bias() = first.visible_bias();
    const Dbn dbn({first, second});
    MatrixF data = random_spins(10, 7, 4);
    if (type == UnitType::bernoulli) data = (data.array() + 1.0F) / 2.0F;
    const auto fe = rg::lattice_free_energy(dbn, data, exact_options());
    EXPECT_LT(fe.conservation.mean, 1e-10) << to_string(type);
  }
}

TEST(RgLatticeFreeEnergy, BuildersRejectBadShapes) {
  EXPECT_THROW(rg::decimation_chain_dbn(12, 0.8, 3), Error);  // 12 / 4 = 3: odd
  EXPECT_THROW(rg::decimation_chain_dbn(16, -0.1, 2), Error);
  EXPECT_THROW(rg::decimation_chain_dbn(16, 0.8, 2, 2.0), Error);
  EXPECT_THROW(rg::checkerboard_decimation_dbn(5, 0.4), Error);
  EXPECT_THROW(rg::checkerboard_decimation_dbn(2, 0.4), Error);
}

}  // namespace
}  // namespace rgflow
