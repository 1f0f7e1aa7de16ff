#include "rgflow/lppl/lppl.hpp"

#include <fmt/format.h>
#include <nlopt.h>

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/QR>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <memory>
#include <numeric>
#include <thread>

#include "rgflow/core/error.hpp"
#include "rgflow/core/types.hpp"

namespace rgflow::lppl {

double Parameters::C() const { return std::hypot(C1, C2) / std::abs(B); }
double Parameters::phi() const { return std::atan2(C2 / B, C1 / B); }

Parameters Parameters::from_phase(double tc, double m, double omega, double A, double B, double C, double phi) {
  return Parameters{.tc = tc, .m = m, .omega = omega, .A = A, .B = B, .C1 = B * C * std::cos(phi),
                    .C2 = B * C * std::sin(phi)};
}

double evaluate(const Parameters& p, double t) {
  const double tau = p.tc - t;
  if (!(tau > 0.0)) return std::numeric_limits<double>::quiet_NaN();
  const double lt = std::log(tau);
  const double f = std::exp(p.m * lt);
  return p.A + p.B * f + p.C1 * f * std::cos(p.omega * lt) + p.C2 * f * std::sin(p.omega * lt);
}

void SearchBox::validate() const {
  if (!(tc_after_min >= 0.0) || !(tc_after_max > tc_after_min) || !std::isfinite(tc_after_max))
    throw Error(fmt::format("t_c search range [{}, {}] (in units of the window length after its end) "
                            "must satisfy 0 <= min < max", tc_after_min, tc_after_max));
  if (!(m_min > 0.0) || !(m_max > m_min) || !std::isfinite(m_max))
    throw Error(fmt::format("m search range [{}, {}] must satisfy 0 < min < max", m_min, m_max));
  if (!(omega_min > 0.0) || !(omega_max > omega_min) || !std::isfinite(omega_max))
    throw Error(fmt::format("omega search range [{}, {}] must satisfy 0 < min < max", omega_min, omega_max));
}

void FitOptions::validate() const {
  box.validate();
  if (starts < 1 || starts > 100000) throw Error(fmt::format("starts {} outside 1..100000", starts));
  if (bootstrap < 0 || bootstrap > 1000000) throw Error(fmt::format("bootstrap {} outside 0..1000000", bootstrap));
  if (bootstrap > 0 && bootstrap < 20)
    throw Error(fmt::format("bootstrap {}: at least 20 refits are needed for an interval (or 0 for none)", bootstrap));
  if (bootstrap_starts < 0 || bootstrap_starts > 100000)
    throw Error(fmt::format("bootstrap starts {} outside 0..100000", bootstrap_starts));
  if (!(level > 0.0 && level < 1.0)) throw Error(fmt::format("confidence level {} must lie in (0, 1)", level));
}

FitOptions FitOptions::make(const SearchBox& box, int starts, int bootstrap, int bootstrap_starts, double level,
                            std::uint64_t seed) {
  return FitOptions{.box = box, .filters = {}, .starts = starts, .bootstrap = bootstrap, .bootstrap_starts = bootstrap_starts,
                    .level = level, .seed = seed};
}

namespace {

// The data in normalised units: u = (t − t₀)/Δ ∈ [0, 1], v = (y − ȳ)/s_y; search variables
// x ∈ [0, 1]³ map linearly onto (t_c in u, m, ω). m and ω are the same in both units.
struct Problem {
  std::vector<double> u, v;
  double t0 = 0.0, span = 1.0, ymean = 0.0, yscale = 1.0;
  double lo[3] = {0, 0, 0}, hi[3] = {1, 1, 1};
  std::vector<double> f, g, h;  // scratch
  std::int64_t evaluations = 0;

  double tc_u(const double* x) const { return lo[0] + (hi[0] - lo[0]) * x[0]; }
  double m(const double* x) const { return lo[1] + (hi[1] - lo[1]) * x[1]; }
  double omega(const double* x) const { return lo[2] + (hi[2] - lo[2]) * x[2]; }

