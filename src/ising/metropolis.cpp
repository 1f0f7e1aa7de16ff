#include "rgflow/ising/metropolis.hpp"

#include <cmath>

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
  for (int up = 0; up < 2; ++up)
    for (int a = 0; a <= 4; ++a) {
      always_[up][a] = t[up][a].always;
      if (!t[up][a].always) random_classes_.push_back({a, up, t[up][a].value});
    }
}

void MetropolisMultiSpin::sweep(std::span<std::uint64_t> W, Rng& rng_in) const {
  const int L = L_;
  BulkStream rng(rng_in);  // the same words as rng_in, generated in bulk; written back at the end
  const RandomClass* classes = random_classes_.data();
  const std::size_t n_classes = random_classes_.size();
  for (int parity = 0; parity < 2; ++parity) {
    for (int y = 0; y < L; ++y) {
      for (int x = (y + parity) & 1; x < L; x += 2) {
        const int i = y * L + x;
        const std::uint64_t w = W[i];
        const std::uint64_t e1 = ~(w ^ W[left_of(i, L)]), e2 = ~(w ^ W[right_of(i, L)]);
        const std::uint64_t e3 = ~(w ^ W[up_of(i, L)]), e4 = ~(w ^ W[down_of(i, L)]);
        // Bit-sliced a = e1 + e2 + e3 + e4 ∈ [0, 4] as (c2 c1 c0).
        const std::uint64_t s12 = e1 ^ e2, k12 = e1 & e2, s34 = e3 ^ e4, k34 = e3 & e4;
        const std::uint64_t c0 = s12 ^ s34, k = s12 & s34;
        const std::uint64_t c1 = k12 ^ k34 ^ k;
        const std::uint64_t c2 = (k12 & k34) | (k12 & k) | (k34 & k);
        const std::uint64_t m[5] = {~(c0 | c1 | c2), c0 & ~c1, c1 & ~c0, c1 & c0, c2};
        std::uint64_t flip = 0;
        for (int a = 0; a <= 4; ++a) {
          if (always_[1][a]) flip |= m[a] & w;
          if (always_[0][a]) flip |= m[a] & ~w;
        }
        // Lanes that need a uniform: compare u < threshold bit-sliced, MSB first.
        std::uint64_t class_mask[10];
        std::uint64_t undecided = 0;
        for (std::size_t c = 0; c < n_classes; ++c) {
          class_mask[c] = m[classes[c].a] & (classes[c].up ? w : ~w);
          undecided |= class_mask[c];
        }
        for (int bit = 63; bit >= 0 && undecided; --bit) {
          const std::uint64_t u = rng.next_u64();
          std::uint64_t t = 0;
          for (std::size_t c = 0; c < n_classes; ++c)
            t |= class_mask[c] & (std::uint64_t{0} - ((classes[c].threshold >> bit) & 1u));
          flip |= undecided & ~u & t;  // u_bit = 0 < t_bit = 1: u < threshold
          undecided &= ~(u ^ t);       // lanes with u_bit ≠ t_bit are decided
        }
        W[i] = w ^ flip;
      }
    }
  }
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
