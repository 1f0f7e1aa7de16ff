// Forward and reverse AIS (estimate/ais.hpp) against exact enumeration (estimate/exact.hpp) on
// small RBMs, for all four Bernoulli/spin pairings. Fixed seeds; tolerances from the reported
// error bars (|estimate − exact| < 4σ) plus an absolute cap.
#include <gtest/gtest.h>

#include <iostream>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include "rgflow/estimate/ais.hpp"
#include "rgflow/estimate/exact.hpp"
#include "support/random_rbm.hpp"

namespace rgflow::estimate {
namespace {

Rbm random_rbm(Index nv, Index nh, UnitType vt, UnitType ht, std::uint64_t seed, double w_std,
               double b_std) {
  return test::random_rbm(nv, nh, vt, ht, seed, w_std, b_std, /*stream=*/3);
}

// n exact samples of p(v) = e^{−F(v)}/Z: enumerate all 2^n_visible states, then invert the CDF.
MatrixF exact_samples(const Rbm& rbm, Index n, std::uint64_t seed) {
  const Index nv = rbm.n_visible();
  const Index n_states = Index{1} << nv;
  const float off = rbm.visible_type() == UnitType::spin ? -1.0f : 0.0f;
  MatrixF states(n_states, nv);
  for (Index s = 0; s < n_states; ++s) {
    for (Index i = 0; i < nv; ++i) states(s, i) = ((s >> i) & 1) != 0 ? 1.0f : off;
  }
  const VectorD free_energy = rbm.free_energy_visible(states);
  const double log_z = exact_log_partition(rbm);
  std::vector<double> cdf(static_cast<std::size_t>(n_states));
  double acc = 0.0;
  for (Index s = 0; s < n_states; ++s) {
    acc += std::exp(-free_energy[s] - log_z);
    cdf[static_cast<std::size_t>(s)] = acc;
  }
  Rng rng(seed, 11);
  MatrixF out(n, nv);
  for (Index r = 0; r < n; ++r) {
    const double u = rng.uniform_double() * acc;
    const auto it = std::upper_bound(cdf.begin(), cdf.end(), u);
    const Index s = std::min<Index>(static_cast<Index>(it - cdf.begin()), n_states - 1);
    out.row(r) = states.row(s);
  }
  return out;
}

using Pairing = std::tuple<UnitType, UnitType>;

class AisAgainstExact : public ::testing::TestWithParam<Pairing> {
 protected:
  UnitType vt() const { return std::get<0>(GetParam()); }
  UnitType ht() const { return std::get<1>(GetParam()); }
};

struct Case {
  Index nv, nh;
  double w_std, b_std;
};

// Weights strong enough that log Z is far from the base model's (several nats), weaker for spin
// visible units, whose fields are larger (|v_i| = 1 for every unit).
std::vector<Case> cases(UnitType vt) {
  const double w = vt == UnitType::spin ? 0.5 : 1.0;
  return {Case{12, 8, 1.5 * w, 0.5}, Case{10, 10, w, 0.5}};
}

// Schedule for the default suite: 2,000 equally spaced temperatures, 100 chains.
AisOptions test_options(std::uint64_t seed) {
  AisOptions options;
  options.chains = 100;
  options.betas = linear_ais_schedule(2001);
  options.seed = seed;
  return options;
}

// |estimate − exact| < 4σ with σ the reported error, and below an absolute 0.05 nats; σ itself must
// be small enough for the comparison to mean something.
void expect_agrees(const AisResult& r, double exact, const std::string& what) {
  EXPECT_LT(std::fabs(r.log_z.mean - exact), 4.0 * r.log_z.error)
      << what << ": estimate " << r.log_z.mean << " ± " << r.log_z.error << ", exact " << exact;
  EXPECT_LT(std::fabs(r.log_z.mean - exact), 0.05) << what;
  EXPECT_LT(r.log_z.error, 0.02) << what;
  EXPECT_GT(r.log_z.error, 0.0) << what;
  EXPECT_LT(r.log_z_lower3, r.log_z.mean) << what;
  EXPECT_GT(r.log_z_upper3, r.log_z.mean) << what;
}

// Forward AIS from the base-rate model fitted to exact samples.
TEST_P(AisAgainstExact, ForwardAisMatchesEnumeration) {
  std::uint64_t seed = 1;
  for (const Case& c : cases(vt())) {
    const Rbm rbm = random_rbm(c.nv, c.nh, vt(), ht(), 7 + seed, c.w_std, c.b_std);
    const double exact = exact_log_partition(rbm);
    const Rbm base = base_rate_model(rbm, exact_samples(rbm, 1000, seed));
    const AisResult r = ais_log_partition(rbm, base, test_options(seed));
    // Not too easy: plain importance sampling from the base (a single step β = 0 → 1) is far worse.
    AisOptions one_step = test_options(seed);
    one_step.betas = {0.0, 1.0};
    const AisResult is = ais_log_partition(rbm, base, one_step);
    EXPECT_GT(is.log_z.error, 5.0 * r.log_z.error);
    expect_agrees(r, exact, std::to_string(c.nv) + "x" + std::to_string(c.nh));
    EXPECT_GT(r.effective_sample_size, 80.0);
    ++seed;
  }
}

// Reverse AIS from exact samples of the target (drawn by enumeration), so E[w_r] = Z_0/Z_B holds.
TEST_P(AisAgainstExact, ReverseAisFromExactSamplesMatchesEnumeration) {
  std::uint64_t seed = 11;
  for (const Case& c : cases(vt())) {
    const Rbm rbm = random_rbm(c.nv, c.nh, vt(), ht(), 7 + seed, c.w_std, c.b_std);
    const double exact = exact_log_partition(rbm);
    const MatrixF samples = exact_samples(rbm, 1000, seed);
    const Rbm base = base_rate_model(rbm, samples);
    const AisResult r = reverse_ais_log_partition(rbm, base, samples, test_options(seed));
    expect_agrees(r, exact, std::to_string(c.nv) + "x" + std::to_string(c.nh) + " reverse");
    EXPECT_GT(r.effective_sample_size, 80.0);
    ++seed;
  }
}

// A base model that is not the base-rate model: uniform visible biases and a hidden layer of another
// size with nonzero biases. Only log_z_base sees that hidden layer; the path starts from
// log Z_0 = n_v L_v(0) + n_h(target) log 2 and the estimate is still exact in expectation.
TEST_P(AisAgainstExact, AnyZeroWeightBaseModelWorks) {
  const Rbm rbm = random_rbm(10, 8, vt(), ht(), 41, 0.5, 0.5);
  const double exact = exact_log_partition(rbm);
  Rbm base(10, 5, vt(), UnitType::bernoulli);
  base.hidden_bias().setConstant(0.7f);
  const AisResult r = ais_log_partition(rbm, base, test_options(42));
  EXPECT_NEAR(r.log_z_base, exact_log_partition(base), 1e-12 * 20);
  EXPECT_NEAR(r.log_z_start, 18.0 * std::log(2.0), 1e-12);
  expect_agrees(r, exact, "uniform base");
}

// RAISE (Burda et al. 2015) from rows that are not model samples: the mean of
// log p̂(x) = −F(x) + log w_r − log Z_0 is a conservative estimate of the rows' mean log-likelihood.
// With as many chains as rows, chain c starts at row c, so the per-row errors are
// log p̂(x_c) − log p(x_c) = log w_r,c − log Z_0 + log Z.
TEST_P(AisAgainstExact, RaiseLogLikelihoodOfDataRowsIsConservative) {
  const Rbm rbm = random_rbm(12, 8, vt(), ht(), 61, vt() == UnitType::spin ? 0.75 : 1.5, 0.5);
  const double exact = exact_log_partition(rbm);
  Rng rng(62, 0);
  MatrixF rows(100, 12);  // independent units, each on with probability 0.3
  const float off = vt() == UnitType::spin ? -1.0f : 0.0f;
  for (Index i = 0; i < rows.size(); ++i) rows.data()[i] = rng.uniform() < 0.3f ? 1.0f : off;
  const Rbm base = base_rate_model(rbm, exact_samples(rbm, 1000, 63));
  const AisResult r = reverse_ais_log_partition(rbm, base, rows, test_options(64));
  const stats::Result truth = mean_log_likelihood(rbm, rows, exact);

  double sum = 0.0, sum_sq = 0.0;
  for (const double lw : r.log_weights) {
    const double d = lw - r.log_z_start + exact;
    sum += d;
    sum_sq += d * d;
  }
  const double mean = sum / 100.0;
  const double se = std::sqrt((sum_sq / 100.0 - mean * mean) / 99.0);
  EXPECT_NEAR(r.raise_log_likelihood.mean - truth.mean, mean, 1e-4);
  EXPECT_LT(mean, 4.0 * se) << "RAISE should not overestimate: " << mean << " ± " << se;
  EXPECT_LT(std::fabs(mean), 0.05) << mean << " ± " << se;
  EXPECT_EQ(r.raise_log_likelihood.n, 100);
  EXPECT_GT(r.raise_log_likelihood.error, 0.0);
  EXPECT_TRUE(std::isnan(ais_log_partition(rbm, base, test_options(65)).raise_log_likelihood.mean));
}

// What each direction bounds: E[log Ẑ] ≤ log Z forward and ≥ log Z reverse (from exact samples),
// by Jensen's inequality. With 2 chains and 3 temperatures (0, ½, 1) the bias is large enough to see
// in the mean over 1000 independent repetitions (seeds), well outside its 4σ standard error.
TEST_P(AisAgainstExact, ShortRunsBiasForwardDownAndReverseUp) {
  const Rbm rbm = random_rbm(10, 8, vt(), ht(), 51, vt() == UnitType::spin ? 0.75 : 1.5, 0.5);
  const double exact = exact_log_partition(rbm);
  const MatrixF samples = exact_samples(rbm, 4000, 52);
  const Rbm base = base_rate_model(rbm, samples);
  AisOptions options;
  options.chains = 2;
  options.betas = linear_ais_schedule(3);
  const int repeats = 1000;
  for (const bool reverse : {false, true}) {
    double sum = 0.0, sum_sq = 0.0;
    for (int s = 0; s < repeats; ++s) {
      options.seed = 1000 + static_cast<std::uint64_t>(s);
      const double d = (reverse ? reverse_ais_log_partition(rbm, base, samples, options)
                                : ais_log_partition(rbm, base, options))
                           .log_z.mean - exact;
      sum += d;
      sum_sq += d * d;
    }
    const double mean = sum / repeats;
    const double se = std::sqrt((sum_sq / repeats - mean * mean) / (repeats - 1));
    if (reverse) {
      EXPECT_GT(mean, 4.0 * se) << "reverse AIS should overestimate log Z on average: " << mean << " ± " << se;
    } else {
      EXPECT_LT(mean, -4.0 * se) << "forward AIS should underestimate log Z on average: " << mean << " ± " << se;
    }
  }
}

// The large-weight case: a random 30x15 Bernoulli RBM with W ~ N(0, 2²) (strongly
// multimodal; log Z is tens of nats above the base model's), the default Salakhutdinov & Murray
// schedule and 100 chains. Forward AIS within 3 reported σ of exact (enumerating 2^15 hidden
// states); reverse AIS from exact samples not below exact − 3σ.
TEST(AisLargeWeights, ThirtyByFifteenWithinThreeSigma) {
  const Rbm rbm = random_rbm(30, 15, UnitType::bernoulli, UnitType::bernoulli, 2024, 2.0, 0.5);
  const double exact = exact_log_partition(rbm);

  const MatrixF samples = test::exact_samples_by_hidden(rbm, 100, 5);

  AisOptions options;
  options.chains = 100;
  options.seed = 17;  // default schedule: 14,501 temperatures
  const Rbm base = base_rate_model(rbm, samples);
  const AisResult forward = ais_log_partition(rbm, base, options);
  EXPECT_LT(std::fabs(forward.log_z.mean - exact), 3.0 * forward.log_z.error)
      << "forward " << forward.log_z.mean << " ± " << forward.log_z.error << ", exact " << exact;
  EXPECT_GT(forward.log_z.error, 0.0);
  EXPECT_GT(exact - base_log_partition(base), 10.0) << "the case must be far from the base model";

  const AisResult reverse = reverse_ais_log_partition(rbm, base, samples, options);
  EXPECT_GT(reverse.log_z.mean, exact - 3.0 * reverse.log_z.error)
      << "reverse " << reverse.log_z.mean << " ± " << reverse.log_z.error << ", exact " << exact;
  EXPECT_LT(std::fabs(reverse.log_z.mean - exact), 3.0 * reverse.log_z.error + 0.05);
  std::cout << "30x15, W~N(0,4): exact " << exact << ", AIS " << forward.log_z.mean << " ± "
            << forward.log_z.error << " (ESS " << forward.effective_sample_size << "), reverse "
            << reverse.log_z.mean << " ± " << reverse.log_z.error << "\n";
}

INSTANTIATE_TEST_SUITE_P(AllPairings, AisAgainstExact,
                         ::testing::Combine(::testing::Values(UnitType::bernoulli, UnitType::spin),
                                            ::testing::Values(UnitType::bernoulli, UnitType::spin)));

}  // namespace
}  // namespace rgflow::estimate
