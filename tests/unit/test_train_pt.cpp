// Parallel tempering (tempering.hpp): the ladder; the swap ratio against brute-force enumeration
// of the tempered joint model, and detailed balance of the swap move; swap acceptance equal to its
// exact stationary value; the β = 1 histogram of a bimodal RBM against the exact distribution (χ²),
// where plain Gibbs sampling fails; every replica's histogram against its exact tempered p_β(v);
// the first swap's acceptance against the hand-computed Metropolis ratio; bit-identical results for
// any thread count and however the steps are split into runs; the estimator, its state and
// checkpoints; training.
#include <gtest/gtest.h>
#include <omp.h>

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <tuple>
#include <utility>
#include <vector>

#include "../support/random_rbm.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/estimate/exact.hpp"
#include "rgflow/train/gradient.hpp"
#include "rgflow/sample/tempering.hpp"
#include "rgflow/train/trainer.hpp"
#include "test_train_support.hpp"

namespace rgflow::train {
namespace {

using sample::swap_log_ratio;
using sample::tempered_log_weight;

using test::random_rbm;
using test::state_of;

// The CLI and the Python module run Eigen's products single-threaded (apps/rgflow/main.cpp): the
// sampler's threads are OpenMP's. So do these tests (else Eigen nests its own team in each small
// product, which costs seconds on a loaded machine).
class SingleThreadedEigen : public ::testing::Environment {
 public:
  void SetUp() override { Eigen::setNbThreads(1); }
};
[[maybe_unused]] ::testing::Environment* const kSingleThreadedEigen =
    ::testing::AddGlobalTestEnvironment(new SingleThreadedEigen);

// log Σ_h e^{−β E(v,h)} by enumerating h (independent of the closed form in the library).
double brute_log_weight(const Rbm& rbm, const VectorF& v, double beta) {
  const Index nh = rbm.n_hidden();
  double m = -INFINITY;
  std::vector<double> terms;
  for (std::uint64_t s = 0; s < (std::uint64_t{1} << nh); ++s) {
    terms.push_back(-beta * rbm.energy(v, state_of(s, nh, rbm.hidden_type())));
    m = std::max(m, terms.back());
  }
  double sum = 0.0;
  for (double t : terms) sum += std::exp(t - m);
  return m + std::log(sum);
}

// Normalised p_β(v) over all 2^n_visible states (index = bit pattern).
std::vector<double> exact_tempered(const Rbm& rbm, double beta) {
  const Index nv = rbm.n_visible();
  std::vector<double> logw;
  for (std::uint64_t s = 0; s < (std::uint64_t{1} << nv); ++s) {
    logw.push_back(brute_log_weight(rbm, state_of(s, nv, rbm.visible_type()), beta));
  }
  const double m = *std::max_element(logw.begin(), logw.end());
  double z = 0.0;
  for (double l : logw) z += std::exp(l - m);
  std::vector<double> p;
  for (double l : logw) p.push_back(std::exp(l - m) / z);
  return p;
}

std::uint64_t bits_of(const MatrixF& V, Index r, UnitType type) {
  std::uint64_t bits = 0;
  const float on = 1.0f;
  for (Index k = 0; k < V.cols(); ++k) {
    if (V(r, k) == on) bits |= std::uint64_t{1} << k;
  }
  (void)type;
  return bits;
}

TEST(Tempering, GeometricLadder) {
  const std::vector<double> b = geometric_ladder(5, 0.0625);
  ASSERT_EQ(b.size(), 5u);
  EXPECT_EQ(b[0], 1.0);
  for (int k = 1; k < 5; ++k) EXPECT_NEAR(b[static_cast<std::size_t>(k)] / b[static_cast<std::size_t>(k - 1)], 0.5, 1e-14);
  EXPECT_NEAR(b[4], 0.0625, 1e-15);
  EXPECT_THROW(geometric_ladder(1, 0.5), Error);
  EXPECT_THROW(geometric_ladder(3, 1.0), Error);
  EXPECT_THROW(geometric_ladder(3, 0.0), Error);
  EXPECT_THROW(ParallelTempering({1.0, 0.5, 0.6}), Error);
  EXPECT_THROW(ParallelTempering({0.9, 0.5}), Error);
}

class TemperingPairings : public ::testing::TestWithParam<UnitType> {};

// The swap ratio equals the brute-force ratio of tempered joint marginals, and the acceptance
// min(1, r) satisfies detailed balance with respect to p_a(x) p_b(y) for every pair of states.
TEST_P(TemperingPairings, SwapRatioAndDetailedBalance) {
  const UnitType t = GetParam();
  const Rbm rbm = random_rbm(4, 3, t, t, 7, 1.0, 0.5, 1);
  const double ba = 0.8, bb = 0.35;
  const std::vector<double> pa = exact_tempered(rbm, ba);
  const std::vector<double> pb = exact_tempered(rbm, bb);
  for (std::uint64_t x = 0; x < 16; ++x) {
    for (std::uint64_t y = 0; y < 16; ++y) {
      const VectorF vx = state_of(x, 4, t), vy = state_of(y, 4, t);
      const double log_r = swap_log_ratio(rbm, vx, vy, ba, bb);
      const double exact = std::log(pa[y]) + std::log(pb[x]) - std::log(pa[x]) - std::log(pb[y]);
      EXPECT_NEAR(log_r, exact, 1e-5) << x << "," << y;
      const double forward = pa[x] * pb[y] * std::min(1.0, std::exp(log_r));
      const double backward =
          pa[y] * pb[x] * std::min(1.0, std::exp(swap_log_ratio(rbm, vy, vx, ba, bb)));
      EXPECT_NEAR(forward, backward, 1e-6 * std::max(forward, backward)) << x << "," << y;
    }
  }
  // tempered_log_weight agrees with brute force up to the (β-dependent) constant it omits: none.
  MatrixF one(1, 4);
  one.row(0) = state_of(5, 4, t).transpose();
  EXPECT_NEAR(tempered_log_weight(rbm, one, ba)[0], brute_log_weight(rbm, state_of(5, 4, t), ba), 1e-5);
}

// At stationarity the states entering the swap of pair k are independent draws from p_k and
// p_{k+1} (every earlier move preserves Π p_k), so the acceptance rate of pair k equals
// A_k = Σ_{x,y} p_k(x) p_{k+1}(y) min(1, r(x, y)). Measured over C independent chains after a
// burn-in; each chain's fraction lies in [0, 1] with mean A_k, so its variance is at most
// A_k(1 − A_k) and the standard error of the mean over chains at most √(A_k(1 − A_k)/C): the
// tolerance is 4 of those.
TEST_P(TemperingPairings, SwapAcceptanceEqualsExact) {
  const UnitType t = GetParam();
  const Rbm rbm = random_rbm(5, 3, t, t, 11, 1.2, 0.5, 2);
  const std::vector<double> betas = {1.0, 0.6, 0.3, 0.1};
  std::vector<std::vector<double>> p;
  for (double b : betas) p.push_back(exact_tempered(rbm, b));
  const Index chains = 1500;
  Rng rng(3, 0);
  MatrixF start(chains, 5);
  for (Index i = 0; i < start.size(); ++i) start.data()[i] = state_of(rng() & 1u, 1, t)[0];
  ParallelTempering pt(betas);
  pt.reset(start);
  pt.run(rbm, 40, rng);  // burn-in
  const TemperingState burn = pt.state();
  pt.run(rbm, 40, rng);
  for (std::size_t k = 0; k + 1 < betas.size(); ++k) {
    double exact = 0.0;
    for (std::uint64_t x = 0; x < 32; ++x) {
      for (std::uint64_t y = 0; y < 32; ++y) {
        const double log_r = std::log(p[k][y]) + std::log(p[k + 1][x]) - std::log(p[k][x]) -
                             std::log(p[k + 1][y]);
        exact += p[k][x] * p[k + 1][y] * std::min(1.0, std::exp(log_r));
      }
    }
    const double attempts = static_cast<double>(pt.state().attempts[k] - burn.attempts[k]);
    const double accepts = static_cast<double>(pt.state().accepts[k] - burn.accepts[k]);
    EXPECT_EQ(attempts, 40.0 * chains);
    const double rate = accepts / attempts;
    const double se = std::sqrt(exact * (1.0 - exact) / static_cast<double>(chains));
    EXPECT_NEAR(rate, exact, 4.0 * se) << "pair " << k << ": exact " << exact;
    EXPECT_GT(exact, 0.05);
    EXPECT_LT(exact, 0.95);
  }
}

// A step starts with the swap proposals, so the first one of a run sees the states it was given:
// with x at β_a and y at β_b in every one of C chains, the fraction of accepted swaps is a
// binomial proportion with mean min(1, r(x, y)), r from brute-force enumeration of the tempered
// marginals. The pair (x, y) is the one whose min(1, r) is nearest 1/2; tolerance 4 standard errors.
TEST_P(TemperingPairings, FirstSwapAcceptanceEqualsMetropolisRatio) {
  const UnitType t = GetParam();
  const Rbm rbm = random_rbm(4, 3, t, t, 13, 1.0, 0.5, 3);
  const double ba = 1.0, bb = 0.4;
  double best = 2.0, p_accept = 0.0;
  std::uint64_t bx = 0, by = 0;
  for (std::uint64_t x = 0; x < 16; ++x) {
    for (std::uint64_t y = 0; y < 16; ++y) {
      const VectorF vx = state_of(x, 4, t), vy = state_of(y, 4, t);
      const double log_r = brute_log_weight(rbm, vy, ba) + brute_log_weight(rbm, vx, bb) -
                           brute_log_weight(rbm, vx, ba) - brute_log_weight(rbm, vy, bb);
      const double p = std::min(1.0, std::exp(log_r));
      if (std::fabs(p - 0.5) < best) {
        best = std::fabs(p - 0.5);
        p_accept = p;
        bx = x;
        by = y;
      }
    }
  }
  ASSERT_LT(best, 0.3);
  const Index chains = 20000;
  TemperingState s;
  s.betas = {ba, bb};
  s.attempts = {0};
  s.accepts = {0};
  s.replicas.resize(2 * chains, 4);
  for (Index c = 0; c < chains; ++c) {
    s.replicas.row(c) = state_of(bx, 4, t).transpose();
    s.replicas.row(chains + c) = state_of(by, 4, t).transpose();
  }
  ParallelTempering pt({ba, bb});
  pt.restore(s);
  Rng rng(17, 0);
  pt.run(rbm, 1, rng);
  ASSERT_EQ(pt.state().attempts[0], static_cast<std::uint64_t>(chains));
  const double rate = static_cast<double>(pt.state().accepts[0]) / static_cast<double>(chains);
  const double se = std::sqrt(p_accept * (1.0 - p_accept) / static_cast<double>(chains));
  EXPECT_NEAR(rate, p_accept, 4.0 * se) << "x " << bx << " y " << by;
}

INSTANTIATE_TEST_SUITE_P(BernoulliAndSpin, TemperingPairings,
                         ::testing::Values(UnitType::bernoulli, UnitType::spin));

// Upper 1e-4 quantile of χ²_df (Wilson & Hilferty 1931; accurate to < 1% for df ≥ 10).
double chi2_quantile_1e4(double df) {
  const double z = 3.719;  // Φ⁻¹(1 − 1e-4)
  const double c = 2.0 / (9.0 * df);
  return df * std::pow(1.0 - c + z * std::sqrt(c), 3.0);
}

// χ² of N samples (bit patterns) against probabilities p; bins with expected count < 5 merged.
std::pair<double, double> chi2(const std::vector<std::uint64_t>& samples, const std::vector<double>& p) {
  const double n = static_cast<double>(samples.size());
  std::vector<double> counts(p.size(), 0.0);
  for (auto s : samples) counts[s] += 1.0;
  double stat = 0.0, rest_obs = 0.0, rest_exp = 0.0;
  int bins = 0;
  for (std::size_t s = 0; s < p.size(); ++s) {
    const double e = n * p[s];
    if (e < 5.0) {
      rest_obs += counts[s];
      rest_exp += e;
      continue;
    }
    stat += (counts[s] - e) * (counts[s] - e) / e;
    ++bins;
  }
  if (rest_exp > 0.0) {
    stat += (rest_obs - rest_exp) * (rest_obs - rest_exp) / rest_exp;
    ++bins;
  }
  return {stat, static_cast<double>(bins - 1)};
}

// Bimodal toy RBM: 6 Bernoulli visible units, one hidden unit; a_i = −2.5, W_i = 5, and
// b = 6 log((1 + e^{−2.5}) / (1 + e^{2.5})) = −15 so the modes "all off" (h = 0) and "all on"
// (h = 1) carry equal mass. Gibbs sampling from all-off needs h = 1, probability ≈ e^{−15}, to
// cross. 5000 chains start all-off; after 100 PT steps (K = 6, β_min = 0.05) the β = 1 states,
// one per chain (independent), pass a χ² test against the exact p(v) at the 1e-4 level; the same
// number of plain Gibbs sweeps fails it by far.
TEST(Tempering, BimodalHistogramMatchesExact) {
  Rbm rbm(6, 1);
  rbm.visible_bias().setConstant(-2.5f);
  rbm.weights().setConstant(5.0f);
  rbm.hidden_bias()[0] = static_cast<float>(6.0 * std::log((1.0 + std::exp(-2.5)) / (1.0 + std::exp(2.5))));
  const std::vector<double> p = exact_tempered(rbm, 1.0);
  const Index chains = 5000;
  const MatrixF start = MatrixF::Zero(chains, 6);

  Rng rng(8, 0);
  ParallelTempering pt(geometric_ladder(6, 0.05));
  pt.reset(start);
  pt.run(rbm, 100, rng);
  const MatrixF cold = pt.cold_states();
  std::vector<std::uint64_t> samples;
  for (Index r = 0; r < chains; ++r) samples.push_back(bits_of(cold, r, UnitType::bernoulli));
  const auto [stat, df] = chi2(samples, p);
  EXPECT_LT(stat, chi2_quantile_1e4(df)) << "chi2 " << stat << " df " << df;
  EXPECT_GT(df, 5.0);

  MatrixF v = start, h;
  Rng gibbs_rng(8, 1);
  rbm.gibbs(v, h, 100, gibbs_rng);
  std::vector<std::uint64_t> gibbs;
  for (Index r = 0; r < chains; ++r) gibbs.push_back(bits_of(v, r, UnitType::bernoulli));
  const auto [gstat, gdf] = chi2(gibbs, p);
  EXPECT_GT(gstat, 3.0 * chi2_quantile_1e4(gdf)) << "plain Gibbs should fail: chi2 " << gstat;
}

// Every replica samples its own tempered model: after 60 PT steps from random states (K = 3,
// spin units, 3000 independent chains), the states of replica k pass a χ² test at the 1e-4 level
// against the exact p_{β_k}(v) by enumeration. This checks the per-row β of the fused sampling
// kernels and that the swaps keep Π_k p_k invariant.
TEST(Tempering, EveryReplicaMatchesItsExactTemperedDistribution) {
  const Rbm rbm = random_rbm(5, 3, UnitType::spin, UnitType::spin, 23, 0.9, 0.4, 5);
  const std::vector<double> betas = {1.0, 0.55, 0.25};
  const Index chains = 3000;
  Rng rng(29, 0);
  MatrixF start(chains, 5);
  for (Index i = 0; i < start.size(); ++i) start.data()[i] = (rng() & 1u) != 0 ? 1.0f : -1.0f;
  ParallelTempering pt(betas);
  pt.reset(start);
  pt.run(rbm, 60, rng);
  const MatrixF& all = pt.state().replicas;
  for (std::size_t k = 0; k < betas.size(); ++k) {
    const std::vector<double> p = exact_tempered(rbm, betas[k]);
    std::vector<std::uint64_t> samples;
    for (Index c = 0; c < chains; ++c) {
      samples.push_back(bits_of(all, static_cast<Index>(k) * chains + c, UnitType::spin));
    }
    const auto [stat, df] = chi2(samples, p);
    EXPECT_LT(stat, chi2_quantile_1e4(df)) << "replica " << k << ": chi2 " << stat << " df " << df;
    EXPECT_GT(df, 10.0);
  }
}

// Same seed → same bits for 1, 2 and 3 OpenMP threads (the model is large enough for the sampler
// to use them: K·C·n_v·n_h = 2²¹), and for 3 steps in one run() or in three.
TEST(Tempering, ResultsDoNotDependOnThreadsOrOnHowStepsAreSplit) {
  const Rbm rbm = random_rbm(128, 64, UnitType::spin, UnitType::spin, 31, 0.08, 0.2, 6);
  Rng init(37, 0);
  MatrixF start(64, 128);
  for (Index i = 0; i < start.size(); ++i) start.data()[i] = (init() & 1u) != 0 ? 1.0f : -1.0f;
  const int saved_threads = omp_get_max_threads();
  const auto run = [&](int threads, bool split) {
    omp_set_num_threads(threads);
    ParallelTempering pt(geometric_ladder(4, 0.2));
    pt.reset(start);
    Rng rng(41, 0);
    if (split) {
      for (int i = 0; i < 3; ++i) pt.run(rbm, 1, rng);
    } else {
      pt.run(rbm, 3, rng);
    }
    return std::make_tuple(pt.state(), MatrixF(pt.cold_hidden_field()), rng.state());
  };
  const auto [ref, ref_field, ref_rng] = run(1, false);
  for (const auto& [threads, split] : {std::pair{2, false}, std::pair{3, false}, std::pair{1, true},
                                       std::pair{2, true}}) {
    const auto [s, field, rng_state] = run(threads, split);
    EXPECT_EQ(s.replicas, ref.replicas) << threads << " threads, split " << split;
    EXPECT_EQ(field, ref_field) << threads << " threads, split " << split;
    EXPECT_EQ(s.accepts, ref.accepts);
    EXPECT_EQ(s.attempts, ref.attempts);
    EXPECT_TRUE(rng_state == ref_rng);
  }
  const std::uint64_t accepted = std::accumulate(ref.accepts.begin(), ref.accepts.end(), std::uint64_t{0});
  EXPECT_GT(accepted, 0u);
  EXPECT_LT(accepted, 3u * 3u * 64u);

  // The estimator's gradient too.
  const MatrixF batch = start;
  Gradient g1, g2;
  for (int threads : {1, 2}) {
    omp_set_num_threads(threads);
    TemperingEstimator est(1, geometric_ladder(4, 0.2), false);
    Rng rng(43, 0);
    est.estimate(rbm, batch, rng, threads == 1 ? g1 : g2);
  }
  omp_set_num_threads(saved_threads);
  EXPECT_EQ(g1.dW, g2.dW);
  EXPECT_EQ(g1.da, g2.da);
  EXPECT_EQ(g1.db, g2.db);
}

// The adaptive ladder keeps its end points, stays strictly decreasing, and evens out the swap
// acceptance of a ladder that starts far from even (most of its gaps crowded at the cold end).
TEST(Tempering, AdaptiveLadderEvensAcceptance) {
  const Rbm rbm = random_rbm(10, 4, UnitType::bernoulli, UnitType::bernoulli, 5, 1.0, 0.3, 3);
  const std::vector<double> uneven = {1.0, 0.97, 0.94, 0.91, 0.2};
  Rng rng(2, 0);
  MatrixF start = MatrixF::Zero(200, 10);
  ParallelTempering fixed(uneven, false), adaptive(uneven, true);
  fixed.reset(start);
  adaptive.reset(start);
  Rng rng2 = rng;
  for (int i = 0; i < 300; ++i) {
    fixed.run(rbm, 1, rng);
    adaptive.run(rbm, 1, rng2);
  }
  const auto spread = [](const ParallelTempering& pt, std::vector<std::uint64_t> a0,
                         std::vector<std::uint64_t> c0) {
    double lo = 1.0, hi = 0.0;
    for (std::size_t k = 0; k < a0.size(); ++k) {
      const double r = static_cast<double>(pt.state().accepts[k] - c0[k]) /
                       static_cast<double>(pt.state().attempts[k] - a0[k]);
      lo = std::min(lo, r);
      hi = std::max(hi, r);
    }
    return hi - lo;
  };
  const auto fa = fixed.state().attempts, fc = fixed.state().accepts;
  const auto aa = adaptive.state().attempts, ac = adaptive.state().accepts;
  for (int i = 0; i < 100; ++i) {
    fixed.run(rbm, 1, rng);
    adaptive.run(rbm, 1, rng2);
  }
  const std::vector<double>& b = adaptive.state().betas;
  EXPECT_EQ(b.front(), 1.0);
  EXPECT_NEAR(b.back(), 0.2, 1e-12);
  for (std::size_t k = 1; k < b.size(); ++k) EXPECT_LT(b[k], b[k - 1]);
  EXPECT_EQ(adaptive.state().adaptations, 400u);
  EXPECT_EQ(fixed.state().betas, uneven);
  EXPECT_LT(spread(adaptive, aa, ac), 0.5 * spread(fixed, fa, fc));
}

// ---------------------------------------------------------------------------------------------
// The estimator

TEST(TemperingEstimator, NegativePhaseFromColdReplicasAndStateRoundTrip) {
  const Rbm rbm = random_rbm(8, 5, UnitType::bernoulli, UnitType::bernoulli, 3, 0.5, 0.3, 4);
  const MatrixF batch = test::prototype_data(6, UnitType::bernoulli, 7);
  TemperingEstimator est(2, geometric_ladder(4, 0.2), false);
  Rng rng(1, 0);
  Gradient g;
  est.estimate(rbm, batch, rng, g);
  ASSERT_EQ(est.persistent_chains().rows(), 24);
  const MatrixF cold = est.sampler().cold_states();
  MatrixF hmean;
  rbm.hidden_mean(cold, hmean);
  const estimate::Moments data = estimate::data_moments(rbm, batch);
  const MatrixD neg = cold.cast<double>().transpose() * hmean.cast<double>() / 6.0;
  EXPECT_LT((g.dW.cast<double>() - (data.visible_hidden - neg)).cwiseAbs().maxCoeff(), 1e-5);
  const VectorD neg_a = cold.cast<double>().colwise().mean().transpose();
  EXPECT_LT((g.da.cast<double>() - (data.visible - neg_a)).cwiseAbs().maxCoeff(), 1e-6);

  // Save the state, continue both: identical.
  const EstimatorState saved = est.state();
  ASSERT_TRUE(saved.tempering.has_value());
  TemperingEstimator other(2, geometric_ladder(4, 0.2), false);
  other.restore(saved);
  Rng r1 = rng, r2 = rng;
  Gradient g1, g2;
  est.estimate(rbm, batch, r1, g1);
  other.estimate(rbm, batch, r2, g2);
  EXPECT_EQ(g1.dW, g2.dW);
  EXPECT_EQ(est.persistent_chains(), other.persistent_chains());
  EXPECT_EQ(est.sampler().state().accepts, other.sampler().state().accepts);
  EstimatorState bad = saved;
  bad.chains = MatrixF::Zero(7, 8);  // not a multiple of 4 replicas
  EXPECT_THROW(other.restore(bad), Error);
}

// Checkpoint after 2 epochs, save, load, 2 more == 4 uninterrupted epochs, bit for bit, with the
// adaptive ladder (so the ladder and the swap counters must be restored).
TEST(TemperingCheckpoint, ResumeIsBitIdentical) {
  test::TrainTempDir dir;
  const MatrixF data = test::prototype_data(70, UnitType::spin, 21);
  TrainConfig c;
  c.method = Method::pt;
  c.steps = 2;
  c.pt_replicas = 4;
  c.pt_beta_min = 0.3f;
  c.pt_adaptive = true;
  c.epochs = 4;
  c.batch_size = 15;
  c.seed = 99;
  c.monitor_rows = 20;
  const auto r = test::resume_after_two_epochs(
      c, data, [] { return Rbm(8, 3, UnitType::spin, UnitType::spin); },
      dir.file("pt.checkpoint.h5"));
  ASSERT_TRUE(r.loaded.tempering.has_value());
  EXPECT_EQ(r.loaded.tempering->betas, r.saved.tempering->betas);
  EXPECT_NE(r.loaded.tempering->betas, geometric_ladder(4, 0.3f)) << "the ladder should have adapted";
  EXPECT_EQ(r.loaded.tempering->attempts, r.saved.tempering->attempts);
  EXPECT_EQ(r.loaded.tempering->accepts, r.saved.tempering->accepts);
  EXPECT_EQ(r.loaded.tempering->adaptations, r.saved.tempering->adaptations);
  EXPECT_EQ(r.loaded.persistent_chains.rows(), 4 * 15);
  test::expect_same_parameters(r.resumed, r.straight);
  EXPECT_EQ(r.resumed_end.tempering->betas, r.straight_end.tempering->betas);
}

// PT-1 training on the prototype data improves the exact log-likelihood by > 1 nat (as the TAP
// training test; momentum 0.5).
TEST(TemperingTraining, ImprovesExactLogLikelihood) {
  const MatrixF data = test::prototype_data(300, UnitType::bernoulli, 17);
  TrainConfig c;
  c.method = Method::pt;
  c.pt_replicas = 5;
  c.epochs = 30;
  c.batch_size = 20;
  c.learning_rate = 0.05f;
  c.momentum_final = 0.5f;
  c.seed = 5;
  c.monitor_rows = 20;
  Rbm rbm(8, 6);
  Trainer trainer(rbm, c, data);
  const double before =
      estimate::mean_log_likelihood(rbm, data, estimate::exact_log_partition(rbm)).mean;
  while (!trainer.finished()) trainer.run_epoch();
  const double after =
      estimate::mean_log_likelihood(rbm, data, estimate::exact_log_partition(rbm)).mean;
  EXPECT_GT(after, before + 1.0) << "before " << before << ", after " << after;
}

}  // namespace
}  // namespace rgflow::train
