#pragma once
// The exact Hopfield ↔ RBM map (Barra, Bernacchia, Santucci & Contucci 2012, "On the equivalence
// of Hopfield networks and Boltzmann machines", Neural Networks 34).
//
// An RBM with spin visible units s ∈ {−1, +1}^N, Gaussian hidden units h ∈ ℝ^r (unit variance,
// zero mean prior) and no biases has E(s, h) = ½|h|² − sᵀ W h (rbm.hpp's convention for σ = 1).
// Integrating h out: ∫ dh e^{−E} = (2π)^{r/2} e^{½|Wᵀs|²}. With couplings J = B Bᵀ and
// W = √β B the visible marginal is the Hopfield Gibbs weight, ½|Wᵀs|² = (β/2) sᵀJs = −βE(s)
// (network.hpp: E(s) = −½ sᵀ J s, diagonal kept), so
//   log Z_RBM = (r/2) log 2π + log Σ_s e^{−βE(s)}.
//   Hebb:           J = ΞᵀΞ/N,  B = Ξᵀ/√N               (r = P hidden units, W = √(β/N) ξᵀ)
//   pseudo-inverse: J = Ξᵀ(ΞΞᵀ)⁺Ξ, B = Ξᵀ U Λ^{-1/2}   (ΞΞᵀ = U Λ Uᵀ; r = rank of Ξ)
// The RBM stores W in float32: the equality holds to float rounding of W (relative ~6e-8), and
// exactly (to double rounding) when √(β/N) is a power of two (e.g. β = N/4).
#include "rgflow/hopfield/network.hpp"
#include "rgflow/rbm/rbm.hpp"

namespace rgflow::hopfield {

// The Gaussian-hidden RBM twin of `net` at inverse temperature beta (> 0, finite; Error
// otherwise).
Rbm to_rbm(const Network& net, double beta);

// (r/2) log 2π: log Z_RBM − log Σ_s e^{−βE(s)} for an RBM with r Gaussian hidden units.
double twin_log_partition_offset(Index hidden_units);

// A Hebbian network and its β recovered from an RBM of the form to_rbm(net, β) builds: spin
// visible units, Gaussian hidden units with σ = 1, all biases 0, no mask, and every weight ±a with
// one a > 0 (ξ^μ_i = sign W_iμ, β = N a²). `tolerance`: the relative spread of |W_iμ| accepted
// (float rounding). Throws Error naming the first condition that fails.
struct HebbianTwin {
  Network network;
  double beta = 0.0;
};
HebbianTwin to_hopfield(const Rbm& rbm, double tolerance = 1e-6);

}  // namespace rgflow::hopfield
