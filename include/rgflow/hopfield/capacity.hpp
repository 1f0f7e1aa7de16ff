#pragma once
// Storage capacity of a Hopfield network by simulation: retrieval overlap against the load
// α = P/N with errors over independent pattern draws, the finite-N critical load α_c(N) and its
// extrapolation to N → ∞ (docs/hopfield.md, "Capacity").
//
// One trial at load α: P = round(αN) random patterns (each entry ±1 with probability ½), stored
// by the rule; from each probed pattern ξ^μ exactly, zero-temperature dynamics (asynchronous by
// default, zero-diagonal field) run to a fixed point; the trial's overlap is the mean over the
// probed patterns of m = (1/N) ξ^μ · s_final. The curve reports the mean and standard error of
// the trial overlaps over `trials` independent draws (the probes of one draw share its couplings,
// so the draw is the independent unit). Amit, Gutfreund & Sompolinsky (1985, 1987): for N → ∞
// the retrieval state exists for α < α_c ≈ 0.138 with m ≈ 0.967 at α_c; beyond, m drops
// discontinuously (to m ≈ 0.4 at α = 0.2 for N = 1000, REFERENCES.md).
//
// Trial t at P patterns draws its patterns from Rng(seed, 2·k) and its asynchronous orders from
// Rng(seed, 2·k + 1) with k = N·2^40 + P·2^20 + t: the same (N, P, t) gives the same draw
// whatever the list of loads, and results do not depend on the thread count.
#include <cstdint>
#include <functional>
#include <vector>

#include "rgflow/core/cancel.hpp"
#include "rgflow/hopfield/dynamics.hpp"
#include "rgflow/hopfield/network.hpp"
#include "rgflow/stats/result.hpp"

namespace rgflow::hopfield {

struct CapacityOptions {
  Index neurons = 1000;
  std::vector<double> loads;        // α values, each in (0, 2]
  int trials = 20;                  // independent pattern draws per load (≥ 2)
  std::uint64_t seed = 0;
  Rule rule = Rule::hebb;
  DynamicsOptions dynamics;         // zero temperature: async (default) or sync
  Index probes = 0;                 // stored patterns probed per trial (0: all P)
  double retrieved_overlap = 0.9;   // a probe counts as retrieved when m ≥ this
  // Optional: called after each finished trial with (done, total), under a lock, from any thread.
  std::function<void(std::int64_t, std::int64_t)> progress;
};

struct CapacityPoint {
  double load = 0.0;         // α as requested
  Index patterns = 0;        // P = max(1, round(αN))
  double actual_load = 0.0;  // P/N
  stats::Result overlap;     // mean final overlap, error over trials
  stats::Result retrieved;   // fraction of probes with m ≥ retrieved_overlap, error over trials
  stats::Result sweeps;      // mean sweeps to the fixed point, error over trials
};

// Throws Error for bad options (N < 2 or > 2^22, a load outside (0, 2], P > 2^20, trials < 2
// or ≥ 2^20, Glauber dynamics); Cancelled when `stop` asks.
std::vector<CapacityPoint> capacity_curve(const CapacityOptions& options, const StopPoll& stop = {});

// The finite-N critical load α_c(N): the first load P/N (points sorted by P; requested loads
// that round to the same P are one point) at which the curve's quantity falls below
// `threshold`, by linear interpolation between it and the point before; error by linear
// propagation of the two points' standard errors; NaN when the curve does not cross.
//   Criterion::retrieved (the default of the CLI, threshold ½): the load where the median probe
//     stops being retrieved — the fraction of probes ending with m ≥ retrieved_overlap falls
//     below ½, the usual finite-size definition of a threshold;
//   Criterion::overlap: where the mean overlap falls below `threshold`.
enum class Criterion { retrieved, overlap };
stats::Result crossing_load(const std::vector<CapacityPoint>& curve, Criterion criterion, double threshold);

// Weighted least-squares line y = a + b·N^{−exponent} through α_c(N) (weights 1/σ²): the
// extrapolation a = α_c(∞) with its standard error (from the fit's covariance, scaled by
// √(χ²/dof) when χ²/dof > 1), the slope b and χ².
struct Extrapolation {
  double exponent = 0.5;
  stats::Result intercept;
  stats::Result slope;
  double chi2 = 0.0;
  int dof = 0;
};
Extrapolation extrapolate(const std::vector<Index>& sizes, const std::vector<stats::Result>& values,
                          double exponent);

}  // namespace rgflow::hopfield
