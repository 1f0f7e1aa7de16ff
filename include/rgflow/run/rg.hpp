#pragma once
// The service layer for the lattice RG tools: the work of `rgflow rg receptive-fields`,
// `rgflow rg flow` and `rgflow rg free-energy-flow` and of their Python twins
// (rgflow.receptive_field_locality, rgflow.lattice_flow, rgflow.lattice_free_energy), as typed
// requests and results with one to_json each. The CLI checks its flags, reads the files through
// the functions here, calls one function and prints the result's JSON (or a table); the Python
// binding converts arrays and calls the same function (docs/architecture.md, docs/vrg-tools.md,
// docs/flow-maps.md).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "rgflow/core/types.hpp"
#include "rgflow/rbm/dbn.hpp"
#include "rgflow/rg/flow_map.hpp"
#include "rgflow/rg/lattice_free_energy.hpp"
#include "rgflow/rg/receptive_fields.hpp"

namespace rgflow::run {

// ---------------------------------------------------------------------------------------------
// Lattice configurations

// Rows of an L x L periodic lattice (site i = y·L + x) as stored, with the Ising temperature the
// data were drawn at when the file records one (attribute "temperature").
struct LatticeData {
  MatrixF rows;
  int L = 0;
  std::optional<double> temperature;
  std::string source;  // the file (or "data") named in errors
};

// Reads a dataset file: L from `lattice` when > 0, else from a /spins [N, L, L] dataset. FileError
// for an empty file, a missing or inconsistent L, or a temperature attribute that is not a number.
LatticeData read_lattice(const std::string& path, int lattice = 0);
// The same from rows in memory (Error when a row is not L·L values or L < 1).
LatticeData lattice_rows(MatrixF rows, int L, std::optional<double> temperature = std::nullopt,
                         std::string source = "data");
// In place: ±1 rows become 0/1 for Bernoulli visible units, 0/1 rows ±1 for spin units; then the
// values are checked against the units (FileError naming the source).
void to_visible(LatticeData& data, const Rbm& bottom);
// In place: 0/1 rows become ±1; FileError unless every value is ±1 or 0/1.
void to_spins(LatticeData& data);

// ---------------------------------------------------------------------------------------------
// rg receptive-fields (rg/receptive_fields.hpp)

struct ReceptiveFieldsRun {
  int lattice = 0;
  rg::LocalityOptions locality;
  std::vector<rg::LevelLocality> levels;
  // A convolutional model (run/conv.hpp attach_conv_positions): the level-1 units' positions from
  // the kernel geometry, (x, y) like the centres; the mean torus distance between each unit's
  // receptive-field centre and its position; and the locality score S_j(r) measured about the
  // position instead of the inferred centre (per unit, and its mean; standard errors over units).
  std::vector<std::pair<double, double>> positions;
  std::optional<stats::Result> centre_offset;
  std::vector<double> position_scores;
  std::optional<stats::Result> position_score;
};

// Every level of the model on an L x L lattice (Error when the model's visible units are not L·L).
ReceptiveFieldsRun receptive_fields(const Dbn& model, int lattice, const rg::LocalityOptions& locality);
// All fields, level by level, one row each (a PNG mosaic of L x L tiles).
MatrixF receptive_field_tiles(const ReceptiveFieldsRun& run);
// {"lattice", "radius", "permutations", "seed", "levels": [{level, units: [{centre, score,
//  null_mean, null_sd, position?, position_score?}], score, null_score, centre_offset?,
//  position_score?}]}  (the `rg receptive-fields --json` keys apart from "model"; the position
//  keys for a convolutional model's level 1).
void to_json(nlohmann::json& j, const ReceptiveFieldsRun& r);

// ---------------------------------------------------------------------------------------------
// rg flow (rg/flow_map.hpp, rg/machine_flow_maps.hpp)

enum class FlowMapKind { rbm, hopfield, nmf, autoencoder };
FlowMapKind parse_flow_map(std::string_view name);  // Error naming the accepted names
std::string_view to_string(FlowMapKind kind);

// A flow map owning its machine.
class LoadedFlowMap {
 public:
  // From a model file: an RBM (a one-layer model file) for the rbm map, a Hopfield network, a
  // convex NMF or an autoencoder file. `hopfield_temperature` is used by the hopfield map only.
  // Error when `propagate` is sample for a deterministic map, or the temperature is negative.
  static LoadedFlowMap load(FlowMapKind kind, const std::string& path, Propagate propagate,
                            double hopfield_temperature = 1.0);
  // The rbm map of a one-layer model in memory.
  static LoadedFlowMap rbm(const Dbn& model, Propagate propagate);

