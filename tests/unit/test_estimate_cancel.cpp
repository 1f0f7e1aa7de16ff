// Stopping and watching long estimates (core/cancel.hpp): StopSignal's contract, and for AIS
// (forward and reverse), exact enumeration (fast, general and Gaussian paths, moments), TAP, the
// DBN flow and bound: a poll that answers true makes the call throw Cancelled; a poll that answers
// false is called, only on the calling thread, and leaves the result bit-identical to a run
// without one; so does a ProgressFn, which is told the work done in order and ends at the total
// (test/support/recording_progress.hpp; the rest of progress: test_run_progress.cpp).
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "rgflow/core/cancel.hpp"
#include "rgflow/estimate/ais.hpp"
#include "rgflow/estimate/exact.hpp"
#include "rgflow/estimate/free_energy_flow.hpp"
#include "rgflow/estimate/tap.hpp"
#include "rgflow/rbm/dbn.hpp"
#include "support/gaussian_rbm.hpp"
#include "support/random_rbm.hpp"
#include "support/recording_progress.hpp"

namespace rgflow::estimate {
namespace {

// A poll with a fixed answer that records how often and on which threads it was called.
class RecordingPoll {
 public:
  explicit RecordingPoll(bool answer) : answer_(answer) {}
  StopPoll poll() {
    return [this] {
      std::lock_guard<std::mutex> lock(mutex_);
      ++calls_;
      threads_.insert(std::this_thread::get_id());
      return answer_;
    };
  }
  int calls() const { return calls_; }
  // True when every call came from this (the test's) thread.
  bool only_on_this_thread() const {
    return threads_.size() == 1 && *threads_.begin() == std::this_thread::get_id();
  }

