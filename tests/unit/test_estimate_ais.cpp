// AIS building blocks (estimate/ais.hpp): the schedules, the base-rate model and its closed-form
// log Z against exact enumeration, degenerate paths with known weights, determinism across thread
// counts, the error bar's response to the schedule, and input validation. The comparisons of the
// estimates with exact log Z live in tests/statistical/test_estimate_ais.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <ostream>
#include <tuple>
#include <vector>

#include "rgflow/core/error.hpp"
#include "rgflow/estimate/ais.hpp"
#include "rgflow/estimate/exact.hpp"
#include "support/random_rbm.hpp"

namespace rgflow::estimate {
namespace {

Rbm random_rbm(Index nv, Index nh, UnitType vt, UnitType ht, std::uint64_t seed, double w_std,
               double b_std) {
  return test::random_rbm(nv, nh, vt, ht, seed, w_std, b_std, /*stream=*/3);
}

// Rows of independent units, unit i on with probability p_i = (i + 1) / (n + 2).
MatrixF random_data(Index rows, Index nv, UnitType type, std::uint64_t seed) {
  Rng rng(seed, 5);
  const float off = type == UnitType::spin ? -1.0f : 0.0f;
  MatrixF data(rows, nv);
  for (Index r = 0; r < rows; ++r) {
    for (Index i = 0; i < nv; ++i) {
      const double p = static_cast<double>(i + 1) / static_cast<double>(nv + 2);
      data(r, i) = rng.uniform_double() < p ? 1.0f : off;
    }
  }
  return data;
}

TEST(AisSchedule, DefaultMatchesSalakhutdinovMurray) {
  const std::vector<double> betas = default_ais_schedule();
  ASSERT_EQ(betas.size(), 14501u);
  EXPECT_EQ(betas.front(), 0.0);
  EXPECT_EQ(betas.back(), 1.0);
  EXPECT_DOUBLE_EQ(betas[500], 0.5);
  EXPECT_DOUBLE_EQ(betas[4500], 0.9);
  for (std::size_t k = 1; k < betas.size(); ++k) {
    const double step = k <= 500 ? 1e-3 : (k <= 4500 ? 1e-4 : 1e-5);
    ASSERT_NEAR(betas[k] - betas[k - 1], step, 1e-12) << "k = " << k;
  }
}

TEST(AisSchedule, LinearIsEquallySpaced) {
  const std::vector<double> betas = linear_ais_schedule(5);
  EXPECT_EQ(betas, (std::vector<double>{0.0, 0.25, 0.5, 0.75, 1.0}));
  EXPECT_THROW(linear_ais_schedule(1), Error);
}

using Pairing = std::tuple<UnitType, UnitType>;

class AisPairing : public ::testing::TestWithParam<Pairing> {
 protected:
  UnitType vt() const { return std::get<0>(GetParam()); }
  UnitType ht() const { return std::get<1>(GetParam()); }
};

// With W = 0 the closed form Σ_i L_v(a_i) + Σ_j L_h(b_j) is the exact log Z.
TEST_P(AisPairing, BaseLogPartitionMatchesEnumeration) {
  Rbm base = random_rbm(9, 7, vt(), ht(), 21, 0.0, 1.5);
  EXPECT_NEAR(base_log_partition(base), exact_log_partition(base), 1e-12 * 20);
  base.weights()(2, 3) = 0.1f;
  EXPECT_THROW(base_log_partition(base), Error);
}

// p_i = (#on + c) / (N + 2c); Bernoulli a = logit p, spin a = ½ logit p, so that the base model's
// marginal p(v_i = on) is p_i in both cases; its log Z equals the path's log Z_0.
TEST_P(AisPairing, BaseRateModelFitsSmoothedMarginals) {
  const Rbm target = random_rbm(6, 4, vt(), ht(), 22, 1.0, 1.0);
  MatrixF data = random_data(40, 6, vt(), 23);
  const float off = vt() == UnitType::spin ? -1.0f : 0.0f;
  data.col(5).setConstant(off);  // never on: the pseudo-count keeps the bias finite
  const double c = 0.5;
  const Rbm base = base_rate_model(target, data, c);
  EXPECT_EQ(base.n_visible(), 6);
  EXPECT_EQ(base.n_hidden(), 4);
  EXPECT_EQ(base.visible_type(), vt());
  EXPECT_EQ(base.hidden_type(), ht());
  EXPECT_TRUE(base.weights().isZero(0.0f));
  EXPECT_TRUE(base.hidden_bias().isZero(0.0f));
  const double scale = vt() == UnitType::spin ? 2.0 : 1.0;
  for (Index i = 0; i < 6; ++i) {
    const double on = static_cast<double>((data.col(i).array() == 1.0f).count());
    const double p = (on + c) / (40.0 + 2.0 * c);
    const double model_p = 1.0 / (1.0 + std::exp(-scale * base.visible_bias()[i]));
    EXPECT_NEAR(model_p, p, 1e-6) << "unit " << i;
  }
  EXPECT_NEAR(base_log_partition(base), exact_log_partition(base), 1e-12 * 20);

  AisOptions options;
  options.chains = 4;
  options.betas = {0.0, 1.0};
  const AisResult result = ais_log_partition(target, base, options);
  EXPECT_DOUBLE_EQ(result.log_z_start, result.log_z_base);
  EXPECT_EQ(result.n_betas, 2u);
  EXPECT_EQ(result.chains, 4);
  EXPECT_EQ(result.log_weights.size(), 4u);
}

// Target identical to the base: every intermediate distribution is the same, every weight is 1,
// and the estimate is exact with zero error, forward and reverse.
TEST_P(AisPairing, IdenticalModelsGiveUnitWeights) {
  const Rbm target = base_rate_model(random_rbm(7, 5, vt(), ht(), 24, 1.0, 1.0),
                                     random_data(30, 7, vt(), 25));
  AisOptions options;
  options.chains = 8;
  options.betas = linear_ais_schedule(20);
  for (const bool reverse : {false, true}) {
    const AisResult r = reverse ? reverse_ais_log_partition(target, target, random_data(5, 7, vt(), 26), options)
                                : ais_log_partition(target, target, options);
    for (const double lw : r.log_weights) EXPECT_EQ(lw, 0.0);
    EXPECT_NEAR(r.log_z.mean, exact_log_partition(target), 1e-12 * 20);
    EXPECT_EQ(r.log_z.error, 0.0);
    EXPECT_DOUBLE_EQ(r.effective_sample_size, 8.0);
    EXPECT_DOUBLE_EQ(r.log_z_lower3, r.log_z.mean);
    EXPECT_DOUBLE_EQ(r.log_z_upper3, r.log_z.mean);
  }
}

// Chain c always draws from Rng(seed, c) and batches are fixed, so the thread count cannot change
// a single bit; another seed must change the weights.
TEST_P(AisPairing, ThreadCountDoesNotChangeTheResult) {
  const Rbm target = random_rbm(10, 6, vt(), ht(), 27, 0.8, 0.5);
  const MatrixF data = random_data(50, 10, vt(), 28);
  const Rbm base = base_rate_model(target, data);
  AisOptions options;
  options.chains = 10;
  options.chains_per_batch = 3;  // 4 batches, the last one short
  options.betas = linear_ais_schedule(50);
  options.seed = 99;
  for (const bool reverse : {false, true}) {
    auto run = [&](int threads, std::uint64_t seed) {
      AisOptions o = options;
      o.threads = threads;
      o.seed = seed;
      return reverse ? reverse_ais_log_partition(target, base, data, o) : ais_log_partition(target, base, o);
    };
    const AisResult one = run(1, 99);
    const AisResult two = run(2, 99);
    const AisResult three = run(3, 99);
    EXPECT_EQ(one.log_weights, two.log_weights) << "reverse " << reverse;
    EXPECT_EQ(one.log_weights, three.log_weights) << "reverse " << reverse;
    EXPECT_EQ(one.log_z.mean, two.log_z.mean);
    EXPECT_NE(one.log_weights, run(2, 100).log_weights);
  }
}

// One step from β = 0 to 1 is plain importance sampling from the base model; annealing through
// many temperatures must shrink the error bar and raise the effective sample size.
TEST_P(AisPairing, ErrorBarShrinksWithMoreTemperatures) {
  const Rbm target = random_rbm(10, 8, vt(), ht(), 29, 0.8, 0.5);
  const Rbm base = base_rate_model(target, random_data(100, 10, vt(), 30));
  AisOptions options;
  options.chains = 100;
  options.seed = 7;
  options.betas = {0.0, 1.0};
  const AisResult single = ais_log_partition(target, base, options);
  options.betas = linear_ais_schedule(300);
  const AisResult many = ais_log_partition(target, base, options);
  EXPECT_LT(many.log_z.error, 0.5 * single.log_z.error);
  EXPECT_GT(many.effective_sample_size, single.effective_sample_size);
  EXPECT_GT(many.effective_sample_size, 50.0);
  EXPECT_LE(single.effective_sample_size, 100.0);
  EXPECT_GE(single.effective_sample_size, 1.0);
  EXPECT_LE(many.log_z_lower3, many.log_z.mean);
  EXPECT_GE(many.log_z_upper3, many.log_z.mean);
}

INSTANTIATE_TEST_SUITE_P(AllPairings, AisPairing,
                         ::testing::Combine(::testing::Values(UnitType::bernoulli, UnitType::spin),
                                            ::testing::Values(UnitType::bernoulli, UnitType::spin)));

TEST(AisValidation, RejectsBadSchedulesAndOptions) {
  const Rbm target = random_rbm(5, 3, UnitType::bernoulli, UnitType::bernoulli, 31, 1.0, 1.0);
  const Rbm base(5, 3);
  auto with_betas = [](std::vector<double> betas) {
    AisOptions o;
    o.chains = 4;
    o.betas = std::move(betas);
    return o;
  };
  EXPECT_THROW(ais_log_partition(target, base, with_betas({1.0})), Error);
  EXPECT_THROW(ais_log_partition(target, base, with_betas({0.1, 1.0})), Error);
  EXPECT_THROW(ais_log_partition(target, base, with_betas({0.0, 0.9})), Error);
  EXPECT_THROW(ais_log_partition(target, base, with_betas({0.0, 0.6, 0.5, 1.0})), Error);
  EXPECT_NO_THROW(ais_log_partition(target, base, with_betas({0.0, 0.5, 0.5, 1.0})));
  AisOptions o = with_betas({0.0, 1.0});
  o.chains = 1;
  EXPECT_THROW(ais_log_partition(target, base, o), Error);
  o.chains = 4;
  o.chains_per_batch = 0;
  EXPECT_THROW(ais_log_partition(target, base, o), Error);
}

TEST(AisValidation, RejectsIncompatibleModelsAndData) {
  const Rbm target = random_rbm(5, 3, UnitType::bernoulli, UnitType::spin, 32, 1.0, 1.0);
  AisOptions o;
  o.chains = 4;
  o.betas = {0.0, 1.0};
  Rbm coupled(5, 3);
  coupled.weights()(0, 0) = 0.5f;
  EXPECT_THROW(ais_log_partition(target, coupled, o), Error);
  EXPECT_THROW(ais_log_partition(target, Rbm(6, 3), o), Error);
  EXPECT_THROW(ais_log_partition(target, Rbm(5, 3, UnitType::spin), o), Error);
  // The base's hidden layer only enters log_z_base: any size and type is accepted.
  EXPECT_NO_THROW(ais_log_partition(target, Rbm(5, 9, UnitType::bernoulli, UnitType::bernoulli), o));

  const Rbm base(5, 3);
  EXPECT_THROW(reverse_ais_log_partition(target, base, MatrixF(0, 5), o), Error);
  EXPECT_THROW(reverse_ais_log_partition(target, base, MatrixF::Zero(3, 4), o), Error);
  EXPECT_THROW(reverse_ais_log_partition(target, base, MatrixF::Constant(3, 5, 0.5f), o), Error);
  EXPECT_THROW(base_rate_model(target, MatrixF(0, 5)), Error);
  EXPECT_THROW(base_rate_model(target, MatrixF::Zero(3, 5), 0.0), Error);
  EXPECT_THROW(base_rate_model(target, MatrixF::Constant(3, 5, -1.0f)), Error);
}

}  // namespace
}  // namespace rgflow::estimate
