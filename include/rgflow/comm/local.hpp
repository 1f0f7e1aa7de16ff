#pragma once
// `size` ranks inside one process, one thread each: what MPI does between processes, done with a
// mutex and a condition variable, so that the distributed code paths (and their failure and
// cancellation agreements) are tested without mpirun. Each rank's Communicator must be used by
// one thread at a time; the group must outlive its ranks' use.
//
//   LocalGroup group(3);
//   run_ranks(group, [&](const Communicator& comm) { ... });  // one thread per rank, joined
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "rgflow/comm/communicator.hpp"

namespace rgflow {

class LocalGroup {
 public:
  explicit LocalGroup(int size);  // size ≥ 1; Error otherwise
  ~LocalGroup();
  LocalGroup(const LocalGroup&) = delete;
  LocalGroup& operator=(const LocalGroup&) = delete;

  int size() const { return size_; }
  const Communicator& rank(int r) const;  // 0 ≤ r < size

 private:
  class Rank;
  friend class Rank;
  // One all-to-all round: every rank's bytes, by rank. A rank entering the next round waits until
  // every rank has read this round's slots.
  std::vector<std::vector<std::byte>> exchange(int rank, std::span<const std::byte> mine) const;

  int size_;
  std::vector<std::unique_ptr<Rank>> ranks_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  mutable std::int64_t generation_ = 0;  // completed rounds
  mutable int arrived_ = 0;              // ranks that wrote their slot this round
  mutable int departed_ = 0;             // ranks that read the slots of this round
  mutable bool reading_ = false;         // every slot written; ranks are reading them
  mutable std::vector<std::vector<std::byte>> slots_;
  mutable std::vector<char> stopped_;    // announce_stop() per rank
};

// Runs body(comm) for every rank of `group` on its own thread and joins them. Exceptions escaping
// a body are rethrown after the join (the lowest rank's).
void run_ranks(const LocalGroup& group, const std::function<void(const Communicator&)>& body);

}  // namespace rgflow
