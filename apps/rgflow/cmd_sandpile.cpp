// rgflow sandpile run | stats | recurrent | rg — the BTW sandpile (docs/soc.md).
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_util.hpp"
#include "commands.hpp"
#include "interrupt.hpp"
#include "json_file.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/io/png.hpp"
#include "rgflow/io/plot.hpp"
#include "rgflow/soc/exact.hpp"
#include "rgflow/soc/fss.hpp"
#include "rgflow/soc/recurrent.hpp"
#include "rgflow/soc/report.hpp"
#include "rgflow/soc/rg.hpp"
#include "rgflow/soc/run.hpp"
#include "task_progress.hpp"

namespace rgflow::cli {

namespace {

using soc::kObservables;

void set_threads(int threads) {
  check_range("--threads", std::int64_t{threads}, 0, 1024);
  if (threads > 0) omp_set_num_threads(threads);
}

nlohmann::json add_provenance(nlohmann::json j) {
  nlohmann::json p;
  for (const auto& [k, v] : provenance()) p[k] = v;
  j["provenance"] = p;
  return j;
}

void write_plot(const std::string& path, io::Plot plot) {
  plot.vertical_line = std::nan("");  // none in these plots
  io::write_png_gray(path, io::render_plot(plot), 0.0f, 1.0f);
}

// Points (log10 x, log10 density) of a log-binned histogram; density = count / (total · width).
io::PlotSeries density_series(const soc::LogHistogram& h, bool integer, double x_scale = 1.0,
                                 double tau = 0.0) {
  io::PlotSeries s;
  for (std::size_t k = 0; k < h.counts.size(); ++k) {
    if (h.counts[k] == 0) continue;
    const double width = h.edges[k + 1] - h.edges[k];
    const double x = integer ? std::sqrt(h.edges[k] * (h.edges[k + 1] - 1.0)) : std::sqrt(h.edges[k] * h.edges[k + 1]);
    const double p = static_cast<double>(h.counts[k]) / (static_cast<double>(h.total) * width);
    s.x.push_back(std::log10(x / x_scale));
    s.y.push_back(std::log10(p * std::pow(x, tau)));
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// rgflow sandpile run

struct RunOptions {
  int size = 0;
  std::int64_t grains = 0;
  int lattices = 4;
  std::string start = "stationary";
  std::int64_t transient = -1;
  std::int64_t measure_every = 0;
  std::uint64_t seed = 0;
  int bootstrap = 200;
  std::int64_t size_fit_max = 0, area_fit_max = 0;
  bool no_fit = false;
  std::string output;
  int threads = 0;
  bool json = false;
  bool quiet = false;
};

void run_run(const RunOptions& o) {
  check_range("--size", std::int64_t{o.size}, 2, soc::kMaxSide);
  check_range("--grains", o.grains, 0, soc::kMaxRecordedGrains);
  check_range("--lattices", std::int64_t{o.lattices}, 1, 1000000);
  check_range("--transient", o.transient, -1, std::int64_t{1} << 50);
  check_range("--measure-every", o.measure_every, 0, std::int64_t{1} << 50);
  check_range("--bootstrap", std::int64_t{o.bootstrap}, 0, 100000);
  check_range("--fit-max-size", o.size_fit_max, 0, std::int64_t{1} << 60);
  check_range("--fit-max-area", o.area_fit_max, 0, std::int64_t{1} << 60);
  set_threads(o.threads);
  soc::RunConfig cfg;
  try {
    cfg.start = soc::parse_start(o.start);
  } catch (const Error& e) {
    throw Error(fmt::format("--start: {}", e.what()));
  }
  cfg.L = o.size;
  cfg.grains = o.grains;
  cfg.lattices = o.lattices;
  cfg.transient = o.transient;
  cfg.measure_every = o.measure_every;
  cfg.seed = o.seed;
  cfg.validate();
  if (!o.output.empty()) check_output_path(o.output, {".json"});
  const InterruptScope interrupts;
  soc::RunResult r;
  {
    TaskProgress progress(fmt::format("rgflow sandpile run L={}", o.size), o.quiet || o.json);
    r = soc::run(cfg, [&](std::int64_t d, std::int64_t t) { progress(d, t); }, stop_poll());
  }
  throw_if_cancelled();
  soc::SummaryOptions so;
  so.fits = !o.no_fit;
  so.bootstrap = o.bootstrap;
  so.size_fit_max = o.size_fit_max;
  so.area_fit_max = o.area_fit_max;
  so.raw = !o.output.empty();
  nlohmann::json j = soc::run_json(r, so);
  throw_if_cancelled();
  if (!o.output.empty()) write_json_file(o.output, add_provenance(j));
  if (o.json) {
    j.erase("raw");
    if (!o.output.empty()) j["output"] = o.output;
    print_json(j);
    return;
  }
  const auto exact = soc::infinite_lattice_height_probabilities();
  fmt::print("BTW sandpile L={}: {} grains on {} lattice(s) ({} start, transient {} grains each), seed {}\n", o.size,
             o.grains, o.lattices, soc::start_name(cfg.start), r.config.transient, o.seed);
  fmt::print("  {} avalanches, {} topplings in {:.2f} s ({:.3g} topplings/s)\n", r.avalanches, r.topplings, r.seconds,
             j["topplings_per_second"].get<double>());
  for (int z = 0; z < 4; ++z)
    fmt::print("  P(z={}) = {:.6f} ± {:.6f}   (infinite lattice {:.6f})\n", z, r.height_probability[static_cast<std::size_t>(z)].mean,
               r.height_probability[static_cast<std::size_t>(z)].error, exact[static_cast<std::size_t>(z)]);
  fmt::print("  mean height = {:.6f} ± {:.6f}   (infinite lattice 17/8 = 2.125)\n", r.mean_height.mean, r.mean_height.error);
  fmt::print("  topplings per grain = {:.4f} ± {:.4f}   (exact, Dhar: {:.4f})\n", r.mean_size.mean, r.mean_size.error,
             r.mean_size_exact);
  if (j.contains("fits"))
    for (const char* k : {"size", "area"}) {
      const auto& f = j["fits"][k];
      if (f.contains("tau"))
        fmt::print("  {} exponent tau = {:.4f} ± {:.4f} on [{}, {}] ({} avalanches)\n", k, f["tau"]["mean"].get<double>(),
                   f["tau"]["error"].get<double>(), f["x_min"].get<std::int64_t>(), f["x_max"].get<std::int64_t>(),
                   f["n_fit"].get<std::int64_t>());
    }
  if (!o.output.empty()) fmt::print("  -> {}\n", o.output);
}

// ---------------------------------------------------------------------------------------------
// rgflow sandpile stats

struct StatsOptions {
  std::vector<std::string> files;
  double q_min = 1.0, q_max = 4.0;
  int order = 2;
  std::string plot;
  bool json = false;
};

void run_stats(const StatsOptions& o) {
  if (o.files.empty()) throw Error("no run files given");
  if (!(o.q_min < o.q_max) || !std::isfinite(o.q_min) || !std::isfinite(o.q_max) || o.q_min < 0)
    throw Error(fmt::format("--q-min {} / --q-max {}: need 0 <= q-min < q-max", o.q_min, o.q_max));
  check_range("--order", std::int64_t{o.order}, 1, 2);
  if (!o.plot.empty()) check_output_path(o.plot + "_collapse.png", {".png"});
  std::vector<soc::SizeData> runs;
  for (const auto& f : o.files) runs.push_back(soc::size_data_from_json(read_json_file(f), f));
  const soc::FssStudy study = soc::fss_study(runs, o.q_min, o.q_max, o.order);
  const nlohmann::json result = soc::fss_json(runs, study);
  const auto exact = soc::infinite_lattice_height_probabilities();
  const std::vector<double>& Ls = study.height_sizes;
  const auto& hv = study.heights;
  const auto& ext = study.height_limits;
  const auto& ma = study.moments;

  if (!o.plot.empty()) {
    if (study.has_moments) {
      const double D = ma[0].D.mean, tau = ma[0].tau.mean;
      io::Plot raw, col, sig;
      raw.title = "avalanche size distribution p(s), log10-log10";
      raw.x_label = "log10 s";
      col.title = fmt::format("collapse: log10 s^tau p(s) against log10 s/L^D (tau={:.3f}, D={:.3f})", tau, D);
      col.x_label = "log10 s / L^D";
      for (const soc::SizeData* r : study.avalanche_runs) {
        raw.series.push_back(density_series(r->histograms[0], true));
        col.series.push_back(density_series(r->histograms[0], true, std::pow(r->L, D), tau));
        raw.series_labels.push_back(fmt::format("L = {}", r->L));
        col.series_labels.push_back(fmt::format("L = {}", r->L));
      }
      sig.title = "moment exponents sigma(q) (size); line: D (q + 1 - tau)";
      sig.x_label = "q";
      io::PlotSeries s;
      io::PlotCurve c;
      for (std::size_t i = 0; i < ma[0].q.size(); ++i) {
        s.x.push_back(ma[0].q[i]);
        s.y.push_back(ma[0].sigma[i].mean);
        s.err.push_back(ma[0].sigma[i].error);
        c.x.push_back(ma[0].q[i]);
        c.y.push_back(D * (ma[0].q[i] + 1.0 - tau));
      }
      sig.series.push_back(s);
      sig.curves.push_back(c);
      write_plot(o.plot + "_size.png", raw);
      write_plot(o.plot + "_collapse.png", col);
      write_plot(o.plot + "_sigma.png", sig);
    }
    if (study.has_height_limits) {
      io::Plot h;
      h.title = "p_L(z) - p(z) against 1/L (lines: fits in 1/L)";
      h.x_label = "1/L";
      for (int z = 0; z < 4; ++z) {
        io::PlotSeries s;
        io::PlotCurve c;
        const double want = exact[static_cast<std::size_t>(z)];
        for (std::size_t i = 0; i < Ls.size(); ++i) {
          s.x.push_back(1.0 / Ls[i]);
          s.y.push_back(hv[static_cast<std::size_t>(z)][i].mean - want);
          s.err.push_back(hv[static_cast<std::size_t>(z)][i].error);
        }
        const auto& co = ext[static_cast<std::size_t>(z)].coefficients;
        for (int k = 0; k <= 50; ++k) {
          const double x = k / 50.0 / Ls.front();
          double y = -want;
          for (std::size_t p = 0; p < co.size(); ++p) y += co[p] * std::pow(x, static_cast<double>(p));
          c.x.push_back(x);
          c.y.push_back(y);
        }
        h.series.push_back(s);
        h.curves.push_back(c);
        h.series_labels.push_back(fmt::format("z = {}", z));
      }
      write_plot(o.plot + "_heights.png", h);
    }
  }

  if (o.json) {
    nlohmann::json j = result;
    j["files"] = o.files;
    print_json(j);
    return;
  }
  if (study.has_height_limits) {
    fmt::print("Heights extrapolated in 1/L (order {}) from L = {}:\n", o.order, fmt::join(Ls, ", "));
    for (int z = 0; z < 5; ++z) {
      const auto& e = ext[static_cast<std::size_t>(z)];
      const double want = z < 4 ? exact[static_cast<std::size_t>(z)] : soc::kInfiniteLatticeMeanHeight;
      fmt::print("  {:<12} {:.6f} ± {:.6f}  exact {:.6f}  ({:+.2f} sigma, chi2/dof = {:.2f}/{})\n",
                 z < 4 ? fmt::format("P(z={})", z) : std::string("mean height"), e.limit.mean, e.limit.error, want,
                 (e.limit.mean - want) / e.limit.error, e.chi2, e.dof);
    }
  }
  for (const auto& c : result["mean_size_check"])
    fmt::print("  L={:<5} topplings per grain {:.4f} ± {:.4f}, exact {:.4f} ({:+.2f} sigma)\n", c["L"].get<int>(),
               c["measured"]["mean"].get<double>(), c["measured"]["error"].get<double>(), c["exact"].get<double>(),
               c["deviation_sigma"].get<double>());
  if (study.has_moments) {
    fmt::print("Moment analysis over L = {} (q in [{}, {}]):\n", fmt::join(result["exponents"]["sizes"].get<std::vector<int>>(), ", "),
               o.q_min, o.q_max);
    for (int k = 0; k < 4; ++k)
      fmt::print("  {:<9} D = {:.4f} ± {:.4f}   tau = {:.4f} ± {:.4f}\n", kObservables[k], ma[static_cast<std::size_t>(k)].D.mean,
                 ma[static_cast<std::size_t>(k)].D.error, ma[static_cast<std::size_t>(k)].tau.mean, ma[static_cast<std::size_t>(k)].tau.error);
    fmt::print("  (Lubeck & Usadel 1997: tau_s = 1.293, D_s = 2.73)\n");
  }
}

// ---------------------------------------------------------------------------------------------
// rgflow sandpile recurrent

struct RecurrentOptions {
  int size = 0;
  std::string method = "split";
  int threads = 0;
  bool json = false;
};

void run_recurrent(const RecurrentOptions& o) {
  const auto method = o.method == "brute" ? soc::EnumerationMethod::brute : soc::EnumerationMethod::split;
  if (o.method != "brute" && o.method != "split") throw Error(fmt::format("--method {}: split or brute", o.method));
  check_range("--size", std::int64_t{o.size}, 1, soc::kMaxEnumerationSide);
  set_threads(o.threads);
  const InterruptScope interrupts;
  const auto t0 = std::chrono::steady_clock::now();
  const auto e = soc::enumerate_recurrent(o.size, method, stop_poll());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::uint64_t det = soc::toppling_determinant(o.size);
  std::vector<double> p;
  for (const auto h : e.height_sum) p.push_back(static_cast<double>(h) / (static_cast<double>(e.count) * o.size * o.size));
  if (o.json) {
    print_json({{"L", o.size}, {"count", e.count}, {"det", det}, {"matches_det", e.count == det}, {"method", o.method},
                {"burning_tests", e.burning_tests}, {"height_probabilities", p}, {"seconds", seconds}});
    return;
  }
  fmt::print("L={}: {} recurrent configurations ({} enumeration, {} burning tests, {:.2f} s); det(Delta) = {} ({})\n",
             o.size, e.count, o.method, e.burning_tests, seconds, det, e.count == det ? "equal" : "DIFFERENT");
  fmt::print("  exact finite-lattice P(z) = {:.6f} {:.6f} {:.6f} {:.6f}\n", p[0], p[1], p[2], p[3]);
}

// ---------------------------------------------------------------------------------------------
// rgflow sandpile rg

// "1,2,4" -> {1, 2, 4}; Error naming --blocks otherwise.
std::vector<int> parse_block_list(const std::string& text) {
  std::vector<int> out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t end = std::min(text.find(',', pos), text.size());
    const std::string item = text.substr(pos, end - pos);
    std::size_t used = 0;
    int v = 0;
    try {
      v = std::stoi(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (item.empty() || used != item.size()) throw Error(fmt::format("--blocks {}: '{}' is not an integer", text, item));
    out.push_back(v);
    pos = end + 1;
  }
  return out;
}

struct RgOptions {
  int size = 0;
  std::int64_t grains = 0;
  int lattices = 4;
  std::string blocks = "1,2,4,8";
  int height_samples = 200;
  std::int64_t tail_min = 4;
  std::uint64_t seed = 0;
  std::string output, plot;
  int threads = 0;
  bool json = false;
  bool quiet = false;
};

void run_rg(const RgOptions& o) {
  soc::RgConfig cfg;
  cfg.L = o.size;
  cfg.grains = o.grains;
  cfg.lattices = o.lattices;
  cfg.height_samples = o.height_samples;
  cfg.tail_min = o.tail_min;
  cfg.seed = o.seed;
  cfg.blocks = parse_block_list(o.blocks);
  check_range("--size", std::int64_t{o.size}, 4, 4096);
  check_range("--grains", o.grains, soc::kBlocks, std::int64_t{1} << 40);
  check_range("--lattices", std::int64_t{o.lattices}, 1, 4096);
  check_range("--height-samples", std::int64_t{o.height_samples}, 20, 1000000);
  check_range("--tail-min", o.tail_min, 1, std::int64_t{1} << 40);
  for (const int b : cfg.blocks)
    if (b < 1 || o.size % b != 0 || b > o.size / 2)
      throw Error(fmt::format("--blocks: {} must divide --size {} and be at most {}", b, o.size, o.size / 2));
  if (o.grains / o.lattices < soc::kBlocks) throw Error(fmt::format("--grains: at least {} per lattice", soc::kBlocks));
  set_threads(o.threads);
  cfg.validate();
  if (!o.output.empty()) check_output_path(o.output, {".json"});
  if (!o.plot.empty()) check_output_path(o.plot + "_pk.png", {".png"});
  const InterruptScope interrupts;
  soc::RgResult r;
  {
    TaskProgress progress(fmt::format("rgflow sandpile rg L={}", o.size), o.quiet || o.json);
    r = soc::renormalize(cfg, [&](std::int64_t d, std::int64_t t) { progress(d, t); }, stop_poll());
  }
  throw_if_cancelled();
  const nlohmann::json j = soc::rg_json(r);
  if (!o.output.empty()) write_json_file(o.output, add_provenance(j));
  if (!o.plot.empty()) {
    io::Plot pk, tails;
    pk.title = "rg flow of p_k(b): fraction of relaxing blocks passing grains to k sides";
    pk.x_label = "log2 b";
    for (int k = 1; k <= 4; ++k) {
      io::PlotSeries s;
      for (const auto& lev : r.levels) {
        s.x.push_back(std::log2(lev.b));
        s.y.push_back(lev.p_k[static_cast<std::size_t>(k)].mean);
        s.err.push_back(lev.p_k[static_cast<std::size_t>(k)].error);
      }
      pk.series.push_back(s);
      pk.series_labels.push_back(fmt::format("k = {}", k));
    }
    tails.title = fmt::format("block areas a_b on L={} (points) and areas on L/b (lines), log10", o.size);
    tails.x_label = "log10 a";
    for (const auto& lev : r.levels) {
      tails.series.push_back(density_series(lev.block_area, true));
      tails.series_labels.push_back(fmt::format("b = {}", lev.b));
      const auto s = density_series(lev.area_small, true);
      tails.curves.push_back({s.x, s.y});
    }
    write_plot(o.plot + "_pk.png", pk);
    write_plot(o.plot + "_areas.png", tails);
  }
  if (o.json) {
    nlohmann::json out = j;
    for (auto& lev : out["levels"]) {
      lev.erase("block_area_histogram");
      lev.erase("small_lattice_area_histogram");
    }
    if (!o.output.empty()) out["output"] = o.output;
    print_json(out);
    return;
  }
  fmt::print("Real-space RG view, L={}, {} grains, seed {} ({:.1f} s)\n", o.size, o.grains, o.seed, r.seconds);
  fmt::print("{:>5} {:>22} {:>16} {:>16} {:>16} {:>16} {:>10}\n", "b", "rho (block critical)", "p_1", "p_2", "p_3", "p_4",
             "tail KS");
  for (const auto& lev : r.levels) {
    auto cell = [](const stats::Result& x) { return fmt::format("{:.4f}±{:.4f}", x.mean, x.error); };
    fmt::print("{:>5} {:>22} {:>16} {:>16} {:>16} {:>16} {:>10.4f}\n", lev.b, cell(lev.rho), cell(lev.p_k[1]),
               cell(lev.p_k[2]), cell(lev.p_k[3]), cell(lev.p_k[4]), lev.tail_ks);
  }
}

}  // namespace

void add_sandpile_commands(CLI::App& app) {
  CLI::App* top = app.add_subcommand("sandpile", "BTW / abelian sandpile: driven runs, FSS, exact checks, RG view");
  top->require_subcommand(1);
  {
    auto o = std::make_shared<RunOptions>();
    CLI::App* cmd = top->add_subcommand("run", "Drive LxL sandpiles with random grains: heights, avalanches, fits");
    cmd->add_option("--size,-L", o->size, "Lattice side L")->required();
    cmd->add_option("--grains,-n", o->grains, "Recorded grains, all lattices together (0: heights of the start only)")
        ->required();
    cmd->add_option("--lattices", o->lattices, "Independent lattices (parallel; results do not depend on threads)")
        ->capture_default_str();
    cmd->add_option("--start", o->start,
                    "stationary (exact sample of the stationary state: no transient needed), empty or max")
        ->capture_default_str();
    cmd->add_option("--transient", o->transient,
                    "Grains per lattice before recording (-1: 0 for a stationary start, 4 L^2 otherwise)")
        ->capture_default_str();
    cmd->add_option("--measure-every", o->measure_every, "Grains between height measurements (0: max(1, L/16))")
        ->capture_default_str();
    cmd->add_option("--seed", o->seed, "Random seed (lattice l uses stream l)")->capture_default_str();
    cmd->add_option("--bootstrap", o->bootstrap, "Bootstrap resamples of the power-law fits")->capture_default_str();
    cmd->add_option("--fit-max-size", o->size_fit_max, "Cutoff of the size fit (0: L^2)")->capture_default_str();
    cmd->add_option("--fit-max-area", o->area_fit_max, "Cutoff of the area fit (0: L^2/4)")->capture_default_str();
    cmd->add_flag("--no-fit", o->no_fit, "Skip the power-law fits");
    cmd->add_option("--output,-o", o->output, "Write the run (with raw moments and histograms) as JSON, for stats");
    cmd->add_option("--threads", o->threads, "OpenMP threads (0: default)")->capture_default_str();
    cmd->add_flag("--json", o->json, "Print one JSON object on stdout");
    cmd->add_flag("--quiet,-q", o->quiet, "No progress on stderr");
    cmd->callback([o] { run_run(*o); });
  }
  {
    auto o = std::make_shared<StatsOptions>();
    CLI::App* cmd = top->add_subcommand(
        "stats", "Finite-size scaling of run outputs: heights extrapolated in 1/L, moment analysis, collapse");
    cmd->add_option("files", o->files, "Run files written by `sandpile run --output` (one or more sizes)")->required();
    cmd->add_option("--q-min", o->q_min, "Smallest moment order in the fit of sigma(q)")->capture_default_str();
    cmd->add_option("--q-max", o->q_max, "Largest moment order in the fit of sigma(q)")->capture_default_str();
    cmd->add_option("--order", o->order, "Extrapolation in 1/L: 1 (linear) or 2 (with 1/L^2)")->capture_default_str();
    cmd->add_option("--plot", o->plot,
                    "Write PREFIX_size.png, PREFIX_collapse.png, PREFIX_sigma.png, PREFIX_heights.png");
    cmd->add_flag("--json", o->json, "Print one JSON object on stdout");
    cmd->callback([o] { run_stats(*o); });
  }
  {
    auto o = std::make_shared<RecurrentOptions>();
    CLI::App* cmd = top->add_subcommand("recurrent", "Count recurrent configurations by enumeration (small L) vs det");
    cmd->add_option("--size,-L", o->size, "Lattice side L (1..4)")->required();
    cmd->add_option("--method", o->method, "split (two halves' burning responses, fast) or brute (every configuration burnt on its own; minutes at L = 4)")
        ->capture_default_str();
    cmd->add_option("--threads", o->threads, "OpenMP threads (0: default)")->capture_default_str();
    cmd->add_flag("--json", o->json, "Print one JSON object on stdout");
    cmd->callback([o] { run_recurrent(*o); });
  }
  {
    auto o = std::make_shared<RgOptions>();
    CLI::App* cmd = top->add_subcommand("rg", "Real-space RG view: block statistics of heights and avalanches");
    cmd->add_option("--size,-L", o->size, "Lattice side L")->required();
    cmd->add_option("--grains,-n", o->grains, "Grains on the L lattice (and on each L/b lattice)")->required();
    cmd->add_option("--blocks", o->blocks, "Block sides b (each divides L)")->capture_default_str();
    cmd->add_option("--lattices", o->lattices, "Independent lattices")->capture_default_str();
    cmd->add_option("--height-samples", o->height_samples, "Stationary samples for block heights")
        ->capture_default_str();
    cmd->add_option("--tail-min", o->tail_min, "Smallest area in the tail comparison")->capture_default_str();
    cmd->add_option("--seed", o->seed, "Random seed")->capture_default_str();
    cmd->add_option("--output,-o", o->output, "Write the full result (with histograms) as JSON");
    cmd->add_option("--plot", o->plot, "Write PREFIX_pk.png and PREFIX_areas.png");
    cmd->add_option("--threads", o->threads, "OpenMP threads (0: default)")->capture_default_str();
    cmd->add_flag("--json", o->json, "Print one JSON object on stdout");
    cmd->add_flag("--quiet,-q", o->quiet, "No progress on stderr");
    cmd->callback([o] { run_rg(*o); });
  }
}

}  // namespace rgflow::cli
