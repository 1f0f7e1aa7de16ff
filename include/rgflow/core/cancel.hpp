#pragma once
// Stopping long computations cleanly: Ctrl-C in the CLI, KeyboardInterrupt in Python.
//
// A long computation (AIS, exact enumeration, TAP fixed points, Ising chains, the DBN flow and
// bound) takes a StopPoll, a function answering "should I stop?". It is called only on the thread
// that started the computation — in an OpenMP region, the encountering thread, which is thread 0 of
// the team — and at most every `interval` (50 ms), so a poll may take a lock (Python's GIL) that
// worker threads must never touch. A poll that answers true sets an atomic flag that every thread
// reads at its own check points; the threads then leave their loops, the parallel region ends
// normally, and the computation throws Cancelled after it (never from inside a region). An empty
// poll is never called and changes nothing: the results are bit-identical with or without one.
//
// Parallel loops whose items are handed out dynamically keep the starting thread polling after
// its own share is done: every item reports item_done(), the loop is `nowait`, and the starting
// thread waits in wait_for_items(), polling, until all items are done (others return at once).
//
// The process-wide request (request_cancel(), safe in a signal handler) is what the CLI's SIGINT
// handler sets; process_cancel_poll() reads it, and the vrg pipeline checks it between stages.
//
// Progress rides on the same machinery: a computation given a ProgressFn declares its work
// (expect_work) and every thread adds what it finished (add_work, a relaxed atomic add); the
// starting thread reports (done, total) to the ProgressFn at its poll times (every ~50 ms, when it
// reaches a check point) and once more when the signal is destroyed. Like a poll, a ProgressFn
// never changes a result.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace rgflow {

// Thrown by a computation that stopped because its poll (or the process-wide request) asked it to.
struct Cancelled : std::runtime_error {
  Cancelled() : std::runtime_error("interrupted") {}
};

// The process-wide cancellation request. request_cancel() is async-signal-safe (a lock-free
// atomic store). throw_if_cancelled() throws Cancelled when a request is pending.
void request_cancel() noexcept;
bool cancel_requested() noexcept;
void reset_cancel() noexcept;
void throw_if_cancelled();

// "Should the computation stop?" Called on the starting thread only; must not throw.
using StopPoll = std::function<bool()>;

// A poll that answers cancel_requested() (the CLI's SIGINT handler sets the request).
StopPoll process_cancel_poll();

// "How far is it?": `done` of `total` work units (total > 0). Called on the starting thread only,
// at most every ~50 ms; must not throw.
using ProgressFn = std::function<void(std::int64_t done, std::int64_t total)>;

// The progress of part `part` (0-based) of `parts` equal parts of a larger computation, reported
// to `whole` as a fraction of the whole (in units of 1/1000 of a part). Empty `whole`: empty.
ProgressFn progress_part(const ProgressFn& whole, std::int64_t part, std::int64_t parts);

// The stop state of one computation (or one parallel loop of it), shared by its threads.
class StopSignal {
 public:
  static constexpr std::chrono::milliseconds kDefaultInterval{50};

  // The constructing thread is the one that polls; the constructor polls once (so every
  // computation given a poll calls it at least once, and one asked to stop before it starts does
  // no work), then check() polls again once `interval` has passed.
  explicit StopSignal(StopPoll poll, ProgressFn progress = {},
                      std::chrono::milliseconds interval = kDefaultInterval);
  ~StopSignal();
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;

  // Progress accounting (no-ops without a ProgressFn): the total number of work units, set on the
  // starting thread before the work starts (and raised there if more work turns up; the units
  // done so far are kept); and units finished, added by any thread.
  void expect_work(std::int64_t total);
  void add_work(std::int64_t units = 1) noexcept {
    if (progress_) work_done_.fetch_add(units, std::memory_order_relaxed);
  }

  // Any thread: true once the poll answered true.
  bool stopped() const noexcept { return stopped_.load(std::memory_order_relaxed); }
  // Any thread, at a check point: on the starting thread, runs the poll if `interval` has passed
  // since the last poll; elsewhere only reads the flag. Returns stopped().
  bool check();
  // Items of one parallel loop: each item (run, skipped or abandoned) calls item_done() once;
  // after its share, every thread calls wait_for_items(total), which returns at once except on
  // the starting thread, where it waits — polling — until `total` items are done or stopped().
  // Without a poll and a ProgressFn both are no-ops.
  void item_done();
  void wait_for_items(std::int64_t total);
  // After the parallel region: throws Cancelled if stopped().
  void throw_if_stopped() const;

 private:
  bool on_starting_thread() const { return std::this_thread::get_id() == owner_; }
  bool active() const { return poll_ || progress_; }
  void report();

  StopPoll poll_;
  ProgressFn progress_;
  std::atomic<std::int64_t> work_done_{0};
  std::int64_t work_total_ = 0;
  std::chrono::milliseconds interval_;
  std::thread::id owner_;
  std::chrono::steady_clock::time_point next_poll_;
  std::atomic<bool> stopped_{false};
  std::mutex mutex_;
  std::condition_variable done_changed_;
  std::int64_t done_ = 0;
};

// Reports one item of a parallel loop to its StopSignal when it goes out of scope, however the
// iteration ends (finished, skipped or abandoned after a stop request).
class StopItem {
 public:
  explicit StopItem(StopSignal& stop) : stop_(stop) {}
  ~StopItem() { stop_.item_done(); }
  StopItem(const StopItem&) = delete;
  StopItem& operator=(const StopItem&) = delete;

 private:
  StopSignal& stop_;
};

}  // namespace rgflow
