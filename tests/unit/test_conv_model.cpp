// Convolutional RBM (conv/conv_rbm.hpp, conv/log_partition.hpp): fields, free energies and exact
// log Z against the dense-expanded RBM (rbm/rbm.hpp, estimate/exact.hpp, an independent
// implementation); the exact bond representation of the 2D Ising model against Kaufman's
// finite-lattice log Z (ising/exact.hpp); thread-count independence of sampling.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstdint>
#include <tuple>

#include "rgflow/conv/conv_rbm.hpp"
#include "rgflow/conv/log_partition.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/estimate/exact.hpp"
#include "rgflow/ising/exact.hpp"
#include "support/conv_exact.hpp"

namespace rgflow::conv {
namespace {

ConvRbm random_model(ConvShape shape, UnitType vt, UnitType ht, std::uint64_t seed, double w_std) {
  ConvRbm m(shape, vt, ht);
  Rng rng(seed, 7);
  for (Index i = 0; i < m.kernels().size(); ++i) m.kernels().data()[i] = static_cast<float>(w_std * rng.normal());
  for (Index c = 0; c < m.hidden_bias().size(); ++c) m.hidden_bias()[c] = static_cast<float>(0.3 * rng.normal());
  m.visible_bias() = static_cast<float>(0.2 * rng.normal());
  return m;
}

MatrixF random_states(Index rows, Index cols, UnitType type, std::uint64_t seed) {
  Rng rng(seed, 9);
  const float off = type == UnitType::spin ? -1.0f : 0.0f;
  MatrixF X(rows, cols);
  for (Index i = 0; i < X.size(); ++i) X.data()[i] = rng.uniform() < 0.5f ? off : 1.0f;
  return X;
}

using Case = std::tuple<UnitType, UnitType, Index, Index, Index, Index>;  // vis, hid, L, K, S, C

class ConvAgainstDense : public ::testing::TestWithParam<Case> {};

TEST_P(ConvAgainstDense, FieldsFreeEnergiesAndLogZMatchTheDenseExpansion) {
  const auto [vt, ht, L, K, S, C] = GetParam();
  const ConvRbm m = random_model(ConvShape{L, K, S, C}, vt, ht, 11, 0.6);
  const Rbm dense = m.to_dense();
  const MatrixF V = random_states(20, m.n_visible(), vt, 1);
  const MatrixF H = random_states(20, m.n_hidden(), ht, 2);
  MatrixF phi_c, phi_d, psi_c, psi_d;
  m.hidden_field(V, phi_c);
  dense.hidden_field(V, phi_d);
  m.visible_field(H, psi_c);
  dense.visible_field(H, psi_d);
  EXPECT_LT((phi_c - phi_d).cwiseAbs().maxCoeff(), 1e-5f);
  EXPECT_LT((psi_c - psi_d).cwiseAbs().maxCoeff(), 1e-5f);
  const VectorD fv_c = m.free_energy_visible(V), fv_d = dense.free_energy_visible(V);
  const VectorD fh_c = m.free_energy_hidden(H), fh_d = dense.free_energy_hidden(H);
  EXPECT_LT((fv_c - fv_d).cwiseAbs().maxCoeff(), 1e-4);
  EXPECT_LT((fh_c - fh_d).cwiseAbs().maxCoeff(), 1e-4);
  const double exact = exact_log_partition(m);
  const double reference = estimate::exact_log_partition(dense);
  EXPECT_NEAR(exact, reference, 1e-9 * std::fabs(reference) + 1e-9);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, ConvAgainstDense,
    ::testing::Values(Case{UnitType::spin, UnitType::spin, 4, 2, 1, 2},       // enumerate v (16 < 32)
                      Case{UnitType::bernoulli, UnitType::bernoulli, 4, 3, 2, 1},  // enumerate h (4)
                      Case{UnitType::spin, UnitType::bernoulli, 4, 2, 2, 3},   // h: 12 units
                      Case{UnitType::bernoulli, UnitType::spin, 3, 3, 1, 1},   // K = L: full wrap
                      Case{UnitType::spin, UnitType::spin, 6, 3, 3, 2}));      // h: 8 units

// The hand-built bond representation of the periodic Ising model (conv_rbm.hpp header).
TEST(ConvIsingBonds, ExactLogZIsKaufmansPlusTheBondConstantAtL4) {
  for (const double K : {0.1, 0.3, ising::critical_coupling(), 0.7}) {
    const ConvRbm m = ising_bond_model(4, K);
    // The float32 kernel represents this coupling (≈ K to 1e-8):
    const double k_model = bond_coupling(static_cast<double>(m.kernels()(0, 0)));
    EXPECT_NEAR(k_model, K, 1e-6);
    const double expected = ising::kaufman(4, k_model).log_z + ising_bond_log_z_shift(4, k_model);
    EXPECT_NEAR(exact_log_partition(m), expected, 1e-9) << "K = " << K;
    EXPECT_EQ(test::bond_model_log_z(m), expected);
  }
}

TEST(ConvIsingBonds, FreeEnergyIsTheIsingEnergyPlusTheConstant) {
  const double K = 0.35;
  const ConvRbm m = ising_bond_model(5, K);
  const double k_model = bond_coupling(static_cast<double>(m.kernels()(0, 0)));
  const MatrixF V = random_states(10, 25, UnitType::spin, 5);
  const VectorD F = m.free_energy_visible(V);
  for (Index r = 0; r < V.rows(); ++r) {
    double bonds = 0.0;  // Σ_<ij> s_i s_j, right and down neighbours
    for (int x = 0; x < 5; ++x) {
      for (int y = 0; y < 5; ++y) {
        bonds += V(r, x * 5 + y) * (V(r, x * 5 + (y + 1) % 5) + V(r, ((x + 1) % 5) * 5 + y));
      }
    }
    EXPECT_NEAR(-F[r], k_model * bonds + ising_bond_log_z_shift(5, k_model), 1e-9);
  }
}

TEST(ConvModel, SamplingIsBitIdenticalForAnyThreadCount) {
  const ConvRbm m = random_model(ConvShape{8, 3, 2, 3}, UnitType::spin, UnitType::bernoulli, 3, 0.5);
  const MatrixF V0 = random_states(37, m.n_visible(), UnitType::spin, 4);
  auto run = [&](int threads) {
    omp_set_num_threads(threads);
    MatrixF V = V0, H;
    Rng rng(42, 1);
    m.gibbs(V, H, 3, rng);
    return std::make_tuple(V, H, rng.position());
  };
  const auto one = run(1), two = run(2), three = run(3);
  omp_set_num_threads(omp_get_num_procs());
  EXPECT_TRUE(std::get<0>(one) == std::get<0>(two) && std::get<0>(one) == std::get<0>(three));
  EXPECT_TRUE(std::get<1>(one) == std::get<1>(two) && std::get<1>(one) == std::get<1>(three));
  EXPECT_EQ(std::get<2>(one), std::get<2>(two));
  // 3 sweeps × 37 rows × (n_hidden + n_visible) uniforms, one word each.
  EXPECT_EQ(std::get<2>(one), 3u * 37u * static_cast<std::uint64_t>(m.n_hidden() + m.n_visible()));
}

TEST(ConvModel, ConditionalMeansMatchSampleFrequencies) {
  // p(h | v) by sampling many copies of one row: the frequency of "on" is σ(sφ) within 5σ.
  const ConvRbm m = random_model(ConvShape{4, 2, 2, 2}, UnitType::spin, UnitType::spin, 8, 0.8);
  const MatrixF v = random_states(1, 16, UnitType::spin, 6);
  const MatrixF V = v.replicate(4000, 1);
  MatrixF H, mean;
  Rng rng(5, 0);
  m.sample_hidden(V, H, rng, &mean);
  for (Index j = 0; j < m.n_hidden(); ++j) {
    const double m_j = mean(0, j), freq = H.col(j).cast<double>().mean();
    EXPECT_NEAR(freq, m_j, 5.0 * std::sqrt((1.0 - m_j * m_j) / 4000.0) + 1e-12);
  }
}

TEST(ConvShapeSpec, ParsesAndRefuses) {
  const ConvShape s = parse_conv_spec("kernel:4,stride:2,channels:3", 16);
  EXPECT_EQ(s, (ConvShape{16, 4, 2, 3}));
  EXPECT_EQ(to_string(s), "kernel:4,stride:2,channels:3");
  EXPECT_EQ(parse_conv_spec("kernel:2", 8), (ConvShape{8, 2, 1, 1}));
  EXPECT_THROW(parse_conv_spec("stride:2", 8), Error);            // no kernel
  EXPECT_THROW(parse_conv_spec("kernel:2,stride:3", 8), Error);   // 3 does not divide 8
  EXPECT_THROW(parse_conv_spec("kernel:9", 8), Error);            // K > L
  EXPECT_THROW(parse_conv_spec("kernel:x", 8), Error);
  EXPECT_THROW(parse_conv_spec("kernel:2,size:3", 8), Error);
  EXPECT_THROW(parse_conv_spec("kernel:-1", 8), Error);
  EXPECT_THROW(ConvRbm(ConvShape{4, 2, 1, 1}, UnitType::gaussian, UnitType::spin), Error);
  EXPECT_THROW(exact_log_partition(ConvRbm(ConvShape{6, 2, 1, 1})), Error);  // 36 units each side
}

}  // namespace
}  // namespace rgflow::conv
