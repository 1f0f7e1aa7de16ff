// rgflow lppl fit | synth | coverage — log-periodic power laws (docs/soc.md).
#include <omp.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_util.hpp"
#include "commands.hpp"
#include "interrupt.hpp"
#include "json_file.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/io/atomic_file.hpp"
#include "rgflow/io/png.hpp"
#include "rgflow/io/plot.hpp"
#include "rgflow/lppl/lppl.hpp"
#include "rgflow/stats/result.hpp"
#include "task_progress.hpp"

namespace rgflow::cli {

namespace {

// Options shared by fit and coverage: the search box, filters and bootstrap.
struct SearchOptions {
  double tc_min = 0.0, tc_max = 0.5;
  double m_min = 0.01, m_max = 1.2;
  double omega_min = 2.0, omega_max = 25.0;
  int starts = 24, bootstrap = 200, bootstrap_starts = 6;
  double level = 0.95;
  std::uint64_t seed = 0;
  int threads = 0;

  void add_to(CLI::App* cmd) {
    cmd->add_option("--tc-min", tc_min, "Earliest t_c searched, after the last time, in window lengths")->capture_default_str();
    cmd->add_option("--tc-max", tc_max, "Latest t_c searched, after the last time, in window lengths")->capture_default_str();
    cmd->add_option("--m-min", m_min, "Search range of m: lower end")->capture_default_str();
    cmd->add_option("--m-max", m_max, "Search range of m: upper end")->capture_default_str();
    cmd->add_option("--omega-min", omega_min, "Search range of omega: lower end")->capture_default_str();
    cmd->add_option("--omega-max", omega_max, "Search range of omega: upper end")->capture_default_str();
    cmd->add_option("--starts", starts, "Multistart points of the nonlinear search")->capture_default_str();
    cmd->add_option("--bootstrap", bootstrap, "Residual-bootstrap refits (0: no intervals)")->capture_default_str();
    cmd->add_option("--bootstrap-starts", bootstrap_starts, "Random starts per refit besides the best fit")
        ->capture_default_str();
    cmd->add_option("--level", level, "Confidence level of the intervals")->capture_default_str();
    cmd->add_option("--seed", seed, "Random seed (starts and resampling)")->capture_default_str();
    cmd->add_option("--threads", threads, "OpenMP threads (0: default; results do not depend on it)")->capture_default_str();
  }

