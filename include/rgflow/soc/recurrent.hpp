#pragma once
// Recurrent configurations of the abelian sandpile (open L×L square lattice, sandpile.hpp).
//
// The driven sandpile is a Markov chain whose recurrent states carry the uniform stationary
// measure; their number is det Δ (Dhar 1990, PRL 64, 1613), which by the matrix-tree theorem is
// also the number of spanning trees of the lattice with all boundary edges joined to one sink.
//
// * Burning test (Dhar 1990; Majumdar & Dhar 1992, Physica A 185, 129): the sink is burnt at
//   time 0; in generation t every unburnt site with z_v ≥ (number of unburnt neighbours) burns.
//   A stable configuration is recurrent iff every site burns. (Equivalently: adding to each site
//   the number of its edges to the sink and relaxing topples every site exactly once.)
// * Burning bijection (Majumdar & Dhar 1992): a site burning in generation t has k ≥ 1 neighbours
//   (or sink edges) that burnt in generation t − 1; with b = number burnt by t − 1, its height
//   lies in [4 − b, 3 − (b − k)], so z_v − (4 − b) ∈ {0..k−1} picks one of them as its parent
//   (in the direction order up, left, right, down). The parents form a spanning tree rooted at
//   the sink in which a site's burning generation is its depth; conversely, from a tree the
//   depths give b and k and the parent's rank gives z_v = 4 − b + rank. So trees ↔ recurrent
//   configurations, one to one.
// * Uniform sampling: Wilson's algorithm (Wilson 1996, STOC) draws a uniform spanning tree by
//   loop-erased random walks stopped at the growing tree (the sink first); the bijection turns it
//   into an exact sample of the stationary measure. Expected cost O(L² log L) walk steps.
// * Enumeration (small L): every stable configuration classified by burning. `brute` burns all
//   4^(L²) configurations one by one. `split` cuts the lattice into a top and a bottom half and
//   groups each half's 4^(L·rows) configurations by their burning response: for every set of
//   burnt sites across the cut, which interface sites of the half burn and whether all of it
//   does. Burning is monotone, so the burnt set of a whole configuration is the least fixed point
//   of the two responses, iterated from "nothing burnt across"; each pair of response groups is
//   decided once and contributes count_top × count_bottom configurations. Exact, and for L = 4
//   (4.3e9 configurations) a fraction of a second instead of minutes.
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "rgflow/core/cancel.hpp"
#include "rgflow/core/rng.hpp"

namespace rgflow::soc {

// Directions in the bijection's order; a site's parent is the neighbour in that direction, or the
// sink when the direction leaves the lattice.
enum Direction : std::uint8_t { kUp = 0, kLeft = 1, kRight = 2, kDown = 3 };

// True iff the stable configuration (L², heights 0..3; Error otherwise) passes the burning test.
bool is_recurrent(int L, std::span<const std::uint8_t> z);

// The burning bijection: parent direction of every site; Error unless z is recurrent.
std::vector<std::uint8_t> burning_tree(int L, std::span<const std::uint8_t> z);
// Its inverse: the recurrent configuration of a spanning tree given as parent directions; Error
// unless the parents form a spanning tree rooted at the sink.
std::vector<std::uint8_t> tree_configuration(int L, std::span<const std::uint8_t> parent);

// A uniform spanning tree (parent directions) by Wilson's algorithm, drawing from `rng`.
std::vector<std::uint8_t> wilson_tree(int L, Rng& rng);
// An exact sample of the stationary (uniform recurrent) measure: tree_configuration(wilson_tree).
std::vector<std::uint8_t> sample_recurrent(int L, Rng& rng);

// Enumeration of the recurrent configurations.
enum class EnumerationMethod { split, brute };
struct RecurrentEnumeration {
  std::uint64_t count = 0;                    // number of recurrent configurations
  std::array<std::uint64_t, 4> height_sum{};  // Σ over recurrent configurations and sites of [z = h]
  std::uint64_t burning_tests = 0;            // burnings done (brute: 4^(L²))
};
// L ≤ kMaxEnumerationSide. brute stops with Cancelled when `stop` asks; it runs in parallel
// (OpenMP), with integer sums that do not depend on the thread count.
inline constexpr int kMaxEnumerationSide = 4;
RecurrentEnumeration enumerate_recurrent(int L, EnumerationMethod method = EnumerationMethod::split,
                                         const StopPoll& stop = {});

}  // namespace rgflow::soc
