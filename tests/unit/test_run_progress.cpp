// Progress of long computations (core/cancel.hpp ProgressFn; named test_run_ to link every layer): StopSignal's accounting, and for AIS,
// exact enumeration, TAP, the DBN flow and bound, and effective couplings: the ProgressFn is
// called only on the calling thread, never reports more than the total nor goes backwards, ends
// with (total, total), and leaves the result bit-identical to a run without one.
#include <gtest/gtest.h>

#include <thread>
#include <utility>
#include <vector>

#include "rgflow/core/cancel.hpp"
#include "rgflow/estimate/ais.hpp"
#include "rgflow/estimate/exact.hpp"
#include "rgflow/estimate/free_energy_flow.hpp"
#include "rgflow/estimate/log_partition.hpp"
#include "rgflow/estimate/tap.hpp"
#include "rgflow/rbm/dbn.hpp"
#include "rgflow/rg/couplings.hpp"
#include "support/random_rbm.hpp"

namespace rgflow::estimate {
namespace {

// Records every (done, total) call and the thread it came from.
class RecordingProgress {
 public:
  ProgressFn fn() {
    return [this](std::int64_t done, std::int64_t total) {
      calls_.emplace_back(done, total);
      if (std::this_thread::get_id() != owner_) other_thread_ = true;
    };
  }
  const std::vector<std::pair<std::int64_t, std::int64_t>>& calls() const { return calls_; }

  // The contract every computation must keep. The order is judged by done/total, or by done alone
  // when `total_may_rise` (a computation may raise its total once more work turns up).
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
    EXPECT_EQ(calls_.back().first, calls_.back().second);  // the last report: all done
  }

 private:
  std::thread::id owner_ = std::this_thread::get_id();
  std::vector<std::pair<std::int64_t, std::int64_t>> calls_;
  bool other_thread_ = false;
};

MatrixF random_binary_rows(Index rows, Index cols, std::uint64_t seed) {
  Rng rng(seed, 9);
  MatrixF x(rows, cols);
  for (Index i = 0; i < x.size(); ++i) x.data()[i] = rng.uniform() < 0.3f ? 1.0f : 0.0f;
  return x;
}

TEST(StopSignalProgress, ReportsWorkAtPollTimesAndTheWholeAtTheEnd) {
  RecordingProgress p;
  {
    StopSignal stop(StopPoll{}, p.fn(), std::chrono::milliseconds(0));
    stop.expect_work(10);
    stop.add_work(3);
    std::thread other([&] {
      stop.add_work(2);
      EXPECT_FALSE(stop.check());  // not the starting thread: no report
    });
    other.join();
    EXPECT_FALSE(stop.check());  // reports (5, 10)
    stop.expect_work(12);        // more work turned up: the units done are kept
    stop.add_work(7);
  }  // destroyed with all done: reports (12, 12)
  ASSERT_EQ(p.calls().size(), 2u);
  EXPECT_EQ(p.calls()[0], std::make_pair(std::int64_t{5}, std::int64_t{10}));
  EXPECT_EQ(p.calls()[1], std::make_pair(std::int64_t{12}, std::int64_t{12}));
}

TEST(StopSignalProgress, NoFinalReportWhenTheWorkIsUnfinishedOrStopped) {
  RecordingProgress p;
  {
    StopSignal stop(StopPoll{}, p.fn(), std::chrono::hours(1));
    stop.expect_work(4);
    stop.add_work(3);
  }
  {
    StopSignal stop([] { return true; }, p.fn(), std::chrono::hours(1));
    stop.expect_work(1);
    stop.add_work(1);
  }
  EXPECT_TRUE(p.calls().empty());
}

TEST(StopSignalProgress, PartsMapOntoTheWhole) {
  std::vector<std::pair<std::int64_t, std::int64_t>> seen;
  const ProgressFn whole = [&](std::int64_t d, std::int64_t t) { seen.emplace_back(d, t); };
  progress_part(whole, 0, 2)(5, 10);
  progress_part(whole, 1, 2)(10, 10);
  progress_part(whole, 2, 3)(1, 4);
  EXPECT_FALSE(progress_part(ProgressFn{}, 0, 2));
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0], std::make_pair(std::int64_t{500}, std::int64_t{2000}));
  EXPECT_EQ(seen[1], std::make_pair(std::int64_t{2000}, std::int64_t{2000}));
  EXPECT_EQ(seen[2], std::make_pair(std::int64_t{2250}, std::int64_t{3000}));
}

class ProgressAis : public ::testing::TestWithParam<bool> {};  // reverse?

TEST_P(ProgressAis, CountsEveryTemperatureOfEveryBatchAndChangesNothing) {
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
  RecordingProgress p;
  o.progress = p.fn();
  const AisResult watched = run(o);
  EXPECT_EQ(watched.log_weights, plain.log_weights);
  p.expect_complete_and_ordered();
  EXPECT_EQ(p.calls().back().second, 8 * 299);  // batches × temperature steps
}

INSTANTIATE_TEST_SUITE_P(ForwardAndReverse, ProgressAis, ::testing::Values(false, true));

