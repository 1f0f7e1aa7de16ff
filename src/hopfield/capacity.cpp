#include "rgflow/hopfield/capacity.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>

#include "rgflow/core/error.hpp"
#include "rgflow/core/parallel_items.hpp"
#include "rgflow/core/serial_eigen.hpp"
#include "rgflow/hopfield/patterns.hpp"
#include "rgflow/stats/result.hpp"

namespace rgflow::hopfield {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr Index kMaxNeurons = Index{1} << 22;
constexpr Index kMaxPatterns = Index{1} << 20;

Index patterns_at(double load, Index N) {
  return std::max<Index>(1, static_cast<Index>(std::llround(load * static_cast<double>(N))));
}

struct TrialOutcome {
  double overlap = 0.0;
  double retrieved = 0.0;
  double sweeps = 0.0;
};

TrialOutcome run_trial(const CapacityOptions& o, Index P, int trial, StopSignal& stop) {
  const std::uint64_t key = (static_cast<std::uint64_t>(o.neurons) << 40) |
                            (static_cast<std::uint64_t>(P) << 20) | static_cast<std::uint64_t>(trial);
  Rng pattern_rng(o.seed, 2 * key);
  Rng dynamics_rng(o.seed, 2 * key + 1);
  const Network net(random_patterns(P, o.neurons, pattern_rng), o.rule);
  const Index probes = o.probes > 0 ? std::min(o.probes, P) : P;
  const MatrixD starts = net.patterns().topRows(probes).cast<double>();
  const MatrixD fields = starts * net.scaled_couplings();  // J symmetric
  TrialOutcome out;
  std::vector<Index> order;
  for (Index mu = 0; mu < probes; ++mu) {
    if (stop.check()) break;  // the trial is discarded: Cancelled follows
    VectorD s = starts.row(mu).transpose();
    VectorD field = fields.row(mu).transpose();
    const RelaxOutcome r = relax(net, o.dynamics, s, field, dynamics_rng, order);
    const double m = starts.row(mu).dot(s.transpose()) / static_cast<double>(o.neurons);
    out.overlap += m;
    out.retrieved += m >= o.retrieved_overlap ? 1.0 : 0.0;
    out.sweeps += r.sweeps;
  }
  const double n = static_cast<double>(probes);
  out.overlap /= n;
  out.retrieved /= n;
  out.sweeps /= n;
  return out;
}

}  // namespace

std::vector<CapacityPoint> capacity_curve(const CapacityOptions& o, const StopPoll& poll) {
  if (o.neurons < 2 || o.neurons > kMaxNeurons) {
    throw Error(fmt::format("neurons {}: must be in [2, {}]", o.neurons, kMaxNeurons));
  }
  if (o.loads.empty()) throw Error("no loads given");
  for (double a : o.loads) {
    if (!(a > 0.0 && a <= 2.0)) throw Error(fmt::format("load {}: must be in (0, 2]", a));
    if (patterns_at(a, o.neurons) >= kMaxPatterns) {
      throw Error(fmt::format("load {}: {} patterns is too many", a, patterns_at(a, o.neurons)));
    }
  }
  if (o.trials < 2 || o.trials >= (1 << 20)) {
    throw Error(fmt::format("trials {}: must be in [2, {}]", o.trials, (1 << 20) - 1));
  }
  if (o.probes < 0) throw Error(fmt::format("probes {}: must be >= 0", o.probes));
  if (o.dynamics.dynamics == Dynamics::glauber) {
    throw Error("capacity curves use zero-temperature dynamics (async or sync)");
  }
  validate(o.dynamics);
  const std::size_t n_loads = o.loads.size();
  const auto trials = static_cast<std::size_t>(o.trials);
  const SerialEigen serial;
  std::vector<TrialOutcome> outcomes(n_loads * trials);
  const auto total = static_cast<std::int64_t>(outcomes.size());
  std::int64_t done = 0;
  std::mutex progress_mutex;
  parallel_items(total, o.dynamics.threads, poll, [&](std::int64_t item, StopSignal& stop) {
    const auto k = static_cast<std::size_t>(item);
    const Index P = patterns_at(o.loads[k / trials], o.neurons);
    outcomes[k] = run_trial(o, P, static_cast<int>(k % trials), stop);
    if (o.progress) {
      const std::lock_guard<std::mutex> lock(progress_mutex);
      o.progress(++done, total);
    }
  });
  std::vector<CapacityPoint> curve(n_loads);
  std::vector<double> overlap(trials), retrieved(trials), sweeps(trials);
  for (std::size_t l = 0; l < n_loads; ++l) {
    for (std::size_t t = 0; t < trials; ++t) {
      overlap[t] = outcomes[l * trials + t].overlap;
      retrieved[t] = outcomes[l * trials + t].retrieved;
      sweeps[t] = outcomes[l * trials + t].sweeps;
    }
    curve[l].load = o.loads[l];
    curve[l].patterns = patterns_at(o.loads[l], o.neurons);
    curve[l].actual_load = static_cast<double>(curve[l].patterns) / static_cast<double>(o.neurons);
    curve[l].overlap = stats::mean_sem(overlap);
    curve[l].retrieved = stats::mean_sem(retrieved);
    curve[l].sweeps = stats::mean_sem(sweeps);
  }
  return curve;
}

