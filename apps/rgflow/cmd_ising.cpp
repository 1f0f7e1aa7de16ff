// rgflow ising sample | exact | observe | block | mcrg
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_util.hpp"
#include "commands.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/io/dataset.hpp"
#include "rgflow/ising/exact.hpp"
#include "rgflow/ising/lattice.hpp"
#include "rgflow/ising/observables.hpp"
#include "rgflow/ising/sampler.hpp"
#include "rgflow/rg/block_spin.hpp"
#include "rgflow/rg/mcrg.hpp"

namespace rgflow::cli {

namespace {

using ising::Observables;
using stats::Result;

std::string fmt_double(double v) { return fmt::format("{:.17g}", v); }

// Kaufman's exact values for ferromagnetic zero-field models, else null.
nlohmann::json exact_json(int L, double T, double J, double h) {
  if (!(J > 0.0) || h != 0.0) return nullptr;
  const auto k = ising::kaufman(L, J / T);
  return {{"energy_per_spin", J * k.energy_per_spin}, {"specific_heat_per_spin", k.specific_heat}};
}

nlohmann::json observables_json(const Observables& o) {
  return {{"energy_per_spin", to_json(o.energy_per_spin)},
          {"specific_heat_per_spin", to_json(o.specific_heat_per_spin)},
          {"abs_magnetization", to_json(o.abs_magnetization)},
          {"susceptibility", to_json(o.susceptibility)},
          {"binder", to_json(o.binder)},
          {"tau_int", to_json(o.tau_int)}};
}

void print_observables_text(const Observables& o, const nlohmann::json& exact) {
  auto line = [](const char* name, const Result& r) {
    fmt::print("  {:<24} {:>14.8f} ± {:.2g}\n", name, r.mean, r.error);
  };
  line("energy_per_spin", o.energy_per_spin);
  line("specific_heat_per_spin", o.specific_heat_per_spin);
  line("abs_magnetization", o.abs_magnetization);
  line("susceptibility", o.susceptibility);
  line("binder", o.binder);
  line("tau_int (measurements)", o.tau_int);
  if (!exact.is_null()) {
    fmt::print("  exact (Kaufman): energy_per_spin {:.10f}, specific_heat_per_spin {:.10f}\n",
               exact["energy_per_spin"].get<double>(), exact["specific_heat_per_spin"].get<double>());
  }
}

// Progress on stderr, only on a terminal, at most a few times per second.
class SampleProgress {
 public:
  explicit SampleProgress(bool quiet) : enabled_(!quiet && isatty(fileno(stderr))) {}
  ~SampleProgress() {
    if (shown_) std::fputs("\r\033[K", stderr);
  }
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

