// rg/hidden_lattice.hpp: gauge signs, neighbour pairs on lattices and by receptive-field centres,
// pair subsampling, gauge-fixed coupling averages (against hand-computed values) and the
// sign reconstruction error.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "rgflow/core/error.hpp"
#include "rgflow/rg/hidden_lattice.hpp"

namespace rgflow::rg {
namespace {

std::vector<Locality> grid_units(int side) {
  std::vector<Locality> u;
  for (int y = 0; y < side; ++y) {
    for (int x = 0; x < side; ++x) {
      Locality l;
      l.centre_x = x;
      l.centre_y = y;
      u.push_back(l);
    }
  }
  return u;
}

TEST(HiddenLattice, FieldSignsFollowTheColumnSums) {
  MatrixD f(2, 3);
  f << 1, -2, 0.5, 1, 1, -0.5;
  EXPECT_EQ(field_signs(f), (std::vector<double>{1.0, -1.0, 1.0}));  // a zero sum counts as +1
}

TEST(HiddenLattice, NeighbourPairsOfAPeriodicSquareLattice) {
  const auto pairs = lattice_neighbour_pairs(4);
  EXPECT_EQ(pairs.size(), 32u);  // 2 L² bonds
  std::map<Index, int> degree;
  for (const Sites& p : pairs) {
    ASSERT_EQ(p.size(), 2u);
    EXPECT_LT(p[0], p[1]);
    ++degree[p[0]];
    ++degree[p[1]];
  }
  for (Index i = 0; i < 16; ++i) EXPECT_EQ(degree[i], 4) << i;
  // L = 2: right and left neighbours coincide; each pair once.
  EXPECT_EQ(lattice_neighbour_pairs(2), (std::vector<Sites>{{0, 1}, {0, 2}, {1, 3}, {2, 3}}));
  EXPECT_THROW(lattice_neighbour_pairs(0), Error);
}

TEST(HiddenLattice, TorusDistanceUsesTheMinimalImage) {
  EXPECT_DOUBLE_EQ(torus_distance(0, 0, 7, 0, 8), 1.0);
  EXPECT_DOUBLE_EQ(torus_distance(0.5, 0, 7.5, 3, 8), std::hypot(1.0, 3.0));
  EXPECT_DOUBLE_EQ(torus_distance(1, 1, 1, 1, 8), 0.0);
}

TEST(HiddenLattice, ShellPairsOfGridCentresAreTheLatticeNeighbours) {
  EXPECT_EQ(pairs_in_shell(grid_units(5), 5, 0.75, 1.25), lattice_neighbour_pairs(5));
  // The next shell, √2: the diagonal pairs, 2 per site.
  EXPECT_EQ(pairs_in_shell(grid_units(5), 5, 1.3, 1.5).size(), 50u);
}

TEST(HiddenLattice, NearestAndRandomPairs) {
  Rng rng(1, 0);
  // Nearest only: on a grid each unit's single nearest unit is a lattice neighbour.
  const auto nearest = nearest_and_random_pairs(grid_units(4), 4, 1, 0, rng);
  const auto neighbours = lattice_neighbour_pairs(4);
  for (const Sites& p : nearest) {
    EXPECT_TRUE(std::binary_search(neighbours.begin(), neighbours.end(), p));
  }
  EXPECT_GE(nearest.size(), 8u);
  // Random partners: distinct units, each pair once, deterministic for a seed.
  Rng a(2, 0), b(2, 0);
  const auto r1 = nearest_and_random_pairs(grid_units(4), 4, 0, 2, a);
  const auto r2 = nearest_and_random_pairs(grid_units(4), 4, 0, 2, b);
  EXPECT_EQ(r1, r2);
  EXPECT_EQ(std::set<Sites>(r1.begin(), r1.end()).size(), r1.size());
  for (const Sites& p : r1) EXPECT_NE(p[0], p[1]);
}

TEST(HiddenLattice, SubsamplingKeepsASortedUniformSubset) {
  const auto all = lattice_neighbour_pairs(6);  // 72 pairs
  Rng rng(3, 0);
  const auto some = subsample_pairs(all, 10, rng);
  ASSERT_EQ(some.size(), 10u);
  EXPECT_TRUE(std::is_sorted(some.begin(), some.end()));
  for (const Sites& p : some) EXPECT_TRUE(std::binary_search(all.begin(), all.end(), p));
  Rng again(3, 0);
  EXPECT_EQ(subsample_pairs(all, 10, again), some);
  Rng unused(4, 0);
  EXPECT_EQ(subsample_pairs(all, 100, unused), all);
}

TEST(HiddenLattice, GaugedAverageAddsSpreadAndMonteCarloErrors) {
  CouplingTable t;
  t.couplings = {{{0, 1}, {0.2, 0.01, 0.5, 0}}, {{1, 2}, {-0.4, 0.02, 0.5, 0}}, {{0, 2}, {0.3, 0.0, 0.5, 0}}};
  const std::vector<double> signs = {1.0, -1.0, 1.0};
  // Gauge-fixed values s_i s_j K_ij: −0.2, +0.4, +0.3.
  const stats::Result r = gauged_pair_average(t, signs);
  const double mean = (-0.2 + 0.4 + 0.3) / 3.0;
  const double var = (std::pow(-0.2 - mean, 2) + std::pow(0.4 - mean, 2) + std::pow(0.3 - mean, 2)) / 2.0;
  EXPECT_NEAR(r.mean, mean, 1e-15);
  EXPECT_NEAR(r.error, std::sqrt(var / 3.0 + (0.01 * 0.01 + 0.02 * 0.02) / 9.0), 1e-15);
  EXPECT_EQ(r.n, 3);
  // One pair: its own Monte Carlo error.
  CouplingTable one;
  one.couplings = {{{0, 1}, {0.5, 0.05, 0.5, 0}}};
  const stats::Result single = gauged_pair_average(one, {1.0, -1.0});
  EXPECT_DOUBLE_EQ(single.mean, -0.5);
  EXPECT_DOUBLE_EQ(single.error, 0.05);
  EXPECT_TRUE(std::isnan(gauged_pair_average(CouplingTable{}, signs).mean));
  EXPECT_THROW(gauged_pair_average(t, {1.0}), Error);
}

TEST(HiddenLattice, CouplingsBinnedByDistance) {
  CouplingTable t;
  t.couplings = {{{0, 1}, {0.2, 0.0, 0.5, 0}}, {{0, 2}, {0.1, 0.0, 0.5, 0}}, {{1, 2}, {0.4, 0.0, 0.5, 0}}};
  const std::vector<double> signs = {1.0, 1.0, 1.0};
  const auto bins = gauged_couplings_by_distance(t, signs, [](Index i, Index j) {
    return i == 0 && j == 2 ? 2.2 : 0.9;  // (0,1) and (1,2) at 1, (0,2) at 2
  });
  ASSERT_EQ(bins.size(), 2u);
  EXPECT_EQ(bins[0].distance, 1);
  EXPECT_EQ(bins[0].pairs, 2);
  EXPECT_DOUBLE_EQ(bins[0].coupling.mean, 0.3);
  EXPECT_EQ(bins[1].distance, 2);
  EXPECT_DOUBLE_EQ(bins[1].coupling.mean, 0.1);
}

TEST(HiddenLattice, SignReconstructionError) {
  MatrixF V(2, 4), R(2, 4);
  V << 1, -1, 1, -1, 1, 1, 1, 1;
  R << 0.3, -0.1, -0.2, -0.9, 0.0, 0.5, 1.0, -0.1;  // row 0: 1 of 4 wrong; row 1: 1 of 4 (0 → +1)
  const stats::Result e = sign_reconstruction_error(V, R);
  EXPECT_DOUBLE_EQ(e.mean, 0.25);
  EXPECT_DOUBLE_EQ(e.error, 0.0);
  EXPECT_THROW(sign_reconstruction_error(V, R.leftCols(3)), Error);
}

}  // namespace
}  // namespace rgflow::rg
