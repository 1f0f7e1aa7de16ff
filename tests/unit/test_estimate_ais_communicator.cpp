// AIS split over "processes" through the Communicator seam: each rank runs the batches of chains
// b ≡ rank (mod size) and the log weights are summed over ranks. The ranks here are threads that
// share an in-memory allreduce (what MPI_Allreduce does between processes); every rank must return
// exactly the single-process result, forward and reverse.
#include <gtest/gtest.h>

#include <barrier>
#include <mutex>
#include <thread>
#include <vector>

#include "rgflow/core/error.hpp"
#include "rgflow/estimate/ais.hpp"
#include "support/random_rbm.hpp"

namespace rgflow::estimate {
namespace {

// `size` ranks in one process; allreduce_sum must be called by every rank (as with MPI).
class SharedMemoryGroup {
 public:
  explicit SharedMemoryGroup(int size) : size_(size), barrier_(size) {}

  class Rank final : public Communicator {
   public:
    Rank(SharedMemoryGroup& group, int rank) : group_(group), rank_(rank) {}
    int rank() const override { return rank_; }
    int size() const override { return group_.size_; }
    void allreduce_sum(std::vector<double>& values) const override {
      {
        std::lock_guard<std::mutex> lock(group_.mutex_);
        if (group_.sum_.empty()) group_.sum_.assign(values.size(), 0.0);
        // Rank order of the additions does not matter here: all but one addend per entry is 0.
        for (std::size_t i = 0; i < values.size(); ++i) group_.sum_[i] += values[i];
      }
      group_.barrier_.arrive_and_wait();
      values = group_.sum_;
      group_.barrier_.arrive_and_wait();
      if (rank_ == 0) group_.sum_.clear();
      group_.barrier_.arrive_and_wait();
    }

   private:
    SharedMemoryGroup& group_;
    int rank_;
  };

 private:
  int size_;
  std::barrier<> barrier_;
  std::mutex mutex_;
  std::vector<double> sum_;
};

std::vector<AisResult> run_split(int size, const Rbm& rbm, const Rbm& base, const MatrixF* data,
                                 AisOptions options) {
  SharedMemoryGroup group(size);
  std::vector<AisResult> results(static_cast<std::size_t>(size));
  std::vector<std::thread> threads;
  for (int r = 0; r < size; ++r) {
    threads.emplace_back([&, r] {
      SharedMemoryGroup::Rank comm(group, r);
      AisOptions o = options;
      o.communicator = &comm;
      o.threads = 1;
      results[static_cast<std::size_t>(r)] = data ? reverse_ais_log_partition(rbm, base, *data, o)
                                                  : ais_log_partition(rbm, base, o);
    });
  }
  for (auto& t : threads) t.join();
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
    for (const int size : {1, 2, 4, 7}) {  // 7 ranks: one gets no batch at all
      for (const AisResult& r : run_split(size, rbm, base, rows, options)) {
        EXPECT_EQ(r.log_weights, serial.log_weights) << size << " ranks";
        EXPECT_EQ(r.log_z.mean, serial.log_z.mean) << size << " ranks";
        EXPECT_EQ(r.log_z.error, serial.log_z.error) << size << " ranks";
      }
    }
  }
}

TEST(AisCommunicator, RejectsAnInvalidRank) {
  class Bad final : public Communicator {
   public:
    int rank() const override { return 2; }
    int size() const override { return 2; }
    void allreduce_sum(std::vector<double>&) const override {}
  } bad;
  const Rbm rbm = test::random_rbm(6, 3, UnitType::bernoulli, UnitType::bernoulli, 3, 0.5, 0.5, 0);
  AisOptions options;
  options.betas = linear_ais_schedule(10);
  options.communicator = &bad;
  EXPECT_THROW(ais_log_partition(rbm, rbm, options), Error);
}

}  // namespace
}  // namespace rgflow::estimate