  // Filimonov–Sornette cost: the linear parameters solved exactly (normal equations, 4×4).
  double cost(const double* x, Eigen::Vector4d* beta = nullptr) {
    ++evaluations;
    const double tc = tc_u(x), mm = m(x), w = omega(x);
    const std::size_t n = u.size();
    Eigen::Matrix4d G = Eigen::Matrix4d::Zero();
    Eigen::Vector4d b = Eigen::Vector4d::Zero();
    for (std::size_t i = 0; i < n; ++i) {
      const double lt = std::log(tc - u[i]);
      const double fi = std::exp(mm * lt);
      const double gi = fi * std::cos(w * lt), hi_ = fi * std::sin(w * lt);
      f[i] = fi;
      g[i] = gi;
      h[i] = hi_;
      const double r[4] = {1.0, fi, gi, hi_};
      for (int a = 0; a < 4; ++a) {
        b(a) += r[a] * v[i];
        for (int c = a; c < 4; ++c) G(a, c) += r[a] * r[c];
      }
    }
    for (int a = 0; a < 4; ++a)
      for (int c = 0; c < a; ++c) G(a, c) = G(c, a);
    const Eigen::LDLT<Eigen::Matrix4d> ldlt(G);
    if (ldlt.info() != Eigen::Success || !ldlt.isPositive()) return std::numeric_limits<double>::max();
    const Eigen::Vector4d coef = ldlt.solve(b);
    if (!coef.allFinite()) return std::numeric_limits<double>::max();
    double sse = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      const double e = v[i] - coef(0) - coef(1) * f[i] - coef(2) * g[i] - coef(3) * h[i];
      sse += e * e;
    }
    if (beta) *beta = coef;
    return std::isfinite(sse) ? sse : std::numeric_limits<double>::max();
  }
};

Problem make_problem(const Series& s, const SearchBox& box) {
  Problem P;
  const std::size_t n = s.t.size();
  P.t0 = s.t.front();
  P.span = s.t.back() - s.t.front();
  P.ymean = std::accumulate(s.y.begin(), s.y.end(), 0.0) / static_cast<double>(n);
  double var = 0.0;
  for (const double y : s.y) var += (y - P.ymean) * (y - P.ymean);
  P.yscale = std::sqrt(var / static_cast<double>(n));
  if (!(P.yscale > 0.0)) P.yscale = 1.0;  // a constant series: nothing to fit, any scale works
  P.u.resize(n);
  P.v.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    P.u[i] = (s.t[i] - P.t0) / P.span;
    P.v[i] = (s.y[i] - P.ymean) / P.yscale;
  }
  P.f.resize(n);
  P.g.resize(n);
  P.h.resize(n);
  P.lo[0] = 1.0 + std::max(box.tc_after_min, 1e-6);
  P.hi[0] = 1.0 + box.tc_after_max;
  P.lo[1] = box.m_min;
  P.hi[1] = box.m_max;
  P.lo[2] = box.omega_min;
  P.hi[2] = box.omega_max;
  return P;
}

struct NloptDeleter {
  void operator()(nlopt_opt o) const { nlopt_destroy(o); }
};

double nlopt_cost(unsigned, const double* x, double*, void* data) { return static_cast<Problem*>(data)->cost(x); }

struct Best {
  std::array<double, 3> x{};
  double sse = std::numeric_limits<double>::infinity();
};

// BOBYQA from every start; the lowest cost wins (ties: the earlier start). Throws Cancelled.
Best multistart(Problem& P, const std::vector<std::array<double, 3>>& starts, StopSignal* stop) {
  std::unique_ptr<nlopt_opt_s, NloptDeleter> opt(nlopt_create(NLOPT_LN_BOBYQA, 3));
  if (!opt) throw std::runtime_error("nlopt_create failed");
  const double lo[3] = {0, 0, 0}, hi[3] = {1, 1, 1}, step[3] = {0.05, 0.05, 0.05};
  nlopt_set_lower_bounds(opt.get(), lo);
  nlopt_set_upper_bounds(opt.get(), hi);
  nlopt_set_min_objective(opt.get(), nlopt_cost, &P);
  nlopt_set_xtol_rel(opt.get(), 1e-10);
  nlopt_set_ftol_rel(opt.get(), 1e-14);
  nlopt_set_maxeval(opt.get(), 3000);
  nlopt_set_initial_step(opt.get(), step);
  Best best;
  for (const auto& s : starts) {
    if (stop && stop->check()) throw Cancelled();
    std::array<double, 3> x = s;
    double f = std::numeric_limits<double>::infinity();
    const nlopt_result r = nlopt_optimize(opt.get(), x.data(), &f);
    if (r < 0 && r != NLOPT_ROUNDOFF_LIMITED) f = P.cost(x.data());  // keep whatever it reached
    if (std::isfinite(f) && f < best.sse) {
      best.sse = f;
      best.x = x;
    }
  }
  return best;
}

