#pragma once
// Measurements that put a DBN's hidden layers and block-spin levels side by side (docs/vrg.md):
// magnetisation distributions and second-moment correlation lengths of units at arbitrary
// positions on the torus (hidden units sit at their receptive-field centres, rg/receptive_fields).
#include <cstdint>
#include <span>
#include <vector>

#include "rgflow/core/types.hpp"
#include "rgflow/stats/result.hpp"

namespace rgflow::vrg {

// Positions of units on the periodic lattice of side `period`, in units of the original lattice
// spacing.
struct Positions {
  double period = 0.0;
  std::vector<double> x, y;
  std::size_t size() const { return x.size(); }
};

// Sites of a side×side lattice whose sites are blocks of `scale`×`scale` original sites: site
// (X, Y) sits at the centre of its block, scale·X + (scale − 1)/2 (row-major, site Y·side + X).
Positions block_positions(int side, int scale);

// Magnetisation m = (1/n) Σ_j s_j of each row.
struct Magnetization {
  stats::Result abs_mean;              // ⟨|m|⟩, standard error over rows
  stats::Result second_moment;         // ⟨m²⟩
  std::vector<stats::Result> histogram;  // fraction of rows per bin of [−1, 1], binomial error
};
Magnetization magnetization(const MatrixF& states, int bins);

// Second-moment correlation length (Cooper, Freedman & Preston 1982; e.g. Caracciolo et al.
// 1993) of units s_j at positions r_j on a torus of period L:
//   χ = ⟨|Σ_j s_j|²⟩ / n,   F = ⟨|Σ_j s_j e^{i k·r_j}|²⟩ / n  averaged over k = (2π/L, 0), (0, 2π/L),
//   ξ = sqrt(χ/F − 1) / (2 sin(π/L))     (0 when χ ≤ F),
// in units of the original lattice spacing. For an Ising lattice it converges to the exponential
// correlation length as L → ∞ at T > T_c. Error: jackknife over rows treated as independent.
stats::Result correlation_length(const MatrixF& states, const Positions& positions);

// Mean nearest-neighbour correlation ⟨s_i s_{i+x̂}⟩ (averaged over both directions and all sites)
// of configurations on a side×side torus; standard error over rows.
stats::Result nearest_neighbour_correlation(const MatrixF& states, int side);

// Rows of int8 ±1 configurations → float matrix [n, D].
MatrixF to_matrix(std::span<const std::int8_t> spins, std::int64_t n, std::int64_t D);

}  // namespace rgflow::vrg
