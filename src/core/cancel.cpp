#include "rgflow/core/cancel.hpp"

#include <algorithm>
#include <utility>

namespace rgflow {

namespace {
std::atomic<bool> cancel_flag{false};
static_assert(std::atomic<bool>::is_always_lock_free, "request_cancel must be signal-safe");
constexpr std::int64_t kScale = 1000;  // progress_part: units per part
}  // namespace

void request_cancel() noexcept { cancel_flag.store(true, std::memory_order_relaxed); }
bool cancel_requested() noexcept { return cancel_flag.load(std::memory_order_relaxed); }
void reset_cancel() noexcept { cancel_flag.store(false, std::memory_order_relaxed); }
void throw_if_cancelled() {
  if (cancel_requested()) throw Cancelled();
}

StopPoll process_cancel_poll() {
  return [] { return cancel_requested(); };
}

ProgressFn progress_part(const ProgressFn& whole, std::int64_t part, std::int64_t parts) {
  if (!whole) return {};
  return [whole, part, parts](std::int64_t done, std::int64_t total) {
    const std::int64_t within = total > 0 ? std::min(kScale, done * kScale / total) : 0;
    whole(part * kScale + within, parts * kScale);
  };
}

StopSignal::StopSignal(StopPoll poll, ProgressFn progress, std::chrono::milliseconds interval)
    : poll_(std::move(poll)),
      progress_(std::move(progress)),
      interval_(interval),
      owner_(std::this_thread::get_id()),
      next_poll_(std::chrono::steady_clock::now() + interval) {
  // Polled once up front: the calling thread may get no work item at all (other threads can take
  // every item of a short loop), and a computation asked to stop before it starts does no work.
  if (poll_ && poll_()) stopped_.store(true, std::memory_order_relaxed);
}

StopSignal::~StopSignal() {
  // The last report: the whole of the work when it finished (not when it stopped or failed).
  if (progress_ && work_total_ > 0 && !stopped() &&
      work_done_.load(std::memory_order_relaxed) >= work_total_) {
    report();
  }
}

void StopSignal::expect_work(std::int64_t total) { work_total_ = total; }

void StopSignal::report() {
  if (!progress_ || work_total_ <= 0) return;
  progress_(std::min(work_done_.load(std::memory_order_relaxed), work_total_), work_total_);
}

bool StopSignal::check() {
  if (!active()) return false;
  if (stopped()) return true;
  if (!on_starting_thread()) return false;
  const auto now = std::chrono::steady_clock::now();
  if (now < next_poll_) return false;
  next_poll_ = now + interval_;
  report();
  if (poll_ && poll_()) stopped_.store(true, std::memory_order_relaxed);
  return stopped();
}

void StopSignal::item_done() {
  if (!active()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++done_;
  }
  done_changed_.notify_all();
}

void StopSignal::wait_for_items(std::int64_t total) {
  if (!active() || !on_starting_thread()) return;
  std::unique_lock<std::mutex> lock(mutex_);
  while (done_ < total && !stopped()) {
    lock.unlock();
    check();  // polls when due
    lock.lock();
    if (done_ >= total || stopped()) break;
    done_changed_.wait_until(lock, next_poll_);
  }
}

void StopSignal::throw_if_stopped() const {
  if (stopped()) throw Cancelled();
}

}  // namespace rgflow
