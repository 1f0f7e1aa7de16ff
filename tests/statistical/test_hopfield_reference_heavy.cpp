// REFERENCES.md's finite-N anchor: at N = 1000 and α = 0.20, zero-diagonal asynchronous dynamics
// started at a stored pattern end with a mean overlap ≈ 0.4 (one significant figure, so ±0.05),
// while at α = 0.10, well below α_c = 0.138, retrieval is almost perfect (AGS: m ≈ 1 − O(10⁻³)).
// 20 pattern draws of 100 probes each; a few seconds in release, left out of the sanitizer preset.
#include <gtest/gtest.h>

#include "rgflow/hopfield/capacity.hpp"

namespace rgflow::hopfield {
namespace {

TEST(HopfieldReference, OverlapAtLoadPointTwoForAThousandNeurons) {
  CapacityOptions o;
  o.neurons = 1000;
  o.loads = {0.10, 0.20};
  o.trials = 20;
  o.probes = 100;
  o.seed = 2;
  const std::vector<CapacityPoint> c = capacity_curve(o);
  EXPECT_GT(c[0].overlap.mean, 0.99);
  EXPECT_NEAR(c[1].overlap.mean, 0.4, 0.05 + 4 * c[1].overlap.error);
  RecordProperty("overlap_at_0.2", std::to_string(c[1].overlap.mean));
}

}  // namespace
}  // namespace rgflow::hopfield
