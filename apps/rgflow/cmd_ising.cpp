// rgflow ising sample | exact | observe | block | mcrg
// One file over 600 lines: five subcommands that share the lattice-file loading, the option
// checks and the JSON of an Ising run; splitting them would spread that shared part over five files.
#include <unistd.h>

#include <algorithm>
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
#include "interrupt.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/io/dataset.hpp"
#include "rgflow/ising/exact.hpp"
#include "rgflow/ising/lattice.hpp"
#include "rgflow/ising/observables.hpp"
#include "rgflow/io/plot.hpp"
#include "rgflow/ising/sampler.hpp"
#include "rgflow/ising/scan.hpp"
#include "rgflow/io/png.hpp"
#include "rgflow/rg/block_spin.hpp"
#include "rgflow/rg/coarse_graining.hpp"
#include "rgflow/rg/mcrg.hpp"

namespace rgflow::cli {

namespace {

using ising::Observables;
using stats::Result;

std::string fmt_double(double v) { return fmt::format("{:.17g}", v); }

// Kaufman's exact values for zero-field models: ferromagnets, and antiferromagnets on even L
// (flipping one sublattice maps them onto the ferromagnet with |J|); else null.
nlohmann::json exact_json(int L, double T, double J, double h) {
  if (J == 0.0 || h != 0.0 || (J < 0.0 && L % 2 != 0)) return nullptr;
  const auto k = ising::kaufman(L, std::abs(J) / T);
  return {{"energy_per_spin", std::abs(J) * k.energy_per_spin}, {"specific_heat_per_spin", k.specific_heat}};
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

struct PointResult {
  int L = 0;
  double temperature = 0.0;
  std::uint64_t seed = 0;
  int chains = 0;
  Observables obs;
  nlohmann::json exact;
  std::string output;
};

// "dir/name.h5" -> "dir/name_L16_T03.h5" (temperature index, zero-padded to the scan's width).
std::string scan_output_path(const std::string& output, int L, std::size_t t, std::size_t count) {
  const auto dot = output.rfind('.');
  const int width = static_cast<int>(std::to_string(count - 1).size());
  return fmt::format("{}_L{}_T{:0{}}{}", output.substr(0, dot), L, t, width, output.substr(dot));
}

PointResult sample_point(const SampleOptions& o, ising::Algorithm algorithm, int L, double T,
                         std::uint64_t seed, const std::string& output,
                         const std::map<std::string, std::string>& extra_attrs, bool show_progress) {
  ising::RunConfig cfg;
  cfg.model = {L, T, o.coupling, o.field};
  cfg.algorithm = algorithm;
  cfg.samples = o.samples;
  cfg.sweeps_between = o.sweeps_between;
  cfg.thermalize = o.thermalize;
  cfg.chains = o.chains;
  cfg.seed = seed;
  cfg.keep_spins = !output.empty();
  cfg.validate();
  ising::RunResult result;
  {
    SampleProgress progress(!show_progress);
    result = ising::run(cfg, [&](std::int64_t d, std::int64_t t) { progress(d, t); }, stop_poll());
  }
  throw_if_cancelled();  // a Ctrl-C after the last poll: nothing of this point is written
  PointResult p;
  p.L = L;
  p.temperature = T;
  p.seed = seed;
  p.chains = result.chains;
  p.output = output;
  p.obs = ising::summarize(result.energy, result.magnetization, static_cast<std::size_t>(result.chains), L, T);
  p.exact = exact_json(L, T, o.coupling, o.field);
  if (cfg.keep_spins) {
    const Index sites = static_cast<Index>(L) * L;
    MatrixF data(static_cast<Index>(o.samples), sites);
    for (Index i = 0; i < data.size(); ++i) data.data()[i] = static_cast<float>(result.spins[i]);
    std::map<std::string, std::string> attrs = provenance();
    attrs["temperature"] = fmt_double(T);
    attrs["coupling"] = fmt_double(o.coupling);
    attrs["field"] = fmt_double(o.field);
    attrs["algorithm"] = ising::algorithm_name(cfg.algorithm);
    attrs["seed"] = std::to_string(seed);
    attrs["L"] = std::to_string(L);
    attrs["samples"] = std::to_string(o.samples);
    attrs["chains"] = std::to_string(result.chains);
    attrs["sweeps_between"] = std::to_string(o.sweeps_between);
    attrs["thermalize"] = std::to_string(o.thermalize);
    attrs["sample_order"] = "sample i = measurement round i / chains of chain i % chains";
    for (const auto& [k, v] : extra_attrs) attrs[k] = v;
    io::save_dataset(output, data, attrs, static_cast<Index>(L));
  }
  return p;
}

void write_scan_plots(const SampleOptions& o, const std::vector<int>& sizes,
                      const std::vector<double>& temps, const std::vector<PointResult>& points) {
  const double tmin = temps.front(), tmax = temps.back();
  const bool exact = o.coupling > 0.0 && o.field == 0.0;
  const double tc = o.coupling * ising::critical_temperature();
  constexpr int kCurve = 240;
  struct Quantity {
    const char* name;
    const char* title;
    stats::Result Observables::*member;
  };
  const Quantity quantities[] = {
      {"energy", "energy per spin e", &Observables::energy_per_spin},
      {"specific_heat", "specific heat per spin c", &Observables::specific_heat_per_spin},
      {"abs_magnetization", "|m|", &Observables::abs_magnetization},
      {"susceptibility", "susceptibility per spin", &Observables::susceptibility},
      {"binder", "binder cumulant u = 1 - <m^4>/(3<m^2>^2)", &Observables::binder}};
  for (const auto& q : quantities) {
    io::Plot plot;
    plot.vertical_line = exact ? tc : std::nan("");
    const std::string reference = std::string(q.name) == "abs_magnetization" ? "yang, infinite l"
                                                                               : "kaufman";
    const bool has_reference = std::string(q.name) == "energy" ||
                               std::string(q.name) == "specific_heat" ||
                               std::string(q.name) == "abs_magnetization";
    plot.title = std::string(q.title) + (exact && has_reference ? "  (lines: " + reference + ")" : "");
    plot.x_label = exact ? "temperature t (dashed: t_c)" : "temperature t";
    for (const int L : sizes) plot.series_labels.push_back(fmt::format("l = {}", L));
    for (std::size_t l = 0; l < sizes.size(); ++l) {
      io::PlotSeries s;
      for (std::size_t t = 0; t < temps.size(); ++t) {
        const auto& r = points[l * temps.size() + t].obs.*(q.member);
        s.x.push_back(temps[t]);
        s.y.push_back(r.mean);
        s.err.push_back(r.error);
      }
      plot.series.push_back(std::move(s));
    }
    const std::string name(q.name);
    if (exact && tmax > tmin && (name == "energy" || name == "specific_heat")) {
      for (const int L : sizes) {  // Kaufman, finite L
        io::PlotCurve c;
        for (int i = 0; i <= kCurve; ++i) {
          const double T = tmin + (tmax - tmin) * i / kCurve;
          const auto k = ising::kaufman(L, o.coupling / T);
          c.x.push_back(T);
          c.y.push_back(name == "energy" ? o.coupling * k.energy_per_spin : k.specific_heat);
        }
        plot.curves.push_back(std::move(c));
      }
    }
    if (exact && tmax > tmin && name == "abs_magnetization") {  // Yang, infinite lattice
      io::PlotCurve c;
      for (int i = 0; i <= kCurve; ++i) {
        const double T = tmin + (tmax - tmin) * i / kCurve;
        c.x.push_back(T);
        c.y.push_back(ising::yang_magnetization(o.coupling / T));
      }
      plot.curves.push_back(std::move(c));
    }
    io::write_png_gray(o.plot + "_" + name + ".png", io::render_plot(plot), 0.0f, 1.0f);
  }
}

void run_sample(const SampleOptions& o) {
  // Ctrl-C: Cancelled, exit 130 (main); a scan keeps the files of the points it finished.
  const InterruptScope interrupts;
  const std::vector<int> sizes = with_flag("--size", [&] { return ising::parse_sizes(o.size); });
  const std::vector<double> temps =
      with_flag("--temperature", [&] { return ising::parse_temperatures(o.temperature); });
  for (const int L : sizes) check_range("--size", std::int64_t{L}, 2, 4096);
  const auto algorithm = ising::parse_algorithm(o.algorithm);
  if (!std::isfinite(o.coupling)) throw Error(fmt::format("--coupling {}: must be finite", o.coupling));
  if (!std::isfinite(o.field)) throw Error(fmt::format("--field {}: must be finite", o.field));
  check_range("--samples", o.samples, 1, std::int64_t{1} << 40);
  check_range("--sweeps-between", std::int64_t{o.sweeps_between}, 1, 1 << 30);
  check_range("--thermalize", std::int64_t{o.thermalize}, 0, 1 << 30);
  check_range("--chains", std::int64_t{o.chains}, 0, 1 << 20);
  const bool scan = sizes.size() > 1 || temps.size() > 1;
  {  // validate every point before running any
    ising::RunConfig cfg;
    cfg.algorithm = algorithm;
    cfg.samples = o.samples;
    cfg.sweeps_between = o.sweeps_between;
    cfg.thermalize = o.thermalize;
    cfg.chains = o.chains;
    for (const int L : sizes)
      for (const double T : temps) {
        cfg.model = {L, T, o.coupling, o.field};
        cfg.validate();
      }
  }
  if (!o.output.empty()) {
    check_output_path(o.output, {".h5", ".hdf5"});
    const int Lmax = *std::max_element(sizes.begin(), sizes.end());
    if (static_cast<double>(o.samples) * Lmax * Lmax > static_cast<double>(kMaxMatrixElements))
      throw Error(fmt::format("--samples {} x --size {}^2 spins exceeds {} (write fewer samples)",
                              o.samples, Lmax, kMaxMatrixElements));
  }
  if (!o.plot.empty()) {
    if (!scan) throw Error("--plot needs a scan (--temperature start:stop:count or several --size)");
    check_output_path(o.plot + "_energy.png", {".png"});
  }

  if (!scan) {
    const PointResult p = sample_point(o, algorithm, sizes[0], temps[0], o.seed, o.output, {},
                                       !(o.quiet || o.json));
    if (o.json) {
      nlohmann::json j = observables_json(p.obs);
      j["L"] = p.L;
      j["temperature"] = p.temperature;
      j["coupling"] = o.coupling;
      j["field"] = o.field;
      j["algorithm"] = ising::algorithm_name(algorithm);
      j["samples"] = o.samples;
      j["chains"] = p.chains;
      j["seed"] = o.seed;
      if (!o.output.empty()) j["output"] = o.output;
      j["exact"] = p.exact;
      print_json(j);
    } else {
      fmt::print("Ising L={} T={} J={} h={}: {} samples from {} chain(s), {}{}\n", p.L,
                 p.temperature, o.coupling, o.field, o.samples, p.chains,
                 ising::algorithm_name(algorithm), o.output.empty() ? "" : " -> " + o.output);
      print_observables_text(p.obs, p.exact);
    }
    return;
  }

  // Scan: sizes outer, temperatures inner; point (l, t) uses ising::scan_seed(seed, l, t).
  std::string temp_list, size_list;
  for (const double T : temps) temp_list += (temp_list.empty() ? "" : ",") + fmt_double(T);
  for (const int L : sizes) size_list += (size_list.empty() ? "" : ",") + std::to_string(L);
  std::vector<PointResult> points;
  for (std::size_t l = 0; l < sizes.size(); ++l)
    for (std::size_t t = 0; t < temps.size(); ++t) {
      const std::string out =
          o.output.empty() ? std::string() : scan_output_path(o.output, sizes[l], t, temps.size());
      const std::map<std::string, std::string> extra = {
          {"scan_seed", std::to_string(o.seed)},   {"scan_temperatures", temp_list},
          {"scan_sizes", size_list},               {"scan_size_index", std::to_string(l)},
          {"scan_temperature_index", std::to_string(t)}};
      points.push_back(sample_point(o, algorithm, sizes[l], temps[t], ising::scan_seed(o.seed, l, t),
                                    out, extra, !(o.quiet || o.json)));
    }
  std::vector<std::vector<Result>> binder(sizes.size());
  for (std::size_t l = 0; l < sizes.size(); ++l)
    for (std::size_t t = 0; t < temps.size(); ++t) binder[l].push_back(points[l * temps.size() + t].obs.binder);
  const auto crossings = ising::binder_crossings(temps, sizes, binder);
  if (!o.plot.empty()) write_scan_plots(o, sizes, temps, points);

  const double tc = o.coupling * ising::critical_temperature();
  if (o.json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& p : points) {
      nlohmann::json j = observables_json(p.obs);
      j["L"] = p.L;
      j["temperature"] = p.temperature;
      j["seed"] = p.seed;
      j["chains"] = p.chains;
      j["exact"] = p.exact;
      if (!p.output.empty()) j["output"] = p.output;
      arr.push_back(j);
    }
    nlohmann::json cross = nlohmann::json::array();
    for (const auto& c : crossings)
      cross.push_back({{"L1", c.L1}, {"L2", c.L2},
                       {"temperature", c.found ? to_json(c.temperature) : nlohmann::json(nullptr)}});
    nlohmann::json j{{"points", arr},
                     {"binder_crossings", cross},
                     {"critical_temperature", tc},
                     {"coupling", o.coupling},
                     {"field", o.field},
                     {"algorithm", ising::algorithm_name(algorithm)},
                     {"samples", o.samples},
                     {"sweeps_between", o.sweeps_between},
                     {"thermalize", o.thermalize},
                     {"seed", o.seed}};
    if (!o.plot.empty()) j["plot_prefix"] = o.plot;
    print_json(j);
    return;
  }
  fmt::print("Ising scan: L = {}, T = {} ({} points), J={} h={}, {} samples per point, {}\n", size_list,
             o.temperature, points.size(), o.coupling, o.field, o.samples, ising::algorithm_name(algorithm));
  fmt::print("{:>5} {:>9} {:>22} {:>13} {:>20} {:>13} {:>20} {:>20} {:>18}\n", "L", "T", "energy",
             "exact", "specific_heat", "exact", "|m|", "chi", "binder");
  auto cell = [](const Result& r) { return fmt::format("{:.6f} ± {:.1e}", r.mean, r.error); };
  for (const auto& p : points) {
    const bool ex = !p.exact.is_null();
    fmt::print("{:>5} {:>9.5f} {:>22} {:>13} {:>20} {:>13} {:>20} {:>20} {:>18}\n", p.L, p.temperature,
               cell(p.obs.energy_per_spin),
               ex ? fmt::format("{:.6f}", p.exact["energy_per_spin"].get<double>()) : "-",
               cell(p.obs.specific_heat_per_spin),
               ex ? fmt::format("{:.6f}", p.exact["specific_heat_per_spin"].get<double>()) : "-",
               cell(p.obs.abs_magnetization), cell(p.obs.susceptibility), cell(p.obs.binder));
  }
  for (const auto& c : crossings) {
    if (c.found)
      fmt::print("Binder crossing L={} / L={}: T = {:.5f} ± {:.5f} (T_c = {:.5f})\n", c.L1, c.L2,
                 c.temperature.mean, c.temperature.error, tc);
    else
      fmt::print("Binder crossing L={} / L={}: none in the scanned range\n", c.L1, c.L2);
  }
  if (!o.plot.empty())
    fmt::print("plots: {0}_energy.png {0}_specific_heat.png {0}_abs_magnetization.png "
               "{0}_susceptibility.png {0}_binder.png\n", o.plot);
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

// Samples interleave the chains round by round: more chains than samples cannot be. `given` is
// --chains (0: not given, then `chains` came from the file's attribute).
void check_chains(int given, double chains, Index samples, const std::string& path) {
  if (chains <= static_cast<double>(samples)) return;
  if (given > 0) {
    throw Error(fmt::format("--chains {}: more chains than the {} samples in {}", given, samples,
                            path));
  }
  throw FileError(path, fmt::format("attribute 'chains' = {} exceeds the {} samples (corrupt "
                                    "file?)",
                                    chains, samples));
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
  check_chains(o.chains, chains, n, o.data);
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
  check_not_input("-o", o.output, {o.data});
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
  bool factor_given = false;
  std::uint64_t seed = 0;
  int chains = 0;
  bool json = false;
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
  if (specs.size() == 1 && (specs[0] == "majority" || specs[0] == "decimation")) return {};
  std::vector<std::shared_ptr<const rg::BlockingRule>> rules;
  for (const auto& spec : specs) {
    const bool builtin = spec == "majority" || spec == "decimation";
    if (!builtin && !has_extension(spec, ".h5") && !has_extension(spec, ".hdf5"))
      throw Error(fmt::format("--rule '{}': expected majority, decimation or a rule file (.h5)", spec));
    auto rule = rg::make_blocking_rule(spec, o.factor);
    if (!builtin && o.factor_given && rule->factor() != o.factor)
      throw FileError(spec, fmt::format("the rule blocks by {}, but --factor is {}", rule->factor(), o.factor));
    if (rule->dimension() != 2) throw FileError(spec, "the rule is for 1D rings, not a 2D lattice");
    rules.push_back(std::move(rule));
  }
  return rules;
}

void run_mcrg(const McrgCliOptions& o) {
  rg::McrgOptions m;
  m.block = o.factor;
  m.levels = o.levels;
  m.even_operators = o.even;
  m.odd_operators = o.odd;
  m.seed = o.seed;
  check_range("--factor", std::int64_t{o.factor}, 2, 1 << 16);
  check_range("--levels", std::int64_t{o.levels}, 1, 32);
  check_range("--even", std::int64_t{o.even}, 1, rg::kMaxEvenOperators);
  check_range("--odd", std::int64_t{o.odd}, 1, rg::kMaxOddOperators);
  const auto rules = mcrg_rules(o);
  if (rules.empty()) m.rule = rg::parse_block_rule(o.rule);
  LatticeData lattice;
  std::string source = o.data;
  if (!o.data.empty()) {
    if (o.size != 0) throw Error("give either DATA or --size/--temperature, not both");
    lattice = load_lattice(o.data);
    double chains = o.chains > 0 ? o.chains : attribute_or(lattice.dataset, "chains", 0.0, false);
    m.chains = chains >= 1.0 ? static_cast<std::size_t>(chains) : 1;
    check_chains(o.chains, static_cast<double>(m.chains), lattice.n, o.data);
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
    ising::RunResult r;
    {
      const InterruptScope interrupts;  // only the sampling polls: Ctrl-C later ends at once
      r = ising::run(cfg, {}, stop_poll());
      throw_if_cancelled();
    }
    lattice.L = r.L;
    lattice.n = r.samples;
    lattice.spins = std::move(r.spins);
    m.chains = static_cast<std::size_t>(r.chains);
    source = fmt::format("{} samples, L={}, T={}, {}, seed {}", r.samples, r.L, o.temperature,
                         ising::algorithm_name(cfg.algorithm), o.seed);
  }
  std::vector<rg::McrgStep> steps;
  try {
    steps = rules.empty() ? rg::mcrg(lattice.spins, lattice.n, lattice.L, m)
                          : rg::mcrg(lattice.spins, lattice.n, lattice.L, rules, m);
  } catch (const FileError&) {
    throw;
  } catch (const Error& e) {
    if (o.data.empty()) throw;
    throw FileError(o.data, e.what());
  }
  if (o.json) {
    nlohmann::json j{{"data", source}, {"L", lattice.L}, {"samples", lattice.n}, {"seed", o.seed},
                     {"factor", rules.empty() ? o.factor : rules.front()->factor()},
                     {"rule", rules.empty() ? rg::block_rule_name(m.rule) : o.rule},
                     {"even_operators", o.even}, {"odd_operators", o.odd}};
    if (!rules.empty()) {
      nlohmann::json per_level = nlohmann::json::array();
      for (const auto& s : steps) {
        const auto& r = rules[std::min(per_level.size(), rules.size() - 1)];
        per_level.push_back({{"from_size", s.from_size}, {"rule", r->name()}, {"factor", r->factor()}});
      }
      j["rules"] = per_level;
    }
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
             source, lattice.n, lattice.L, rules.empty() ? o.factor : rules.front()->factor(),
             rules.empty() ? rg::block_rule_name(m.rule) : o.rule, o.even, o.odd);
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
                    "NAME_L<L>_T<index>.h5");
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
                    "majority, decimation, a rule file (rgflow rg rsmi -o), or a comma list, one per "
                    "level (the last repeats)")
        ->capture_default_str();
    cmd->add_option("--seed", o->seed, "Seed of the tie-breaking coins (and of the sampler)")
        ->capture_default_str();
    cmd->add_option("--chains", o->chains, "Interleaved chains (default: file attribute or 1)")
        ->check(CLI::Range(1, 1 << 20));
    cmd->add_flag("--json", o->json, "Print one JSON object on stdout");
    cmd->callback([o] { run_mcrg(*o); });
  }
}

}  // namespace rgflow::cli
