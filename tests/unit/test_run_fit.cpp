// The quality gate's Ising reference (run/fit.hpp): log p_Ising over all 2^9 states of the 3×3
// periodic lattice sums to 1 (Kaufman's log Z), its mean under p is −s, the paired KL of the exact
// model itself is 0, and the file attributes that name an Ising sample are read exactly.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "rgflow/run/fit.hpp"

namespace rgflow::run {
namespace {

MatrixF all_states(Index n, UnitType type) {
  MatrixF rows(Index{1} << n, n);
  for (Index s = 0; s < rows.rows(); ++s) {
    for (Index i = 0; i < n; ++i) {
      const bool up = (s >> i) & 1;
      rows(s, i) = type == UnitType::spin ? (up ? 1.0f : -1.0f) : (up ? 1.0f : 0.0f);
    }
  }
  return rows;
}

TEST(RunFit, IsingLogProbabilitiesAreNormalisedAndGiveMinusS) {
  const IsingReference ising{3, 0.37};
  for (UnitType type : {UnitType::spin, UnitType::bernoulli}) {
    const MatrixF rows = all_states(9, type);
    const std::vector<double> lp = ising_log_probabilities(rows, ising, type);
    double total = 0.0, mean_log_p = 0.0;
    for (double x : lp) {
      total += std::exp(x);
      mean_log_p += std::exp(x) * x;
    }
    EXPECT_NEAR(total, 1.0, 1e-12);
    EXPECT_NEAR(mean_log_p / 9.0, ising_minus_entropy_per_spin(ising), 1e-12);
    // The exact model against itself: KL 0 on any rows.
    const stats::Result kl = ising_kl_per_spin(rows, lp, 0.0, ising, type);
    EXPECT_EQ(kl.mean, 0.0);
  }
}

TEST(RunFit, IsingReferenceFromSampleAttributes) {
  const std::map<std::string, std::string> a = {
      {"coupling", "1"}, {"temperature", "2.5"}, {"field", "0"}, {"L", "4"}};
  const auto r = ising_reference(a, 16);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->L, 4);
  EXPECT_DOUBLE_EQ(r->K, 0.4);
  EXPECT_FALSE(ising_reference(a, 15).has_value());  // not L² visible units
  auto field = a;
  field["field"] = "0.1";
  EXPECT_FALSE(ising_reference(field, 16).has_value());
  auto bad = a;
  bad["temperature"] = "hot";
  EXPECT_FALSE(ising_reference(bad, 16).has_value());
}

}  // namespace
}  // namespace rgflow::run
