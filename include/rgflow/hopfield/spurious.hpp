#pragma once
// Spurious states of a Hopfield network (Amit, Gutfreund & Sompolinsky 1985, PRA 32, 1007):
// symmetric mixtures s = sign(ξ¹ + … + ξᵏ) of k = 3, 5, … patterns, their component overlaps,
// energies and stability, and a census of the fixed points that zero-temperature dynamics reach
// from uniformly random starts (docs/hopfield.md, "Spurious states").
//
// Per trial (independent pattern draws, Rng(seed, 2t) for the patterns and Rng(seed, 2t + 1) for
// the dynamics and the random starts):
//   mixtures: for each k, the mixture state's mean component overlap (1/k) Σ_{μ≤k} m_μ, its
//     energies per neuron E/N (diagonal kept) and E₀/N (zero diagonal), the fraction of neurons
//     whose state agrees with the sign of their zero-diagonal field (a zero field counts as
//     agreeing: the dynamics keep such a neuron), whether it is a fixed point, and the mean
//     component overlap after running the dynamics from it. Theory for N → ∞, α → 0:
//     m_k = 2^{1−k} C(k−1, (k−1)/2), E₀/N = −k m_k²/2 (patterns.hpp).
//   census: `starts` uniformly random states relaxed to fixed points; distinct fixed points are
//     counted with s and −s identified (E is even in s). Each is classified by its overlaps: with
//     c = #{μ : |m_μ| ≥ component_overlap}, c = 1 is "pattern" (a retrieval state of one pattern,
//     or its negative), odd c ≥ 3 "mixture-c", anything else (c = 0 or even) "other" (spin-glass
//     states, asymmetric and even mixtures). Starts that do not converge within max_sweeps are
//     counted apart.
// All counts and fractions are reported as mean ± standard error over trials.
#include <cstdint>
#include <string>
#include <vector>

#include "rgflow/core/cancel.hpp"
#include "rgflow/hopfield/dynamics.hpp"
#include "rgflow/hopfield/network.hpp"
#include "rgflow/stats/result.hpp"

namespace rgflow::hopfield {

struct SpuriousOptions {
  Index neurons = 1000;
  Index patterns = 10;
  std::vector<Index> mixtures{3, 5, 7};  // odd, each ≤ patterns
  int trials = 10;                       // ≥ 2
  Index starts = 100;                    // random starts per trial for the census (0: none)
  std::uint64_t seed = 0;
  Rule rule = Rule::hebb;
  DynamicsOptions dynamics;              // zero temperature: async (default) or sync
  double component_overlap = 0.2;
};

struct MixtureReport {
  Index k = 0;
  double theory_overlap = 0.0;   // m_k
  double theory_energy = 0.0;    // −k m_k²/2, zero diagonal, per neuron
  stats::Result overlap;
  stats::Result energy;                // E/N, diagonal kept
  stats::Result energy_zero_diagonal;  // E₀/N
  stats::Result stable_fraction;
  stats::Result fixed_point;           // fraction of trials where it is a fixed point
  stats::Result relaxed_overlap;
};

struct CensusClass {
  std::string name;          // "pattern", "mixture-3", ..., "other"
  stats::Result distinct;    // distinct fixed points of this class per trial
  stats::Result basin;       // fraction of random starts ending in this class
  stats::Result energy;      // mean E/N (diagonal kept) of its distinct states (trials with any)
};

struct SpuriousReport {
  std::vector<MixtureReport> mixtures;
  stats::Result distinct_fixed_points;  // per trial
  stats::Result unconverged;            // fraction of starts without a fixed point
  std::vector<CensusClass> classes;     // pattern, mixture-3, mixture-5, ..., other (those seen,
                                        // plus always pattern and other)
  stats::Result pattern_energy;         // E/N of the stored patterns themselves
};

// Throws Error for bad options; Cancelled when `stop` asks.
SpuriousReport spurious_states(const SpuriousOptions& options, const StopPoll& stop = {});

}  // namespace rgflow::hopfield
