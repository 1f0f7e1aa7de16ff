#include "rgflow/ising/metropolis.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "rgflow/ising/philox_bulk.hpp"

namespace rgflow::ising {

AcceptanceTable metropolis_table(const Model& model) {
  AcceptanceTable t{};
  for (int up = 0; up < 2; ++up) {
    const double s = up ? 1.0 : -1.0;
    for (int a = 0; a <= 4; ++a) {
      // s Σ_nn s_j = a − (4 − a) = 2a − 4
      const double dE = 2.0 * model.coupling * (2.0 * a - 4.0) + 2.0 * model.field * s;
      t[up][a] = Threshold::from_probability(std::exp(-dE / model.temperature));
    }
  }
  return t;
}

MetropolisScalar::MetropolisScalar(const Model& model) : L_(model.L), table_(metropolis_table(model)) {
  model.validate();
}

void MetropolisScalar::sweep(std::span<std::int8_t> s, Rng& rng_in) const {
  const int L = L_;
  BulkStream rng(rng_in);  // rng_in's words in bulk, position written back at the end
  for (int parity = 0; parity < 2; ++parity) {
    for (int y = 0; y < L; ++y) {
      for (int x = (y + parity) & 1; x < L; x += 2) {
        const int i = y * L + x;
        const int si = s[i];
        const int sum = s[left_of(i, L)] + s[right_of(i, L)] + s[up_of(i, L)] + s[down_of(i, L)];
        const int a = (si * sum + 4) / 2;
        const Threshold& t = table_[si > 0][a];
        if (t.always || rng.next_u64() < t.value) s[i] = static_cast<std::int8_t>(-si);
      }
    }
  }
}

MetropolisMultiSpin::MetropolisMultiSpin(const Model& model) : L_(model.L), model_(model) {
  model.validate();
  const AcceptanceTable t = metropolis_table(model);
  for (int a = 0; a <= 4; ++a) {
    always_up_[a] = t[1][a].always ? ~std::uint64_t{0} : 0;
    always_down_[a] = t[0][a].always ? ~std::uint64_t{0} : 0;
  }
  for (int up = 0; up < 2; ++up)
    for (int a = 0; a <= 4; ++a) {
      if (t[up][a].always) continue;
      const std::uint64_t th = t[up][a].value;
      int g = 0;
      while (g < static_cast<int>(thresholds_.size()) && thresholds_[g] != th) ++g;
      if (g == static_cast<int>(thresholds_.size())) thresholds_.push_back(th);
      random_classes_.push_back({a, up, g});
    }
  level_mask_.resize(64 * thresholds_.size());
  for (std::size_t g = 0; g < thresholds_.size(); ++g)
    for (int k = 0; k < 64; ++k)
      level_mask_[64 * g + k] = ((thresholds_[g] >> (63 - k)) & 1u) ? ~std::uint64_t{0} : 0;
}

namespace {
constexpr int kMaxGroups = 10;  // 2 spin signs × 5 neighbour counts

// Portable acceptance: lanes in `undecided` compare their own uniform (bit b of successive words,
// most significant first) with the threshold bits `levels(k)`; one word per level while some lane
// is undecided. Returns the lanes with u < threshold.
std::uint64_t accept_portable(std::uint64_t undecided, const std::uint64_t* tm, int n_groups,
                              const std::uint64_t* level_mask, BulkStream& rng) {
  std::uint64_t flip = 0;
  for (int k = 0; k < 64 && undecided; ++k) {
    const std::uint64_t u = rng.next_u64();
    std::uint64_t t = 0;
    for (int g = 0; g < n_groups; ++g) t |= tm[g] & level_mask[64 * g + k];
    flip |= undecided & ~u & t;  // u_bit = 0 < t_bit = 1: u < threshold
    undecided &= ~(u ^ t);       // lanes with u_bit ≠ t_bit are decided
  }
  return flip;
}

#if defined(__AVX512F__)
// The same decision eight levels at a time. Element k of a zmm register is level 8q + k: the
// 64-bit stream word at that level (two 32-bit words, the first in the high half, hence the
// rotation) and the threshold bits of each lane at that level. The lanes undecided after level k
// are undecided ∧ ⋀_{j≤k} ¬(u_j ⊕ t_j): an inclusive prefix AND over the elements (three shifted
// ANDs). The site used (first level at which no lane is undecided) + 1 words, exactly as above.
// `p` points into the stream (at least 16 words readable) and is advanced past the words used.
// A read cursor over a BulkStream's buffer, kept in registers: words are consumed locally and
// handed back to the stream (advance) only when the window runs low, and at the end (sync).
struct Cursor {
  explicit Cursor(BulkStream& s) : stream(&s) { window(); }
  void window() {
    start = p = stream->peek(BulkStream::kMaxPeek);
    end = p + BulkStream::kMaxPeek;
  }
  void sync() { stream->advance(static_cast<std::size_t>(p - start)); start = p; }
  void ensure16() {
    if (end - p < 16) { sync(); window(); }
  }
  BulkStream* stream;
  const std::uint32_t *start, *p, *end;
};

inline std::uint64_t accept_avx512(std::uint64_t undecided, const std::uint64_t* tm, int tm_stride,
                                   int n_groups, const std::uint64_t* level_mask, Cursor& cur) {
  const __m512i ones = _mm512_set1_epi64(-1);
  std::uint64_t flip = 0;
  for (int q = 0; q < 8; ++q) {
    cur.ensure16();
    const std::uint32_t* const p = cur.p;
    const __m512i u = _mm512_ror_epi64(_mm512_loadu_si512(p), 32);
    __m512i t = _mm512_setzero_si512();
    for (int g = 0; g < n_groups; ++g)  // t |= tm[g] & level bits (0xF8 = A | (B & C))
      t = _mm512_ternarylogic_epi64(t, _mm512_set1_epi64(static_cast<long long>(tm[g * tm_stride])),
                                    _mm512_loadu_si512(level_mask + 64 * g + 8 * q), 0xF8);
    __m512i a = _mm512_ternarylogic_epi64(u, t, t, 0xC3);  // ¬(u ⊕ t): still undecided at k
    a = _mm512_and_si512(a, _mm512_alignr_epi64(a, ones, 7));
    a = _mm512_and_si512(a, _mm512_alignr_epi64(a, ones, 6));
    a = _mm512_and_si512(a, _mm512_alignr_epi64(a, ones, 4));
    const __m512i und = _mm512_set1_epi64(static_cast<long long>(undecided));
    const __m512i after = _mm512_and_si512(a, und);
    const __m512i before = _mm512_alignr_epi64(after, und, 7);
    // Accepted at level k: undecided before it, t_bit = 1, u_bit = 0 (0x40 = A & B & ¬C).
    flip |= static_cast<std::uint64_t>(_mm512_reduce_or_epi64(_mm512_ternarylogic_epi64(before, t, u, 0x40)));
    const __mmask8 done = _mm512_testn_epi64_mask(after, after);
    if (done) {
      cur.p = p + 2 * (std::countr_zero(static_cast<unsigned>(done)) + 1);
      return flip;
    }
    cur.p = p + 16;
    undecided = static_cast<std::uint64_t>(
        _mm_cvtsi128_si64(_mm512_castsi512_si128(_mm512_alignr_epi64(after, after, 7))));
  }
  return flip;  // lanes with u = threshold in all 64 bits: u < threshold is false
}

// Even L: same-colour sites are never neighbours, so the neighbour counts of all sites of one
// colour can be computed before any of them is updated. Eight sites of a row (x0, x0 + 2, …,
// x0 + 14) at a time: their words and right neighbours are the even and odd elements of the 16
// words from x0 (two loads and two permutes), the left neighbours the right ones shifted by one;
// periodic wrap-around and the row's end are patched with masks. The per-site acceptance then
// runs in site order, as in the scalar loop, so the stream is consumed identically.
template <typename Class>
void sweep_even_avx512(std::uint64_t* w0, int L, const Class* classes, int n_classes, int n_groups,
                       const std::uint64_t* always_up, const std::uint64_t* always_down,
                       const std::uint64_t* level_mask, Cursor& cursor) {
  const __m512i even = _mm512_set_epi64(14, 12, 10, 8, 6, 4, 2, 0);
  const __m512i odd = _mm512_set_epi64(15, 13, 11, 9, 7, 5, 3, 1);
  alignas(64) std::uint64_t tm[kMaxGroups * 8];
  alignas(64) std::uint64_t und[8], base[8];
  for (int parity = 0; parity < 2; ++parity) {
    for (int y = 0; y < L; ++y) {
      std::uint64_t* const row = w0 + static_cast<std::ptrdiff_t>(y) * L;
      const std::uint64_t* const up = w0 + static_cast<std::ptrdiff_t>(y == 0 ? L - 1 : y - 1) * L;
      const std::uint64_t* const down = w0 + static_cast<std::ptrdiff_t>(y == L - 1 ? 0 : y + 1) * L;
      for (int x0 = (y + parity) & 1; x0 < L; x0 += 16) {
        const int n_words = std::min(16, L - x0);
        const int n_sites = (n_words + 1) / 2;
        const __mmask8 m_lo = static_cast<__mmask8>(n_words >= 8 ? 0xFF : (1u << n_words) - 1);
        const __mmask8 m_hi = static_cast<__mmask8>(n_words >= 16 ? 0xFF : n_words <= 8 ? 0 : (1u << (n_words - 8)) - 1);
        auto load16 = [&](const std::uint64_t* r, const __m512i& idx) {
          const __m512i lo = _mm512_maskz_loadu_epi64(m_lo, r + x0);
          const __m512i hi = _mm512_maskz_loadu_epi64(m_hi, r + x0 + 8);
          return _mm512_permutex2var_epi64(lo, idx, hi);
        };
        const __m512i w = load16(row, even);
        __m512i right = load16(row, odd);
        if (x0 + 2 * n_sites - 1 == L)  // last site's right neighbour wraps to x = 0
          right = _mm512_mask_mov_epi64(right, static_cast<__mmask8>(1u << (n_sites - 1)),
                                        _mm512_set1_epi64(static_cast<long long>(row[0])));
        const __m512i left = _mm512_alignr_epi64(
            right, _mm512_set1_epi64(static_cast<long long>(row[x0 == 0 ? L - 1 : x0 - 1])), 7);
        const __m512i vu = load16(up, even), vd = load16(down, even);
        // e = ¬(w ⊕ neighbour) (0xC3 with the third operand unused)
        const __m512i e1 = _mm512_ternarylogic_epi64(w, left, left, 0xC3);
        const __m512i e2 = _mm512_ternarylogic_epi64(w, right, right, 0xC3);
        const __m512i e3 = _mm512_ternarylogic_epi64(w, vu, vu, 0xC3);
        const __m512i e4 = _mm512_ternarylogic_epi64(w, vd, vd, 0xC3);
        const __m512i s12 = _mm512_xor_si512(e1, e2), k12 = _mm512_and_si512(e1, e2);
        const __m512i s34 = _mm512_xor_si512(e3, e4), k34 = _mm512_and_si512(e3, e4);
        const __m512i c0 = _mm512_xor_si512(s12, s34), k = _mm512_and_si512(s12, s34);
        const __m512i c1 = _mm512_ternarylogic_epi64(k12, k34, k, 0x96);
        const __m512i c2 = _mm512_ternarylogic_epi64(k12, k34, k, 0xE8);  // majority
        const __m512i m[5] = {_mm512_ternarylogic_epi64(c0, c1, c2, 0x01),  // ¬(c0 ∨ c1 ∨ c2)
                              _mm512_andnot_si512(c1, c0), _mm512_andnot_si512(c0, c1),
                              _mm512_and_si512(c1, c0), c2};
        const __m512i nw = _mm512_ternarylogic_epi64(w, w, w, 0x55);  // ¬w
        __m512i flip = _mm512_setzero_si512();
        for (int a = 0; a <= 4; ++a) {
          const __m512i sel = _mm512_ternarylogic_epi64(w, _mm512_set1_epi64(static_cast<long long>(always_up[a])),
                                                        _mm512_set1_epi64(static_cast<long long>(always_down[a])),
                                                        0xCA);  // w ? up : down
          flip = _mm512_ternarylogic_epi64(flip, m[a], sel, 0xF8);
        }
        __m512i vt[kMaxGroups];
        for (int g = 0; g < n_groups; ++g) vt[g] = _mm512_setzero_si512();
        __m512i vund = _mm512_setzero_si512();
        for (int c = 0; c < n_classes; ++c) {
          const __m512i mask = _mm512_and_si512(m[classes[c].a], classes[c].up ? w : nw);
          vt[classes[c].group] = _mm512_or_si512(vt[classes[c].group], mask);
          vund = _mm512_or_si512(vund, mask);
        }
        for (int g = 0; g < n_groups; ++g) _mm512_store_si512(tm + 8 * g, vt[g]);
        _mm512_store_si512(und, vund);
        _mm512_store_si512(base, _mm512_xor_si512(w, flip));
        for (int j = 0; j < n_sites; ++j) {
          std::uint64_t out = base[j];
          if (und[j]) out ^= accept_avx512(und[j], tm + j, 8, n_groups, level_mask, cursor);
          row[x0 + 2 * j] = out;
        }
      }
    }
  }
}
#endif
}  // namespace

template <bool kVector>
void MetropolisMultiSpin::sweep_impl(std::span<std::uint64_t> W, Rng& rng_in) const {
  const int L = L_;
  BulkStream rng(rng_in);  // the same words as rng_in, generated in bulk; written back at the end
#if defined(__AVX512F__)
  Cursor cursor(rng);
#endif
  const RandomClass* classes = random_classes_.data();
  const int n_classes = static_cast<int>(random_classes_.size());
  const int n_groups = static_cast<int>(thresholds_.size());
  const std::uint64_t* level_mask = level_mask_.data();
  std::uint64_t* const w0 = W.data();
#if defined(__AVX512F__)
  if (kVector && L % 2 == 0) {
    sweep_even_avx512(w0, L, classes, n_classes, n_groups, always_up_.data(), always_down_.data(), level_mask,
                      cursor);
    cursor.sync();
    return;
  }
#endif
  for (int parity = 0; parity < 2; ++parity) {
    for (int y = 0; y < L; ++y) {
      std::uint64_t* const row = w0 + static_cast<std::ptrdiff_t>(y) * L;
      const std::uint64_t* const up = w0 + static_cast<std::ptrdiff_t>(y == 0 ? L - 1 : y - 1) * L;
      const std::uint64_t* const down = w0 + static_cast<std::ptrdiff_t>(y == L - 1 ? 0 : y + 1) * L;
      for (int x = (y + parity) & 1; x < L; x += 2) {
        const std::uint64_t w = row[x];
        const std::uint64_t e1 = ~(w ^ row[x == 0 ? L - 1 : x - 1]), e2 = ~(w ^ row[x == L - 1 ? 0 : x + 1]);
        const std::uint64_t e3 = ~(w ^ up[x]), e4 = ~(w ^ down[x]);
        // Bit-sliced a = e1 + e2 + e3 + e4 ∈ [0, 4] as (c2 c1 c0).
        const std::uint64_t s12 = e1 ^ e2, k12 = e1 & e2, s34 = e3 ^ e4, k34 = e3 & e4;
        const std::uint64_t c0 = s12 ^ s34, k = s12 & s34;
        const std::uint64_t c1 = k12 ^ k34 ^ k;
        const std::uint64_t c2 = (k12 & k34) | (k12 & k) | (k34 & k);
        const std::uint64_t m[5] = {~(c0 | c1 | c2), c0 & ~c1, c1 & ~c0, c1 & c0, c2};
        std::uint64_t flip = 0;
        for (int a = 0; a <= 4; ++a) flip |= m[a] & ((w & always_up_[a]) | (~w & always_down_[a]));
        // Lanes that need a uniform, grouped by threshold.
        std::uint64_t tm[kMaxGroups] = {};
        std::uint64_t undecided = 0;
        for (int c = 0; c < n_classes; ++c) {
          const std::uint64_t mask = m[classes[c].a] & (classes[c].up ? w : ~w);
          tm[classes[c].group] |= mask;
          undecided |= mask;
        }
        if (undecided) {
#if defined(__AVX512F__)
          if constexpr (kVector)
            flip |= accept_avx512(undecided, tm, 1, n_groups, level_mask, cursor);
          else
#endif
            flip |= accept_portable(undecided, tm, n_groups, level_mask, rng);
        }
        row[x] = w ^ flip;
      }
    }
  }
#if defined(__AVX512F__)
  cursor.sync();
#endif
}

void MetropolisMultiSpin::sweep_portable(std::span<std::uint64_t> W, Rng& rng) const {
  sweep_impl<false>(W, rng);
}

#if defined(__AVX512F__)
void MetropolisMultiSpin::sweep_avx512(std::span<std::uint64_t> W, Rng& rng) const {
  sweep_impl<true>(W, rng);
}
#endif

void MetropolisMultiSpin::sweep(std::span<std::uint64_t> W, Rng& rng) const {
#if defined(__AVX512F__)
  sweep_avx512(W, rng);
#else
  sweep_portable(W, rng);
#endif
}

namespace {
// Bit-sliced vertical counter: adds one bit per lane.
struct LaneCounter {
  std::array<std::uint64_t, 40> planes{};
  void add(std::uint64_t x) {
    for (std::size_t k = 0; x && k < planes.size(); ++k) {
      const std::uint64_t carry = planes[k] & x;
      planes[k] ^= x;
      x = carry;
    }
  }
  std::int64_t lane(int b) const {
    std::int64_t v = 0;
    for (std::size_t k = 0; k < planes.size(); ++k) v |= static_cast<std::int64_t>((planes[k] >> b) & 1u) << k;
    return v;
  }
};
}  // namespace

std::array<Measurement, MetropolisMultiSpin::kLanes> MetropolisMultiSpin::measure_lanes(
    std::span<const std::uint64_t> W) const {
  const int L = L_;
  const int N = L * L;
  LaneCounter unsatisfied, up;
  for (int i = 0; i < N; ++i) {
    unsatisfied.add(W[i] ^ W[right_of(i, L)]);
    unsatisfied.add(W[i] ^ W[down_of(i, L)]);
    up.add(W[i]);
  }
  std::array<Measurement, kLanes> out{};
  const double n = N;
  for (int b = 0; b < kLanes; ++b) {
    const double bonds = 2.0 * n - 2.0 * static_cast<double>(unsatisfied.lane(b));
    const double mag = 2.0 * static_cast<double>(up.lane(b)) - n;
    out[b] = {(-model_.coupling * bonds - model_.field * mag) / n, mag / n};
  }
  return out;
}

void MetropolisMultiSpin::extract_lane(std::span<const std::uint64_t> W, int lane, std::span<std::int8_t> out) {
  for (std::size_t i = 0; i < W.size(); ++i) out[i] = ((W[i] >> lane) & 1u) ? 1 : -1;
}

void MetropolisMultiSpin::insert_lane(std::span<std::uint64_t> W, int lane, std::span<const std::int8_t> s) {
  const std::uint64_t bit = std::uint64_t{1} << lane;
  for (std::size_t i = 0; i < W.size(); ++i) W[i] = s[i] > 0 ? (W[i] | bit) : (W[i] & ~bit);
}

}  // namespace rgflow::ising
