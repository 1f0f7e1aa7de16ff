// rgflow hopfield store | recall | capacity | spurious | to-rbm, rbm to-hopfield — Hopfield
// associative memories (docs/hopfield.md). The computations live in include/rgflow/hopfield/; this
// file reads files, checks options and prints (six subcommands with their option sets: ~600 lines).
#include <fmt/format.h>

#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_util.hpp"
#include "commands.hpp"
#include "interrupt.hpp"
#include "list_option.hpp"
#include "progress.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/hopfield/capacity.hpp"
#include "rgflow/hopfield/dynamics.hpp"
#include "rgflow/hopfield/file.hpp"
#include "rgflow/hopfield/rbm_map.hpp"
#include "rgflow/io/model.hpp"
#include "rgflow/hopfield/spurious.hpp"
#include "rgflow/io/dataset.hpp"
#include "rgflow/run/hopfield.hpp"
#include "rgflow/stats/result.hpp"

namespace rgflow::cli {

namespace {

using hopfield::Network;

// Rows of ±1 from a data file; rows that are all 0/1 are mapped by s = 2x − 1.
MatrixF load_spins(const std::string& path, Index rows) {
  io::Dataset ds = io::load_dataset(path);
  if (ds.data.rows() == 0 || ds.data.cols() == 0) throw FileError(path, "dataset is empty");
  if (rows > 0 && rows < ds.data.rows()) ds.data.conservativeResize(rows, Eigen::NoChange);
  MatrixF& x = ds.data;
  const bool binary = (x.array() == 0.0f || x.array() == 1.0f).all();
  const bool spins = (x.array() == -1.0f || x.array() == 1.0f).all();
  if (binary && !spins) x = (2.0f * x.array() - 1.0f).matrix();
  for (Index r = 0; r < x.rows(); ++r) {
    for (Index c = 0; c < x.cols(); ++c) {
      if (x(r, c) != 1.0f && x(r, c) != -1.0f) {
        throw FileError(path, fmt::format("row {} column {}: value {} is not a spin (-1/+1, or 0/1 "
                                          "for all values)", r, c, x(r, c)));
      }
    }
  }
  return std::move(ds.data);
}

hopfield::DynamicsOptions dynamics_options(const std::string& dynamics, double temperature, int sweeps,
                                           bool keep_diagonal, int threads) {
  try {
    return hopfield::make_dynamics(dynamics, temperature, sweeps, keep_diagonal, threads);
  } catch (const Error& e) {
    throw Error(fmt::format("--dynamics {} / --temperature / --sweeps / --keep-diagonal: {}", dynamics, e.what()));
  }
}

void add_dynamics_options(CLI::App* cmd, std::string& dynamics, int& sweeps, bool& keep_diagonal,
                          bool with_glauber) {
  cmd->add_option("--dynamics", dynamics,
                  with_glauber ? "async (random sequential, T = 0) | sync (parallel, T = 0) | glauber (T > 0)"
                               : "async (random sequential) | sync (parallel); zero temperature")
      ->check(with_glauber ? CLI::IsMember({"async", "sync", "glauber"}) : CLI::IsMember({"async", "sync"}))
      ->capture_default_str();
  cmd->add_option("--sweeps", sweeps, "Most sweeps at T = 0 (stop at a fixed point); sweeps at T > 0")
      ->capture_default_str();
  cmd->add_flag("--keep-diagonal", keep_diagonal,
                "Zero-temperature field with the self-coupling J_ii s_i (default: zero diagonal)");
}

// ---------------------------------------------------------------------------------------------
// hopfield store

struct StoreCli {
  std::string patterns;
  std::string rule = "hebb";
  Index rows = 0;
  std::string output;
  bool json = false;
};

void run_store(const StoreCli& o) {
  check_range("--rows", o.rows, 0, kMaxMatrixElements);
  check_output_path(o.output, {".h5", ".hdf5"});
  MatrixF xi = load_spins(o.patterns, o.rows);
  if (xi.cols() < 2) throw FileError(o.patterns, "patterns need at least 2 neurons");
  if (xi.cols() * xi.cols() > kMaxMatrixElements) {
    throw FileError(o.patterns, fmt::format("{} neurons: the {} x {} couplings are too large", xi.cols(), xi.cols(), xi.cols()));
  }
  const Network net(std::move(xi), hopfield::parse_rule(o.rule));
  // Patterns that are fixed points of the zero-temperature, zero-diagonal dynamics.
  const MatrixD s = net.patterns().cast<double>();
  MatrixD h = s * net.scaled_couplings();
  h -= s * net.scaled_couplings().diagonal().asDiagonal();
  const Index fixed = ((s.array() * h.array()).rowwise().minCoeff() >= 0.0).count();
  auto attrs = provenance();
  attrs["source"] = o.patterns;
  hopfield::save_network(o.output, net, attrs);
  const double fraction = static_cast<double>(fixed) / static_cast<double>(net.n_patterns());
  if (o.json) {
    print_json({{"output", o.output}, {"rule", o.rule}, {"neurons", net.n_neurons()},
                {"patterns", net.n_patterns()}, {"load", net.load()}, {"fixed_patterns", fraction}});
    return;
  }
  fmt::print("stored {} patterns of {} neurons ({}, load {:.4f}) in {}\n", net.n_patterns(), net.n_neurons(),
             o.rule, net.load(), o.output);
  fmt::print("stored patterns that are fixed points (T = 0, zero diagonal): {:.4f}\n", fraction);
}

void add_store(CLI::App& parent) {
  auto o = std::make_shared<StoreCli>();
  CLI::App* cmd = parent.add_subcommand("store", "Store +-1 patterns (rows) in a Hopfield network file");
  cmd->add_option("PATTERNS", o->patterns, "Patterns: rows of -1/+1 (or 0/1): .npy, .csv, .h5 (/spins or /data), ...")
      ->required();
  cmd->add_option("--rule", o->rule, "hebb | pseudo-inverse")
      ->check(CLI::IsMember({"hebb", "pseudo-inverse"}))
      ->capture_default_str();
  cmd->add_option("--rows", o->rows, "Store only the first N rows (0: all)");
  cmd->add_option("-o,--output", o->output, "Network file (.h5)")->required();
  cmd->add_flag("--json", o->json, "Print one JSON object");
  cmd->callback([o] { run_store(*o); });
}

// ---------------------------------------------------------------------------------------------
// hopfield recall

struct RecallCli {
  std::string network;
  std::string probes;
  double flip = 0.1;
  std::string dynamics = "async";
  double temperature = 0.0;
  int sweeps = 100;
  bool keep_diagonal = false;
  std::uint64_t seed = 0;
  int threads = 0;
  std::string output;
  bool json = false;
};

void run_recall(const RecallCli& o) {
  check_range("--flip", o.flip, 0.0, 1.0);
  check_range("--sweeps", std::int64_t{o.sweeps}, 1, 1'000'000);
  if (!o.output.empty()) check_output_path(o.output, {".npy", ".csv", ".h5", ".hdf5"});
  const Network net = hopfield::load_network(o.network);
  run::RecallRequest request;
  request.dynamics = dynamics_options(o.dynamics, o.temperature, o.sweeps, o.keep_diagonal, o.threads);
  if (!o.probes.empty()) {
    request.probes = load_spins(o.probes, 0);
    request.probes_source = o.probes;
  }
  request.flip = o.flip;
  request.seed = o.seed;
  request.stop = stop_poll();
  run::RecallRun r;
  {
    const InterruptScope interrupts;
    r = run::recall(net, request);
  }
  if (!o.output.empty()) {
    if (has_extension(o.output, ".h5") || has_extension(o.output, ".hdf5")) {
      auto attrs = provenance();
      attrs["network"] = o.network;
      attrs["dynamics"] = o.dynamics;
      attrs["seed"] = std::to_string(o.seed);
      io::save_dataset(o.output, r.states, attrs);
    } else {
      io::save_matrix(o.output, r.states);
    }
  }
  if (o.json) {
    nlohmann::json j = r;
    j.update({{"network", o.network}, {"probes", o.probes.empty() ? nlohmann::json(nullptr) : nlohmann::json(o.probes)},
              {"dynamics", o.dynamics}, {"temperature", o.temperature}, {"keep_diagonal", o.keep_diagonal}});
    print_json(j);
    return;
  }
  fmt::print("recall in {} ({} probes{}, {} dynamics{}, seed {})\n", o.network, r.rows,
             o.probes.empty() ? fmt::format(": stored patterns with {:.3f} flipped", o.flip) : " from " + o.probes,
             o.dynamics, o.temperature > 0 ? fmt::format(" at T = {}", o.temperature) : "", o.seed);
  fmt::print("overlap before {:.4f} ± {:.4f}, after {:.4f} ± {:.4f}\n", r.initial_overlap.mean,
             r.initial_overlap.error, r.overlap.mean, r.overlap.error);
  fmt::print("energy per neuron {:.5f} ± {:.5f}; sweeps {:.2f} ± {:.2f}; fixed points {:.3f}; 2-cycles {:.3f}\n",
             r.energy_per_neuron.mean, r.energy_per_neuron.error, r.sweeps.mean, r.sweeps.error, r.converged,
             r.two_cycles);
  if (!o.output.empty()) fmt::print("wrote {}\n", o.output);
}

void add_recall(CLI::App& parent) {
  auto o = std::make_shared<RecallCli>();
  CLI::App* cmd = parent.add_subcommand("recall", "Run the network's dynamics from probe states; overlaps with the stored patterns");
  cmd->add_option("NETWORK", o->network, "Hopfield network file (.h5)")->required();
  cmd->add_option("PROBES", o->probes, "Probe states (rows of -1/+1); default: the stored patterns, corrupted by --flip");
  cmd->add_option("--flip", o->flip, "Without PROBES: probability of flipping each neuron of each stored pattern")
      ->capture_default_str();
  add_dynamics_options(cmd, o->dynamics, o->sweeps, o->keep_diagonal, true);
  cmd->add_option("--temperature", o->temperature, "Glauber temperature T > 0")->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed (update orders, Glauber draws, --flip)")->capture_default_str();
  cmd->add_option("--threads", o->threads, "Threads (0: all; the result does not depend on it)");
  cmd->add_option("-o,--output", o->output, "Final states: .npy, .csv or .h5");
  cmd->add_flag("--json", o->json, "Print one JSON object");
  cmd->callback([o] { run_recall(*o); });
}

// ---------------------------------------------------------------------------------------------
// hopfield capacity

struct CapacityCli {
  std::string neurons = "1000";
  std::string loads;
  int trials = 20;
  std::uint64_t seed = 0;
  std::string rule = "hebb";
  std::string dynamics = "async";
  int sweeps = 100;
  bool keep_diagonal = false;
  Index probes = 0;
  double threshold = 0.8;
  double retrieved_overlap = 0.9;
  int threads = 0;
  bool quiet = false;
  bool json = false;
};

void run_capacity(const CapacityCli& o) {
  const std::vector<double> sizes_d = parse_number_list("--neurons", o.neurons, false);
  run::CapacityRequest request;
  for (double n : sizes_d) {
    if (n != std::floor(n)) throw Error(fmt::format("--neurons {}: must be integers", o.neurons));
    check_range("--neurons", static_cast<std::int64_t>(n), 2, 16384);
    request.sizes.push_back(static_cast<Index>(n));
  }
  hopfield::CapacityOptions& c = request.options;
  c.loads = parse_number_list("--loads", o.loads, true);
  c.trials = o.trials;
  c.seed = o.seed;
  c.rule = hopfield::parse_rule(o.rule);
  c.dynamics = dynamics_options(o.dynamics, 0.0, o.sweeps, o.keep_diagonal, o.threads);
  c.probes = o.probes;
  c.retrieved_overlap = o.retrieved_overlap;
  check_range("--trials", std::int64_t{o.trials}, 2, (1 << 20) - 1);
  check_range("--probes", o.probes, 0, 1 << 20);
  check_range("--threshold", o.threshold, 0.0, 1.0);
  check_range("--retrieved-overlap", o.retrieved_overlap, 0.0, 1.0);
  for (double a : c.loads) check_range("--loads", a, 1e-9, 2.0);
  request.threshold = o.threshold;
  const InterruptScope interrupts;
  Progress progress(o.quiet || o.json, 1, static_cast<int>(request.sizes.size()));
  run::CapacityProgress report;
  report.trials = [&](std::size_t s, std::int64_t done, std::int64_t total) {
    progress.batch(static_cast<int>(s) + 1, done, total);
  };
  report.curve_done = [&](std::size_t s, const run::CapacityCurve& curve) {
    progress.epoch_done(static_cast<int>(s) + 1, fmt::format("N = {}: critical load {:.4f} ± {:.4f}", curve.neurons,
                                                             curve.critical_load.mean, curve.critical_load.error));
  };
  request.stop = stop_poll();
  const run::CapacityRun r = with_flag("--loads", [&] { return run::capacity(request, report); });
  if (o.json) {
    nlohmann::json j = r;
    j.update({{"rule", o.rule}, {"dynamics", o.dynamics}, {"keep_diagonal", o.keep_diagonal}, {"trials", o.trials},
              {"seed", o.seed}, {"retrieved_overlap", o.retrieved_overlap}, {"probes", o.probes}});
    print_json(j);
    return;
  }
  for (const auto& curve : r.curves) {
    fmt::print("N = {} ({}, {} dynamics, {} trials, seed {})\n{:>8} {:>8} {:>20} {:>20}\n", curve.neurons, o.rule,
               o.dynamics, o.trials, o.seed, "load", "P", "overlap", fmt::format("retrieved (m>={})", o.retrieved_overlap));
    for (const auto& p : curve.points) {
      fmt::print("{:>8.4f} {:>8} {:>11.4f} ± {:<6.4f} {:>11.4f} ± {:<6.4f}\n", p.load, p.patterns, p.overlap.mean,
                 p.overlap.error, p.retrieved.mean, p.retrieved.error);
    }
    fmt::print("critical load (half the probes retrieved): {:.4f} ± {:.4f}; mean overlap crosses {} at {:.4f} ± {:.4f}\n",
               curve.critical_load.mean, curve.critical_load.error, o.threshold, curve.overlap_crossing.mean,
               curve.overlap_crossing.error);
  }
  for (const auto& [criterion, f] : r.extrapolations) {
    fmt::print("{} criterion extrapolated in N^-{}: critical load {:.4f} ± {:.4f} (chi2 {:.2f}, {} dof)\n", criterion,
               f.exponent, f.intercept.mean, f.intercept.error, f.chi2, f.dof);
  }
}

void add_capacity(CLI::App& parent) {
  auto o = std::make_shared<CapacityCli>();
  CLI::App* cmd = parent.add_subcommand("capacity", "Retrieval overlap against the load P/N over random pattern "
                                                    "draws; the critical load and its N -> infinity extrapolation");
  cmd->add_option("--neurons", o->neurons, "N, or N1,N2,... (several sizes: extrapolation)")->capture_default_str();
  cmd->add_option("--loads", o->loads, "Loads P/N: a1,a2,... or start:stop:count")->required();
  cmd->add_option("--trials", o->trials, "Independent pattern draws per load")->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed")->capture_default_str();
  cmd->add_option("--rule", o->rule, "hebb | pseudo-inverse")
      ->check(CLI::IsMember({"hebb", "pseudo-inverse"}))
      ->capture_default_str();
  add_dynamics_options(cmd, o->dynamics, o->sweeps, o->keep_diagonal, false);
  cmd->add_option("--probes", o->probes, "Stored patterns probed per draw (0: all)")->capture_default_str();
  cmd->add_option("--retrieved-overlap", o->retrieved_overlap,
                  "A probe is retrieved when its final overlap is at least this; the critical load is where "
                  "half the probes are")
      ->capture_default_str();
  cmd->add_option("--threshold", o->threshold, "Also report where the mean overlap falls below this")
      ->capture_default_str();
  cmd->add_option("--threads", o->threads, "Threads (0: all; the result does not depend on it)");
  cmd->add_flag("--quiet,-q", o->quiet, "No progress on stderr");
  cmd->add_flag("--json", o->json, "Print one JSON object");
  cmd->callback([o] { run_capacity(*o); });
}

// ---------------------------------------------------------------------------------------------
// hopfield spurious

struct SpuriousCli {
  Index neurons = 1000;
  Index patterns = 10;
  std::string mixtures = "3,5,7";
  int trials = 10;
  Index starts = 100;
  std::uint64_t seed = 0;
  std::string rule = "hebb";
  std::string dynamics = "async";
  int sweeps = 100;
  bool keep_diagonal = false;
  double component = 0.2;
  int threads = 0;
  bool json = false;
};

void run_spurious(const SpuriousCli& o) {
  check_range("--neurons", o.neurons, 2, 16384);
  check_range("--patterns", o.patterns, 1, 1 << 20);
  check_range("--trials", std::int64_t{o.trials}, 2, 1 << 20);
  check_range("--starts", o.starts, 0, 1 << 24);
  check_range("--component-overlap", o.component, 1e-9, 1.0 - 1e-9);
  hopfield::SpuriousOptions s;
  s.neurons = o.neurons;
  s.patterns = o.patterns;
  s.mixtures.clear();
  for (double k : parse_number_list("--mixtures", o.mixtures, false)) {
    if (k != std::floor(k) || k < 3 || static_cast<int>(k) % 2 == 0 || k > static_cast<double>(o.patterns)) {
      throw Error(fmt::format("--mixtures {}: odd integers >= 3 and <= --patterns {}", o.mixtures, o.patterns));
    }
    s.mixtures.push_back(static_cast<Index>(k));
  }
  s.trials = o.trials;
  s.starts = o.starts;
  s.seed = o.seed;
  s.rule = hopfield::parse_rule(o.rule);
  s.dynamics = dynamics_options(o.dynamics, 0.0, o.sweeps, o.keep_diagonal, o.threads);
  s.component_overlap = o.component;
  hopfield::SpuriousReport r;
  {
    const InterruptScope interrupts;
    r = hopfield::spurious_states(s, stop_poll());
  }
  if (o.json) {
    nlohmann::json mixtures = nlohmann::json::array();
    for (const auto& m : r.mixtures) {
      mixtures.push_back({{"k", m.k}, {"theory_overlap", m.theory_overlap}, {"theory_energy", m.theory_energy},
                          {"overlap", to_json(m.overlap)}, {"energy", to_json(m.energy)},
                          {"energy_zero_diagonal", to_json(m.energy_zero_diagonal)},
                          {"stable_fraction", to_json(m.stable_fraction)}, {"fixed_point", to_json(m.fixed_point)},
                          {"relaxed_overlap", to_json(m.relaxed_overlap)}});
    }
    nlohmann::json classes = nlohmann::json::array();
    for (const auto& c : r.classes) {
      classes.push_back({{"class", c.name}, {"distinct", to_json(c.distinct)}, {"basin", to_json(c.basin)},
                         {"energy", to_json(c.energy)}});
    }
    print_json({{"neurons", o.neurons}, {"patterns", o.patterns}, {"load", static_cast<double>(o.patterns) / o.neurons},
                {"rule", o.rule}, {"dynamics", o.dynamics}, {"trials", o.trials}, {"starts", o.starts},
                {"seed", o.seed}, {"component_overlap", o.component}, {"pattern_energy", to_json(r.pattern_energy)},
                {"mixtures", mixtures}, {"distinct_fixed_points", to_json(r.distinct_fixed_points)},
                {"unconverged", to_json(r.unconverged)}, {"classes", classes}});
    return;
  }
  fmt::print("spurious states: N = {}, P = {} (load {:.4f}), {}, {} dynamics, {} trials, seed {}\n", o.neurons,
             o.patterns, static_cast<double>(o.patterns) / o.neurons, o.rule, o.dynamics, o.trials, o.seed);
  fmt::print("stored patterns: E/N = {:.4f} ± {:.4f}\n", r.pattern_energy.mean, r.pattern_energy.error);
  fmt::print("{:>3} {:>18} {:>8} {:>18} {:>18} {:>9} {:>16} {:>16}\n", "k", "overlap", "theory", "E0/N", "E/N",
             "theory", "stable neurons", "fixed point");
  for (const auto& m : r.mixtures) {
    fmt::print("{:>3} {:>9.4f} ± {:<6.4f} {:>8.4f} {:>9.4f} ± {:<6.4f} {:>9.4f} ± {:<6.4f} {:>9.4f} {:>8.4f} ± {:<5.4f} {:>8.3f} ± {:<5.3f}\n",
               m.k, m.overlap.mean, m.overlap.error, m.theory_overlap, m.energy_zero_diagonal.mean,
               m.energy_zero_diagonal.error, m.energy.mean, m.energy.error, m.theory_energy, m.stable_fraction.mean,
               m.stable_fraction.error, m.fixed_point.mean, m.fixed_point.error);
  }
  if (o.starts > 0) {
    fmt::print("fixed points from {} random starts per trial: {:.2f} ± {:.2f} distinct (s ~ -s), {:.3f} unconverged\n",
               o.starts, r.distinct_fixed_points.mean, r.distinct_fixed_points.error, r.unconverged.mean);
    for (const auto& c : r.classes) {
      fmt::print("  {:<12} distinct {:>7.2f} ± {:<5.2f} basin {:.3f} ± {:.3f}  E/N {:.4f}\n", c.name, c.distinct.mean,
                 c.distinct.error, c.basin.mean, c.basin.error, c.energy.mean);
    }
  }
}

void add_spurious(CLI::App& parent) {
  auto o = std::make_shared<SpuriousCli>();
  CLI::App* cmd = parent.add_subcommand("spurious", "Symmetric mixture states (energies, stability) and a census of "
                                                    "the fixed points reached from random starts");
  cmd->add_option("--neurons", o->neurons, "N")->capture_default_str();
  cmd->add_option("--patterns", o->patterns, "P random patterns per trial")->capture_default_str();
  cmd->add_option("--mixtures", o->mixtures, "Odd k of the symmetric mixtures sign(xi_1 + ... + xi_k)")
      ->capture_default_str();
  cmd->add_option("--trials", o->trials, "Independent pattern draws")->capture_default_str();
  cmd->add_option("--starts", o->starts, "Random starts per trial for the census (0: none)")->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed")->capture_default_str();
  cmd->add_option("--rule", o->rule, "hebb | pseudo-inverse")
      ->check(CLI::IsMember({"hebb", "pseudo-inverse"}))
      ->capture_default_str();
  add_dynamics_options(cmd, o->dynamics, o->sweeps, o->keep_diagonal, false);
  cmd->add_option("--component-overlap", o->component, "A pattern is a component of a state when |m| >= this")
      ->capture_default_str();
  cmd->add_option("--threads", o->threads, "Threads (0: all; the result does not depend on it)");
  cmd->add_flag("--json", o->json, "Print one JSON object");
  cmd->callback([o] { run_spurious(*o); });
}

// ---------------------------------------------------------------------------------------------
// hopfield to-rbm, rbm to-hopfield: the exact map of hopfield/rbm_map.hpp (Barra et al. 2012)

struct ToRbmCli {
  std::string network;
  double beta = 1.0;
  std::string output;
  bool json = false;
};

void run_to_rbm(const ToRbmCli& o) {
  check_output_path(o.output, {".h5", ".hdf5"});
  check_not_input("-o", o.output, {o.network});
  if (!(o.beta > 0.0 && std::isfinite(o.beta))) throw Error(fmt::format("--beta {}: must be > 0 and finite", o.beta));
  const Network net = hopfield::load_network(o.network);
  const Rbm rbm = hopfield::to_rbm(net, o.beta);
  const double offset = hopfield::twin_log_partition_offset(rbm.n_hidden());
  auto attrs = provenance();
  attrs["source"] = o.network;
  attrs["hopfield_rule"] = std::string(hopfield::to_string(net.rule()));
  attrs["hopfield_beta"] = fmt::format("{}", o.beta);
  attrs["hopfield_log_partition_offset"] = fmt::format("{:.17g}", offset);
  io::save_rbm(o.output, rbm, attrs);
  if (o.json) {
    print_json({{"output", o.output}, {"network", o.network}, {"rule", std::string(hopfield::to_string(net.rule()))},
                {"beta", o.beta}, {"n_visible", rbm.n_visible()}, {"n_hidden", rbm.n_hidden()},
                {"log_partition_offset", offset}});
    return;
  }
  fmt::print("wrote {}: {} spin visible x {} gaussian hidden units, W = sqrt(beta) B with J = B B^T, beta {}\n",
             o.output, rbm.n_visible(), rbm.n_hidden(), o.beta);
  fmt::print("log Z_RBM = {:.6f} + log sum_s exp(-beta E(s))\n", offset);
}

void add_to_rbm(CLI::App& parent) {
  auto o = std::make_shared<ToRbmCli>();
  CLI::App* cmd = parent.add_subcommand(
      "to-rbm", "The RBM twin of a network: spin visible, gaussian hidden units, visible marginal exp(-beta E)");
  cmd->add_option("NETWORK", o->network, "Network file (.h5) from hopfield store")->required();
  cmd->add_option("--beta", o->beta, "Inverse temperature beta > 0")->capture_default_str();
  cmd->add_option("-o,--output", o->output, "RBM file (.h5)")->required();
  cmd->add_flag("--json", o->json, "Print one JSON object");
  cmd->callback([o] { run_to_rbm(*o); });
}

struct ToHopfieldCli {
  std::string model;
  std::string output;
  bool json = false;
};

void run_to_hopfield(const ToHopfieldCli& o) {
  check_output_path(o.output, {".h5", ".hdf5"});
  check_not_input("-o", o.output, {o.model});
  const Rbm rbm = io::load_rbm(o.model);
  hopfield::HebbianTwin twin = [&] {
    try {
      return hopfield::to_hopfield(rbm);
    } catch (const FileError&) {
      throw;
    } catch (const Error& e) {
      throw FileError(o.model, e.what());
    }
  }();
  auto attrs = provenance();
  attrs["source"] = o.model;
  attrs["beta"] = fmt::format("{:.17g}", twin.beta);
  hopfield::save_network(o.output, twin.network, attrs);
  if (o.json) {
    print_json({{"output", o.output}, {"model", o.model}, {"neurons", twin.network.n_neurons()},
                {"patterns", twin.network.n_patterns()}, {"beta", twin.beta}});
    return;
  }
  fmt::print("wrote {}: {} Hebbian patterns of {} neurons, beta {:.6g}\n", o.output, twin.network.n_patterns(),
             twin.network.n_neurons(), twin.beta);
}

void add_to_hopfield(CLI::App& app) {
  auto o = std::make_shared<ToHopfieldCli>();
  CLI::App* rbm = app.get_subcommand("rbm");
  CLI::App* cmd = rbm->add_subcommand(
      "to-hopfield", "The Hebbian network of an RBM twin (spin visible, gaussian hidden, no biases, weights +-a)");
  cmd->add_option("MODEL", o->model, "RBM file (.h5), e.g. from hopfield to-rbm")->required();
  cmd->add_option("-o,--output", o->output, "Network file (.h5)")->required();
  cmd->add_flag("--json", o->json, "Print one JSON object");
  cmd->callback([o] { run_to_hopfield(*o); });
}

}  // namespace

void add_hopfield_commands(CLI::App& app) {
  CLI::App* h = app.add_subcommand("hopfield", "Hopfield associative memories: store, recall, capacity, spurious states, the RBM twin");
  h->require_subcommand(1);
  add_store(*h);
  add_recall(*h);
  add_capacity(*h);
  add_spurious(*h);
  add_to_rbm(*h);
  add_to_hopfield(app);  // rbm to-hopfield (after add_rbm_commands)
}

}  // namespace rgflow::cli
