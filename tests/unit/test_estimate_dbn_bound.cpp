// The variational lower bound on log p(v) of a 2-layer DBN (estimate/free_energy_flow.hpp,
// Salakhutdinov & Murray 2008 §4) against brute-force enumeration of the DBN's joint.
#include <gtest/gtest.h>

#include <cmath>

#include "rgflow/core/error.hpp"
#include "rgflow/estimate/exact.hpp"
#include "rgflow/estimate/free_energy_flow.hpp"
#include "test_estimate_dbn_support.hpp"

namespace rgflow {
namespace {

using estimate::BoundMethod;
using estimate::BoundOptions;
using estimate::dbn_exact_log_probability;
using estimate::dbn_lower_bound;

struct Types {
  UnitType v, h, g;
};

class DbnBound : public ::testing::TestWithParam<Types> {};

// For every v: the library's exact log p(v) equals brute force; the bound is ≤ log p(v) and the
// gap is exactly KL(Q(·|v) ‖ p(·|v)) with Q = p_0(h|v) (the Jensen identity
// log p(v) − B(v) = KL), computed here from the enumerated posterior.
TEST_P(DbnBound, BelowExactByTheKlDivergenceForEveryState) {
  const Types t = GetParam();
  const Dbn dbn = test::random_dbn({6, 4, 3}, {t.v, t.h, t.g}, 11, 1.0);
  const test::NaiveDbn2 naive(dbn);
  const double log_z1 = estimate::exact_log_partition(dbn.layer(1));
  EXPECT_NEAR(log_z1, test::naive_log_z(dbn.layer(1)), 1e-9);

  const VectorD exact = dbn_exact_log_probability(dbn, naive.V, log_z1);
  BoundOptions opt;
  opt.method = BoundMethod::exact;
  const estimate::DbnBound bound = dbn_lower_bound(dbn, naive.V, stats::Result::exact(log_z1), opt);
  ASSERT_EQ(bound.per_row.size(), naive.V.rows());
  EXPECT_EQ(bound.method, BoundMethod::exact);

  double total_probability = 0.0;
  MatrixF q;
  dbn.layer(0).hidden_mean(naive.V, q);
  for (Index v = 0; v < naive.V.rows(); ++v) {
    const double lp = naive.log_p(v);
    total_probability += std::exp(lp);
    EXPECT_NEAR(exact[v], lp, 1e-9) << "v = " << v;
    EXPECT_LE(bound.per_row[v], lp + 1e-12) << "v = " << v;
    // KL(Q ‖ posterior) with Q factorial: Q(h) = Π_j q_j(h_j).
    const std::vector<double> log_post = naive.log_posterior(v);
    double kl = 0.0;
    for (Index h = 0; h < naive.H.rows(); ++h) {
      double log_q = 0.0;
      for (Index j = 0; j < naive.H.cols(); ++j) {
        // P(h_j = on | v): σ(φ) = mean (Bernoulli) or (1 + tanh φ)/2 (spin).
        const double m = q(v, j);
        const double p_on = t.h == UnitType::spin ? 0.5 * (1.0 + m) : m;
        log_q += std::log(naive.H(h, j) > 0.5f ? p_on : 1.0 - p_on);
      }
      kl += std::exp(log_q) * (log_q - log_post[static_cast<std::size_t>(h)]);
    }
    EXPECT_NEAR(lp - bound.per_row[v], kl, 1e-5) << "v = " << v;  // q is float32
    EXPECT_GT(kl, 0.0);
  }
  EXPECT_NEAR(total_probability, 1.0, 1e-9);
}

INSTANTIATE_TEST_SUITE_P(UnitTypes, DbnBound,
                         ::testing::Values(Types{UnitType::bernoulli, UnitType::bernoulli, UnitType::bernoulli},
                                           Types{UnitType::spin, UnitType::spin, UnitType::spin},
                                           Types{UnitType::bernoulli, UnitType::spin, UnitType::bernoulli}));

// Tight case: layer 1 = layer 0 transposed (W_1 = W_0ᵀ, a_1 = b_0, b_1 = a_0) makes the DBN's
// level-1 prior p_1(h) equal to RBM 0's hidden marginal e^{−F_0(h)}/Z_0, so p(v) = p_0(v), the
// DBN posterior is the factorial p_0(h|v) = Q, and B(v) = log p(v) = −F_0(v) − log Z_0.
TEST(DbnBoundTight, TransposedSecondLayerMakesTheBoundExact) {
  for (UnitType type : {UnitType::bernoulli, UnitType::spin}) {
    const Rbm r0 = test::random_rbm(6, 4, type, type, 5, 1.0);
    Rbm r1(4, 6, type, type);
    r1.weights() = r0.weights().transpose();
    r1.visible_bias() = r0.hidden_bias();
    r1.hidden_bias() = r0.visible_bias();
    const Dbn dbn({r0, r1});
    const double log_z0 = estimate::exact_log_partition(r0);
    const double log_z1 = estimate::exact_log_partition(r1);
    EXPECT_NEAR(log_z0, log_z1, 1e-9);

    const MatrixF V = test::all_states(6, type);
    const VectorD f0 = r0.free_energy_visible(V);
    const VectorD exact = dbn_exact_log_probability(dbn, V, log_z1);
    const estimate::DbnBound bound = dbn_lower_bound(dbn, V, stats::Result::exact(log_z1));
    EXPECT_EQ(bound.method, BoundMethod::exact);  // 4 units: automatic enumerates
    for (Index v = 0; v < V.rows(); ++v) {
      EXPECT_NEAR(exact[v], -f0[v] - log_z0, 1e-5) << "v = " << v;  // f0 has float32 fields
      EXPECT_NEAR(bound.per_row[v], exact[v], 1e-9) << "v = " << v;
    }
  }
}

// The Monte Carlo bound (h ~ Q, closed-form entropy) agrees with the enumerated one within its
// error bars, row by row and on average; log Z's error propagates into the mean's error.
TEST(DbnBoundSampled, AgreesWithEnumerationWithinErrorBars) {
  const Dbn dbn = test::random_dbn({6, 4, 3}, {UnitType::bernoulli, UnitType::bernoulli,
                                               UnitType::bernoulli}, 23, 1.0);
  const double log_z1 = estimate::exact_log_partition(dbn.layer(1));
  const MatrixF V = test::all_states(6, UnitType::bernoulli);
  BoundOptions exact_opt;
  exact_opt.method = BoundMethod::exact;
  const auto exact = dbn_lower_bound(dbn, V, stats::Result::exact(log_z1), exact_opt);
  BoundOptions opt;
  opt.method = BoundMethod::sample;
  opt.samples = 400;
  opt.seed = 3;
  const auto sampled = dbn_lower_bound(dbn, V, stats::Result{log_z1, 0.25, 0.5, 1}, opt);
  EXPECT_EQ(sampled.method, BoundMethod::sample);
  int outside = 0;
  for (Index v = 0; v < V.rows(); ++v) {
    ASSERT_GT(sampled.per_row_error[v], 0.0);
    if (std::fabs(sampled.per_row[v] - exact.per_row[v]) > 3.0 * sampled.per_row_error[v]) ++outside;
    EXPECT_LT(std::fabs(sampled.per_row[v] - exact.per_row[v]), 5.0 * sampled.per_row_error[v]);
  }
  EXPECT_LE(outside, 3);  // 64 rows, P(|z| > 3) = 0.0027 each
  EXPECT_GE(sampled.mean.error, 0.25);
  const double mc_error = std::sqrt(sampled.per_row_error.squaredNorm()) / static_cast<double>(V.rows());
  EXPECT_LT(std::fabs(sampled.mean.mean - exact.mean.mean), 5.0 * mc_error);

  // Same seed, same numbers; thread count does not matter (row n uses Rng(seed, n)).
  opt.threads = 1;
  const auto again = dbn_lower_bound(dbn, V, stats::Result{log_z1, 0.25, 0.5, 1}, opt);
  EXPECT_EQ(again.per_row, sampled.per_row);
}

// The overload that computes log Z_1 itself: exact for a small top layer, AIS when asked.
TEST(DbnBoundLogZ, ComputesTheTopPartitionFunction) {
  const Dbn dbn = test::random_dbn({6, 4, 3}, {UnitType::bernoulli, UnitType::bernoulli,
                                               UnitType::bernoulli}, 29, 0.6);
  const MatrixF V = test::all_states(6, UnitType::bernoulli);
  const double log_z1 = estimate::exact_log_partition(dbn.layer(1));
  const auto given = dbn_lower_bound(dbn, V, stats::Result::exact(log_z1));
  const auto exact = dbn_lower_bound(dbn, V, estimate::LogZOptions{});
  EXPECT_EQ(exact.log_z_method, estimate::LogZMethod::exact);
  EXPECT_EQ(given.log_z_method, estimate::LogZMethod::none);
  EXPECT_NEAR(exact.log_z_top.mean, log_z1, 1e-12);
  EXPECT_EQ(exact.per_row, given.per_row);
  estimate::LogZOptions ais;
  ais.method = estimate::LogZMethod::ais;
  ais.ais.chains = 50;
  ais.ais.betas = estimate::linear_ais_schedule(300);
  const auto annealed = dbn_lower_bound(dbn, V, ais);
  EXPECT_EQ(annealed.log_z_method, estimate::LogZMethod::ais);
  EXPECT_GT(annealed.mean.error, 0.0);
  EXPECT_LT(std::fabs(annealed.mean.mean - given.mean.mean), 4.0 * annealed.log_z_top.error + 0.02);
}

TEST(DbnBoundErrors, RejectsWrongShapes) {
  const Dbn three = test::random_dbn({6, 4, 3, 2}, {UnitType::bernoulli, UnitType::bernoulli,
                                                    UnitType::bernoulli, UnitType::bernoulli}, 1);
  const MatrixF V = test::all_states(6, UnitType::bernoulli);
  EXPECT_THROW(dbn_lower_bound(three, V, stats::Result::exact(0.0)), Error);
  const Dbn two({three.layer(0), three.layer(1)});
  EXPECT_THROW(dbn_lower_bound(two, MatrixF::Zero(3, 5), stats::Result::exact(0.0)), Error);
  BoundOptions opt;
  opt.method = BoundMethod::sample;
  opt.samples = 1;
  EXPECT_THROW(dbn_lower_bound(two, V, stats::Result::exact(0.0), opt), Error);
}

}  // namespace
}  // namespace rgflow
