#pragma once
// Shared helpers of the train unit tests (header only; the test glob compiles only test_*.cpp).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "rgflow/core/rng.hpp"
#include "rgflow/core/types.hpp"
#include "rgflow/rbm/units.hpp"

namespace rgflow::test {

// A fresh directory per test case (ctest runs test cases as parallel processes), removed after.
class TrainTempDir {
 public:
  TrainTempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(info->test_suite_name()) + "-" + info->name();
    std::replace(name.begin(), name.end(), '/', '_');  // parameterised test names contain '/'
    root_ = std::filesystem::temp_directory_path() /
            ("rgflow-train-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
  }
  ~TrainTempDir() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  TrainTempDir(const TrainTempDir&) = delete;
  TrainTempDir& operator=(const TrainTempDir&) = delete;
  std::string file(const std::string& name) const { return (root_ / name).string(); }

 private:
  std::filesystem::path root_;
};

// n rows of 8 units: one of the prototypes 11110000, 00001111, 11001100 (chosen at random), each
// bit flipped with probability `noise`. Marginals are near 1/2, so the independent-unit model
// that Hinton initialisation starts from is far from the data distribution (≈ −5.5 nats vs
// ≈ −3 nats for the generating mixture at noise 0.05).
inline MatrixF prototype_data(Index n, UnitType type, std::uint64_t seed, double noise = 0.05) {
  static const int prototypes[3][8] = {
      {1, 1, 1, 1, 0, 0, 0, 0}, {0, 0, 0, 0, 1, 1, 1, 1}, {1, 1, 0, 0, 1, 1, 0, 0}};
  Rng rng(seed, 99);
  MatrixF data(n, 8);
  for (Index r = 0; r < n; ++r) {
    const auto p = rng.below(3);
    for (Index c = 0; c < 8; ++c) {
      int bit = prototypes[p][c];
      if (rng.uniform_double() < noise) bit = 1 - bit;
      data(r, c) = type == UnitType::spin ? 2.0f * static_cast<float>(bit) - 1.0f
                                          : static_cast<float>(bit);
    }
  }
  return data;
}

}  // namespace rgflow::test
