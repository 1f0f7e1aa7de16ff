#include "rgflow/ising/scan.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "rgflow/core/error.hpp"

namespace rgflow::ising {

namespace {

double parse_double(const std::string& s, const std::string& whole) {
  std::size_t pos = 0;
  double v = 0.0;
  try {
    v = std::stod(s, &pos);
  } catch (const std::exception&) {
    pos = 0;
  }
  if (pos == 0 || pos != s.size() || !std::isfinite(v) || !(v > 0.0))
    throw Error(fmt::format("temperatures '{}': '{}' is not a positive number", whole, s));
  return v;
}

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace

std::vector<double> parse_temperatures(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream ss(text);
  for (std::string p; std::getline(ss, p, ':');) parts.push_back(p);
  if (!text.empty() && text.back() == ':') parts.push_back("");
  if (parts.size() == 1) return {parse_double(parts[0], text)};
  if (parts.size() != 3)
    throw Error(fmt::format("temperatures '{}': expected T or start:stop:count", text));
  const double a = parse_double(parts[0], text), b = parse_double(parts[1], text);
  std::size_t pos = 0;
  long count = 0;
  try {
    count = std::stol(parts[2], &pos);
  } catch (const std::exception&) {
    pos = 0;
  }
  if (pos == 0 || pos != parts[2].size() || count < 1 || count > 10000)
    throw Error(fmt::format("temperatures '{}': count must be an integer in [1, 10000]", text));
  if (count > 1 && !(b > a))
    throw Error(fmt::format("temperatures '{}': stop must be above start", text));
  std::vector<double> t(static_cast<std::size_t>(count));
  for (long i = 0; i < count; ++i)
    t[static_cast<std::size_t>(i)] =
        count == 1 ? a : a + (b - a) * static_cast<double>(i) / static_cast<double>(count - 1);
  return t;
}

std::vector<int> parse_sizes(const std::string& text) {
  std::vector<int> sizes;
  std::set<int> seen;
  std::stringstream ss(text);
  for (std::string p; std::getline(ss, p, ',');) {
    std::size_t pos = 0;
    long v = 0;
    try {
      v = std::stol(p, &pos);
    } catch (const std::exception&) {
      pos = 0;
    }
    if (pos == 0 || pos != p.size() || v < 2 || v > 65536)
      throw Error(fmt::format("lattice sizes '{}': '{}' is not a lattice side in [2, 65536]", text, p));
    if (!seen.insert(static_cast<int>(v)).second)
      throw Error(fmt::format("lattice sizes '{}': {} given twice", text, v));
    sizes.push_back(static_cast<int>(v));
  }
  if (sizes.empty() || text.back() == ',') throw Error(fmt::format("lattice sizes '{}': expected L or L1,L2,...", text));
  return sizes;
}

std::uint64_t scan_seed(std::uint64_t seed, std::size_t size_index, std::size_t temperature_index) {
  if (size_index == 0 && temperature_index == 0) return seed;
  return splitmix64(seed ^ splitmix64((static_cast<std::uint64_t>(size_index) << 32) |
                                      static_cast<std::uint64_t>(temperature_index)));
}

std::vector<BinderCrossing> binder_crossings(const std::vector<double>& T, const std::vector<int>& sizes,
                                             const std::vector<std::vector<stats::Result>>& U) {
  std::vector<BinderCrossing> out;
  if (U.size() != sizes.size()) throw Error("binder_crossings: one row of cumulants per size");
  for (const auto& row : U)
    if (row.size() != T.size()) throw Error("binder_crossings: one cumulant per temperature");
  std::vector<std::size_t> order(sizes.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return sizes[a] < sizes[b]; });
  for (std::size_t k = 0; k + 1 < order.size(); ++k) {
    const auto& u1 = U[order[k]];
    const auto& u2 = U[order[k + 1]];
    BinderCrossing c;
    c.L1 = sizes[order[k]];
    c.L2 = sizes[order[k + 1]];
    for (std::size_t t = 0; t + 1 < T.size() && !c.found; ++t) {
      const double d0 = u1[t].mean - u2[t].mean, d1 = u1[t + 1].mean - u2[t + 1].mean;
      if (!std::isfinite(d0) || !std::isfinite(d1) || d0 == d1) continue;
      if ((d0 <= 0.0) == (d1 <= 0.0)) continue;
      const double h = T[t + 1] - T[t];
      const double f = d0 / (d0 - d1);
      // ∂T*/∂d0 = h·(−d1)/(d0−d1)², ∂T*/∂d1 = h·d0/(d0−d1)².
      const double g0 = -h * d1 / ((d0 - d1) * (d0 - d1));
      const double g1 = h * d0 / ((d0 - d1) * (d0 - d1));
      const double v0 = u1[t].error * u1[t].error + u2[t].error * u2[t].error;
      const double v1 = u1[t + 1].error * u1[t + 1].error + u2[t + 1].error * u2[t + 1].error;
      c.found = true;
      c.temperature = {T[t] + h * f, std::sqrt(g0 * g0 * v0 + g1 * g1 * v1), 0.5, 0};
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace rgflow::ising
