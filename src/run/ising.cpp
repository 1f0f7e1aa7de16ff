// The service layer for the 2D Ising engine (run/ising.hpp).
#include "rgflow/run/ising.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <nlohmann/json.hpp>

#include "rgflow/core/error.hpp"
#include "rgflow/io/plot.hpp"
#include "rgflow/io/png.hpp"
#include "rgflow/ising/exact.hpp"

namespace rgflow::run {

namespace {

std::string fmt_double(double v) { return fmt::format("{:.17g}", v); }

nlohmann::json exact_point_json(const std::optional<IsingExactPoint>& e) {
  if (!e) return nullptr;
  return {{"energy_per_spin", e->energy_per_spin}, {"specific_heat_per_spin", e->specific_heat_per_spin}};
}

}  // namespace

std::optional<IsingExactPoint> ising_exact_point(int L, double temperature, double coupling, double field) {
  if (coupling == 0.0 || field != 0.0 || (coupling < 0.0 && L % 2 != 0)) return std::nullopt;
  const auto k = ising::kaufman(L, std::abs(coupling) / temperature);
  return IsingExactPoint{std::abs(coupling) * k.energy_per_spin, k.specific_heat};
}

nlohmann::json observables_json(const ising::Observables& o) {
  return {{"energy_per_spin", o.energy_per_spin},
          {"specific_heat_per_spin", o.specific_heat_per_spin},
          {"abs_magnetization", o.abs_magnetization},
          {"susceptibility", o.susceptibility},
          {"binder", o.binder},
          {"tau_int", o.tau_int}};
}

// ---------------------------------------------------------------------------------------------
// Sampling

std::string scan_output_path(const std::string& output, int L, double T, int decimals) {
  const auto dot = output.rfind('.');
  return fmt::format("{}_L{}_T{:.{}f}{}", output.substr(0, dot), L, T, decimals, output.substr(dot));
}

int scan_temperature_decimals(const std::vector<double>& temperatures) {
  int d = 1;
  for (const double T : temperatures) {
    while (d < 6 && std::abs(std::stod(fmt::format("{:.{}f}", T, d)) - T) > 1e-9) ++d;
  }
  for (; d < 12; ++d) {
    std::set<std::string> names;
    for (const double T : temperatures) names.insert(fmt::format("{:.{}f}", T, d));
    if (names.size() == std::set<double>(temperatures.begin(), temperatures.end()).size()) break;
  }
  return d;
}

namespace {

ising::RunConfig point_config(const IsingSampleRequest& r, int L, double T, std::uint64_t seed) {
  ising::RunConfig cfg;
  cfg.model = {L, T, r.coupling, r.field};
  cfg.algorithm = r.algorithm;
  cfg.samples = r.samples;
  cfg.sweeps_between = r.sweeps_between;
  cfg.thermalize = r.thermalize;
  cfg.chains = r.chains;
  cfg.seed = seed;
  return cfg;
}

// Point `index` of a request: its sampler configuration.
struct PointSpec {
  std::size_t index = 0;
  int L = 0;
  double T = 0.0;
  std::uint64_t seed = 0;
  std::string output;
  Attributes extra;  // the scan's attributes of its files
};

ising::RunConfig spec_config(const IsingSampleRequest& r, const PointSpec& spec) {
  ising::RunConfig cfg = point_config(r, spec.L, spec.T, spec.seed);
  cfg.keep_spins = r.keep_spins || !spec.output.empty();
  return cfg;
}

// The point's chains sampled (on the ranks of `comm` when given, ising/sampler.hpp); Cancelled on
// every rank when a stop is asked of any.
ising::RunResult run_point(const IsingSampleRequest& r, const PointSpec& spec,
                           const Communicator* comm, const IsingSampleCallbacks& callbacks,
                           const StopPoll& stop) {
  ising::RunConfig cfg = spec_config(r, spec);
  cfg.validate();
  cfg.communicator = comm;
  ising::Progress progress;
  if (callbacks.progress) {
    progress = [&](std::int64_t done, std::int64_t total) { callbacks.progress(spec.index, done, total); };
  }
  return ising::run(cfg, progress, stop);
}

// The point's observables from its samples, and its file (when `write`: rank 0).
IsingPoint finish_point(const IsingSampleRequest& r, const PointSpec& spec, ising::RunResult run,
                        bool write) {
  IsingPoint p;
  p.run = std::move(run);
  p.L = spec.L;
  p.temperature = spec.T;
  p.seed = spec.seed;
  p.chains = p.run.chains;
  p.output = spec.output;
  p.observables = ising::summarize(p.run.energy, p.run.magnetization,
                                   static_cast<std::size_t>(p.run.chains), spec.L, spec.T);
  p.exact = ising_exact_point(spec.L, spec.T, r.coupling, r.field);
  if (write && !spec.output.empty()) {
    const Index sites = static_cast<Index>(spec.L) * spec.L;
    MatrixF data(static_cast<Index>(r.samples), sites);
    for (Index i = 0; i < data.size(); ++i) data.data()[i] = static_cast<float>(p.run.spins[static_cast<std::size_t>(i)]);
    Attributes attrs = r.provenance;
    attrs["temperature"] = fmt_double(spec.T);
    attrs["coupling"] = fmt_double(r.coupling);
    attrs["field"] = fmt_double(r.field);
    attrs["algorithm"] = ising::algorithm_name(r.algorithm);
    attrs["seed"] = std::to_string(spec.seed);
    attrs["L"] = std::to_string(spec.L);
    attrs["samples"] = std::to_string(r.samples);
    attrs["chains"] = std::to_string(p.run.chains);
    attrs["sweeps_between"] = std::to_string(r.sweeps_between);
    attrs["thermalize"] = std::to_string(r.thermalize);
    attrs["sample_order"] = "sample i = measurement round i / chains of chain i % chains";
    for (const auto& [k, v] : spec.extra) attrs[k] = v;
    io::save_dataset(spec.output, data, attrs, static_cast<Index>(spec.L));
  }
  if (!r.keep_spins) p.run.spins = {};
  return p;
}

// A scan's points over the ranks of `comm`: in rounds of comm.size() points, point k on rank
// k mod size (run with this process's threads), then each point of the round shared from its rank
// to every rank (ising::share_samples) and finished in point order, as one process does.
std::vector<IsingPoint> run_scan_points(const IsingSampleRequest& r, const std::vector<PointSpec>& specs,
                                        const Communicator& comm, const IsingSampleCallbacks& callbacks) {
  const StopPoll stop = with_peer_stops(comm, callbacks.stop);
  const auto size = static_cast<std::size_t>(comm.size());
  const auto rank = static_cast<std::size_t>(comm.rank());
  std::vector<IsingPoint> points;
  for (std::size_t first = 0; first < specs.size(); first += size) {
    const std::size_t last = std::min(specs.size(), first + size);
    std::optional<ising::RunResult> mine;
    bool stopped = false;
    if (first + rank < last) {
      try {
        mine = run_point(r, specs[first + rank], nullptr, callbacks, stop);
        // A stop asked for after the run's last poll: nothing of this round is written.
        stopped = stop && stop();
      } catch (const Cancelled&) {
        stopped = true;
      }
    } else {
      stopped = stop && stop();
    }
    if (size > 1) agree_on_stop(comm, stopped);
    if (stopped) throw Cancelled();
    for (std::size_t k = first; k < last; ++k) {
      const int owner = round_robin_owner(static_cast<std::int64_t>(k), comm.size());
      ising::RunResult run =
          owner == comm.rank() ? std::move(*mine) : ising::empty_result(spec_config(r, specs[k]));
      ising::share_samples(comm, run, [owner](std::int64_t) { return owner; });
      points.push_back(finish_point(r, specs[k], std::move(run), comm.rank() == 0));
    }
  }
  return points;
}

// The scan's plots: one per observable, a series per size, Kaufman's finite-L curves (energy,
// specific heat) and Yang's infinite-lattice magnetisation overlaid for the zero-field ferromagnet.
void write_scan_plots(const IsingSampleRequest& r, const std::vector<IsingPoint>& points) {
  const std::vector<int>& sizes = r.sizes;
  const std::vector<double>& temps = r.temperatures;
  const double tmin = temps.front(), tmax = temps.back();
  const bool exact = r.coupling > 0.0 && r.field == 0.0;
  const double tc = r.coupling * ising::critical_temperature();
  constexpr int kCurve = 240;
  struct Quantity {
    const char* name;
    const char* title;
    stats::Result ising::Observables::*member;
  };
  const Quantity quantities[] = {
      {"energy", "energy per spin e", &ising::Observables::energy_per_spin},
      {"specific_heat", "specific heat per spin c", &ising::Observables::specific_heat_per_spin},
      {"abs_magnetization", "|m|", &ising::Observables::abs_magnetization},
      {"susceptibility", "susceptibility per spin", &ising::Observables::susceptibility},
      {"binder", "binder cumulant u = 1 - <m^4>/(3<m^2>^2)", &ising::Observables::binder}};
  for (const auto& q : quantities) {
    const std::string name(q.name);
    io::Plot plot;
    plot.vertical_line = exact ? tc : std::nan("");
    const std::string reference = name == "abs_magnetization" ? "yang, infinite l" : "kaufman";
    const bool has_reference = name == "energy" || name == "specific_heat" || name == "abs_magnetization";
    plot.title = std::string(q.title) + (exact && has_reference ? "  (lines: " + reference + ")" : "");
    plot.x_label = exact ? "temperature t (dashed: t_c)" : "temperature t";
    for (const int L : sizes) plot.series_labels.push_back(fmt::format("l = {}", L));
    for (std::size_t l = 0; l < sizes.size(); ++l) {
      io::PlotSeries s;
      for (std::size_t t = 0; t < temps.size(); ++t) {
        const auto& v = points[l * temps.size() + t].observables.*(q.member);
        s.x.push_back(temps[t]);
        s.y.push_back(v.mean);
        s.err.push_back(v.error);
      }
      plot.series.push_back(std::move(s));
    }
    if (exact && tmax > tmin && (name == "energy" || name == "specific_heat")) {
      for (const int L : sizes) {  // Kaufman, finite L
        io::PlotCurve c;
        for (int i = 0; i <= kCurve; ++i) {
          const double T = tmin + (tmax - tmin) * i / kCurve;
          const auto k = ising::kaufman(L, r.coupling / T);
          c.x.push_back(T);
          c.y.push_back(name == "energy" ? r.coupling * k.energy_per_spin : k.specific_heat);
        }
        plot.curves.push_back(std::move(c));
      }
    }
    if (exact && tmax > tmin && name == "abs_magnetization") {  // Yang, infinite lattice
      io::PlotCurve c;
      for (int i = 0; i <= kCurve; ++i) {
        const double T = tmin + (tmax - tmin) * i / kCurve;
        c.x.push_back(T);
        c.y.push_back(ising::yang_magnetization(r.coupling / T));
      }
      plot.curves.push_back(std::move(c));
    }
    io::write_png_gray(r.plot + "_" + name + ".png", io::render_plot(plot), 0.0f, 1.0f);
  }
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) {
    if (!out.empty()) out += ',';
    out += s;
  }
  return out;
}

}  // namespace

