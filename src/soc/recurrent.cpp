#include "rgflow/soc/recurrent.hpp"

#include <fmt/format.h>

#include <array>
#include <bit>
#include <map>

#include "rgflow/core/error.hpp"
#include "rgflow/soc/sandpile.hpp"

namespace rgflow::soc {

namespace {

void check_side(int L) {
  if (L < 1 || L > kMaxSide) throw Error(fmt::format("lattice side {} outside 1..{}", L, kMaxSide));
}

void check_stable(int L, std::span<const std::uint8_t> z) {
  check_side(L);
  if (static_cast<std::int64_t>(z.size()) != std::int64_t{L} * L)
    throw Error(fmt::format("configuration has {} heights, expected {} for L = {}", z.size(),
                            std::int64_t{L} * L, L));
  for (std::size_t i = 0; i < z.size(); ++i)
    if (z[i] >= kThreshold) throw Error(fmt::format("height {} at site {} is not stable (0..3)", int{z[i]}, i));
}

// Neighbour of site i in direction d, or −1 for the sink.
inline std::int64_t neighbour(int L, std::int64_t i, int d) {
  const std::int64_t x = i % L, y = i / L;
  switch (d) {
    case kUp: return y > 0 ? i - L : -1;
    case kLeft: return x > 0 ? i - 1 : -1;
    case kRight: return x < L - 1 ? i + 1 : -1;
    default: return y < L - 1 ? i + L : -1;
  }
}

// Burning generations: time[i] = generation in which site i burns (≥ 1), or −1 if it never does.
std::vector<std::int32_t> burning_times(int L, std::span<const std::uint8_t> z) {
  const std::int64_t N = std::int64_t{L} * L;
  std::vector<std::int32_t> time(static_cast<std::size_t>(N), -1);
  std::vector<std::uint8_t> queued(static_cast<std::size_t>(N), 0);
  std::vector<std::int64_t> candidates, burning;
  for (std::int64_t i = 0; i < N; ++i) {
    const std::int64_t x = i % L, y = i / L;
    if (x == 0 || y == 0 || x == L - 1 || y == L - 1) {
      candidates.push_back(i);
      queued[static_cast<std::size_t>(i)] = 1;
    }
  }
  for (std::int32_t t = 1; !candidates.empty(); ++t) {
    burning.clear();
    for (const std::int64_t v : candidates) {
      queued[static_cast<std::size_t>(v)] = 0;
      int unburnt = 0;
      for (int d = 0; d < 4; ++d) {
        const std::int64_t u = neighbour(L, v, d);
        if (u >= 0 && time[static_cast<std::size_t>(u)] < 0) ++unburnt;
      }
      if (z[static_cast<std::size_t>(v)] >= unburnt) burning.push_back(v);
    }
    for (const std::int64_t v : burning) time[static_cast<std::size_t>(v)] = t;  // after the sweep
    candidates.clear();
    for (const std::int64_t v : burning)
      for (int d = 0; d < 4; ++d) {
        const std::int64_t u = neighbour(L, v, d);
        if (u >= 0 && time[static_cast<std::size_t>(u)] < 0 && !queued[static_cast<std::size_t>(u)]) {
          queued[static_cast<std::size_t>(u)] = 1;
          candidates.push_back(u);
        }
      }
  }
  return time;
}

}  // namespace

bool is_recurrent(int L, std::span<const std::uint8_t> z) {
  check_stable(L, z);
  for (const std::int32_t t : burning_times(L, z))
    if (t < 0) return false;
  return true;
}

std::vector<std::uint8_t> burning_tree(int L, std::span<const std::uint8_t> z) {
  check_stable(L, z);
  const std::vector<std::int32_t> time = burning_times(L, z);
  const std::int64_t N = std::int64_t{L} * L;
  std::vector<std::uint8_t> parent(static_cast<std::size_t>(N));
  for (std::int64_t v = 0; v < N; ++v) {
    const std::int32_t t = time[static_cast<std::size_t>(v)];
    if (t < 0) throw Error(fmt::format("configuration is not recurrent (site {} does not burn)", v));
    int b = 0;
    std::array<int, 4> previous{};  // directions that burnt in generation t − 1
    int k = 0;
    for (int d = 0; d < 4; ++d) {
      const std::int64_t u = neighbour(L, v, d);
      const std::int32_t tu = u < 0 ? 0 : time[static_cast<std::size_t>(u)];
      if (tu >= 0 && tu <= t - 1) ++b;
      if (tu == t - 1) previous[static_cast<std::size_t>(k++)] = d;
    }
    const int rank = z[static_cast<std::size_t>(v)] - (kThreshold - b);
    if (rank < 0 || rank >= k) throw std::logic_error("burning bijection: height outside its window");
    parent[static_cast<std::size_t>(v)] = static_cast<std::uint8_t>(previous[static_cast<std::size_t>(rank)]);
  }
  return parent;
}

std::vector<std::uint8_t> tree_configuration(int L, std::span<const std::uint8_t> parent) {
  check_side(L);
  const std::int64_t N = std::int64_t{L} * L;
  if (static_cast<std::int64_t>(parent.size()) != N)
    throw Error(fmt::format("tree has {} parent directions, expected {}", parent.size(), N));
  for (std::size_t i = 0; i < parent.size(); ++i)
    if (parent[i] > kDown) throw Error(fmt::format("parent direction {} at site {} outside 0..3", int{parent[i]}, i));
  // Depths by following parents (iteratively, memoised); a cycle means no tree.
  std::vector<std::int32_t> depth(static_cast<std::size_t>(N), -1);
  std::vector<std::int64_t> path;
  for (std::int64_t v = 0; v < N; ++v) {
    path.clear();
    std::int64_t u = v;
    std::int32_t base = 0;
    while (u >= 0 && depth[static_cast<std::size_t>(u)] < 0) {
      if (static_cast<std::int64_t>(path.size()) > N) throw Error("parent directions contain a cycle: not a spanning tree");
      path.push_back(u);
      u = neighbour(L, u, parent[static_cast<std::size_t>(u)]);
    }
    if (u >= 0) base = depth[static_cast<std::size_t>(u)];
    for (auto it = path.rbegin(); it != path.rend(); ++it) depth[static_cast<std::size_t>(*it)] = ++base;
  }
  std::vector<std::uint8_t> z(static_cast<std::size_t>(N));
  for (std::int64_t v = 0; v < N; ++v) {
    const std::int32_t t = depth[static_cast<std::size_t>(v)];
    int b = 0, rank = -1, k = 0;
    for (int d = 0; d < 4; ++d) {
      const std::int64_t u = neighbour(L, v, d);
      const std::int32_t tu = u < 0 ? 0 : depth[static_cast<std::size_t>(u)];
      if (tu <= t - 1) ++b;
      if (tu == t - 1) {
        if (d == parent[static_cast<std::size_t>(v)]) rank = k;
        ++k;
      }
    }
    if (rank < 0) throw std::logic_error("tree_configuration: parent not one generation up");
    z[static_cast<std::size_t>(v)] = static_cast<std::uint8_t>(kThreshold - b + rank);
  }
  return z;
}

std::vector<std::uint8_t> wilson_tree(int L, Rng& rng) {
  check_side(L);
  const std::int64_t N = std::int64_t{L} * L;
  std::vector<std::uint8_t> parent(static_cast<std::size_t>(N), 0);
  std::vector<std::uint8_t> in_tree(static_cast<std::size_t>(N), 0);
  std::uint32_t word = 0;
  int left = 0;  // directions (2 bits each) left in `word`
  for (std::int64_t start = 0; start < N; ++start) {
    // Random walk from `start` until it hits the tree; parent[] keeps the last exit direction of
    // every visited site, which is the loop-erased path (Wilson 1996).
    std::int64_t u = start;
    while (u >= 0 && !in_tree[static_cast<std::size_t>(u)]) {
      if (left == 0) {
        word = rng();
        left = 16;
      }
      const auto d = static_cast<std::uint8_t>(word & 3u);
      word >>= 2;
      --left;
      parent[static_cast<std::size_t>(u)] = d;
      u = neighbour(L, u, d);
    }
    for (u = start; u >= 0 && !in_tree[static_cast<std::size_t>(u)];
         u = neighbour(L, u, parent[static_cast<std::size_t>(u)]))
      in_tree[static_cast<std::size_t>(u)] = 1;
  }
  return parent;
}

std::vector<std::uint8_t> sample_recurrent(int L, Rng& rng) { return tree_configuration(L, wilson_tree(L, rng)); }

// ---------------------------------------------------------------------------------------------
// Enumeration (N = L² ≤ 25 sites: one 32-bit mask per neighbourhood).

namespace {

struct SmallLattice {
  int n = 0;
  std::array<std::uint32_t, 32> nbr{};  // lattice neighbours of each site (the sink not included)
  explicit SmallLattice(int L) : n(L * L) {
    for (int i = 0; i < n; ++i)
      for (int d = 0; d < 4; ++d) {
        const std::int64_t u = neighbour(L, i, d);
        if (u >= 0) nbr[static_cast<std::size_t>(i)] |= 1u << u;
      }
  }
  // Burning to the fixed point (sequential order gives the same burnt set as generations:
  // burning only ever makes more sites burnable).
  bool recurrent(const std::uint8_t* z) const {
    std::uint32_t unburnt = n == 32 ? ~0u : (1u << n) - 1u;
    bool changed = true;
    while (changed && unburnt) {
      changed = false;
      for (std::uint32_t m = unburnt; m; m &= m - 1) {
        const int i = std::countr_zero(m);
        if (z[i] >= std::popcount(nbr[static_cast<std::size_t>(i)] & unburnt)) {
          unburnt &= ~(1u << i);
          changed = true;
        }
      }
    }
    return unburnt == 0;
  }
};

struct Tally {
  std::uint64_t count = 0;
  std::array<std::uint64_t, 4> height_sum{};
  std::uint64_t tests = 0;
  void add(const Tally& o) {
    count += o.count;
    for (int h = 0; h < 4; ++h) height_sum[static_cast<std::size_t>(h)] += o.height_sum[static_cast<std::size_t>(h)];
    tests += o.tests;
  }
};

// One half of the lattice (rows [row0, row0 + rows)) for the split enumeration. Its interface row
// (the last row of the top half, the first row of the bottom half) borders the other half.
struct Half {
  int L = 0, rows = 0, n = 0;
  bool top = true;
  std::array<std::uint32_t, 16> nbr{};  // neighbours inside the half
  std::array<int, 16> across{};         // column of the other half's neighbour, or −1

