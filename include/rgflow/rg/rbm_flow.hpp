#pragma once
// RBM flow maps (Iso, Shiba & Yokoo 2018, arXiv:1801.07172; the seed's "Fixed Points and Flow
// Maps"): configurations v⁰ from a dataset are mapped v → h → v repeatedly,
//   mean:    v^{t+1} = E[v | h = E[h | v^t]]          (deterministic)
//   sample:  h ~ p(h | v^t), v^{t+1} ~ p(v | h)        (one Gibbs sweep; Rng(seed, 0))
// and after each step the flowed configurations (as spins s = 2v − 1 for Bernoulli units) are
// measured on the periodic L × L lattice:
//   u = −(1/N) Σ_{⟨ij⟩} s_i s_j (2L² bonds: right and down neighbours), |m| = |(1/N) Σ s_i|
// with standard errors over the configurations (the rows are treated as independent). Two
// temperature estimates of each step's configurations (docs/vrg-tools.md):
//   T_E:  the T at which the exact finite-L energy equals u: u_Kaufman(L, 1/T) = u (ising/exact.hpp;
//         bisection, u is increasing in T); error σ_u / c(T), c = du/dT the exact specific heat.
//   T_PL: 1/K̂ with K̂ the maximum pseudo-likelihood coupling of the nearest-neighbour Ising model,
//         Σ_n Σ_i [s_i g_i − g_i tanh(K g_i)] = 0 with g_i the sum of i's four neighbours
//         (Besag 1975); error from the sandwich variance Σ_n ψ_n² / (Σ_n ψ'_n)² of the per-row
//         scores ψ_n, mapped by σ_T = σ_K / K². For real-valued (mean) configurations this is the
//         same estimating equation applied to the real spins.
// Temperatures outside [0.05, 100] (u below the ground state or above the T = 100 energy, K̂ ≤ 0)
// are NaN.
#include <cstdint>
#include <vector>

#include "rgflow/core/types.hpp"
#include "rgflow/rbm/dbn.hpp"
#include "rgflow/rbm/rbm.hpp"
#include "rgflow/stats/result.hpp"

namespace rgflow::rg {

struct RbmFlowOptions {
  int steps = 10;                         // t = 1 … steps (step 0, the data, is reported too)
  Propagate propagate = Propagate::mean;
  std::uint64_t seed = 0;
};

struct LatticeObservables {
  stats::Result energy;            // u per spin
  stats::Result abs_magnetization; // |m|
  stats::Result temperature_energy;      // T_E
  stats::Result temperature_pseudo_likelihood;  // T_PL
};

struct FlowStep {
  int step = 0;
  LatticeObservables observables;
};

// Measures rows of spins (±1, or real values in [−1, 1]) on an L × L periodic lattice.
LatticeObservables lattice_observables(const MatrixF& spins, int L);

// The T ∈ [0.05, 100] with u_Kaufman(L, 1/T) = u (NaN outside), and its error σ_u / c(T).
stats::Result temperature_from_energy(int L, const stats::Result& u);

// Maximum pseudo-likelihood K̂ of rows of spins on an L × L periodic lattice, with its sandwich
// standard error (NaN when K̂ would be ≤ 0 or > 20).
stats::Result pseudo_likelihood_coupling(const MatrixF& spins, int L);

// Iterates the flow from `data` (rows of visible states of `rbm`, n_visible = L²). Returns steps
// 0 … options.steps. Throws Error for bad shapes or options.
std::vector<FlowStep> rbm_flow(const Rbm& rbm, const MatrixF& data, int L,
                               const RbmFlowOptions& options = {});

}  // namespace rgflow::rg