 private:
  bool answer_;
  std::mutex mutex_;
  int calls_ = 0;
  std::set<std::thread::id> threads_;
};

MatrixF random_binary_rows(Index rows, Index cols, std::uint64_t seed) {
  Rng rng(seed, 9);
  MatrixF x(rows, cols);
  for (Index i = 0; i < x.size(); ++i) x.data()[i] = rng.uniform() < 0.3f ? 1.0f : 0.0f;
  return x;
}

TEST(StopSignal, WithoutPollNothingHappens) {
  StopSignal stop{StopPoll{}};
  EXPECT_FALSE(stop.check());
  stop.item_done();
  stop.wait_for_items(5);  // returns at once: nothing is counted without a poll
  EXPECT_FALSE(stop.stopped());
  EXPECT_NO_THROW(stop.throw_if_stopped());
}

TEST(StopSignal, ConstructorPollsAndTrueStops) {
  RecordingPoll yes(true);
  StopSignal stop(yes.poll());
  EXPECT_EQ(yes.calls(), 1);
  EXPECT_TRUE(stop.stopped());
  EXPECT_TRUE(stop.check());
  EXPECT_EQ(yes.calls(), 1);  // once stopped, never polled again
  EXPECT_THROW(stop.throw_if_stopped(), Cancelled);
}

TEST(StopSignal, PollsOnlyOnTheStartingThreadAndAtMostOncePerInterval) {
  RecordingPoll no(false);
  StopSignal stop(no.poll(), {}, std::chrono::hours(1));
  EXPECT_FALSE(stop.check());
  EXPECT_FALSE(stop.check());  // within the interval: no poll after the constructor's
  EXPECT_EQ(no.calls(), 1);
  std::thread other([&] {
    for (int i = 0; i < 3; ++i) EXPECT_FALSE(stop.check());
    stop.wait_for_items(100);  // not the starting thread: returns at once
  });
  other.join();
  EXPECT_EQ(no.calls(), 1);
  EXPECT_TRUE(no.only_on_this_thread());
}

TEST(StopSignal, StartingThreadWaitsForItemsOfOtherThreads) {
  RecordingPoll no(false);
  StopSignal stop(no.poll(), {}, std::chrono::milliseconds(1));
  std::atomic<bool> started{false};
  std::thread worker([&] {
    started = true;
    for (int i = 0; i < 4; ++i) stop.item_done();
  });
  stop.item_done();
  stop.wait_for_items(5);  // returns only once the worker's four items are counted
  worker.join();
  EXPECT_TRUE(started);
  EXPECT_FALSE(stop.stopped());
  EXPECT_TRUE(no.only_on_this_thread());
}

TEST(StopSignal, ProcessRequestIsSeenByItsPoll) {
  reset_cancel();
  const StopPoll poll = process_cancel_poll();
  EXPECT_FALSE(poll());
  request_cancel();
  EXPECT_TRUE(poll());
  EXPECT_THROW(throw_if_cancelled(), Cancelled);
  reset_cancel();
  EXPECT_FALSE(cancel_requested());
}

class CancelAis : public ::testing::TestWithParam<bool> {};  // reverse?

TEST_P(CancelAis, StopsOnTrueAndIsBitIdenticalOnFalse) {
  const bool reverse = GetParam();
  const Rbm target = test::random_rbm(12, 10, UnitType::bernoulli, UnitType::bernoulli, 3, 0.5, 0.3, 1);
  const MatrixF data = random_binary_rows(40, 12, 4);
  const Rbm base = base_rate_model(target, data);
  AisOptions o;
  o.chains = 40;
  o.chains_per_batch = 5;  // 8 batches over 2 threads
  o.threads = 2;
  o.seed = 11;
  o.betas = linear_ais_schedule(300);
  const auto run = [&](const AisOptions& opt) {
    return reverse ? reverse_ais_log_partition(target, base, data, opt)
                   : ais_log_partition(target, base, opt);
  };
  const AisResult plain = run(o);

  RecordingPoll no(false);
  o.stop = no.poll();
  const AisResult polled = run(o);
  EXPECT_EQ(polled.log_weights, plain.log_weights);
  EXPECT_EQ(polled.log_z.mean, plain.log_z.mean);
  EXPECT_GE(no.calls(), 1);
  EXPECT_TRUE(no.only_on_this_thread());

  test::RecordingProgress progress;
  o.progress = progress.fn();
  EXPECT_EQ(run(o).log_weights, plain.log_weights);
  progress.expect_complete_and_ordered();
  EXPECT_EQ(progress.calls().back().second, 8 * 299);  // batches × temperature steps
  o.progress = nullptr;

  RecordingPoll yes(true);
  o.stop = yes.poll();
  EXPECT_THROW(run(o), Cancelled);
  EXPECT_TRUE(yes.only_on_this_thread());
}

INSTANTIATE_TEST_SUITE_P(ForwardAndReverse, CancelAis, ::testing::Values(false, true));

// Enumeration of 2^16 hidden states (fast path, general path with large fields, Gaussian
// visible units), in parallel on 2 threads.
TEST(CancelExact, StopsOnTrueAndIsBitIdenticalOnFalse) {
  const Rbm fast = test::random_rbm(24, 16, UnitType::bernoulli, UnitType::spin, 5, 0.3, 0.2, 1);
  Rbm general = fast;
  general.weights() *= 200.0f;  // |field| > 600: the per-unit softplus path
  const Rbm gaussian = test::random_gaussian_rbm(24, 16, UnitType::bernoulli, 6, 0.2, 0.2, 0.8, 1.2);
  for (const Rbm* rbm : std::vector<const Rbm*>{&fast, &general, &gaussian}) {
    SCOPED_TRACE(rbm == &fast ? "fast path" : rbm == &general ? "general path" : "gaussian");
    const double plain = exact_log_partition(*rbm, EnumerateLayer::hidden, 2);
    RecordingPoll no(false);
    EXPECT_EQ(exact_log_partition(*rbm, EnumerateLayer::hidden, 2, no.poll()), plain);
    EXPECT_GE(no.calls(), 1);
    EXPECT_TRUE(no.only_on_this_thread());
    test::RecordingProgress progress;
    EXPECT_EQ(exact_log_partition(*rbm, EnumerateLayer::hidden, 2, {}, progress.fn()), plain);
    progress.expect_complete_and_ordered();
    RecordingPoll yes(true);
    EXPECT_THROW(exact_log_partition(*rbm, EnumerateLayer::hidden, 2, yes.poll()), Cancelled);
  }
}

TEST(CancelExact, ModelMoments) {
  for (const Rbm& rbm : {test::random_rbm(10, 14, UnitType::spin, UnitType::bernoulli, 7, 0.4, 0.2, 1),
                         test::random_gaussian_rbm(10, 14, UnitType::spin, 8, 0.2, 0.2, 0.8, 1.2)}) {
    const Moments plain = exact_model_moments(rbm);
    RecordingPoll no(false);
    const Moments polled = exact_model_moments(rbm, no.poll());
    EXPECT_EQ(polled.visible, plain.visible);
    EXPECT_EQ(polled.hidden, plain.hidden);
    EXPECT_EQ(polled.visible_hidden, plain.visible_hidden);
    EXPECT_TRUE(no.only_on_this_thread());
    RecordingPoll yes(true);
    EXPECT_THROW(exact_model_moments(rbm, yes.poll()), Cancelled);
  }
}

TEST(CancelTap, StopsOnTrueAndIsBitIdenticalOnFalse) {
  const Rbm rbm = test::random_rbm(30, 20, UnitType::bernoulli, UnitType::bernoulli, 9, 0.1, 0.3, 1);
  const MatrixF starts = random_binary_rows(5, 30, 10);
  TapOptions o;
  o.order = 3;
  const stats::Result plain = tap_log_partition(rbm, o, &starts);
  const TapFixedPoint plain_point = tap_fixed_point(rbm, o);
  RecordingPoll no(false);
  o.stop = no.poll();
  EXPECT_EQ(tap_log_partition(rbm, o, &starts).mean, plain.mean);
  EXPECT_EQ(tap_fixed_point(rbm, o).visible, plain_point.visible);
  EXPECT_GE(no.calls(), 2);
  test::RecordingProgress progress;
  o.progress = progress.fn();
  EXPECT_EQ(tap_log_partition(rbm, o, &starts).mean, plain.mean);
  progress.expect_complete_and_ordered();
  EXPECT_EQ(progress.calls().back().second, 7);  // uniform, bias-only and the 5 rows
  o.progress = nullptr;
  RecordingPoll yes(true);
  o.stop = yes.poll();
  EXPECT_THROW(tap_log_partition(rbm, o, &starts), Cancelled);
  EXPECT_THROW(tap_fixed_point(rbm, o), Cancelled);
}

TEST(CancelDbn, FlowAndBoundStopOnTrueAndAreBitIdenticalOnFalse) {
  const Dbn dbn({test::random_rbm(12, 10, UnitType::bernoulli, UnitType::bernoulli, 12, 0.4, 0.2, 1),
                 test::random_rbm(10, 8, UnitType::bernoulli, UnitType::bernoulli, 13, 0.4, 0.2, 1)});
  const MatrixF data = random_binary_rows(30, 12, 14);
  FlowOptions flow;
  flow.log_z.method = LogZMethod::ais;  // both layers by AIS
  flow.log_z.ais.chains = 20;
  flow.log_z.ais.betas = linear_ais_schedule(100);
  flow.log_z.threads = 2;
  BoundOptions bound;
  bound.method = BoundMethod::sample;
  bound.threads = 2;
  const auto plain_flow = free_energy_flow(dbn, data, flow);
  const DbnBound plain_bound = dbn_lower_bound(dbn, data, flow.log_z, bound);
  const VectorD plain_exact = dbn_exact_log_probability(dbn, data, 3.0);

  RecordingPoll no(false);
  flow.log_z.stop = no.poll();
  const auto polled_flow = free_energy_flow(dbn, data, flow);
  ASSERT_EQ(polled_flow.size(), plain_flow.size());
  for (std::size_t k = 0; k < plain_flow.size(); ++k) {
    EXPECT_EQ(polled_flow[k].log_z->mean, plain_flow[k].log_z->mean);
  }
  EXPECT_EQ(dbn_lower_bound(dbn, data, flow.log_z, bound).per_row, plain_bound.per_row);
  EXPECT_EQ(dbn_exact_log_probability(dbn, data, 3.0, no.poll()), plain_exact);
  EXPECT_TRUE(no.only_on_this_thread());

  test::RecordingProgress flow_progress, bound_progress;
  flow.log_z.stop = nullptr;
  flow.log_z.progress = flow_progress.fn();
  const auto watched = free_energy_flow(dbn, data, flow);
  for (std::size_t k = 0; k < plain_flow.size(); ++k) {
    EXPECT_EQ(watched[k].log_z->mean, plain_flow[k].log_z->mean);
  }
  flow_progress.expect_complete_and_ordered();
  EXPECT_EQ(flow_progress.calls().back().second, 2000);  // two layers, 1000 units each
  flow.log_z.progress = nullptr;
  BoundOptions watched_bound = bound;
  watched_bound.progress = bound_progress.fn();  // log Z of the top layer, then the rows
  EXPECT_EQ(dbn_lower_bound(dbn, data, flow.log_z, watched_bound).per_row, plain_bound.per_row);
  bound_progress.expect_complete_and_ordered();

  RecordingPoll yes(true);
  flow.log_z.stop = yes.poll();
  EXPECT_THROW(free_energy_flow(dbn, data, flow), Cancelled);
  EXPECT_THROW(dbn_lower_bound(dbn, data, flow.log_z, bound), Cancelled);
  flow.log_z.stop = nullptr;
  bound.stop = yes.poll();
  EXPECT_THROW(dbn_lower_bound(dbn, data, flow.log_z, bound), Cancelled);
  EXPECT_THROW(dbn_exact_log_probability(dbn, data, 3.0, yes.poll()), Cancelled);
  EXPECT_TRUE(yes.only_on_this_thread());
}

}  // namespace
}  // namespace rgflow::estimate
