// Rbm::gibbs against exact enumeration: the histogram of visible states of many independent
// chains matches the exact marginal p(v) = e^{−F(v)}/Z by a χ² goodness-of-fit test
// (NetKet-style "sampler vs exact enumerator", STYLE.md).
#include <gtest/gtest.h>

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include "rgflow/estimate/exact.hpp"
#include "support/random_rbm.hpp"

namespace rgflow::estimate {
namespace {

// Scalar std::exp: Eigen's AVX-512 packet exp trips GCC 12's -Wuninitialized inside its own
// intrinsics (GCC bug 105593), and the reference sums need no speed.
const auto exp_scalar = [](double x) { return std::exp(x); };

Rbm random_rbm(Index nv, Index nh, UnitType vt, UnitType ht, std::uint64_t seed, double w_std,
               double b_std) {
  return test::random_rbm(nv, nh, vt, ht, seed, w_std, b_std, /*stream=*/9);
}

MatrixF all_states(Index n, UnitType type) {
  MatrixF out(Index{1} << n, n);
  for (Index s = 0; s < out.rows(); ++s) {
    for (Index k = 0; k < n; ++k) {
      const bool on = ((s >> k) & 1) != 0;
      out(s, k) = on ? 1.0f : (type == UnitType::spin ? -1.0f : 0.0f);
    }
  }
  return out;
}

// Upper-tail critical value of χ²_df at standard-normal quantile z (Wilson & Hilferty 1931);
// accurate to a few parts in 1e3 for df ≳ 10, ample for a pass/fail threshold.
double chi2_critical(double df, double z) {
  const double c = 2.0 / (9.0 * df);
  return df * std::pow(1.0 - c + z * std::sqrt(c), 3.0);
}

using Pairing = std::tuple<UnitType, UnitType>;

class GibbsHistogram : public ::testing::TestWithParam<Pairing> {};

TEST_P(GibbsHistogram, VisibleHistogramMatchesExactMarginal) {
  const auto [vt, ht] = GetParam();
  const Index nv = 6, nh = 4;
  const Rbm rbm = random_rbm(nv, nh, vt, ht, 31, 0.5, 0.5);
  const MatrixF V_all = all_states(nv, vt);
  const MatrixF H_all = all_states(nh, ht);
  const Index n_states = V_all.rows();

  // Exact p(v) from the enumeration under test's sibling (F(v) is checked against brute force in
  // the unit tests).
  const double log_z = exact_log_partition(rbm);
  const VectorD p = (-rbm.free_energy_visible(V_all).array() - log_z).unaryExpr(exp_scalar);
  ASSERT_NEAR(p.sum(), 1.0, 1e-5);  // float32 free energies

  // Burn-in from the exact spectral gap. The v→v' kernel T = P(h|v) P(v'|h) is reversible with
  // respect to p, so D^{1/2} T D^{−1/2} is symmetric; from any start x,
  //   ‖T^t(x,·) − p‖_TV ≤ ½ √((1 − p(x))/p(x)) λ*^t        (Levin, Peres & Wilmer, Prop. 12.3),
  // λ* the second-largest |eigenvalue|. We run until that bound is below 1e-6, negligible against
  // the χ² test's resolution (~√(64/N) ≈ 0.03 relative per bin).
  MatrixD minus_e(n_states, H_all.rows());
  for (Index s = 0; s < n_states; ++s) {
    for (Index t = 0; t < H_all.rows(); ++t) minus_e(s, t) = -rbm.energy(V_all.row(s), H_all.row(t));
  }
  MatrixD h_given_v = minus_e.array().unaryExpr(exp_scalar);
  MatrixD v_given_h = h_given_v;
  for (Index s = 0; s < n_states; ++s) h_given_v.row(s) /= h_given_v.row(s).sum();
  for (Index t = 0; t < H_all.rows(); ++t) v_given_h.col(t) /= v_given_h.col(t).sum();
  const MatrixD T = h_given_v * v_given_h.transpose();
  const VectorD sq = p.cwiseSqrt();
  const MatrixD S = sq.asDiagonal() * T * sq.cwiseInverse().asDiagonal();
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(0.5 * (S + S.transpose()));
  const Eigen::VectorXd lambda = eig.eigenvalues();  // ascending; the last is 1
  ASSERT_NEAR(lambda[n_states - 1], 1.0, 1e-5);
  const double lambda_star = std::max(std::fabs(lambda[0]), std::fabs(lambda[n_states - 2]));
  const double prefactor = 0.5 * std::sqrt(1.0 / p.minCoeff());
  const int steps = static_cast<int>(std::ceil(std::log(1e-6 / prefactor) / std::log(lambda_star)));
  ASSERT_LE(steps, 200) << "λ* = " << lambda_star << ": chain mixes too slowly for this test";

  // N independent chains (one sample each), all started from the first state.
  const Index n_chains = 40000;
  MatrixF V(n_chains, nv), H;
  V.rowwise() = V_all.row(0);
  Rng rng(2024, 0);
  rbm.gibbs(V, H, std::max(steps, 1), rng);

  std::vector<double> count(static_cast<std::size_t>(n_states), 0.0);
  for (Index r = 0; r < n_chains; ++r) {
    Index s = 0;
    for (Index k = 0; k < nv; ++k) s |= (V(r, k) == 1.0f ? Index{1} : Index{0}) << k;
    count[static_cast<std::size_t>(s)] += 1.0;
  }

  // Pearson χ², pooling states with expected count < 5 into one bin so the χ² approximation holds.
  const double n = static_cast<double>(n_chains);
  double chi2 = 0.0, pooled_obs = 0.0, pooled_exp = 0.0;
  int bins = 0;
  for (Index s = 0; s < n_states; ++s) {
    const double expected = n * p[s];
    const double observed = count[static_cast<std::size_t>(s)];
    if (expected < 5.0) {
      pooled_obs += observed;
      pooled_exp += expected;
      continue;
    }
    chi2 += (observed - expected) * (observed - expected) / expected;
    ++bins;
  }
  if (pooled_exp > 0.0) {
    chi2 += (pooled_obs - pooled_exp) * (pooled_obs - pooled_exp) / pooled_exp;
    ++bins;
  }
  // p(v) is normalised by the float32 F(v) only to ~1e-5; a relative bias ε in expected counts
  // adds ~N ε² ≈ 4e-6 to χ², negligible. Reject at significance 1e-4 (z = 3.719).
  const double df = bins - 1.0;
  const double critical = chi2_critical(df, 3.719);
  EXPECT_LT(chi2, critical) << "df = " << df << ", burn-in " << steps << " steps";
  RecordProperty("chi2", std::to_string(chi2));
  RecordProperty("df", std::to_string(df));
  RecordProperty("burn_in", std::to_string(steps));
  RecordProperty("lambda_star", std::to_string(lambda_star));
}

std::string pairing_name(const ::testing::TestParamInfo<Pairing>& info) {
  return std::string(to_string(std::get<0>(info.param))) + "_" +
         std::string(to_string(std::get<1>(info.param)));
}

INSTANTIATE_TEST_SUITE_P(AllPairings, GibbsHistogram,
                         ::testing::Combine(::testing::Values(UnitType::bernoulli, UnitType::spin),
                                            ::testing::Values(UnitType::bernoulli, UnitType::spin)),
                         pairing_name);

}  // namespace
}  // namespace rgflow::estimate
