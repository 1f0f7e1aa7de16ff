// The Ising sampler, temperature/size scans and MCRG split over "processes" through the
// Communicator seam (ising/sampler.hpp, run/ising.hpp, rg/mcrg.hpp; docs/scaling.md). The ranks are
// threads of a LocalGroup (comm/local.hpp: what MPI does between processes). Every rank must
// return exactly the single-process result for 1, 2 and 3 ranks (uneven splits, ranks without
// work); a stop on one rank and a failure on one rank must end every rank, under a deadlock guard.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "rgflow/comm/local.hpp"
#include "rgflow/core/cancel.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/ising/sampler.hpp"
#include "rgflow/rg/mcrg.hpp"
#include "rgflow/run/ising.hpp"
#include "support/local_ranks.hpp"

namespace rgflow {
namespace {

using test::end_of_job;
using test::run_guarded;

// body(comm) on every rank of a `size`-rank group; what each rank returned, by rank.
template <class T>
std::vector<T> per_rank(int size, const std::function<T(const Communicator&)>& body) {
  std::vector<T> out(static_cast<std::size_t>(size));
  run_guarded(size, [&](const Communicator& comm) { out[static_cast<std::size_t>(comm.rank())] = body(comm); });
  return out;
}

ising::RunConfig config(ising::Algorithm algorithm, int chains, std::int64_t samples) {
  ising::RunConfig c;
  c.model = {8, 2.3, 1.0, 0.0};
  c.algorithm = algorithm;
  c.chains = chains;
  c.samples = samples;
  c.thermalize = 20;
  c.seed = 11;
  return c;
}

TEST(IsingCommunicator, AnyNumberOfRanksGivesTheSingleProcessSamples) {
  // Multi-spin Metropolis: 150 chains = 3 groups of 64 (the last 22 lanes); the scalar algorithms:
  // one unit per chain. Samples not a multiple of the chains: the last round is partial.
  const std::vector<ising::RunConfig> configs = {
      config(ising::Algorithm::metropolis, 150, 451), config(ising::Algorithm::metropolis, 0, 70),
      config(ising::Algorithm::metropolis_scalar, 3, 31), config(ising::Algorithm::wolff, 5, 52),
      config(ising::Algorithm::swendsen_wang, 4, 21)};
  for (const ising::RunConfig& cfg : configs) {
    const ising::RunResult serial = ising::run(cfg);
    for (const int size : {1, 2, 3}) {
      const auto got = per_rank<ising::RunResult>(size, [&](const Communicator& comm) {
        ising::RunConfig c = cfg;
        c.communicator = &comm;
        return ising::run(c);
      });
      for (const ising::RunResult& r : got) {
        const std::string what = ising::algorithm_name(cfg.algorithm) + ", " + std::to_string(size) + " ranks";
        EXPECT_EQ(r.energy, serial.energy) << what;
        EXPECT_EQ(r.magnetization, serial.magnetization) << what;
        EXPECT_EQ(r.spins, serial.spins) << what;
        EXPECT_EQ(r.chains, serial.chains) << what;
      }
    }
  }
}

run::IsingSampleRequest scan_request() {
  run::IsingSampleRequest r;
  r.sizes = {6, 8};
  r.temperatures = {2.0, 2.3, 2.6, 2.9};  // 8 points: 4 + 4 on 2 ranks, 3 + 3 + 2 on 3
  r.samples = 130;
  r.thermalize = 20;
  r.seed = 5;
  r.keep_spins = true;
  return r;
}

void expect_same_points(const run::IsingSampleRun& a, const run::IsingSampleRun& b, const std::string& what) {
  ASSERT_EQ(a.points.size(), b.points.size()) << what;
  for (std::size_t k = 0; k < a.points.size(); ++k) {
    const run::IsingPoint& p = a.points[k];
    const run::IsingPoint& q = b.points[k];
    EXPECT_EQ(p.run.energy, q.run.energy) << what << ", point " << k;
    EXPECT_EQ(p.run.magnetization, q.run.magnetization) << what << ", point " << k;
    EXPECT_EQ(p.run.spins, q.run.spins) << what << ", point " << k;
    EXPECT_EQ(p.seed, q.seed) << what << ", point " << k;
    EXPECT_EQ(p.observables.binder.mean, q.observables.binder.mean) << what << ", point " << k;
    EXPECT_EQ(p.observables.binder.error, q.observables.binder.error) << what << ", point " << k;
    EXPECT_EQ(p.observables.energy_per_spin.error, q.observables.energy_per_spin.error) << what;
  }
  ASSERT_EQ(a.crossings.size(), b.crossings.size()) << what;
  for (std::size_t c = 0; c < a.crossings.size(); ++c) {
    EXPECT_EQ(a.crossings[c].found, b.crossings[c].found) << what;
    if (a.crossings[c].found) {
      EXPECT_EQ(a.crossings[c].temperature.mean, b.crossings[c].temperature.mean) << what;
    }
  }
}

TEST(IsingCommunicator, ScansAndSinglePointsMatchOneProcess) {
  run::IsingSampleRequest single = scan_request();
  single.sizes = {8};
  single.temperatures = {2.3};
  single.chains = 130;  // 3 groups of 64 chains (1 sample each)
  run::IsingSampleRequest wolff = scan_request();
  wolff.algorithm = ising::Algorithm::wolff;
  wolff.chains = 2;
  wolff.samples = 40;
  for (const run::IsingSampleRequest& request : {scan_request(), single, wolff}) {
    const run::IsingSampleRun serial = run::sample_ising(request);
    for (const int size : {1, 2, 3}) {
      const auto got = per_rank<run::IsingSampleRun>(size, [&](const Communicator& comm) {
        run::IsingSampleRequest r = request;
        r.communicator = &comm;
        return run::sample_ising(r);
      });
      for (const run::IsingSampleRun& r : got) expect_same_points(r, serial, std::to_string(size) + " ranks");
    }
  }
}

TEST(IsingCommunicator, McrgMatchesOneProcess) {
  // 150 configurations: chunks of 64, 64, 22.
  const ising::RunResult sampled = ising::run(config(ising::Algorithm::metropolis, 64, 150));
  rg::McrgOptions o;
  o.levels = 1;
  o.chains = 2;
  o.seed = 9;  // majority rule: random tie-breaks per configuration
  const auto serial = rg::mcrg(sampled.spins, sampled.samples, 8, o);
  for (const int size : {1, 2, 3}) {
    const auto got = per_rank<std::vector<rg::McrgStep>>(size, [&](const Communicator& comm) {
      rg::McrgOptions mine = o;
      mine.communicator = &comm;
      return rg::mcrg(sampled.spins, sampled.samples, 8, mine);
    });
    for (const auto& steps : got) {
      ASSERT_EQ(steps.size(), serial.size());
      for (std::size_t s = 0; s < steps.size(); ++s) {
        EXPECT_EQ(steps[s].y_t.mean, serial[s].y_t.mean) << size << " ranks";
        EXPECT_EQ(steps[s].y_t.error, serial[s].y_t.error) << size << " ranks";
        EXPECT_EQ(steps[s].y_h.mean, serial[s].y_h.mean) << size << " ranks";
        EXPECT_EQ(steps[s].lambda_h.error, serial[s].lambda_h.error) << size << " ranks";
      }
    }
  }
}

// A stop on the last rank (its poll fires after a few calls) stops every rank, within the run of
// its own chains: each throws Cancelled, none waits for the others' remaining sweeps.
TEST(IsingCommunicator, AStopOnOneRankCancelsEveryRank) {
  for (const int size : {2, 3}) {
    for (const bool scan : {false, true}) {
      std::vector<int> cancelled(static_cast<std::size_t>(size), 0);
      run_guarded(size, [&](const Communicator& comm) {
        run::IsingSampleRequest r = scan_request();
        r.sizes = {32};
        if (!scan) {
          r.temperatures = {2.3};
          r.chains = 64 * size;
        }
        r.samples = 1000000;  // hours if run to the end
        r.sweeps_between = 1000;
        r.keep_spins = false;
        r.communicator = &comm;
        int polls = 0;
        run::IsingSampleCallbacks callbacks;
        callbacks.stop = [&polls, &comm] { return comm.rank() == comm.size() - 1 && ++polls > 3; };
        try {
          run::sample_ising(r, callbacks);
        } catch (const Cancelled&) {
          cancelled[static_cast<std::size_t>(comm.rank())] = 1;
        }
      });
      EXPECT_EQ(cancelled, std::vector<int>(static_cast<std::size_t>(size), 1))
          << size << " ranks" << (scan ? ", scan" : "");
    }
  }
}

// Rank 0 alone writes the scan's files; when it cannot, it fails after the first round and every
// other rank, waiting in the next round's collective, learns it (PeerFailure): one status (2) and
// rank 0's message everywhere, no hang.
TEST(IsingCommunicator, AFailingRankEndsEveryRank) {
  const std::string missing = (std::filesystem::temp_directory_path() / "rgflow-no-such-dir" / "scan.h5").string();
  for (const int size : {2, 3}) {
    const auto outcomes = per_rank<JobOutcome>(size, [&](const Communicator& comm) {
      return end_of_job(comm, [&] {
        run::IsingSampleRequest r = scan_request();
        r.output = missing;
        r.communicator = &comm;
        run::sample_ising(r);
      });
    });
    for (const JobOutcome& out : outcomes) {
      EXPECT_EQ(out.status, 2) << size << " ranks";
      EXPECT_EQ(out.deciding_rank, 0) << size << " ranks";
      EXPECT_NE(out.message.find("rgflow-no-such-dir"), std::string::npos) << out.message;
    }
  }
}

}  // namespace
}  // namespace rgflow
