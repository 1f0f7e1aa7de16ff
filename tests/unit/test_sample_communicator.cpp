// Sampling split over "processes" through the Communicator seam (sample/chains.hpp,
// sample/tempering.hpp): block-Gibbs groups on rank g mod N, and parallel tempering with its
// ladder split into contiguous blocks of replicas, swaps crossing the rank boundaries. The ranks
// are threads of a LocalGroup (comm/local.hpp: what MPI does between processes); every rank must
// return exactly the single-process result — samples, every replica's state, swap counts. Every
// multi-rank run is guarded by a timeout: a deadlock aborts instead of hanging ctest.
#include <gtest/gtest.h>
#include <omp.h>

#include <string>
#include <vector>

#include "rgflow/comm/local.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/sample/chains.hpp"
#include "rgflow/sample/tempering.hpp"
#include "support/local_ranks.hpp"
#include "support/random_rbm.hpp"

namespace rgflow::sample {
namespace {

using test::end_of_job;
using test::run_guarded;

std::vector<ChainResult> run_split(int size, const Rbm& rbm, const ChainOptions& options) {
  std::vector<ChainResult> results(static_cast<std::size_t>(size));
  run_guarded(size, [&](const Communicator& comm) {
    ChainOptions o = options;
    o.communicator = &comm;
    results[static_cast<std::size_t>(comm.rank())] = sample_chains(rbm, o);
  });
  return results;
}

void expect_same(const ChainResult& got, const ChainResult& want, const std::string& what) {
  ASSERT_EQ(got.visible.rows(), want.visible.rows()) << what;
  EXPECT_TRUE(got.visible == want.visible) << what;
  EXPECT_EQ(got.betas, want.betas) << what;
  ASSERT_EQ(got.acceptance.size(), want.acceptance.size()) << what;
  for (std::size_t p = 0; p < want.acceptance.size(); ++p) {
    EXPECT_EQ(got.acceptance[p], want.acceptance[p]) << what << ", pair " << p;
  }
}

TEST(SampleCommunicator, GibbsGroupsGiveTheSingleProcessSamples) {
  for (const UnitType ht : {UnitType::bernoulli, UnitType::spin}) {
    const Rbm rbm = test::random_rbm(14, 9, UnitType::bernoulli, ht, 3, 0.8, 0.5, 0);
    ChainOptions options;
    options.samples = 70;  // 3 groups of 25 (the last 20): 2 + 1 on 2 ranks, 1 + 1 + 1 on 3
    options.gibbs_steps = 40;
    options.seed = 11;
    const ChainResult serial = sample_chains(rbm, options);
    for (const int size : {1, 2, 3, 4}) {  // 4 ranks: one runs no group
      for (const ChainResult& r : run_split(size, rbm, options)) {
        expect_same(r, serial, std::to_string(size) + " ranks (gibbs)");
      }
    }
  }
}

// 10 replicas over 3 ranks: blocks of 3, 3, 4; over 4: 2, 3, 2, 3; over 7: single replicas next
// to pairs, so a state can cross several rank boundaries in one step. 7 chains, and 130 (two
// row blocks per replica), with a ladder wide enough that swaps are accepted and rejected.
TEST(SampleCommunicator, TemperingOverRanksGivesTheSingleProcessChains) {
  for (const Index chains : {Index{7}, Index{130}}) {
    const Rbm rbm = test::random_rbm(12, 8, UnitType::bernoulli, UnitType::spin, 5, 1.2, 0.5, 0);
    ChainOptions options;
    options.samples = chains;
    options.gibbs_steps = chains > 100 ? 6 : 30;
    options.seed = 9;
    options.method = ChainMethod::tempering;
    options.replicas = 10;
    options.beta_min = 0.05;
    const ChainResult serial = sample_chains(rbm, options);
    for (const double a : serial.acceptance) {  // both outcomes occur, so both paths are tested
      EXPECT_GT(a, 0.0);
      EXPECT_LT(a, 1.0);
    }
    for (const int size : {1, 2, 3, 4, 7}) {
      for (const ChainResult& r : run_split(size, rbm, options)) {
        expect_same(r, serial, std::to_string(size) + " ranks, " + std::to_string(chains) + " chains");
      }
    }
  }
}

// Stronger than the cold chain: after several run() calls every replica of every rank's block
// is the one-process run's row, and the swap counters match.
TEST(SampleCommunicator, EveryReplicaMatchesTheSingleProcessRun) {
  const Rbm rbm = test::random_rbm(10, 7, UnitType::spin, UnitType::bernoulli, 8, 1.0, 0.3, 0);
  const std::vector<double> betas = geometric_ladder(10, 0.1);
  Rng start_rng(4, 0);
  const MatrixF start = random_visible_states(rbm, 5, start_rng);
  ParallelTempering serial(betas);
  serial.reset(start);
  Rng rng(4, 1);
  for (int call = 0; call < 3; ++call) serial.run(rbm, 4, rng);
  for (const int size : {2, 3}) {
    std::vector<TemperingState> states(static_cast<std::size_t>(size));
    std::vector<int> firsts(static_cast<std::size_t>(size));
    run_guarded(size, [&](const Communicator& comm) {
      ParallelTempering pt(betas, false, &comm);
      pt.reset(start);
      Rng r(4, 1);
      for (int call = 0; call < 3; ++call) pt.run(rbm, 4, r);
      EXPECT_EQ(r.state(), rng.state());
      states[static_cast<std::size_t>(comm.rank())] = pt.state();
      firsts[static_cast<std::size_t>(comm.rank())] = pt.first_replica();
    });
    for (int r = 0; r < size; ++r) {
      const TemperingState& s = states[static_cast<std::size_t>(r)];
      const Index first = firsts[static_cast<std::size_t>(r)] * start.rows();
      EXPECT_TRUE(s.replicas == serial.state().replicas.middleRows(first, s.replicas.rows()))
          << size << " ranks, rank " << r;
      EXPECT_EQ(s.attempts, serial.state().attempts) << size << " ranks, rank " << r;
      EXPECT_EQ(s.accepts, serial.state().accepts) << size << " ranks, rank " << r;
    }
  }
}

// Ranks × OpenMP threads: shapes large enough that the products and sweeps are threaded on
// every rank (chunked::update_threads: ≥ 2^21 multiply-adds) still give the one-thread,
// one-process bits.
TEST(SampleCommunicator, ThreadsAndRanksTogetherGiveTheSingleProcessResult) {
  struct Case {
    ChainMethod method;
    Index nv, nh, samples;
  };
  for (const Case& k : {Case{ChainMethod::gibbs, 300, 300, 70}, Case{ChainMethod::tempering, 96, 64, 130}}) {
    const Rbm rbm = test::random_rbm(k.nv, k.nh, UnitType::bernoulli, UnitType::bernoulli, 6, 0.05, 0.3, 0);
    ChainOptions options;
    options.samples = k.samples;
    options.gibbs_steps = 5;
    options.seed = 2;
    options.method = k.method;
    options.replicas = 10;
    const int before = omp_get_max_threads();
    omp_set_num_threads(1);
    const ChainResult serial = sample_chains(rbm, options);
    omp_set_num_threads(before);
    for (const int size : {1, 3}) {
      std::vector<ChainResult> results(static_cast<std::size_t>(size));
      run_guarded(size, [&](const Communicator& comm) {
        omp_set_num_threads(3);  // this rank's thread: its own ICV
        ChainOptions o = options;
        o.communicator = &comm;
        results[static_cast<std::size_t>(comm.rank())] = sample_chains(rbm, o);
      });
      for (const ChainResult& r : results) {
        expect_same(r, serial, std::to_string(size) + " ranks x 3 threads (" +
                                   std::string(to_string(k.method)) + ")");
      }
    }
  }
}

TEST(SampleCommunicator, MoreRanksThanReplicasIsAnError) {
  const Rbm rbm = test::random_rbm(6, 4, UnitType::bernoulli, UnitType::bernoulli, 1, 0.5, 0.5, 0);
  ChainOptions options;
  options.samples = 3;
  options.gibbs_steps = 2;
  options.method = ChainMethod::tempering;
  options.replicas = 2;
  std::vector<std::string> messages(3);
  run_guarded(3, [&](const Communicator& comm) {
    ChainOptions o = options;
    o.communicator = &comm;
    try {
      sample_chains(rbm, o);
    } catch (const Error& e) {
      messages[static_cast<std::size_t>(comm.rank())] = e.what();
    }
  });
  for (const std::string& m : messages) {
    EXPECT_NE(m.find("at least one temperature per rank"), std::string::npos) << m;
  }
}

// One rank fails before it starts (a bad input) while the others are in their sampling loops:
// every rank ends with that rank's message, none waits forever (both methods).
TEST(SampleCommunicator, AFailingRankEndsEveryRank) {
  const Rbm rbm = test::random_rbm(12, 8, UnitType::bernoulli, UnitType::bernoulli, 2, 0.5, 0.5, 0);
  for (const ChainMethod method : {ChainMethod::gibbs, ChainMethod::tempering}) {
    for (const int size : {2, 3}) {
      std::vector<JobOutcome> outcomes(static_cast<std::size_t>(size));
      run_guarded(size, [&](const Communicator& comm) {
        outcomes[static_cast<std::size_t>(comm.rank())] = end_of_job(comm, [&] {
          if (comm.rank() == 1) throw Error("rank 1: bad input");
          ChainOptions o;
          o.samples = 60;
          o.gibbs_steps = 100'000'000;  // hours if run to the end
          o.method = method;
          o.replicas = 4;
          o.communicator = &comm;
          o.stop = [] { return false; };
          sample_chains(rbm, o);
        });
      });
      for (const JobOutcome& out : outcomes) {
        EXPECT_EQ(out.status, 2) << size << " ranks";
        EXPECT_EQ(out.deciding_rank, 1) << size << " ranks";
        EXPECT_EQ(out.message, "rank 1: bad input") << size << " ranks";
      }
    }
  }
}

// A stop on one rank (its poll fires after a few calls) stops every rank: each throws Cancelled.
TEST(SampleCommunicator, AStopOnOneRankCancelsEveryRank) {
  const Rbm rbm = test::random_rbm(12, 8, UnitType::bernoulli, UnitType::bernoulli, 2, 0.5, 0.5, 0);
  for (const ChainMethod method : {ChainMethod::gibbs, ChainMethod::tempering}) {
    for (const int size : {2, 3}) {
      std::vector<int> cancelled(static_cast<std::size_t>(size), 0);
      run_guarded(size, [&](const Communicator& comm) {
        ChainOptions o;
        o.samples = 60;
        o.gibbs_steps = 100'000'000;
        o.method = method;
        o.replicas = 5;
        o.communicator = &comm;
        int polls = 0;
        o.stop = [&polls, &comm] { return comm.rank() == comm.size() - 1 && ++polls > 3; };
        try {
          sample_chains(rbm, o);
        } catch (const Cancelled&) {
          cancelled[static_cast<std::size_t>(comm.rank())] = 1;
        }
      });
      EXPECT_EQ(cancelled, std::vector<int>(static_cast<std::size_t>(size), 1)) << size << " ranks";
    }
  }
}

}  // namespace
}  // namespace rgflow::sample
