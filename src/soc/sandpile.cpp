#include "rgflow/soc/sandpile.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

#include "rgflow/core/error.hpp"

namespace rgflow::soc {

Sandpile::Sandpile(int L) : L_(L), W_(L + 2) {
  if (L < 1 || L > kMaxSide)
    throw Error(fmt::format("lattice side {} outside 1..{}", L, kMaxSide));
  const auto padded_sites = static_cast<std::size_t>(W_) * static_cast<std::size_t>(W_);
  z_.assign(padded_sites, 0);
  sink_.assign(padded_sites, 0);
  toppled_.assign(padded_sites, 0);
  for (int y = 0; y < L; ++y)
    for (int x = 0; x < L; ++x) {
      std::uint8_t mask = 0;
      if (y == 0) mask |= 1;        // up
      if (x == 0) mask |= 2;        // left
      if (x == L - 1) mask |= 4;    // right
      if (y == L - 1) mask |= 8;    // down
      sink_[padded(std::int64_t{y} * L + x)] = mask;
    }
  const auto n = static_cast<std::size_t>(sites());
  front_.resize(n + 1);  // + 1: the branch-free kernel stores one index past the last kept one
  next_.resize(n + 1);
  touched_.resize(n + 1);
}

std::vector<std::uint8_t> Sandpile::heights() const {
  std::vector<std::uint8_t> out(static_cast<std::size_t>(sites()));
  for (int y = 0; y < L_; ++y)
    for (int x = 0; x < L_; ++x)
      out[static_cast<std::size_t>(y) * L_ + x] = z_[static_cast<std::size_t>(y + 1) * W_ + x + 1];
  return out;
}

void Sandpile::set_heights(std::span<const std::uint8_t> z) {
  if (static_cast<std::int64_t>(z.size()) != sites())
    throw Error(fmt::format("configuration has {} heights, expected {} for L = {}", z.size(), sites(), L_));
  for (std::size_t i = 0; i < z.size(); ++i) {
    if (z[i] > kMaxInputHeight)
      throw Error(fmt::format("height {} at site {} exceeds {}", int{z[i]}, i, kMaxInputHeight));
    z_[padded(static_cast<std::int64_t>(i))] = z[i];
  }
}

bool Sandpile::stable() const {
  for (std::int64_t i = 0; i < sites(); ++i)
    if (z_[padded(i)] >= kThreshold) return false;
  return true;
}

std::array<std::int64_t, 4> Sandpile::height_counts() const {
  // Per row, byte compares the compiler vectorises; z ≥ 4 (unstable) counts as 3.
  std::array<std::int64_t, 4> counts{};
  for (int y = 0; y < L_; ++y) {
    const std::uint8_t* row = z_.data() + static_cast<std::size_t>(y + 1) * W_ + 1;
    std::int64_t c0 = 0, c1 = 0, c2 = 0;
    for (int x = 0; x < L_; ++x) {
      c0 += row[x] == 0;
      c1 += row[x] == 1;
      c2 += row[x] == 2;
    }
    counts[0] += c0;
    counts[1] += c1;
    counts[2] += c2;
  }
  counts[3] = sites() - counts[0] - counts[1] - counts[2];
  return counts;
}

void Sandpile::add_grain_unrelaxed(std::int32_t site) {
  if (site < 0 || site >= sites()) throw Error(fmt::format("site {} outside the lattice", site));
  std::uint8_t& z = z_[padded(site)];
  if (z >= kMaxInputHeight) throw Error(fmt::format("height at site {} would exceed {}", site, kMaxInputHeight));
  ++z;
}

Avalanche Sandpile::add_grain(std::int32_t site) {
  const std::size_t p = padded(site);
  if (++z_[p] < kThreshold) return {};
  front_[0] = static_cast<std::int32_t>(p);
  return relax_front<false>(1, nullptr);
}

Avalanche Sandpile::add_grain(std::int32_t site, Odometer& odometer) {
  odometer.sites.clear();
  odometer.counts.clear();
  const std::size_t p = padded(site);
  if (++z_[p] < kThreshold) return {};
  if (count_.empty()) count_.assign(z_.size(), 0);
  front_[0] = static_cast<std::int32_t>(p);
  return relax_front<true>(1, &odometer);
}

Avalanche Sandpile::relax() {
  std::int32_t n = 0;
  for (int y = 0; y < L_; ++y)
    for (int x = 0; x < L_; ++x) {
      const auto p = static_cast<std::int32_t>((y + 1) * W_ + x + 1);
      if (z_[static_cast<std::size_t>(p)] >= kThreshold) front_[static_cast<std::size_t>(n++)] = p;
    }
  if (n == 0) return {};
  return relax_front<false>(n, nullptr);
}

// Parallel-update relaxation. Invariant: at the start of a generation `front` lists every
// unstable site exactly once. A site is appended to `next` when it is still unstable right after
// its own toppling, or when a grain lifts it from 3 to exactly 4; both cannot happen to one site
// in one generation, so fronts never exceed L² entries and need no bounds checks.
template <bool kOdometer>
Avalanche Sandpile::relax_front(std::int32_t front_size, Odometer* odometer) {
  std::uint8_t* const z = z_.data();
  const std::uint8_t* const sink = sink_.data();
  std::uint8_t* const toppled = toppled_.data();
  std::int32_t* const count = kOdometer ? count_.data() : nullptr;
  std::int32_t* cur = front_.data();
  std::int32_t* nxt = next_.data();
  std::int32_t* const touched = touched_.data();
  const std::int32_t W = W_;
  std::int64_t size = 0;
  std::int32_t area = 0;
  std::int32_t duration = 0;
  std::int32_t n = front_size;
  while (n > 0) {
    ++duration;
    size += n;
    std::int32_t m = 0;
    for (std::int32_t k = 0; k < n; ++k) {
      // Branch-free: the tests below are data-dependent coin flips (a neighbour at height 3 is
      // ~45 % likely), so each index is stored unconditionally and the count advanced by the
      // comparison; fronts have one spare slot for the store past the end.
      const std::int32_t s = cur[k];
      const auto zs = static_cast<std::uint8_t>(z[s] - kThreshold);
      z[s] = zs;
      nxt[m] = s;
      m += zs >= kThreshold;
      touched[area] = s;
      area += toppled[s] ^ 1;
      toppled[s] = 1;
      if constexpr (kOdometer) ++count[s];
      const std::uint8_t edge = sink[s];
      if (edge == 0) [[likely]] {
        const std::int32_t nb[4] = {s - W, s - 1, s + 1, s + W};
        for (const std::int32_t t : nb) {
          const auto v = static_cast<std::uint8_t>(z[t] + 1);
          z[t] = v;
          nxt[m] = t;
          m += v == kThreshold;
        }
      } else {
        const std::int32_t nb[4] = {s - W, s - 1, s + 1, s + W};
        for (int d = 0; d < 4; ++d) {
          if (edge & (1 << d)) continue;  // that grain leaves to the sink
          const std::int32_t t = nb[d];
          const auto v = static_cast<std::uint8_t>(z[t] + 1);
          z[t] = v;
          nxt[m] = t;
          m += v == kThreshold;
        }
      }
    }
    std::swap(cur, nxt);
    n = m;
  }
  // Radius of gyration over the distinct toppled sites; clear the marks for the next avalanche.
  double sx = 0.0, sy = 0.0, sxx = 0.0;
  for (std::int32_t k = 0; k < area; ++k) {
    const std::int32_t s = touched[k];
    toppled[s] = 0;
    const double y = s / W, x = s % W;
    sx += x;
    sy += y;
    sxx += x * x + y * y;
  }
  if constexpr (kOdometer) {
    odometer->sites.resize(static_cast<std::size_t>(area));
    odometer->counts.resize(static_cast<std::size_t>(area));
    for (std::int32_t k = 0; k < area; ++k) {
      const std::int32_t s = touched[k];
      odometer->sites[static_cast<std::size_t>(k)] = (s / W - 1) * L_ + (s % W - 1);
      odometer->counts[static_cast<std::size_t>(k)] = count[s];
      count[s] = 0;
    }
  }
  Avalanche a;
  a.size = size;
  a.area = area;
  a.duration = duration;
  const double inv = 1.0 / static_cast<double>(area);
  const double r2 = sxx * inv - (sx * inv) * (sx * inv) - (sy * inv) * (sy * inv);
  a.radius = std::sqrt(r2 > 0.0 ? r2 : 0.0);
  return a;
}

std::vector<std::uint8_t> add_configurations(int L, std::span<const std::uint8_t> a,
                                             std::span<const std::uint8_t> b) {
  if (a.size() != b.size()) throw Error("configurations of different sizes");
  std::vector<std::uint8_t> sum(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] >= kThreshold || b[i] >= kThreshold)
      throw Error(fmt::format("height at site {} is not stable (0..3)", i));
    sum[i] = static_cast<std::uint8_t>(a[i] + b[i]);
  }
  Sandpile pile(L);
  pile.set_heights(sum);
  pile.relax();
  return pile.heights();
}

}  // namespace rgflow::soc
