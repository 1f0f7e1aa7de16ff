// Progress of long computations (core/cancel.hpp ProgressFn; named test_run_ to link every
// layer): StopSignal's accounting, every log Z method through LogZOptions, and effective
// couplings. The ProgressFn is called only on the calling thread, never reports more than the
// total nor goes backwards, ends with (total, total), and leaves the result bit-identical to a run
// without one. AIS, exact enumeration, TAP and the DBN flow and bound: test_estimate_cancel.cpp.
#include <gtest/gtest.h>

#include <thread>
#include <utility>
#include <vector>

#include "rgflow/core/cancel.hpp"
#include "rgflow/estimate/log_partition.hpp"
#include "rgflow/rg/couplings.hpp"
#include "support/random_rbm.hpp"
#include "support/recording_progress.hpp"

namespace rgflow::estimate {
namespace {

using test::RecordingProgress;

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
