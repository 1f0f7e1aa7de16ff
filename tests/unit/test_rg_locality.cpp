// Block masks, masked training, receptive-field locality (rg/local_mask.hpp,
// rg/receptive_fields.hpp) and the flow's temperature estimators (rg/rbm_flow.hpp).
#include <gtest/gtest.h>

#include <cmath>

#include "rgflow/ising/exact.hpp"
#include "rgflow/rg/local_mask.hpp"
#include "rgflow/rg/rbm_flow.hpp"
#include "rgflow/rg/receptive_fields.hpp"
#include "support/random_rbm.hpp"

namespace rgflow::rg {
namespace {

TEST(BlockMask, EachUnitSeesItsBlockAndHalo) {
  const MatrixF m = block_mask(Lattice::square(6), parse_block_mask("block:2,halo:1"));
  ASSERT_EQ(m.rows(), 36);
  ASSERT_EQ(m.cols(), 9);
  for (Index j = 0; j < 9; ++j) EXPECT_EQ(m.col(j).sum(), 16.0f);  // (2 + 2·1)² sites
  const MatrixF plain = block_mask(Lattice::square(6), parse_block_mask("block:3"));
  EXPECT_EQ(plain.cols(), 4);
  EXPECT_TRUE((plain.rowwise().sum().array() == 1.0f).all());  // blocks tile the lattice
  const MatrixF ring = block_mask(Lattice::chain(8), parse_block_mask("block:2,halo:1,units:2"));
  EXPECT_EQ(ring.cols(), 8);
  EXPECT_EQ(ring.col(0).sum(), 4.0f);
  EXPECT_EQ(ring(7, 0), 1.0f);  // periodic halo
  EXPECT_THROW(parse_block_mask("halo:1"), Error);
  EXPECT_THROW(parse_block_mask("block:x"), Error);
  EXPECT_THROW(block_mask(Lattice::square(5), parse_block_mask("block:2")), Error);
}

TEST(Locality, MaskedBlockRbmIsLocalAndRandomWeightsMatchTheNull) {
  const int L = 8;
  const Lattice lattice = Lattice::square(L);
  Rbm masked = test::random_rbm(64, 16, UnitType::spin, UnitType::spin, 81, 1.0, 0.0, 1);
  masked.set_mask(block_mask(lattice, parse_block_mask("block:2")));
  LocalityOptions options;
  options.radius = 1.5;  // every site of a 2×2 block is within √2 of any point of the block
  options.permutations = 200;
  options.seed = 4;
  const auto local = receptive_field_locality(Dbn({masked}), lattice, options);
  EXPECT_DOUBLE_EQ(local[0].score.mean, 1.0);
  // The same four weights on random sites: the centre sits near the heaviest one and captures
  // only part of the rest.
  EXPECT_LT(local[0].null_score.mean + 4.0 * local[0].null_score.error, 1.0);

  // Unstructured weights: each unit's score is a draw from (about) its own permutation null.
  const Rbm dense = test::random_rbm(64, 200, UnitType::spin, UnitType::spin, 82, 1.0, 0.0, 2);
  const auto random = receptive_field_locality(Dbn({dense}), lattice, options);
  const double diff = random[0].score.mean - random[0].null_score.mean;
  EXPECT_LT(std::fabs(diff), 4.0 * std::hypot(random[0].score.error, random[0].null_score.error));
  // The null is about the fraction of sites near a centre, (sites within r = 1.5: 9) / 64 for a
  // flat field; heavy-tailed squared weights concentrate more, so it is somewhat above.
  EXPECT_GT(random[0].null_score.mean, 9.0 / 64.0 * 0.8);
  EXPECT_LT(random[0].null_score.mean, 0.35);
}

TEST(Locality, ReceptiveFieldsOfADbnAreProductsOfWeights) {
  const Rbm a = test::random_rbm(9, 4, UnitType::bernoulli, UnitType::bernoulli, 83, 1.0, 0.1, 3);
  const Rbm b = test::random_rbm(4, 2, UnitType::bernoulli, UnitType::bernoulli, 83, 1.0, 0.1, 4);
  const Dbn dbn({a, b});
  const MatrixD r = effective_receptive_fields(dbn, 2);
  const MatrixD expected = a.weights().cast<double>() * b.weights().cast<double>();
  EXPECT_LT((r - expected).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_THROW(effective_receptive_fields(dbn, 3), Error);
  // Centre of a field concentrated on one site is that site, on the torus too.
  Eigen::VectorXd f = Eigen::VectorXd::Zero(9);
  f[8] = 2.0;  // (x, y) = (2, 2)
  const Locality loc = field_locality(f, Lattice::square(3), 0.1);
  EXPECT_NEAR(loc.centre_x, 2.0, 1e-12);
  EXPECT_NEAR(loc.centre_y, 2.0, 1e-12);
  EXPECT_DOUBLE_EQ(loc.score, 1.0);
}

TEST(FlowEstimators, EnergyInversionRecoversTheTemperatureOfTheExactCurve) {
  for (double T : {1.5, 2.269, 3.0, 5.0}) {
    const double u = ising::kaufman(8, 1.0 / T).energy_per_spin;
    const stats::Result r = temperature_from_energy(8, {u, 0.01, 0.5, 100});
    EXPECT_NEAR(r.mean, T, 1e-9 * T);
    // σ_T = σ_u / (du/dT) against a central finite difference of the exact curve.
    const double h = 1e-5;
    const double dudt = (ising::kaufman(8, 1.0 / (T + h)).energy_per_spin -
                         ising::kaufman(8, 1.0 / (T - h)).energy_per_spin) / (2 * h);
    EXPECT_NEAR(r.error, 0.01 / dudt, 1e-5 * r.error);
  }
  EXPECT_TRUE(std::isnan(temperature_from_energy(8, {-2.5, 0.01, 0.5, 1}).mean));
}

TEST(FlowEstimators, PseudoLikelihoodIsExactOnItsOwnModel) {
  // Exact samples of the 3×3 periodic Ising model at K = 0.35 by inverse-CDF over all 512 states;
  // the maximum pseudo-likelihood K̂ is consistent: within 4 standard errors of K.
  const int L = 3;
  const double K = 0.35;
  std::vector<double> cdf(512);
  double total = 0.0;
  for (int b = 0; b < 512; ++b) {
    double bonds = 0.0;
    for (int y = 0; y < L; ++y) {
      for (int x = 0; x < L; ++x) {
        const auto s = [&](int xx, int yy) { return ((b >> (yy * L + xx)) & 1) ? 1.0 : -1.0; };
        bonds += s(x, y) * (s((x + 1) % L, y) + s(x, (y + 1) % L));
      }
    }
    total += std::exp(K * bonds);
    cdf[static_cast<std::size_t>(b)] = total;
  }
  Rng rng(9, 0);
  const Index N = 4000;
  MatrixF rows(N, 9);
  for (Index n = 0; n < N; ++n) {
    const double u = rng.uniform_double() * total;
    const int b = static_cast<int>(std::lower_bound(cdf.begin(), cdf.end(), u) - cdf.begin());
    for (int i = 0; i < 9; ++i) rows(n, i) = ((b >> i) & 1) ? 1.0f : -1.0f;
  }
  const stats::Result k = pseudo_likelihood_coupling(rows, L);
  EXPECT_LT(std::fabs(k.mean - K), 4.0 * k.error);
  EXPECT_LT(k.error, 0.02);
  const LatticeObservables o = lattice_observables(rows, L);
  const double u = ising::kaufman(L, K).energy_per_spin;
  EXPECT_LT(std::fabs(o.energy.mean - u), 4.0 * o.energy.error);
}

}  // namespace
}  // namespace rgflow::rg