IsingSampleRun sample_ising(const IsingSampleRequest& request, const IsingSampleCallbacks& callbacks) {
  if (request.sizes.empty() || request.temperatures.empty()) {
    throw Error("an Ising run needs at least one lattice size and one temperature");
  }
  if (!std::isfinite(request.coupling)) throw Error(fmt::format("the coupling must be finite (got {})", request.coupling));
  if (!std::isfinite(request.field)) throw Error(fmt::format("the field must be finite (got {})", request.field));
  IsingSampleRun out;
  out.request = request;
  out.request.provenance.clear();
  out.scan = request.sizes.size() > 1 || request.temperatures.size() > 1;
  if (!request.plot.empty() && !out.scan) throw Error("plots need a scan (several temperatures or sizes)");
  for (const int L : request.sizes)  // every point is validated before any runs
    for (const double T : request.temperatures) point_config(request, L, T, request.seed).validate();

  const SerialCommunicator serial;
  const Communicator& comm = request.communicator ? *request.communicator : serial;
  check_communicator(comm, "Ising sampling");
  if (!out.scan) {
    const PointSpec spec{0, request.sizes[0], request.temperatures[0], request.seed, request.output, {}};
    const StopPoll stop = with_peer_stops(comm, callbacks.stop);
    ising::RunResult run = run_point(request, spec, &comm, callbacks, stop);
    // A stop asked for after the run's last poll (on any rank): nothing is written.
    agree_on_stop(comm, stop && stop());
    out.points.push_back(finish_point(request, spec, std::move(run), comm.rank() == 0));
    return out;
  }
  std::vector<std::string> temp_list, size_list;
  for (const double T : request.temperatures) temp_list.push_back(fmt_double(T));
  for (const int L : request.sizes) size_list.push_back(std::to_string(L));
  const std::size_t n_temps = request.temperatures.size();
  const int decimals = scan_temperature_decimals(request.temperatures);
  std::vector<PointSpec> specs;
  for (std::size_t l = 0; l < request.sizes.size(); ++l)
    for (std::size_t t = 0; t < n_temps; ++t) {
      const int L = request.sizes[l];
      PointSpec spec;
      spec.index = specs.size();
      spec.L = L;
      spec.T = request.temperatures[t];
      spec.seed = ising::scan_seed(request.seed, l, t);
      spec.output = request.output.empty() ? std::string()
                                           : scan_output_path(request.output, L, spec.T, decimals);
      spec.extra = {{"scan_seed", std::to_string(request.seed)},
                    {"scan_temperatures", join(temp_list)},
                    {"scan_sizes", join(size_list)},
                    {"scan_size_index", std::to_string(l)},
                    {"scan_temperature_index", std::to_string(t)}};
      specs.push_back(std::move(spec));
    }
  out.points = run_scan_points(request, specs, comm, callbacks);
  std::vector<std::vector<stats::Result>> binder(request.sizes.size());
  for (std::size_t l = 0; l < request.sizes.size(); ++l)
    for (std::size_t t = 0; t < n_temps; ++t) binder[l].push_back(out.points[l * n_temps + t].observables.binder);
  out.crossings = ising::binder_crossings(request.temperatures, request.sizes, binder);
  if (!request.plot.empty() && comm.rank() == 0) write_scan_plots(request, out.points);
  return out;
}

