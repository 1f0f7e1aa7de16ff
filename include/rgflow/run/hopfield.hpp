#pragma once
// The service layer for Hopfield memories (docs/hopfield.md): the work of `rgflow hopfield recall`
// and `rgflow hopfield capacity` and of rgflow.hopfield.recall_study / capacity_study in Python,
// as typed requests and results with one to_json each: the probes, the dynamics, and the
// statistics over probes, trials and sizes (critical loads and their N → ∞ extrapolations). The
// CLI checks its flags and prints; the Python binding calls the same functions.
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "rgflow/core/cancel.hpp"
#include "rgflow/core/types.hpp"
#include "rgflow/hopfield/capacity.hpp"
#include "rgflow/hopfield/dynamics.hpp"
#include "rgflow/hopfield/network.hpp"
#include "rgflow/stats/result.hpp"

namespace rgflow::run {

// ---------------------------------------------------------------------------------------------
// Recall

struct RecallRequest {
  // Probes: these rows (±1, checked against the network) when non-empty; otherwise every stored
  // pattern μ with each neuron flipped with probability `flip`, drawn from Rng(seed, 2^40 + μ)
  // (one word per neuron).
  MatrixF probes;
  std::string probes_source = "probes";
  double flip = 0.1;
  hopfield::DynamicsOptions dynamics;
  std::uint64_t seed = 0;
  StopPoll stop;
};

struct RecallRun {
  bool from_patterns = true;  // the probes are corrupted stored patterns
  double flip = 0.0;
  std::uint64_t seed = 0;
  Index rows = 0;
  // Overlap with the probe's own pattern (from_patterns), else |overlap| with the pattern each
  // probe ends closest to; mean and standard error over probes.
  stats::Result initial_overlap, overlap;
  stats::Result energy_per_neuron;  // E(s)/N of the final states
  stats::Result sweeps;
  double converged = 0.0;   // fraction of probes ending at a fixed point
  double two_cycles = 0.0;  // fraction ending in a 2-cycle (synchronous dynamics)
  std::vector<Index> nearest_pattern;
  MatrixF states;           // final states, one row per probe
};

// Error for a flip probability outside [0, 1] and what hopfield::recall refuses; Cancelled.
RecallRun recall(const hopfield::Network& net, const RecallRequest& request);
// {"flip" (null for given probes), "seed", "rows", "initial_overlap", "overlap",
//  "energy_per_neuron", "sweeps", "converged", "two_cycles", "nearest_pattern"}
// (the `hopfield recall --json` keys apart from the file names and the dynamics options).
void to_json(nlohmann::json& j, const RecallRun& r);

// ---------------------------------------------------------------------------------------------
// Capacity

struct CapacityRequest {
  std::vector<Index> sizes;            // N, one curve each; ≥ 2 sizes: extrapolations
  hopfield::CapacityOptions options;   // loads, trials, seed, rule, dynamics, probes, retrieved_overlap
  double threshold = 0.8;              // the mean-overlap crossing also reported
  StopPoll stop;
};

struct CapacityCurve {
  Index neurons = 0;
  std::vector<hopfield::CapacityPoint> points;
  stats::Result critical_load;     // Criterion::retrieved at ½
  stats::Result overlap_crossing;  // Criterion::overlap at the threshold
};

// Progress of a capacity run: (size index, trials done, total) during each curve, and each curve
// when it is done (either may be empty).
struct CapacityProgress {
  std::function<void(std::size_t, std::int64_t, std::int64_t)> trials;
  std::function<void(std::size_t, const CapacityCurve&)> curve_done;
};

struct CapacityRun {
  double threshold = 0.8;
  std::vector<CapacityCurve> curves;
  // With ≥ 2 sizes: the retrieved and overlap criteria, each extrapolated in N^-1/2 and N^-1.
  std::vector<std::pair<std::string, hopfield::Extrapolation>> extrapolations;
};

// Error for sizes outside [2, 16384], a threshold outside [0, 1], a curve that does not cross a
// criterion when extrapolating, and what hopfield::capacity_curve refuses; Cancelled.
CapacityRun capacity(const CapacityRequest& request, const CapacityProgress& progress = {});
// One size: {"neurons", "points", "critical_load", "overlap_crossing"}; several:
// {"curves": [{neurons, points, critical_load, overlap_crossing}], "extrapolations": [{criterion,
// exponent, critical_load, slope, chi2, dof}]}; always "threshold".
void to_json(nlohmann::json& j, const CapacityRun& r);
nlohmann::json points_json(const std::vector<hopfield::CapacityPoint>& points);

}  // namespace rgflow::run
