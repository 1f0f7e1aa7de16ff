// rgflow rg couplings | receptive-fields | flow | free-energy-flow — the variational-RG link as
// tools (docs/vrg-tools.md). The computations live in include/rgflow/rg/; this file reads files,
// checks options and prints.
#include <fmt/format.h>

#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli_util.hpp"
#include "commands.hpp"
#include "interrupt.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/estimate/ais.hpp"
#include "rgflow/io/dataset.hpp"
#include "rgflow/io/dbn_file.hpp"
#include "rgflow/io/model.hpp"
#include "rgflow/io/png.hpp"
#include "rgflow/run/couplings.hpp"
#include "rgflow/run/dbn.hpp"
#include "rgflow/rg/lattice_free_energy.hpp"
#include "rgflow/rg/flow_map.hpp"
#include "rgflow/rg/machine_flow_maps.hpp"
#include "rgflow/rg/rbm_flow.hpp"
#include "rgflow/hopfield/file.hpp"
#include "rgflow/nmf/file.hpp"
#include "rgflow/autoencoder/file.hpp"
#include "rgflow/rg/receptive_fields.hpp"

namespace rgflow::cli {

namespace {

// Lattice data: rows of ±1 (or 0/1) spins converted to the visible type, with L from /spins.
struct LatticeData {
  MatrixF rows;
  int L = 0;
  std::optional<double> temperature;
};

// The rows, L and the temperature attribute of a lattice dataset, as stored.
LatticeData read_lattice(const std::string& path, int lattice_option) {
  io::Dataset ds = io::load_dataset(path);
  if (ds.data.rows() == 0) throw FileError(path, "dataset is empty");
  LatticeData out;
  out.L = lattice_option > 0 ? lattice_option : static_cast<int>(ds.lattice_size.value_or(0));
  if (out.L <= 0) {
    throw FileError(path, "no lattice size: give --lattice L or a /spins [N, L, L] dataset");
  }
  if (Index{out.L} * out.L != ds.data.cols()) {
    throw FileError(path, fmt::format("rows have {} values, not a {}x{} lattice", ds.data.cols(),
                                      out.L, out.L));
  }
  const auto t = ds.attributes.find("temperature");
  if (t != ds.attributes.end()) {
    try {
      out.temperature = std::stod(t->second);
    } catch (const std::exception&) {
      throw FileError(path, fmt::format("attribute temperature '{}' is not a number", t->second));
    }
  }
  out.rows = std::move(ds.data);
  return out;
}

LatticeData load_lattice_data(const std::string& path, const Rbm& bottom, int lattice_option) {
  LatticeData out = read_lattice(path, lattice_option);
  MatrixF& x = out.rows;
  const bool spins = (x.array() == 1.0f || x.array() == -1.0f).all();
  if (bottom.visible_type() == UnitType::bernoulli && spins) {
    x = ((x.array() + 1.0f) * 0.5f).matrix();
  } else if (bottom.visible_type() == UnitType::spin && !spins &&
             (x.array() == 0.0f || x.array() == 1.0f).all()) {
    x = (2.0f * x.array() - 1.0f).matrix();
  }
  check_data(bottom, x, path);
  return out;
}

// Lattice configurations as spins (the non-RBM flow maps): ±1 rows, or 0/1 rows mapped to ±1.
LatticeData load_lattice_spins(const std::string& path, int lattice_option) {
  LatticeData out = read_lattice(path, lattice_option);
  MatrixF& x = out.rows;
  if (!(x.array() == 1.0f || x.array() == -1.0f).all()) {
    if (!(x.array() == 0.0f || x.array() == 1.0f).all()) {
      throw FileError(path, "configurations must be spins (-1/+1) or 0/1");
    }
    x = (2.0f * x.array() - 1.0f).matrix();
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// rg couplings

struct CouplingsCli {
  std::string model;
  std::string side = "visible";
  int max_order = 4;
  int lattice = 0;
  bool chain = false;
  int extent = 0;
  Index layer = 0;
  double tolerance = 0.0;
  int max_exact_support = 20;
  Index samples = 20000;
  std::uint64_t seed = 0;
  int threads = 0;
  bool json = false;
};

void run_couplings(const CouplingsCli& o) {
  const InterruptScope interrupts;  // Ctrl-C: Cancelled (options.stop below), exit 130
  check_range("--max-order", std::int64_t{o.max_order}, 1, 6);
  check_range("--max-exact-support", std::int64_t{o.max_exact_support}, 0, 26);
  check_range("--samples", o.samples, 2, 1'000'000'000);
  check_range("--tolerance", o.tolerance, 0.0, 1e30);
  if (o.lattice > 0 && o.chain) throw Error("--lattice and --chain: give one geometry");
  const Dbn dbn = run::load_layers(o.model);
  if (o.layer < 0 || o.layer >= dbn.n_layers()) {
    throw FileError(o.model, fmt::format("--layer {}: the model has {} layer(s)", o.layer, dbn.n_layers()));
  }
  const Rbm& rbm = dbn.layer(o.layer);
  run::CouplingsRequest request;
  request.layer = o.layer;
  request.max_order = o.max_order;
  request.lattice = o.lattice;
  request.chain = o.chain;
  request.extent = o.extent;
  request.options.side = rg::parse_side(o.side);
  request.options.support_tolerance = o.tolerance;
  request.options.max_exact_support = o.max_exact_support;
  request.options.samples = o.samples;
  request.options.seed = o.seed;
  request.options.threads = o.threads;
  request.options.stop = stop_poll();
  const Index n = request.options.side == rg::Side::visible ? rbm.n_visible() : rbm.n_hidden();
  if (o.lattice > 0 && Index{o.lattice} * o.lattice != n) {
    throw FileError(o.model, fmt::format("--lattice {}: the {} side has {} units, not {}", o.lattice,
                                         o.side, n, Index{o.lattice} * o.lattice));
  }
  const run::CouplingsRun result = run::couplings(dbn, request);
  const rg::CouplingTable& table = result.table;
  const auto& shapes = result.shapes;
  const auto& lattice = result.lattice;

  if (o.json) {
    nlohmann::json j = result;
    j["model"] = o.model;
    print_json(j);
    return;
  }
  fmt::print("couplings of the {} side of {} (layer {}): {} units exact, {} by Monte Carlo ({} samples, seed {})\n",
             o.side, o.model, o.layer, table.exact_units, table.monte_carlo_units, table.samples, o.seed);
  if (lattice) {
    fmt::print("{:>5} {:>3} {:>3} {:>8} {:>6} {:>12} {:>10} {:>10}\n", "order", "dx", "dy", "distance",
               "count", "mean", "error", "spread");
    for (const auto& s : shapes) {
      fmt::print("{:>5} {:>3} {:>3} {:>8.3f} {:>6} {:>12.6f} {:>10.6f} {:>10.6f}\n", s.order, s.dx,
                 s.dy, s.distance, s.count, s.mean.mean, s.mean.error, s.spread);
    }
  } else {
    for (const auto& c : table.couplings) {
      fmt::print("K{:<20} {:>12.6f} ± {:.6f}\n", fmt::format("{}", fmt::join(c.sites, ",")),
                 c.value.mean, c.value.error);
    }
  }
}

void add_couplings(CLI::App& rg) {
  auto o = std::make_shared<CouplingsCli>();
  CLI::App* cmd = rg.add_subcommand("couplings",
                                    "Multi-spin couplings K_A (|A| <= max order) of an RBM layer's "
                                    "marginal Hamiltonian, with error bars");
  cmd->add_option("MODEL", o->model, "RBM or DBN file (.h5)")->required();
  cmd->add_option("--side", o->side, "Marginal of the visible or the hidden units")
      ->check(CLI::IsMember({"visible", "hidden"}))
      ->capture_default_str();
  cmd->add_option("--max-order", o->max_order, "Largest |A| (1-6)")->capture_default_str();
  cmd->add_option("--lattice", o->lattice, "The side is an L x L periodic lattice: averages by shape")
      ->check(CLI::Range(1, 1 << 15));
  cmd->add_flag("--chain", o->chain, "The side is a periodic ring: averages by distance");
  cmd->add_option("--extent", o->extent,
                  "3+-body couplings inside extent x extent windows (default 2; 4 on a chain)")
      ->check(CLI::Range(1, 1 << 15));
  cmd->add_option("--layer", o->layer, "Layer of a DBN file")->capture_default_str();
  cmd->add_option("--tolerance", o->tolerance, "|w| at or below this does not count as a connection")
      ->capture_default_str();
  cmd->add_option("--max-exact-support", o->max_exact_support,
                  "Enumerate units touching at most this many sites; Monte Carlo above")
      ->capture_default_str();
  cmd->add_option("--samples", o->samples, "Monte Carlo samples")->capture_default_str();
  cmd->add_option("--seed", o->seed, "Monte Carlo seed")->capture_default_str();
  cmd->add_option("--threads", o->threads, "Threads (0: all; the result does not depend on it)");
  cmd->add_flag("--json", o->json, "Print one JSON object");
  cmd->callback([o] { run_couplings(*o); });
}

// ---------------------------------------------------------------------------------------------
// rg receptive-fields

struct ReceptiveCli {
  std::string model;
  int lattice = 0;
  double radius = 1.5;
  int permutations = 100;
  std::uint64_t seed = 0;
  std::string png;
  bool json = false;
};

void run_receptive(const ReceptiveCli& o) {
  check_range("--lattice", std::int64_t{o.lattice}, 2, 4096);
  check_range("--radius", o.radius, 0.0, 1e6);
  check_range("--permutations", std::int64_t{o.permutations}, 0, 1'000'000);
  if (!o.png.empty()) check_output_path(o.png, {".png"});
  const Dbn dbn = run::load_layers(o.model);
  const rg::Lattice lattice = rg::Lattice::square(o.lattice);
  if (dbn.n_visible() != lattice.sites()) {
    throw FileError(o.model, fmt::format("--lattice {}: the model has {} visible units, not {}", o.lattice,
                                         dbn.n_visible(), lattice.sites()));
  }
  rg::LocalityOptions options;
  options.radius = o.radius;
  options.permutations = o.permutations;
  options.seed = o.seed;
  const std::vector<rg::LevelLocality> levels = rg::receptive_field_locality(dbn, lattice, options);
  if (!o.png.empty()) {
    Index total = 0;
    for (const auto& l : levels) total += l.fields.cols();
    MatrixF tiles(total, lattice.sites());
    Index row = 0;
    for (const auto& l : levels) {
      for (Index j = 0; j < l.fields.cols(); ++j) tiles.row(row++) = l.fields.col(j).cast<float>().transpose();
    }
    io::write_png_mosaic(o.png, tiles, o.lattice, o.lattice, true);
  }
  if (o.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& l : levels) {
      nlohmann::json units = nlohmann::json::array();
      for (const auto& u : l.units) {
        units.push_back({{"centre", {u.centre_x, u.centre_y}}, {"score", u.score},
                         {"null_mean", u.null_mean}, {"null_sd", u.null_sd}});
      }
      out.push_back({{"level", l.level}, {"units", units}, {"score", to_json(l.score)},
                     {"null_score", to_json(l.null_score)}});
    }
    print_json({{"model", o.model}, {"lattice", o.lattice}, {"radius", o.radius},
                {"permutations", o.permutations}, {"seed", o.seed}, {"levels", out}});
    return;
  }
  fmt::print("receptive fields of {} on a {}x{} lattice, radius {}\n", o.model, o.lattice, o.lattice, o.radius);
  fmt::print("{:>5} {:>6} {:>20} {:>20}\n", "level", "units", "locality", "permutation null");
  for (const auto& l : levels) {
    fmt::print("{:>5} {:>6} {:>11.4f} ± {:<6.4f} {:>11.4f} ± {:<6.4f}\n", l.level, l.fields.cols(),
               l.score.mean, l.score.error, l.null_score.mean, l.null_score.error);
  }
  if (!o.png.empty()) fmt::print("wrote {}\n", o.png);
}

void add_receptive(CLI::App& rg) {
  auto o = std::make_shared<ReceptiveCli>();
  CLI::App* cmd = rg.add_subcommand("receptive-fields",
                                    "Effective receptive fields of each DBN level on the lattice, "
                                    "their centres and locality against a permutation null");
  cmd->add_option("MODEL", o->model, "DBN or RBM file (.h5)")->required();
  cmd->add_option("--lattice", o->lattice, "Visible units form an L x L periodic lattice")->required();
  cmd->add_option("--radius", o->radius, "Locality radius r (lattice spacings)")->capture_default_str();
  cmd->add_option("--permutations", o->permutations, "Site permutations per unit for the null")
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed of the permutations")->capture_default_str();
  cmd->add_option("-o,--output", o->png, "PNG mosaic of all receptive fields (level by level)");
  cmd->add_flag("--json", o->json, "Print one JSON object");
  cmd->callback([o] { run_receptive(*o); });
}

// ---------------------------------------------------------------------------------------------
// rg flow

struct FlowCli {
  std::string model;
  std::string data;
  std::string map = "rbm";
  int steps = 10;
  std::string propagate = "mean";
  double hopfield_temperature = 1.0;
  int lattice = 0;
  Index rows = 0;
  std::uint64_t seed = 0;
  std::string png;
  bool json = false;
};

nlohmann::json observables_json(const rg::LatticeObservables& o) {
  return {{"energy", to_json(o.energy)},
          {"abs_magnetization", to_json(o.abs_magnetization)},
          {"temperature_energy", to_json(o.temperature_energy)},
          {"temperature_pseudo_likelihood", to_json(o.temperature_pseudo_likelihood)}};
}

// The flow map of --map, owning its model.
struct LoadedMap {
  std::unique_ptr<Rbm> rbm;
  std::unique_ptr<hopfield::Network> hopfield;
  std::unique_ptr<nmf::ConvexNmf> nmf;
  std::unique_ptr<autoencoder::Autoencoder> autoencoder;
  std::unique_ptr<rg::FlowMap> map;
};

LoadedMap load_flow_map(const FlowCli& o) {
  LoadedMap m;
  const Propagate propagate = parse_propagate(o.propagate);
  if (o.map != "rbm" && o.map != "hopfield" && propagate == Propagate::sample) {
    throw Error(fmt::format("--propagate sample: the {} map is deterministic (use mean)", o.map));
  }
  if (o.map == "rbm") {
    const Dbn dbn = run::load_layers(o.model);
    if (dbn.n_layers() != 1) throw FileError(o.model, "rg flow needs an RBM (a one-layer model)");
    m.rbm = std::make_unique<Rbm>(dbn.layer(0));
    m.map = std::make_unique<rg::RbmFlowMap>(*m.rbm, propagate);
  } else if (o.map == "hopfield") {
    check_range("--hopfield-temperature", o.hopfield_temperature, 0.0, 1e300);
    m.hopfield = std::make_unique<hopfield::Network>(hopfield::load_network(o.model));
    m.map = std::make_unique<rg::HopfieldFlowMap>(*m.hopfield, o.hopfield_temperature, propagate);
  } else if (o.map == "nmf") {
    m.nmf = std::make_unique<nmf::ConvexNmf>(nmf::load_model(o.model));
    m.map = std::make_unique<rg::NmfFlowMap>(*m.nmf);
  } else {
    m.autoencoder = std::make_unique<autoencoder::Autoencoder>(autoencoder::load_model(o.model));
    m.map = std::make_unique<rg::AutoencoderFlowMap>(*m.autoencoder);
  }
  return m;
}

void run_flow(const FlowCli& o) {
  check_range("--steps", std::int64_t{o.steps}, 0, 100000);
  check_range("--rows", o.rows, 0, kMaxMatrixElements);
  if (!o.png.empty()) check_output_path(o.png, {".png"});
  const LoadedMap m = load_flow_map(o);
  LatticeData d = m.rbm ? load_lattice_data(o.data, *m.rbm, o.lattice) : load_lattice_spins(o.data, o.lattice);
  if (o.rows > 0 && o.rows < d.rows.rows()) d.rows.conservativeResize(o.rows, Eigen::NoChange);
  if (m.map->sites() != d.rows.cols()) {
    throw FileError(o.model, fmt::format("the {} model acts on {} sites; the data are {}x{}", o.map, m.map->sites(),
                                         d.L, d.L));
  }
  // The RBM path takes data in its visible representation (0/1 for Bernoulli units).
  const MatrixF spins = m.rbm ? m.map->to_spins(d.rows) : d.rows;
  // Rows of the PNG: steps; columns: the first 8 configurations, each an L x L tile in [−1, 1].
  const Index shown = std::min<Index>(8, d.rows.rows());
  MatrixF tiles;
  if (!o.png.empty()) tiles.resize((o.steps + 1) * shown, Index{d.L} * d.L);
  const std::vector<rg::FlowStep> steps =
      rg::iterate_flow(*m.map, spins, d.L, {o.steps, o.seed}, [&](int t, const MatrixF& s) {
        if (!o.png.empty()) tiles.middleRows(t * shown, shown) = s.topRows(shown);
      });
  if (!o.png.empty()) io::write_png_mosaic(o.png, tiles, d.L, d.L, false, -1.0f, 1.0f);
  if (o.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& s : steps) {
      nlohmann::json j = observables_json(s.observables);
      j["step"] = s.step;
      out.push_back(j);
    }
    nlohmann::json j{{"model", o.model}, {"map", o.map}, {"data", o.data}, {"lattice", d.L},
                     {"rows", d.rows.rows()}, {"propagate", o.propagate}, {"seed", o.seed},
                     {"data_temperature", d.temperature ? nlohmann::json(*d.temperature) : nlohmann::json(nullptr)},
                     {"steps", out}};
    if (o.map == "hopfield") j["hopfield_temperature"] = o.hopfield_temperature;
    print_json(j);
    return;
  }
  fmt::print("{} flow of {} from {} ({} rows, L = {}, {}, seed {})\n", o.map, o.model, o.data, d.rows.rows(), d.L,
             o.propagate, o.seed);
  fmt::print("{:>4} {:>18} {:>18} {:>18} {:>18}\n", "step", "energy", "|m|", "T (energy)", "T (pseudo-lik.)");
  for (const auto& s : steps) {
    const auto& b = s.observables;
    fmt::print("{:>4} {:>9.4f} ± {:<6.4f} {:>9.4f} ± {:<6.4f} {:>9.4f} ± {:<6.4f} {:>9.4f} ± {:<6.4f}\n",
               s.step, b.energy.mean, b.energy.error, b.abs_magnetization.mean,
               b.abs_magnetization.error, b.temperature_energy.mean, b.temperature_energy.error,
               b.temperature_pseudo_likelihood.mean, b.temperature_pseudo_likelihood.error);
  }
  if (!o.png.empty()) fmt::print("wrote {}\n", o.png);
}

void add_flow(CLI::App& rg) {
  auto o = std::make_shared<FlowCli>();
  CLI::App* cmd = rg.add_subcommand("flow", "Flow map (RBM v -> h -> v, Hopfield, convex NMF, autoencoder) "
                                            "iterated from a dataset, with observables and temperature "
                                            "estimates per step");
  cmd->add_option("MODEL", o->model, "Model file (.h5) of the --map machine on an L x L lattice")->required();
  cmd->add_option("DATA", o->data, "Lattice configurations (/spins [N, L, L])")->required();
  cmd->add_option("--map", o->map, "rbm | hopfield | nmf | autoencoder (docs/flow-maps.md)")
      ->check(CLI::IsMember({"rbm", "hopfield", "nmf", "autoencoder"}))
      ->capture_default_str();
  cmd->add_option("--steps", o->steps, "Flow steps")->capture_default_str();
  cmd->add_option("--propagate", o->propagate,
                  "mean (conditional expectations) | sample (Gibbs; rbm and hopfield maps)")
      ->check(CLI::IsMember({"mean", "sample"}))
      ->capture_default_str();
  cmd->add_option("--hopfield-temperature", o->hopfield_temperature,
                  "T of the Hopfield map (mean: tanh(J s / T); sample: Glauber at T; 0: zero-T sweeps)")
      ->capture_default_str();
  cmd->add_option("--lattice", o->lattice, "L when the data file has no /spins")
      ->check(CLI::Range(1, 1 << 15));
  cmd->add_option("--rows", o->rows, "Use only the first N rows (0: all)");
  cmd->add_option("--seed", o->seed, "Seed (stochastic maps)")->capture_default_str();
  cmd->add_option("-o,--output", o->png, "PNG: the first 8 configurations (columns) at each step (rows)");
  cmd->add_flag("--json", o->json, "Print one JSON object");
  cmd->callback([o] { run_flow(*o); });
}

// ---------------------------------------------------------------------------------------------
// rg free-energy-flow

struct FreeEnergyCli {
  std::string model;
  std::string data;
  std::optional<double> temperature;
  std::string log_z = "auto";
  std::string propagate = "mean";
  int chains = 100;
  std::int64_t betas = 0;
  Index samples = 20000;
  std::uint64_t seed = 0;
  bool json = false;
};

void run_free_energy(const FreeEnergyCli& o) {
  check_range("--chains", std::int64_t{o.chains}, 2, 1000000);
  check_range("--betas", o.betas, 0, 100000000);
  if (o.betas == 1) throw Error("--betas: at least 2 temperatures (0: default schedule)");
  check_range("--samples", o.samples, 2, 1'000'000'000);
  const Dbn dbn = run::load_layers(o.model);
  const LatticeData d = load_lattice_data(o.data, dbn.layer(0), 0);
  rg::LatticeFreeEnergyOptions options;
  options.flow.propagate = parse_propagate(o.propagate);
  options.flow.seed = o.seed;
  options.flow.log_z.method = estimate::parse_log_z_method(o.log_z);
  options.flow.log_z.ais.chains = o.chains;
  options.flow.log_z.ais.seed = o.seed;
  if (o.betas > 0) options.flow.log_z.ais.betas = estimate::linear_ais_schedule(static_cast<std::size_t>(o.betas));
  options.gauge.samples = o.samples;
  options.gauge.seed = o.seed;
  options.lattice_size = d.L;
  options.temperature = o.temperature ? o.temperature : d.temperature;
  if (options.temperature) check_range("--temperature", *options.temperature, 1e-6, 1e6);
  const rg::LatticeFreeEnergy r = rg::lattice_free_energy(dbn, d.rows, options);
  const auto opt = [](const std::optional<double>& x) { return x ? nlohmann::json(*x) : nlohmann::json(nullptr); };
  if (o.json) {
    nlohmann::json layers = nlohmann::json::array();
    for (const auto& l : r.layers) {
      layers.push_back({{"layer", l.flow.layer},
                        {"n_visible", l.flow.n_visible},
                        {"n_hidden", l.flow.n_hidden},
                        {"log_z_method", std::string(estimate::to_string(l.flow.log_z_method))},
                        {"log_z", to_json(*l.flow.log_z)},
                        {"mean_free_energy_data", to_json(l.flow.free_energy)},
                        {"log_likelihood_per_unit", to_json(*l.flow.log_likelihood_per_unit)},
                        {"uniform_mean_free_energy", to_json(l.uniform_mean)},
                        {"free_energy", to_json(l.free_energy)},
                        {"free_energy_per_unit", to_json(l.free_energy_per_unit)},
                        {"free_energy_per_site", to_json(l.free_energy_per_site)},
                        {"sites_per_unit", l.sites_per_unit},
                        {"ising_free_energy_per_unit", opt(l.ising_per_unit)}});
    }
    nlohmann::json changes = nlohmann::json::array();
    for (const auto& c : r.change_per_site) changes.push_back(to_json(c));
    print_json({{"model", o.model}, {"data", o.data}, {"lattice", d.L}, {"seed", o.seed},
                {"propagate", o.propagate}, {"temperature", opt(options.temperature)},
                {"ising_free_energy_per_site", opt(r.ising_per_site)}, {"layers", layers},
                {"change_per_site", changes}, {"conservation", to_json(r.conservation)}});
    return;
  }
  fmt::print("free-energy flow of {} on {} (L = {}{})\n", o.model, o.data, d.L,
             options.temperature ? fmt::format(", T = {}", *options.temperature) : "");
  fmt::print("{:>5} {:>6} {:>22} {:>22} {:>14}\n", "layer", "units", "F'/unit", "F'/site", "Ising/unit");
  for (const auto& l : r.layers) {
    fmt::print("{:>5} {:>6} {:>12.5f} ± {:<7.5f} {:>12.5f} ± {:<7.5f} {:>14}\n", l.flow.layer,
               l.flow.n_visible, l.free_energy_per_unit.mean, l.free_energy_per_unit.error,
               l.free_energy_per_site.mean, l.free_energy_per_site.error,
               l.ising_per_unit ? fmt::format("{:.5f}", *l.ising_per_unit) : "-");
  }
  for (std::size_t k = 0; k < r.change_per_site.size(); ++k) {
    fmt::print("change {} -> {} per site: {:.5f} ± {:.5f}\n", k, k + 1, r.change_per_site[k].mean,
               r.change_per_site[k].error);
  }
  fmt::print("conservation metric sum|change|: {:.5f} ± {:.5f}\n", r.conservation.mean, r.conservation.error);
}

void add_free_energy(CLI::App& rg) {
  auto o = std::make_shared<FreeEnergyCli>();
  CLI::App* cmd = rg.add_subcommand("free-energy-flow",
                                    "Gauge-fixed free energy of each DBN layer next to the exact "
                                    "Ising free energy per site and per block");
  cmd->add_option("MODEL", o->model, "DBN or RBM file (.h5)")->required();
  cmd->add_option("DATA", o->data, "Lattice configurations (/spins [N, L, L])")->required();
  cmd->add_option("--temperature", o->temperature, "Ising T of the data (default: the file's attribute)");
  cmd->add_option("--log-z", o->log_z, "auto | exact | ais")
      ->check(CLI::IsMember({"auto", "automatic", "exact", "ais"}))
      ->capture_default_str();
  cmd->add_option("--propagate", o->propagate, "mean | sample")
      ->check(CLI::IsMember({"mean", "sample"}))
      ->capture_default_str();
  cmd->add_option("--chains", o->chains, "AIS chains")->capture_default_str();
  cmd->add_option("--betas", o->betas, "AIS temperatures, linear (0: default schedule)");
  cmd->add_option("--samples", o->samples, "Monte Carlo samples for the uniform-state gauge")
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed")->capture_default_str();
  cmd->add_flag("--json", o->json, "Print one JSON object");
  cmd->callback([o] { run_free_energy(*o); });
}

}  // namespace

void add_rg_commands(CLI::App& app) {
  CLI::App* rg = app.add_subcommand("rg", "Variational RG: effective couplings, receptive fields, "
                                          "flow maps, free-energy flow");
  rg->require_subcommand(1);
  add_couplings(*rg);
  add_receptive(*rg);
  add_flow(*rg);
  add_free_energy(*rg);
}

}  // namespace rgflow::cli
