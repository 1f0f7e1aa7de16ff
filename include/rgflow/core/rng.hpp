#pragma once
// Counter-based random streams (Philox4x32-10, Salmon et al. SC'11, via Random123).
//
// A stream is identified by (seed, stream id); draw n of stream s is a pure function of
// (seed, s, n), so results do not depend on thread count or scheduling: give each replica,
// chain or thread its own stream id. The full state is four integers (RngState), which
// checkpoints store to resume bit-identically.
#include <array>
#include <cstdint>
#include <limits>

namespace rgflow {

struct RngState {
  std::uint64_t seed = 0;
  std::uint64_t stream = 0;
  std::uint64_t counter = 0;  // number of 4-word Philox blocks consumed
  std::uint32_t index = 4;    // next word inside the current block (4 = block exhausted)
  bool operator==(const RngState&) const = default;
};

class Rng {
 public:
  using result_type = std::uint32_t;

  explicit Rng(std::uint64_t seed = 0, std::uint64_t stream = 0);
  static Rng from_state(const RngState& state);

  // A statistically independent stream derived from this one's seed (not its position).
  Rng substream(std::uint64_t stream) const { return Rng(state_.seed, stream); }

  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }
  result_type operator()() {
    if (state_.index >= 4) refill();
    return block_[state_.index++];
  }

  std::uint64_t next_u64() {
    const std::uint64_t hi = (*this)();
    return (hi << 32) | (*this)();
  }
  // Uniform on [0, 1) with 24 random bits (exactly representable in float).
  float uniform() { return static_cast<float>((*this)() >> 8) * 0x1.0p-24f; }
  // Uniform on [0, 1) with 53 random bits.
  double uniform_double() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  // Unbiased integer in [0, n), n >= 1 (Lemire's multiply-and-reject).
  std::uint64_t below(std::uint64_t n);
  // Standard normal (Box-Muller; one value per call so the state stays four integers).
  double normal();

  const RngState& state() const { return state_; }
  // Words drawn from this stream so far: the position of the next draw.
  std::uint64_t position() const { return state_.counter * 4 - (4 - state_.index); }
  // The same stream `words` draws further on, without drawing them (O(1) skip-ahead): so threads
  // can each draw their part of one stream and leave it exactly where one thread would have.
  Rng advanced(std::uint64_t words) const;

 private:
  void refill();
  RngState state_;
  std::array<std::uint32_t, 4> block_{};
};

}  // namespace rgflow
