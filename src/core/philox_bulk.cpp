#include "rgflow/core/philox_bulk.hpp"

#include <algorithm>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace rgflow {

namespace {
constexpr std::uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;  // Philox4x32 multipliers
constexpr std::uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;  // Weyl key increments
constexpr int kRounds = 10;
}  // namespace

void philox_blocks_portable(std::uint64_t seed, std::uint64_t stream, std::uint64_t first_block,
                            std::size_t n_blocks, std::span<std::uint32_t> out) {
  for (std::size_t j = 0; j < n_blocks; ++j) {
    const std::uint64_t c = first_block + j;
    std::uint32_t x0 = static_cast<std::uint32_t>(c), x1 = static_cast<std::uint32_t>(c >> 32);
    std::uint32_t x2 = static_cast<std::uint32_t>(stream), x3 = static_cast<std::uint32_t>(stream >> 32);
    std::uint32_t k0 = static_cast<std::uint32_t>(seed), k1 = static_cast<std::uint32_t>(seed >> 32);
    for (int r = 0; r < kRounds; ++r) {
      if (r > 0) { k0 += kW0; k1 += kW1; }
      const std::uint64_t p0 = static_cast<std::uint64_t>(kM0) * x0;
      const std::uint64_t p1 = static_cast<std::uint64_t>(kM1) * x2;
      const std::uint32_t y0 = static_cast<std::uint32_t>(p1 >> 32) ^ x1 ^ k0;
      const std::uint32_t y1 = static_cast<std::uint32_t>(p1);
      const std::uint32_t y2 = static_cast<std::uint32_t>(p0 >> 32) ^ x3 ^ k1;
      const std::uint32_t y3 = static_cast<std::uint32_t>(p0);
      x0 = y0; x1 = y1; x2 = y2; x3 = y3;
    }
    out[4 * j] = x0;
    out[4 * j + 1] = x1;
    out[4 * j + 2] = x2;
    out[4 * j + 3] = x3;
  }
}

#if defined(__AVX512F__)
void philox_blocks_avx512(std::uint64_t seed, std::uint64_t stream, std::uint64_t first_block,
                          std::size_t n_blocks, std::span<std::uint32_t> out) {
  const std::size_t full = n_blocks / 8 * 8;
  const __m512i lo32 = _mm512_set1_epi64(0xFFFFFFFFll);
  const __m512i m0 = _mm512_set1_epi64(kM0), m1 = _mm512_set1_epi64(kM1);
  const __m512i lane = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
  const __m512i s_lo = _mm512_set1_epi64(static_cast<long long>(stream & 0xFFFFFFFFu));
  const __m512i s_hi = _mm512_set1_epi64(static_cast<long long>(stream >> 32));
  // Interleave indices: words of block j go to out[4j .. 4j+3]; x_w lanes hold block j's word w.
  const __m512i idx_lo = _mm512_set_epi64(11, 3, 10, 2, 9, 1, 8, 0);     // (x0,x1) pairs
  const __m512i idx_hi = _mm512_set_epi64(15, 7, 14, 6, 13, 5, 12, 4);
  for (std::size_t j = 0; j < full; j += 8) {
    const __m512i c = _mm512_add_epi64(_mm512_set1_epi64(static_cast<long long>(first_block + j)), lane);
    __m512i x0 = _mm512_and_si512(c, lo32), x1 = _mm512_srli_epi64(c, 32);
    __m512i x2 = s_lo, x3 = s_hi;
    std::uint32_t k0 = static_cast<std::uint32_t>(seed), k1 = static_cast<std::uint32_t>(seed >> 32);
    // Only the low 32 bits of each 64-bit lane carry the word: vpmuludq reads only those, so the
    // high halves may hold garbage (the full products) until the final pack masks them off.
    // 0x96 = three-way XOR.
    for (int r = 0; r < kRounds; ++r) {
      if (r > 0) { k0 += kW0; k1 += kW1; }
      const __m512i p0 = _mm512_mul_epu32(x0, m0);
      const __m512i p1 = _mm512_mul_epu32(x2, m1);
      const __m512i y0 = _mm512_ternarylogic_epi64(_mm512_srli_epi64(p1, 32), x1, _mm512_set1_epi64(k0), 0x96);
      const __m512i y2 = _mm512_ternarylogic_epi64(_mm512_srli_epi64(p0, 32), x3, _mm512_set1_epi64(k1), 0x96);
      x0 = y0; x1 = p1; x2 = y2; x3 = p0;
    }
    // Pack to 32-bit words: a = (x0 | x1 << 32) per block, b = (x2 | x3 << 32); block j's 4 words
    // are a_j, b_j as two 64-bit little-endian words. 0xF8 = A | (B & C).
    const __m512i a = _mm512_ternarylogic_epi64(_mm512_slli_epi64(x1, 32), x0, lo32, 0xF8);
    const __m512i b = _mm512_ternarylogic_epi64(_mm512_slli_epi64(x3, 32), x2, lo32, 0xF8);
    // out 64-bit words: a0 b0 a1 b1 ... a7 b7.
    const __m512i first = _mm512_permutex2var_epi64(a, idx_lo, b);
    const __m512i second = _mm512_permutex2var_epi64(a, idx_hi, b);
    _mm512_storeu_si512(out.data() + 4 * j, first);
    _mm512_storeu_si512(out.data() + 4 * j + 16, second);
  }
  if (full < n_blocks)
    philox_blocks_portable(seed, stream, first_block + full, n_blocks - full, out.subspan(4 * full));
}
#endif

