#pragma once
// Exact results for the BTW sandpile on the open L×L square lattice (sandpile.hpp).
//
// Toppling matrix Δ = 4I − A (A: nearest-neighbour adjacency) is the Dirichlet Laplacian; its
// eigenvectors are products of sines, φ_mn(x, y) = (2/(L+1)) sin(πm(x+1)/(L+1)) sin(πn(y+1)/(L+1)),
// with eigenvalues λ_mn = 4 − 2cos(πm/(L+1)) − 2cos(πn/(L+1)), m, n = 1..L. Hence
//   det Δ = Π_mn λ_mn  = number of recurrent configurations (Dhar 1990, PRL 64, 1613);
//   G = Δ⁻¹: G_ij = expected number of topplings at j after adding a grain at i in the stationary
//   state (Dhar 1990), so the mean avalanche size (topplings per added grain, grains at uniformly
//   random sites, including grains that cause no toppling) is
//   ⟨s⟩_L = (1/L²) Σ_ij G_ij = (1/L²) Σ_mn (Σ_x c_m(x))² (Σ_y c_n(y))² / λ_mn,
//   c_m(x) = √(2/(L+1)) sin(πm(x+1)/(L+1)).
// Infinite-lattice single-site height probabilities (Majumdar & Dhar 1991, J. Phys. A 24, L357
// for z = 0; Priezzhev 1994, J. Stat. Phys. 74, 955; closed forms in Jeng, Piroux & Ruelle 2006,
// J. Stat. Mech. P10015):
//   P(0) = 2/π² − 4/π³                          = 0.0736362...
//   P(1) = 1/4 − 1/(2π) − 3/π² + 12/π³          = 0.1739006...
//   P(2) = 3/8 + 1/π − 12/π³                    = 0.3062914...
//   P(3) = 3/8 − 1/(2π) + 1/π² + 4/π³           = 0.4461718...
// and the mean height Σ z P(z) = 17/8 (Grassberger's conjecture, proved by Jeng et al.).
#include <array>
#include <cstdint>

namespace rgflow::soc {

// det Δ as an exact integer by fraction-free Gaussian elimination (Bareiss 1968) in 128-bit
// arithmetic; L ≤ kMaxExactDeterminantSide (Error beyond: the value would overflow 64 bits).
inline constexpr int kMaxExactDeterminantSide = 5;
std::uint64_t toppling_determinant(int L);

// ln det Δ from the eigenvalue product (any L ≥ 1).
double log_toppling_determinant(int L);

// ⟨s⟩_L above (any L ≥ 1; O(L²)).
double mean_avalanche_size(int L);

// P(z = 0..3) on the infinite lattice, and the mean height 17/8.
std::array<double, 4> infinite_lattice_height_probabilities();
inline constexpr double kInfiniteLatticeMeanHeight = 17.0 / 8.0;

}  // namespace rgflow::soc
