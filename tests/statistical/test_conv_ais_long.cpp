// The positive control at L = 16 (issue #16 item 3): the hand-built exact bond
// representation of the periodic Ising model at K_c (conv/conv_rbm.hpp), whose log Z is Kaufman's
// plus 2L² (log 2 + K), estimated by forward and reverse AIS with the default 14,501-temperature
// schedule. No exact sampler is at hand at L = 16, so the reverse chains start from configurations
// equilibrated by long Gibbs runs of the model itself
// (the bound then holds approximately; docs/conv.md). Tolerance: 4 standard errors of each
// estimate plus 0.05 nats for the schedule's residual bias (measured ≈ 0.03 at L = 8).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "rgflow/conv/conv_rbm.hpp"
#include "rgflow/conv/log_partition.hpp"
#include "rgflow/ising/exact.hpp"
#include "support/conv_exact.hpp"

namespace rgflow::conv {
namespace {

TEST(ConvAisLong, BondRepresentationMatchesKaufmanAtL16) {
  const double K = ising::critical_coupling();
  const ConvRbm m = ising_bond_model(16, K);
  const double expected = test::bond_model_log_z(m);
  estimate::AisOptions o;
  o.chains = 100;
  o.seed = 4;
  const estimate::AisResult fwd = ais_log_partition(m, 0.0f, o);
  EXPECT_NEAR(fwd.log_z.mean, expected, 4.0 * fwd.log_z.error + 0.05)
      << "forward " << fwd.log_z.mean << " +- " << fwd.log_z.error << ", exact " << expected;
  EXPECT_LT(fwd.log_z.error, 0.2);

  // Reverse AIS from model samples: 100 chains, 2000 Gibbs sweeps each from random spins.
  MatrixF V(100, m.n_visible()), H;
  Rng init(4, 100);
  for (Index i = 0; i < V.size(); ++i) V.data()[i] = init.uniform() < 0.5f ? -1.0f : 1.0f;
  Rng gibbs(4, 101);
  m.gibbs(V, H, 2000, gibbs);
  const estimate::AisResult rev = reverse_ais_log_partition(m, 0.0f, V, o);
  EXPECT_NEAR(rev.log_z.mean, expected, 4.0 * rev.log_z.error + 0.05)
      << "reverse " << rev.log_z.mean << " +- " << rev.log_z.error << ", exact " << expected;
  EXPECT_LT(rev.log_z.error, 0.2);
  std::printf("L=16 K_c bond model: exact %.4f, forward AIS %.4f +- %.4f, reverse AIS %.4f +- %.4f\n", expected,
              fwd.log_z.mean, fwd.log_z.error, rev.log_z.mean, rev.log_z.error);
}

}  // namespace
}  // namespace rgflow::conv
