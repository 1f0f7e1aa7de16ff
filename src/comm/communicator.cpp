// The agreement protocol behind every collective (comm/communicator.hpp): round 1 exchanges a
// fixed-size header per rank (did it leave? with which status? how many payload bytes?); round 2,
// run only when no rank left, exchanges the payloads. Every rank takes the same decision from the
// same headers, so the backend's calls stay matched between ranks even when some have left.
#include "rgflow/comm/communicator.hpp"

#include <fmt/format.h>

#include <cstring>

#include "rgflow/core/error.hpp"

namespace rgflow {
namespace {

constexpr int kInterrupted = 130;

template <class T>
std::span<const std::byte> as_bytes_of(const std::vector<T>& v) {
  return std::as_bytes(std::span<const T>(v.data(), v.size()));
}

template <class T>
std::vector<T> from_bytes(const std::vector<std::byte>& b) {
  std::vector<T> out(b.size() / sizeof(T));
  if (!out.empty()) std::memcpy(out.data(), b.data(), out.size() * sizeof(T));
  return out;
}

// Some rank left while this one still wanted a collective: the exception every rank still
// working throws, so that it unwinds to its own finish().
[[noreturn]] void throw_for_leavers(const std::vector<int>& statuses) {
  bool interrupted = false;
  for (std::size_t r = 0; r < statuses.size(); ++r) {
    const int s = statuses[r];
    if (s == kInterrupted) {
      interrupted = true;
    } else if (s != 0) {
      throw PeerFailure(fmt::format("rank {} failed", r));
    }
  }
  if (interrupted) throw Cancelled();
  throw PeerFailure("a rank finished while the others still needed it");
}

template <class T>
void sum_in_rank_order(const Communicator& comm, std::vector<T>& values) {
  const auto all = comm.allgather(as_bytes_of(values));
  for (std::size_t r = 0; r < all.size(); ++r) {
    if (all[r].size() != values.size() * sizeof(T)) {
      throw Error(fmt::format("allreduce_sum: rank {} sent {} bytes, rank {} has {}", r,
                              all[r].size(), comm.rank(), values.size() * sizeof(T)));
    }
  }
  std::vector<T> acc = from_bytes<T>(all[0]);
  for (std::size_t r = 1; r < all.size(); ++r) {
    const std::vector<T> v = from_bytes<T>(all[r]);
    for (std::size_t i = 0; i < acc.size(); ++i) acc[i] += v[i];
  }
  values = std::move(acc);
}

}  // namespace

// The header round of a collective: every rank's payload length, after checking that no rank
// left (throw_for_leavers otherwise); counts the traffic.
std::vector<std::int64_t> Communicator::agree_on_lengths(std::size_t mine, std::uint64_t layout) const {
  if (finished_) throw std::logic_error("Communicator: a collective after finish()");
  Header h;
  h.bytes = static_cast<std::int64_t>(mine);
  h.layout = layout;
  const std::vector<Header> all = exchange_headers(h);
  std::vector<int> statuses;
  bool left = false;
  std::vector<std::int64_t> bytes;
  for (const Header& x : all) {
    left = left || x.leaving != 0;
    statuses.push_back(x.leaving ? x.status : 0);
    bytes.push_back(x.bytes);
  }
  if (left) throw_for_leavers(statuses);
  // Every rank sees the same headers, so every rank throws here or none does.
  for (const Header& x : all) {
    if (x.layout != all[0].layout) {
      throw Error("allgather_into: the ranks expect different payload lengths");
    }
  }
  traffic_.collectives += 1;
  traffic_.bytes_sent += static_cast<std::int64_t>(mine);
  for (std::size_t r = 0; r < bytes.size(); ++r) {
    if (static_cast<int>(r) != rank()) traffic_.bytes_received += bytes[r];
  }
  return bytes;
}

std::vector<std::vector<std::byte>> Communicator::allgather(std::span<const std::byte> mine) const {
  return exchange_payloads(mine, agree_on_lengths(mine.size(), 0));
}

void Communicator::allgather_into(std::span<const std::byte> mine, std::span<std::byte> all,
                                  std::span<const std::int64_t> lengths) const {
  if (lengths.size() != static_cast<std::size_t>(size())) {
    throw std::logic_error("allgather_into: one length per rank");
  }
  std::int64_t total = 0;
  for (const std::int64_t n : lengths) total += n;
  if (total != static_cast<std::int64_t>(all.size()) ||
      lengths[static_cast<std::size_t>(rank())] != static_cast<std::int64_t>(mine.size())) {
    throw std::logic_error("allgather_into: the buffer or this rank's payload disagrees with lengths");
  }
  // The lengths travel as a hash in the header, so a rank that expects other lengths stops every
  // rank (a check on this rank's side alone would leave the others waiting for its bytes).
  std::uint64_t layout = 14695981039346656037ull;  // FNV-1a over the lengths
  for (const std::int64_t n : lengths) {
    for (int k = 0; k < 8; ++k) {
      layout = (layout ^ ((static_cast<std::uint64_t>(n) >> (8 * k)) & 0xffu)) * 1099511628211ull;
    }
  }
  const std::vector<std::int64_t> bytes = agree_on_lengths(mine.size(), layout);
  for (std::size_t r = 0; r < bytes.size(); ++r) {
    if (bytes[r] != lengths[r]) {
      throw Error(fmt::format("allgather_into: rank {} sends {} bytes where {} were expected", r,
                              bytes[r], lengths[r]));
    }
  }
  exchange_payloads_into(mine, all, bytes);
}

void Communicator::exchange_payloads_into(std::span<const std::byte> mine, std::span<std::byte> all,
                                          const std::vector<std::int64_t>& bytes) const {
  const std::vector<std::vector<std::byte>> parts = exchange_payloads(mine, bytes);
  std::size_t at = 0;
  for (const auto& part : parts) {
    if (!part.empty()) std::memmove(all.data() + at, part.data(), part.size());
    at += part.size();
  }
}

void Communicator::allreduce_sum(std::vector<double>& values) const { sum_in_rank_order(*this, values); }
void Communicator::allreduce_sum(std::vector<float>& values) const { sum_in_rank_order(*this, values); }

void Communicator::broadcast(std::vector<double>& values, int root) const {
  const bool sender = rank() == root;
  const auto all = allgather(sender ? as_bytes_of(values) : std::span<const std::byte>());
  values = from_bytes<double>(all.at(static_cast<std::size_t>(root)));
}

void Communicator::broadcast(std::string& text, int root) const {
  const bool sender = rank() == root;
  const auto all = allgather(sender ? std::as_bytes(std::span<const char>(text.data(), text.size()))
                                    : std::span<const std::byte>());
  const auto& b = all.at(static_cast<std::size_t>(root));
  text.assign(reinterpret_cast<const char*>(b.data()), b.size());
}

void Communicator::barrier() const { allgather({}); }

bool Communicator::any(bool flag) const {
  const std::byte mine{static_cast<unsigned char>(flag ? 1 : 0)};
  for (const auto& b : allgather(std::span<const std::byte>(&mine, 1))) {
    if (!b.empty() && b[0] != std::byte{0}) return true;
  }
  return false;
}

JobOutcome Communicator::finish(int status, const std::string& message, bool follower) const {
  if (finished_) throw std::logic_error("Communicator: finish() called twice");
  finished_ = true;
  // Round 1 until every rank has left: ranks still working see this rank's header, throw, and
  // come here themselves.
  // The message travels with a one-letter prefix: d/D decides the outcome, f/F only followed a
  // peer; capitals announced a stop (settle_stops must receive exactly what they sent).
  std::string note = message;
  note.insert(note.begin(), follower ? (announced_ ? 'F' : 'f') : (announced_ ? 'D' : 'd'));
  Header h;
  h.leaving = 1;
  h.status = status;
  h.bytes = static_cast<std::int64_t>(note.size());
  std::vector<Header> all;
  for (;;) {
    all = exchange_headers(h);
    bool everyone = true;
    for (const Header& x : all) everyone = everyone && x.leaving != 0;
    if (everyone) break;
  }
  std::vector<std::int64_t> bytes;
  for (const Header& x : all) bytes.push_back(x.bytes);
  const auto notes = exchange_payloads(std::as_bytes(std::span<const char>(note.data(), note.size())), bytes);

  JobOutcome out;
  std::vector<int> announcers;
  int interrupted_rank = -1;
  std::string interrupted_message;
  for (std::size_t r = 0; r < notes.size(); ++r) {
    const std::string text(reinterpret_cast<const char*>(notes[r].data()), notes[r].size());
    const char kind = text.empty() ? 'd' : text[0];
    if (kind == 'F' || kind == 'D') announcers.push_back(static_cast<int>(r));
    const bool decides = kind == 'd' || kind == 'D';
    const int s = all[r].status;
    if (!decides || s == 0) continue;
    if (s == kInterrupted) {
      if (interrupted_rank < 0) {
        interrupted_rank = static_cast<int>(r);
        interrupted_message = text.substr(1);
      }
    } else if (out.deciding_rank < 0) {
      out.status = s;
      out.deciding_rank = static_cast<int>(r);
      out.message = text.substr(1);
    }
  }
  if (out.deciding_rank < 0 && interrupted_rank >= 0) {
    out.status = kInterrupted;
    out.deciding_rank = interrupted_rank;
    out.message = interrupted_message;
  }
  if (out.deciding_rank < 0) {
    // Only followers reported failures: a rank failed without deciding (cannot happen when every
    // failing rank passes follower = false), but never report success for a failed job.
    for (std::size_t r = 0; r < all.size(); ++r) {
      if (all[r].status != 0) {
        out.status = all[r].status;
        out.deciding_rank = static_cast<int>(r);
        out.message = "a rank failed";
        break;
      }
    }
  }
  settle_stops(announcers);
  return out;
}

void Communicator::announce_stop() const {
  if (announced_ || size() == 1) return;
  announced_ = true;
  post_stop();
}

bool Communicator::stop_announced() const { return size() > 1 && poll_stop(); }

void gather_round_robin(const Communicator& comm, std::vector<double>& values,
                        std::size_t chunk_size) {
  if (comm.size() == 1) return;
  if (chunk_size == 0) throw std::logic_error("gather_round_robin: chunk_size 0");
  const std::size_t n = values.size();
  const std::size_t n_chunks = (n + chunk_size - 1) / chunk_size;
  const auto size = static_cast<std::size_t>(comm.size());
  // This rank's chunks, concatenated in chunk order.
  std::vector<double> mine;
  for (std::size_t k = static_cast<std::size_t>(comm.rank()); k < n_chunks; k += size) {
    const std::size_t end = std::min(n, (k + 1) * chunk_size);
    mine.insert(mine.end(), values.begin() + static_cast<std::ptrdiff_t>(k * chunk_size),
                values.begin() + static_cast<std::ptrdiff_t>(end));
  }
  const auto all = comm.allgather(as_bytes_of(mine));
  for (std::size_t r = 0; r < size; ++r) {
    const std::vector<double> theirs = from_bytes<double>(all[r]);
    std::size_t at = 0;
    for (std::size_t k = r; k < n_chunks; k += size) {
      const std::size_t end = std::min(n, (k + 1) * chunk_size);
      for (std::size_t i = k * chunk_size; i < end; ++i) {
        if (at >= theirs.size()) throw Error(fmt::format("gather_round_robin: rank {} sent too few values", r));
        values[i] = theirs[at++];
      }
    }
    if (at != theirs.size()) throw Error(fmt::format("gather_round_robin: rank {} sent too many values", r));
  }
}

StopPoll with_peer_stops(const Communicator& comm, StopPoll local) {
  if (comm.size() == 1) return local;
  return [&comm, local = std::move(local)] {
    if (comm.stop_announced()) return true;
    if (local && local()) {
      comm.announce_stop();
      return true;
    }
    return false;
  };
}

void agree_on_stop(const Communicator& comm, bool stopped_here) {
  if (comm.any(stopped_here)) throw Cancelled();
}

void check_communicator(const Communicator& comm, const char* who) {
  if (comm.size() < 1 || comm.rank() < 0 || comm.rank() >= comm.size()) {
    throw Error(fmt::format("{}: invalid communicator (rank {} of {})", who, comm.rank(), comm.size()));
  }
}

}  // namespace rgflow