void to_json(nlohmann::json& j, const IsingSampleRun& r) {
  const IsingSampleRequest& q = r.request;
  if (!r.scan) {
    const IsingPoint& p = r.points.at(0);
    j = observables_json(p.observables);
    j["L"] = p.L;
    j["temperature"] = p.temperature;
    j["coupling"] = q.coupling;
    j["field"] = q.field;
    j["algorithm"] = ising::algorithm_name(q.algorithm);
    j["samples"] = q.samples;
    j["chains"] = p.chains;
    j["seed"] = q.seed;
    if (!p.output.empty()) j["output"] = p.output;
    j["exact"] = exact_point_json(p.exact);
    return;
  }
  nlohmann::json points = nlohmann::json::array();
  for (const IsingPoint& p : r.points) {
    nlohmann::json e = observables_json(p.observables);
    e["L"] = p.L;
    e["temperature"] = p.temperature;
    e["seed"] = p.seed;
    e["chains"] = p.chains;
    e["exact"] = exact_point_json(p.exact);
    if (!p.output.empty()) e["output"] = p.output;
    points.push_back(e);
  }
  nlohmann::json crossings = nlohmann::json::array();
  for (const ising::BinderCrossing& c : r.crossings) {
    crossings.push_back({{"L1", c.L1}, {"L2", c.L2},
                         {"temperature", c.found ? nlohmann::json(c.temperature) : nlohmann::json(nullptr)}});
  }
  j = {{"points", points},
       {"binder_crossings", crossings},
       {"critical_temperature", q.coupling * ising::critical_temperature()},
       {"coupling", q.coupling},
       {"field", q.field},
       {"algorithm", ising::algorithm_name(q.algorithm)},
       {"samples", q.samples},
       {"sweeps_between", q.sweeps_between},
       {"thermalize", q.thermalize},
       {"seed", q.seed}};
  if (!q.plot.empty()) j["plot_prefix"] = q.plot;
}

