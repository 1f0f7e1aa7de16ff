// Positions, neighbour pairs and gauge-fixed coupling averages of hidden units (rg/hidden_lattice.hpp).
#include "rgflow/rg/hidden_lattice.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <set>

#include "rgflow/core/error.hpp"

namespace rgflow::rg {

std::vector<double> field_signs(const MatrixD& fields) {
  std::vector<double> s(static_cast<std::size_t>(fields.cols()));
  for (Index j = 0; j < fields.cols(); ++j) s[static_cast<std::size_t>(j)] = fields.col(j).sum() >= 0 ? 1.0 : -1.0;
  return s;
}

std::vector<Sites> lattice_neighbour_pairs(int side) {
  if (side < 1) throw Error(fmt::format("the lattice side must be >= 1 (got {})", side));
  std::set<std::pair<Index, Index>> chosen;
  for (int y = 0; y < side; ++y) {
    for (int x = 0; x < side; ++x) {
      const Index i = Index{y} * side + x;
      for (const Index j : {Index{y} * side + (x + 1) % side, Index{(y + 1) % side} * side + x}) {
        if (i != j) chosen.insert({std::min(i, j), std::max(i, j)});
      }
    }
  }
  std::vector<Sites> out;
  for (const auto& [i, j] : chosen) out.push_back({i, j});
  return out;
}

double torus_distance(double x1, double y1, double x2, double y2, double period) {
  const auto wrap = [period](double d) {
    d = std::fabs(std::fmod(d, period));
    return std::min(d, period - d);
  };
  return std::hypot(wrap(x1 - x2), wrap(y1 - y2));
}

namespace {
double centre_distance(const std::vector<Locality>& u, Index i, Index j, double period) {
  const Locality& a = u[static_cast<std::size_t>(i)];
  const Locality& b = u[static_cast<std::size_t>(j)];
  return torus_distance(a.centre_x, a.centre_y, b.centre_x, b.centre_y, period);
}
}  // namespace

std::vector<Sites> pairs_in_shell(const std::vector<Locality>& units, double period, double lo,
                                  double hi) {
  const auto n = static_cast<Index>(units.size());
  std::vector<Sites> out;
  for (Index i = 0; i < n; ++i) {
    for (Index j = i + 1; j < n; ++j) {
      const double d = centre_distance(units, i, j, period);
      if (d >= lo && d < hi) out.push_back({i, j});
    }
  }
  return out;
}

std::vector<Sites> nearest_and_random_pairs(const std::vector<Locality>& units, double period,
                                            int nearest, int random, Rng& rng) {
  const auto n = static_cast<Index>(units.size());
  std::set<std::pair<Index, Index>> chosen;
  for (Index i = 0; i < n; ++i) {
    std::vector<std::pair<double, Index>> others;
    for (Index j = 0; j < n; ++j) {
      if (j != i) others.push_back({centre_distance(units, i, j, period), j});
    }
    std::sort(others.begin(), others.end());
    for (std::size_t t = 0; t < std::min<std::size_t>(static_cast<std::size_t>(std::max(nearest, 0)), others.size()); ++t) {
      chosen.insert({std::min(i, others[t].second), std::max(i, others[t].second)});
    }
    for (int t = 0; t < random && n > 1; ++t) {
      const auto j = static_cast<Index>(rng.below(static_cast<std::uint64_t>(n - 1)));
      const Index other = j >= i ? j + 1 : j;
      chosen.insert({std::min(i, other), std::max(i, other)});
    }
  }
  std::vector<Sites> out;
  for (const auto& [i, j] : chosen) out.push_back({i, j});
  return out;
}

std::vector<Sites> subsample_pairs(std::vector<Sites> pairs, std::size_t max_pairs, Rng& rng) {
  if (pairs.size() <= max_pairs) return pairs;
  for (std::size_t t = 0; t < max_pairs; ++t) {
    const auto r = t + static_cast<std::size_t>(rng.below(pairs.size() - t));
    std::swap(pairs[t], pairs[r]);
  }
  pairs.resize(max_pairs);
  std::sort(pairs.begin(), pairs.end());
  return pairs;
}

namespace detail {
stats::Result average_gauged(const std::vector<const Coupling*>& couplings,
                             const std::vector<double>& signs) {
  std::vector<double> values;
  double mc_var = 0.0;
  for (const Coupling* c : couplings) {
    const auto i = static_cast<std::size_t>(c->sites.at(0));
    const auto j = static_cast<std::size_t>(c->sites.at(1));
    if (i >= signs.size() || j >= signs.size()) {
      throw Error(fmt::format("coupling of units {} and {}: only {} signs", i, j, signs.size()));
    }
    values.push_back(signs[i] * signs[j] * c->value.mean);
    mc_var += c->value.error * c->value.error;
  }
  stats::Result r = stats::mean_sem(values);
  if (values.empty()) return r;
  const double m = static_cast<double>(values.size());
  const double spread = values.size() > 1 ? r.error : 0.0;
  r.error = std::sqrt(spread * spread + mc_var / (m * m));
  return r;
}
}  // namespace detail

stats::Result gauged_pair_average(const CouplingTable& table, const std::vector<double>& signs) {
  std::vector<const Coupling*> pairs;
  for (const Coupling& c : table.couplings) {
    if (c.sites.size() == 2) pairs.push_back(&c);
  }
  return detail::average_gauged(pairs, signs);
}

stats::Result sign_reconstruction_error(const MatrixF& V, const MatrixF& R) {
  if (V.rows() != R.rows() || V.cols() != R.cols() || V.rows() == 0) {
    throw Error(fmt::format("reconstruction: {}x{} states against {}x{} reconstructions", V.rows(),
                            V.cols(), R.rows(), R.cols()));
  }
  std::vector<double> wrong(static_cast<std::size_t>(V.rows()));
  for (Index r = 0; r < V.rows(); ++r) {
    double w = 0.0;
    for (Index i = 0; i < V.cols(); ++i) {
      const float s = R(r, i) >= 0 ? 1.0f : -1.0f;
      w += s != V(r, i) ? 1.0 : 0.0;
    }
    wrong[static_cast<std::size_t>(r)] = w / static_cast<double>(V.cols());
  }
  return stats::mean_sem(wrong);
}

}  // namespace rgflow::rg
