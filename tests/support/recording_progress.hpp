#pragma once
// A ProgressFn (core/cancel.hpp) that records its calls, and the contract every long computation
// must keep with it (header only, GoogleTest).
#include <gtest/gtest.h>

#include <cstdint>
#include <thread>
#include <utility>
#include <vector>

#include "rgflow/core/cancel.hpp"

namespace rgflow::test {

class RecordingProgress {
 public:
  ProgressFn fn() {
    return [this](std::int64_t done, std::int64_t total) {
      calls_.emplace_back(done, total);
      if (std::this_thread::get_id() != owner_) other_thread_ = true;
    };
  }
  const std::vector<std::pair<std::int64_t, std::int64_t>>& calls() const { return calls_; }

  // Called only on the constructing thread, never more than the total, never backwards, and the
  // last report is (total, total). The order is judged by done/total, or by done alone when
  // `total_may_rise` (a computation may raise its total once more work turns up).
  void expect_complete_and_ordered(bool total_may_rise = false) const {
    ASSERT_FALSE(calls_.empty());
    EXPECT_FALSE(other_thread_);
    double last = -1.0;
    std::int64_t last_done = -1;
    for (const auto& [done, total] : calls_) {
      EXPECT_GT(total, 0);
      EXPECT_GE(done, 0);
      EXPECT_LE(done, total);
      if (total_may_rise) {
        EXPECT_GE(done, last_done);
      } else {
        const double f = static_cast<double>(done) / static_cast<double>(total);
        EXPECT_GE(f, last);
        last = f;
      }
      last_done = done;
    }
    EXPECT_EQ(calls_.back().first, calls_.back().second);
  }

 private:
  std::thread::id owner_ = std::this_thread::get_id();
  std::vector<std::pair<std::int64_t, std::int64_t>> calls_;
  bool other_thread_ = false;
};

}  // namespace rgflow::test
