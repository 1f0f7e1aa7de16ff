// The Communicator protocol (comm/communicator.hpp) on in-process ranks (comm/local.hpp), for 1, 2
// and 3 ranks: the collectives return what each rank sent, and a rank that leaves (fails or is
// interrupted) makes every other rank's next collective throw, so the job ends with one outcome on
// every rank and no rank waits forever. Every multi-rank run is guarded by a timeout: a deadlock
// fails the test (and aborts, since hung threads cannot be joined) instead of hanging ctest.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <memory>
#include <thread>
#include <span>
#include <string>
#include <vector>

#include "rgflow/comm/local.hpp"
#include "rgflow/core/cancel.hpp"
#include "rgflow/core/error.hpp"
#include "support/local_ranks.hpp"

namespace rgflow {
namespace {

using test::end_of_job;
using test::run_guarded;

TEST(CommLocal, CollectivesReturnEveryRanksValues) {
  for (const int size : {1, 2, 3}) {
    run_guarded(size, [size](const Communicator& comm) {
      EXPECT_EQ(comm.size(), size);
      const int r = comm.rank();
      // allgather: lengths differ by rank.
      const std::vector<std::byte> mine(static_cast<std::size_t>(r), std::byte{static_cast<unsigned char>(r)});
      const auto all = comm.allgather(mine);
      ASSERT_EQ(all.size(), static_cast<std::size_t>(size));
      for (int q = 0; q < size; ++q) {
        EXPECT_EQ(all[static_cast<std::size_t>(q)],
                  std::vector<std::byte>(static_cast<std::size_t>(q), std::byte{static_cast<unsigned char>(q)}));
      }
      // allreduce_sum adds in rank order: 1e16 + 1 + 1 (rank 0 first) ≠ 1 + 1 + 1e16 in doubles.
      std::vector<double> d{r == 0 ? 1e16 : 1.0, static_cast<double>(r)};
      comm.allreduce_sum(d);
      double expect0 = 1e16;
      for (int q = 1; q < size; ++q) expect0 += 1.0;
      EXPECT_EQ(d[0], expect0);
      EXPECT_EQ(d[1], size * (size - 1) / 2.0);
      std::vector<float> f{0.5f * static_cast<float>(r + 1)};
      comm.allreduce_sum(f);
      EXPECT_EQ(f[0], 0.25f * static_cast<float>(size * (size + 1)));
      // broadcast from the last rank.
      std::vector<double> b = r == size - 1 ? std::vector<double>{3.0, -1.5} : std::vector<double>{};
      comm.broadcast(b, size - 1);
      EXPECT_EQ(b, (std::vector<double>{3.0, -1.5}));
      std::string text = r == 0 ? "rank zero" : "";
      comm.broadcast(text);
      EXPECT_EQ(text, "rank zero");
      comm.barrier();
      EXPECT_EQ(comm.any(r == size - 1), true);
      EXPECT_EQ(comm.any(false), false);
      const JobOutcome out = comm.finish(0, "");
      EXPECT_EQ(out.status, 0);
    });
  }
}

// allgather_into: rank r's bytes land at the sum of the lengths before it, whether they were sent
// from elsewhere or already lay in place; a rank sending another length than agreed makes every
// rank throw (no rank waits for bytes that never come).
TEST(CommLocal, AllgatherIntoPlacesEveryRanksBytes) {
  for (const int size : {1, 2, 3}) {
    for (const bool in_place : {false, true}) {
      run_guarded(size, [size, in_place](const Communicator& comm) {
        const int r = comm.rank();
        std::vector<std::int64_t> lengths;
        std::int64_t total = 0, offset = 0;
        for (int q = 0; q < size; ++q) {
          lengths.push_back(2 * q + 1);
          if (q < r) offset += lengths.back();
          total += lengths.back();
        }
        std::vector<std::byte> all(static_cast<std::size_t>(total), std::byte{0xee});
        const std::vector<std::byte> mine(static_cast<std::size_t>(2 * r + 1),
                                          std::byte{static_cast<unsigned char>(10 + r)});
        std::span<const std::byte> send = mine;
        if (in_place) {
          std::copy(mine.begin(), mine.end(), all.begin() + offset);
          send = std::span<const std::byte>(all.data() + offset, mine.size());
        }
        comm.allgather_into(send, all, lengths);
        std::size_t at = 0;
        for (int q = 0; q < size; ++q) {
          for (std::int64_t k = 0; k < lengths[static_cast<std::size_t>(q)]; ++k) {
            EXPECT_EQ(all[at++], std::byte{static_cast<unsigned char>(10 + q)}) << "rank " << q;
          }
        }
        EXPECT_EQ(comm.finish(0, "").status, 0);
      });
    }
  }
  run_guarded(2, [](const Communicator& comm) {
    // Rank 1 sends 3 bytes where every rank expects 2.
    const std::vector<std::int64_t> expected{2, 2};
    std::vector<std::int64_t> lengths = expected;
    if (comm.rank() == 1) lengths = {2, 3};
    std::vector<std::byte> all(static_cast<std::size_t>(lengths[0] + lengths[1]));
    const std::vector<std::byte> mine(static_cast<std::size_t>(lengths[static_cast<std::size_t>(comm.rank())]));
    EXPECT_THROW(comm.allgather_into(mine, all, lengths), Error);
    comm.finish(2, "mismatch");
  });
}

TEST(CommLocal, RoundRobinGatherCopiesEveryOwnersChunks) {
  for (const int size : {1, 2, 3}) {
    run_guarded(size, [size](const Communicator& comm) {
      // 11 values in chunks of 3 (the last one 2): chunk k belongs to rank k mod size.
      std::vector<double> v(11, -1.0);
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (round_robin_owner(static_cast<std::int64_t>(i / 3), size) == comm.rank()) {
          v[i] = 0.1 * static_cast<double>(i);
        }
      }
      gather_round_robin(comm, v, 3);
      for (std::size_t i = 0; i < v.size(); ++i) EXPECT_EQ(v[i], 0.1 * static_cast<double>(i));
      comm.finish(0, "");
    });
  }
}

TEST(CommLocal, AFailingRankEndsEveryRankWithItsMessage) {
  for (const int size : {2, 3}) {
    for (int failing = 0; failing < size; ++failing) {
      std::vector<JobOutcome> outcomes(static_cast<std::size_t>(size));
      run_guarded(size, [&, failing](const Communicator& comm) {
        outcomes[static_cast<std::size_t>(comm.rank())] = end_of_job(comm, [&] {
          if (comm.rank() == failing) throw Error("bad input on this rank");
          // The others go on to collectives: they must throw, not wait.
          for (int k = 0; k < 3; ++k) comm.barrier();
          ADD_FAILURE() << "rank " << comm.rank() << " passed a barrier without rank " << failing;
        });
      });
      for (const JobOutcome& o : outcomes) {
        EXPECT_EQ(o.status, 2);
        EXPECT_EQ(o.deciding_rank, failing);
        EXPECT_EQ(o.message, "bad input on this rank");
      }
    }
  }
}

TEST(CommLocal, AnInterruptedRankStopsTheOthersWith130) {
  for (const int size : {2, 3}) {
    std::vector<JobOutcome> outcomes(static_cast<std::size_t>(size));
    run_guarded(size, [&](const Communicator& comm) {
      outcomes[static_cast<std::size_t>(comm.rank())] = end_of_job(comm, [&] {
        // Rank 1's poll fires; the others' polls see its announcement (no collective needed).
        const StopPoll local = [&] { return comm.rank() == 1; };
        const StopPoll poll = with_peer_stops(comm, local);
        bool stopped = false;
        for (int k = 0; k < 100000 && !stopped; ++k) {
          stopped = poll();
          if (!stopped) std::this_thread::sleep_for(std::chrono::microseconds(50));
        }
        EXPECT_TRUE(stopped) << "rank " << comm.rank();
        agree_on_stop(comm, stopped);
      });
    });
    for (const JobOutcome& o : outcomes) {
      EXPECT_EQ(o.status, 130);
      EXPECT_EQ(o.message, "interrupted");
    }
  }
}

TEST(CommLocal, AFailureOutranksAnInterruption) {
  std::vector<JobOutcome> outcomes(3);
  run_guarded(3, [&](const Communicator& comm) {
    outcomes[static_cast<std::size_t>(comm.rank())] = end_of_job(comm, [&] {
      if (comm.rank() == 0) throw Cancelled();
      if (comm.rank() == 2) throw Error("rank two failed");
      comm.barrier();
    });
  });
  for (const JobOutcome& o : outcomes) {
    EXPECT_EQ(o.status, 2);
    EXPECT_EQ(o.deciding_rank, 2);
    EXPECT_EQ(o.message, "rank two failed");
  }
}

TEST(CommLocal, SerialCommunicatorIsOneRank) {
  const SerialCommunicator comm;
  std::vector<double> v{1.0, 2.0};
  comm.allreduce_sum(v);
  EXPECT_EQ(v, (std::vector<double>{1.0, 2.0}));
  EXPECT_FALSE(comm.stop_announced());
  comm.announce_stop();
  EXPECT_FALSE(comm.any(false));
  EXPECT_THROW(LocalGroup(0), Error);
  const JobOutcome out = comm.finish(2, "only rank");
  EXPECT_EQ(out.status, 2);
  EXPECT_EQ(out.message, "only rank");
}

}  // namespace
}  // namespace rgflow
