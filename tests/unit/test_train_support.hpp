#pragma once
// Shared helpers of the train unit tests (header only; the test glob compiles only test_*.cpp).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <utility>

#include "rgflow/core/rng.hpp"
#include "rgflow/core/types.hpp"
#include "rgflow/rbm/units.hpp"
#include "rgflow/train/trainer.hpp"

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

// The checkpoint round trip of the resume tests: `fresh()` trained for config.epochs without a
// break (`straight`), and again for 2 epochs, saved to `path` (`saved`), loaded (`loaded`) and
// resumed to config.epochs (`resumed`); `straight_end` and `resumed_end` are the final checkpoints.
struct ResumeRun {
  Rbm straight, resumed;
  train::Checkpoint saved, loaded, straight_end, resumed_end;
};

template <class Fresh>
ResumeRun resume_after_two_epochs(const train::TrainConfig& config, const MatrixF& data,
                                  Fresh&& fresh, const std::string& path) {
  ResumeRun r{fresh(), Rbm(), {}, {}, {}, {}};
  train::Trainer full(r.straight, config, data);
  while (!full.finished()) full.run_epoch();
  r.straight_end = full.checkpoint();

  Rbm first = fresh();
  train::Trainer part(first, config, data);
  part.run_epoch();
  part.run_epoch();
  r.saved = part.checkpoint();
  train::save_checkpoint(path, r.saved);
  r.loaded = train::load_checkpoint(path);
  train::Trainer rest(r.resumed, r.loaded, data);
  while (!rest.finished()) rest.run_epoch();
  r.resumed_end = rest.checkpoint();
  return r;
}

// Bit-identical parameters, σ included.
inline void expect_same_parameters(const Rbm& a, const Rbm& b) {
  EXPECT_EQ(a.weights(), b.weights());
  EXPECT_EQ(a.visible_bias(), b.visible_bias());
  EXPECT_EQ(a.hidden_bias(), b.hidden_bias());
  EXPECT_EQ(a.visible_sigma(), b.visible_sigma());
}

}  // namespace rgflow::test
