// AIS with a Gaussian base model (estimate/ais.hpp, docs/gaussian.md §5) against the exact log Z
// of Gaussian–binary RBMs whose hidden layer can be enumerated: forward AIS within 3 of its own
// standard errors, and reverse AIS from exact model samples likewise, for both hidden unit types.
#include <gtest/gtest.h>

#include <cmath>

#include "rgflow/estimate/ais.hpp"
#include "rgflow/estimate/exact.hpp"
#include "support/gaussian_rbm.hpp"

namespace rgflow::estimate {
namespace {

class GaussianAis : public ::testing::TestWithParam<UnitType> {};

TEST_P(GaussianAis, ForwardAndReverseAgreeWithExact) {
  const Rbm rbm = test::random_gaussian_rbm(20, 10, GetParam(), 81, 0.25, 0.5, 0.5, 1.5);
  const double exact = exact_log_partition(rbm);
  const MatrixF samples = test::exact_samples_by_hidden(rbm, 2000, 82);
  const Rbm base = base_rate_model(rbm, samples);
  ASSERT_EQ(base.visible_type(), UnitType::gaussian);
  AisOptions o;
  o.chains = 100;
  o.betas = linear_ais_schedule(1000);
  o.seed = 83;
  const AisResult fwd = ais_log_partition(rbm, base, o);
  EXPECT_GT(fwd.log_z.error, 0.0);
  EXPECT_LT(fwd.log_z.error, 0.05);  // the comparison below must have teeth
  EXPECT_NEAR(fwd.log_z.mean, exact, 3.0 * fwd.log_z.error + 1e-4);
  EXPECT_NEAR(fwd.log_z_base, base_log_partition(base), 1e-12);
  EXPECT_NEAR(fwd.log_z_start, fwd.log_z_base, 1e-9);  // base hidden biases are 0

  const AisResult rev = reverse_ais_log_partition(rbm, base, samples, o);
  EXPECT_LT(rev.log_z.error, 0.05);
  EXPECT_NEAR(rev.log_z.mean, exact, 3.0 * rev.log_z.error + 1e-4);
}

INSTANTIATE_TEST_SUITE_P(HiddenTypes, GaussianAis,
                         ::testing::Values(UnitType::bernoulli, UnitType::spin));

TEST(GaussianAisBase, ClosedFormLogPartitionOfTheBase) {
  // W = 0: Z = Π_i √(2πσ_A,i²) Π_j (1 + e^{b_j}).
  Rbm base(3, 2, UnitType::gaussian);
  base.visible_sigma() << 0.5f, 1.0f, 2.0f;
  base.visible_bias() << 1.0f, -3.0f, 0.0f;
  base.hidden_bias() << 0.3f, -0.2f;
  const double expected = 1.5 * std::log(2.0 * M_PI) + std::log(0.5) + std::log(2.0) +
                          std::log1p(std::exp(0.3)) + std::log1p(std::exp(-0.2));
  EXPECT_NEAR(base_log_partition(base), expected, 1e-6);
  EXPECT_NEAR(exact_log_partition(base), expected, 1e-6);
}

TEST(GaussianAisBase, FittedToTheDataWithSigmaFloor) {
  Rbm target(2, 3, UnitType::gaussian);
  target.visible_sigma() << 0.1f, 5.0f;
  MatrixF data(4, 2);
  data << 0.0f, 1.0f, 1.0f, 1.0f, 2.0f, 1.0f, 3.0f, 1.0f;
  const Rbm base = base_rate_model(target, data);
  EXPECT_FLOAT_EQ(base.visible_bias()[0], 1.5f);
  EXPECT_FLOAT_EQ(base.visible_bias()[1], 1.0f);
  EXPECT_NEAR(base.visible_sigma()[0], std::sqrt(1.25), 1e-6);  // data sd
  EXPECT_FLOAT_EQ(base.visible_sigma()[1], 5.0f);                 // constant column: the model's σ
  EXPECT_TRUE(base.weights().isZero());
}

}  // namespace
}  // namespace rgflow::estimate
