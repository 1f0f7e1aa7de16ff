#pragma once
// The seam through which independent work (AIS chains, exact-enumeration chunks, later Monte Carlo
// replicas and mini-batch shards) is split over processes. rgflow's own parallelism inside a
// process is OpenMP; a Communicator spreads work *across* processes (docs/scaling.md). Library
// code never names MPI: it talks to this interface, and the MPI implementation
// (comm/world.hpp, built when CMake finds MPI) is one more backend next to SerialCommunicator and
// the in-process LocalGroup (comm/local.hpp, threads as ranks, for tests).
//
// Collectives. Every rank calls the same collectives in the same order, from the thread that
// owns the communicator (never from inside an OpenMP region). Each collective is also an
// agreement: a rank that left the computation — it failed, was interrupted, or finished early —
// calls finish() (below), which keeps answering the other ranks' collectives with "I left", so
// they throw instead of waiting for it forever:
//   * some rank left with status 130 (interrupted) and none failed: Cancelled (core/cancel.hpp);
//   * otherwise: PeerFailure.
// Either way the exception unwinds to the caller, which calls finish() in turn; no rank hangs.
//
// Bit-identity for any number of ranks comes from the callers' fixed work split, not from the
// transport: work is cut into chunks whose number does not depend on the rank count, chunk k runs
// on rank k mod size (round_robin_owner), and gather_round_robin() hands every rank every chunk's
// values exactly (no arithmetic), to be combined in chunk order as the one-process run does.
// allreduce_sum adds in rank order 0, 1, … — deterministic for a given size, not across sizes.
//
// Cancellation. announce_stop() tells the other ranks, without a collective, that this rank is
// stopping (its stop poll fired); stop_announced() is a cheap non-collective check of that, for
// the other ranks' stop polls (with_peer_stops), so an interrupted or failing rank stops its
// peers within a poll interval rather than at the next collective.
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "rgflow/core/cancel.hpp"

namespace rgflow {

// Thrown by a collective on a rank whose peer failed (or left the computation early).
struct PeerFailure : std::runtime_error {
  explicit PeerFailure(const std::string& what) : std::runtime_error(what) {}
};

// What every rank learns from finish(): the job's exit status and the one message to print.
struct JobOutcome {
  int status = 0;        // 0: every rank succeeded; otherwise the deciding rank's status
  int deciding_rank = -1;
  std::string message;   // the deciding rank's message ("" when status is 0)
};

// What this rank's collectives moved since the communicator was made (payloads only: each
// collective's fixed 24-byte agreement header per rank is not counted).
struct CommTraffic {
  std::int64_t collectives = 0;
  std::int64_t bytes_sent = 0;      // this rank's payloads
  std::int64_t bytes_received = 0;  // the other ranks' payloads delivered to this rank
};

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;  // 0 ≤ rank < size
  virtual int size() const = 0;  // ≥ 1

  // --- collectives (all ranks, same order) ---
  // Every rank's bytes, indexed by rank (lengths may differ between ranks).
  std::vector<std::vector<std::byte>> allgather(std::span<const std::byte> mine) const;
  // The same exchange into one caller-owned buffer, for payloads whose lengths every rank knows
  // beforehand: rank r's bytes land at all[offset_r, offset_r + lengths[r]) with offset_r the sum
  // of lengths[0..r) (all.size() must be their total). A rank that sends another length than
  // lengths[] says for it makes every rank throw Error. `mine` may already lie at this rank's
  // place in `all` (the MPI backend then copies nothing for it). Nothing is allocated per call
  // but the headers, so a loop that reuses `all` moves each payload once (training updates).
  void allgather_into(std::span<const std::byte> mine, std::span<std::byte> all,
                      std::span<const std::int64_t> lengths) const;
  // Replaces `values` on every rank by the element-wise sum over ranks, added in rank order (the
  // same length on every rank; Error otherwise).
  void allreduce_sum(std::vector<double>& values) const;
  void allreduce_sum(std::vector<float>& values) const;
  // `values` of rank `root` on every rank.
  void broadcast(std::vector<double>& values, int root = 0) const;
  void broadcast(std::string& text, int root = 0) const;
  void barrier() const;
  // True on every rank when `flag` is true on any rank.
  bool any(bool flag) const;
  // The collective end of a rank's part of a job: `status` 0 (success), 130 (interrupted) or any
  // other exit status (failure), with its one-line message. Waits — answering the collectives of
  // ranks still working with "left" — until every rank has called finish(), then returns the same
  // outcome on every rank: the lowest rank's failure (a status other than 0 and 130), else 130
  // when any rank was interrupted (with the lowest such rank's message), else 0. A rank that only followed a peer's failure (caught
  // PeerFailure) passes follower = true and never decides the outcome. After finish() no other
  // collective may be called.
  JobOutcome finish(int status, const std::string& message, bool follower = false) const;

