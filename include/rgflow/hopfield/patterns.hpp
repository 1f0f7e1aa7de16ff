#pragma once
// Pattern sets for Hopfield experiments.
#include "rgflow/core/rng.hpp"
#include "rgflow/core/types.hpp"

namespace rgflow::hopfield {

// P × N unbiased random patterns: entry (μ, i) is +1 or −1 with probability ½, from one bit of
// the stream (row-major, 32 entries per 32-bit word, lowest bit first).
MatrixF random_patterns(Index P, Index N, Rng& rng);

// The symmetric mixture state s_i = sign(Σ_{μ<k} ξ^μ_i) of the first k patterns (rows); k odd,
// so the sum is never 0 (Amit, Gutfreund & Sompolinsky 1985). Throws Error for an even k or
// k > P.
VectorD symmetric_mixture(const MatrixF& patterns, Index k);

// Its overlap with each component for N → ∞ at α → 0: m_k = 2^{1−k} C(k−1, (k−1)/2)
// (1/2, 3/8, 5/16, ... for k = 3, 5, 7), and its zero-diagonal energy per neuron −k m_k²/2
// (−3/8, −45/128, ...; a stored pattern has −1/2).
double mixture_overlap(Index k);
double mixture_energy_per_neuron(Index k);

}  // namespace rgflow::hopfield
