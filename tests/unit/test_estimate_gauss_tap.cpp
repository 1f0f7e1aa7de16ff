// TAP free energy for Gaussian visible units (estimate/tap.hpp) against exact log Z:
// order 1 is a lower bound at every m, order 2 is exact for one hidden unit, the error shrinks with
// the order and scales as w² (order 1) and w⁴ (order 2) for weights of size w, order 3 equals
// order 2; the parameter gradient against finite differences; fixed points are stationary.
#include <gtest/gtest.h>

#include <cmath>

#include "rgflow/core/error.hpp"
#include "rgflow/estimate/exact.hpp"
#include "rgflow/estimate/tap.hpp"
#include "support/gaussian_rbm.hpp"

namespace rgflow::estimate {
namespace {

using test::random_gaussian_rbm;

TapOptions options(int order) {
  TapOptions o;
  o.order = order;
  o.max_iterations = 5000;
  o.damping = 0.3;
  o.tolerance = 1e-13;
  return o;
}

class GaussianTap : public ::testing::TestWithParam<UnitType> {};

TEST_P(GaussianTap, OrderOneIsALowerBoundEverywhere) {
  const Rbm rbm = random_gaussian_rbm(5, 4, GetParam(), 31, 0.6, 0.5, 0.5, 1.5);
  const double log_z = exact_log_partition(rbm);
  Rng rng(5, 0);
  const double lo = GetParam() == UnitType::spin ? -1.0 : 0.0;
  for (int trial = 0; trial < 50; ++trial) {
    VectorD mv(5), mh(4);
    for (Index i = 0; i < 5; ++i) mv[i] = 2.0 * rng.normal();
    for (Index j = 0; j < 4; ++j) mh[j] = lo + (1.0 - lo) * rng.uniform_double();
    EXPECT_GE(log_z, -tap_free_energy(rbm, mv, mh, 1) - 1e-12);
  }
  const double best = tap_log_partition(rbm, options(1)).mean;
  EXPECT_LE(best, log_z + 1e-9);
}

TEST_P(GaussianTap, OrderTwoIsExactForOneHiddenUnit) {
  // Integrating v out leaves a single hidden unit with a self-coupling that order 2 captures fully.
  for (std::uint64_t seed = 0; seed < 5; ++seed) {
    const Rbm rbm = random_gaussian_rbm(6, 1, GetParam(), 40 + seed, 0.8, 0.7, 0.5, 1.5);
    EXPECT_NEAR(tap_log_partition(rbm, options(2)).mean, exact_log_partition(rbm), 1e-9);
    // ... which order 1 misses (so the check above has teeth).
    EXPECT_GT(std::fabs(tap_log_partition(rbm, options(1)).mean - exact_log_partition(rbm)),
              1e-5);
  }
}

TEST_P(GaussianTap, ErrorShrinksWithOrderAndScalesWithTheCoupling) {
  // Weights w·W₀ for w = 0.2 and 0.1: order-1 error ∝ w², order-2 error ∝ w⁴.
  const Rbm base = random_gaussian_rbm(8, 6, GetParam(), 50, 1.0, 0.5, 0.6, 1.4);
  double err[2][2];
  for (int k = 0; k < 2; ++k) {
    Rbm rbm = base;
    rbm.weights() *= k == 0 ? 0.2f : 0.1f;
    const double exact = exact_log_partition(rbm);
    const double e1 = tap_log_partition(rbm, options(1)).mean - exact;
    const double e2 = tap_log_partition(rbm, options(2)).mean - exact;
    const double e3 = tap_log_partition(rbm, options(3)).mean - exact;
    EXPECT_LT(std::fabs(e2), std::fabs(e1)) << "w index " << k;
    EXPECT_EQ(e3, e2);  // Gaussian units have no third cumulant
    err[k][0] = std::fabs(e1);
    err[k][1] = std::fabs(e2);
  }
  const double ratio1 = err[0][0] / err[1][0];
  const double ratio2 = err[0][1] / err[1][1];
  EXPECT_GT(ratio1, 3.0);   // ≈ 4
  EXPECT_LT(ratio1, 5.5);
  EXPECT_GT(ratio2, 11.0);  // ≈ 16
  EXPECT_LT(ratio2, 22.0);
}

TEST_P(GaussianTap, GradientMatchesFiniteDifferences) {
  const Rbm rbm = random_gaussian_rbm(4, 3, GetParam(), 60, 0.7, 0.5, 0.6, 1.4);
  VectorD mv(4), mh(3);
  mv << 0.3, -1.2, 0.8, 2.0;
  mh << 0.2, 0.7, 0.45;
  for (int order = 1; order <= 2; ++order) {
    const TapGradient g = tap_free_energy_gradient(rbm, mv, mh, order);
    // Central differences in float64 on a float32 model: perturb, evaluate, restore.
    const double h = 1e-3;
    const auto fd = [&](float& param) {
      const float keep = param;
      param = static_cast<float>(keep + h);
      const double up = tap_free_energy(rbm, mv, mh, order);
      param = static_cast<float>(keep - h);
      const double down = tap_free_energy(rbm, mv, mh, order);
      param = keep;
      return (up - down) / (2.0 * h);
    };
    Rbm& m = const_cast<Rbm&>(rbm);
    for (Index i = 0; i < 4; ++i) {
      for (Index j = 0; j < 3; ++j) {
        EXPECT_NEAR(g.weights(i, j), fd(m.weights()(i, j)), 2e-4) << i << "," << j;
      }
      EXPECT_NEAR(g.visible_bias[i], fd(m.visible_bias()[i]), 2e-4);
      // ∂/∂log σ = σ ∂/∂σ
      EXPECT_NEAR(g.log_sigma[i], rbm.visible_sigma()[i] * fd(m.visible_sigma()[i]), 5e-4);
    }
    for (Index j = 0; j < 3; ++j) {
      EXPECT_NEAR(g.hidden_bias[j], fd(m.hidden_bias()[j]), 2e-4);
    }
  }
}

TEST_P(GaussianTap, FixedPointIsStationary) {
  const Rbm rbm = random_gaussian_rbm(5, 4, GetParam(), 70, 0.5, 0.5, 0.6, 1.4);
  for (int order = 1; order <= 2; ++order) {
    const TapFixedPoint fp = tap_fixed_point(rbm, options(order));
    ASSERT_TRUE(fp.converged);
    const double h = 1e-6;
    const auto f = [&](const VectorD& mv, const VectorD& mh) {
      return tap_free_energy(rbm, mv, mh, order);
    };
    for (Index i = 0; i < 5; ++i) {
      VectorD up = fp.visible, down = fp.visible;
      up[i] += h;
      down[i] -= h;
      EXPECT_NEAR((f(up, fp.hidden) - f(down, fp.hidden)) / (2 * h), 0.0, 1e-6);
    }
    for (Index j = 0; j < 4; ++j) {
      VectorD up = fp.hidden, down = fp.hidden;
      up[j] += h;
      down[j] -= h;
      EXPECT_NEAR((f(fp.visible, up) - f(fp.visible, down)) / (2 * h), 0.0, 1e-6);
    }
    EXPECT_NEAR(fp.free_energy, f(fp.visible, fp.hidden), 1e-12);
  }
}

INSTANTIATE_TEST_SUITE_P(HiddenTypes, GaussianTap,
                         ::testing::Values(UnitType::bernoulli, UnitType::spin));

TEST(GaussianTapChecks, RejectsBadInput) {
  // Gaussian units on both layers are no distribution at all.
  EXPECT_THROW(Rbm(3, 2, UnitType::gaussian, UnitType::gaussian), Error);
  const Rbm rbm = random_gaussian_rbm(3, 2, UnitType::bernoulli, 1, 0.3, 0.3, 1.0, 1.0);
  EXPECT_THROW(tap_log_partition(rbm, options(4)), Error);
  EXPECT_THROW(tap_free_energy(rbm, VectorD::Zero(3), VectorD::Constant(2, 1.5), 2), Error);
  EXPECT_THROW(tap_free_energy(rbm, VectorD::Zero(2), VectorD::Constant(2, 0.5), 2), Error);
}

}  // namespace
}  // namespace rgflow::estimate
