#pragma once
// The service layer for the 2D Ising engine: the work of `rgflow ising sample|exact|observe|
// block|mcrg` and of rgflow.ising.sample in Python, as typed requests and results. The CLI checks
// its flags, builds a request, calls one function here and prints the result's JSON (or a table);
// the Python binding calls the same functions (docs/architecture.md, docs/ising.md).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "rgflow/core/cancel.hpp"
#include "rgflow/io/dataset.hpp"
#include "rgflow/ising/observables.hpp"
#include "rgflow/ising/sampler.hpp"
#include "rgflow/ising/scan.hpp"
#include "rgflow/rg/block_spin.hpp"
#include "rgflow/rg/coarse_graining.hpp"
#include "rgflow/rg/mcrg.hpp"
#include "rgflow/run/rbm.hpp"

namespace rgflow::run {

// Kaufman's exact energy and specific heat per spin of the periodic L x L lattice, where they
// apply: zero field, ferromagnets, and antiferromagnets on even L (flipping one sublattice maps
// them onto the ferromagnet with |J|).
struct IsingExactPoint {
  double energy_per_spin = 0.0;
  double specific_heat_per_spin = 0.0;
};
std::optional<IsingExactPoint> ising_exact_point(int L, double temperature, double coupling, double field);

// ---------------------------------------------------------------------------------------------
// Sampling: one point, or a scan over sizes x temperatures

struct IsingSampleRequest {
  // One size and one temperature: a single run; more: a scan (sizes outer, temperatures inner;
  // point (l, t) uses the seed ising::scan_seed(seed, l, t)), with the Binder crossings.
  std::vector<int> sizes;
  std::vector<double> temperatures;  // ascending for a scan
  double coupling = 1.0;
  double field = 0.0;
  ising::Algorithm algorithm = ising::Algorithm::metropolis;
  std::int64_t samples = 1000;       // per point
  int sweeps_between = 1;
  int thermalize = 1000;
  int chains = 0;                    // 0: 64 for multi-spin Metropolis, 1 otherwise
  std::uint64_t seed = 0;
  bool keep_spins = false;           // keep the configurations in the result
  // HDF5 output (/spins [N, L, L]) with every parameter as attributes, plus `provenance`; a scan
  // writes one file per point, NAME_L<L>_T<index>.h5. Empty: none.
  std::string output;
  // Scans only: PNG plots PREFIX_{energy,specific_heat,abs_magnetization,susceptibility,binder}.png
  // with the exact curves overlaid. Empty: none.
  std::string plot;
  Attributes provenance;
  // Null: one process. Otherwise (docs/scaling.md) a single point spreads its chains' units over
  // the ranks (ising/sampler.hpp); a scan runs point k (in the order above) on rank k mod size, the
  // points shared bit for bit after every round of `size` points. Every rank returns the same
  // result; only rank 0 writes the files and plots. Not owned.
  const Communicator* communicator = nullptr;
};

struct IsingPoint {
  int L = 0;
  double temperature = 0.0;
  std::uint64_t seed = 0;
  int chains = 0;
  ising::Observables observables;
  std::optional<IsingExactPoint> exact;
  ising::RunResult run;   // energy and magnetisation series; spins when kept
  std::string output;     // the file written, if any
};

struct IsingSampleRun {
  IsingSampleRequest request;  // without its provenance
  bool scan = false;
  std::vector<IsingPoint> points;
  std::vector<ising::BinderCrossing> crossings;  // scans with several sizes
};

struct IsingSampleCallbacks {
  // Called now and then while point `point` (0-based) runs; see ising::Progress.
  std::function<void(std::size_t point, std::int64_t done, std::int64_t total)> progress;
  StopPoll stop;  // true: Cancelled; a scan keeps the files of the points it finished
};

// A scan's file of point (L, T): NAME_L<L>_T<T>.h5 for -o NAME.h5, T with `decimals` digits
// (scan_temperature_decimals), e.g. scan_L16_T2.269.h5.
std::string scan_output_path(const std::string& output, int L, double T, int decimals);
// The fewest decimals (at least 1) that write every temperature of a scan exactly to 1e-9, up to
// 6, then more until the names are distinct (at most 12).
int scan_temperature_decimals(const std::vector<double>& temperatures);

// Validates every point before running any (Error naming the quantity), runs them, writes the
// files and plots asked for.
IsingSampleRun sample_ising(const IsingSampleRequest& request, const IsingSampleCallbacks& callbacks = {});

// A single point: the observables {mean, error}, "L", "temperature", "coupling", "field",
// "algorithm", "samples", "chains", "seed", "output"?, "exact". A scan: "points" (observables,
// "L", "temperature", "seed", "chains", "exact", "output"?), "binder_crossings",
// "critical_temperature", "coupling", "field", "algorithm", "samples", "sweeps_between",
// "thermalize", "seed", "plot_prefix"? (the `ising sample --json` object).
void to_json(nlohmann::json& j, const IsingSampleRun& r);
// {"energy_per_spin", "specific_heat_per_spin", "abs_magnetization", "susceptibility", "binder",
//  "tau_int"}, each {mean, error}.
nlohmann::json observables_json(const ising::Observables& o);

// ---------------------------------------------------------------------------------------------
// Exact values (Kaufman for finite L; Onsager and Yang for the infinite lattice)

struct IsingExactRun {
  int L = 0;
  double temperature = 0.0;
  double coupling = 1.0;
  double critical_temperature = 0.0;
  double log_z = 0.0;
  double free_energy_per_spin = 0.0;
  double energy_per_spin = 0.0;
  double specific_heat_per_spin = 0.0;
  double infinite_energy_per_spin = 0.0;
  double infinite_specific_heat_per_spin = 0.0;  // +inf at T_c
  double spontaneous_magnetization = 0.0;
};
// Error unless L >= 2, T > 0 and J > 0 are finite.
IsingExactRun ising_exact(int L, double temperature, double coupling);
// The `ising exact --json` object: every value as an exact estimate {mean, error: 0}.
void to_json(nlohmann::json& j, const IsingExactRun& r);

// ---------------------------------------------------------------------------------------------
// Stored configurations

// A lattice dataset (/spins [N, L, L]) as int8 spins; FileError unless every value is ±1.
struct IsingLattice {
  io::Dataset dataset;    // not from a file: no data, source describes them, attribute "chains"
  bool from_file = false;  // errors about the configurations name dataset.source
  int L = 0;
  std::int64_t n = 0;
  std::vector<std::int8_t> spins;
};
IsingLattice load_ising_lattice(const std::string& path);

// A number attribute of the dataset: FileError when it is not a number; nullopt when absent.
std::optional<double> number_attribute(const io::Dataset& d, const char* name);

// The observables of stored configurations. Temperature, coupling, field and the number of
// interleaved chains default to the file's attributes (coupling 1, field 0, chains 1 without).
struct IsingObserveRequest {
  std::optional<double> temperature;
  std::optional<double> coupling;
  std::optional<double> field;
  std::optional<int> chains;
};
struct IsingObserveRun {
  int L = 0;
  double temperature = 0.0, coupling = 1.0, field = 0.0;
  std::int64_t samples = 0;
  int chains = 1;
  ising::Observables observables;
  std::optional<IsingExactPoint> exact;
};
// FileError naming the file for a missing temperature, more chains than samples, bad attributes;
// Error for given values out of range.
IsingObserveRun observe_ising(const IsingLattice& lattice, const IsingObserveRequest& request);
// {observables, "L", "temperature", "coupling", "field", "samples", "chains", "exact"}
void to_json(nlohmann::json& j, const IsingObserveRun& r);

// Configurations sampled here (config.keep_spins is implied) as a lattice dataset for MCRG;
// `progress` is told how far the sampler is (ising/sampler.hpp).
IsingLattice sample_lattice(const ising::RunConfig& config, const StopPoll& stop = {},
                            const ising::Progress& progress = {});

// Swendsen's MCRG on configurations. The number of interleaved chains: request.chains, else the
// dataset's attribute "chains", else 1.
struct IsingMcrgRequest {
  rg::McrgOptions options;  // factor, levels, operators, built-in rule, seed
  std::optional<int> chains;
  // Blocking rules per level (the last repeats; rg/coarse_graining.hpp); empty: options.rule.
  std::vector<std::shared_ptr<const rg::BlockingRule>> rules;
  std::string rule_text;    // how the rules were named, for the record ("majority,filter.h5")
};
struct IsingMcrgRun {
  std::string source;  // the file, or a description of the sampling run
  int L = 0;
  std::int64_t samples = 0;
  int factor = 0;
  std::string rule;
  IsingMcrgRequest request;
  std::vector<rg::McrgStep> steps;
};
// FileError naming the file (stored data) for more chains than samples or lattices too small.
IsingMcrgRun mcrg_ising(const IsingLattice& lattice, const IsingMcrgRequest& request);
// {"data", "L", "samples", "seed", "factor", "rule", "even_operators", "odd_operators",
//  "rules"? (per level: from_size, rule, factor), "steps": [{from_size, to_size, y_t, y_h,
//  lambda_t, lambda_h}], "exact": {y_t: 1, y_h: 15/8}} (the `ising mcrg --json` object).
void to_json(nlohmann::json& j, const IsingMcrgRun& r);

// Kadanoff block spins of stored configurations, written to `output` with the dataset's
// attributes, `provenance` and the block parameters. Error unless the factor divides L.
void block_ising(const IsingLattice& lattice, int factor, rg::BlockRule rule, std::uint64_t seed,
                 const std::string& output, const Attributes& provenance);

}  // namespace rgflow::run
