// The multi-start search shared by the binary and Gaussian TAP solvers (src/estimate/tap_search.hpp):
// which fixed point wins, how starts are taken from rows, and log Z_TAP from the winner.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "../../src/estimate/tap_search.hpp"
#include "rgflow/core/error.hpp"

namespace rgflow::estimate {
namespace {

TapFixedPoint point(bool converged, double free_energy, double tag = 0.0) {
  TapFixedPoint p;
  p.converged = converged;
  p.free_energy = free_energy;
  p.visible = VectorD::Constant(1, tag);
  return p;
}

TEST(TapSearch, BetterPrefersConvergedThenLowerFreeEnergyAndNeverNan) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  using tap_detail::better;
  EXPECT_TRUE(better(point(true, 5.0), point(false, -5.0)));
  EXPECT_FALSE(better(point(false, -5.0), point(true, 5.0)));
  EXPECT_TRUE(better(point(true, -1.0), point(true, 1.0)));
  EXPECT_FALSE(better(point(true, 1.0), point(true, -1.0)));
  EXPECT_TRUE(better(point(false, 3.0), point(false, nan)));   // a finite F replaces a NaN one
  EXPECT_FALSE(better(point(false, nan), point(false, 3.0)));  // a NaN F never wins
  EXPECT_FALSE(better(point(false, nan), point(false, nan)));
}

TEST(TapSearch, BestOfStartsRunsEveryStartOnceAndKeepsTheWinner) {
  // Start k (its single entry is k) "converges" to F = (k − 2)² unless k = 1, which does not.
  std::vector<VectorD> starts;
  for (int k = 0; k < 5; ++k) starts.push_back(VectorD::Constant(1, k));
  std::vector<int> seen;
  const TapFixedPoint best = tap_detail::best_of_starts(starts, TapOptions{}, [&](VectorD s, StopSignal&) {
    const int k = static_cast<int>(s[0]);
    seen.push_back(k);
    return point(k != 1, k == 1 ? -100.0 : (k - 2.0) * (k - 2.0), k);
  });
  EXPECT_EQ(seen, (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_TRUE(best.converged);
  EXPECT_EQ(best.free_energy, 0.0);
  EXPECT_EQ(best.visible[0], 2.0);
}

TEST(TapSearch, AppendStartsPreparesRowsAndRejectsBadOnes) {
  std::vector<VectorD> starts{VectorD::Zero(3)};
  MatrixF rows(2, 3);
  rows << 1, 2, 3, 4, 5, 6;
  tap_detail::append_starts(starts, &rows, 3, "here", [](const VectorD& r) { return VectorD(2.0 * r); });
  ASSERT_EQ(starts.size(), 3u);
  EXPECT_EQ(starts[2], (VectorD(3) << 8, 10, 12).finished());
  tap_detail::append_starts(starts, nullptr, 3, "here", [](const VectorD& r) { return r; });
  EXPECT_EQ(starts.size(), 3u);

  const auto message = [&](const MatrixF& m) {
    try {
      tap_detail::append_starts(starts, &m, 3, "here", [](const VectorD& r) { return r; });
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message(MatrixF::Zero(1, 4)), "here: starts have 4 columns, the model has 3 visible units");
  MatrixF bad = MatrixF::Zero(2, 3);
  bad(1, 2) = std::numeric_limits<float>::infinity();
  EXPECT_EQ(message(bad), "here: start row 1 is not finite");
}

TEST(TapSearch, LogPartitionIsMinusTheWinnersFreeEnergyOrAnError) {
  const stats::Result r = tap_detail::log_partition(point(true, -12.5), TapOptions{}, "f");
  EXPECT_EQ(r.mean, 12.5);
  EXPECT_EQ(r.error, 0.0);
  EXPECT_THROW(tap_detail::log_partition(point(false, -12.5), TapOptions{}, "f"), Error);
}

TEST(TapSearch, CheckOptionsRejectsEachBadField) {
  TapOptions o;
  EXPECT_NO_THROW(tap_detail::check_options(o, "f"));
  for (int order : {0, 4}) {
    TapOptions b = o;
    b.order = order;
    EXPECT_THROW(tap_detail::check_options(b, "f"), Error) << order;
  }
  TapOptions d = o;
  d.damping = 1.0;
  EXPECT_THROW(tap_detail::check_options(d, "f"), Error);
  TapOptions m = o;
  m.max_iterations = 0;
  EXPECT_THROW(tap_detail::check_options(m, "f"), Error);
  TapOptions t = o;
  t.tolerance = 0.0;
  EXPECT_THROW(tap_detail::check_options(t, "f"), Error);
}

}  // namespace
}  // namespace rgflow::estimate