  lppl::FitOptions options() const {
    check_range("--starts", std::int64_t{starts}, 1, 100000);
    check_range("--bootstrap", std::int64_t{bootstrap}, 0, 1000000);
    if (bootstrap > 0 && bootstrap < 20) throw Error(fmt::format("--bootstrap {}: at least 20 (or 0)", bootstrap));
    check_range("--bootstrap-starts", std::int64_t{bootstrap_starts}, 0, 100000);
    if (!(level > 0.0 && level < 1.0)) throw Error(fmt::format("--level {}: must lie in (0, 1)", level));
    if (!(tc_min >= 0.0) || !(tc_max > tc_min) || !std::isfinite(tc_max))
      throw Error(fmt::format("--tc-min {} / --tc-max {}: need 0 <= tc-min < tc-max", tc_min, tc_max));
    if (!(m_min > 0.0) || !(m_max > m_min) || !std::isfinite(m_max))
      throw Error(fmt::format("--m-min {} / --m-max {}: need 0 < m-min < m-max", m_min, m_max));
    if (!(omega_min > 0.0) || !(omega_max > omega_min) || !std::isfinite(omega_max))
      throw Error(fmt::format("--omega-min {} / --omega-max {}: need 0 < omega-min < omega-max", omega_min, omega_max));
    check_range("--threads", std::int64_t{threads}, 0, 1024);
    if (threads > 0) omp_set_num_threads(threads);
    return lppl::FitOptions::make({tc_min, tc_max, m_min, m_max, omega_min, omega_max}, starts, bootstrap,
                                  bootstrap_starts, level, seed);
  }
};

// ---------------------------------------------------------------------------------------------

struct FitCli {
  std::string series;
  SearchOptions search;
  std::string plot;
  bool json = false;
};

void write_fit_plot(const std::string& path, const lppl::Series& s, const lppl::FitResult& r) {
  io::Plot p;
  p.title = fmt::format("lppl fit: t_c = {:.4g} [{:.4g}, {:.4g}], m = {:.3f}, omega = {:.3f}", r.tc.estimate, r.tc.lower,
                        r.tc.upper, r.best.m, r.best.omega);
  p.x_label = "t (dashed: fitted t_c)";
  p.vertical_line = r.best.tc;
  io::PlotSeries data;
  data.x = s.t;
  data.y = s.y;
  p.series.push_back(data);
  io::PlotCurve c;
  const double t0 = s.t.front(), t1 = r.best.tc;
  for (int k = 0; k <= 600; ++k) {
    const double t = t0 + (t1 - t0) * k / 600.0;
    c.x.push_back(t);
    c.y.push_back(k == 600 ? std::nan("") : lppl::evaluate(r.best, t));
  }
  p.curves.push_back(c);
  io::write_png_gray(path, io::render_plot(p), 0.0f, 1.0f);
}

void run_fit(const FitCli& o) {
  const lppl::FitOptions fo = o.search.options();
  if (!o.plot.empty()) check_output_path(o.plot, {".png"});
  const lppl::Series s = lppl::read_series(o.series);
  const InterruptScope interrupts;
  const lppl::FitResult r = lppl::fit(s, fo, stop_poll());
  throw_if_cancelled();
  if (!o.plot.empty()) write_fit_plot(o.plot, s, r);
  if (o.json) {
    nlohmann::json j = lppl::fit_json(r, fo, s.t.size());
    j["series"] = o.series;
    print_json(j);
    return;
  }
  fmt::print("LPPL fit of {} ({} points; {} starts, {} bootstrap refits, {:.0f}% intervals, seed {})\n", o.series,
             s.t.size(), fo.starts, r.bootstrap, 100 * fo.level, fo.seed);
  const std::pair<const char*, const lppl::Interval*> rows[] = {{"t_c", &r.tc}, {"m", &r.m}, {"omega", &r.omega},
                                                                 {"A", &r.A},     {"B", &r.B}, {"C", &r.C}};
  for (const auto& [name, i] : rows)
    fmt::print("  {:<6} {:>14.6g}   [{:.6g}, {:.6g}]\n", name, i->estimate, i->lower, i->upper);
  fmt::print("  phi {:.4f}, rms residual {:.4g}, damping {:.3f}, oscillations {:.2f}: {}\n", r.best.phi(), r.rms, r.damping,
             r.oscillations, r.qualified() ? "qualified (all filters pass)" : "not qualified");
}

// ---------------------------------------------------------------------------------------------

struct TruthOptions {
  double tc = 1.1, m = 0.5, omega = 9.0, A = 1.0, B = -1.0, C = 0.05, phi = 1.0;  // damping 1.1: qualified
  int points = 200;
  double t_first = 0.0, t_last = 1.0, noise = 0.01;

