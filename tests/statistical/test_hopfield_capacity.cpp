// Hopfield capacity and spurious states at small sizes against theory (Amit, Gutfreund &
// Sompolinsky 1985): retrieval far below α_c, failure far above it, the crossing estimator and the
// extrapolation fit on exact inputs, and the symmetric mixtures' component overlaps m_k, which are
// exact in expectation for every N: E[ξ¹_i sign(ξ¹_i + … + ξᵏ_i)] = m_k, with per-neuron variance
// 1 − m_k².
#include <gtest/gtest.h>

#include <cmath>

#include "rgflow/core/error.hpp"
#include "rgflow/hopfield/capacity.hpp"
#include "rgflow/hopfield/patterns.hpp"
#include "rgflow/hopfield/spurious.hpp"

namespace rgflow::hopfield {
namespace {

TEST(HopfieldCapacity, RetrievesBelowAndFailsAboveTheCriticalLoad) {
  CapacityOptions o;
  o.neurons = 400;
  o.loads = {0.05, 0.25};
  o.trials = 6;
  o.seed = 1;
  const std::vector<CapacityPoint> c = capacity_curve(o);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].patterns, 20);
  EXPECT_EQ(c[1].patterns, 100);
  // α = 0.05: the retrieval overlap of AGS theory is 1 − O(e^{−1/2α}) ≈ 1.
  EXPECT_GT(c[0].overlap.mean, 0.99);
  EXPECT_GT(c[0].retrieved.mean, 0.98);
  // α = 0.25, far beyond α_c = 0.138: the retrieval state is gone.
  EXPECT_LT(c[1].overlap.mean, 0.6);
  EXPECT_LT(c[1].retrieved.mean, 0.1);
  for (const auto& p : c) {
    EXPECT_GT(p.overlap.error, 0.0);
    EXPECT_EQ(p.overlap.n, 6);
  }
}

TEST(HopfieldCapacity, ResultsDoNotDependOnTheThreadCountOrTheLoadList) {
  CapacityOptions o;
  o.neurons = 150;
  o.loads = {0.1, 0.2};
  o.trials = 4;
  o.seed = 2;
  o.dynamics.threads = 1;
  const auto one = capacity_curve(o);
  o.dynamics.threads = 3;
  const auto three = capacity_curve(o);
  o.loads = {0.2};  // the same (N, P, trial) draws whatever else is in the list
  const auto only = capacity_curve(o);
  for (std::size_t k = 0; k < one.size(); ++k) EXPECT_EQ(one[k].overlap.mean, three[k].overlap.mean);
  EXPECT_EQ(only[0].overlap.mean, one[1].overlap.mean);
}

