#pragma once
// The 2D Ising model on a periodic L×L square lattice,
//   H(s) = −J Σ_⟨ij⟩ s_i s_j − h Σ_i s_i,   s_i = ±1,   P(s) ∝ exp(−H(s)/T),
// with the 2N nearest-neighbour bonds taken as each site's right and down neighbour (so L = 2
// counts each pair twice, as Kaufman's formula does). Spins are int8 ±1, row-major, site y·L + x.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace rgflow::ising {

struct Model {
  int L = 0;
  double temperature = 0.0;
  double coupling = 1.0;  // J
  double field = 0.0;     // h

  double beta() const { return 1.0 / temperature; }
  std::int64_t sites() const { return static_cast<std::int64_t>(L) * L; }
  // Throws rgflow::Error for L < 2, T ≤ 0 or non-finite parameters, or L > 65536.
  void validate() const;
};

using Spins = std::vector<std::int8_t>;

// Per-spin energy H/N and magnetisation Σ s_i / N of one configuration.
struct Measurement {
  double energy = 0.0;
  double magnetization = 0.0;
};
Measurement measure(std::span<const std::int8_t> spins, int L, double coupling, double field);

// Site index helpers for the periodic lattice.
inline int right_of(int i, int L) { return (i % L == L - 1) ? i - (L - 1) : i + 1; }
inline int left_of(int i, int L) { return (i % L == 0) ? i + (L - 1) : i - 1; }
inline int down_of(int i, int L) { return (i >= L * (L - 1)) ? i - L * (L - 1) : i + L; }
inline int up_of(int i, int L) { return (i < L) ? i + L * (L - 1) : i - L; }

// An acceptance probability p ∈ [0, 1] as a 64-bit integer threshold: a uniform 64-bit integer
// u is accepted iff u < threshold, exactly probability threshold/2^64; p = 1 is `always`.
struct Threshold {
  std::uint64_t value = 0;
  bool always = false;
  static Threshold from_probability(double p);
  bool accept(std::uint64_t u) const { return always || u < value; }
};

}  // namespace rgflow::ising