TEST(ProgressExact, CountsChunksOfStatesAndChangesNothing) {
  const Rbm rbm = test::random_rbm(24, 16, UnitType::bernoulli, UnitType::spin, 5, 0.3, 0.2, 1);
  Rbm general = rbm;
  general.weights() *= 200.0f;  // the per-unit softplus path
  for (const Rbm* model : std::vector<const Rbm*>{&rbm, &general}) {
    const double plain = exact_log_partition(*model, EnumerateLayer::hidden, 2);
    RecordingProgress p;
    EXPECT_EQ(exact_log_partition(*model, EnumerateLayer::hidden, 2, {}, p.fn()), plain);
    p.expect_complete_and_ordered();
  }
}

TEST(ProgressTap, CountsStartsAndChangesNothing) {
  const Rbm rbm = test::random_rbm(30, 20, UnitType::bernoulli, UnitType::bernoulli, 9, 0.1, 0.3, 1);
  const MatrixF starts = random_binary_rows(5, 30, 10);
  TapOptions o;
  o.order = 3;
  const stats::Result plain = tap_log_partition(rbm, o, &starts);
  RecordingProgress p;
  o.progress = p.fn();
  EXPECT_EQ(tap_log_partition(rbm, o, &starts).mean, plain.mean);
  p.expect_complete_and_ordered();
  EXPECT_EQ(p.calls().back().second, 7);  // uniform, bias-only and the 5 rows
}

TEST(ProgressLogZ, EveryMethodReportsThroughLogZOptions) {
  const Rbm rbm = test::random_rbm(14, 10, UnitType::bernoulli, UnitType::bernoulli, 21, 0.3, 0.2, 1);
  const MatrixF data = random_binary_rows(20, 14, 22);
  for (const LogZMethod m : {LogZMethod::exact, LogZMethod::ais, LogZMethod::reverse_ais, LogZMethod::tap2}) {
    SCOPED_TRACE(std::string(to_string(m)));
    LogZOptions o;
    o.method = m;
    o.ais.chains = 10;
    o.ais.betas = linear_ais_schedule(50);
    const LogZEstimate plain = estimate_log_partition(rbm, o, &data);
    RecordingProgress p;
    o.progress = p.fn();
    EXPECT_EQ(estimate_log_partition(rbm, o, &data).log_z.mean, plain.log_z.mean);
    p.expect_complete_and_ordered();
  }
}

TEST(ProgressDbn, FlowAndBoundReportTheirPartsInOrder) {
  const Dbn dbn({test::random_rbm(12, 10, UnitType::bernoulli, UnitType::bernoulli, 12, 0.4, 0.2, 1),
                 test::random_rbm(10, 8, UnitType::bernoulli, UnitType::bernoulli, 13, 0.4, 0.2, 1)});
  const MatrixF data = random_binary_rows(30, 12, 14);
  FlowOptions flow;
  flow.log_z.method = LogZMethod::ais;
  flow.log_z.ais.chains = 20;
  flow.log_z.ais.betas = linear_ais_schedule(100);
  flow.log_z.threads = 2;
  BoundOptions bound;
  bound.method = BoundMethod::sample;
  bound.threads = 2;
  const auto plain_flow = free_energy_flow(dbn, data, flow);
  const DbnBound plain_bound = dbn_lower_bound(dbn, data, flow.log_z, bound);

  RecordingProgress pf;
  flow.log_z.progress = pf.fn();
  const auto watched = free_energy_flow(dbn, data, flow);
  for (std::size_t k = 0; k < plain_flow.size(); ++k) {
    EXPECT_EQ(watched[k].log_z->mean, plain_flow[k].log_z->mean);
  }
  pf.expect_complete_and_ordered();
  EXPECT_EQ(pf.calls().back().second, 2000);  // two layers, 1000 units each (progress_part)

  RecordingProgress pb;
  flow.log_z.progress = nullptr;
  bound.progress = pb.fn();
  EXPECT_EQ(dbn_lower_bound(dbn, data, flow.log_z, bound).per_row, plain_bound.per_row);
  pb.expect_complete_and_ordered();
}

TEST(ProgressCouplings, ExactAndMonteCarloUnitsAreCounted) {
  const Rbm rbm = test::random_rbm(7, 10, UnitType::spin, UnitType::spin, 72, 0.8, 0.5, 2);
  const std::vector<rg::Sites> subsets = rg::all_subsets(7, 2);
  for (const int max_exact : {20, 3}) {  // every unit exact; some by Monte Carlo
    rg::CouplingOptions options;
    options.side = rg::Side::visible;
    options.max_exact_support = max_exact;
    options.samples = 2000;
    options.threads = 2;
    const rg::CouplingTable plain = rg::effective_couplings(rbm, subsets, options);
    RecordingProgress p;
    options.progress = p.fn();
    const rg::CouplingTable watched = rg::effective_couplings(rbm, subsets, options);
    for (std::size_t k = 0; k < subsets.size(); ++k) {
      EXPECT_EQ(watched.couplings[k].value.mean, plain.couplings[k].value.mean);
    }
    p.expect_complete_and_ordered(/*total_may_rise=*/true);
    EXPECT_EQ(p.calls().back().second, 10 + (watched.monte_carlo_units > 0 ? 2000 : 0));
  }
}

}  // namespace
}  // namespace rgflow::estimate
