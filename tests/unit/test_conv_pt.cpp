// Parallel tempering for convolutional RBMs (conv/tempering.hpp): the tempered log-weight against
// a brute-force sum over hidden states of the dense expansion's e^{−βE(v,h)}; every replica's
// states against its exact tempered distribution p_β (the model with all parameters scaled by β,
// enumerated) by Pearson's chi-square, with a power check (replica 1 against β = 1 is rejected);
// PT escaping a mode that traps plain Gibbs; bit-identical states and training for 1 and 2
// threads. (PT training against the exact model: tests/statistical/test_conv_training_long.cpp.)
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>

#include "rgflow/conv/log_partition.hpp"
#include "rgflow/conv/tempering.hpp"
#include "rgflow/conv/train.hpp"
#include "rgflow/core/error.hpp"
#include "support/conv_exact.hpp"

namespace rgflow::conv {
namespace {

ConvRbm scaled(const ConvRbm& m, double beta) {
  ConvRbm s = m;
  s.kernels() = (beta * m.kernels().cast<double>()).cast<float>();
  s.hidden_bias() = (beta * m.hidden_bias().cast<double>()).cast<float>();
  s.visible_bias() = static_cast<float>(beta * m.visible_bias());
  return s;
}

MatrixF random_states(const ConvRbm& m, Index rows, std::uint64_t seed) {
  Rng rng(seed, 0);
  MatrixF X(rows, m.n_visible());
  const float off = m.visible_type() == UnitType::spin ? -1.0f : 0.0f;
  for (Index i = 0; i < X.size(); ++i) X.data()[i] = rng.uniform() < 0.5f ? off : 1.0f;
  return X;
}

TEST(ConvPt, TemperedLogWeightIsTheBruteForceSumOverHiddenStates) {
  for (const auto& [vt, ht] : {std::pair{UnitType::spin, UnitType::spin}, std::pair{UnitType::bernoulli, UnitType::spin},
                               std::pair{UnitType::spin, UnitType::bernoulli}}) {
    const ConvRbm m = test::random_conv_model(ConvShape{3, 2, 1, 1}, vt, ht, 3, 0.7, 0.4, 0.2f);  // 9 hidden units
    const Rbm d = m.to_dense();
    const MatrixF V = random_states(m, 5, 1);
    std::vector<double> phi(static_cast<std::size_t>(m.n_hidden()));
    for (const double beta : {1.0, 0.55, 0.1}) {
      for (Index r = 0; r < V.rows(); ++r) {
        double sum = 0.0;
        for (std::uint64_t s = 0; s < (std::uint64_t{1} << m.n_hidden()); ++s) {
          double minus_e = 0.0;  // −E(v, h) = aᵀv + bᵀh + vᵀWh
          for (Index i = 0; i < m.n_visible(); ++i) minus_e += static_cast<double>(d.visible_bias()[i]) * V(r, i);
          for (Index j = 0; j < m.n_hidden(); ++j) {
            const double h = ((s >> j) & 1U) ? 1.0 : (ht == UnitType::spin ? -1.0 : 0.0);
            double field = d.hidden_bias()[j];
            for (Index i = 0; i < m.n_visible(); ++i) field += static_cast<double>(d.weights()(i, j)) * V(r, i);
            minus_e += field * h;
          }
          sum += std::exp(beta * minus_e);
        }
        EXPECT_NEAR(tempered_log_weight(m, V.row(r).data(), beta, phi.data()), std::log(sum), 1e-9);
      }
    }
  }
}

TEST(ConvPt, EveryReplicaFollowsItsTemperedDistribution) {
  // 3×3 spin lattice, strong kernels, three temperatures; 3000 chains, 40 steps from random
  // states. Replica k's rows against p_{β_k} = p(v; β_k θ) by enumeration.
  const ConvRbm m = test::random_conv_model(ConvShape{3, 2, 1, 2}, UnitType::spin, UnitType::spin, 8, 0.9, 0.3, 0.1f);
  const Index C = 3000;
  ConvTempering pt(3, 0.3, C);
  MatrixF states = random_states(m, 3 * C, 2);
  Rng rng(5, 1);
  for (int t = 0; t < 40; ++t) pt.step(m, states, rng);
  for (int k = 0; k < 3; ++k) {
    const double beta = pt.betas()[static_cast<std::size_t>(k)];
    const auto [chi2, df] = test::chi_square(scaled(m, beta), states.middleRows(k * C, C));
    ASSERT_GE(df, 20);
    EXPECT_LT(chi2, test::chi_square_quantile(df, 4.0)) << "replica " << k << " beta " << beta;
  }
  // Power: the β_1 states are not samples of β = 1.
  const auto [chi2, df] = test::chi_square(m, states.middleRows(C, C));
  EXPECT_GT(chi2, test::chi_square_quantile(df, 4.0));
  // Swaps happen between every pair, each at a rate in (0, 1).
  for (const std::int64_t a : pt.accepted()) {
    EXPECT_GT(a, 0);
    EXPECT_LT(a, pt.proposed());
  }
}

TEST(ConvPt, EscapesAModeThatTrapsGibbs) {
  // A ferromagnetic 3×3 model with strong kernels: the two magnetisation sectors are separated by a
  // high barrier. Chains started all +1: plain Gibbs stays there; PT's β = 1 replicas reach the
  // exact symmetric distribution (site mean ≈ 0; chi-square passes).
  ConvRbm m(ConvShape{3, 2, 1, 2}, UnitType::spin, UnitType::spin);
  m.kernels() << 1.3f, 1.3f, 0.0f, 0.0f, 1.3f, 0.0f, 1.3f, 0.0f;  // horizontal and vertical bonds
  const Index C = 2000;
  ConvTempering pt(6, 0.1, C);
  MatrixF states = MatrixF::Constant(6 * C, m.n_visible(), 1.0f);
  MatrixF gibbs = MatrixF::Constant(C, m.n_visible(), 1.0f), hidden;
  Rng rng(3, 1), gibbs_rng(3, 2);
  for (int t = 0; t < 60; ++t) pt.step(m, states, rng);
  m.gibbs(gibbs, hidden, 60, gibbs_rng);
  const auto [chi2, df] = test::chi_square(m, states.topRows(C));
  EXPECT_LT(chi2, test::chi_square_quantile(df, 4.0));
  const auto [chi2_gibbs, df_gibbs] = test::chi_square(m, gibbs);
  EXPECT_GT(chi2_gibbs, test::chi_square_quantile(df_gibbs, 4.0));
}

TEST(ConvPt, BitIdenticalForAnyThreadCount) {
  // Large enough that the swaps and the sweeps run in parallel regions.
  const ConvRbm m = test::random_conv_model(ConvShape{8, 2, 1, 2}, UnitType::spin, UnitType::bernoulli, 2, 0.5, 0.2, 0.1f);
  const Index C = 200;
  MatrixF a = random_states(m, 4 * C, 3), b = a;
  ConvTempering pa(4, 0.2, C), pb(4, 0.2, C);
  Rng ra(7, 1), rb(7, 1);
  omp_set_num_threads(1);
  for (int t = 0; t < 3; ++t) pa.step(m, a, ra);
  omp_set_num_threads(2);
  for (int t = 0; t < 3; ++t) pb.step(m, b, rb);
  omp_set_num_threads(omp_get_num_procs());
  EXPECT_TRUE(a == b);
  EXPECT_EQ(ra.state(), rb.state());
  EXPECT_EQ(pa.accepted(), pb.accepted());
  // Training with PT, with centring and Adam.
  const MatrixF rows = test::exact_samples(ising_bond_model(4, 0.3), 200, 2);
  ConvTrainOptions o;
  o.method = ConvMethod::pt;
  o.replicas = 4;
  o.chains = 300;
  o.epochs = 2;
  o.batch_size = 50;
  o.centering = true;
  o.optimizer = train::OptimizerKind::adam;
  o.learning_rate = 0.01;
  o.seed = 4;
  ConvRbm ma(ConvShape{4, 2, 1, 2}, UnitType::spin, UnitType::spin), mb = ma;
  omp_set_num_threads(1);
  int epochs = 0;
  train(ma, rows, o, [&](const ConvEpochReport& r) {
    ++epochs;
    ASSERT_EQ(r.swap_acceptance.size(), 3U);  // R − 1 pairs, each a fraction in (0, 1]
    for (const double rate : r.swap_acceptance) {
      EXPECT_GT(rate, 0.0);
      EXPECT_LE(rate, 1.0);
    }
  });
  EXPECT_EQ(epochs, 2);
  omp_set_num_threads(2);
  train(mb, rows, o);
  omp_set_num_threads(omp_get_num_procs());
  EXPECT_TRUE(ma.kernels() == mb.kernels());
  EXPECT_TRUE(ma.hidden_bias() == mb.hidden_bias());
  EXPECT_EQ(ma.visible_bias(), mb.visible_bias());
}

TEST(ConvPt, RefusesBadOptions) {
  EXPECT_THROW(ConvTempering(1, 0.5, 10), Error);
  EXPECT_THROW(ConvTempering(3, 1.0, 10), Error);
  EXPECT_THROW(ConvTempering(3, 0.5, 0), Error);
  const ConvRbm m(ConvShape{3, 2, 1, 1}, UnitType::spin, UnitType::spin);
  ConvTempering pt(3, 0.5, 4);
  MatrixF wrong(11, 9);
  Rng rng(1, 1);
  EXPECT_THROW(pt.step(m, wrong, rng), Error);
  ConvTrainOptions o;
  o.replicas = 1;
  EXPECT_THROW(o.check(), Error);
  o.replicas = 3;
  o.pt_beta_min = 0.0;
  EXPECT_THROW(o.check(), Error);
  o.pt_beta_min = 0.5;
  o.centering_rate = 0.0;
  EXPECT_THROW(o.check(), Error);
  EXPECT_EQ(parse_conv_method("pt"), ConvMethod::pt);
  EXPECT_THROW(parse_conv_method("tap1"), Error);
}

}  // namespace
}  // namespace rgflow::conv