// ---------------------------------------------------------------------------------------------
// Exact values

IsingExactRun ising_exact(int L, double temperature, double coupling) {
  if (L < 2) throw Error(fmt::format("the lattice size must be >= 2 (got {})", L));
  if (!(temperature > 0.0) || !std::isfinite(temperature)) {
    throw Error(fmt::format("the temperature must be positive and finite (got {})", temperature));
  }
  if (!(coupling > 0.0) || !std::isfinite(coupling)) {
    throw Error(fmt::format("the exact solution needs a coupling J > 0 (got {})", coupling));
  }
  IsingExactRun r;
  r.L = L;
  r.temperature = temperature;
  r.coupling = coupling;
  const double K = coupling / temperature;
  const auto k = ising::kaufman(L, K);
  const double N = static_cast<double>(L) * L;
  r.critical_temperature = coupling * ising::critical_temperature();
  r.log_z = k.log_z;
  r.free_energy_per_spin = -temperature * k.log_z / N;
  r.energy_per_spin = coupling * k.energy_per_spin;
  r.specific_heat_per_spin = k.specific_heat;
  r.infinite_energy_per_spin = coupling * ising::onsager_energy_per_spin(K);
  r.infinite_specific_heat_per_spin = ising::onsager_specific_heat(K);
  r.spontaneous_magnetization = ising::yang_magnetization(K);
  return r;
}

