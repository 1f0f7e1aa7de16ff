// LocalGroup (comm/local.hpp): ranks as threads of one process, exchanging through shared slots.
#include "rgflow/comm/local.hpp"

#include <fmt/format.h>

#include <cstring>
#include <exception>
#include <thread>

#include "rgflow/core/error.hpp"

namespace rgflow {

class LocalGroup::Rank final : public Communicator {
 public:
  Rank(const LocalGroup& group, int rank) : group_(group), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return group_.size_; }

 protected:
  std::vector<Header> exchange_headers(const Header& mine) const override {
    const auto all = group_.exchange(rank_, std::as_bytes(std::span<const Header>(&mine, 1)));
    std::vector<Header> out(all.size());
    for (std::size_t r = 0; r < all.size(); ++r) std::memcpy(&out[r], all[r].data(), sizeof(Header));
    return out;
  }
  std::vector<std::vector<std::byte>> exchange_payloads(
      std::span<const std::byte> mine, const std::vector<std::int64_t>&) const override {
    return group_.exchange(rank_, mine);
  }
  void post_stop() const override {
    const std::lock_guard<std::mutex> lock(group_.mutex_);
    group_.stopped_[static_cast<std::size_t>(rank_)] = 1;
  }
  bool poll_stop() const override {
    const std::lock_guard<std::mutex> lock(group_.mutex_);
    for (int r = 0; r < group_.size_; ++r) {
      if (r != rank_ && group_.stopped_[static_cast<std::size_t>(r)]) return true;
    }
    return false;
  }

 private:
  const LocalGroup& group_;
  int rank_;
};

LocalGroup::LocalGroup(int size) : size_(size) {
  if (size < 1) throw Error(fmt::format("a group of ranks needs at least one rank (got {})", size));
  slots_.resize(static_cast<std::size_t>(size));
  stopped_.assign(static_cast<std::size_t>(size), 0);
  for (int r = 0; r < size; ++r) ranks_.push_back(std::make_unique<Rank>(*this, r));
}

LocalGroup::~LocalGroup() = default;

const Communicator& LocalGroup::rank(int r) const { return *ranks_.at(static_cast<std::size_t>(r)); }

std::vector<std::vector<std::byte>> LocalGroup::exchange(int rank,
                                                         std::span<const std::byte> mine) const {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return !reading_; });  // the previous round is still being read
  const std::int64_t round = generation_;
  slots_[static_cast<std::size_t>(rank)].assign(mine.begin(), mine.end());
  if (++arrived_ == size_) {
    reading_ = true;
    changed_.notify_all();
  }
  changed_.wait(lock, [&] { return reading_ && generation_ == round; });
  std::vector<std::vector<std::byte>> out = slots_;
  if (++departed_ == size_) {
    arrived_ = 0;
    departed_ = 0;
    reading_ = false;
    ++generation_;
    changed_.notify_all();
  }
  return out;
}

void run_ranks(const LocalGroup& group, const std::function<void(const Communicator&)>& body) {
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(group.size()));
  std::vector<std::thread> threads;
  for (int r = 0; r < group.size(); ++r) {
    threads.emplace_back([&, r] {
      try {
        body(group.rank(r));
      } catch (...) {
        errors[static_cast<std::size_t>(r)] = std::current_exception();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

}  // namespace rgflow
