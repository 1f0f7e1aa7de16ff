// Effective couplings of RBM marginals (rg/couplings.hpp) against a brute-force Walsh transform of
// the marginal Hamiltonian, written here from the energy function alone, and against the
// closed form of two-site hidden units.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <vector>

#include "rgflow/rg/couplings.hpp"
#include "support/random_rbm.hpp"

namespace rgflow::rg {
namespace {

using test::random_rbm;

// log Σ_x e^{xφ} of one unit of `type` (σ: Gaussian only, with its bias a).
double unit_log_partition(UnitType type, double phi) {
  if (type == UnitType::bernoulli) return std::log1p(std::exp(phi));
  return std::log(2.0 * std::cosh(phi));
}

// H(s) of the chosen side for the state whose bit i is s_i = +1, straight from
// H(x) = −log Σ_y e^{−E(x, y)} with E = −aᵀv − bᵀh − vᵀWh (Gaussian v: rbm/rbm.hpp).
double marginal_hamiltonian(const Rbm& rbm, Side side, std::uint64_t bits) {
  const bool vis = side == Side::visible;
  const Index n = vis ? rbm.n_visible() : rbm.n_hidden();
  const Index m = vis ? rbm.n_hidden() : rbm.n_visible();
  const UnitType type = vis ? rbm.visible_type() : rbm.hidden_type();
  const UnitType other = vis ? rbm.hidden_type() : rbm.visible_type();
  std::vector<double> x(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) {
    const bool on = ((bits >> i) & 1u) != 0;
    x[static_cast<std::size_t>(i)] = on ? 1.0 : (type == UnitType::spin ? -1.0 : 0.0);
  }
  double h = 0.0;
  for (Index i = 0; i < n; ++i) {
    h -= x[static_cast<std::size_t>(i)] * (vis ? rbm.visible_bias()[i] : rbm.hidden_bias()[i]);
  }
  for (Index j = 0; j < m; ++j) {
    double field = 0.0;
    for (Index i = 0; i < n; ++i) {
      const double w = vis ? rbm.weights()(i, j) : rbm.weights()(j, i);
      field += w * x[static_cast<std::size_t>(i)];
    }
    if (other == UnitType::gaussian) {
      // ∫ dv exp(−(v − a)²/(2σ²) + v x/σ²) = √(2πσ²) exp(((a + x)² − a²)/(2σ²)), x = W_{j:} h.
      const double a = rbm.visible_bias()[j];
      const double s2 = static_cast<double>(rbm.visible_sigma()[j]) * rbm.visible_sigma()[j];
      h -= ((a + field) * (a + field) - a * a) / (2.0 * s2) + 0.5 * std::log(2.0 * M_PI * s2);
    } else {
      const double bias = vis ? rbm.hidden_bias()[j] : rbm.visible_bias()[j];
      h -= unit_log_partition(other, bias + field);
    }
  }
  return h;
}

// K_A = −2^{−n} Σ_s H(s) Π_{i∈A} s_i, directly.
std::map<Sites, double> brute_force(const Rbm& rbm, Side side, const std::vector<Sites>& subsets,
                                    double* constant) {
  const Index n = side == Side::visible ? rbm.n_visible() : rbm.n_hidden();
  const std::uint64_t states = std::uint64_t{1} << n;
  std::vector<double> H(states);
  for (std::uint64_t b = 0; b < states; ++b) H[b] = marginal_hamiltonian(rbm, side, b);
  std::map<Sites, double> out;
  for (const Sites& a : subsets) {
    double sum = 0.0;
    for (std::uint64_t b = 0; b < states; ++b) {
      double sign = 1.0;
      for (Index i : a) sign *= ((b >> i) & 1u) ? 1.0 : -1.0;
      sum -= H[b] * sign;
    }
    out[a] = sum / static_cast<double>(states);
  }
  double c = 0.0;
  for (double h : H) c -= h;
  *constant = c / static_cast<double>(states);
  return out;
}

struct Case {
  UnitType visible, hidden;
  Side side;
};

class CouplingsBruteForce : public ::testing::TestWithParam<Case> {};

TEST_P(CouplingsBruteForce, ExactPathMatchesWalshTransformTo1e10) {
  const Case c = GetParam();
  // ≤ 12 units on the side whose couplings we take; weights large enough for strong many-body terms.
  Rbm rbm = random_rbm(c.side == Side::visible ? 10 : 7, c.side == Side::visible ? 7 : 10,
                       c.visible, c.hidden, 71, 0.8, 0.5, 1);
  const std::vector<Sites> subsets = all_subsets(10, 4);
  double constant = 0.0;
  const auto exact = brute_force(rbm, c.side, subsets, &constant);
  CouplingOptions options;
  options.side = c.side;
  const CouplingTable table = effective_couplings(rbm, subsets, options);
  ASSERT_EQ(table.couplings.size(), subsets.size());
  EXPECT_EQ(table.monte_carlo_units, 0);
  double largest = 0.0;
  for (const Coupling& k : table.couplings) {
    EXPECT_NEAR(k.value.mean, exact.at(k.sites), 1e-10) << "order " << k.sites.size();
    EXPECT_EQ(k.value.error, 0.0);
    if (k.sites.size() >= 3) largest = std::max(largest, std::fabs(k.value.mean));
  }
  EXPECT_NEAR(table.constant.mean, constant, 1e-10);
  EXPECT_GT(largest, 1e-3);  // the model does have many-body couplings to get right
}

TEST_P(CouplingsBruteForce, MonteCarloPathIsWithinItsErrorBars) {
  const Case c = GetParam();
  Rbm rbm = random_rbm(c.side == Side::visible ? 10 : 7, c.side == Side::visible ? 7 : 10,
                       c.visible, c.hidden, 72, 0.8, 0.5, 2);
  const std::vector<Sites> subsets = all_subsets(10, 3);
  double constant = 0.0;
  const auto exact = brute_force(rbm, c.side, subsets, &constant);
  CouplingOptions options;
  options.side = c.side;
  options.max_exact_support = 0;  // every unit by Monte Carlo
  options.samples = 3000;
  options.seed = 5;
  options.threads = 1;
  const CouplingTable table = effective_couplings(rbm, subsets, options);
  EXPECT_EQ(table.exact_units, 0);
  if (c.side == Side::visible && c.visible == c.hidden) {
    options.threads = 2;  // fixed chunks combined in order: the same bits for any thread count
    const CouplingTable again = effective_couplings(rbm, subsets, options);
    for (std::size_t k = 0; k < subsets.size(); ++k) {
      EXPECT_EQ(again.couplings[k].value.mean, table.couplings[k].value.mean);
    }
  }
  double chi2 = 0.0;
  for (const Coupling& k : table.couplings) {
    ASSERT_GT(k.value.error, 0.0);
    const double z = (k.value.mean - exact.at(k.sites)) / k.value.error;
    EXPECT_LT(std::fabs(z), 5.0) << "order " << k.sites.size();
    chi2 += z * z;
  }
  // The error bars are standard errors: mean z² near 1 (175 couplings; sd of the mean ≈ 0.11,
  // more with correlations between couplings that share samples).
  const double mean_z2 = chi2 / static_cast<double>(table.couplings.size());
  EXPECT_GT(mean_z2, 0.5);
  EXPECT_LT(mean_z2, 1.6);
  EXPECT_LT(std::fabs(table.constant.mean - constant), 5.0 * table.constant.error);
}

INSTANTIATE_TEST_SUITE_P(
    AllUnitTypes, CouplingsBruteForce,
    ::testing::Values(Case{UnitType::bernoulli, UnitType::bernoulli, Side::visible},
                      Case{UnitType::spin, UnitType::bernoulli, Side::visible},
                      Case{UnitType::bernoulli, UnitType::spin, Side::visible},
                      Case{UnitType::spin, UnitType::spin, Side::visible},
                      Case{UnitType::bernoulli, UnitType::bernoulli, Side::hidden},
                      Case{UnitType::spin, UnitType::spin, Side::hidden},
                      Case{UnitType::bernoulli, UnitType::spin, Side::hidden},
                      Case{UnitType::spin, UnitType::bernoulli, Side::hidden}));

TEST(Couplings, GaussianVisibleUnitsGiveClosedFormHiddenCouplings) {
  for (UnitType hidden : {UnitType::bernoulli, UnitType::spin}) {
    Rbm rbm(6, 9, UnitType::gaussian, hidden);
    const Rbm draws = random_rbm(6, 9, UnitType::spin, hidden, 73, 0.6, 0.5, 3);
    rbm.weights() = draws.weights();
    rbm.visible_bias() = draws.visible_bias();
    rbm.hidden_bias() = draws.hidden_bias();
    rbm.visible_sigma() = VectorF::LinSpaced(6, 0.5f, 1.5f);
    const std::vector<Sites> subsets = all_subsets(9, 4);
    double constant = 0.0;
    const auto exact = brute_force(rbm, Side::hidden, subsets, &constant);
    CouplingOptions options;
    options.side = Side::hidden;
    const CouplingTable table = effective_couplings(rbm, subsets, options);
    for (const Coupling& k : table.couplings) {
      EXPECT_NEAR(k.value.mean, exact.at(k.sites), 1e-10 * (1.0 + std::fabs(exact.at(k.sites))));
      if (k.sites.size() > 2) {
        EXPECT_EQ(k.value.mean, 0.0);
      }
    }
    EXPECT_NEAR(table.constant.mean, constant, 1e-9 * (1.0 + std::fabs(constant)));
    EXPECT_THROW(effective_couplings(rbm, subsets, {}), Error);  // visible side: a density
  }
}

TEST(Couplings, TwoSiteUnitsMatchTheClosedFormTo1e10) {
  // Spin–spin RBM on a ring of 12 spins; hidden unit j touches spins j and j+1 (mod 12), and a
  // second set of units touches j and j+3, so some pairs collect two units.
  const Index n = 12;
  Rbm rbm = random_rbm(n, 2 * n, UnitType::spin, UnitType::spin, 74, 0.9, 0.6, 4);
  MatrixF mask = MatrixF::Zero(n, 2 * n);
  for (Index j = 0; j < n; ++j) {
    mask(j, j) = mask((j + 1) % n, j) = 1.0f;
    mask(j, n + j) = mask((j + 3) % n, n + j) = 1.0f;
  }
  rbm.set_mask(mask);
  rbm.visible_bias().setZero();
  std::map<Sites, double> expected;
  for (Index j = 0; j < 2 * n; ++j) {
    Index sites[2];
    int k = 0;
    for (Index i = 0; i < n; ++i) {
      if (mask(i, j) != 0.0f) sites[k++] = i;
    }
    const double b = rbm.hidden_bias()[j];
    const double w1 = rbm.weights()(sites[0], j), w2 = rbm.weights()(sites[1], j);
    expected[{sites[0], sites[1]}] +=
        0.25 * std::log(std::cosh(b + w1 + w2) * std::cosh(b - w1 - w2) /
                        (std::cosh(b + w1 - w2) * std::cosh(b - w1 + w2)));
  }
  const std::vector<Sites> subsets = all_subsets(n, 4);
  const CouplingTable table = effective_couplings(rbm, subsets, {});
  int pairs_checked = 0;
  for (const Coupling& k : table.couplings) {
    if (k.sites.size() == 2) {
      const auto it = expected.find(k.sites);
      EXPECT_NEAR(k.value.mean, it == expected.end() ? 0.0 : it->second, 1e-10);
      pairs_checked += it != expected.end();
    } else if (k.sites.size() >= 3) {
      EXPECT_NEAR(k.value.mean, 0.0, 1e-12);  // two-site units make no many-body terms
    }
  }
  EXPECT_EQ(pairs_checked, 2 * n);
  EXPECT_EQ(table.exact_units, 2 * n);
}

TEST(Couplings, DroppedWeightsAreBoundedByTheReportedError) {
  Rbm rbm = random_rbm(9, 6, UnitType::bernoulli, UnitType::spin, 75, 0.8, 0.4, 5);
  for (Index j = 0; j < 6; ++j) rbm.weights()(j, j) = 0.01f * static_cast<float>(j + 1);
  const std::vector<Sites> subsets = all_subsets(9, 4);
  double constant = 0.0;
  const auto exact = brute_force(rbm, Side::visible, subsets, &constant);
  CouplingOptions options;
  options.support_tolerance = 0.05;  // drops the small weights (w/2 ≤ 0.03 in spin form)
  const CouplingTable table = effective_couplings(rbm, subsets, options);
  bool any_bound = false;
  for (const Coupling& k : table.couplings) {
    EXPECT_LE(std::fabs(k.value.mean - exact.at(k.sites)), k.value.error + 1e-12);
    any_bound = any_bound || k.value.error > 0.0;
  }
  EXPECT_TRUE(any_bound);
}

TEST(Couplings, SubsetsAndShapesOnALattice) {
  const Lattice lat = Lattice::square(4);
  const std::vector<Sites> subsets = lattice_subsets(lat, 4);
  // 16 fields, C(16,2) = 120 pairs, 4 triangles and 1 square per plaquette (16 plaquettes).
  EXPECT_EQ(subsets.size(), 16u + 120u + 64u + 16u);
  // A table whose value is the number of the subset's shape class, so the averages are exact.
  CouplingTable table;
  table.n_sites = 16;
  for (const Sites& a : subsets) table.couplings.push_back({a, stats::Result::exact(1.0)});
  const std::vector<ShapeAverage> shapes = average_by_shape(table, lat);
  std::map<std::pair<int, int>, Index> pair_counts;
  Index triangles = 0, squares = 0;
  for (const ShapeAverage& s : shapes) {
    EXPECT_DOUBLE_EQ(s.mean.mean, 1.0);
    EXPECT_EQ(s.spread, 0.0);
    if (s.order == 2) pair_counts[{s.dx, s.dy}] = s.count;
    if (s.order == 3) triangles += s.count;
    if (s.order == 4) squares += s.count;
  }
  // Periodic 4×4: 32 nearest-neighbour bonds, 32 diagonals, 16 at (2,0), 32 at (2,1), 8 at (2,2).
  const std::map<std::pair<int, int>, Index> expected{{{1, 0}, 32}, {{1, 1}, 32}, {{2, 0}, 16},
                                                      {{2, 1}, 32}, {{2, 2}, 8}};
  EXPECT_EQ(pair_counts, expected);
  EXPECT_EQ(triangles, 64);
  EXPECT_EQ(squares, 16);
  EXPECT_EQ(shapes.size(), 1u + 5u + 1u + 1u);  // one triangle shape under the square's symmetries

  const std::vector<Sites> ring = lattice_subsets(Lattice::chain(10), 4);
  // Windows of 4 consecutive sites: triples {i,i+1,i+2}, {i,i+1,i+3}, {i,i+2,i+3}; quads {i..i+3}.
  EXPECT_EQ(ring.size(), 10u + 45u + 30u + 10u);
}

TEST(Couplings, BadInputThrows) {
  const Rbm rbm = random_rbm(5, 3, UnitType::bernoulli, UnitType::bernoulli, 76, 0.5, 0.5, 6);
  EXPECT_THROW(effective_couplings(rbm, {{0, 0}}, {}), Error);
  EXPECT_THROW(effective_couplings(rbm, {{3, 1}}, {}), Error);
  EXPECT_THROW(effective_couplings(rbm, {{5}}, {}), Error);
  EXPECT_THROW(all_subsets(200, 4, 1000), Error);
  EXPECT_THROW(parse_side("both"), Error);
}

}  // namespace
}  // namespace rgflow::rg