 private:
  bool enabled_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point last_{};
};

// ---------------------------------------------------------------------------------------------
// rgflow ising sample

struct SampleOptions {
  int size = 0;
  double temperature = 0.0;
  double coupling = 1.0;
  double field = 0.0;
  std::int64_t samples = 0;
  std::string algorithm = "metropolis";
  int sweeps_between = 1;
  int thermalize = 1000;
  int chains = 0;
  std::uint64_t seed = 0;
  std::string output;
  bool json = false;
  bool quiet = false;
};

void run_sample(const SampleOptions& o) {
  ising::RunConfig cfg;
  cfg.model = {o.size, o.temperature, o.coupling, o.field};
  cfg.algorithm = ising::parse_algorithm(o.algorithm);
  cfg.samples = o.samples;
  cfg.sweeps_between = o.sweeps_between;
  cfg.thermalize = o.thermalize;
  cfg.chains = o.chains;
  cfg.seed = o.seed;
  cfg.keep_spins = !o.output.empty();
  check_range("--size", std::int64_t{o.size}, 2, 4096);
  if (!(o.temperature > 0.0) || !std::isfinite(o.temperature))
    throw Error(fmt::format("--temperature {}: must be positive and finite", o.temperature));
  if (!std::isfinite(o.coupling)) throw Error(fmt::format("--coupling {}: must be finite", o.coupling));
  if (!std::isfinite(o.field)) throw Error(fmt::format("--field {}: must be finite", o.field));
  check_range("--samples", o.samples, 1, std::int64_t{1} << 40);
  check_range("--sweeps-between", std::int64_t{o.sweeps_between}, 1, 1 << 30);
  check_range("--thermalize", std::int64_t{o.thermalize}, 0, 1 << 30);
  check_range("--chains", std::int64_t{o.chains}, 0, 1 << 20);
  cfg.validate();
  if (cfg.keep_spins) {
    check_output_path(o.output, {".h5", ".hdf5"});
    if (static_cast<double>(o.samples) * o.size * o.size > static_cast<double>(kMaxMatrixElements))
      throw Error(fmt::format("--samples {} x --size {}^2 spins exceeds {} (write fewer samples)",
                              o.samples, o.size, kMaxMatrixElements));
  }
  ising::RunResult result;
  {
    SampleProgress progress(o.quiet || o.json);
    result = ising::run(cfg, [&](std::int64_t d, std::int64_t t) { progress(d, t); });
  }
  const Observables obs = ising::summarize(result.energy, result.magnetization,
                                           static_cast<std::size_t>(result.chains), o.size, o.temperature);
  if (cfg.keep_spins) {
    const Index sites = static_cast<Index>(o.size) * o.size;
    MatrixF data(static_cast<Index>(o.samples), sites);
    for (Index i = 0; i < data.size(); ++i) data.data()[i] = static_cast<float>(result.spins[i]);
    std::map<std::string, std::string> attrs = provenance();
    attrs["temperature"] = fmt_double(o.temperature);
    attrs["coupling"] = fmt_double(o.coupling);
    attrs["field"] = fmt_double(o.field);
    attrs["algorithm"] = ising::algorithm_name(cfg.algorithm);
    attrs["seed"] = std::to_string(o.seed);
    attrs["L"] = std::to_string(o.size);
    attrs["samples"] = std::to_string(o.samples);
    attrs["chains"] = std::to_string(result.chains);
    attrs["sweeps_between"] = std::to_string(o.sweeps_between);
    attrs["thermalize"] = std::to_string(o.thermalize);
    attrs["sample_order"] = "sample i = measurement round i / chains of chain i % chains";
    io::save_dataset(o.output, data, attrs, static_cast<Index>(o.size));
  }
  const nlohmann::json exact = exact_json(o.size, o.temperature, o.coupling, o.field);
  if (o.json) {
    nlohmann::json j = observables_json(obs);
    j["L"] = o.size;
    j["temperature"] = o.temperature;
    j["coupling"] = o.coupling;
    j["field"] = o.field;
    j["algorithm"] = ising::algorithm_name(cfg.algorithm);
    j["samples"] = o.samples;
    j["chains"] = result.chains;
    j["seed"] = o.seed;
    if (!o.output.empty()) j["output"] = o.output;
    j["exact"] = exact;
    print_json(j);
  } else {
    fmt::print("Ising L={} T={} J={} h={}: {} samples from {} chain(s), {}{}\n", o.size,
               o.temperature, o.coupling, o.field, o.samples, result.chains,
               ising::algorithm_name(cfg.algorithm), o.output.empty() ? "" : " -> " + o.output);
    print_observables_text(obs, exact);
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
  const double K = o.coupling / o.temperature;
  const auto k = ising::kaufman(o.size, K);
  const double N = static_cast<double>(o.size) * o.size;
  const double u_inf = o.coupling * ising::onsager_energy_per_spin(K);
  const double c_inf = ising::onsager_specific_heat(K);
  const double m_inf = ising::yang_magnetization(K);
  const double tc = o.coupling * ising::critical_temperature();
  if (o.json) {
    auto est = [](double v) { return to_json(Result::exact(v)); };
    print_json({{"L", o.size},
                {"temperature", o.temperature},
                {"coupling", o.coupling},
                {"critical_temperature", tc},
                {"log_z", est(k.log_z)},
                {"free_energy_per_spin", est(-o.temperature * k.log_z / N)},
                {"energy_per_spin", est(o.coupling * k.energy_per_spin)},
                {"specific_heat_per_spin", est(k.specific_heat)},
                {"infinite_lattice",
                 {{"energy_per_spin", est(u_inf)},
                  {"specific_heat_per_spin", std::isfinite(c_inf) ? est(c_inf) : nlohmann::json(nullptr)},
                  {"spontaneous_magnetization", est(m_inf)}}}});
    return;
  }
  fmt::print("Exact 2D Ising, periodic {}x{}, T={} J={} (T_c = {:.12f})\n", o.size, o.size,
             o.temperature, o.coupling, tc);
  fmt::print("  Kaufman (finite L):  ln Z = {:.12f}\n", k.log_z);
  fmt::print("                       free_energy_per_spin   = {:.12f}\n", -o.temperature * k.log_z / N);
  fmt::print("                       energy_per_spin        = {:.12f}\n", o.coupling * k.energy_per_spin);
  fmt::print("                       specific_heat_per_spin = {:.12f}\n", k.specific_heat);
  fmt::print("  Onsager/Yang (L=inf): energy_per_spin        = {:.12f}\n", u_inf);
  fmt::print("                       specific_heat_per_spin = {:.12f}\n", c_inf);
  fmt::print("                       spontaneous |m|        = {:.12f}\n", m_inf);
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

double attribute_or(const io::Dataset& d, const char* name, double given, bool required) {
  if (given != 0.0) return given;
  const auto it = d.attributes.find(name);
  if (it == d.attributes.end()) {
    if (required)
      throw FileError(d.source, fmt::format("no attribute '{}'; pass --{}", name, name));
    return 0.0;
  }
  try {
    std::size_t used = 0;
    const double v = std::stod(it->second, &used);
    if (used != it->second.size() || !std::isfinite(v)) throw std::invalid_argument("trailing");
    return v;
  } catch (const std::exception&) {
    throw FileError(d.source, fmt::format("attribute '{}' = '{}' is not a number", name, it->second));
  }
}

// Lattice configurations of a dataset as int8 ±1 [N, L, L]; FileError unless they are.
struct LatticeData {
  io::Dataset dataset;
  int L = 0;
  std::int64_t n = 0;
  std::vector<std::int8_t> spins;
};

LatticeData load_lattice(const std::string& path) {
  LatticeData out;
  out.dataset = io::load_dataset(path);
  const io::Dataset& d = out.dataset;
  if (!d.lattice_size) throw FileError(path, "no lattice data (expected /spins [N, L, L])");
  out.L = static_cast<int>(*d.lattice_size);
  if (out.L < 2) throw FileError(path, "lattice size must be at least 2");
  out.n = d.data.rows();
  out.spins.resize(static_cast<std::size_t>(d.data.size()));
  for (Index i = 0; i < d.data.rows(); ++i)
    for (Index j = 0; j < d.data.cols(); ++j) {
      const float v = d.data(i, j);
      if (v != 1.0f && v != -1.0f)
        throw FileError(path, fmt::format("sample {} site {} is {}, not a spin ±1", i, j, v));
      out.spins[static_cast<std::size_t>(i * d.data.cols() + j)] = v > 0 ? 1 : -1;
    }
  return out;
}

void run_observe(const ObserveOptions& o) {
  const LatticeData lattice = load_lattice(o.data);
  const io::Dataset& d = lattice.dataset;
  const int L = lattice.L;
  const double T = attribute_or(d, "temperature", o.temperature, true);
  const double J = o.coupling != 0.0 ? o.coupling : (d.attributes.count("coupling") ? attribute_or(d, "coupling", 0.0, true) : 1.0);
  const double h = o.field_set ? o.field : attribute_or(d, "field", 0.0, false);
  if (!(T > 0.0)) throw FileError(o.data, fmt::format("temperature {} must be positive", T));
  double chains = o.chains > 0 ? o.chains : attribute_or(d, "chains", 0.0, false);
  if (!(chains >= 1.0) || chains != std::floor(chains)) chains = 1.0;
  const Index n = d.data.rows();
  std::vector<double> energy(static_cast<std::size_t>(n)), magnetization(static_cast<std::size_t>(n));
  const auto sites = static_cast<std::size_t>(L) * L;
  for (Index i = 0; i < n; ++i) {
    const auto m = ising::measure(std::span(lattice.spins).subspan(static_cast<std::size_t>(i) * sites, sites), L, J, h);
    energy[static_cast<std::size_t>(i)] = m.energy;
    magnetization[static_cast<std::size_t>(i)] = m.magnetization;
  }
  const auto obs = ising::summarize(energy, magnetization, static_cast<std::size_t>(chains), L, T);
  const nlohmann::json exact = exact_json(L, T, J, h);
  if (o.json) {
    nlohmann::json j = observables_json(obs);
    j["L"] = L;
    j["temperature"] = T;
    j["coupling"] = J;
    j["field"] = h;
    j["samples"] = n;
    j["chains"] = static_cast<int>(chains);
    j["data"] = o.data;
    j["exact"] = exact;
    print_json(j);
  } else {
    fmt::print("{}: {} samples of a {}x{} lattice, T={} J={} h={}\n", o.data, n, L, L, T, J, h);
    print_observables_text(obs, exact);
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
  const LatticeData lattice = load_lattice(o.data);
  check_range("--factor", std::int64_t{o.factor}, 1, lattice.L);
  if (lattice.L % o.factor != 0)
    throw Error(fmt::format("--factor {}: does not divide the lattice size {} of {}", o.factor,
                            lattice.L, o.data));
  const auto blocked = rg::block_spins_batch(lattice.spins, lattice.n, lattice.L, o.factor, rule, o.seed);
  const int Lb = lattice.L / o.factor;
  MatrixF data(static_cast<Index>(lattice.n), static_cast<Index>(Lb) * Lb);
  for (Index i = 0; i < data.size(); ++i) data.data()[i] = static_cast<float>(blocked[static_cast<std::size_t>(i)]);
  std::map<std::string, std::string> attrs = lattice.dataset.attributes;  // temperature, chains, ...
  for (const auto& [k, v] : provenance()) attrs[k] = v;
  attrs["L"] = std::to_string(Lb);
  attrs["block_factor"] = std::to_string(o.factor);
  attrs["block_rule"] = rg::block_rule_name(rule);
  attrs["block_seed"] = std::to_string(o.seed);
  attrs["block_source"] = o.data;
  io::save_dataset(o.output, data, attrs, static_cast<Index>(Lb));
}

// ---------------------------------------------------------------------------------------------
// rgflow ising mcrg

struct McrgCliOptions {
  std::string data;
  int factor = 2;
  int levels = 3;
  int even = 3;
  int odd = 2;
  std::string rule = "majority";
  std::uint64_t seed = 0;
  int chains = 0;
  bool json = false;
};

void run_mcrg(const McrgCliOptions& o) {
  rg::McrgOptions m;
  m.block = o.factor;
  m.levels = o.levels;
  m.even_operators = o.even;
  m.odd_operators = o.odd;
  m.rule = rg::parse_block_rule(o.rule);
  m.seed = o.seed;
  check_range("--factor", std::int64_t{o.factor}, 2, 1 << 16);
  check_range("--levels", std::int64_t{o.levels}, 1, 32);
  check_range("--even", std::int64_t{o.even}, 1, rg::kMaxEvenOperators);
  check_range("--odd", std::int64_t{o.odd}, 1, rg::kMaxOddOperators);
  const LatticeData lattice = load_lattice(o.data);
  double chains = o.chains > 0 ? o.chains : attribute_or(lattice.dataset, "chains", 0.0, false);
  m.chains = chains >= 1.0 ? static_cast<std::size_t>(chains) : 1;
  std::vector<rg::McrgStep> steps;
  try {
    steps = rg::mcrg(lattice.spins, lattice.n, lattice.L, m);
  } catch (const FileError&) {
    throw;
  } catch (const Error& e) {
    throw FileError(o.data, e.what());
  }
  if (o.json) {
    nlohmann::json j{{"data", o.data}, {"L", lattice.L}, {"samples", lattice.n},
                     {"factor", o.factor}, {"rule", rg::block_rule_name(m.rule)},
                     {"even_operators", o.even}, {"odd_operators", o.odd}};
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& s : steps)
      arr.push_back({{"from_size", s.from_size}, {"to_size", s.to_size},
                     {"y_t", to_json(s.y_t)}, {"y_h", to_json(s.y_h)},
                     {"lambda_t", to_json(s.lambda_t)}, {"lambda_h", to_json(s.lambda_h)}});
    j["steps"] = arr;
    j["exact"] = {{"y_t", 1.0}, {"y_h", 15.0 / 8.0}};
    print_json(j);
    return;
  }
  fmt::print("MCRG (Swendsen 1979) on {}: {} configurations, L={}, b={} {}, {} even / {} odd operators\n",
             o.data, lattice.n, lattice.L, o.factor, rg::block_rule_name(m.rule), o.even, o.odd);
  for (const auto& s : steps)
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
    cmd->add_option("--size,-L", o->size, "Lattice side L")->required();
    cmd->add_option("--temperature,-T", o->temperature, "Temperature T (k_B = 1)")->required();
    cmd->add_option("--samples,-n", o->samples, "Number of configurations N")->required();
    cmd->add_option("--algorithm", o->algorithm,
                    "metropolis (multi-spin coded), metropolis-scalar, wolff or sw")
        ->capture_default_str();
    cmd->add_option("--sweeps-between", o->sweeps_between, "Sweeps between stored samples")
        ->capture_default_str();
    cmd->add_option("--thermalize", o->thermalize, "Sweeps per chain before sampling")
        ->capture_default_str();
    cmd->add_option("--chains", o->chains,
                    "Independent chains (default: 64 for metropolis, 1 otherwise); samples "
                    "interleave the chains round by round");
    cmd->add_option("--seed", o->seed, "Random seed (written to the output)")->capture_default_str();
    cmd->add_option("--coupling,-J", o->coupling, "Coupling J")->capture_default_str();
    cmd->add_option("--field", o->field, "Magnetic field h (Metropolis only)")->capture_default_str();
    cmd->add_option("--output,-o", o->output, "Output HDF5 file (/spins int8 [N, L, L])");
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
    cmd->add_option("--temperature,-T", o->temperature, "Temperature (default: file attribute)");
    cmd->add_option("--coupling,-J", o->coupling, "Coupling (default: file attribute or 1)");
    cmd->add_option("--field", o->field, "Field (default: file attribute or 0)")
        ->each([o](const std::string&) { o->field_set = true; });
    cmd->add_option("--chains", o->chains, "Interleaved chains (default: file attribute or 1)");
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
    cmd->add_option("data", o->data, "Dataset file (/spins [N, L, L]) sampled near T_c")->required();
    cmd->add_option("--factor,-b", o->factor, "Block side b")->capture_default_str();
    cmd->add_option("--levels", o->levels, "Blocking steps")->capture_default_str();
    cmd->add_option("--even", o->even, "Even operators (1-4)")->capture_default_str();
    cmd->add_option("--odd", o->odd, "Odd operators (1-2)")->capture_default_str();
    cmd->add_option("--rule", o->rule, "majority or decimation")->capture_default_str();
    cmd->add_option("--seed", o->seed, "Seed of the tie-breaking coins")->capture_default_str();
    cmd->add_option("--chains", o->chains, "Interleaved chains (default: file attribute or 1)");
    cmd->add_flag("--json", o->json, "Print one JSON object on stdout");
    cmd->callback([o] { run_mcrg(*o); });
  }
}

}  // namespace rgflow::cli
