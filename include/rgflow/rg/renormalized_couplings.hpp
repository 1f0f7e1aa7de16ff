#pragma once
// Renormalised couplings of spin configurations on an L × L torus (e.g. majority-rule block spins
// at one blocking level) by maximum pseudo-likelihood (Besag 1975), the estimator the vrg pipeline
// puts next to an RBM's hidden-side couplings (docs/vrg.md "Renormalised couplings").
//
// Model: the Ising Hamiltonian with a few translation-invariant terms a,
//   H(s) = −Σ_a K_a Σ_{x} O_a(x),
//     nearest_neighbour (K₁):       O(x) = s_x s_{x+ê₁} + s_x s_{x+ê₂}            (2L² bonds)
//     next_nearest_neighbour (K₂):  O(x) = s_x s_{x+ê₁+ê₂} + s_x s_{x+ê₁−ê₂}      (2L² diagonals)
//     plaquette (K₄):               O(x) = s_x s_{x+ê₁} s_{x+ê₂} s_{x+ê₁+ê₂}      (L² plaquettes)
// (periodic; on small tori a bond between the same two sites may occur twice and counts twice, as
// in these sums). Site i's conditional is p(s_i | rest) = e^{s_i h_i} / 2cosh h_i with the local
// field h_i = Σ_a K_a g_{a,i}: g₁ the sum of i's 4 neighbours, g₂ of its 4 diagonal neighbours,
// g₄ the sum over the 4 plaquettes holding i of the product of their other three spins.
// The estimate maximises the log pseudo-likelihood Σ_n w_n Σ_i [s_i h_i − log 2cosh h_i], which is
// concave in K (safeguarded Newton). Its error is the sandwich covariance A⁻¹ B A⁻¹ with
// A = Σ_n w_n Σ_i g_i g_iᵀ (1 − tanh² h_i) and B = Σ_n w_n ψ_n ψ_nᵀ over the rows' scores
// ψ_n = Σ_i g_i (s_i − tanh h_i) (rows treated as independent). Weights are frequency weights
// (row n counts w_n times; default 1): with w = N·p(s) over every state of a small lattice the
// estimate is the exact large-N limit and the error the exact asymptotic error for N samples.
#include <string_view>
#include <vector>

#include "rgflow/core/types.hpp"
#include "rgflow/stats/result.hpp"

namespace rgflow::rg {

enum class IsingTerm { nearest_neighbour, next_nearest_neighbour, plaquette };
std::string_view to_string(IsingTerm term);  // "nearest_neighbour" | "next_nearest_neighbour" | "plaquette"

struct IsingCouplingFit {
  std::vector<IsingTerm> terms;
  std::vector<stats::Result> couplings;  // K_a in the order of `terms`; NaN when there is no finite maximum
  MatrixD covariance;                    // sandwich covariance of the estimates (NaN likewise)
  int iterations = 0;                    // Newton steps
};

// Maximum pseudo-likelihood couplings of rows of ±1 spins (exactly ±1; [N, L·L], site y·L + x) on
// the L × L torus (L ≥ 2, N ≥ 2). When the maximum is not finite (|K_a| > 20: e.g. every row fully
// aligned) or the terms cannot be told apart on these data (singular A), every coupling is NaN.
// Throws Error for bad shapes, non-±1 values, empty or repeated terms, or bad weights
// (size ≠ N, negative or non-finite, zero sum).
IsingCouplingFit pseudo_likelihood_couplings(const MatrixF& spins, int L, const std::vector<IsingTerm>& terms,
                                             const VectorD& weights = VectorD());

}  // namespace rgflow::rg
