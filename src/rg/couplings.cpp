#include "rgflow/rg/couplings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <omp.h>
#include <set>

#include "rgflow/core/error.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/rbm/units.hpp"

namespace rgflow::rg {

std::string_view to_string(Side side) { return side == Side::visible ? "visible" : "hidden"; }

Side parse_side(std::string_view name) {
  if (name == "visible") return Side::visible;
  if (name == "hidden") return Side::hidden;
  throw Error(fmt::format("unknown side '{}' (expected visible or hidden)", name));
}

namespace {

constexpr int kMaxSubsetSize = 6;
constexpr int kMaxExactSupport = 26;

// One summed-out unit j of the other layer: its log-partition LP_j(φ) (rbm/units.hpp) at the field
// φ = c + Σ_i w_i s_i of the side's spins s (c includes the unit's own bias).
struct SummedUnit {
  double c = 0.0;  // field offset
  VectorD w;       // weight on each site of the side (length n)
};

// The side as spins: H(s) = −const − Σ α_i s_i − Σ_j LP_j(c_j + Σ_i w_ij s_i).
struct SpinForm {
  Index n = 0;
  VectorD alpha;
  double constant = 0.0;  // contribution of the biases to K_∅
  std::vector<SummedUnit> units;
};

// A binary side unit x ∈ {x0, x1} as a spin: x = (x0 + x1)/2 + ((x1 − x0)/2) s (Bernoulli:
// x = (1 + s)/2, so a·x = Σa/2 + Σ (a/2) s and Σ W x = Σ W/2 + Σ (W/2) s; spin: x = s). The other
// layer's field is φ_j = c_j + Σ_i W_ij t(x_i), t(x) = x for the binary side.
SpinForm spin_form(const Rbm& rbm, Side side) {
  rbm.validate();
  const LayerUnits side_units = side == Side::visible ? rbm.visible_units() : rbm.hidden_units();
  const bool binary_side = dispatch(side_units, [](auto u) { return decltype(u)::enumerable; });
  if (!binary_side) {
    throw Error(fmt::format("couplings of the {} side need binary units; {} units have a density "
                            "of real values, with no spin expansion (take the other side)",
                            to_string(side), to_string(side_units.type)));
  }
  const auto [x0, x1] = dispatch(side_units.type, [](auto u) {
    using U = decltype(u);
    return std::pair<double, double>{U::state(0), U::state(1)};
  });
  const double centre = 0.5 * (x0 + x1);
  const double half = 0.5 * (x1 - x0);
  SpinForm f;
  const MatrixD W = rbm.weights().cast<double>();
  const VectorD bias = (side == Side::visible ? rbm.visible_bias() : rbm.hidden_bias()).cast<double>();
  const VectorD other_bias = (side == Side::visible ? rbm.hidden_bias() : rbm.visible_bias()).cast<double>();
  // w[i][j]: weight between side unit i and summed-out unit j.
  const MatrixD w_side = side == Side::visible ? W : MatrixD(W.transpose());
  f.n = w_side.rows();
  f.alpha = bias * half;
  f.constant = bias.sum() * centre;
  const Index m = w_side.cols();
  f.units.resize(static_cast<std::size_t>(m));
  for (Index j = 0; j < m; ++j) {
    SummedUnit& u = f.units[static_cast<std::size_t>(j)];
    u.w = w_side.col(j) * half;
    u.c = other_bias[j] + w_side.col(j).sum() * centre;
  }
  return f;
}

void check_subsets(const std::vector<Sites>& subsets, Index n) {
  for (std::size_t k = 0; k < subsets.size(); ++k) {
    const Sites& a = subsets[k];
    if (a.empty() || a.size() > static_cast<std::size_t>(kMaxSubsetSize)) {
      throw Error(fmt::format("coupling subset {} has {} sites (1 to {} allowed)", k, a.size(),
                              kMaxSubsetSize));
    }
    for (std::size_t t = 0; t < a.size(); ++t) {
      if (a[t] < 0 || a[t] >= n || (t > 0 && a[t] <= a[t - 1])) {
        throw Error(fmt::format("coupling subset {} is not a sorted set of distinct sites below {}",
                                k, n));
      }
    }
  }
}

// Exact Walsh coefficients of L(c + Σ_{k∈S} w_k s_k), indexed by the bit mask of B ⊆ S:
// f̂(B) = 2^{−m} Σ_s L(φ(s)) Π_{k∈B} s_k (bit k set ↔ s_k = +1).
template <class O>
std::vector<double> walsh_coefficients(const O& o, Index unit, double c, const std::vector<double>& w) {
  const int m = static_cast<int>(w.size());
  const std::size_t size = std::size_t{1} << m;
  std::vector<double> f(size);
  // Gray-code walk: state g(t) = t ^ (t >> 1) differs from g(t−1) in bit ctz(t); the field is
  // recomputed from scratch every 1024 states so rounding does not accumulate.
  auto field_of = [&](std::size_t state) {
    double phi = c;
    for (int k = 0; k < m; ++k) phi += ((state >> k) & 1u) ? w[static_cast<std::size_t>(k)] : -w[static_cast<std::size_t>(k)];
    return phi;
  };
  double phi = field_of(0);
  f[0] = o.log_partition(unit, phi);
  for (std::size_t t = 1; t < size; ++t) {
    const std::size_t g = t ^ (t >> 1);
    if ((t & 1023u) == 0) {
      phi = field_of(g);
    } else {
      const int k = std::countr_zero(t);
      phi += ((g >> k) & 1u) ? 2.0 * w[static_cast<std::size_t>(k)] : -2.0 * w[static_cast<std::size_t>(k)];
    }
    f[g] = o.log_partition(unit, phi);
  }
  // Fast Walsh–Hadamard transform: T(B) = Σ_x f(x) (−1)^{|x∧B|}; with s_k = −(−1)^{x_k},
  // f̂(B) = (−1)^{|B|} T(B) / 2^m.
  for (std::size_t h = 1; h < size; h <<= 1) {
    for (std::size_t i = 0; i < size; i += h << 1) {
      for (std::size_t j = i; j < i + h; ++j) {
        const double a = f[j], b = f[j + h];
        f[j] = a + b;
        f[j + h] = a - b;
      }
    }
  }
  const double scale = 1.0 / static_cast<double>(size);
  for (std::size_t b = 0; b < size; ++b) {
    f[b] *= (std::popcount(b) % 2 == 0 ? scale : -scale);
  }
  return f;
}

// The couplings given the side's spin form and the policy `o` of the summed-out layer.
template <class O>
CouplingTable couplings_of(const SpinForm& form, const O& o, const std::vector<Sites>& subsets,
                           const CouplingOptions& options) {
  const Index n = form.n;
  const std::size_t n_sub = subsets.size();
  StopSignal stop(options.stop, options.progress);
  stop.expect_work(static_cast<std::int64_t>(form.units.size()));  // raised if Monte Carlo follows

  // Exact parts (value and deterministic bound) per subset; index n_sub is K_∅.
  std::vector<double> exact(n_sub + 1, 0.0), bound(n_sub + 1, 0.0);
  for (std::size_t k = 0; k < n_sub; ++k) {
    if (subsets[k].size() == 1) exact[k] += form.alpha[subsets[k][0]];
  }
  exact[n_sub] += form.constant;

  CouplingTable table;
  table.n_sites = n;
  std::vector<std::size_t> mc_units;
  for (std::size_t j = 0; j < form.units.size(); ++j) {
    const SummedUnit& u = form.units[j];
    const auto unit = static_cast<Index>(j);
    stop.add_work();
    if constexpr (O::constant_cumulants) {
      // LP quadratic in φ (Gaussian units: κ₂ = LP'' is constant). With φ = c + Σ w_k s_k,
      // s_k² = 1: E[LP] = LP(c) + ½ LP'' Σw², E[LP s_k] = LP'(c) w_k, E[LP s_k s_l] = LP'' w_k w_l,
      // higher orders 0; LP' = t(E[x | φ]) and LP'' = κ₂ (units.hpp).
      const double mean = o.field_mean(unit, u.c);
      const double slope = o.statistic(unit, mean);
      const double curvature = o.variance(unit, mean);
      exact[n_sub] += o.log_partition(unit, u.c) + 0.5 * curvature * u.w.squaredNorm();
      for (std::size_t k = 0; k < n_sub; ++k) {
        const Sites& a = subsets[k];
        if (a.size() == 1) exact[k] += slope * u.w[a[0]];
        if (a.size() == 2) exact[k] += curvature * u.w[a[0]] * u.w[a[1]];
      }
      ++table.exact_units;
    } else {
    std::vector<Index> support;
    std::vector<double> dropped(static_cast<std::size_t>(n), 0.0);
    double dropped_sq = 0.0;
    for (Index i = 0; i < n; ++i) {
      const double wi = u.w[i];
      if (std::fabs(wi) > options.support_tolerance) {
        support.push_back(i);
      } else if (wi != 0.0) {
        dropped[static_cast<std::size_t>(i)] = std::fabs(wi);
        dropped_sq += wi * wi;
      }
    }
    if (support.size() > static_cast<std::size_t>(options.max_exact_support)) {
      mc_units.push_back(j);
      continue;
    }
    if (stop.check()) break;  // before the enumeration (up to 2^26 states per unit)
    ++table.exact_units;
    std::vector<double> ws;
    for (Index i : support) ws.push_back(u.w[i]);
    const std::vector<double> coef = walsh_coefficients(o, unit, u.c, ws);
    std::vector<int> position(static_cast<std::size_t>(n), -1);
    for (std::size_t p = 0; p < support.size(); ++p) position[static_cast<std::size_t>(support[p])] = static_cast<int>(p);
    // sup |LP''| = the largest variance of a binary unit (Bernoulli ¼, spin 1).
    const double inside_bound = 0.5 * O::max_variance * dropped_sq;
    exact[n_sub] += coef[0];
    bound[n_sub] += inside_bound;
    for (std::size_t k = 0; k < n_sub; ++k) {
      std::size_t mask = 0;
      bool inside = true;
      double smallest_dropped = std::numeric_limits<double>::infinity();
      for (Index i : subsets[k]) {
        const int p = position[static_cast<std::size_t>(i)];
        if (p < 0) {
          inside = false;
          smallest_dropped = std::min(smallest_dropped, dropped[static_cast<std::size_t>(i)]);
        } else {
          mask |= std::size_t{1} << p;
        }
      }
      if (inside) {
        exact[k] += coef[mask];
        bound[k] += inside_bound;
      } else {
        // A finite difference along a dropped site i: |E[L s_A]| ≤ sup|L'| · |r_i| (sup|L'| = 1);
        // exactly 0 when some site of A has weight exactly 0.
        bound[k] += smallest_dropped;
      }
    }
    }  // binary units
  }
  stop.throw_if_stopped();
  table.monte_carlo_units = static_cast<Index>(mc_units.size());

  // Monte Carlo over uniform s for the units with a large support.
  std::vector<double> mc_mean(n_sub + 1, 0.0), mc_error(n_sub + 1, 0.0);
  if (!mc_units.empty()) {
    if (options.samples < 2) throw Error(fmt::format("samples {}: need at least 2", options.samples));
    const Index M = options.samples;
    table.samples = M;
    const std::size_t U = mc_units.size();
    // Per unit j and subset A: does j touch every site of A? (Otherwise its term is exactly 0.)
    // Stored as lists of the subsets each unit contributes to.
    std::vector<std::vector<std::uint32_t>> unit_subsets(U);
    for (std::size_t q = 0; q < U; ++q) {
      const VectorD& w = form.units[mc_units[q]].w;
      for (std::size_t k = 0; k < n_sub; ++k) {
        bool touches = true;
        for (Index i : subsets[k]) touches = touches && w[i] != 0.0;
        if (touches) unit_subsets[q].push_back(static_cast<std::uint32_t>(k));
      }
    }
    constexpr Index kChunks = 64;
    const Index chunk_size = (M + kChunks - 1) / kChunks;
    stop.expect_work(static_cast<std::int64_t>(form.units.size()) + M);
    std::vector<std::vector<stats::Moments>> moments(kChunks, std::vector<stats::Moments>(n_sub + 1));
    const int threads = options.threads > 0 ? options.threads : omp_get_max_threads();
#pragma omp parallel num_threads(threads)
    {
#pragma omp for schedule(dynamic, 1) nowait
    for (Index chunk = 0; chunk < kChunks; ++chunk) {
      const StopItem done(stop);
      std::vector<double> s(static_cast<std::size_t>(n)), phi(U), flip1(static_cast<std::size_t>(n));
      std::vector<double> per_sample(n_sub + 1);
      for (Index m = chunk * chunk_size; m < std::min(M, (chunk + 1) * chunk_size); ++m) {
        if (stop.check()) break;  // the chunk's sums are discarded: Cancelled follows
        Rng rng(options.seed, static_cast<std::uint64_t>(m));
        std::uint32_t bits = 0;
        for (Index i = 0; i < n; ++i) {
          if (i % 32 == 0) bits = rng();
          s[static_cast<std::size_t>(i)] = ((bits >> (i % 32)) & 1u) ? 1.0 : -1.0;
        }
        std::fill(per_sample.begin(), per_sample.end(), 0.0);
        for (std::size_t q = 0; q < U; ++q) {
          const SummedUnit& u = form.units[mc_units[q]];
          double f = u.c;
          for (Index i = 0; i < n; ++i) f += u.w[i] * s[static_cast<std::size_t>(i)];
          const double l0 = o.log_partition(static_cast<Index>(mc_units[q]), f);
          per_sample[n_sub] += l0;
          // D_A = 2^{−|A|} s_A Σ_{B⊆A} (−1)^{|B|} L(φ − 2 Σ_{i∈B} w_i s_i): the finite difference
          // over the spins of A at this sample's other spins (see the header).
          for (std::uint32_t k : unit_subsets[q]) {
            const Sites& a = subsets[k];
            const std::size_t r = a.size();
            std::array<double, kMaxSubsetSize> step{};
            double sign_a = 1.0;
            for (std::size_t t = 0; t < r; ++t) {
              const double si = s[static_cast<std::size_t>(a[t])];
              step[t] = -2.0 * u.w[a[t]] * si;
              sign_a *= si;
            }
            double acc = 0.0;
            for (std::size_t b = 0; b < (std::size_t{1} << r); ++b) {
              double x = f;
              for (std::size_t t = 0; t < r; ++t) {
                if ((b >> t) & 1u) x += step[t];
              }
              const double l = b == 0 ? l0 : o.log_partition(static_cast<Index>(mc_units[q]), x);
              acc += (std::popcount(b) % 2 == 0) ? l : -l;
            }
            per_sample[k] += sign_a * acc / static_cast<double>(std::size_t{1} << r);
          }
        }
        for (std::size_t k = 0; k <= n_sub; ++k) {
          moments[static_cast<std::size_t>(chunk)][k].add(per_sample[k]);
        }
        stop.add_work();
      }
    }
    stop.wait_for_items(kChunks);
    }
    stop.throw_if_stopped();
    for (std::size_t k = 0; k <= n_sub; ++k) {
      stats::Moments total;  // merged in chunk order: independent of the thread count
      for (Index chunk = 0; chunk < kChunks; ++chunk) total.merge(moments[static_cast<std::size_t>(chunk)][k]);
      const stats::Result r = total.result();
      mc_mean[k] = r.mean;
      mc_error[k] = r.error;
    }
  }

  auto result = [&](std::size_t k) {
    stats::Result r;
    r.mean = exact[k] + mc_mean[k];
    r.error = std::hypot(bound[k], mc_error[k]);
    r.n = mc_units.empty() ? 0 : options.samples;
    return r;
  };
  table.couplings.reserve(n_sub);
  for (std::size_t k = 0; k < n_sub; ++k) table.couplings.push_back({subsets[k], result(k)});
  table.constant = result(n_sub);
  return table;
}

}  // namespace

CouplingTable effective_couplings(const Rbm& rbm, const std::vector<Sites>& subsets,
                                  const CouplingOptions& options) {
  if (options.max_exact_support < 0 || options.max_exact_support > kMaxExactSupport) {
    throw Error(fmt::format("max exact support {}: must be between 0 and {}",
                            options.max_exact_support, kMaxExactSupport));
  }
  if (!(options.support_tolerance >= 0.0) || !std::isfinite(options.support_tolerance)) {
    throw Error("support tolerance must be finite and >= 0");
  }
  const SpinForm form = spin_form(rbm, options.side);
  check_subsets(subsets, form.n);
  const LayerUnits other = options.side == Side::visible ? rbm.hidden_units() : rbm.visible_units();
  return dispatch(other, [&](auto o) { return couplings_of(form, o, subsets, options); });
}

std::vector<Sites> all_subsets(Index n, int max_order, std::size_t max_count) {
  if (max_order < 1 || max_order > kMaxSubsetSize) {
    throw Error(fmt::format("max order {}: must be between 1 and {}", max_order, kMaxSubsetSize));
  }
  // Count first: C(n, 1) + … + C(n, max_order).
  double count = 0.0, binom = 1.0;
  for (int k = 1; k <= max_order && k <= n; ++k) {
    binom = binom * static_cast<double>(n - k + 1) / k;
    count += binom;
  }
  if (count > static_cast<double>(max_count)) {
    throw Error(fmt::format("{} sites up to order {} make {:.0f} couplings (limit {}); lower the "
                            "order or give the lattice geometry",
                            n, max_order, count, max_count));
  }
  std::vector<Sites> out;
  for (int k = 1; k <= max_order && k <= n; ++k) {
    Sites a(static_cast<std::size_t>(k));
    std::iota(a.begin(), a.end(), Index{0});
    while (true) {
      out.push_back(a);
      int t = k - 1;
      while (t >= 0 && a[static_cast<std::size_t>(t)] == n - k + t) --t;
      if (t < 0) break;
      ++a[static_cast<std::size_t>(t)];
      for (int u = t + 1; u < k; ++u) a[static_cast<std::size_t>(u)] = a[static_cast<std::size_t>(u - 1)] + 1;
    }
  }
  return out;
}

namespace {

void check_lattice(const Lattice& lattice) {
  if (lattice.lx < 1 || lattice.ly < 1) {
    throw Error(fmt::format("lattice {}x{}: sizes must be positive", lattice.lx, lattice.ly));
  }
}

int wrap(int x, int L) { return ((x % L) + L) % L; }
// Minimal-image offset in (−L/2, L/2].
int minimal_image(int d, int L) {
  d = wrap(d, L);
  return d > L / 2 ? d - L : d;
}

using Shape = std::vector<std::pair<int, int>>;

// Canonical representative of a set of sites under translations and the lattice's point group:
// offsets relative to each site as anchor (minimal image), each symmetry applied, translated so
// the smallest offset is (0, 0), sorted; the lexicographically smallest wins.
Shape canonical_shape(const Sites& sites, const Lattice& lattice) {
  const int lx = lattice.lx, ly = lattice.ly;
  Shape best;
  bool first = true;
  const int n_sym = lattice.is_chain() ? 2 : 8;
  for (Index anchor : sites) {
    const int ax = static_cast<int>(anchor % lx), ay = static_cast<int>(anchor / lx);
    Shape base;
    for (Index s : sites) {
      base.emplace_back(minimal_image(static_cast<int>(s % lx) - ax, lx),
                        minimal_image(static_cast<int>(s / lx) - ay, ly));
    }
    for (int g = 0; g < n_sym; ++g) {
      Shape t;
      for (auto [x, y] : base) {
        int u = x, v = y;
        if (g & 1) u = -u;                 // reflection x → −x
        if (g & 2) v = -v;                 // reflection y → −y
        if (g & 4) std::swap(u, v);        // diagonal reflection
        t.emplace_back(u, v);
      }
      std::sort(t.begin(), t.end());
      const auto origin = t.front();
      for (auto& p : t) p = {p.first - origin.first, p.second - origin.second};
      if (first || t < best) {
        best = t;
        first = false;
      }
    }
  }
  return best;
}

}  // namespace

std::vector<Sites> lattice_subsets(const Lattice& lattice, int max_order, int extent) {
  check_lattice(lattice);
  if (max_order < 1 || max_order > kMaxSubsetSize) {
    throw Error(fmt::format("max order {}: must be between 1 and {}", max_order, kMaxSubsetSize));
  }
  const Index n = lattice.sites();
  std::vector<Sites> out = all_subsets(n, std::min(max_order, 2));
  if (max_order <= 2) return out;
  if (extent <= 0) extent = lattice.is_chain() ? 4 : 2;
  const int ex = std::min(extent, lattice.lx);
  const int ey = lattice.is_chain() ? 1 : std::min(extent, lattice.ly);
  std::set<Sites> higher;
  for (int y0 = 0; y0 < lattice.ly; ++y0) {
    for (int x0 = 0; x0 < lattice.lx; ++x0) {
      std::vector<Index> window;
      for (int dy = 0; dy < ey; ++dy) {
        for (int dx = 0; dx < ex; ++dx) {
          window.push_back(Index{wrap(y0 + dy, lattice.ly)} * lattice.lx + wrap(x0 + dx, lattice.lx));
        }
      }
      std::sort(window.begin(), window.end());
      window.erase(std::unique(window.begin(), window.end()), window.end());
      const std::size_t w = window.size();
      for (std::size_t mask = 0; mask < (std::size_t{1} << w); ++mask) {
        const int k = std::popcount(mask);
        if (k < 3 || k > max_order) continue;
        Sites a;
        for (std::size_t t = 0; t < w; ++t) {
          if ((mask >> t) & 1u) a.push_back(window[t]);
        }
        higher.insert(a);
      }
    }
  }
  std::vector<Sites> by_order(higher.begin(), higher.end());
  std::stable_sort(by_order.begin(), by_order.end(),
                   [](const Sites& a, const Sites& b) { return a.size() < b.size(); });
  out.insert(out.end(), by_order.begin(), by_order.end());
  return out;
}

std::vector<ShapeAverage> average_by_shape(const CouplingTable& table, const Lattice& lattice) {
  check_lattice(lattice);
  if (lattice.sites() != table.n_sites) {
    throw Error(fmt::format("lattice {}x{} has {} sites but the couplings are over {} units",
                            lattice.lx, lattice.ly, lattice.sites(), table.n_sites));
  }
  struct Acc {
    std::vector<double> values;
    double error_sq = 0.0;
  };
  std::map<std::pair<int, Shape>, Acc> groups;
  for (const Coupling& c : table.couplings) {
    Acc& acc = groups[{static_cast<int>(c.sites.size()), canonical_shape(c.sites, lattice)}];
    acc.values.push_back(c.value.mean);
    acc.error_sq += c.value.error * c.value.error;
  }
  std::vector<ShapeAverage> out;
  for (const auto& [key, acc] : groups) {
    ShapeAverage s;
    s.order = key.first;
    s.shape = key.second;
    int min_x = 0, max_x = 0, min_y = 0, max_y = 0;
    for (auto [x, y] : s.shape) {
      min_x = std::min(min_x, x), max_x = std::max(max_x, x);
      min_y = std::min(min_y, y), max_y = std::max(max_y, y);
    }
    s.dx = max_x - min_x;
    s.dy = max_y - min_y;
    if (s.dx < s.dy) std::swap(s.dx, s.dy);
    if (s.order == 2) s.distance = std::hypot(s.dx, s.dy);
    s.count = static_cast<Index>(acc.values.size());
    // The mean over equivalent pairs; its error adds the spread over pairs (sd/√n) and the
    // Monte Carlo errors of the individual couplings (√Σσ²/n).
    const double count = static_cast<double>(acc.values.size());
    const stats::Result over_pairs = stats::mean_sem(acc.values);
    s.spread = acc.values.size() > 1 ? over_pairs.error * std::sqrt(count) : 0.0;
    s.mean = over_pairs;
    s.mean.error = std::hypot(acc.values.size() > 1 ? over_pairs.error : 0.0, std::sqrt(acc.error_sq) / count);
    out.push_back(s);
  }
  std::stable_sort(out.begin(), out.end(), [](const ShapeAverage& a, const ShapeAverage& b) {
    if (a.order != b.order) return a.order < b.order;
    if (a.distance != b.distance) return a.distance < b.distance;
    if (a.dx + a.dy != b.dx + b.dy) return a.dx + a.dy < b.dx + b.dy;
    return a.shape < b.shape;
  });
  return out;
}

}  // namespace rgflow::rg
