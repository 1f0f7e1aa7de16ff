#pragma once
// Effective (renormalized) Hamiltonians of an RBM layer as multi-spin couplings in the spin
// (Walsh–Fourier) basis. Equations, validation and experiments: docs/vrg-tools.md.
//
// The marginal Hamiltonian of one side, H(v) = F(v) = −log Σ_h e^{−E(v,h)} (visible side) or
// H(h) = F(h) (hidden side; rbm/rbm.hpp), is written in spins s = 2x − 1 (Bernoulli) or s = x
// (spin units) as
//   H(s) = −K_∅ − Σ_{A ≠ ∅} K_A Π_{i∈A} s_i,      K_A = −2^{−n} Σ_s H(s) Π_{i∈A} s_i,
// (Walsh transform; Cossu et al. 2019, Bulso & Roudi 2021, Decelle et al. 2023). With the side's
// bias α_i s_i and the other side's units j, each a function of the field
//   φ_j(s) = c_j + Σ_i w_ij s_i,   H(s) = const − Σ_i α_i s_i − Σ_j L_j(φ_j(s)),
// (Bernoulli side: w = W/2, c_j = b_j + Σ_i W_ij/2, α = a/2; spin side: w = W, c = b, α = a;
// L_j = softplus / log 2cosh / the Gaussian unit's quadratic log-partition) the couplings are
//   K_A = [α_i if A = {i}] + Σ_j E_s[L_j(φ_j(s)) s_A],   s uniform on {±1}^n,
// a sum of one-unit terms. A unit contributes to K_A only when it touches every site of A, and
//   E_s[L(φ) s_A] = E_R[ 2^{−|A|} Σ_{t∈{±1}^A} t_A L(c + Σ_{i∈A} w_i t_i + R) ],
// with R = Σ_{i∉A} w_i s_i the rest of the field. Per unit:
//  * exact (error 0): the unit touches at most max_exact_support sites (|w_ij| > tolerance);
//    L(φ) is tabulated on all 2^|S| states of its support S and fast-Walsh–Hadamard transformed.
//    Weights at or below a nonzero tolerance are dropped; what they could contribute is bounded
//    (½ max|L''| Σ r² for A ⊆ S, max|L'|·min_{i∈A∖S}|r_i| otherwise) and that bound is added to
//    the coupling's error.
//  * Gaussian visible units on the hidden side: L is quadratic, so K_A is closed form (exact) and
//    vanishes for |A| > 2.
//  * Monte Carlo otherwise: M uniform samples s^(m) (sample m from Rng(seed, m)), for each the
//    finite difference above with R = φ_j(s^(m)) − c_j − Σ_{i∈A} w_ij s^(m)_i, summed over those
//    units; K_A's error is the standard error of that per-sample sum over the M samples (samples
//    are shared by all units, so their correlation is accounted for).
#include <cstdint>
#include <string_view>
#include <vector>

#include "rgflow/core/cancel.hpp"
#include "rgflow/core/types.hpp"
#include "rgflow/rbm/rbm.hpp"
#include "rgflow/stats/result.hpp"

namespace rgflow::rg {

enum class Side { visible, hidden };
std::string_view to_string(Side side);     // "visible" | "hidden"
Side parse_side(std::string_view name);    // throws Error otherwise

// A set A of sites (unit indices of the chosen side), sorted, without repeats.
using Sites = std::vector<Index>;

struct CouplingOptions {
  Side side = Side::visible;
  double support_tolerance = 0.0;  // |w_ij| <= this: unit j does not touch site i (exact path)
  int max_exact_support = 20;      // units touching at most this many sites are enumerated (<= 26)
  Index samples = 20000;           // Monte Carlo samples for the other units (>= 2)
  std::uint64_t seed = 0;          // Monte Carlo sample m uses Rng(seed, m)
  int threads = 0;                 // <= 0: OpenMP's default; the result does not depend on it
  // Polled between units of the exact part and between Monte Carlo samples (core/cancel.hpp):
  // answering true ends the computation with Cancelled. Results do not depend on it.
  StopPoll stop;
  // Told (units + samples done, units + samples) at the same times; empty: never called.
  ProgressFn progress;
};

struct Coupling {
  Sites sites;
  stats::Result value;  // K_A; error: Monte Carlo standard error (+ tolerance bound), 0 if exact
};

struct CouplingTable {
  Index n_sites = 0;
  std::vector<Coupling> couplings;  // in the order of the requested subsets
  // K_∅ = −2^{−n} Σ_s H(s) = −⟨H⟩ over uniformly random states of the side (the gauge of H).
  stats::Result constant;
  Index exact_units = 0;        // units handled by enumeration or in closed form
  Index monte_carlo_units = 0;  // units handled by Monte Carlo
  Index samples = 0;            // M (0 when every unit is exact)
};

// K_A for each requested subset (each sorted, of distinct sites < n, at most 6 sites). Throws
// Error for an invalid RBM, a visible side with Gaussian visible units (the marginal is a density
// of real values, with no spin expansion), bad subsets or options.
CouplingTable effective_couplings(const Rbm& rbm, const std::vector<Sites>& subsets,
                                  const CouplingOptions& options = {});

// Every subset of {0, …, n−1} with 1 ≤ |A| ≤ max_order, by order then lexicographically. Throws
// Error when there would be more than max_count of them.
std::vector<Sites> all_subsets(Index n, int max_order, std::size_t max_count = 2'000'000);

// Geometry of the sites for lattice-aware summaries: an Lx × Ly periodic lattice, site
// i = y·Lx + x (row-major, as /spins [N, L, L] is flattened). A ring of n sites is n × 1.
struct Lattice {
  int lx = 0;
  int ly = 0;
  Index sites() const { return Index{lx} * ly; }
  bool is_chain() const { return ly == 1; }
  static Lattice square(int L) { return {L, L}; }
  static Lattice chain(int n) { return {n, 1}; }
};

// The subsets a lattice summary needs: every field, every pair, and the 3- … max_order-body
// subsets that fit in an extent × extent window (a window of `extent` consecutive sites on a
// chain); extent ≤ 0 picks 2 (the plaquette) on a square lattice and 4 on a chain.
std::vector<Sites> lattice_subsets(const Lattice& lattice, int max_order, int extent = 0);

// Couplings averaged over the subsets of one shape (translations and the lattice's point group:
// the 8 symmetries of the square, or reflection on a chain).
struct ShapeAverage {
  int order = 0;
  std::vector<std::pair<int, int>> shape;  // canonical offsets (x, y) of the sites, first (0, 0)
  int dx = 0, dy = 0;      // order 2: the displacement, dx ≥ dy ≥ 0; otherwise the extent − 1
  double distance = 0.0;   // order 2: √(dx² + dy²); 0 otherwise
  Index count = 0;         // subsets averaged
  // Mean of K_A over the class; error: the spread over the class (sd/√count) and the estimation
  // errors (√Σe²/count) in quadrature.
  stats::Result mean;
  double spread = 0.0;     // standard deviation of K_A over the class (0 for a single subset)
};

// Groups `table` (subsets of lattice sites) by shape, ordered by order, then distance / extent.
std::vector<ShapeAverage> average_by_shape(const CouplingTable& table, const Lattice& lattice);

}  // namespace rgflow::rg
