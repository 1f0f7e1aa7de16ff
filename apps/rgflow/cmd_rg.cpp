// rgflow rg couplings | receptive-fields | flow | free-energy-flow — the variational-RG link as
// tools (docs/vrg-tools.md). The work is in include/rgflow/run/ (couplings.hpp, rg.hpp), the
// computations in include/rgflow/rg/; this file checks options, calls one function and prints.
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
#include "task_progress.hpp"
#include "rgflow/conv/file.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/estimate/ais.hpp"
#include "rgflow/io/dataset.hpp"
#include "rgflow/io/dbn_file.hpp"
#include "rgflow/io/model.hpp"
#include "rgflow/io/png.hpp"
#include "rgflow/run/conv.hpp"
#include "rgflow/run/couplings.hpp"
#include "rgflow/run/dbn.hpp"
#include "rgflow/run/rg.hpp"

namespace rgflow::cli {

namespace {

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
  bool quiet = false;
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
  TaskProgress progress(fmt::format("rgflow rg couplings (layer {}, {} side)", o.layer, o.side),
                        o.quiet || o.json);
  request.options.progress = [&progress](std::int64_t done, std::int64_t total) { progress(done, total); };
  const Index n = request.options.side == rg::Side::visible ? rbm.n_visible() : rbm.n_hidden();
  if (o.lattice > 0 && Index{o.lattice} * o.lattice != n) {
    throw FileError(o.model, fmt::format("--lattice {}: the {} side has {} units, not {}", o.lattice,
                                         o.side, n, Index{o.lattice} * o.lattice));
  }
  const run::CouplingsRun result = run::couplings(dbn, request);
  progress.finish();
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
  cmd->add_option("MODEL", o->model, "RBM, DBN or convolutional RBM file (.h5)")->required();
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
  cmd->add_flag("-q,--quiet", o->quiet, "No progress on stderr (--json is quiet too)");
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
  int png_scale = io::kAutoPngScale;
  bool json = false;
};

void run_receptive(const ReceptiveCli& o) {
  check_range("--lattice", std::int64_t{o.lattice}, 2, 4096);
  check_range("--radius", o.radius, 0.0, 1e6);
  check_range("--permutations", std::int64_t{o.permutations}, 0, 1'000'000);
  if (!o.png.empty()) check_output_path(o.png, {".png"});
  const Dbn dbn = run::load_layers(o.model);
  rg::LocalityOptions options;
  options.radius = o.radius;
  options.permutations = o.permutations;
  options.seed = o.seed;
  run::ReceptiveFieldsRun r = with_flag("--lattice", [&] { return run::receptive_fields(dbn, o.lattice, options); });
  if (run::is_conv_model_file(o.model)) run::attach_conv_positions(r, conv::load_model(o.model).shape());
  if (!o.png.empty()) io::write_png_mosaic(o.png, run::receptive_field_tiles(r), o.lattice, o.lattice, true, 0.0f, 1.0f, o.png_scale);
  if (o.json) {
    nlohmann::json j = r;
    j["model"] = o.model;
    print_json(j);
    return;
  }
  fmt::print("receptive fields of {} on a {}x{} lattice, radius {}\n", o.model, o.lattice, o.lattice, o.radius);
  fmt::print("{:>5} {:>6} {:>20} {:>20}\n", "level", "units", "locality", "permutation null");
  for (const auto& l : r.levels) {
    fmt::print("{:>5} {:>6} {:>11.4f} ± {:<6.4f} {:>11.4f} ± {:<6.4f}\n", l.level, l.fields.cols(),
               l.score.mean, l.score.error, l.null_score.mean, l.null_score.error);
  }
  if (r.centre_offset) {
    fmt::print("convolutional model: level-1 receptive-field centres lie {:.4f} ± {:.4f} lattice spacings from the "
               "kernel-geometry positions on average; locality about the positions {:.4f} ± {:.4f}\n",
               r.centre_offset->mean, r.centre_offset->error, r.position_score->mean, r.position_score->error);
  }
  if (!o.png.empty()) fmt::print("wrote {}\n", o.png);
}

void add_receptive(CLI::App& rg) {
  auto o = std::make_shared<ReceptiveCli>();
  CLI::App* cmd = rg.add_subcommand("receptive-fields",
                                    "Effective receptive fields of each DBN level on the lattice, "
                                    "their centres and locality against a permutation null");
  cmd->add_option("MODEL", o->model, "DBN, RBM or convolutional RBM file (.h5)")->required();
  cmd->add_option("--lattice", o->lattice, "Visible units form an L x L periodic lattice")->required();
  cmd->add_option("--radius", o->radius, "Locality radius r (lattice spacings)")->capture_default_str();
  cmd->add_option("--permutations", o->permutations, "Site permutations per unit for the null")
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed of the permutations")->capture_default_str();
  cmd->add_option("-o,--output", o->png, "PNG mosaic of all receptive fields (level by level)");
  add_png_scale(*cmd, o->png_scale);
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
  int png_scale = io::kAutoPngScale;
  bool json = false;
};

void run_flow(const FlowCli& o) {
  check_range("--steps", std::int64_t{o.steps}, 0, 100000);
  check_range("--rows", o.rows, 0, kMaxMatrixElements);
  if (!o.png.empty()) check_output_path(o.png, {".png"});
  const run::FlowMapKind kind = run::parse_flow_map(o.map);
  const Propagate propagate = parse_propagate(o.propagate);
  if (kind == run::FlowMapKind::hopfield) check_range("--hopfield-temperature", o.hopfield_temperature, 0.0, 1e300);
  const run::LoadedFlowMap map =
      with_flag("--propagate", [&] { return run::LoadedFlowMap::load(kind, o.model, propagate, o.hopfield_temperature); });
  run::FlowRequest request;
  request.flow = {o.steps, o.seed};
  request.rows = o.rows;
  request.keep = o.png.empty() ? 0 : 8;  // the PNG: the first 8 configurations (columns) at each step (rows)
  const run::FlowRun r = run::flow(map, run::read_lattice(o.data, o.lattice), request);
  if (!o.png.empty()) io::write_png_mosaic(o.png, r.kept, r.L, r.L, false, -1.0f, 1.0f, o.png_scale);
  if (o.json) {
    nlohmann::json j = r;
    j["model"] = o.model;
    j["data"] = o.data;
    print_json(j);
    return;
  }
  fmt::print("{} flow of {} from {} ({} rows, L = {}, {}, seed {})\n", o.map, o.model, o.data, r.rows, r.L,
             o.propagate, o.seed);
  fmt::print("{:>4} {:>18} {:>18} {:>18} {:>18}\n", "step", "energy", "|m|", "T (energy)", "T (pseudo-lik.)");
  for (const auto& s : r.steps) {
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
  add_png_scale(*cmd, o->png_scale);
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
  bool quiet = false;
};

void run_free_energy(const FreeEnergyCli& o) {
  check_range("--chains", std::int64_t{o.chains}, 2, 1000000);
  check_range("--betas", o.betas, 0, 100000000);
  if (o.betas == 1) throw Error("--betas: at least 2 temperatures (0: default schedule)");
  check_range("--samples", o.samples, 2, 1'000'000'000);
  if (o.temperature) check_range("--temperature", *o.temperature, 1e-6, 1e6);
  const Dbn dbn = run::load_layers(o.model);
  run::FreeEnergyFlowRequest request;
  rg::LatticeFreeEnergyOptions& options = request.options;
  options.flow.propagate = parse_propagate(o.propagate);
  options.flow.seed = o.seed;
  options.flow.log_z.method = estimate::parse_log_z_method(o.log_z);
  options.flow.log_z.ais.chains = o.chains;
  options.flow.log_z.ais.seed = o.seed;
  if (o.betas > 0) options.flow.log_z.ais.betas = estimate::linear_ais_schedule(static_cast<std::size_t>(o.betas));
  options.gauge.samples = o.samples;
  options.gauge.seed = o.seed;
  request.temperature = o.temperature;
  run::LatticeData data = run::read_lattice(o.data);
  options.flow.log_z.stop = stop_poll();
  TaskProgress progress(fmt::format("rgflow rg free-energy-flow ({} layers, log Z {})", dbn.n_layers(), o.log_z),
                        o.quiet || o.json);
  options.flow.log_z.progress = [&progress](std::int64_t done, std::int64_t total) { progress(done, total); };
  const InterruptScope interrupts;  // Ctrl-C: Cancelled, nothing printed, exit 130 (main)
  const run::FreeEnergyFlowRun f = run::free_energy_flow(dbn, std::move(data), request);
  throw_if_cancelled();  // a Ctrl-C after the last poll
  progress.finish();
  const rg::LatticeFreeEnergy& r = f.result;
  if (o.json) {
    nlohmann::json j = f;
    j["model"] = o.model;
    j["data"] = o.data;
    print_json(j);
    return;
  }
  fmt::print("free-energy flow of {} on {} (L = {}{})\n", o.model, o.data, f.L,
             f.temperature ? fmt::format(", T = {}", *f.temperature) : "");
  fmt::print("{:>5} {:>6} {:>22} {:>22} {:>22} {:>14}\n", "layer", "units", "F'/unit", "F'/site",
             "F'(constants kept)/site", "Ising/unit");
  for (const auto& l : r.layers) {
    fmt::print("{:>5} {:>6} {:>12.5f} ± {:<7.5f} {:>12.5f} ± {:<7.5f} {:>12.5f} ± {:<7.5f} {:>14}\n",
               l.flow.layer, l.flow.n_visible, l.free_energy_per_unit.mean, l.free_energy_per_unit.error,
               l.free_energy_per_site.mean, l.free_energy_per_site.error, l.kept_free_energy_per_site.mean,
               l.kept_free_energy_per_site.error,
               l.ising_per_unit ? fmt::format("{:.5f}", *l.ising_per_unit) : "-");
  }
  for (std::size_t k = 0; k < r.change_per_site.size(); ++k) {
    fmt::print("change {} -> {} per site (constant K0 = {:.5f} kept): {:.5f} ± {:.5f}\n", k, k + 1,
               r.layers[k].generated_constant.mean, r.change_per_site[k].mean, r.change_per_site[k].error);
  }
  fmt::print("conservation metric sum|change| (0 for an exact RG): {:.5f} ± {:.5f}\n", r.conservation.mean,
             r.conservation.error);
}

void add_free_energy(CLI::App& rg) {
  auto o = std::make_shared<FreeEnergyCli>();
  CLI::App* cmd = rg.add_subcommand("free-energy-flow",
                                    "Gauge-fixed free energy of each DBN layer next to the exact "
                                    "Ising free energy per site and per block, and its change between "
                                    "layers with each RG step's constant kept (0 for an exact RG)");
  cmd->add_option("MODEL", o->model, "DBN, RBM or convolutional RBM file (.h5)")->required();
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
  cmd->add_flag("-q,--quiet", o->quiet, "No progress on stderr (--json is quiet too)");
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