  void add_to(CLI::App* cmd) {
    cmd->add_option("--tc", tc, "True t_c")->capture_default_str();
    cmd->add_option("--m", m, "True m")->capture_default_str();
    cmd->add_option("--omega", omega, "True omega")->capture_default_str();
    cmd->add_option("--A", A, "True A")->capture_default_str();
    cmd->add_option("--B", B, "True B")->capture_default_str();
    cmd->add_option("--C", C, "True C (relative amplitude of the oscillation)")->capture_default_str();
    cmd->add_option("--phi", phi, "True phase phi")->capture_default_str();
    cmd->add_option("--points", points, "Points in the series")->capture_default_str();
    cmd->add_option("--t-first", t_first, "First time")->capture_default_str();
    cmd->add_option("--t-last", t_last, "Last time")->capture_default_str();
    cmd->add_option("--noise", noise, "Standard deviation of the Gaussian noise")->capture_default_str();
  }
  lppl::Parameters truth() const {
    for (const double v : {tc, m, omega, A, B, C, phi, t_first, t_last})
      if (!std::isfinite(v)) throw Error("--tc/--m/--omega/--A/--B/--C/--phi/--t-first/--t-last must be finite");
    check_range("--points", std::int64_t{points}, static_cast<std::int64_t>(lppl::kMinPoints), 10000000);
    if (!(noise >= 0.0) || !std::isfinite(noise)) throw Error(fmt::format("--noise {}: must be finite and >= 0", noise));
    if (!(t_last > t_first) || !(tc > t_last))
      throw Error(fmt::format("--t-first {} < --t-last {} < --tc {} is required", t_first, t_last, tc));
    if (B == 0.0) throw Error("--B: must not be 0");
    return lppl::Parameters::from_phase(tc, m, omega, A, B, C, phi);
  }
};

struct SynthCli {
  TruthOptions truth;
  std::uint64_t seed = 0;
  std::string output;
};

void run_synth(const SynthCli& o) {
  const lppl::Parameters p = o.truth.truth();
  check_output_path(o.output, {".csv"});
  Rng rng(o.seed, 0);
  const lppl::Series s = lppl::synthetic_series(p, o.truth.points, o.truth.t_first, o.truth.t_last, o.truth.noise, rng);
  io::AtomicFile file(o.output);
  {
    std::ofstream out(file.temp_path(), std::ios::trunc);
    out << fmt::format("# rgflow lppl synth: tc={} m={} omega={} A={} B={} C={} phi={} noise={} seed={}\n", o.truth.tc,
                       o.truth.m, o.truth.omega, o.truth.A, o.truth.B, o.truth.C, o.truth.phi, o.truth.noise, o.seed);
    out << "t,y\n";
    for (std::size_t i = 0; i < s.t.size(); ++i) out << fmt::format("{:.17g},{:.17g}\n", s.t[i], s.y[i]);
    out.flush();
    if (!out) throw FileError(o.output, "cannot write");
  }
  file.commit();
}

// ---------------------------------------------------------------------------------------------

struct CoverageCli {
  TruthOptions truth;
  SearchOptions search;
  int series = 200;
  std::string output;
  bool json = false;
  bool quiet = false;
};

void run_coverage(const CoverageCli& o) {
  lppl::CoverageConfig c;
  c.truth = o.truth.truth();
  c.options = o.search.options();
  check_range("--series", std::int64_t{o.series}, 1, 1000000);
  if (c.options.bootstrap == 0) throw Error("--bootstrap: the coverage check needs intervals (> 0)");
  c.series = o.series;
  c.n = o.truth.points;
  c.t_first = o.truth.t_first;
  c.t_last = o.truth.t_last;
  c.sigma = o.truth.noise;
  c.seed = o.search.seed;
  if (!o.output.empty()) check_output_path(o.output, {".json"});
  const InterruptScope interrupts;
  lppl::CoverageResult r;
  const auto t0 = std::chrono::steady_clock::now();
  {
    TaskProgress progress("rgflow lppl coverage", o.quiet || o.json);
    r = lppl::coverage(c, [&](int d, int t) { progress(d, t); }, stop_poll());
  }
  throw_if_cancelled();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto frac = [&](int k) {
    nlohmann::json j = stats::proportion(k, r.series);  // mean, binomial error, n
    j["covered"] = k;
    return j;
  };
  int qualified = 0;
  for (const auto& f : r.fits) qualified += f.qualified();
  nlohmann::json j{{"series", r.series},
                   {"level", c.options.level},
                   {"coverage", {{"t_c", frac(r.covered_tc)}, {"m", frac(r.covered_m)}, {"omega", frac(r.covered_omega)}}},
                   {"qualified_fraction", static_cast<double>(qualified) / r.series},
                   {"truth", {{"tc", o.truth.tc}, {"m", o.truth.m}, {"omega", o.truth.omega}, {"A", o.truth.A},
                              {"B", o.truth.B}, {"C", o.truth.C}, {"phi", o.truth.phi}}},
                   {"points", c.n},
                   {"t_range", {c.t_first, c.t_last}},
                   {"noise", c.sigma},
                   {"bootstrap", c.options.bootstrap},
                   {"starts", c.options.starts},
                   {"bootstrap_starts", c.options.bootstrap_starts},
                   {"seed", c.seed},
                   {"seconds", seconds}};
  if (!o.output.empty()) {
    nlohmann::json full = j;
    nlohmann::json fits = nlohmann::json::array();
    for (const auto& f : r.fits)
      fits.push_back({{"t_c", lppl::interval_json(f.tc)}, {"m", lppl::interval_json(f.m)}, {"omega", lppl::interval_json(f.omega)},
                      {"qualified", f.qualified()}});
    full["fits"] = fits;
    nlohmann::json p;
    for (const auto& [k, v] : provenance()) p[k] = v;
    full["provenance"] = p;
    write_json_file(o.output, full);
  }
  if (o.json) {
    print_json(j);
    return;
  }
  fmt::print("LPPL coverage over {} synthetic series ({} points, noise {}), {:.0f}% bootstrap intervals ({:.0f} s):\n",
             r.series, c.n, c.sigma, 100 * c.options.level, seconds);
  for (const char* k : {"t_c", "m", "omega"})
    fmt::print("  {:<6} {:.3f} ± {:.3f}\n", k, j["coverage"][k]["mean"].get<double>(), j["coverage"][k]["error"].get<double>());
}

}  // namespace

void add_lppl_commands(CLI::App& app) {
  CLI::App* top = app.add_subcommand("lppl", "Log-periodic power law fits (Filimonov-Sornette) with bootstrap intervals");
  top->require_subcommand(1);
  {
    auto o = std::make_shared<FitCli>();
    CLI::App* cmd = top->add_subcommand("fit", "Fit y = A + B (t_c - t)^m [1 + C cos(omega ln(t_c - t) - phi)]");
    cmd->add_option("series", o->series, "CSV with two columns t, y (optional header line)")->required();
    o->search.add_to(cmd);
    cmd->add_option("--plot", o->plot, "Write the data and the fitted curve as PNG");
    cmd->add_flag("--json", o->json, "Print one JSON object on stdout");
    cmd->callback([o] { run_fit(*o); });
  }
  {
    auto o = std::make_shared<SynthCli>();
    CLI::App* cmd = top->add_subcommand("synth", "Write a synthetic LPPL series with Gaussian noise as CSV");
    o->truth.add_to(cmd);
    cmd->add_option("--seed", o->seed, "Seed of the noise")->capture_default_str();
    cmd->add_option("--output,-o", o->output, "Output CSV (t,y)")->required();
    cmd->callback([o] { run_synth(*o); });
  }
  {
    auto o = std::make_shared<CoverageCli>();
    CLI::App* cmd = top->add_subcommand("coverage", "How often the intervals cover the truth over synthetic series");
    o->truth.add_to(cmd);
    o->search.add_to(cmd);
    cmd->add_option("--series", o->series, "Number of synthetic series")->capture_default_str();
    cmd->add_option("--output,-o", o->output, "Write every fit's intervals as JSON");
    cmd->add_flag("--json", o->json, "Print one JSON object on stdout");
    cmd->add_flag("--quiet,-q", o->quiet, "No progress on stderr");
    cmd->callback([o] { run_coverage(*o); });
  }
}

}  // namespace rgflow::cli
