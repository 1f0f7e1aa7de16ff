#pragma once
// Temperature (and size) scans: `rgflow ising sample --temperature 2.0:2.5:11 --size 8,16,32`.
//
// Point (l, t) of a scan (size index l, temperature index t) runs its own chains with seed
//   scan_seed(seed, l, t) = seed                                   for l = t = 0,
//                         = splitmix64(seed ⊕ splitmix64(l·2³² + t))   otherwise,
// so the first point of any scan reproduces a single run with the same --seed, and every point
// is a pure function of (seed, l, t), independent of thread count and of the other points.
//
// Binder crossing: for each pair of consecutive sizes (L₁ < L₂), the first temperature interval
// [T_t, T_{t+1}] on which d = U_{L₁} − U_{L₂} changes sign; the crossing is the linear
// interpolation T* = T_t + (T_{t+1} − T_t)·d_t/(d_t − d_{t+1}), its error propagated from the four
// cumulants' (independent) jackknife errors to first order.
#include <cstdint>
#include <string>
#include <vector>

#include "rgflow/core/types.hpp"
#include "rgflow/stats/result.hpp"

namespace rgflow::ising {

// "T" (one temperature) or "start:stop:count" (count ≥ 1 equally spaced values, both ends
// included; count = 1 gives start). rgflow::Error on malformed input, T ≤ 0, count > 10000.
std::vector<double> parse_temperatures(const std::string& text);
// "L" or "L1,L2,..." (each ≥ 2, no duplicates). rgflow::Error otherwise.
std::vector<int> parse_sizes(const std::string& text);

std::uint64_t scan_seed(std::uint64_t seed, std::size_t size_index, std::size_t temperature_index);

struct BinderCrossing {
  int L1 = 0, L2 = 0;
  bool found = false;
  stats::Result temperature;  // mean ± error (valid when found)
};
// temperatures ascending; binder[l][t] for sizes[l].
std::vector<BinderCrossing> binder_crossings(const std::vector<double>& temperatures,
                                             const std::vector<int>& sizes,
                                             const std::vector<std::vector<stats::Result>>& binder);

}  // namespace rgflow::ising
