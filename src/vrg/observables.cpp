#include "rgflow/vrg/observables.hpp"

#include <cmath>
#include <numbers>

#include "rgflow/core/error.hpp"
#include "rgflow/stats/series.hpp"

namespace rgflow::vrg {


Positions block_positions(int side, int scale) {
  Positions p;
  p.period = static_cast<double>(side) * scale;
  for (int Y = 0; Y < side; ++Y) {
    for (int X = 0; X < side; ++X) {
      p.x.push_back(scale * X + 0.5 * (scale - 1));
      p.y.push_back(scale * Y + 0.5 * (scale - 1));
    }
  }
  return p;
}

Magnetization magnetization(const MatrixF& states, int bins) {
  if (states.rows() < 1 || states.cols() < 1 || bins < 1) throw Error("magnetization: empty input");
  const Index n = states.rows();
  std::vector<double> abs_m(static_cast<std::size_t>(n)), m2(static_cast<std::size_t>(n));
  std::vector<double> counts(static_cast<std::size_t>(bins), 0.0);
  for (Index r = 0; r < n; ++r) {
    const double m = static_cast<double>(states.row(r).cast<double>().mean());
    abs_m[static_cast<std::size_t>(r)] = std::fabs(m);
    m2[static_cast<std::size_t>(r)] = m * m;
    int b = static_cast<int>(std::floor((m + 1.0) / 2.0 * bins));
    b = std::min(std::max(b, 0), bins - 1);
    counts[static_cast<std::size_t>(b)] += 1.0;
  }
  Magnetization out;
  out.abs_mean = stats::mean_sem(abs_m);
  out.second_moment = stats::mean_sem(m2);
  for (double c : counts) {
    const double p = c / static_cast<double>(n);
    stats::Result r;
    r.mean = p;
    r.error = std::sqrt(p * (1.0 - p) / static_cast<double>(n));
    r.n = n;
    out.histogram.push_back(r);
  }
  return out;
}

stats::Result correlation_length(const MatrixF& states, const Positions& positions) {
  if (static_cast<std::size_t>(states.cols()) != positions.size() || states.rows() < 2) {
    throw Error("correlation_length: need at least two rows and one position per column");
  }
  const double L = positions.period;
  const double w = 2.0 * std::numbers::pi / L;
  const std::size_t n = static_cast<std::size_t>(states.rows());
  std::vector<double> chi(n), fk(n);
  const double units = static_cast<double>(states.cols());
  const std::size_t units_n = positions.size();
  std::vector<double> cosx(units_n), sinx(units_n), cosy(units_n), siny(units_n);
  for (std::size_t j = 0; j < units_n; ++j) {
    cosx[j] = std::cos(w * positions.x[j]);
    sinx[j] = std::sin(w * positions.x[j]);
    cosy[j] = std::cos(w * positions.y[j]);
    siny[j] = std::sin(w * positions.y[j]);
  }
  for (std::size_t r = 0; r < n; ++r) {
    double m = 0, cx = 0, sx = 0, cy = 0, sy = 0;
    for (std::size_t j = 0; j < units_n; ++j) {
      const double s = states(static_cast<Index>(r), static_cast<Index>(j));
      m += s;
      cx += s * cosx[j];
      sx += s * sinx[j];
      cy += s * cosy[j];
      sy += s * siny[j];
    }
    chi[r] = m * m / units;
    fk[r] = 0.5 * (cx * cx + sx * sx + cy * cy + sy * sy) / units;
  }
  const double denominator = 2.0 * std::sin(std::numbers::pi / L);
  auto xi = [denominator](std::span<const double> means) {
    const double ratio = means[0] / means[1] - 1.0;
    return ratio > 0 ? std::sqrt(ratio) / denominator : 0.0;
  };
  return stats::jackknife({chi, fk}, 1, xi, std::min<std::size_t>(64, n));
}

stats::Result nearest_neighbour_correlation(const MatrixF& states, int side) {
  if (states.cols() != Index{side} * side || states.rows() < 1) throw Error("nearest_neighbour_correlation: wrong shape");
  std::vector<double> per_row(static_cast<std::size_t>(states.rows()));
  for (Index r = 0; r < states.rows(); ++r) {
    double acc = 0.0;
    for (int y = 0; y < side; ++y) {
      for (int x = 0; x < side; ++x) {
        const double s = states(r, y * side + x);
        acc += s * (states(r, y * side + (x + 1) % side) + states(r, ((y + 1) % side) * side + x));
      }
    }
    per_row[static_cast<std::size_t>(r)] = acc / (2.0 * side * side);
  }
  return stats::mean_sem(per_row);
}

MatrixF to_matrix(std::span<const std::int8_t> spins, std::int64_t n, std::int64_t D) {
  if (static_cast<std::int64_t>(spins.size()) < n * D) throw Error("to_matrix: too few values");
  MatrixF m(n, D);
  for (std::int64_t r = 0; r < n; ++r) {
    for (std::int64_t c = 0; c < D; ++c) m(r, c) = spins[static_cast<std::size_t>(r * D + c)];
  }
  return m;
}

}  // namespace rgflow::vrg
