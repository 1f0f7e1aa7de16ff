#include "rgflow/ising/cluster.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "rgflow/core/error.hpp"
#include "rgflow/ising/philox_bulk.hpp"

namespace rgflow::ising {
namespace {
Threshold fk_bond(const Model& model, const char* name, bool antiferro_allowed) {
  model.validate();
  if (antiferro_allowed ? (model.coupling == 0.0 || model.field != 0.0) : (!(model.coupling > 0.0) || model.field != 0.0))
    throw Error(std::string(name) + (antiferro_allowed ? " needs a nonzero coupling and zero field"
                                                       : " needs a ferromagnetic coupling (J > 0) and zero field"));
  return Threshold::from_probability(-std::expm1(-2.0 * std::abs(model.coupling) / model.temperature));
}
}  // namespace

Wolff::Wolff(const Model& model) : L_(model.L), bond_(fk_bond(model, "Wolff", false)) {
  stack_.resize(static_cast<std::size_t>(model.sites()));
}

namespace {
// Rng::below's algorithm (Lemire's multiply-and-reject on 64-bit words), on a BulkStream, so the
// draws are exactly the ones Rng::below would make.
std::uint64_t below(BulkStream& rng, std::uint64_t n) {
  __extension__ typedef unsigned __int128 u128;  // as in core/rng.cpp
  u128 m = static_cast<u128>(rng.next_u64()) * n;
  auto low = static_cast<std::uint64_t>(m);
  if (low < n) {
    const std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<u128>(rng.next_u64()) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}
}  // namespace

// The stack holds sites as (y << 16) | x, so neighbours need no division; each aligned neighbour
// not yet in the cluster costs one 64-bit uniform against the integer threshold, in the order
// left, right, up, down — the draws (and so the chain) are those of the per-word Rng kernel.
std::int64_t Wolff::grow(std::span<std::int8_t> s, BulkStream& rng) {
  const int L = L_;
  const std::uint64_t threshold = bond_.value;
  const bool always = bond_.always;
  const auto seed = static_cast<std::uint32_t>(below(rng, static_cast<std::uint64_t>(L) * L));
  const std::int8_t s0 = s[seed];
  const auto flipped = static_cast<std::int8_t>(-s0);
  std::int8_t* const sp = s.data();
  sp[seed] = flipped;  // flipping on entry marks the site as in the cluster
  std::uint32_t* const stack = stack_.data();
  std::size_t top = 0;
  stack[top++] = ((seed / static_cast<std::uint32_t>(L)) << 16) | (seed % static_cast<std::uint32_t>(L));
  std::int64_t size = 1;
  const std::uint32_t last = static_cast<std::uint32_t>(L - 1);
  while (top > 0) {
    const std::uint32_t c = stack[--top];
    const std::uint32_t x = c & 0xFFFFu, y = c >> 16;
    const std::uint32_t xl = x == 0 ? last : x - 1, xr = x == last ? 0 : x + 1;
    const std::uint32_t yu = y == 0 ? last : y - 1, yd = y == last ? 0 : y + 1;
    const std::uint32_t row = y * static_cast<std::uint32_t>(L);
    const std::uint32_t nx[4] = {xl, xr, x, x};
    const std::uint32_t ny[4] = {y, y, yu, yd};
    const std::uint32_t idx[4] = {row + xl, row + xr, yu * static_cast<std::uint32_t>(L) + x,
                                  yd * static_cast<std::uint32_t>(L) + x};
    for (int k = 0; k < 4; ++k) {
      const std::uint32_t j = idx[k];
      if (sp[j] == s0 && (always || rng.next_u64() < threshold)) {
        sp[j] = flipped;
        stack[top++] = (ny[k] << 16) | nx[k];
        ++size;
      }
    }
  }
  return size;
}

std::int64_t Wolff::flip_cluster(std::span<std::int8_t> s, Rng& rng_in) {
  BulkStream rng(rng_in);
  return grow(s, rng);
}

void Wolff::sweep(std::span<std::int8_t> s, Rng& rng_in) {
  BulkStream rng(rng_in);  // one buffer for all clusters of the sweep
  if (clusters_per_sweep_ > 0) {
    for (std::int64_t k = 0; k < clusters_per_sweep_; ++k) grow(s, rng);
    return;
  }
  const std::int64_t n = static_cast<std::int64_t>(L_) * L_;
  for (std::int64_t done = 0; done < n;) {
    const std::int64_t size = grow(s, rng);
    done += size;
    flipped_ += size;
    ++clusters_;
  }
}

void Wolff::end_thermalization(std::span<std::int8_t> s, Rng& rng) {
  if (clusters_ == 0) sweep(s, rng);
  const double n = static_cast<double>(L_) * L_;
  const double mean_size = static_cast<double>(flipped_) / static_cast<double>(clusters_);
  clusters_per_sweep_ = std::max<std::int64_t>(1, std::llround(n / mean_size));
}

SwendsenWang::SwendsenWang(const Model& model)
    : L_(model.L), bond_(fk_bond(model, "Swendsen-Wang", true)), antiferro_(model.coupling < 0.0) {
  const auto n = static_cast<std::size_t>(model.sites());
  parent_.resize(n);
  size_.resize(n);
  flip_.resize(n);
}

int SwendsenWang::find(int i) {
  while (parent_[i] != i) {
    parent_[i] = parent_[parent_[i]];  // path halving
    i = parent_[i];
  }
  return i;
}

void SwendsenWang::unite(int a, int b) {
  a = find(a);
  b = find(b);
  if (a == b) return;
  if (size_[a] < size_[b]) std::swap(a, b);
  parent_[b] = a;
  size_[a] += size_[b];
}

void SwendsenWang::sweep(std::span<std::int8_t> s, Rng& rng) {
  const int L = L_;
  const int N = L * L;
  for (int i = 0; i < N; ++i) {
    parent_[i] = i;
    size_[i] = 1;
    flip_[i] = -1;  // undecided
  }
  for (int i = 0; i < N; ++i) {
    const int r = right_of(i, L), d = down_of(i, L);
    if ((s[i] == s[r]) != antiferro_ && bond_.accept(rng.next_u64())) unite(i, r);
    if ((s[i] == s[d]) != antiferro_ && bond_.accept(rng.next_u64())) unite(i, d);
  }
  std::uint32_t bits = 0;
  int bits_left = 0;
  for (int i = 0; i < N; ++i) {
    const int root = find(i);
    if (flip_[root] < 0) {
      if (bits_left == 0) {
        bits = rng();
        bits_left = 32;
      }
      flip_[root] = static_cast<std::int8_t>(bits & 1u);
      bits >>= 1;
      --bits_left;
    }
    if (flip_[root]) s[i] = static_cast<std::int8_t>(-s[i]);
  }
}

}  // namespace rgflow::ising
