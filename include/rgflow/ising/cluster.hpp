#pragma once
// Cluster algorithms for the ferromagnetic zero-field Ising model (J > 0, h = 0), both built on
// the Fortuin–Kasteleyn bond probability p = 1 − e^{−2J/T} between aligned neighbours.
//  * Wolff (U. Wolff, PRL 62, 361 (1989)): grow one cluster from a uniformly chosen site and flip
//    it. A "sweep" is a fixed number of clusters, N/⟨|C|⟩ rounded (≥ 1), so that a sweep flips
//    about N = L² spins. The number is measured during thermalisation and then frozen
//    (end_thermalization): stopping "when the flipped sizes reach N" would make the number of
//    steps depend on the chain's own history, and measurements at such a stopping time are
//    biased (they were, measurably, in the tests).
//  * Swendsen–Wang (PRL 58, 86 (1987)): place all FK bonds, find clusters with union-find
//    (path halving, union by size), flip each cluster with probability ½. One sweep = one update.
//    Also the antiferromagnet (J < 0): a bond, probability 1 − e^{−2|J|/T}, joins *anti*-aligned
//    neighbours — the Fortuin–Kasteleyn/Edwards–Sokal construction holds for either sign of J
//    (flipping a cluster keeps every occupied bond satisfied). On an even periodic lattice the
//    antiferromagnet is the ferromagnet after flipping one sublattice, so its energy is Kaufman's.
// Bond decisions use integer thresholds on 64-bit uniforms (exact probability threshold/2^64).
// Wolff draws its words through a BulkStream (ising/philox_bulk.hpp): the same words as rng, in
// the same order, generated in bulk; rng is left exactly after the last word used.
#include <cstdint>
#include <span>
#include <vector>

#include "rgflow/core/rng.hpp"
#include "rgflow/ising/lattice.hpp"
#include "rgflow/ising/philox_bulk.hpp"

namespace rgflow::ising {

class Wolff {
 public:
  // Throws rgflow::Error unless J > 0 and h = 0.
  explicit Wolff(const Model& model);
  // Grows and flips one cluster; returns its size.
  std::int64_t flip_cluster(std::span<std::int8_t> spins, Rng& rng);
  // Before end_thermalization: clusters until their sizes add up to N; after: clusters_per_sweep.
  void sweep(std::span<std::int8_t> spins, Rng& rng);
  // Freezes clusters_per_sweep = round(N / mean cluster size so far); when nothing was flipped
  // yet, first grows clusters until N spins have been flipped to measure it.
  void end_thermalization(std::span<std::int8_t> spins, Rng& rng);
  std::int64_t clusters_per_sweep() const { return clusters_per_sweep_; }

 private:
  std::int64_t grow(std::span<std::int8_t> spins, BulkStream& rng);
  int L_;
  Threshold bond_;
  std::vector<std::uint32_t> stack_;  // sites as (y << 16) | x; a site is pushed at most once
  std::int64_t clusters_per_sweep_ = 0;  // 0: not frozen yet
  std::int64_t flipped_ = 0, clusters_ = 0;
};

class SwendsenWang {
 public:
  // Throws rgflow::Error unless J ≠ 0 and h = 0.
  explicit SwendsenWang(const Model& model);
  void sweep(std::span<std::int8_t> spins, Rng& rng);
  void end_thermalization(std::span<std::int8_t>, Rng&) {}

 private:
  int find(int i);
  void unite(int a, int b);
  int L_;
  Threshold bond_;
  bool antiferro_ = false;  // J < 0: bonds join anti-aligned neighbours
  std::vector<int> parent_, size_;
  std::vector<std::int8_t> flip_;
};

}  // namespace rgflow::ising
