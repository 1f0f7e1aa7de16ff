// AIS and reverse AIS for convolutional RBMs (conv/log_partition.hpp) against exact enumeration
// (L = 4) and, for the exact bond representation of the Ising model, against Kaufman's
// finite-lattice log Z (ising/exact.hpp) at L = 8. Fixed seeds; tolerances are multiples of the
// estimates' own standard errors plus the bias a finite schedule leaves (checked to be small).
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "rgflow/conv/conv_rbm.hpp"
#include "rgflow/conv/log_partition.hpp"
#include "rgflow/ising/exact.hpp"
#include "support/conv_exact.hpp"

namespace rgflow::conv {
namespace {

TEST(ConvAis, ForwardAndReverseAgreeWithExactLogZAtL4) {
  ConvRbm m(ConvShape{4, 2, 1, 2}, UnitType::spin, UnitType::spin);
  Rng rng(3, 0);
  for (Index i = 0; i < m.kernels().size(); ++i) m.kernels().data()[i] = static_cast<float>(0.5 * rng.normal());
  m.hidden_bias() << 0.2f, -0.1f;
  m.visible_bias() = 0.15f;
  const double exact = exact_log_partition(m);
  const MatrixF samples = test::exact_samples(m, 400, 17);
  const float base = base_visible_bias(m, &samples);
  estimate::AisOptions o;
  o.chains = 200;
  o.betas = estimate::linear_ais_schedule(1001);
  o.seed = 5;
  const estimate::AisResult fwd = ais_log_partition(m, base, o);
  const estimate::AisResult rev = reverse_ais_log_partition(m, base, samples, o);
  EXPECT_NEAR(fwd.log_z.mean, exact, 4.0 * fwd.log_z.error + 0.02);
  EXPECT_NEAR(rev.log_z.mean, exact, 4.0 * rev.log_z.error + 0.02);
  EXPECT_LT(fwd.log_z.error, 0.05);
  EXPECT_LT(rev.log_z.error, 0.05);
  // RAISE: the chains' start rows' mean log-likelihood, a conservative estimate.
  const stats::Result ll = mean_log_likelihood(m, samples.topRows(200), exact);
  EXPECT_NEAR(rev.raise_log_likelihood.mean, ll.mean, 4.0 * rev.log_z.error + 0.02);
}

TEST(ConvAis, BondRepresentationMatchesKaufmanAtL8) {
  const double K = ising::critical_coupling();
  const ConvRbm m = ising_bond_model(8, K);
  const double expected = test::bond_model_log_z(m);
  estimate::AisOptions o;
  o.chains = 32;
  o.betas = estimate::linear_ais_schedule(8001);
  o.seed = 9;
  const estimate::AisResult fwd = ais_log_partition(m, 0.0f, o);
  EXPECT_NEAR(fwd.log_z.mean, expected, 4.0 * fwd.log_z.error + 0.05) << "AIS " << fwd.log_z.mean << " +- " << fwd.log_z.error << " vs exact " << expected;
  EXPECT_LT(fwd.log_z.error, 0.1);
}

TEST(ConvAis, BitIdenticalForAnyThreadCount) {
  const ConvRbm m = ising_bond_model(6, 0.3);
  estimate::AisOptions o;
  o.chains = 7;
  o.betas = estimate::linear_ais_schedule(50);
  o.seed = 1;
  o.threads = 1;
  const estimate::AisResult one = ais_log_partition(m, 0.1f, o);
  o.threads = 3;
  const estimate::AisResult three = ais_log_partition(m, 0.1f, o);
  EXPECT_EQ(one.log_weights, three.log_weights);
}

TEST(ConvAis, RefusesBadOptions) {
  const ConvRbm m = ising_bond_model(4, 0.3);
  estimate::AisOptions o;
  o.chains = 1;
  EXPECT_THROW(ais_log_partition(m, 0.0f, o), Error);
  o.chains = 4;
  o.betas = {0.0, 0.5};
  EXPECT_THROW(ais_log_partition(m, 0.0f, o), Error);
  o.betas = estimate::linear_ais_schedule(3);
  EXPECT_THROW(reverse_ais_log_partition(m, 0.0f, MatrixF(0, 16), o), Error);
  EXPECT_THROW(reverse_ais_log_partition(m, 0.0f, MatrixF::Ones(2, 15), o), Error);
}

}  // namespace
}  // namespace rgflow::conv
