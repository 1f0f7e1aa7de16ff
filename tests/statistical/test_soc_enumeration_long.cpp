// L = 4 by brute force: every one of the 4^16 ≈ 4.3e9 stable configurations burnt on its own
// (minutes on two cores; the default suite checks L = 4 with the split enumeration).
#include <gtest/gtest.h>

#include "rgflow/soc/exact.hpp"
#include "rgflow/soc/recurrent.hpp"

namespace rgflow::soc {
namespace {

TEST(SocEnumerationLong, BruteForceCountAtL4EqualsDeterminant) {
  const auto brute = enumerate_recurrent(4, EnumerationMethod::brute);
  EXPECT_EQ(brute.burning_tests, std::uint64_t{1} << 32);
  EXPECT_EQ(brute.count, toppling_determinant(4));
  const auto split = enumerate_recurrent(4, EnumerationMethod::split);
  EXPECT_EQ(split.count, brute.count);
  EXPECT_EQ(split.height_sum, brute.height_sum);
}

}  // namespace
}  // namespace rgflow::soc
