#pragma once
// The seam through which independent work (AIS chains, later Monte Carlo replicas) is split over
// processes. rgflow's own parallelism inside a process is OpenMP; a Communicator spreads work
// *across* processes: each rank does the work items with index ≡ rank (mod size), then the ranks
// combine their results with allreduce_sum. An MPI implementation (MPI_Allreduce on
// MPI_COMM_WORLD) plugs in here without touching the estimators; the default is one process.
#include <vector>

namespace rgflow {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;  // 0 ≤ rank < size
  virtual int size() const = 0;  // ≥ 1
  // Replaces `values` on every rank by their element-wise sum over all ranks (same length on all).
  virtual void allreduce_sum(std::vector<double>& values) const = 0;
};

// One process: rank 0 of 1; allreduce_sum leaves the values as they are.
class SerialCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void allreduce_sum(std::vector<double>&) const override {}
};

}  // namespace rgflow
