#include "rgflow/core/rng.hpp"

#include <Random123/philox.h>

#include <cmath>
#include <numbers>

namespace rgflow {

Rng::Rng(std::uint64_t seed, std::uint64_t stream) {
  state_.seed = seed;
  state_.stream = stream;
}

Rng Rng::from_state(const RngState& state) {
  Rng rng(state.seed, state.stream);
  rng.state_ = state;
  if (state.index < 4) {
    // Regenerate the partially consumed block.
    rng.state_.counter -= 1;
    const std::uint32_t keep = state.index;
    rng.refill();
    rng.state_.index = keep;
  }
  return rng;
}

void Rng::refill() {
  using Philox = r123::Philox4x32;
  const Philox::key_type key = {{static_cast<std::uint32_t>(state_.seed),
                                 static_cast<std::uint32_t>(state_.seed >> 32)}};
  const Philox::ctr_type ctr = {{static_cast<std::uint32_t>(state_.counter),
                                 static_cast<std::uint32_t>(state_.counter >> 32),
                                 static_cast<std::uint32_t>(state_.stream),
                                 static_cast<std::uint32_t>(state_.stream >> 32)}};
  const Philox::ctr_type out = Philox()(ctr, key);
  for (int i = 0; i < 4; ++i) block_[i] = out[i];
  state_.counter += 1;
  state_.index = 0;
}

namespace {
__extension__ typedef unsigned __int128 u128;  // GCC/Clang extension, fine under -Wpedantic
}  // namespace

std::uint64_t Rng::below(std::uint64_t n) {
  // Lemire (2019), "Fast random integer generation in an interval", on 64-bit words.
  u128 m = static_cast<u128>(next_u64()) * n;
  auto low = static_cast<std::uint64_t>(m);
  if (low < n) {
    const std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<u128>(next_u64()) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

double Rng::normal() {
  // Box-Muller without caching, so the state stays four integers.
  double u1 = uniform_double();
  while (u1 <= 0.0) u1 = uniform_double();
  const double u2 = uniform_double();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

}  // namespace rgflow
