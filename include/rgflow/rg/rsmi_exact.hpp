#pragma once
// Exact real-space mutual information of a coarse-graining filter on the periodic 1D Ising chain
// p(s) ∝ exp(K Σ_i s_i s_{i+1}) of L sites — the reference the RSMI estimator (rg/rsmi.hpp) is
// tested against.
//
// Geometry as in rg/rsmi.hpp: block V = b consecutive sites, a buffer of w sites on each side, the
// environment E beyond. The chain is Markov, so given the two environment sites next to the
// buffer (e_l, e_r, at distance w + 1 from the block) V is independent of the rest of E, and
// I(H : E) = I(H : e_l, e_r) for any environment width ≥ 1. Their joint law with V follows from
// the transfer matrix T(s, s') = e^{K s s'}, T^k(s, s') = (λ₊^k + s s' λ₋^k)/2, λ± = 2cosh K, 2sinh K:
//   p(e_l, v, e_r) = T^{w+1}(e_l, v_1) Π_{i<b} e^{K v_i v_{i+1}} T^{w+1}(v_b, e_r) T^{L−b−2w−1}(e_r, e_l) / Z,
//   Z = λ₊^L + λ₋^L,
// and p(h | v) is the rule's: h_j = sign(Σ_i Λ_ji v_i) with ties ½ each way (deterministic), or
// the spin unit p(h_j = +1 | v) = σ(2 Σ_i Λ_ji v_i) (stochastic). Then
//   I = Σ p(h, e_l, e_r) ln[ p(h, e_l, e_r) / (p(h) p(e_l, e_r)) ]   (nats), by enumeration of
// the 2^b block states and 2^M coarse states.
#include "rgflow/core/types.hpp"

namespace rgflow::rg {

// `filter`: [M, b], 1 ≤ M ≤ 4, b ≤ 16. Throws rgflow::Error unless K is finite, b + 2w + 2 ≤ L.
double rsmi_chain_information(double K, int L, int buffer, const MatrixD& filter, bool deterministic = true);

}  // namespace rgflow::rg
