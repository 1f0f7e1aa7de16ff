#pragma once
// Kadanoff block-spin transformations of periodic L×L spin configurations (L. P. Kadanoff,
// Physics 2, 263 (1966)): the lattice is cut into b×b blocks, block (X, Y) covering sites
// x ∈ [bX, bX + b), y ∈ [bY, bY + b), and each block becomes one spin of an (L/b)×(L/b) lattice.
//  * majority:   s' = sign(Σ_block s_i); a tie (possible for even b) is broken by a fair coin,
//                so the rule stays symmetric under s → −s.
//  * decimation: s' = the block's top-left spin s_{bX, bY}.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "rgflow/core/rng.hpp"

namespace rgflow::rg {

enum class BlockRule { majority, decimation };
BlockRule parse_block_rule(const std::string& name);  // "majority" | "decimation", else Error
std::string block_rule_name(BlockRule rule);

// One configuration (row-major, ±1, L×L) → (L/b)×(L/b). Throws rgflow::Error unless b ≥ 1 and
// L % b == 0. `rng` supplies tie-breaking coins (majority with even b only).
std::vector<std::int8_t> block_spins(std::span<const std::int8_t> spins, int L, int b, BlockRule rule,
                                     Rng& rng);

// A batch [n, L, L] → [n, L/b, L/b]; sample i breaks ties with Rng(seed, i), so the result does
// not depend on the thread count (samples are distributed over OpenMP threads).
std::vector<std::int8_t> block_spins_batch(std::span<const std::int8_t> spins, std::int64_t n, int L,
                                           int b, BlockRule rule, std::uint64_t seed);

}  // namespace rgflow::rg