std::vector<std::array<double, 3>> random_starts(int count, Rng& rng) {
  std::vector<std::array<double, 3>> s(static_cast<std::size_t>(count));
  for (auto& x : s)
    for (double& c : x) c = rng.uniform_double();
  return s;
}

// Parameters in the original units from a search point (linear ones from the normalised solve).
Parameters to_parameters(Problem& P, const std::array<double, 3>& x) {
  Eigen::Vector4d beta;
  P.cost(x.data(), &beta);
  Parameters p;
  p.m = P.m(x.data());
  p.omega = P.omega(x.data());
  p.tc = P.t0 + P.span * P.tc_u(x.data());
  // v = β₀ + β₁ τ_u^m + ... with τ_u = τ/Δ: ln τ_u = ln τ − ln Δ shifts the phase by −ω ln Δ.
  const double scale = P.yscale * std::pow(P.span, -p.m);
  const double shift = -p.omega * std::log(P.span);
  const double c1 = beta(2), c2 = beta(3);
  p.A = P.ymean + P.yscale * beta(0);
  p.B = scale * beta(1);
  // c1 cos(ω ln τ + shift) + c2 sin(ω ln τ + shift) = C1 cos(ω ln τ) + C2 sin(ω ln τ)
  p.C1 = scale * (c1 * std::cos(shift) + c2 * std::sin(shift));
  p.C2 = scale * (c2 * std::cos(shift) - c1 * std::sin(shift));
  return p;
}

// Percentile interval (linear interpolation between order statistics, Hyndman & Fan type 7).
Interval interval(double estimate, std::vector<double> values, double level) {
  Interval r;
  r.estimate = estimate;
  if (values.empty()) {
    r.lower = r.upper = estimate;
    return r;
  }
  std::sort(values.begin(), values.end());
  auto quantile = [&](double q) {
    const double pos = q * static_cast<double>(values.size() - 1);
    const auto k = static_cast<std::size_t>(std::floor(pos));
    const double frac = pos - static_cast<double>(k);
    return k + 1 < values.size() ? values[k] * (1.0 - frac) + values[k + 1] * frac : values.back();
  };
  r.lower = quantile((1.0 - level) / 2.0);
  r.upper = quantile(1.0 - (1.0 - level) / 2.0);
  const double mean = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
  double var = 0.0;
  for (const double v : values) var += (v - mean) * (v - mean);
  r.error = values.size() > 1 ? std::sqrt(var / static_cast<double>(values.size() - 1)) : 0.0;
  return r;
}

}  // namespace

Parameters solve_linear(const Series& s, double tc, double m, double omega, double* sse) {
  check_series(s, s.source.empty() ? "series" : s.source);
  if (!(tc > s.t.back())) throw Error(fmt::format("t_c = {} must lie after the last time {}", tc, s.t.back()));
  const auto n = static_cast<Index>(s.t.size());
  Eigen::MatrixXd X(n, 4);
  Eigen::VectorXd y(n);
  for (Index i = 0; i < n; ++i) {
    const double lt = std::log(tc - s.t[static_cast<std::size_t>(i)]);
    const double f = std::exp(m * lt);
    X(i, 0) = 1.0;
    X(i, 1) = f;
    X(i, 2) = f * std::cos(omega * lt);
    X(i, 3) = f * std::sin(omega * lt);
    y(i) = s.y[static_cast<std::size_t>(i)];
  }
  const Eigen::Vector4d beta = X.colPivHouseholderQr().solve(y);
  if (sse) *sse = (y - X * beta).squaredNorm();
  Parameters p;
  p.tc = tc;
  p.m = m;
  p.omega = omega;
  p.A = beta(0);
  p.B = beta(1);
  p.C1 = beta(2);
  p.C2 = beta(3);
  return p;
}

