#pragma once
// Independent items on an OpenMP team, with Ctrl-C polling (core/cancel.hpp) and exceptions
// carried out of the parallel region. Items are handed out dynamically; each item must write only
// its own outputs (and draw from its own Rng stream), so results do not depend on the thread
// count or on which thread ran which item.
#include <omp.h>

#include <cstdint>
#include <exception>
#include <mutex>

#include "rgflow/core/cancel.hpp"

namespace rgflow {

// Calls f(i, stop) for i = 0 … n−1 on `threads` threads (≤ 0: OpenMP's default). Long items may
// call stop.check() and return early when it is true. After the region: rethrows the first
// exception an item threw, else throws Cancelled if `poll` asked to stop.
template <class F>
void parallel_items(std::int64_t n, int threads, const StopPoll& poll, F&& f) {
  StopSignal stop(poll);
  std::exception_ptr error;
  std::mutex error_mutex;
  const int team = threads > 0 ? threads : omp_get_max_threads();
#pragma omp parallel num_threads(team) if (n > 1 && team > 1)
  {
#pragma omp for schedule(dynamic, 1) nowait
    for (std::int64_t i = 0; i < n; ++i) {
      const StopItem done(stop);
      if (stop.check()) continue;
      try {
        f(i, stop);
      } catch (...) {
        const std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
      }
    }
    stop.wait_for_items(n);
  }
  if (error) std::rethrow_exception(error);
  stop.throw_if_stopped();
}

}  // namespace rgflow
