// The Dbn model (rbm/dbn.hpp): validation of the stack, up and down passes, and generation checked
// against the exact DBN marginal p(v) = Σ_h p_0(v|h) p_1(h) by a χ² test (tiny models).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "rgflow/core/error.hpp"
#include "rgflow/rbm/dbn.hpp"
#include "test_estimate_dbn_support.hpp"

namespace rgflow {
namespace {

constexpr UnitType kB = UnitType::bernoulli;
constexpr UnitType kS = UnitType::spin;

TEST(Dbn, ValidatesTheChainOfShapesAndUnitTypes) {
  EXPECT_THROW(Dbn(std::vector<Rbm>{}), Error);
  EXPECT_THROW(Dbn({Rbm(8, 6), Rbm(5, 4)}), Error);                 // 6 hidden vs 5 visible
  EXPECT_THROW(Dbn({Rbm(8, 6, kB, kS), Rbm(6, 4, kB, kB)}), Error);  // spin vs bernoulli
  try {
    Dbn({Rbm(8, 6), Rbm(6, 4), Rbm(5, 2)});
    FAIL() << "expected Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("layer 2"), std::string::npos) << e.what();
  }
  Dbn dbn = Dbn::with_sizes({8, 6, 4}, {kS, kB, kS});
  EXPECT_EQ(dbn.n_layers(), 2);
  EXPECT_EQ(dbn.n_visible(), 8);
  EXPECT_EQ(dbn.level_sizes(), (std::vector<Index>{8, 6, 4}));
  EXPECT_EQ(dbn.level_type(0), kS);
  EXPECT_EQ(dbn.level_type(1), kB);
  EXPECT_EQ(dbn.level_type(2), kS);
  EXPECT_THROW(dbn.level_type(3), Error);
  EXPECT_THROW(dbn.layer(2), Error);
  EXPECT_THROW(dbn.add_layer(Rbm(3, 2, kS, kB)), Error);
  dbn.add_layer(Rbm(4, 2, kS, kB));
  EXPECT_EQ(dbn.n_layers(), 3);
  dbn.layer(1).weights().resize(3, 3);  // breaking a layer through the mutable accessor
  EXPECT_THROW(dbn.validate(), Error);
  EXPECT_EQ(parse_propagate("probabilities"), Propagate::mean);
  EXPECT_EQ(parse_propagate("sample"), Propagate::sample);
  EXPECT_THROW(parse_propagate("x"), Error);
}

TEST(Dbn, UpAndDownPassesComposeTheLayers) {
  const Dbn dbn = test::random_dbn({8, 6, 4, 3}, {kB, kS, kB, kB}, 3);
  const MatrixF V = test::all_states(8, kB).topRows(20);
  EXPECT_EQ(dbn.up_mean(V, 0), V);
  MatrixF h1, h2;
  dbn.layer(0).hidden_mean(V, h1);
  dbn.layer(1).hidden_mean(h1, h2);
  EXPECT_EQ(dbn.up_mean(V, 2), h2);

  Rng a(5, 1), b(5, 1);
  const MatrixF up = dbn.up(V, 3, Propagate::sample, a);
  MatrixF s1, s2, s3;
  dbn.layer(0).sample_hidden(V, s1, b);
  dbn.layer(1).sample_hidden(s1, s2, b);
  dbn.layer(2).sample_hidden(s2, s3, b);
  EXPECT_EQ(up, s3);

  Rng c(6, 1), d(6, 1);
  const MatrixF down = dbn.down(s3, 3, c, /*mean_visible=*/true);
  MatrixF x2, x1, x0;
  dbn.layer(2).sample_visible(s3, x2, d);
  dbn.layer(1).sample_visible(x2, x1, d);
  dbn.layer(0).visible_mean(x1, x0);
  EXPECT_EQ(down, x0);

  EXPECT_THROW(dbn.up(V, 4, Propagate::mean, a), Error);
  EXPECT_THROW(dbn.up(MatrixF::Zero(2, 7), 1, Propagate::mean, a), Error);
  EXPECT_THROW(dbn.down(s2, 3, c), Error);
}

// χ² of n samples against the exact distribution, pooling cells with expected count < 5 into one.
struct ChiSquare {
  double value = 0.0;
  int dof = -1;
};
ChiSquare chi_square(const std::vector<double>& p, const std::vector<Index>& counts, double n) {
  ChiSquare c;
  double pooled_expected = 0.0, pooled_observed = 0.0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const double e = n * p[i];
    if (e < 5.0) {
      pooled_expected += e;
      pooled_observed += static_cast<double>(counts[i]);
      continue;
    }
    c.value += (static_cast<double>(counts[i]) - e) * (static_cast<double>(counts[i]) - e) / e;
    ++c.dof;
  }
  if (pooled_expected > 0.0) {
    c.value += (pooled_observed - pooled_expected) * (pooled_observed - pooled_expected) / pooled_expected;
    ++c.dof;
  }
  return c;
}

// Independent chains with 50 top-level Gibbs sweeps (the 4×3 top RBM mixes in a few) are i.i.d. draws of the DBN's p(v): their
// histogram over the 64 visible states passes a χ² test against the enumerated marginal
// (threshold dof + 4·√(2·dof), about 1e-4 false-alarm probability; fixed seed).
class DbnGenerate : public ::testing::TestWithParam<std::vector<UnitType>> {};

TEST_P(DbnGenerate, MatchesTheExactMarginalByChiSquare) {
  const std::vector<UnitType> types = GetParam();
  const Dbn dbn = test::random_dbn({6, 4, 3}, types, 41, 0.8);
  const test::NaiveDbn2 naive(dbn);
  std::vector<double> p;
  for (Index v = 0; v < naive.V.rows(); ++v) p.push_back(std::exp(naive.log_p(v)));

  const Index n = 10000;
  Rng rng(2026, 0);
  const MatrixF samples = dbn.generate(n, 50, rng);
  ASSERT_EQ(samples.rows(), n);
  ASSERT_EQ(samples.cols(), 6);
  dbn.layer(0).check_visible_data(samples, "generated");
  std::vector<Index> counts(p.size(), 0);
  for (Index r = 0; r < n; ++r) ++counts[static_cast<std::size_t>(test::NaiveDbn2::state_index(samples.row(r)))];
  const ChiSquare c = chi_square(p, counts, static_cast<double>(n));
  ASSERT_GT(c.dof, 30);
  EXPECT_LT(c.value, c.dof + 4.0 * std::sqrt(2.0 * c.dof)) << "dof " << c.dof;

  // The sampler is not trivially right: a DBN whose top RBM is replaced (different p_1) fails.
  const Dbn other({dbn.layer(0), test::random_rbm(4, 3, types[1], types[2], 99, 1.5)});
  Rng rng2(2026, 0);
  const MatrixF wrong = other.generate(n, 50, rng2);
  std::vector<Index> wrong_counts(p.size(), 0);
  for (Index r = 0; r < n; ++r) ++wrong_counts[static_cast<std::size_t>(test::NaiveDbn2::state_index(wrong.row(r)))];
  const ChiSquare w = chi_square(p, wrong_counts, static_cast<double>(n));
  EXPECT_GT(w.value, w.dof + 4.0 * std::sqrt(2.0 * w.dof));
}

INSTANTIATE_TEST_SUITE_P(UnitTypes, DbnGenerate,
                         ::testing::Values(std::vector<UnitType>{kB, kB, kB},
                                           std::vector<UnitType>{kS, kB, kS}));

TEST(DbnGenerateApi, SeedsStartsAndMeans) {
  const Dbn dbn = test::random_dbn({6, 4, 3}, {kB, kB, kB}, 42);
  Rng a(1, 0), b(1, 0);
  EXPECT_EQ(dbn.generate(10, 5, a), dbn.generate(10, 5, b));
  // mean_visible returns E[v | h¹] in (0, 1) instead of a sample.
  Rng c(1, 0);
  const MatrixF means = dbn.generate(10, 5, c, true);
  EXPECT_TRUE((means.array() > 0.0f).all() && (means.array() < 1.0f).all());
  // A one-layer DBN is its RBM: generation is Gibbs sampling of the RBM.
  const Dbn one({dbn.layer(0)});
  Rng d(2, 0);
  const MatrixF start = test::all_states(6, kB).topRows(4);
  const MatrixF x = one.generate(start, 3, d);
  Rng e(2, 0);
  MatrixF v = start, h;
  dbn.layer(0).gibbs(v, h, 3, e);
  EXPECT_EQ(x, v);
  Rng f(3, 0);
  EXPECT_THROW(dbn.generate(MatrixF::Zero(2, 3), 5, f), Error);  // top RBM's visible is 4 wide
  EXPECT_THROW(dbn.generate(2, -1, f), Error);
}

}  // namespace
}  // namespace rgflow
