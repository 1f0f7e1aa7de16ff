// rgflow ising sample | exact | observe | block | mcrg
// The work of each subcommand is in run/ising.hpp (sampling, scans, files, plots, exact values,
// observables of stored configurations, block spins); this file checks the flags, builds the
// requests and prints.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_util.hpp"
#include "commands.hpp"
#include "distributed.hpp"
#include "interrupt.hpp"
#include "task_progress.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/io/dataset.hpp"
#include "rgflow/ising/exact.hpp"
#include "rgflow/ising/sampler.hpp"
#include "rgflow/ising/scan.hpp"
#include "rgflow/rg/block_spin.hpp"
#include "rgflow/rg/coarse_graining.hpp"
#include "rgflow/rg/mcrg.hpp"
#include "rgflow/run/ising.hpp"

namespace rgflow::cli {

namespace {

using ising::Observables;
using stats::Result;

void print_observables_text(const Observables& o, const std::optional<run::IsingExactPoint>& exact) {
  auto line = [](const char* name, const Result& r) {
    fmt::print("  {:<24} {:>14.8f} ± {:.2g}\n", name, r.mean, r.error);
  };
  line("energy_per_spin", o.energy_per_spin);
  line("specific_heat_per_spin", o.specific_heat_per_spin);
  line("abs_magnetization", o.abs_magnetization);
  line("susceptibility", o.susceptibility);
  line("binder", o.binder);
  line("tau_int (measurements)", o.tau_int);
  if (exact) {
    fmt::print("  exact (Kaufman): energy_per_spin {:.10f}, specific_heat_per_spin {:.10f}\n",
               exact->energy_per_spin, exact->specific_heat_per_spin);
  }
}

// Progress on stderr, only on a terminal, at most a few times per second.
class SampleProgress {
 public:
  explicit SampleProgress(bool quiet) : enabled_(!quiet && isatty(fileno(stderr))) {}
  ~SampleProgress() { clear(); }
  SampleProgress(const SampleProgress&) = delete;
  SampleProgress& operator=(const SampleProgress&) = delete;
  void operator()(std::int64_t done, std::int64_t total) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (done < total && now - last_ < std::chrono::milliseconds(250)) return;
    last_ = now;
    shown_ = true;
    fmt::print(stderr, "\rrgflow ising sample: round {}/{} ({:.0f}%)", done, total,
               100.0 * static_cast<double>(done) / static_cast<double>(total));
    std::fflush(stderr);
  }
  // Clears the line (between the points of a scan, and at the end).
  void clear() {
    if (shown_) std::fputs("\r\033[K", stderr);
    shown_ = false;
    last_ = {};
  }