FitResult fit(const Series& series, const FitOptions& o, const StopPoll& poll) {
  o.validate();
  check_series(series, series.source.empty() ? "series" : series.source);
  StopSignal stop(poll);
  Problem P = make_problem(series, o.box);
  Rng start_rng(o.seed, 0);
  const Best best = multistart(P, random_starts(o.starts, start_rng), &stop);
  if (!std::isfinite(best.sse)) throw Error("LPPL fit failed: no start gave a finite cost");
  FitResult r;
  r.best = to_parameters(P, best.x);
  r.sse = best.sse * P.yscale * P.yscale;
  r.rms = std::sqrt(r.sse / static_cast<double>(series.t.size()));
  r.evaluations = P.evaluations;

  // Residual bootstrap in normalised units; refit b draws from Rng(seed, 1 + b).
  const std::size_t n = P.u.size();
  std::vector<double> fitted(n), resid(n);
  {
    Eigen::Vector4d beta;
    P.cost(best.x.data(), &beta);
    double mean = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      fitted[i] = beta(0) + beta(1) * P.f[i] + beta(2) * P.g[i] + beta(3) * P.h[i];
      resid[i] = P.v[i] - fitted[i];
      mean += resid[i];
    }
    mean /= static_cast<double>(n);
    for (double& e : resid) e -= mean;
  }
  const int B = o.bootstrap;
  std::vector<Parameters> refits(static_cast<std::size_t>(B));
  std::vector<std::int64_t> evals(static_cast<std::size_t>(B), 0);
  std::atomic<bool> cancelled{false};
#pragma omp parallel
  {
#pragma omp for schedule(dynamic, 1) nowait
    for (int b = 0; b < B; ++b) {
      const StopItem done(stop);
      if (cancelled.load(std::memory_order_relaxed) || stop.check()) continue;
      Rng rng(o.seed, 1 + static_cast<std::uint64_t>(b));
      Problem Q = P;
      Q.evaluations = 0;
      for (std::size_t i = 0; i < n; ++i) Q.v[i] = fitted[i] + resid[rng.below(n)];
      std::vector<std::array<double, 3>> starts{best.x};
      const auto more = random_starts(o.bootstrap_starts, rng);
      starts.insert(starts.end(), more.begin(), more.end());
      try {
        const Best bb = multistart(Q, starts, &stop);
        refits[static_cast<std::size_t>(b)] = to_parameters(Q, bb.x);
      } catch (const Cancelled&) {
        cancelled.store(true, std::memory_order_relaxed);
      }
      evals[static_cast<std::size_t>(b)] = Q.evaluations;
    }
    stop.wait_for_items(B);
  }
  if (cancelled.load()) throw Cancelled();
  stop.throw_if_stopped();
  for (const std::int64_t e : evals) r.evaluations += e;
  r.bootstrap = B;
  auto collect = [&](auto get) {
    std::vector<double> v;
    v.reserve(refits.size());
    for (const Parameters& p : refits) v.push_back(get(p));
    return v;
  };
  r.tc = interval(r.best.tc, collect([](const Parameters& p) { return p.tc; }), o.level);
  r.m = interval(r.best.m, collect([](const Parameters& p) { return p.m; }), o.level);
  r.omega = interval(r.best.omega, collect([](const Parameters& p) { return p.omega; }), o.level);
  r.A = interval(r.best.A, collect([](const Parameters& p) { return p.A; }), o.level);
  r.B = interval(r.best.B, collect([](const Parameters& p) { return p.B; }), o.level);
  r.C = interval(r.best.C(), collect([](const Parameters& p) { return p.C(); }), o.level);

  const Filters& F = o.filters;
  const double amp = std::hypot(r.best.C1, r.best.C2);
  r.damping = amp > 0.0 ? r.best.m * std::abs(r.best.B) / (r.best.omega * amp) : std::numeric_limits<double>::infinity();
  r.oscillations = r.best.omega / std::acos(-1.0) *
                   std::log((r.best.tc - series.t.front()) / (r.best.tc - series.t.back()));
  r.pass_m = r.best.m > F.m_min && r.best.m < F.m_max;
  r.pass_omega = r.best.omega >= F.omega_min && r.best.omega <= F.omega_max;
  r.pass_damping = r.damping >= F.damping_min;
  r.pass_oscillations = r.oscillations >= F.oscillations_min;
  return r;
}

Series synthetic_series(const Parameters& p, int n, double t_first, double t_last, double sigma, Rng& rng) {
  if (n < static_cast<int>(kMinPoints)) throw Error(fmt::format("synthetic series needs at least {} points", kMinPoints));
  if (!(t_last > t_first) || !(p.tc > t_last))
    throw Error(fmt::format("synthetic series needs t_first < t_last < t_c (got {}, {}, {})", t_first, t_last, p.tc));
  if (!(sigma >= 0.0) || !std::isfinite(sigma)) throw Error(fmt::format("noise sigma {} must be finite and >= 0", sigma));
  Series s;
  s.source = "synthetic series";
  s.t.resize(static_cast<std::size_t>(n));
  s.y.resize(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    const double t = t_first + (t_last - t_first) * i / (n - 1);
    s.t[static_cast<std::size_t>(i)] = t;
    s.y[static_cast<std::size_t>(i)] = evaluate(p, t) + sigma * rng.normal();
  }
  return s;
}

