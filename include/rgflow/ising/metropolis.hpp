#pragma once
// Single-spin-flip Metropolis (Metropolis et al., J. Chem. Phys. 21, 1087 (1953)) in checkerboard
// order: one sweep visits all sites with (x + y) even, then all with (x + y) odd. Flipping s_i
// costs ΔE = 2 s_i (J Σ_nn s_j + h) and is accepted with probability min(1, e^{−ΔE/T}), using an
// independent uniform per update, so every update satisfies detailed balance. (The order matters
// only for parallelism: for odd L two same-colour sites touch across the boundary, and the sweep
// is then an ordinary sequential sweep, still exact.)
//
// Two implementations of the same chain:
//  * MetropolisScalar: int8 spins, one chain; the reference (its uniforms also come through a
//    BulkStream, bit-identical to drawing from rng directly).
//  * MetropolisMultiSpin: multi-spin coding over replicas — 64 independent chains share one
//    uint64 word per site (bit b = chain b, 1 ↔ s = +1). The aligned-neighbour count is summed
//    bit-sliced (full adders over the four XNORs), and each lane's acceptance u < threshold is
//    decided by comparing a bit-sliced 64-bit uniform with the lane's integer threshold
//    most-significant bit first, drawing further random words only while some lane is still
//    undecided (on average ~log2(#lanes) + 1.3 words per site). Every lane thus gets its own
//    exact uniform: the 64 chains are statistically independent and each is exactly the scalar
//    chain in distribution. The random words come from a BulkStream (ising/philox_bulk.hpp):
//    rng's own Philox words, generated 256 blocks at a time (AVX-512 where __AVX512F__ is
//    defined, portable otherwise) instead of one block per refill. The chain is bit-identical to
//    drawing from rng directly, and rng is left exactly after the last word used.
//    Two kernels for the acceptance step, bit-identical (same words consumed, same flips):
//     - sweep_portable: plain C++, one random word (one bit level of the 64 uniforms) at a time;
//     - sweep_avx512 (when __AVX512F__ is defined): eight bit levels at once in one zmm register
//       (eight consecutive 64-bit words of the stream); the lanes still undecided before each
//       level come from a prefix-AND across the register, and the number of words the site used
//       (first level at which every lane is decided, + 1) from a mask count, so the stream
//       position advances exactly as in the portable kernel. sweep() calls sweep_avx512 where it
//       exists.
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "rgflow/core/rng.hpp"
#include "rgflow/ising/lattice.hpp"

namespace rgflow::ising {

// Acceptance thresholds indexed by [spin is +1][number of neighbours aligned with the spin].
using AcceptanceTable = std::array<std::array<Threshold, 5>, 2>;
AcceptanceTable metropolis_table(const Model& model);

class MetropolisScalar {
 public:
  explicit MetropolisScalar(const Model& model);
  void sweep(std::span<std::int8_t> spins, Rng& rng) const;
  void end_thermalization(std::span<std::int8_t>, Rng&) const {}

 private:
  int L_;
  AcceptanceTable table_;
};

class MetropolisMultiSpin {
 public:
  static constexpr int kLanes = 64;
  explicit MetropolisMultiSpin(const Model& model);

  // words[site], bit b = spin of lane b (1 ↔ +1).
  void sweep(std::span<std::uint64_t> words, Rng& rng) const;
  void sweep_portable(std::span<std::uint64_t> words, Rng& rng) const;
#if defined(__AVX512F__)
  static constexpr bool kAvx512 = true;
  void sweep_avx512(std::span<std::uint64_t> words, Rng& rng) const;
#else
  static constexpr bool kAvx512 = false;
#endif

  // Per-lane energy and magnetisation per spin (bit-sliced counters, then unpacked).
  std::array<Measurement, kLanes> measure_lanes(std::span<const std::uint64_t> words) const;

  static void extract_lane(std::span<const std::uint64_t> words, int lane, std::span<std::int8_t> out);
  static void insert_lane(std::span<std::uint64_t> words, int lane, std::span<const std::int8_t> spins);

 private:
  struct RandomClass {
    int a;          // aligned neighbours
    int up;         // 1: lane spin +1, 0: −1
    int group;      // index into thresholds_ (classes with equal thresholds share one)
  };
  template <bool kVector>
  void sweep_impl(std::span<std::uint64_t> words, Rng& rng) const;
  int L_;
  Model model_;
  std::array<std::uint64_t, 5> always_up_{}, always_down_{};  // all-ones where p = 1
  std::vector<RandomClass> random_classes_;
  std::vector<std::uint64_t> thresholds_;  // distinct thresholds of the random classes (≤ 10)
  // level_mask_[64·g + k] = all-ones iff bit 63 − k of thresholds_[g] is set.
  std::vector<std::uint64_t> level_mask_;
};

}  // namespace rgflow::ising