 private:
  bool enabled_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point last_{};
};

// ---------------------------------------------------------------------------------------------
// rgflow ising sample

struct SampleOptions {
  std::string size;         // "L" or "L1,L2,..."
  std::string temperature;  // "T" or "start:stop:count"
  double coupling = 1.0;
  double field = 0.0;
  std::int64_t samples = 0;
  std::string algorithm = "metropolis";
  int sweeps_between = 1;
  int thermalize = 1000;
  int chains = 0;
  std::uint64_t seed = 0;
  std::string output;
  std::string plot;  // PNG prefix (scans)
  bool json = false;
  bool quiet = false;
};

void print_scan_text(const SampleOptions& o, const run::IsingSampleRun& r) {
  const double tc = o.coupling * ising::critical_temperature();
  fmt::print("Ising scan: L = {}, T = {} ({} points), J={} h={}, {} samples per point, {}\n",
             fmt::join(r.request.sizes, ","), o.temperature, r.points.size(), o.coupling, o.field,
             o.samples, ising::algorithm_name(r.request.algorithm));
  fmt::print("{:>5} {:>9} {:>22} {:>13} {:>20} {:>13} {:>20} {:>20} {:>18}\n", "L", "T", "energy",
             "exact", "specific_heat", "exact", "|m|", "chi", "binder");
  auto cell = [](const Result& x) { return fmt::format("{:.6f} ± {:.1e}", x.mean, x.error); };
  for (const auto& p : r.points) {
    const auto& ob = p.observables;
    fmt::print("{:>5} {:>9.5f} {:>22} {:>13} {:>20} {:>13} {:>20} {:>20} {:>18}\n", p.L, p.temperature,
               cell(ob.energy_per_spin),
               p.exact ? fmt::format("{:.6f}", p.exact->energy_per_spin) : "-",
               cell(ob.specific_heat_per_spin),
               p.exact ? fmt::format("{:.6f}", p.exact->specific_heat_per_spin) : "-",
               cell(ob.abs_magnetization), cell(ob.susceptibility), cell(ob.binder));
  }
  for (const auto& c : r.crossings) {
    if (c.found)
      fmt::print("Binder crossing L={} / L={}: T = {:.5f} ± {:.5f} (T_c = {:.5f})\n", c.L1, c.L2,
                 c.temperature.mean, c.temperature.error, tc);
    else
      fmt::print("Binder crossing L={} / L={}: none in the scanned range\n", c.L1, c.L2);
  }
  std::vector<std::string> files;
  for (const auto& p : r.points) {
    if (!p.output.empty()) files.push_back(p.output);
  }
  if (!files.empty()) fmt::print("files ({}, one per point): {}\n", files.size(), fmt::join(files, " "));
  if (!o.plot.empty())
    fmt::print("plots: {0}_energy.png {0}_specific_heat.png {0}_abs_magnetization.png "
               "{0}_susceptibility.png {0}_binder.png\n", o.plot);
}

void run_sample(const SampleOptions& o) {
  // Ctrl-C: Cancelled, exit 130 (main); a scan keeps the files of the points it finished.
  const InterruptScope interrupts;
  run::IsingSampleRequest request;
  request.sizes = with_flag("--size", [&] { return ising::parse_sizes(o.size); });
  request.temperatures = with_flag("--temperature", [&] { return ising::parse_temperatures(o.temperature); });
  for (const int L : request.sizes) check_range("--size", std::int64_t{L}, 2, 4096);
  request.algorithm = ising::parse_algorithm(o.algorithm);
  if (!std::isfinite(o.coupling)) throw Error(fmt::format("--coupling {}: must be finite", o.coupling));
  if (!std::isfinite(o.field)) throw Error(fmt::format("--field {}: must be finite", o.field));
  check_range("--samples", o.samples, 1, std::int64_t{1} << 40);
  check_range("--sweeps-between", std::int64_t{o.sweeps_between}, 1, 1 << 30);
  check_range("--thermalize", std::int64_t{o.thermalize}, 0, 1 << 30);
  check_range("--chains", std::int64_t{o.chains}, 0, 1 << 20);
  request.coupling = o.coupling;
  request.field = o.field;
  request.samples = o.samples;
  request.sweeps_between = o.sweeps_between;
  request.thermalize = o.thermalize;
  request.chains = o.chains;
  request.seed = o.seed;
  request.output = o.output;
  request.plot = o.plot;
  request.provenance = provenance();
  // Under mpirun: a point's chains, or a scan's points, over the ranks; the same bits as one
  // process; rank 0 writes the files and prints (distributed.hpp, docs/scaling.md).
  request.communicator = &world();
  const bool scan = request.sizes.size() > 1 || request.temperatures.size() > 1;
  if (!o.output.empty()) {
    check_output_path(o.output, {".h5", ".hdf5"});
    const int Lmax = *std::max_element(request.sizes.begin(), request.sizes.end());
    if (static_cast<double>(o.samples) * Lmax * Lmax > static_cast<double>(kMaxMatrixElements))
      throw Error(fmt::format("--samples {} x --size {}^2 spins exceeds {} (write fewer samples)",
                              o.samples, Lmax, kMaxMatrixElements));
  }
  if (!o.plot.empty()) {
    if (!scan) throw Error("--plot needs a scan (--temperature start:stop:count or several --size)");
    check_output_path(o.plot + "_energy.png", {".png"});
  }

  SampleProgress progress(o.quiet || o.json || !is_rank0());
  std::size_t shown_point = 0;
  run::IsingSampleCallbacks callbacks;
  callbacks.progress = [&](std::size_t point, std::int64_t done, std::int64_t total) {
    if (point != shown_point) progress.clear();
    shown_point = point;
    progress(done, total);
  };
  callbacks.stop = stop_poll();
  const run::IsingSampleRun result = run::sample_ising(request, callbacks);
  progress.clear();
  if (!is_rank0()) return;  // every rank holds the result; one prints it

  if (o.json) {
    print_json(result);
  } else if (!scan) {
    const run::IsingPoint& p = result.points.front();
    fmt::print("Ising L={} T={} J={} h={}: {} samples from {} chain(s), {}{}\n", p.L,
               p.temperature, o.coupling, o.field, o.samples, p.chains,
               ising::algorithm_name(request.algorithm), o.output.empty() ? "" : " -> " + o.output);
    print_observables_text(p.observables, p.exact);
  } else {
    print_scan_text(o, result);
  }
}

// ---------------------------------------------------------------------------------------------
// rgflow ising exact

struct ExactOptions {
  int size = 0;
  double temperature = 0.0;
  double coupling = 1.0;
  bool json = false;
};

void run_exact(const ExactOptions& o) {
  check_range("--size", std::int64_t{o.size}, 2, 1 << 20);
  if (!(o.temperature > 0.0) || !std::isfinite(o.temperature))
    throw Error(fmt::format("--temperature {}: must be positive and finite", o.temperature));
  if (!(o.coupling > 0.0) || !std::isfinite(o.coupling))
    throw Error(fmt::format("--coupling {}: the exact solution needs J > 0", o.coupling));
  const run::IsingExactRun r = run::ising_exact(o.size, o.temperature, o.coupling);
  if (o.json) {
    print_json(r);
    return;
  }
  fmt::print("Exact 2D Ising, periodic {}x{}, T={} J={} (T_c = {:.12f})\n", o.size, o.size,
             o.temperature, o.coupling, r.critical_temperature);
  fmt::print("  Kaufman (finite L):  ln Z = {:.12f}\n", r.log_z);
  fmt::print("                       free_energy_per_spin   = {:.12f}\n", r.free_energy_per_spin);
  fmt::print("                       energy_per_spin        = {:.12f}\n", r.energy_per_spin);
  fmt::print("                       specific_heat_per_spin = {:.12f}\n", r.specific_heat_per_spin);
  fmt::print("  Onsager/Yang (L=inf): energy_per_spin        = {:.12f}\n", r.infinite_energy_per_spin);
  fmt::print("                       specific_heat_per_spin = {:.12f}\n", r.infinite_specific_heat_per_spin);
  fmt::print("                       spontaneous |m|        = {:.12f}\n", r.spontaneous_magnetization);
}

// ---------------------------------------------------------------------------------------------
// rgflow ising observe

struct ObserveOptions {
  std::string data;
  double temperature = 0.0;  // 0: from the file's attribute
  double coupling = 0.0;
  double field = 0.0;
  bool field_set = false;
  int chains = 0;
  bool json = false;
};

// Samples interleave the chains round by round: more chains than samples cannot be (--chains).
void check_chains(int given, Index samples, const std::string& path) {
  if (given > 0 && given > samples) {
    throw Error(fmt::format("--chains {}: more chains than the {} samples in {}", given, samples, path));
  }
}

void run_observe(const ObserveOptions& o) {
  const run::IsingLattice lattice = run::load_ising_lattice(o.data);
  if (o.temperature == 0.0 && !lattice.dataset.attributes.count("temperature")) {
    throw FileError(o.data, "no attribute 'temperature'; pass --temperature");
  }
  check_chains(o.chains, lattice.n, o.data);
  run::IsingObserveRequest request;
  if (o.temperature != 0.0) request.temperature = o.temperature;
  if (o.coupling != 0.0) request.coupling = o.coupling;
  if (o.field_set) request.field = o.field;
  if (o.chains > 0) request.chains = o.chains;
  const run::IsingObserveRun r = run::observe_ising(lattice, request);
  if (o.json) {
    nlohmann::json j = r;
    j["data"] = o.data;
    print_json(j);
  } else {
    fmt::print("{}: {} samples of a {}x{} lattice, T={} J={} h={}\n", o.data, r.samples, r.L, r.L,
               r.temperature, r.coupling, r.field);
    print_observables_text(r.observables, r.exact);
  }
}

// ---------------------------------------------------------------------------------------------
// rgflow ising block

struct BlockOptions {
  std::string data;
  int factor = 2;
  std::string rule = "majority";
  std::uint64_t seed = 0;
  std::string output;
};

void run_block(const BlockOptions& o) {
  const rg::BlockRule rule = rg::parse_block_rule(o.rule);
  check_output_path(o.output, {".h5", ".hdf5"});
  check_not_input("-o", o.output, {o.data});
  const run::IsingLattice lattice = run::load_ising_lattice(o.data);
  check_range("--factor", std::int64_t{o.factor}, 1, lattice.L);
  if (lattice.L % o.factor != 0)
    throw Error(fmt::format("--factor {}: does not divide the lattice size {} of {}", o.factor,
                            lattice.L, o.data));
  run::block_ising(lattice, o.factor, rule, o.seed, o.output, provenance());
}

// ---------------------------------------------------------------------------------------------
// rgflow ising mcrg

struct McrgCliOptions {
  std::string data;
  // Without DATA: sample here (Wolff by default) at --size/--temperature.
  int size = 0;
  double temperature = 0.0;
  std::int64_t samples = 2000;
  std::string algorithm = "wolff";
  int thermalize = 1000;
  int sweeps_between = 1;
  int factor = 2;
  int levels = 3;
  int even = 3;
  int odd = 2;
  std::string rule = "majority";
  std::optional<int> conv_channel;
  std::string conv_hidden;
  bool factor_given = false;
  std::uint64_t seed = 0;
  int chains = 0;
  bool json = false;
  bool quiet = false;
};

// --rule: "majority", "decimation", a rule file (rgflow rg rsmi -o), or a comma list of these,
// one per blocking level (the last repeats). Empty when the rule is a single built-in name (the
// classic path, McrgOptions::rule).
std::vector<std::shared_ptr<const rg::BlockingRule>> mcrg_rules(const McrgCliOptions& o) {
  std::vector<std::string> specs;
  std::string item;
  for (const char c : o.rule + ",") {
    if (c != ',') {
      item += c;
      continue;
    }
    if (item.empty()) throw Error(fmt::format("--rule '{}': empty entry", o.rule));
    specs.push_back(item);
    item.clear();
  }
  const rg::RuleOptions rule_options = conv_rule_options(o.conv_channel, o.conv_hidden);
  bool any_conv = false;
  std::vector<std::shared_ptr<const rg::BlockingRule>> rules;
  for (const auto& spec : specs) {
    const bool builtin = spec == "majority" || spec == "decimation";
    if (builtin) continue;
    if (!has_extension(spec, ".h5") && !has_extension(spec, ".hdf5"))
      throw Error(fmt::format("--rule '{}': expected majority, decimation or a rule file (.h5)", spec));
    any_conv = any_conv || rg::is_conv_rule_file(spec);
  }
  if ((rule_options.channel || rule_options.hidden) && !any_conv)
    throw Error("--conv-channel and --conv-hidden apply to a convolutional RBM given by --rule");
  if (specs.size() == 1 && (specs[0] == "majority" || specs[0] == "decimation")) return {};
  for (const auto& spec : specs) {
    const bool builtin = spec == "majority" || spec == "decimation";
    auto rule = rg::make_blocking_rule(spec, o.factor, rule_options);
    if (!builtin && o.factor_given && rule->factor() != o.factor)
      throw FileError(spec, fmt::format("the rule blocks by {}, but --factor is {}", rule->factor(), o.factor));
    if (rule->dimension() != 2) throw FileError(spec, "the rule is for 1D rings, not a 2D lattice");
    rules.push_back(std::move(rule));
  }
  return rules;
}

void run_mcrg(const McrgCliOptions& o) {
  run::IsingMcrgRequest request;
  rg::McrgOptions& m = request.options;
  m.block = o.factor;
  m.levels = o.levels;
  m.even_operators = o.even;
  m.odd_operators = o.odd;
  m.seed = o.seed;
  check_range("--factor", std::int64_t{o.factor}, 2, 1 << 16);
  check_range("--levels", std::int64_t{o.levels}, 1, 32);
  check_range("--even", std::int64_t{o.even}, 1, rg::kMaxEvenOperators);
  check_range("--odd", std::int64_t{o.odd}, 1, rg::kMaxOddOperators);
  request.rules = mcrg_rules(o);
  request.rule_text = o.rule;
  if (request.rules.empty()) m.rule = rg::parse_block_rule(o.rule);
  if (o.chains > 0) request.chains = o.chains;
  run::IsingLattice lattice;
  if (!o.data.empty()) {
    if (o.size != 0) throw Error("give either DATA or --size/--temperature, not both");
    lattice = run::load_ising_lattice(o.data);
    check_chains(o.chains, lattice.n, o.data);
  } else {
    if (o.size == 0 || !(o.temperature > 0.0)) {
      throw Error("mcrg needs a dataset (DATA) or --size L and --temperature T to sample one");
    }
    ising::RunConfig cfg;
    cfg.model = {o.size, o.temperature, 1.0, 0.0};
    cfg.algorithm = ising::parse_algorithm(o.algorithm);
    cfg.samples = o.samples;
    cfg.thermalize = o.thermalize;
    cfg.sweeps_between = o.sweeps_between;
    cfg.chains = o.chains;
    cfg.seed = o.seed;
    cfg.validate();
    cfg.communicator = &world();  // under mpirun: the chains' units over the ranks
    const InterruptScope interrupts;  // only the sampling polls: Ctrl-C later ends at once
    TaskProgress progress(fmt::format("rgflow ising mcrg: sampling L={} T={}", o.size, o.temperature),
                          o.quiet || o.json || !is_rank0());
    lattice = run::sample_lattice(cfg, stop_poll(), [&progress](std::int64_t done, std::int64_t total) {
      progress(done, total);
    });
  }
  // Under mpirun: the configurations' blocking and measurement in chunks over the ranks.
  m.communicator = &world();
  const run::IsingMcrgRun r = run::mcrg_ising(lattice, request);
  if (!is_rank0()) return;  // every rank holds the result; one prints it
  if (o.json) {
    print_json(r);
    return;
  }
  fmt::print("MCRG (Swendsen 1979) on {}: {} configurations, L={}, b={} {}, {} even / {} odd operators\n",
             r.source, r.samples, r.L, r.factor, r.rule, o.even, o.odd);
  for (const auto& s : r.steps)
    fmt::print("  {:>4} -> {:<4} y_t = {:.4f} ± {:.4f}   y_h = {:.4f} ± {:.4f}\n", s.from_size, s.to_size,
               s.y_t.mean, s.y_t.error, s.y_h.mean, s.y_h.error);
  fmt::print("  exact 2D Ising: y_t = 1, y_h = 1.875\n");
}

}  // namespace

