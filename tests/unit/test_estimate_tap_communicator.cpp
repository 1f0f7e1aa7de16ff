// TAP's best-of-starts search split over "processes" (TapOptions::communicator; issue #19): start
// k on rank k mod N, every fixed point copied to every rank and the best chosen in start order, so
// every rank returns the one-process fixed point bit for bit — also with more ranks than starts —
// and a stop on one rank cancels every rank.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <vector>

#include "rgflow/comm/local.hpp"
#include "support/local_ranks.hpp"
#include "rgflow/core/cancel.hpp"
#include "rgflow/estimate/tap.hpp"
#include "support/random_rbm.hpp"

namespace rgflow::estimate {
namespace {


TEST(TapCommunicator, AnyNumberOfRanksFindsTheSingleProcessFixedPoint) {
  // Weights strong enough for the starts to reach different fixed points.
  const Rbm rbm = test::random_rbm(14, 9, UnitType::bernoulli, UnitType::bernoulli, 3, 0.8, 0.5, 0);
  const MatrixF starts = test::exact_samples_by_hidden(rbm, 7, 2);  // + 2 default starts: 9
  for (const int order : {1, 2, 3}) {
    TapOptions options;
    options.order = order;
    const TapFixedPoint serial = tap_best_fixed_point(rbm, options, &starts);
    ASSERT_TRUE(serial.converged);
    for (const int size : {1, 2, 3, 11}) {  // 11 ranks > 9 starts: two ranks have none
      std::vector<TapFixedPoint> got(static_cast<std::size_t>(size));
      test::run_guarded(size, [&](const Communicator& comm) {
        TapOptions o = options;
        o.communicator = &comm;
        got[static_cast<std::size_t>(comm.rank())] = tap_best_fixed_point(rbm, o, &starts);
      });
      for (const TapFixedPoint& f : got) {
        EXPECT_EQ(f.visible, serial.visible) << "order " << order << ", " << size << " ranks";
        EXPECT_EQ(f.hidden, serial.hidden);
        EXPECT_EQ(f.free_energy, serial.free_energy);
        EXPECT_EQ(f.iterations, serial.iterations);
        EXPECT_EQ(f.converged, serial.converged);
      }
    }
  }
}

TEST(TapCommunicator, AStopOnOneRankCancelsEveryRank) {
  const Rbm rbm = test::random_rbm(14, 9, UnitType::bernoulli, UnitType::bernoulli, 3, 0.8, 0.5, 0);
  const MatrixF starts = test::exact_samples_by_hidden(rbm, 7, 2);
  for (const int size : {2, 3}) {
    std::vector<int> cancelled(static_cast<std::size_t>(size), 0);
    test::run_guarded(size, [&](const Communicator& comm) {
      TapOptions o;
      o.communicator = &comm;
      o.tolerance = 1e-300;              // never converges: every start runs all its sweeps
      o.max_iterations = 100000000;
      o.stop = [&comm] { return comm.rank() == 1; };
      try {
        tap_best_fixed_point(rbm, o, &starts);
      } catch (const Cancelled&) {
        cancelled[static_cast<std::size_t>(comm.rank())] = 1;
      }
    });
    EXPECT_EQ(cancelled, std::vector<int>(static_cast<std::size_t>(size), 1)) << size << " ranks";
  }
}

}  // namespace
}  // namespace rgflow::estimate
