#pragma once
// Monte Carlo renormalization group (R. H. Swendsen, PRL 42, 859 (1979)).
//
// Configurations sampled at (or near) the critical point are block-spin transformed repeatedly
// (level 0 = the input lattice, level n+1 = level n blocked by b). At each level, operators
// S_α^{(n)} (sums over the lattice) are measured. With the connected correlations
//   A_αβ = ∂⟨S_α^{(n+1)}⟩/∂K_β^{(n)}   = ⟨S_α^{(n+1)} S_β^{(n)}⟩   − ⟨S_α^{(n+1)}⟩⟨S_β^{(n)}⟩,
//   B_αβ = ∂⟨S_α^{(n+1)}⟩/∂K_β^{(n+1)} = ⟨S_α^{(n+1)} S_β^{(n+1)}⟩ − ⟨S_α^{(n+1)}⟩⟨S_β^{(n+1)}⟩,
// the chain rule gives A = B·Tᵀ with T_γβ = ∂K_γ^{(n+1)}/∂K_β^{(n)}, the linearised RG map.
// Its leading eigenvalue λ (of B⁻¹A) gives the RG eigenvalue y = ln λ / ln b. Even operators
// (spin-flip symmetric) give y_t (exact 2D Ising: 1), odd ones y_h (exact: 15/8).
//
// Operators (sums over all sites i, periodic; x̂, ŷ unit steps):
//   even 1: nearest neighbours      Σ s_i (s_{i+x̂} + s_{i+ŷ})
//   even 2: diagonal neighbours     Σ s_i (s_{i+x̂+ŷ} + s_{i+x̂−ŷ})
//   even 3: plaquette               Σ s_i s_{i+x̂} s_{i+ŷ} s_{i+x̂+ŷ}
//   even 4: third neighbours        Σ s_i (s_{i+2x̂} + s_{i+2ŷ})
//   odd 1:  magnetisation           Σ s_i
//   odd 2:  plaquette triples       Σ over the 4 three-spin products of each plaquette
// Error bars: block jackknife over configurations (stats::jackknife) of y as a function of the
// means of all operators and their products.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "rgflow/comm/communicator.hpp"
#include "rgflow/rg/block_spin.hpp"
#include "rgflow/rg/coarse_graining.hpp"
#include "rgflow/stats/result.hpp"

namespace rgflow::rg {

inline constexpr int kMaxEvenOperators = 4;
inline constexpr int kMaxOddOperators = 2;

// The operator sums of one L×L configuration (first `count` of the list above).
std::vector<double> even_operators(std::span<const std::int8_t> spins, int L, int count);
std::vector<double> odd_operators(std::span<const std::int8_t> spins, int L, int count);

struct McrgOptions {
  int block = 2;             // b
  int levels = 3;            // blocking steps; the coarsest lattice L / b^levels must be ≥ 4
  int even_operators = 3;    // 1 … 4
  int odd_operators = 2;     // 1 … 2
  BlockRule rule = BlockRule::majority;
  std::uint64_t seed = 0;    // tie-breaking coins: configuration i uses Rng(seed, i)
  std::size_t chains = 1;    // input interleaves this many independent chains (stats layout)
  // Null: one process. Otherwise every rank holds the same configurations; they are blocked and
  // measured in fixed chunks of kMcrgChunk (chunk k on rank k mod size), every operator value then
  // shared bit for bit (gather_round_robin), and every rank computes the same steps — for any
  // number of ranks, the one-process result (docs/scaling.md). Not owned.
  const Communicator* communicator = nullptr;
};

// Configurations per chunk of a distributed MCRG (McrgOptions::communicator).
inline constexpr std::int64_t kMcrgChunk = 64;

struct McrgStep {
  int from_size = 0;  // L at level n
  int to_size = 0;    // L at level n+1
  stats::Result lambda_t, lambda_h;  // leading eigenvalues of B⁻¹A (even / odd sector)
  stats::Result y_t, y_h;            // ln λ / ln b
};

// `spins`: n configurations [n, L, L] (±1). Returns one step per blocking level. Throws
// rgflow::Error for inconsistent sizes or options.
std::vector<McrgStep> mcrg(std::span<const std::int8_t> spins, std::int64_t n, int L,
                           const McrgOptions& options);

// The same with any blocking rules (rg/coarse_graining.hpp): level l → l + 1 is blocked by
// rules[min(l, rules.size() − 1)], with that rule's own factor b_l (y = ln λ / ln b_l), drawing from
// the same Rng(seed, i) for configuration i at every level. Here options.block and options.rule
// are not read (the rules replace them); levels, operators, seed and chains are. The form above
// is this one with a single BlockSpinRule(options.rule, options.block) — the same bits.
std::vector<McrgStep> mcrg(std::span<const std::int8_t> spins, std::int64_t n, int L,
                           std::span<const std::shared_ptr<const BlockingRule>> rules,
                           const McrgOptions& options);

}  // namespace rgflow::rg