  Half(int L_, int rows_, bool top_) : L(L_), rows(rows_), n(L_ * rows_), top(top_) {
    for (int i = 0; i < n; ++i) {
      const int x = i % L, y = i / L;
      std::uint32_t m = 0;
      if (y > 0) m |= 1u << (i - L);
      if (y < rows - 1) m |= 1u << (i + L);
      if (x > 0) m |= 1u << (i - 1);
      if (x < L - 1) m |= 1u << (i + 1);
      nbr[static_cast<std::size_t>(i)] = m;
      across[static_cast<std::size_t>(i)] = (top ? y == rows - 1 : y == 0) ? x : -1;
    }
  }
  // Burns the half with the other half's interface sites in `burnt_across` (column bits) burnt and
  // the rest of the other half unburnt; returns the unburnt mask.
  std::uint32_t burn(const std::uint8_t* z, std::uint32_t burnt_across) const {
    std::uint32_t unburnt = (1u << n) - 1u;
    bool changed = true;
    while (changed && unburnt) {
      changed = false;
      for (std::uint32_t m = unburnt; m; m &= m - 1) {
        const int i = std::countr_zero(m);
        const int c = across[static_cast<std::size_t>(i)];
        const int outside = c >= 0 && !((burnt_across >> c) & 1u);
        if (z[i] >= std::popcount(nbr[static_cast<std::size_t>(i)] & unburnt) + outside) {
          unburnt &= ~(1u << i);
          changed = true;
        }
      }
    }
    return unburnt;
  }
  // Burnt columns of the interface row, from an unburnt mask.
  std::uint32_t interface_burnt(std::uint32_t unburnt) const {
    const int first = top ? (rows - 1) * L : 0;
    return ~(unburnt >> first) & ((1u << L) - 1u);
  }
};

// Configurations of one half grouped by their burning response: for every set of burnt columns
// across the interface, the burnt columns of the own interface row and whether all sites burn.
struct Response {
  std::uint64_t count = 0;
  std::array<std::uint64_t, 4> height_sum{};
};
std::map<std::array<std::uint8_t, 16>, Response> half_responses(const Half& h) {
  std::map<std::array<std::uint8_t, 16>, Response> groups;
  const std::uint64_t configs = std::uint64_t{1} << (2 * h.n);
  std::array<std::uint8_t, 16> z{};
  for (std::uint64_t c = 0; c < configs; ++c) {
    std::array<std::uint64_t, 4> hist{};
    for (int i = 0; i < h.n; ++i) {
      z[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>((c >> (2 * i)) & 3);
      ++hist[z[static_cast<std::size_t>(i)]];
    }
    std::array<std::uint8_t, 16> key{};
    for (std::uint32_t S = 0; S < (1u << h.L); ++S) {
      const std::uint32_t unburnt = h.burn(z.data(), S);
      key[S] = static_cast<std::uint8_t>(h.interface_burnt(unburnt) | (unburnt == 0 ? 16u : 0u));
    }
    Response& r = groups[key];
    ++r.count;
    for (int k = 0; k < 4; ++k) r.height_sum[static_cast<std::size_t>(k)] += hist[static_cast<std::size_t>(k)];
  }
  return groups;
}

}  // namespace

RecurrentEnumeration enumerate_recurrent(int L, EnumerationMethod method, const StopPoll& poll) {
  if (L < 1 || L > kMaxEnumerationSide)
    throw Error(fmt::format("enumeration of recurrent configurations needs 1 <= L <= {}, got {}", kMaxEnumerationSide, L));
  RecurrentEnumeration r;
  if (method == EnumerationMethod::split && L >= 2) {
    // Every configuration is a (top, bottom) pair; its burning is the least fixed point of the
    // two halves' responses, iterated from "nothing burnt across" (burning is monotone).
    const Half top(L, L / 2, true), bottom(L, L - L / 2, false);
    const auto T = half_responses(top), B = half_responses(bottom);
    if (poll && poll()) throw Cancelled();
    for (const auto& [kt, rt] : T)
      for (const auto& [kb, rb] : B) {
        std::uint32_t tb = 0, bb = 0;  // burnt interface columns of top / bottom
        for (;;) {
          const std::uint32_t t_new = kt[bb] & 15u;
          const std::uint32_t b_new = kb[t_new] & 15u;
          if (t_new == tb && b_new == bb) break;
          tb = t_new;
          bb = b_new;
        }
        ++r.burning_tests;
        if ((kt[bb] & 16u) && (kb[tb] & 16u)) {
          r.count += rt.count * rb.count;
          for (int k = 0; k < 4; ++k)
            r.height_sum[static_cast<std::size_t>(k)] += rt.height_sum[static_cast<std::size_t>(k)] * rb.count +
                                                         rb.height_sum[static_cast<std::size_t>(k)] * rt.count;
        }
      }
    r.burning_tests += (std::uint64_t{1} << (2 * top.n + top.L)) + (std::uint64_t{1} << (2 * bottom.n + bottom.L));
    return r;
  }
  // Brute force: all 4^(L²) configurations, each burnt on its own (OpenMP over the first sites'
  // heights: a fixed split; integer sums do not depend on the thread count).
  const SmallLattice lat(L);
  const int n = lat.n;
  const int head = std::min(n, 4);
  const std::int64_t items = std::int64_t{1} << (2 * head);
  std::vector<Tally> tallies(static_cast<std::size_t>(items));
  StopSignal signal(poll);
#pragma omp parallel
  {
#pragma omp for schedule(dynamic, 1) nowait
    for (std::int64_t item = 0; item < items; ++item) {
      const StopItem done(signal);
      if (signal.check()) continue;
      std::array<std::uint8_t, 32> z{};
      std::array<int, 4> hist{};
      for (int i = 0; i < head; ++i) {
        z[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>((item >> (2 * i)) & 3);
        ++hist[z[static_cast<std::size_t>(i)]];
      }
      Tally& t = tallies[static_cast<std::size_t>(item)];
      const int rest = n - head;
      const std::uint64_t combos = std::uint64_t{1} << (2 * rest);
      for (std::uint64_t c = 0; c < combos; ++c) {
        if ((c & 0xFFFFF) == 0 && signal.check()) break;
        std::array<int, 4> h = hist;
        for (int i = 0; i < rest; ++i) {
          const auto v = static_cast<std::uint8_t>((c >> (2 * i)) & 3);
          z[static_cast<std::size_t>(head + i)] = v;
          ++h[v];
        }
        ++t.tests;
        if (lat.recurrent(z.data())) {
          ++t.count;
          for (int k = 0; k < 4; ++k) t.height_sum[static_cast<std::size_t>(k)] += static_cast<std::uint64_t>(h[static_cast<std::size_t>(k)]);
        }
      }
    }
    signal.wait_for_items(items);
  }
  signal.throw_if_stopped();
  Tally total;
  for (const Tally& t : tallies) total.add(t);
  r.count = total.count;
  r.height_sum = total.height_sum;
  r.burning_tests = total.tests;
  return r;
}

}  // namespace rgflow::soc
