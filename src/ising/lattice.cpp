#include "rgflow/ising/lattice.hpp"

#include <cmath>
#include <limits>

#include "rgflow/core/error.hpp"

namespace rgflow::ising {

void Model::validate() const {
  if (L < 2 || L > 65536) throw Error("ising: lattice size L must be in [2, 65536], got " + std::to_string(L));
  if (!std::isfinite(temperature) || temperature <= 0.0)
    throw Error("ising: temperature must be positive and finite, got " + std::to_string(temperature));
  if (!std::isfinite(coupling)) throw Error("ising: coupling must be finite");
  if (!std::isfinite(field)) throw Error("ising: field must be finite");
}

Measurement measure(std::span<const std::int8_t> spins, int L, double coupling, double field) {
  const int N = L * L;
  long bonds = 0, total = 0;
  for (int i = 0; i < N; ++i) {
    const int s = spins[i];
    bonds += s * (spins[right_of(i, L)] + spins[down_of(i, L)]);
    total += s;
  }
  const double n = static_cast<double>(N);
  return {(-coupling * static_cast<double>(bonds) - field * static_cast<double>(total)) / n,
          static_cast<double>(total) / n};
}

Threshold Threshold::from_probability(double p) {
  if (!(p < 1.0)) return {0, true};
  if (!(p > 0.0)) return {0, false};
  const double scaled = std::ldexp(p, 64);
  if (scaled >= 0x1.0p64) return {std::numeric_limits<std::uint64_t>::max(), false};
  return {static_cast<std::uint64_t>(scaled), false};
}

}  // namespace rgflow::ising
