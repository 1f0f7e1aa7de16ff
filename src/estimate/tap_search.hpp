// Internal to the estimate library (tap.cpp): the TAP solver's option checks, the multi-start
// search for the lowest converged fixed point, and log Z_TAP from it.
#pragma once

#include <cmath>
#include <fmt/format.h>
#include <utility>
#include <vector>

#include "rgflow/core/cancel.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/estimate/tap.hpp"

namespace rgflow::estimate::tap_detail {

inline void check_order(int order, const char* what) {
  if (order < 1 || order > 3) {
    throw Error(fmt::format("{}: TAP order must be 1, 2 or 3 (got {})", what, order));
  }
}

inline void check_options(const TapOptions& options, const char* what) {
  check_order(options.order, what);
  if (!(options.damping >= 0.0 && options.damping < 1.0)) {
    throw Error(fmt::format("{}: damping must be in [0, 1) (got {})", what, options.damping));
  }
  if (options.max_iterations < 1) {
    throw Error(fmt::format("{}: max_iterations must be at least 1 (got {})", what,
                            options.max_iterations));
  }
  if (!(options.tolerance > 0.0)) {
    throw Error(fmt::format("{}: tolerance must be positive (got {})", what, options.tolerance));
  }
}

// True if `candidate` should replace `best`: converged beats not converged, then lower F (a NaN F
// never wins).
inline bool better(const TapFixedPoint& candidate, const TapFixedPoint& best) {
  if (candidate.converged != best.converged) return candidate.converged;
  if (std::isnan(best.free_energy)) return !std::isnan(candidate.free_energy);
  return candidate.free_energy < best.free_energy;
}

// The rows of `visible_starts` (if any) appended to `starts`, each through `prepare` (e.g. a clamp
// into the units' range); a row with a non-finite entry is an error naming `what`.
// Every rank's fixed points (start k from rank k mod size), copied to every rank bit for bit.
// Collective.
void share_fixed_points(const Communicator& comm, std::vector<TapFixedPoint>& points);

template <class Prepare>
void append_starts(std::vector<VectorD>& starts, const MatrixF* visible_starts, Index n_visible,
                   const char* what, Prepare&& prepare) {
  if (visible_starts == nullptr) return;
  if (visible_starts->cols() != n_visible) {
    throw Error(fmt::format("{}: starts have {} columns, the model has {} visible units", what,
                            visible_starts->cols(), n_visible));
  }
  for (Index r = 0; r < visible_starts->rows(); ++r) {
    const VectorD row = visible_starts->row(r).transpose().cast<double>();
    if (!row.allFinite()) throw Error(fmt::format("{}: start row {} is not finite", what, r));
    starts.push_back(prepare(row));
  }
}

// Runs `iterate(start, stop)` from every start and keeps the best fixed point (`better`).
template <class Iterate>
TapFixedPoint best_of_starts(std::vector<VectorD>& starts, const TapOptions& options,
                             Iterate&& iterate) {
  const Communicator* comm = options.communicator;
  const int ranks = comm != nullptr ? comm->size() : 1;
  const int rank = comm != nullptr ? comm->rank() : 0;
  StopSignal stop(comm != nullptr ? with_peer_stops(*comm, options.stop) : options.stop,
                  options.progress);
  stop.expect_work(static_cast<std::int64_t>(starts.size()));
  std::vector<TapFixedPoint> points(starts.size());
  bool stopped = false;
  for (std::size_t k = 0; k < starts.size(); ++k) {
    if (static_cast<int>(k % static_cast<std::size_t>(ranks)) != rank) continue;
    try {
      points[k] = iterate(std::move(starts[k]), stop);
    } catch (const Cancelled&) {
      if (ranks == 1) throw;
      stopped = true;
      break;
    }
    stop.add_work();
  }
  if (ranks > 1) {
    agree_on_stop(*comm, stopped);
    share_fixed_points(*comm, points);
  }
  TapFixedPoint best;
  bool have = false;
  for (TapFixedPoint& candidate : points) {
    if (!have || better(candidate, best)) best = std::move(candidate);
    have = true;
  }
  return best;
}

// log Z_TAP = −F_TAP at the best fixed point; an error naming `what` if none converged.
inline stats::Result log_partition(const TapFixedPoint& best, const TapOptions& options,
                                   const char* what) {
  if (!best.converged) {
    throw Error(fmt::format(
        "{}: the order-{} TAP iteration did not converge from any start within {} iterations "
        "(tolerance {}); raise max_iterations or damping",
        what, options.order, options.max_iterations, options.tolerance));
  }
  return stats::Result::exact(-best.free_energy);
}

}  // namespace rgflow::estimate::tap_detail