CoverageResult coverage(const CoverageConfig& c, const std::function<void(int, int)>& progress,
                        const StopPoll& poll) {
  c.options.validate();
  if (c.series < 1 || c.series > 1000000) throw Error(fmt::format("series {} outside 1..1000000", c.series));
  if (c.options.bootstrap == 0) throw Error("a coverage check needs bootstrap intervals (bootstrap > 0)");
  StopSignal stop(poll);
  CoverageResult out;
  out.series = c.series;
  out.fits.resize(static_cast<std::size_t>(c.series));
  std::atomic<int> done{0};
  std::atomic<bool> cancelled{false};
  const std::thread::id owner = std::this_thread::get_id();  // progress only from here
#pragma omp parallel
  {
#pragma omp for schedule(dynamic, 1) nowait
    for (int k = 0; k < c.series; ++k) {
      const StopItem item(stop);
      if (cancelled.load(std::memory_order_relaxed) || stop.check()) continue;
      Rng noise(c.seed, 2 * static_cast<std::uint64_t>(k));
      const Series s = synthetic_series(c.truth, c.n, c.t_first, c.t_last, c.sigma, noise);
      FitOptions o = c.options;
      o.seed = Rng(c.seed, 2 * static_cast<std::uint64_t>(k) + 1).next_u64();
      try {
        // The fit checks the stop between its starts and refits too (a series' fit with its
        // bootstrap can take seconds, tens of seconds under a sanitizer): on this thread that
        // polls, elsewhere it reads the flag.
        out.fits[static_cast<std::size_t>(k)] = fit(s, o, [&stop] { return stop.check(); });
      } catch (const Cancelled&) {
        cancelled.store(true);
      }
      const int d = ++done;
      if (progress && std::this_thread::get_id() == owner) progress(d, c.series);
    }
    stop.wait_for_items(c.series);
  }
  if (cancelled.load()) throw Cancelled();
  stop.throw_if_stopped();
  if (progress) progress(c.series, c.series);
  for (const FitResult& f : out.fits) {
    out.covered_tc += f.tc.lower <= c.truth.tc && c.truth.tc <= f.tc.upper;
    out.covered_m += f.m.lower <= c.truth.m && c.truth.m <= f.m.upper;
    out.covered_omega += f.omega.lower <= c.truth.omega && c.truth.omega <= f.omega.upper;
  }
  return out;
}

nlohmann::json interval_json(const Interval& i) {
  return {{"mean", i.estimate}, {"error", i.error}, {"lower", i.lower}, {"upper", i.upper}};
}

nlohmann::json fit_json(const FitResult& r, const FitOptions& o, std::size_t n) {
  const Filters& F = o.filters;
  return {{"t_c", interval_json(r.tc)},
          {"m", interval_json(r.m)},
          {"omega", interval_json(r.omega)},
          {"A", interval_json(r.A)},
          {"B", interval_json(r.B)},
          {"C", interval_json(r.C)},
          {"phi", r.best.phi()},
          {"C1", r.best.C1},
          {"C2", r.best.C2},
          {"sse", r.sse},
          {"rms", r.rms},
          {"points", n},
          {"level", o.level},
          {"bootstrap", r.bootstrap},
          {"evaluations", r.evaluations},
          {"filters",
           {{"m", {{"value", r.best.m}, {"range", {F.m_min, F.m_max}}, {"pass", r.pass_m}}},
            {"omega", {{"value", r.best.omega}, {"range", {F.omega_min, F.omega_max}}, {"pass", r.pass_omega}}},
            {"damping", {{"value", r.damping}, {"min", F.damping_min}, {"pass", r.pass_damping}}},
            {"oscillations", {{"value", r.oscillations}, {"min", F.oscillations_min}, {"pass", r.pass_oscillations}}}}},
          {"qualified", r.qualified()},
          {"search",
           {{"tc_after", {o.box.tc_after_min, o.box.tc_after_max}},
            {"m", {o.box.m_min, o.box.m_max}},
            {"omega", {o.box.omega_min, o.box.omega_max}},
            {"starts", o.starts},
            {"bootstrap_starts", o.bootstrap_starts}}},
          {"seed", o.seed}};
}

}  // namespace rgflow::lppl