stats::Result crossing_load(const std::vector<CapacityPoint>& curve, Criterion criterion, double threshold) {
  std::vector<CapacityPoint> points;
  for (const CapacityPoint& p : curve) {
    const bool seen = std::any_of(points.begin(), points.end(),
                                  [&](const CapacityPoint& q) { return q.patterns == p.patterns; });
    if (!seen) points.push_back(p);
  }
  std::sort(points.begin(), points.end(),
            [](const CapacityPoint& a, const CapacityPoint& b) { return a.patterns < b.patterns; });
  const auto value = [criterion](const CapacityPoint& p) {
    return criterion == Criterion::retrieved ? p.retrieved : p.overlap;
  };
  stats::Result r;
  r.mean = kNaN;
  r.error = kNaN;
  for (std::size_t k = 1; k < points.size(); ++k) {
    const stats::Result m1 = value(points[k - 1]), m2 = value(points[k]);
    if (!(m1.mean >= threshold) || !(m2.mean < threshold)) continue;
    const double a1 = points[k - 1].actual_load, a2 = points[k].actual_load;
    // α = a1 + (a2 − a1)(m1 − θ)/(m1 − m2); ∂α/∂m1 = (a2 − a1)(θ − m2)/(m1 − m2)²,
    // ∂α/∂m2 = (a2 − a1)(m1 − θ)/(m1 − m2)².
    const double d = m1.mean - m2.mean;
    r.mean = a1 + (a2 - a1) * (m1.mean - threshold) / d;
    const double g1 = (a2 - a1) * (threshold - m2.mean) / (d * d);
    const double g2 = (a2 - a1) * (m1.mean - threshold) / (d * d);
    r.error = std::hypot(g1 * m1.error, g2 * m2.error);
    r.n = std::min(m1.n, m2.n);
    return r;
  }
  return r;
}

Extrapolation extrapolate(const std::vector<Index>& sizes, const std::vector<stats::Result>& values,
                          double exponent) {
  if (sizes.size() != values.size() || sizes.size() < 2) {
    throw Error("extrapolation needs at least two sizes, each with a value");
  }
  // Weighted least squares for y = a + b x: normal equations with weights w = 1/σ².
  double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  std::vector<double> x(sizes.size());
  for (std::size_t k = 0; k < sizes.size(); ++k) {
    const double err = values[k].error;
    if (!std::isfinite(values[k].mean) || !(err > 0.0) || !std::isfinite(err) || sizes[k] < 1) {
      throw Error(fmt::format("size {}: no finite value with a positive error to extrapolate", sizes[k]));
    }
    x[k] = std::pow(static_cast<double>(sizes[k]), -exponent);
    const double w = 1.0 / (err * err);
    sw += w;
    sx += w * x[k];
    sy += w * values[k].mean;
    sxx += w * x[k] * x[k];
    sxy += w * x[k] * values[k].mean;
  }
  const double det = sw * sxx - sx * sx;
  if (!(det > 0.0)) throw Error("extrapolation: the sizes must differ");
  Extrapolation e;
  e.exponent = exponent;
  const double a = (sxx * sy - sx * sxy) / det;
  const double b = (sw * sxy - sx * sy) / det;
  for (std::size_t k = 0; k < sizes.size(); ++k) {
    const double z = (values[k].mean - a - b * x[k]) / values[k].error;
    e.chi2 += z * z;
  }
  e.dof = static_cast<int>(sizes.size()) - 2;
  const double inflate = e.dof > 0 ? std::max(1.0, std::sqrt(e.chi2 / e.dof)) : 1.0;
  e.intercept.mean = a;
  e.intercept.error = std::sqrt(sxx / det) * inflate;
  e.intercept.n = static_cast<std::int64_t>(sizes.size());
  e.slope.mean = b;
  e.slope.error = std::sqrt(sw / det) * inflate;
  e.slope.n = e.intercept.n;
  return e;
}

}  // namespace rgflow::hopfield
