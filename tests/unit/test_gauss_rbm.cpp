// Gaussian visible units in Rbm (Cho, Raiko & Ilin 2011 parametrisation): free energies against
// numerical integration / summation of e^{−E(v,h)}, conditional distributions against quadrature,
// and the input checks. Sampler moments: tests/statistical/test_gauss_gibbs_moments.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>

#include "rgflow/core/error.hpp"
#include "rgflow/rbm/rbm.hpp"
#include "support/gaussian_rbm.hpp"

namespace rgflow {
namespace {

using test::random_gaussian_rbm;
using test::state_of;

// Composite Simpson rule on [lo, hi] with n (even) intervals.
double simpson(const std::function<double(double)>& f, double lo, double hi, int n) {
  const double h = (hi - lo) / n;
  double acc = f(lo) + f(hi);
  for (int k = 1; k < n; ++k) acc += (k % 2 ? 4.0 : 2.0) * f(lo + k * h);
  return acc * h / 3.0;
}

class GaussianRbm : public ::testing::TestWithParam<UnitType> {};

TEST_P(GaussianRbm, FreeEnergyVisibleSumsEnergyOverHidden) {
  // F(v) = −log Σ_h e^{−E(v,h)}, with E from Rbm::energy.
  const Rbm rbm = random_gaussian_rbm(3, 4, GetParam(), 7, 0.8, 0.5, 0.5, 1.5);
  MatrixF V(5, 3);
  Rng rng(3, 0);
  for (Index i = 0; i < V.size(); ++i) V.data()[i] = static_cast<float>(2.0 * rng.normal());
  const VectorD F = rbm.free_energy_visible(V);
  for (Index r = 0; r < V.rows(); ++r) {
    double z = 0.0;
    for (std::uint64_t s = 0; s < 16; ++s) {
      z += std::exp(-rbm.energy(V.row(r).transpose(), state_of(s, 4, GetParam())));
    }
    EXPECT_NEAR(F[r], -std::log(z), 1e-5 * (1.0 + std::fabs(F[r]))) << "row " << r;
  }
}

TEST_P(GaussianRbm, FreeEnergyHiddenIntegratesEnergyOverVisible) {
  // F(h) = −log ∫∫ e^{−E(v,h)} dv over two visible units, by a 2-D Simpson rule on ±12σ around
  // the conditional mean (the integrand is a Gaussian; truncation < e^{−72}).
  const Rbm rbm = random_gaussian_rbm(2, 3, GetParam(), 11, 0.9, 0.7, 0.4, 1.3);
  for (std::uint64_t s = 0; s < 8; ++s) {
    const VectorF h = state_of(s, 3, GetParam());
    MatrixF H = h.transpose();
    MatrixF mean;
    rbm.visible_mean(H, mean);
    const double s0 = rbm.visible_sigma()[0], s1 = rbm.visible_sigma()[1];
    const double m0 = mean(0, 0), m1 = mean(0, 1);
    const double integral = simpson(
        [&](double x) {
          return simpson(
              [&](double y) {
                VectorF v(2);
                v << static_cast<float>(x), static_cast<float>(y);
                return std::exp(-rbm.energy(v, h));
              },
              m1 - 12 * s1, m1 + 12 * s1, 160);
        },
        m0 - 12 * s0, m0 + 12 * s0, 160);
    const double F = rbm.free_energy_hidden(H)[0];
    // The integrand goes through float32 v, so the agreement is ~1e-6 relative.
    EXPECT_NEAR(F, -std::log(integral), 2e-5) << "state " << s;
  }
}

TEST_P(GaussianRbm, ConditionalMeansMatchTheEnergy) {
  const Rbm rbm = random_gaussian_rbm(2, 3, GetParam(), 5, 0.9, 0.4, 0.6, 1.6);
  // p(h_j | v) from energy differences: E[h_j|v] vs the two states of unit j.
  MatrixF V(1, 2);
  V << 0.7f, -1.3f;
  MatrixF hm;
  rbm.hidden_mean(V, hm);
  for (Index j = 0; j < 3; ++j) {
    VectorF on = state_of(0b111, 3, GetParam());
    VectorF off = on;
    off[j] = GetParam() == UnitType::spin ? -1.0f : 0.0f;
    const double d = rbm.energy(V.row(0).transpose(), off) - rbm.energy(V.row(0).transpose(), on);
    const double p_on = 1.0 / (1.0 + std::exp(-d));
    const double expected = GetParam() == UnitType::spin ? 2.0 * p_on - 1.0 : p_on;
    EXPECT_NEAR(hm(0, j), expected, 1e-6);
  }
  // E[v_i | h] = ∫ v e^{−E} / ∫ e^{−E} (1-D quadrature in each coordinate, the other at 0).
  const VectorF h = state_of(0b101, 3, GetParam());
  MatrixF vm;
  rbm.visible_mean(MatrixF(h.transpose()), vm);
  for (Index i = 0; i < 2; ++i) {
    const double s = rbm.visible_sigma()[i];
    const auto weight = [&](double x) {
      VectorF v = VectorF::Zero(2);
      v[i] = static_cast<float>(x);
      return std::exp(-rbm.energy(v, h));
    };
    const double lo = vm(0, i) - 12 * s, hi = vm(0, i) + 12 * s;
    const double z = simpson(weight, lo, hi, 2000);
    const double m = simpson([&](double x) { return x * weight(x); }, lo, hi, 2000) / z;
    const double var =
        simpson([&](double x) { return (x - m) * (x - m) * weight(x); }, lo, hi, 2000) / z;
    EXPECT_NEAR(vm(0, i), m, 1e-5);
    EXPECT_NEAR(std::sqrt(var), s, 1e-5);  // p(v_i | h) has standard deviation σ_i
  }
}

INSTANTIATE_TEST_SUITE_P(HiddenTypes, GaussianRbm,
                         ::testing::Values(UnitType::bernoulli, UnitType::spin));

TEST(GaussianRbmChecks, DataMustBeFinite) {
  Rbm rbm(3, 2, UnitType::gaussian);
  MatrixF data = MatrixF::Constant(4, 3, 0.25f);
  data(0, 0) = -7.5f;  // any real value is a state
  EXPECT_NO_THROW(rbm.check_visible_data(data, "d.csv"));
  data(2, 1) = std::numeric_limits<float>::quiet_NaN();
  try {
    rbm.check_visible_data(data, "d.csv");
    FAIL() << "NaN accepted";
  } catch (const FileError& e) {
    EXPECT_NE(std::string(e.what()).find("row 2, column 1"), std::string::npos) << e.what();
  }
  data(2, 1) = std::numeric_limits<float>::infinity();
  EXPECT_THROW(rbm.check_visible_data(data, "d.csv"), FileError);
}

TEST(GaussianRbmChecks, SigmaMustBePositiveAndOneLayerBinary) {
  Rbm rbm(3, 2, UnitType::gaussian);
  EXPECT_TRUE(rbm.visible_sigma().isOnes());
  EXPECT_FALSE(rbm.learn_sigma());
  EXPECT_NO_THROW(rbm.validate());
  rbm.visible_sigma()[1] = 0.0f;
  EXPECT_THROW(rbm.validate(), Error);
  rbm.visible_sigma()[1] = std::numeric_limits<float>::infinity();
  EXPECT_THROW(rbm.validate(), Error);
  // Gaussian hidden units are allowed (units.hpp); Gaussian units on both layers are not.
  EXPECT_NO_THROW(Rbm(3, 2, UnitType::bernoulli, UnitType::gaussian));
  EXPECT_THROW(Rbm(3, 2, UnitType::gaussian, UnitType::gaussian), Error);
}

TEST(GaussianRbmChecks, InitializeCentresTheVisibleBias) {
  Rbm rbm(2, 3, UnitType::gaussian);
  MatrixF data(3, 2);
  data << 1.0f, -2.0f, 2.0f, 4.0f, 6.0f, 1.0f;
  Rng rng(1, 0);
  rbm.initialize(rng, &data);
  EXPECT_FLOAT_EQ(rbm.visible_bias()[0], 3.0f);
  EXPECT_FLOAT_EQ(rbm.visible_bias()[1], 1.0f);
  EXPECT_TRUE(rbm.hidden_bias().isZero());
}

}  // namespace
}  // namespace rgflow