TEST(HopfieldCapacity, CrossingAndExtrapolationOnExactInputs) {
  std::vector<CapacityPoint> curve(4);
  const double loads[] = {0.10, 0.12, 0.14, 0.1401};
  const Index patterns[] = {10, 12, 14, 14};  // the last rounds to the same P: one point
  const stats::Result overlaps[] = {{0.98, 0.01, 0.5, 10}, {0.90, 0.01, 0.5, 10}, {0.50, 0.02, 0.5, 10},
                                    {0.50, 0.02, 0.5, 10}};
  const stats::Result retrieved[] = {{1.0, 0.0, 0.5, 10}, {0.8, 0.05, 0.5, 10}, {0.3, 0.05, 0.5, 10},
                                     {0.3, 0.05, 0.5, 10}};
  for (int k = 0; k < 4; ++k) {
    curve[static_cast<std::size_t>(k)].load = loads[k];
    curve[static_cast<std::size_t>(k)].patterns = patterns[k];
    curve[static_cast<std::size_t>(k)].actual_load = patterns[k] / 100.0;
    curve[static_cast<std::size_t>(k)].overlap = overlaps[k];
    curve[static_cast<std::size_t>(k)].retrieved = retrieved[k];
  }
  const stats::Result a = crossing_load(curve, Criterion::overlap, 0.7);
  EXPECT_NEAR(a.mean, 0.13, 1e-15);  // halfway from 0.90 to 0.50
  // ∂α/∂m1 = 0.02·0.2/0.16, ∂α/∂m2 = 0.02·0.2/0.16
  EXPECT_NEAR(a.error, std::hypot(0.025 * 0.01, 0.025 * 0.02), 1e-15);
  EXPECT_TRUE(std::isnan(crossing_load(curve, Criterion::overlap, 0.3).mean));
  // Retrieved fraction 0.8 → 0.3 crosses ½ at 0.12 + 0.02·0.3/0.5.
  EXPECT_NEAR(crossing_load(curve, Criterion::retrieved, 0.5).mean, 0.132, 1e-15);
  // α_c(N) = 0.14 + 0.5 N^{-1/2} exactly: intercept 0.14, slope 0.5, χ² = 0.
  const std::vector<Index> sizes{100, 400, 1600};
  std::vector<stats::Result> values;
  for (Index n : sizes) values.push_back({0.14 + 0.5 / std::sqrt(static_cast<double>(n)), 0.002, 0.5, 10});
  const Extrapolation e = extrapolate(sizes, values, 0.5);
  EXPECT_NEAR(e.intercept.mean, 0.14, 1e-12);
  EXPECT_NEAR(e.slope.mean, 0.5, 1e-10);
  EXPECT_NEAR(e.chi2, 0.0, 1e-12);
  EXPECT_EQ(e.dof, 1);
  // With equal errors σ the intercept's error is σ √(Σx²/(nΣx² − (Σx)²)).
  double sx = 0, sxx = 0;
  for (Index n : sizes) {
    sx += 1 / std::sqrt(static_cast<double>(n));
    sxx += 1.0 / static_cast<double>(n);
  }
  EXPECT_NEAR(e.intercept.error, 0.002 * std::sqrt(sxx / (3 * sxx - sx * sx)), 1e-15);
  EXPECT_THROW(extrapolate({100}, {values[0]}, 0.5), Error);
}

TEST(HopfieldSpurious, MixtureOverlapsAndEnergiesMatchTheory) {
  SpuriousOptions o;
  o.neurons = 1000;
  o.patterns = 9;  // α = 0.009
  o.mixtures = {3, 5, 7};
  o.trials = 12;
  o.starts = 40;
  o.seed = 3;
  const SpuriousReport r = spurious_states(o);
  ASSERT_EQ(r.mixtures.size(), 3u);
  for (const MixtureReport& m : r.mixtures) {
    const double mk = mixture_overlap(m.k);
    // Exact in expectation; standard error of the mean over k·N·trials neuron terms (the k
    // components of one state are correlated, so use N·trials): √((1 − m²)/(N·trials)).
    const double sd = std::sqrt((1 - mk * mk) / (1000.0 * o.trials));
    EXPECT_NEAR(m.overlap.mean, mk, 5 * sd) << "k = " << m.k;
    // E₀/N = −½ Σ_{μ≤k} m_μ² − (1/2N²) Σ_{ν>k} [(ξ^ν·s)² − N]: theory −k m_k²/2 plus O(1/N) and
    // crosstalk of standard deviation √(2(P − k))/(2N) per trial.
    EXPECT_NEAR(m.energy_zero_diagonal.mean, m.theory_energy, 5 * m.energy_zero_diagonal.error + 0.01) << m.k;
    EXPECT_NEAR(m.energy.mean - m.energy_zero_diagonal.mean, -0.5 * o.patterns / 1000.0, 1e-12);
  }
  // At α ≈ 0.01 the 3-mixture is stable (AGS: all odd mixtures are T = 0 minima for α → 0).
  EXPECT_GT(r.mixtures[0].stable_fraction.mean, 0.999);
  EXPECT_GT(r.mixtures[0].fixed_point.mean, 0.8);
  EXPECT_NEAR(r.pattern_energy.mean, -0.5 - 0.5 * o.patterns / 1000.0, 0.01);
  // Random starts end in fixed points: stored patterns (energy −1/2 − α/2) have the lowest energy.
  EXPECT_EQ(r.unconverged.mean, 0.0);
  ASSERT_GE(r.classes.size(), 2u);
  EXPECT_EQ(r.classes.front().name, "pattern");
  EXPECT_GT(r.classes.front().basin.mean, 0.0);
  for (const CensusClass& c : r.classes) {
    if (c.name != "pattern" && std::isfinite(c.energy.mean)) {
      EXPECT_GT(c.energy.mean, r.classes.front().energy.mean);
    }
  }
}

}  // namespace
}  // namespace rgflow::hopfield