  LoadedFlowMap(LoadedFlowMap&&) noexcept;
  LoadedFlowMap& operator=(LoadedFlowMap&&) noexcept;
  ~LoadedFlowMap();

  FlowMapKind kind() const { return kind_; }
  Propagate propagate() const { return propagate_; }
  std::optional<double> hopfield_temperature() const { return hopfield_temperature_; }
  const rg::FlowMap& map() const { return *map_; }
  const std::string& source() const { return source_; }  // the model file ("model" in memory)
  const Rbm* rbm_model() const;  // the RBM of the rbm map (null for the others)

 private:
  struct Machine;
  LoadedFlowMap();
  FlowMapKind kind_ = FlowMapKind::rbm;
  Propagate propagate_ = Propagate::mean;
  std::optional<double> hopfield_temperature_;
  std::string source_ = "model";
  std::unique_ptr<Machine> machine_;
  std::unique_ptr<rg::FlowMap> map_;
};

struct FlowRequest {
  rg::FlowOptions flow;   // steps and seed
  Index rows = 0;         // use the first `rows` configurations (0: all)
  Index keep = 0;         // keep the first `keep` configurations of every step (pictures)
};

struct FlowRun {
  FlowMapKind map = FlowMapKind::rbm;
  Propagate propagate = Propagate::mean;
  std::optional<double> hopfield_temperature;
  int L = 0;
  Index rows = 0;
  std::uint64_t seed = 0;
  std::optional<double> data_temperature;
  std::vector<rg::FlowStep> steps;
  MatrixF kept;  // [(steps + 1)·keep, L·L] spins: step t's first `keep` rows at t·keep
};

// Iterates the map from the data (converted to the map's representation: the RBM's visible units
// for the rbm map, ±1 spins for the others). Error/FileError for bad values (naming the data) or
// a model of another size (naming the model).
FlowRun flow(const LoadedFlowMap& map, LatticeData data, const FlowRequest& request);
// {"map", "lattice", "rows", "propagate", "seed", "data_temperature", "hopfield_temperature"?,
//  "steps": [{step, energy, abs_magnetization, temperature_energy, temperature_pseudo_likelihood}]}
// (the `rg flow --json` keys apart from "model" and "data").
void to_json(nlohmann::json& j, const FlowRun& r);

// ---------------------------------------------------------------------------------------------
// rg free-energy-flow (rg/lattice_free_energy.hpp)

struct FreeEnergyFlowRequest {
  // Propagation, log Z and gauge options; options.lattice_size and options.temperature are set
  // from the data (temperature: the request's when given, else the data's).
  rg::LatticeFreeEnergyOptions options;
  std::optional<double> temperature;
};

struct FreeEnergyFlowRun {
  int L = 0;
  std::uint64_t seed = 0;
  Propagate propagate = Propagate::mean;
  std::optional<double> temperature;
  rg::LatticeFreeEnergy result;
};

// The data are converted to the bottom layer's visible units (to_visible). Error for a
// temperature outside [1e-6, 1e6] and everything rg::lattice_free_energy refuses.
FreeEnergyFlowRun free_energy_flow(const Dbn& model, LatticeData data, const FreeEnergyFlowRequest& request);
// {"lattice", "seed", "propagate", "temperature", "ising_free_energy_per_site", "layers": [...],
//  "change_per_site", "conservation"} (the `rg free-energy-flow --json` keys apart from "model"
// and "data").
void to_json(nlohmann::json& j, const FreeEnergyFlowRun& r);

}  // namespace rgflow::run
