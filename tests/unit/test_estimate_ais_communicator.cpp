// AIS split over "processes" through the Communicator seam: each rank runs the batches of chains
// b ≡ rank (mod size) and every rank then receives every chain's log weight. The ranks here are
// threads of a LocalGroup (comm/local.hpp: what MPI does between processes); every rank must
// return exactly the single-process result, forward and reverse.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <vector>

#include "rgflow/comm/local.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/estimate/ais.hpp"
#include "rgflow/estimate/exact.hpp"
#include "support/random_rbm.hpp"

namespace rgflow::estimate {
namespace {

int size_of(const Communicator& comm) { return comm.size(); }

std::vector<AisResult> run_split(int size, const Rbm& rbm, const Rbm& base, const MatrixF* data,
                                 AisOptions options) {
  const LocalGroup group(size);
  std::vector<AisResult> results(static_cast<std::size_t>(size));
  run_ranks(group, [&](const Communicator& comm) {
    AisOptions o = options;
    o.communicator = &comm;
    o.threads = 1;
    results[static_cast<std::size_t>(comm.rank())] =
        data ? reverse_ais_log_partition(rbm, base, *data, o) : ais_log_partition(rbm, base, o);
  });
  return results;
}

TEST(AisCommunicator, AnyNumberOfRanksGivesTheSingleProcessResult) {
  const Rbm rbm = test::random_rbm(12, 6, UnitType::bernoulli, UnitType::bernoulli, 3, 0.5, 0.5, 0);
  const MatrixF data = test::exact_samples_by_hidden(rbm, 40, 4);
  const Rbm base = base_rate_model(rbm, data);
  AisOptions options;
  options.chains = 23;  // 6 batches of 4 (the last one 3): uneven over 2 and 4 ranks
  options.chains_per_batch = 4;
  options.betas = linear_ais_schedule(200);
  options.seed = 5;

  for (const MatrixF* rows : {static_cast<const MatrixF*>(nullptr), &data}) {
    const AisResult serial = rows ? reverse_ais_log_partition(rbm, base, *rows, options)
                                  : ais_log_partition(rbm, base, options);
    for (const int size : {1, 2, 3, 4, 7}) {  // 7 ranks: one gets no batch at all
      for (const AisResult& r : run_split(size, rbm, base, rows, options)) {
        EXPECT_EQ(r.log_weights, serial.log_weights) << size << " ranks";
        EXPECT_EQ(r.log_z.mean, serial.log_z.mean) << size << " ranks";
        EXPECT_EQ(r.log_z.error, serial.log_z.error) << size << " ranks";
      }
    }
  }
}

// Exact enumeration split over ranks by chunks of states (exact.hpp): bit-identical for 1, 2, 3
// ranks, on both the fast path (moderate fields) and the general one (large fields).
TEST(ExactCommunicator, AnyNumberOfRanksGivesTheSingleProcessResult) {
  for (const double scale : {0.5, 40.0}) {
    const Rbm rbm = test::random_rbm(9, 14, UnitType::bernoulli, UnitType::spin, 7, scale, 0.5, 0);
    const double serial = exact_log_partition(rbm);
    for (const int size : {1, 2, 3}) {
      const LocalGroup group(size);
      std::vector<double> got(static_cast<std::size_t>(size));
      run_ranks(group, [&](const Communicator& comm) {
        got[static_cast<std::size_t>(comm.rank())] =
            exact_log_partition(rbm, EnumerateLayer::automatic, 1, {}, {}, &comm);
      });
      for (const double g : got) EXPECT_EQ(g, serial) << size << " ranks, scale " << scale;
    }
  }
}

// A stop on one rank (its poll fires after a few calls) stops every rank: each throws Cancelled,
// none waits for the others' remaining chains.
TEST(AisCommunicator, AStopOnOneRankCancelsEveryRank) {
  const Rbm rbm = test::random_rbm(12, 6, UnitType::bernoulli, UnitType::bernoulli, 3, 0.5, 0.5, 0);
  AisOptions options;
  options.chains = 12;
  options.chains_per_batch = 2;
  options.betas = linear_ais_schedule(2000000);  // minutes if run to the end
  const Rbm base(12, 6, UnitType::bernoulli, UnitType::bernoulli);  // the uniform model
  for (const int size : {2, 3}) {
    const LocalGroup group(size);
    std::vector<int> cancelled(static_cast<std::size_t>(size), 0);
    auto run = std::async(std::launch::async, [&] {
      run_ranks(group, [&](const Communicator& comm) {
        AisOptions o = options;
        o.communicator = &comm;
        o.threads = 1;
        int polls = 0;
        o.stop = [&polls, &comm] { return comm.rank() == size_of(comm) - 1 && ++polls > 3; };
        try {
          ais_log_partition(rbm, base, o);
        } catch (const Cancelled&) {
          cancelled[static_cast<std::size_t>(comm.rank())] = 1;
        }
      });
    });
    if (run.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
      std::fprintf(stderr, "deadlock: the ranks did not stop within 60 s\n");
      std::abort();
    }
    run.get();
    EXPECT_EQ(cancelled, std::vector<int>(static_cast<std::size_t>(size), 1)) << size << " ranks";
  }
}

TEST(AisCommunicator, RejectsAnInvalidRank) {
  class Bad final : public Communicator {
   public:
    int rank() const override { return 2; }
    int size() const override { return 2; }

   protected:
    std::vector<Header> exchange_headers(const Header& mine) const override { return {mine, mine}; }
    std::vector<std::vector<std::byte>> exchange_payloads(
        std::span<const std::byte>, const std::vector<std::int64_t>&) const override {
      return {};
    }
  } bad;
  const Rbm rbm = test::random_rbm(6, 3, UnitType::bernoulli, UnitType::bernoulli, 3, 0.5, 0.5, 0);
  AisOptions options;
  options.betas = linear_ais_schedule(10);
  options.communicator = &bad;
  EXPECT_THROW(ais_log_partition(rbm, rbm, options), Error);
}

}  // namespace
}  // namespace rgflow::estimate
