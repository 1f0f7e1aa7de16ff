#pragma once
// Where the hidden units of a layer sit, which of their pairs are "neighbours", and how their
// renormalised couplings are averaged: the pieces of the vrg pipeline's per-level measurements
// (docs/vrg.md), each tested on its own.
//
// Gauge. A spin RBM is invariant under h_j → −h_j, W_:j → −W_:j, b_j → −b_j, so a hidden unit's sign
// is arbitrary. The pipeline fixes it by the sign of the unit's receptive field sum
// (receptive_fields.hpp): s_j = +1 if Σ_i R_ij ≥ 0, else −1. Gauge-fixed couplings are then
// K'_ij = s_i s_j K_ij.
//
// Positions. Units of a locally connected (or convolutional) layer have lattice positions by
// construction; units of a dense layer get their receptive field's centre (receptive_fields.hpp),
// which means something only for localised fields.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "rgflow/core/rng.hpp"
#include "rgflow/core/types.hpp"
#include "rgflow/rg/couplings.hpp"
#include "rgflow/rg/receptive_fields.hpp"
#include "rgflow/stats/result.hpp"

namespace rgflow::rg {

// s_j = sign of Σ_i fields(i, j) (+1 for a zero sum), one per column.
std::vector<double> field_signs(const MatrixD& fields);

// The nearest-neighbour pairs {i, j} (i < j) of a periodic side x side square lattice, site
// i = y·side + x: each site with its right and lower neighbour (2·side² pairs for side ≥ 3; pairs
// that coincide on small lattices are kept once), sorted.
std::vector<Sites> lattice_neighbour_pairs(int side);

// Minimal-image distance on a torus of period `period` in each axis.
double torus_distance(double x1, double y1, double x2, double y2, double period);

// The pairs i < j of units whose centres lie at a torus distance in [lo, hi), sorted.
std::vector<Sites> pairs_in_shell(const std::vector<Locality>& units, double period, double lo,
                                  double hi);

// Each unit with its `nearest` nearest units (by centre distance) and `random` uniformly drawn
// others (Rng draws in unit order): pairs covering short and long distances at O(n) cost. Sorted,
// each pair once.
std::vector<Sites> nearest_and_random_pairs(const std::vector<Locality>& units, double period,
                                            int nearest, int random, Rng& rng);

// At most `max_pairs` of `pairs`, a uniform subset without replacement (partial Fisher–Yates from
// rng), sorted; all of them when there are no more.
std::vector<Sites> subsample_pairs(std::vector<Sites> pairs, std::size_t max_pairs, Rng& rng);

// The gauge-fixed pair couplings s_i s_j K_ij of a table of pair couplings, averaged: mean over the
// pairs; error: the spread over pairs (sd/√n) and the Monte Carlo errors of the couplings (√Σσ²/n)
// in quadrature; n = pairs. No pairs: mean and error NaN.
stats::Result gauged_pair_average(const CouplingTable& table, const std::vector<double>& signs);

// The same per distance bin: pairs binned by round(distance(i, j)), each bin averaged as above.
struct DistanceBin {
  int distance = 0;
  stats::Result coupling;
  Index pairs = 0;
};
template <class Distance>
std::vector<DistanceBin> gauged_couplings_by_distance(const CouplingTable& table,
                                                      const std::vector<double>& signs,
                                                      Distance&& distance);

// The fraction of sites whose sign differs between each row of V (±1 states) and the row of R
// (real reconstructions, compared by sign, ≥ 0 → +1): mean over rows with its standard error.
stats::Result sign_reconstruction_error(const MatrixF& V, const MatrixF& R);

// ---------------------------------------------------------------------------------------------

namespace detail {
stats::Result average_gauged(const std::vector<const Coupling*>& couplings,
                             const std::vector<double>& signs);
}

template <class Distance>
std::vector<DistanceBin> gauged_couplings_by_distance(const CouplingTable& table,
                                                      const std::vector<double>& signs,
                                                      Distance&& distance) {
  std::vector<std::pair<int, const Coupling*>> keyed;
  for (const Coupling& c : table.couplings) {
    if (c.sites.size() != 2) continue;
    keyed.push_back({static_cast<int>(std::lround(distance(c.sites[0], c.sites[1]))), &c});
  }
  std::stable_sort(keyed.begin(), keyed.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<DistanceBin> out;
  for (std::size_t a = 0; a < keyed.size();) {
    std::size_t b = a;
    std::vector<const Coupling*> bin;
    while (b < keyed.size() && keyed[b].first == keyed[a].first) bin.push_back(keyed[b++].second);
    out.push_back({keyed[a].first, detail::average_gauged(bin, signs), static_cast<Index>(bin.size())});
    a = b;
  }
  return out;
}

}  // namespace rgflow::rg