void to_json(nlohmann::json& j, const IsingExactRun& r) {
  const auto est = [](double v) { return nlohmann::json(stats::Result::exact(v)); };
  j = {{"L", r.L},
       {"temperature", r.temperature},
       {"coupling", r.coupling},
       {"critical_temperature", r.critical_temperature},
       {"log_z", est(r.log_z)},
       {"free_energy_per_spin", est(r.free_energy_per_spin)},
       {"energy_per_spin", est(r.energy_per_spin)},
       {"specific_heat_per_spin", est(r.specific_heat_per_spin)},
       {"infinite_lattice",
        {{"energy_per_spin", est(r.infinite_energy_per_spin)},
         {"specific_heat_per_spin", std::isfinite(r.infinite_specific_heat_per_spin)
                                        ? est(r.infinite_specific_heat_per_spin)
                                        : nlohmann::json(nullptr)},
         {"spontaneous_magnetization", est(r.spontaneous_magnetization)}}}};
}

// ---------------------------------------------------------------------------------------------
// Stored configurations

IsingLattice load_ising_lattice(const std::string& path) {
  IsingLattice out;
  out.dataset = io::load_dataset(path);
  out.from_file = true;
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

std::optional<double> number_attribute(const io::Dataset& d, const char* name) {
  const auto it = d.attributes.find(name);
  if (it == d.attributes.end()) return std::nullopt;
  try {
    std::size_t used = 0;
    const double v = std::stod(it->second, &used);
    if (used != it->second.size() || !std::isfinite(v)) throw std::invalid_argument("trailing");
    return v;
  } catch (const std::exception&) {
    throw FileError(d.source, fmt::format("attribute '{}' = '{}' is not a number", name, it->second));
  }
}

IsingObserveRun observe_ising(const IsingLattice& lattice, const IsingObserveRequest& request) {
  const io::Dataset& d = lattice.dataset;
  IsingObserveRun r;
  r.L = lattice.L;
  r.samples = lattice.n;
  // Given values (0 counts as not given for temperature and coupling), else the file's.
  const auto given = [](const std::optional<double>& v) { return v && *v != 0.0 ? v : std::nullopt; };
  const std::optional<double> temperature = given(request.temperature) ? request.temperature
                                                                       : number_attribute(d, "temperature");
  if (!temperature) throw FileError(d.source, "no attribute 'temperature' (the temperature must be given)");
  r.temperature = *temperature;
  if (!(r.temperature > 0.0)) throw FileError(d.source, fmt::format("temperature {} must be positive", r.temperature));
  r.coupling = given(request.coupling) ? *request.coupling : number_attribute(d, "coupling").value_or(1.0);
  r.field = request.field ? *request.field : number_attribute(d, "field").value_or(0.0);
  double chains = 0.0;
  if (request.chains && *request.chains > 0) {
    chains = *request.chains;
  } else {
    chains = number_attribute(d, "chains").value_or(0.0);
  }
  if (!(chains >= 1.0) || chains != std::floor(chains)) chains = 1.0;
  if (chains > static_cast<double>(lattice.n)) {
    if (request.chains && *request.chains > 0) {
      throw Error(fmt::format("{} chains: more chains than the {} samples in {}", *request.chains,
                              lattice.n, d.source));
    }
    throw FileError(d.source, fmt::format("attribute 'chains' = {} exceeds the {} samples (corrupt file?)",
                                          chains, lattice.n));
  }
  r.chains = static_cast<int>(chains);
  const auto n = static_cast<std::size_t>(lattice.n);
  std::vector<double> energy(n), magnetization(n);
  const auto sites = static_cast<std::size_t>(lattice.L) * static_cast<std::size_t>(lattice.L);
  for (std::size_t i = 0; i < n; ++i) {
    const auto m = ising::measure(std::span(lattice.spins).subspan(i * sites, sites), lattice.L,
                                  r.coupling, r.field);
    energy[i] = m.energy;
    magnetization[i] = m.magnetization;
  }
  r.observables = ising::summarize(energy, magnetization, static_cast<std::size_t>(r.chains), r.L, r.temperature);
  r.exact = ising_exact_point(r.L, r.temperature, r.coupling, r.field);
  return r;
}

void to_json(nlohmann::json& j, const IsingObserveRun& r) {
  j = observables_json(r.observables);
  j["L"] = r.L;
  j["temperature"] = r.temperature;
  j["coupling"] = r.coupling;
  j["field"] = r.field;
  j["samples"] = r.samples;
  j["chains"] = r.chains;
  j["exact"] = exact_point_json(r.exact);
}

IsingLattice sample_lattice(const ising::RunConfig& config, const StopPoll& stop,
                            const ising::Progress& progress) {
  ising::RunConfig cfg = config;
  cfg.keep_spins = true;
  cfg.validate();
  ising::RunResult r = ising::run(cfg, progress, stop);
  if (stop && stop()) throw Cancelled();
  IsingLattice out;
  out.L = r.L;
  out.n = r.samples;
  out.spins = std::move(r.spins);
  out.dataset.source = fmt::format("{} samples, L={}, T={}, {}, seed {}", r.samples, r.L,
                                   cfg.model.temperature, ising::algorithm_name(cfg.algorithm), cfg.seed);
  out.dataset.attributes["chains"] = std::to_string(r.chains);
  return out;
}

IsingMcrgRun mcrg_ising(const IsingLattice& lattice, const IsingMcrgRequest& request) {
  IsingMcrgRun out;
  out.request = request;
  out.source = lattice.dataset.source;
  out.L = lattice.L;
  out.samples = lattice.n;
  rg::McrgOptions& m = out.request.options;
  const double chains = request.chains && *request.chains > 0
                            ? *request.chains
                            : number_attribute(lattice.dataset, "chains").value_or(0.0);
  m.chains = chains >= 1.0 ? static_cast<std::size_t>(chains) : 1;
  if (static_cast<double>(m.chains) > static_cast<double>(lattice.n)) {
    if (request.chains) {
      throw Error(fmt::format("{} chains: more chains than the {} samples in {}", m.chains, lattice.n,
                              out.source));
    }
    throw FileError(out.source, fmt::format("attribute 'chains' = {} exceeds the {} samples (corrupt file?)",
                                            static_cast<double>(m.chains), lattice.n));
  }
  out.factor = request.rules.empty() ? m.block : request.rules.front()->factor();
  out.rule = request.rules.empty() ? rg::block_rule_name(m.rule) : request.rule_text;
  try {
    out.steps = request.rules.empty() ? rg::mcrg(lattice.spins, lattice.n, lattice.L, m)
                                      : rg::mcrg(lattice.spins, lattice.n, lattice.L, request.rules, m);
  } catch (const FileError&) {
    throw;
  } catch (const Error& e) {
    if (!lattice.from_file) throw;
    throw FileError(out.source, e.what());
  }
  return out;
}

void to_json(nlohmann::json& j, const IsingMcrgRun& r) {
  const IsingMcrgRequest& q = r.request;
  j = {{"data", r.source}, {"L", r.L}, {"samples", r.samples}, {"seed", q.options.seed},
       {"factor", r.factor}, {"rule", r.rule}, {"even_operators", q.options.even_operators},
       {"odd_operators", q.options.odd_operators}};
  if (!q.rules.empty()) {
    nlohmann::json per_level = nlohmann::json::array();
    for (const rg::McrgStep& s : r.steps) {
      const auto& rule = q.rules[std::min(per_level.size(), q.rules.size() - 1)];
      per_level.push_back({{"from_size", s.from_size}, {"rule", rule->name()}, {"factor", rule->factor()}});
    }
    j["rules"] = per_level;
  }
  nlohmann::json steps = nlohmann::json::array();
  for (const rg::McrgStep& s : r.steps) {
    steps.push_back({{"from_size", s.from_size}, {"to_size", s.to_size}, {"y_t", s.y_t}, {"y_h", s.y_h},
                     {"lambda_t", s.lambda_t}, {"lambda_h", s.lambda_h}});
  }
  j["steps"] = steps;
  j["exact"] = {{"y_t", 1.0}, {"y_h", 15.0 / 8.0}};
}

void block_ising(const IsingLattice& lattice, int factor, rg::BlockRule rule, std::uint64_t seed,
                 const std::string& output, const Attributes& provenance) {
  if (factor < 1 || factor > lattice.L || lattice.L % factor != 0) {
    throw Error(fmt::format("a block factor of {} does not divide the lattice size {} of {}", factor,
                            lattice.L, lattice.dataset.source));
  }
  const auto blocked = rg::block_spins_batch(lattice.spins, lattice.n, lattice.L, factor, rule, seed);
  const int Lb = lattice.L / factor;
  MatrixF data(static_cast<Index>(lattice.n), static_cast<Index>(Lb) * Lb);
  for (Index i = 0; i < data.size(); ++i) data.data()[i] = static_cast<float>(blocked[static_cast<std::size_t>(i)]);
  Attributes attrs = lattice.dataset.attributes;  // temperature, chains, ...
  for (const auto& [k, v] : provenance) attrs[k] = v;
  attrs["L"] = std::to_string(Lb);
  attrs["block_factor"] = std::to_string(factor);
  attrs["block_rule"] = rg::block_rule_name(rule);
  attrs["block_seed"] = std::to_string(seed);
  attrs["block_source"] = lattice.dataset.source;
  io::save_dataset(output, data, attrs, static_cast<Index>(Lb));
}

}  // namespace rgflow::run
