#include "rgflow/rg/receptive_fields.hpp"

#include <fmt/format.h>

#include <cmath>
#include <numeric>

#include "rgflow/core/error.hpp"

namespace rgflow::rg {

MatrixD effective_receptive_fields(const Dbn& dbn, Index level) {
  dbn.validate();
  if (level < 1 || level > dbn.n_layers()) {
    throw Error(fmt::format("level {}: a {}-layer DBN has levels 1 to {}", level, dbn.n_layers(),
                            dbn.n_layers()));
  }
  MatrixD r = dbn.layer(0).weights().cast<double>();
  for (Index k = 1; k < level; ++k) r = r * dbn.layer(k).weights().cast<double>();
  return r;
}

namespace {

double torus_mean(const std::vector<double>& p, const std::vector<int>& coord, int L) {
  if (L == 1) return 0.0;
  double s = 0.0, c = 0.0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const double angle = 2.0 * M_PI * coord[i] / L;
    s += p[i] * std::sin(angle);
    c += p[i] * std::cos(angle);
  }
  double m = std::atan2(s, c) * L / (2.0 * M_PI);
  if (m < 0) m += L;
  return m;
}

double torus_delta(double a, double b, int L) {
  double d = std::fmod(std::fabs(a - b), static_cast<double>(L));
  return std::min(d, L - d);
}

// Locality of weights p (already normalised) at sites with coordinates (xs, ys).
Locality locality_of(const std::vector<double>& p, const std::vector<int>& xs,
                     const std::vector<int>& ys, const Lattice& lattice, double radius) {
  Locality out;
  out.centre_x = torus_mean(p, xs, lattice.lx);
  out.centre_y = torus_mean(p, ys, lattice.ly);
  for (std::size_t i = 0; i < p.size(); ++i) {
    const double dx = torus_delta(xs[i], out.centre_x, lattice.lx);
    const double dy = torus_delta(ys[i], out.centre_y, lattice.ly);
    if (dx * dx + dy * dy <= radius * radius + 1e-12) out.score += p[i];
  }
  return out;
}

void check(const Eigen::Ref<const Eigen::VectorXd>& field, const Lattice& lattice, double radius) {
  if (lattice.lx < 1 || lattice.ly < 1 || field.size() != lattice.sites()) {
    throw Error(fmt::format("receptive field of {} entries on a {}x{} lattice", field.size(),
                            lattice.lx, lattice.ly));
  }
  if (!(radius >= 0.0) || !std::isfinite(radius)) throw Error("locality radius must be >= 0");
}

}  // namespace

Locality field_locality(const Eigen::Ref<const Eigen::VectorXd>& field, const Lattice& lattice,
                        double radius) {
  Rng unused;
  return field_locality(field, lattice, radius, 0, unused);
}

Locality field_locality(const Eigen::Ref<const Eigen::VectorXd>& field, const Lattice& lattice,
                        double radius, int permutations, Rng& rng) {
  check(field, lattice, radius);
  const std::size_t n = static_cast<std::size_t>(field.size());
  const double total = field.squaredNorm();
  std::vector<double> p(n, 0.0);
  if (total > 0.0) {
    for (std::size_t i = 0; i < n; ++i) p[i] = field[static_cast<Index>(i)] * field[static_cast<Index>(i)] / total;
  }
  std::vector<int> xs(n), ys(n);
  for (std::size_t i = 0; i < n; ++i) {
    xs[i] = static_cast<int>(i % static_cast<std::size_t>(lattice.lx));
    ys[i] = static_cast<int>(i / static_cast<std::size_t>(lattice.lx));
  }
  Locality out = total > 0.0 ? locality_of(p, xs, ys, lattice, radius) : Locality{};
  if (permutations > 0 && total > 0.0) {
    double sum = 0.0, sq = 0.0;
    std::vector<double> q = p;
    for (int t = 0; t < permutations; ++t) {
      for (std::size_t i = n - 1; i > 0; --i) {
        std::swap(q[i], q[static_cast<std::size_t>(rng.below(i + 1))]);
      }
      const double s = locality_of(q, xs, ys, lattice, radius).score;
      sum += s;
      sq += s * s;
    }
    out.null_mean = sum / permutations;
    out.null_sd = permutations > 1
                      ? std::sqrt(std::max(0.0, (sq - sum * out.null_mean) / (permutations - 1)))
                      : 0.0;
  }
  return out;
}

std::vector<LevelLocality> receptive_field_locality(const Dbn& dbn, const Lattice& lattice,
                                                    const LocalityOptions& options) {
  dbn.validate();
  if (dbn.n_visible() != lattice.sites()) {
    throw Error(fmt::format("the model has {} visible units but a {}x{} lattice has {} sites",
                            dbn.n_visible(), lattice.lx, lattice.ly, lattice.sites()));
  }
  if (options.permutations < 0) throw Error("permutations must be >= 0");
  std::vector<LevelLocality> out;
  for (Index level = 1; level <= dbn.n_layers(); ++level) {
    LevelLocality l;
    l.level = level;
    l.fields = effective_receptive_fields(dbn, level);
    const Index m = l.fields.cols();
    std::vector<double> scores, nulls;
    for (Index j = 0; j < m; ++j) {
      Rng rng(options.seed, (static_cast<std::uint64_t>(level) << 32) + static_cast<std::uint64_t>(j));
      l.units.push_back(field_locality(l.fields.col(j), lattice, options.radius,
                                       options.permutations, rng));
      scores.push_back(l.units.back().score);
      nulls.push_back(l.units.back().null_mean);
    }
    l.score = stats::mean_sem(scores);
    l.null_score = stats::mean_sem(nulls);
    out.push_back(std::move(l));
  }
  return out;
}

}  // namespace rgflow::rg
