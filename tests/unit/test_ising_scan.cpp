// Temperature/size scan helpers: argument parsing, per-point seeds, Binder crossing by linear
// interpolation with propagated errors (the plot renderer: test_io_plot.cpp).
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "rgflow/core/error.hpp"
#include "rgflow/ising/scan.hpp"

namespace {

using namespace rgflow;
using namespace rgflow::ising;

TEST(IsingScan, ParsesTemperatures) {
  EXPECT_EQ(parse_temperatures("2.5"), std::vector<double>{2.5});
  const auto t = parse_temperatures("2.0:2.5:11");
  ASSERT_EQ(t.size(), 11u);
  EXPECT_DOUBLE_EQ(t.front(), 2.0);
  EXPECT_DOUBLE_EQ(t.back(), 2.5);
  EXPECT_NEAR(t[1], 2.05, 1e-15);
  EXPECT_EQ(parse_temperatures("3:4:1"), std::vector<double>{3.0});
  for (const char* bad : {"", "-1", "0", "abc", "2:3", "2:3:0", "3:2:5", "2:3:x", "2:3:4:5", "1:2:",
                          "2.0x", "nan", "1:2:20000"})
    EXPECT_THROW(parse_temperatures(bad), Error) << bad;
}

TEST(IsingScan, ParsesSizes) {
  EXPECT_EQ(parse_sizes("16"), std::vector<int>{16});
  EXPECT_EQ(parse_sizes("8,16,32"), (std::vector<int>{8, 16, 32}));
  for (const char* bad : {"", "1", "8,,16", "8,16,", "8,8", "x", "8;16"})
    EXPECT_THROW(parse_sizes(bad), Error) << bad;
}

TEST(IsingScan, SeedsAreDistinctAndFirstPointKeepsTheSeed) {
  EXPECT_EQ(scan_seed(42, 0, 0), 42u);
  std::set<std::uint64_t> seen;
  for (std::size_t l = 0; l < 4; ++l)
    for (std::size_t t = 0; t < 50; ++t) seen.insert(scan_seed(42, l, t));
  EXPECT_EQ(seen.size(), 200u);
  EXPECT_EQ(scan_seed(42, 1, 3), scan_seed(42, 1, 3));
  EXPECT_NE(scan_seed(42, 1, 3), scan_seed(43, 1, 3));
}

TEST(IsingScan, BinderCrossingInterpolates) {
  const std::vector<double> T = {2.0, 2.2, 2.4, 2.6};
  // U_8 − U_16 = 0.1, 0.05, −0.05, −0.1: crossing at 2.3 (midway of [2.2, 2.4]).
  std::vector<std::vector<stats::Result>> U(2);
  for (const double d : {0.1, 0.05, -0.05, -0.1}) {
    U[0].push_back({0.6 + d / 2, 0.01, 0.5, 100});
    U[1].push_back({0.6 - d / 2, 0.01, 0.5, 100});
  }
  const auto c = binder_crossings(T, {16, 8}, {U[1], U[0]});  // unsorted sizes are sorted
  ASSERT_EQ(c.size(), 1u);
  EXPECT_TRUE(c[0].found);
  EXPECT_EQ(c[0].L1, 8);
  EXPECT_EQ(c[0].L2, 16);
  EXPECT_NEAR(c[0].temperature.mean, 2.3, 1e-12);
  // σ = h·sqrt(d1² v0 + d0² v1)/(d0−d1)², v = 2·0.01².
  const double v = 2e-4, expected = 0.2 * std::sqrt(0.05 * 0.05 * v * 2) / 0.01;
  EXPECT_NEAR(c[0].temperature.error, expected, 1e-12);
  // No sign change: not found.
  const auto none = binder_crossings({2.0, 2.1}, {8, 16}, {{U[0][0], U[0][1]}, {U[1][0], U[1][1]}});
  EXPECT_FALSE(none[0].found);
  EXPECT_THROW(binder_crossings(T, {8}, U), Error);
}

}  // namespace
