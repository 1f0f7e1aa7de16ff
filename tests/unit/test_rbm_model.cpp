// The RBM model against brute-force sums over the other layer, for all four pairings of
// Bernoulli/spin units: free energies F(v), F(h) and the conditional means E[h|v], E[v|h].
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include "rgflow/core/error.hpp"
#include "rgflow/rbm/rbm.hpp"
#include "support/random_rbm.hpp"

namespace rgflow {
namespace {

using test::state_of;

// Random parameters of a given scale; the RNG stream is fixed by `seed`.
Rbm random_rbm(Index nv, Index nh, UnitType vt, UnitType ht, std::uint64_t seed, double w_std,
               double b_std) {
  return test::random_rbm(nv, nh, vt, ht, seed, w_std, b_std, /*stream=*/7);
}

MatrixF all_states(Index n, UnitType type) {
  MatrixF out(Index{1} << n, n);
  for (Index s = 0; s < out.rows(); ++s) {
    out.row(s) = state_of(static_cast<std::uint64_t>(s), n, type).transpose();
  }
  return out;
}

using Pairing = std::tuple<UnitType, UnitType>;

class RbmModel : public ::testing::TestWithParam<Pairing> {
 protected:
  UnitType vt() const { return std::get<0>(GetParam()); }
  UnitType ht() const { return std::get<1>(GetParam()); }
};

// Fields here reach |φ| ~ 3; the model computes them in float32 (relative rounding ~6e-8 per
// term, 6 terms) and the free energy sums 5–6 log-partitions, so its absolute error is below
// ~1e-5 · (1 + |F|). The brute-force side is float64 throughout.
constexpr double kFloatTol = 1e-5;

TEST_P(RbmModel, FreeEnergyVisibleIsMinusLogSumOverHidden) {
  const Index nv = 6, nh = 5;
  const Rbm rbm = random_rbm(nv, nh, vt(), ht(), 11, 0.7, 0.5);
  const MatrixF V = all_states(nv, vt());
  const MatrixF H = all_states(nh, ht());
  const VectorD F = rbm.free_energy_visible(V);
  for (Index r = 0; r < V.rows(); ++r) {
    // F(v) = −log Σ_h e^{−E(v,h)}
    double z = 0.0;
    for (Index s = 0; s < H.rows(); ++s) z += std::exp(-rbm.energy(V.row(r), H.row(s)));
    const double expected = -std::log(z);
    EXPECT_NEAR(F[r], expected, kFloatTol * (1.0 + std::fabs(expected))) << "row " << r;
  }
}

TEST_P(RbmModel, FreeEnergyHiddenIsMinusLogSumOverVisible) {
  const Index nv = 6, nh = 5;
  const Rbm rbm = random_rbm(nv, nh, vt(), ht(), 12, 0.7, 0.5);
  const MatrixF V = all_states(nv, vt());
  const MatrixF H = all_states(nh, ht());
  const VectorD F = rbm.free_energy_hidden(H);
  for (Index s = 0; s < H.rows(); ++s) {
    double z = 0.0;
    for (Index r = 0; r < V.rows(); ++r) z += std::exp(-rbm.energy(V.row(r), H.row(s)));
    const double expected = -std::log(z);
    EXPECT_NEAR(F[s], expected, kFloatTol * (1.0 + std::fabs(expected))) << "row " << s;
  }
}

TEST_P(RbmModel, HiddenMeanIsConditionalExpectation) {
  const Index nv = 5, nh = 4;
  const Rbm rbm = random_rbm(nv, nh, vt(), ht(), 13, 0.8, 0.5);
  const MatrixF V = all_states(nv, vt());
  const MatrixF H = all_states(nh, ht());
  MatrixF mean;
  rbm.hidden_mean(V, mean);
  ASSERT_EQ(mean.rows(), V.rows());
  ASSERT_EQ(mean.cols(), nh);
  for (Index r = 0; r < V.rows(); ++r) {
    // E[h | v] = Σ_h h e^{−E(v,h)} / Σ_h e^{−E(v,h)}
    VectorD num = VectorD::Zero(nh);
    double den = 0.0;
    for (Index s = 0; s < H.rows(); ++s) {
      const double w = std::exp(-rbm.energy(V.row(r), H.row(s)));
      num += w * H.row(s).transpose().cast<double>();
      den += w;
    }
    for (Index j = 0; j < nh; ++j) EXPECT_NEAR(mean(r, j), num[j] / den, kFloatTol);
  }
}

TEST_P(RbmModel, VisibleMeanIsConditionalExpectation) {
  const Index nv = 5, nh = 4;
  const Rbm rbm = random_rbm(nv, nh, vt(), ht(), 14, 0.8, 0.5);
  const MatrixF V = all_states(nv, vt());
  const MatrixF H = all_states(nh, ht());
  MatrixF mean;
  rbm.visible_mean(H, mean);
  ASSERT_EQ(mean.rows(), H.rows());
  ASSERT_EQ(mean.cols(), nv);
  for (Index s = 0; s < H.rows(); ++s) {
    VectorD num = VectorD::Zero(nv);
    double den = 0.0;
    for (Index r = 0; r < V.rows(); ++r) {
      const double w = std::exp(-rbm.energy(V.row(r), H.row(s)));
      num += w * V.row(r).transpose().cast<double>();
      den += w;
    }
    for (Index i = 0; i < nv; ++i) EXPECT_NEAR(mean(s, i), num[i] / den, kFloatTol);
  }
}

// Samples are valid states and their average matches the mean: 20000 draws of a ±1 or 0/1
// variable have standard error ≤ 1/√20000 ≈ 0.0071; 5σ = 0.035 (fixed seed).
TEST_P(RbmModel, SamplesAreStatesWithTheConditionalMean) {
  const Index nv = 4, nh = 3, n = 20000;
  const Rbm rbm = random_rbm(nv, nh, vt(), ht(), 15, 0.8, 0.5);
  MatrixF V = MatrixF::Zero(n, nv);
  V.rowwise() = state_of(0b0101, nv, vt()).transpose();
  Rng rng(99, 0);
  MatrixF H, mean;
  rbm.sample_hidden(V, H, rng, &mean);
  for (Index r = 0; r < n; ++r) {
    for (Index j = 0; j < nh; ++j) {
      const float x = H(r, j);
      ASSERT_TRUE(ht() == UnitType::spin ? (x == 1.0f || x == -1.0f) : (x == 0.0f || x == 1.0f));
    }
  }
  const double bound = 5.0 / std::sqrt(static_cast<double>(n));
  for (Index j = 0; j < nh; ++j) {
    EXPECT_NEAR(H.col(j).cast<double>().mean(), mean(0, j), bound) << "hidden unit " << j;
  }
}

std::string pairing_name(const ::testing::TestParamInfo<Pairing>& info) {
  return std::string(to_string(std::get<0>(info.param))) + "_" +
         std::string(to_string(std::get<1>(info.param)));
}

INSTANTIATE_TEST_SUITE_P(AllPairings, RbmModel,
                         ::testing::Combine(::testing::Values(UnitType::bernoulli, UnitType::spin),
                                            ::testing::Values(UnitType::bernoulli, UnitType::spin)),
                         pairing_name);

// Golden value by hand: a = (0.5, −1), b = (2), W = (1.5, −0.25)ᵀ; v = (1, 1), h = (1):
// E = −(0.5 − 1) − 2 − (1.5 − 0.25) = 0.5 − 2 − 1.25 = −2.75.
TEST(RbmEnergy, HandComputedValue) {
  Rbm rbm(2, 1);
  rbm.visible_bias() << 0.5f, -1.0f;
  rbm.hidden_bias() << 2.0f;
  rbm.weights() << 1.5f, -0.25f;
  VectorF v(2), h(1);
  v << 1.0f, 1.0f;
  h << 1.0f;
  EXPECT_DOUBLE_EQ(rbm.energy(v, h), -2.75);
  // F(v) = −aᵀv − softplus(b + Wᵀv) = 0.5 − log(1 + e^{3.25}).
  const MatrixF V = v.transpose();
  EXPECT_NEAR(rbm.free_energy_visible(V)[0], 0.5 - std::log1p(std::exp(3.25)), 1e-6);
}

TEST(RbmConstruction, RejectsEmptyLayersAndGaussianOnBothLayers) {
  EXPECT_THROW(Rbm(0, 3), Error);
  EXPECT_THROW(Rbm(3, 0), Error);
  // Gaussian units on both layers: E unbounded below, no distribution.
  EXPECT_THROW(Rbm(3, 2, UnitType::gaussian, UnitType::gaussian), Error);
  const Rbm rbm(3, 2, UnitType::spin, UnitType::bernoulli);
  EXPECT_EQ(rbm.n_visible(), 3);
  EXPECT_EQ(rbm.n_hidden(), 2);
  EXPECT_EQ(rbm.visible_type(), UnitType::spin);
  EXPECT_EQ(rbm.hidden_type(), UnitType::bernoulli);
}

// Hinton (2010) §8: visible bias log(p/(1−p)) (Bernoulli) or atanh(m) (spin) from the data.
TEST(RbmInitialize, VisibleBiasFromDataMarginals) {
  MatrixF data(4, 2);
  data << 1, 0, 1, 0, 0, 0, 1, 1;  // p = (0.75, 0.25)
  Rng rng(1, 0);
  Rbm bern(2, 3);
  bern.initialize(rng, &data, 0.01f);
  EXPECT_NEAR(bern.visible_bias()[0], std::log(3.0), 1e-6);
  EXPECT_NEAR(bern.visible_bias()[1], -std::log(3.0), 1e-6);
  EXPECT_TRUE(bern.hidden_bias().isZero());

  MatrixF spins = 2.0f * data.array() - 1.0f;  // m = (0.5, −0.5)
  Rbm spin(2, 3, UnitType::spin, UnitType::spin);
  spin.initialize(rng, &spins, 0.01f);
  EXPECT_NEAR(spin.visible_bias()[0], std::atanh(0.5), 1e-6);
  EXPECT_NEAR(spin.visible_bias()[1], -std::atanh(0.5), 1e-6);
}

// 40000 draws of N(0, σ²): the sample standard deviation has relative error 1/√(2·40000) ≈ 0.35%;
// 5σ ≈ 1.8%, so a 2% tolerance (fixed seed).
TEST(RbmInitialize, WeightScale) {
  Rbm rbm(200, 200);
  Rng rng(2, 0);
  rbm.initialize(rng, nullptr, 0.1f);
  const VectorD w = Eigen::Map<const VectorF>(rbm.weights().data(), rbm.weights().size()).cast<double>();
  const double sd = std::sqrt(w.array().square().mean());
  EXPECT_NEAR(sd, 0.1, 0.002);
  EXPECT_TRUE(rbm.visible_bias().isZero());
}

TEST(RbmValidate, RejectsNonFiniteParametersAndBadData) {
  Rbm rbm(3, 2);
  EXPECT_NO_THROW(rbm.validate());
  rbm.weights()(1, 1) = std::nanf("");
  EXPECT_THROW(rbm.validate(), Error);

  const Rbm ok(3, 2);
  MatrixF data(2, 3);
  data << 0, 1, 1, 1, 0, 0;
  EXPECT_NO_THROW(ok.check_visible_data(data, "x.h5"));
  data(1, 2) = 0.5f;
  EXPECT_THROW(ok.check_visible_data(data, "x.h5"), FileError);
  EXPECT_THROW(ok.check_visible_data(MatrixF::Zero(2, 4), "x.h5"), FileError);
  const Rbm spin(3, 2, UnitType::spin, UnitType::spin);
  EXPECT_THROW(spin.check_visible_data(MatrixF::Zero(2, 3), "x.h5"), FileError);
}

}  // namespace
}  // namespace rgflow
