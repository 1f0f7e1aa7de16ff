#pragma once
// n independent ±1 configurations of `sites` spins each (T = ∞), row-major, from Rng(seed, 0):
// blocking-rule tests (many tied blocks).
#include <cstdint>
#include <vector>

#include "rgflow/core/rng.hpp"

namespace rgflow::test {

inline std::vector<std::int8_t> random_spins(std::int64_t n, int sites, std::uint64_t seed) {
  Rng rng(seed, 0);
  std::vector<std::int8_t> s(static_cast<std::size_t>(n * sites));
  for (auto& x : s) x = (rng() & 1u) ? 1 : -1;
  return s;
}

}  // namespace rgflow::test
