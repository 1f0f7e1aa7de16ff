#pragma once
// Bulk generation of rgflow::Rng's Philox4x32-10 stream, for the vector kernels (the multi-spin
// Metropolis sweep and Wolff in rgflow_ising, the RBM sampling kernels in rbm/sampling_kernels.hpp).
//
// rgflow::Rng produces its words one 4-word Philox block at a time; in the multi-spin sweep this
// per-call refill dominated the run time. BulkStream reads the *same* words, in the same order,
// from a buffer filled many blocks at a time: block c of stream (seed, s) is
//   Philox4x32-10(counter = {c mod 2³², c / 2³², s mod 2³², s / 2³²}, key = {seed mod 2³², seed / 2³²})
// exactly as Rng::refill computes it (Random123), so a chain driven through BulkStream is
// bit-identical to one driven through Rng directly. Nothing about acceptance changes: every
// Metropolis decision still compares a full 64-bit uniform with the 64-bit threshold.
//
// philox_blocks() has two implementations selected at compile time:
//  * AVX-512 (when __AVX512F__ is defined, e.g. -march=native on an AVX-512 machine): 8 blocks
//    per step in the 64-bit lanes of zmm registers (vpmuludq gives the 32×32→64 products);
//  * portable C++ (the same arithmetic, one block at a time).
// Both are always compiled where possible, so tests compare them word for word.
#include <cstddef>
#include <cstdint>
#include <span>

#include "rgflow/core/rng.hpp"

namespace rgflow {

// out[4·j + w] = word w of block `first_block + j`, j < n_blocks (out.size() ≥ 4·n_blocks).
void philox_blocks_portable(std::uint64_t seed, std::uint64_t stream, std::uint64_t first_block,
                            std::size_t n_blocks, std::span<std::uint32_t> out);
#if defined(__AVX512F__)
inline constexpr bool kPhiloxAvx512 = true;
void philox_blocks_avx512(std::uint64_t seed, std::uint64_t stream, std::uint64_t first_block,
                          std::size_t n_blocks, std::span<std::uint32_t> out);
#else
inline constexpr bool kPhiloxAvx512 = false;
#endif
// The compile-time choice of the two.
void philox_blocks(std::uint64_t seed, std::uint64_t stream, std::uint64_t first_block,
                   std::size_t n_blocks, std::span<std::uint32_t> out);

// out[i] = the value of the i-th of n calls rng.uniform(), bit for bit, with the whole blocks
// generated in bulk (philox_blocks); rng is left where those n calls would leave it.
void fill_uniform(Rng& rng, float* out, std::size_t n);

// Reads `rng`'s stream from its current position through a buffer; on destruction (or
// release()) writes the position back into `rng`, so rng continues exactly after the last word
// taken. Not copyable; one BulkStream per Rng at a time.
class BulkStream {
 public:
  static constexpr std::size_t kBlocks = 256;  // blocks per refill (4 KiB of words)
  explicit BulkStream(Rng& rng);
  ~BulkStream() { release(); }
  BulkStream(const BulkStream&) = delete;
  BulkStream& operator=(const BulkStream&) = delete;

  std::uint32_t next_u32() {
    if (pos_ == end_) refill();
    return words_[pos_++];
  }
  // Same composition as Rng::next_u64: first word in the high half.
  std::uint64_t next_u64() {
    const std::uint64_t hi = next_u32();
    return (hi << 32) | next_u32();
  }
  // Direct access for vector kernels: a pointer to at least n ≤ kMaxPeek words starting at the
  // current position (refilling, with the unread words moved to the front, when fewer are
  // buffered); advance(k ≤ n) then consumes k of them.
  static constexpr std::size_t kMaxPeek = 256;
  const std::uint32_t* peek(std::size_t n) {
    if (end_ - pos_ < n) refill_keep();
    return words_ + pos_;
  }
  void advance(std::size_t k) { pos_ += k; }
  void release();

 private:
  void refill();
  void refill_keep();
  Rng* rng_;
  std::uint64_t seed_, stream_;
  std::uint64_t next_block_;   // first block not yet in the buffer
  std::uint64_t base_word_;    // stream word index of words_[0]
  std::size_t pos_ = 0, end_ = 0;
  alignas(64) std::uint32_t words_[4 * kBlocks + kMaxPeek];
};

}  // namespace rgflow
