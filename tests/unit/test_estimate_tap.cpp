// TAP / extended-mean-field free energy (Gabrié, Tramel & Krzakala 2015) against exact log Z and
// exact moments by enumeration, for all four Bernoulli/spin pairings.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <ostream>
#include <tuple>

#include "rgflow/core/error.hpp"
#include "rgflow/estimate/exact.hpp"
#include "rgflow/estimate/tap.hpp"
#include "support/random_rbm.hpp"

namespace rgflow::estimate {
namespace {

Rbm random_rbm(Index nv, Index nh, UnitType vt, UnitType ht, std::uint64_t seed, double w_std,
               double b_std) {
  return test::random_rbm(nv, nh, vt, ht, seed, w_std, b_std, /*stream=*/7);
}

// A magnetisation drawn uniformly inside the unit type's range, away from the boundary.
VectorD random_magnetisation(Index n, UnitType type, Rng& rng) {
  VectorD m(n);
  for (Index i = 0; i < n; ++i) {
    const double u = 0.05 + 0.9 * rng.uniform_double();
    m[i] = type == UnitType::spin ? 2.0 * u - 1.0 : u;
  }
  return m;
}

TapOptions options_of(int order) {
  TapOptions o;
  o.order = order;
  o.max_iterations = 5000;
  o.tolerance = 1e-13;
  return o;
}

double max_abs_diff(const VectorD& x, const VectorD& y) { return (x - y).cwiseAbs().maxCoeff(); }

using Pairing = std::tuple<UnitType, UnitType>;

class Tap : public ::testing::TestWithParam<Pairing> {
 protected:
  UnitType vt() const { return std::get<0>(GetParam()); }
  UnitType ht() const { return std::get<1>(GetParam()); }
};

// Without couplings the product distribution is exact: every order gives
// log Z = Σ_i L_v(a_i) + Σ_j L_h(b_j) and m = μ(bias).
TEST_P(Tap, UncoupledModelIsExact) {
  Rbm rbm = random_rbm(5, 4, vt(), ht(), 3, 0.0, 0.8);
  const double exact = exact_log_partition(rbm);
  for (int order = 1; order <= 3; ++order) {
    const TapFixedPoint fp = tap_best_fixed_point(rbm, options_of(order));
    ASSERT_TRUE(fp.converged);
    EXPECT_NEAR(-fp.free_energy, exact, 1e-12) << "order " << order;
    EXPECT_NEAR(tap_log_partition(rbm, options_of(order)).mean, exact, 1e-12);
  }
}

// Gibbs–Bogoliubov: for any product distribution q, log Z ≥ −⟨E⟩_q + S(q) = −F_1(m). Checked at the
// order-1 fixed point (the reported estimate) and at random magnetisations, for models with
// strong couplings too.
TEST_P(Tap, MeanFieldIsLowerBound) {
  Rng rng(11, 1);
  for (const double w_std : {0.1, 0.5, 1.0}) {
    for (std::uint64_t seed = 1; seed <= 3; ++seed) {
      const Rbm rbm = random_rbm(8, 6, vt(), ht(), seed, w_std, 0.5);
      const double exact = exact_log_partition(rbm);
      const stats::Result mf = tap_log_partition(rbm, options_of(1));
      EXPECT_LE(mf.mean, exact + 1e-12) << "w_std " << w_std << " seed " << seed;
      EXPECT_EQ(mf.error, 0.0);
      for (int k = 0; k < 5; ++k) {
        const VectorD mv = random_magnetisation(8, vt(), rng);
        const VectorD mh = random_magnetisation(6, ht(), rng);
        EXPECT_LE(-tap_free_energy(rbm, mv, mh, 1), exact);
      }
    }
  }
}

// Weak couplings W ~ N(0, w²): the order-k truncation misses terms of order w^{k+1}, so
//   |log Z_TAP,k − log Z| = O(w^{k+1})  and  |m_k − ⟨x⟩| = O(w^{k+1})
// (the magnetisations solve ∂F_k/∂m = 0, which differs from the exact stationarity condition by
// the derivative of the first missing term). Halving w divides the order-k error by ~2^{k+1}.
// Measured (8 × 6 units, biases N(0, 0.7²), seed 5), log Z error for orders 1 / 2 / 3:
//   bernoulli-bernoulli  w=0.05: 2.7e-3 / 1.6e-6 / 4.8e-7   w=0.1: 1.1e-2 / 1.4e-5 / 7.7e-6
//                        w=0.2:  4.3e-2 / 1.4e-4 / 1.2e-4
//   spin-spin            w=0.05: 2.7e-2 / 2.2e-4 / 7.1e-5   w=0.1: 1.1e-1 / 1.9e-3 / 1.1e-3
//                        w=0.2:  4.0e-1 / 1.7e-2 / 1.7e-2
// i.e. log₂(err(0.1)/err(0.05)) ≈ 2.0, 3.1, 4.0 (magnetisations: 1.9, 2.9, 4.0), as predicted;
// every pairing gives slopes within 0.2 of k + 1, the test allows 0.6. A ±1 unit has 4× the
// variance of a {0,1} unit, so the same w is a 4× stronger coupling on spin layers; at w = 0.2
// with a spin layer the O(w⁴) terms (including the 4-cycles W_ij W_kj W_kl W_il, whose number
// grows as n_v² n_h²) are as large as the third-order term, and order 3's log Z is no better than
// order 2's there for bernoulli-spin and spin-spin (its magnetisations still are). The strict
// order 1 > 2 > 3 for log Z is therefore required at w ≤ 0.1 for every pairing and at w = 0.2 for
// bernoulli-bernoulli.
TEST_P(Tap, ErrorShrinksWithOrderAtWeakCoupling) {
  const std::array<double, 3> widths{0.05, 0.1, 0.2};
  std::array<std::array<double, 3>, 3> logz_err{};  // [width][order − 1]
  std::array<std::array<double, 3>, 3> mag_err{};
  const bool all_bernoulli = vt() == UnitType::bernoulli && ht() == UnitType::bernoulli;
  for (std::size_t s = 0; s < widths.size(); ++s) {
    const Rbm rbm = random_rbm(8, 6, vt(), ht(), 5, widths[s], 0.7);
    const double exact = exact_log_partition(rbm);
    const Moments moments = exact_model_moments(rbm);
    for (int order = 1; order <= 3; ++order) {
      const TapFixedPoint fp = tap_best_fixed_point(rbm, options_of(order));
      ASSERT_TRUE(fp.converged) << "w " << widths[s] << " order " << order;
      logz_err[s][order - 1] = std::fabs(-fp.free_energy - exact);
      mag_err[s][order - 1] = std::max(max_abs_diff(fp.visible, moments.visible),
                                       max_abs_diff(fp.hidden, moments.hidden));
    }
    EXPECT_LT(logz_err[s][1], logz_err[s][0]) << "w " << widths[s];
    if (widths[s] <= 0.1 || all_bernoulli) {
      EXPECT_LT(logz_err[s][2], logz_err[s][1]) << "w " << widths[s];
    }
    EXPECT_LT(mag_err[s][1], mag_err[s][0]) << "w " << widths[s];
    EXPECT_LT(mag_err[s][2], mag_err[s][1]) << "w " << widths[s];
  }
  for (int k = 0; k < 3; ++k) {
    const double logz_slope = std::log2(logz_err[1][k] / logz_err[0][k]);
    const double mag_slope = std::log2(mag_err[1][k] / mag_err[0][k]);
    EXPECT_NEAR(logz_slope, k + 2, 0.6) << "order " << k + 1;
    EXPECT_NEAR(mag_slope, k + 2, 0.6) << "order " << k + 1;
  }
}

// The fixed point of the damped iteration is a stationary point of F_TAP: central differences of
// F in each magnetisation vanish (to the O(h²) truncation and rounding of the difference).
TEST_P(Tap, FixedPointIsStationary) {
  const Rbm rbm = random_rbm(7, 5, vt(), ht(), 9, 0.3, 0.5);
  const double h = 1e-5;
  for (int order = 1; order <= 3; ++order) {
    const TapFixedPoint fp = tap_fixed_point(rbm, options_of(order));
    ASSERT_TRUE(fp.converged) << "order " << order;
    EXPECT_NEAR(tap_free_energy(rbm, fp.visible, fp.hidden, order), fp.free_energy, 1e-14);
    for (Index i = 0; i < rbm.n_visible(); ++i) {
      VectorD up = fp.visible, down = fp.visible;
      up[i] += h;
      down[i] -= h;
      const double d = (tap_free_energy(rbm, up, fp.hidden, order) -
                        tap_free_energy(rbm, down, fp.hidden, order)) / (2 * h);
      EXPECT_NEAR(d, 0.0, 1e-8) << "order " << order << " visible " << i;
    }
    for (Index j = 0; j < rbm.n_hidden(); ++j) {
      VectorD up = fp.hidden, down = fp.hidden;
      up[j] += h;
      down[j] -= h;
      const double d = (tap_free_energy(rbm, fp.visible, up, order) -
                        tap_free_energy(rbm, fp.visible, down, order)) / (2 * h);
      EXPECT_NEAR(d, 0.0, 1e-8) << "order " << order << " hidden " << j;
    }
  }
}

// Central difference of F_TAP(m fixed) in one float32 parameter, moved by ±h and divided by the
// step actually taken after rounding to float32.
template <class Get>
void central_difference(const Rbm& rbm, Get&& get, double h, const VectorD& mv, const VectorD& mh,
                        int order, double& derivative) {
  Rbm up = rbm, down = rbm;
  float& pu = get(up);
  float& pd = get(down);
  pu = static_cast<float>(pu + h);
  pd = static_cast<float>(pd - h);
  const double step = static_cast<double>(pu) - static_cast<double>(pd);
  derivative = (tap_free_energy(up, mv, mh, order) - tap_free_energy(down, mv, mh, order)) / step;
}

// ∂F_TAP/∂(W, a, b) at fixed m against central differences (float32 parameters moved by ~1e-4;
// the difference is divided by the step actually taken after rounding).
TEST_P(Tap, ParameterGradientMatchesFiniteDifferences) {
  const Rbm rbm = random_rbm(5, 4, vt(), ht(), 13, 0.6, 0.5);
  Rng rng(17, 2);
  const VectorD mv = random_magnetisation(5, vt(), rng);
  const VectorD mh = random_magnetisation(4, ht(), rng);
  const double h = 1e-4;  // the O(h²) truncation of the W³ term is ~1e-9 here
  for (int order = 1; order <= 3; ++order) {
    const TapGradient g = tap_free_energy_gradient(rbm, mv, mh, order);
    double d = 0.0;
    for (Index i = 0; i < 5; ++i) {
      for (Index j = 0; j < 4; ++j) {
        central_difference(rbm, [&](Rbm& r) -> float& { return r.weights()(i, j); }, h, mv, mh,
                           order, d);
        EXPECT_NEAR(g.weights(i, j), d, 1e-8) << "order " << order << " W " << i << "," << j;
      }
      central_difference(rbm, [&](Rbm& r) -> float& { return r.visible_bias()[i]; }, h, mv, mh,
                         order, d);
      EXPECT_NEAR(g.visible_bias[i], d, 1e-8) << "order " << order << " a " << i;
    }
    for (Index j = 0; j < 4; ++j) {
      central_difference(rbm, [&](Rbm& r) -> float& { return r.hidden_bias()[j]; }, h, mv, mh,
                         order, d);
      EXPECT_NEAR(g.hidden_bias[j], d, 1e-8) << "order " << order << " b " << j;
    }
  }
}

// Envelope theorem: because ∂F/∂m = 0 at the fixed point, the total derivative of
// −log Z_TAP = F(m*(θ), θ) equals the gradient at fixed m. Checked on a few parameters.
TEST_P(Tap, GradientAtFixedPointIsDerivativeOfLogPartition) {
  const Rbm rbm = random_rbm(6, 4, vt(), ht(), 19, 0.3, 0.5);
  const double h = 1e-4;  // O(h²) truncation: ~2e-8 for the steepest parameter here
  for (int order = 1; order <= 3; ++order) {
    const TapOptions opt = options_of(order);
    const TapFixedPoint fp = tap_fixed_point(rbm, opt);
    ASSERT_TRUE(fp.converged);
    const TapGradient g = tap_free_energy_gradient(rbm, fp.visible, fp.hidden, order);
    const auto check = [&](auto&& get, double analytic, const char* name) {
      Rbm up = rbm, down = rbm;
      float& pu = get(up);
      float& pd = get(down);
      pu = static_cast<float>(pu + h);
      pd = static_cast<float>(pd - h);
      const double step = static_cast<double>(pu) - static_cast<double>(pd);
      const TapFixedPoint fu = tap_fixed_point(up, opt, &fp.visible);
      const TapFixedPoint fd = tap_fixed_point(down, opt, &fp.visible);
      ASSERT_TRUE(fu.converged && fd.converged);
      EXPECT_NEAR((fu.free_energy - fd.free_energy) / step, analytic, 2e-7)
          << "order " << order << " " << name;
    };
    check([](Rbm& r) -> float& { return r.weights()(2, 1); }, g.weights(2, 1), "W(2,1)");
    check([](Rbm& r) -> float& { return r.weights()(5, 3); }, g.weights(5, 3), "W(5,3)");
    check([](Rbm& r) -> float& { return r.visible_bias()[4]; }, g.visible_bias[4], "a(4)");
    check([](Rbm& r) -> float& { return r.hidden_bias()[0]; }, g.hidden_bias[0], "b(0)");
  }
}

INSTANTIATE_TEST_SUITE_P(AllPairings, Tap,
                         ::testing::Combine(::testing::Values(UnitType::bernoulli, UnitType::spin),
                                            ::testing::Values(UnitType::bernoulli,
                                                              UnitType::spin)));

// Ferromagnetic spin model without fields: m = 0 is a fixed point of every order (the symmetric,
// paramagnetic solution) but a saddle of F once n·w > 1. A data start (all +1) reaches the ordered
// solution, whose F is lower, so the estimate with data starts is higher and, at order 1, still
// below the exact log Z.
TEST(TapStarts, DataStartEscapesSymmetricSaddle) {
  Rbm rbm(8, 8, UnitType::spin, UnitType::spin);
  rbm.weights().setConstant(0.4f);
  rbm.visible_bias().setZero();
  rbm.hidden_bias().setZero();
  const double exact = exact_log_partition(rbm);
  const MatrixF data = MatrixF::Ones(2, 8);
  const TapFixedPoint symmetric = tap_fixed_point(rbm, options_of(1));
  ASSERT_TRUE(symmetric.converged);
  EXPECT_NEAR(symmetric.visible.cwiseAbs().maxCoeff(), 0.0, 1e-15);
  const TapFixedPoint ordered = tap_best_fixed_point(rbm, options_of(1), &data);
  ASSERT_TRUE(ordered.converged);
  EXPECT_GT(ordered.visible.minCoeff(), 0.5);
  EXPECT_LT(ordered.free_energy, symmetric.free_energy - 1.0);
  EXPECT_LE(-ordered.free_energy, exact);
  EXPECT_NEAR(tap_log_partition(rbm, options_of(1), &data).mean, -ordered.free_energy, 1e-12);
}

// Orders 2 and 3 are not bounds: over 20 random bernoulli-bernoulli models (w = 0.1; measured 8
// above / 12 below the exact log Z at order 2, 18 / 2 at order 3) both signs of the error occur,
// while order 1 is below every time.
TEST(TapBounds, HigherOrdersAreNotBounds) {
  std::array<int, 3> above{}, below{};
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const Rbm rbm = random_rbm(8, 6, UnitType::bernoulli, UnitType::bernoulli, seed, 0.1, 0.5);
    const double exact = exact_log_partition(rbm);
    for (int order = 1; order <= 3; ++order) {
      const double tap = tap_log_partition(rbm, options_of(order)).mean;
      ++(tap > exact ? above : below)[order - 1];
    }
  }
  EXPECT_EQ(above[0], 0);
  EXPECT_GT(above[1], 0);
  EXPECT_GT(below[1], 0);
  EXPECT_GT(above[2], 0);
  EXPECT_GT(below[2], 0);
}

TEST(TapErrors, InvalidInputsThrow) {
  const Rbm rbm = random_rbm(3, 2, UnitType::bernoulli, UnitType::bernoulli, 1, 0.1, 0.1);
  TapOptions bad;
  bad.order = 4;
  EXPECT_THROW(tap_fixed_point(rbm, bad), Error);
  bad.order = 0;
  EXPECT_THROW(tap_log_partition(rbm, bad), Error);
  bad = TapOptions{};
  bad.damping = 1.0;
  EXPECT_THROW(tap_fixed_point(rbm, bad), Error);
  bad = TapOptions{};
  bad.max_iterations = 0;
  EXPECT_THROW(tap_fixed_point(rbm, bad), Error);
  bad = TapOptions{};
  bad.tolerance = 0.0;
  EXPECT_THROW(tap_fixed_point(rbm, bad), Error);
  const VectorD wrong_size = VectorD::Constant(2, 0.5);
  EXPECT_THROW(tap_fixed_point(rbm, TapOptions{}, &wrong_size), Error);
  const VectorD outside = VectorD::Constant(3, 1.5);
  EXPECT_THROW(tap_free_energy(rbm, outside, VectorD::Constant(2, 0.5), 2), Error);
  EXPECT_THROW(tap_free_energy(rbm, VectorD::Constant(3, 0.5), VectorD::Constant(2, -0.5), 2),
               Error);
  const Rbm gaussian(3, 2, UnitType::gaussian, UnitType::bernoulli);  // one TAP for every unit type
  EXPECT_NO_THROW(tap_fixed_point(gaussian, TapOptions{}));
  // Boundary magnetisations are valid (0 log 0 = 0): F = −aᵀm_v − bᵀm_h − m_vᵀWm_h there.
  const VectorD ones = VectorD::Ones(3);
  const VectorD zeros = VectorD::Zero(2);
  EXPECT_NEAR(tap_free_energy(rbm, ones, zeros, 3), -rbm.visible_bias().cast<double>().sum(),
              1e-12);
}

// Non-convergence is reported, not hidden: one sweep cannot reach 1e-13 on a coupled model.
TEST(TapErrors, NonConvergenceIsReported) {
  const Rbm rbm = random_rbm(6, 4, UnitType::bernoulli, UnitType::spin, 2, 0.5, 0.5);
  TapOptions opt;
  opt.max_iterations = 1;
  opt.tolerance = 1e-13;
  const TapFixedPoint fp = tap_fixed_point(rbm, opt);
  EXPECT_FALSE(fp.converged);
  EXPECT_EQ(fp.iterations, 1);
  EXPECT_THROW(tap_log_partition(rbm, opt), Error);
}

}  // namespace
}  // namespace rgflow::estimate