  CommTraffic traffic() const { return traffic_; }

  // --- point to point, non-collective ---
  void announce_stop() const;   // tell the other ranks this rank is stopping (idempotent)
  bool stop_announced() const;  // has another rank announced a stop?

 protected:
  // One round of the agreement: every rank's fixed-size header. Collective.
  struct Header {
    std::int32_t leaving = 0;  // 1: this rank called finish()
    std::int32_t status = 0;   // finish()'s status
    std::int64_t bytes = 0;    // payload bytes this rank sends in the second round
    std::uint64_t layout = 0;  // allgather_into: a hash of the lengths this rank expects
  };
  virtual std::vector<Header> exchange_headers(const Header& mine) const = 0;
  // The second round: every rank's payload; bytes[r] is rank r's length from the headers.
  virtual std::vector<std::vector<std::byte>> exchange_payloads(
      std::span<const std::byte> mine, const std::vector<std::int64_t>& bytes) const = 0;
  // The second round into one buffer laid out by rank (allgather_into). The default copies
  // exchange_payloads()'s vectors into place.
  virtual void exchange_payloads_into(std::span<const std::byte> mine, std::span<std::byte> all,
                                      const std::vector<std::int64_t>& bytes) const;
  virtual void post_stop() const {}
  virtual bool poll_stop() const { return false; }
  // Called by finish() after the last round, with the ranks that announced a stop: receive what
  // they sent, complete what this rank sent, so nothing is left in flight.
  virtual void settle_stops(const std::vector<int>& /*announced*/) const {}

 private:
  std::vector<std::int64_t> agree_on_lengths(std::size_t mine, std::uint64_t layout) const;

  mutable bool finished_ = false;
  mutable CommTraffic traffic_;
  mutable bool announced_ = false;
};

// One process: rank 0 of 1; every collective returns this rank's own values.
class SerialCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }

 protected:
  std::vector<Header> exchange_headers(const Header& mine) const override { return {mine}; }
  std::vector<std::vector<std::byte>> exchange_payloads(
      std::span<const std::byte> mine, const std::vector<std::int64_t>&) const override {
    return {std::vector<std::byte>(mine.begin(), mine.end())};
  }
};

// The rank that runs chunk k of a round-robin split: k mod size.
inline int round_robin_owner(std::int64_t chunk, int size) { return static_cast<int>(chunk % size); }

// `values` is cut into consecutive chunks of `chunk_size` values (the last may be shorter); each
// rank holds valid values in the chunks it owns (round_robin_owner) and anything elsewhere. On
// return every rank holds every owner's values, copied bit for bit. Collective.
void gather_round_robin(const Communicator& comm, std::vector<double>& values,
                        std::size_t chunk_size);

// A stop poll for one rank of a distributed computation: true when `local` answers true (then the
// other ranks are told, announce_stop) or another rank announced a stop. Empty `local` and a
// one-rank communicator: returns `local` unchanged (so serial runs poll exactly as before).
StopPoll with_peer_stops(const Communicator& comm, StopPoll local);

// After a distributed loop: every rank learns whether any rank stopped, and all throw Cancelled
// if so (collective; a rank that stopped must still call it).
void agree_on_stop(const Communicator& comm, bool stopped_here);

// Checks 0 ≤ rank < size; Error naming `who` otherwise.
void check_communicator(const Communicator& comm, const char* who);

}  // namespace rgflow
