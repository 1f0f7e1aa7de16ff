// Stopping Ising runs (ising::run's StopPoll, core/cancel.hpp): on 2 OpenMP threads, for the
// multi-spin and the scalar samplers, a poll that answers true makes run() throw Cancelled; one that
// answers false is called only on the calling thread (chain 0's progress may come from a worker)
// and leaves every sample bit-identical to a run without a poll.
#include <gtest/gtest.h>
#include <omp.h>

#include <mutex>
#include <set>
#include <thread>

#include "rgflow/core/cancel.hpp"
#include "rgflow/ising/sampler.hpp"

namespace rgflow::ising {
namespace {

class TwoThreads : public ::testing::Test {
 protected:
  void SetUp() override {
    previous_ = omp_get_max_threads();
    omp_set_num_threads(2);
  }
  void TearDown() override { omp_set_num_threads(previous_); }

 private:
  int previous_ = 1;
};

struct Recorder {
  std::mutex mutex;
  int calls = 0;
  std::set<std::thread::id> threads;
  StopPoll poll(bool answer) {
    return [this, answer] {
      std::lock_guard<std::mutex> lock(mutex);
      ++calls;
      threads.insert(std::this_thread::get_id());
      return answer;
    };
  }
  bool only_on_this_thread() const {
    return threads.size() == 1 && *threads.begin() == std::this_thread::get_id();
  }
};

RunConfig config(Algorithm algorithm, int chains) {
  RunConfig c;
  c.model = {8, 2.3, 1.0, 0.0};
  c.algorithm = algorithm;
  c.samples = 600;
  c.chains = chains;
  c.thermalize = 50;
  c.sweeps_between = 2;
  c.seed = 21;
  return c;
}

using CancelIsing = TwoThreads;

TEST_F(CancelIsing, StopsOnTrueAndIsBitIdenticalOnFalse) {
  // 128 multi-spin chains = 2 groups; 6 Wolff and 4 Metropolis-scalar chains.
  for (const RunConfig& c : {config(Algorithm::metropolis, 128), config(Algorithm::wolff, 6),
                             config(Algorithm::metropolis_scalar, 4)}) {
    SCOPED_TRACE(algorithm_name(c.algorithm));
    const RunResult plain = run(c);
    Recorder no;
    std::int64_t progress_calls = 0;
    const RunResult polled =
        run(c, [&](std::int64_t, std::int64_t) { ++progress_calls; }, no.poll(false));
    EXPECT_EQ(polled.spins, plain.spins);
    EXPECT_EQ(polled.energy, plain.energy);
    EXPECT_EQ(polled.magnetization, plain.magnetization);
    EXPECT_EQ(progress_calls, (c.samples + polled.chains - 1) / polled.chains);
    EXPECT_GE(no.calls, 1);
    EXPECT_TRUE(no.only_on_this_thread());

    Recorder yes;
    EXPECT_THROW(run(c, {}, yes.poll(true)), Cancelled);
    EXPECT_TRUE(yes.only_on_this_thread());
  }
}

TEST_F(CancelIsing, ProcessRequestStopsARunThroughItsPoll) {
  reset_cancel();
  request_cancel();
  EXPECT_THROW(run(config(Algorithm::wolff, 2), {}, process_cancel_poll()), Cancelled);
  reset_cancel();
  EXPECT_NO_THROW(run(config(Algorithm::wolff, 2), {}, process_cancel_poll()));
}

}  // namespace
}  // namespace rgflow::ising