void philox_blocks(std::uint64_t seed, std::uint64_t stream, std::uint64_t first_block,
                   std::size_t n_blocks, std::span<std::uint32_t> out) {
#if defined(__AVX512F__)
  philox_blocks_avx512(seed, stream, first_block, n_blocks, out);
#else
  philox_blocks_portable(seed, stream, first_block, n_blocks, out);
#endif
}

void fill_uniform(Rng& rng, float* out, std::size_t n) {
  std::size_t i = 0;
  if (n >= 64) {
    // Finish the current block through rng itself, then whole blocks in bulk from block
    // `counter` (the next one Rng::refill would compute), then skip rng past them.
    while (i < n && rng.state().index < 4) out[i++] = rng.uniform();
    constexpr std::size_t kChunk = 256;  // blocks per bulk call
    alignas(64) std::uint32_t words[4 * kChunk];
    std::size_t blocks = (n - i) / 4;
    while (blocks > 0) {
      const std::size_t now = std::min(blocks, kChunk);
      philox_blocks(rng.state().seed, rng.state().stream, rng.state().counter, now,
                    std::span<std::uint32_t>(words, 4 * now));
      for (std::size_t k = 0; k < 4 * now; ++k) {
        out[i + k] = static_cast<float>(words[k] >> 8) * 0x1.0p-24f;  // as Rng::uniform
      }
      rng = rng.advanced(4 * now);
      i += 4 * now;
      blocks -= now;
    }
  }
  while (i < n) out[i++] = rng.uniform();
}

BulkStream::BulkStream(Rng& rng) : rng_(&rng) {
  const RngState& s = rng.state();
  seed_ = s.seed;
  stream_ = s.stream;
  // Word index of the next word Rng would return.
  const std::uint64_t word = s.index < 4 ? (s.counter - 1) * 4 + s.index : s.counter * 4;
  next_block_ = word / 4;
  base_word_ = next_block_ * 4;
  refill();
  pos_ = static_cast<std::size_t>(word - base_word_);
}

void BulkStream::refill() {
  base_word_ = next_block_ * 4;
  philox_blocks(seed_, stream_, next_block_, kBlocks, words_);
  next_block_ += kBlocks;
  pos_ = 0;
  end_ = 4 * kBlocks;
}

void BulkStream::refill_keep() {
  const std::size_t r = end_ - pos_;  // unread words, < kMaxPeek
  for (std::size_t k = 0; k < r; ++k) words_[k] = words_[pos_ + k];
  philox_blocks(seed_, stream_, next_block_, kBlocks, std::span<std::uint32_t>(words_ + r, 4 * kBlocks));
  base_word_ = next_block_ * 4 - r;
  next_block_ += kBlocks;
  pos_ = 0;
  end_ = r + 4 * kBlocks;
}

void BulkStream::release() {
  if (rng_ == nullptr) return;
  const std::uint64_t word = base_word_ + pos_;
  RngState st = rng_->state();
  if (word % 4 == 0) {
    st.counter = word / 4;
    st.index = 4;
  } else {
    st.counter = word / 4 + 1;
    st.index = static_cast<std::uint32_t>(word % 4);
  }
  *rng_ = Rng::from_state(st);
  rng_ = nullptr;
}

}  // namespace rgflow