void add_ising_commands(CLI::App& app) {
  CLI::App* ising_cmd =
      app.add_subcommand("ising", "2D Ising Monte Carlo, exact references and block-spin RG");
  ising_cmd->require_subcommand(1);

  {
    auto o = std::make_shared<SampleOptions>();
    CLI::App* cmd = ising_cmd->add_subcommand(
        "sample", "Sample configurations of the periodic LxL Ising model and report observables");
    cmd->add_option("--size,-L", o->size, "Lattice side L, or a list L1,L2,... (scan)")->required();
    cmd->add_option("--temperature,-T", o->temperature,
                    "Temperature T (k_B = 1), or start:stop:count for a scan")
        ->required();
    cmd->add_option("--samples,-n", o->samples, "Number of configurations N (per point of a scan)")
        ->required();
    cmd->add_option("--algorithm", o->algorithm,
                    "metropolis (multi-spin coded), metropolis-scalar, wolff or sw")
        ->capture_default_str();
    cmd->add_option("--sweeps-between", o->sweeps_between, "Sweeps between stored samples")
        ->capture_default_str();
    cmd->add_option("--thermalize", o->thermalize, "Sweeps per chain before sampling")
        ->capture_default_str();
    cmd->add_option("--chains", o->chains,
                    "Independent chains (default: 64 for metropolis, 1 otherwise); samples "
                    "interleave the chains round by round")
        ->check(CLI::Range(1, 1 << 20));
    cmd->add_option("--seed", o->seed, "Random seed (written to the output)")->capture_default_str();
    cmd->add_option("--coupling,-J", o->coupling, "Coupling J")->capture_default_str();
    cmd->add_option("--field", o->field, "Magnetic field h (Metropolis only)")->capture_default_str();
    cmd->add_option("--output,-o", o->output,
                    "Output HDF5 file (/spins int8 [N, L, L]); a scan writes one file per point, "
                    "NAME_L<L>_T<T>.h5 (T with the decimals it needs, e.g. scan_L16_T2.269.h5), all listed in the output");
    cmd->add_option("--plot", o->plot,
                    "Scan only: write PREFIX_{energy,specific_heat,abs_magnetization,"
                    "susceptibility,binder}.png (exact curves overlaid)");
    cmd->add_flag("--json", o->json, "Print one JSON object on stdout");
    cmd->add_flag("--quiet,-q", o->quiet, "No progress on stderr");
    cmd->callback([o] { run_sample(*o); });
  }
  {
    auto o = std::make_shared<ExactOptions>();
    CLI::App* cmd = ising_cmd->add_subcommand(
        "exact", "Exact ln Z, energy and specific heat (Kaufman) and infinite-lattice values");
    cmd->add_option("--size,-L", o->size, "Lattice side L")->required();
    cmd->add_option("--temperature,-T", o->temperature, "Temperature T")->required();
    cmd->add_option("--coupling,-J", o->coupling, "Coupling J > 0")->capture_default_str();
    cmd->add_flag("--json", o->json, "Print one JSON object on stdout");
    cmd->callback([o] { run_exact(*o); });
  }
  {
    auto o = std::make_shared<ObserveOptions>();
    CLI::App* cmd = ising_cmd->add_subcommand(
        "observe", "Observables with error bars of stored configurations (/spins [N, L, L])");
    cmd->add_option("data", o->data, "Dataset file")->required();
    cmd->add_option("--temperature,-T", o->temperature, "Temperature (default: file attribute)")
        ->check(positive_number());
    cmd->add_option("--coupling,-J", o->coupling, "Coupling (default: file attribute or 1)");
    cmd->add_option("--field", o->field, "Field (default: file attribute or 0)")
        ->each([o](const std::string&) { o->field_set = true; });
    cmd->add_option("--chains", o->chains, "Interleaved chains (default: file attribute or 1)")
        ->check(CLI::Range(1, 1 << 20));
    cmd->add_flag("--json", o->json, "Print one JSON object on stdout");
    cmd->callback([o] { run_observe(*o); });
  }
  {
    auto o = std::make_shared<BlockOptions>();
    CLI::App* cmd = ising_cmd->add_subcommand(
        "block", "Kadanoff block-spin transform of stored configurations (majority or decimation)");
    cmd->add_option("data", o->data, "Dataset file (/spins [N, L, L])")->required();
    cmd->add_option("--factor,-b", o->factor, "Block side b (must divide L)")->capture_default_str();
    cmd->add_option("--rule", o->rule, "majority (random tie-break) or decimation")->capture_default_str();
    cmd->add_option("--seed", o->seed, "Seed of the tie-breaking coins")->capture_default_str();
    cmd->add_option("--output,-o", o->output, "Output HDF5 file (/spins [N, L/b, L/b])")->required();
    cmd->callback([o] { run_block(*o); });
  }
  {
    auto o = std::make_shared<McrgCliOptions>();
    CLI::App* cmd = ising_cmd->add_subcommand(
        "mcrg", "Swendsen's Monte Carlo RG: eigenvalue exponents y_t, y_h per blocking step");
    cmd->add_option("data", o->data,
                    "Dataset file (/spins [N, L, L]) sampled near T_c; or omit it and give "
                    "--size and --temperature to sample here");
    cmd->add_option("--size,-L", o->size, "Without DATA: lattice side L to sample")
        ->check(CLI::Range(2, 4096));
    cmd->add_option("--temperature,-T", o->temperature, "Without DATA: temperature to sample at")
        ->check(positive_number());
    cmd->add_option("--samples,-n", o->samples, "Without DATA: configurations to sample")
        ->capture_default_str();
    cmd->add_option("--algorithm", o->algorithm, "Without DATA: metropolis, wolff or sw")
        ->capture_default_str();
    cmd->add_option("--thermalize", o->thermalize, "Without DATA: thermalisation sweeps per chain")
        ->capture_default_str();
    cmd->add_option("--sweeps-between", o->sweeps_between, "Without DATA: sweeps between samples")
        ->capture_default_str();
    cmd->add_option("--factor,-b", o->factor, "Block side b (a rule file brings its own)")
        ->capture_default_str()
        ->each([o](const std::string&) { o->factor_given = true; });
    cmd->add_option("--levels", o->levels, "Blocking steps")->capture_default_str();
    cmd->add_option("--even", o->even, "Even operators (1-4)")->capture_default_str();
    cmd->add_option("--odd", o->odd, "Odd operators (1-2)")->capture_default_str();
    cmd->add_option("--rule", o->rule,
                    "majority, decimation, a rule file (rgflow rg rsmi -o, or a convolutional RBM whose "
                    "stride is the block side), or a comma list, one per level (the last repeats)")
        ->capture_default_str();
    add_conv_rule_options(*cmd, o->conv_channel, o->conv_hidden);
    cmd->add_option("--seed", o->seed, "Seed of the tie-breaking coins (and of the sampler)")
        ->capture_default_str();
    cmd->add_option("--chains", o->chains, "Interleaved chains (default: file attribute or 1)")
        ->check(CLI::Range(1, 1 << 20));
    cmd->add_flag("--json", o->json, "Print one JSON object on stdout");
    cmd->add_flag("-q,--quiet", o->quiet, "No progress on stderr (--json is quiet too)");
    cmd->callback([o] { run_mcrg(*o); });
  }
}

}  // namespace rgflow::cli
