#include "rgflow/run/rg.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "rgflow/autoencoder/file.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/estimate/ais.hpp"
#include "rgflow/hopfield/file.hpp"
#include "rgflow/io/dataset.hpp"
#include "rgflow/nmf/file.hpp"
#include "rgflow/rg/machine_flow_maps.hpp"
#include "rgflow/run/dbn.hpp"

namespace rgflow::run {

namespace {

bool all_spins(const MatrixF& x) { return (x.array() == 1.0f || x.array() == -1.0f).all(); }
bool all_binary(const MatrixF& x) { return (x.array() == 0.0f || x.array() == 1.0f).all(); }

nlohmann::json optional_json(const std::optional<double>& x) {
  return x ? nlohmann::json(*x) : nlohmann::json(nullptr);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Lattice configurations

LatticeData read_lattice(const std::string& path, int lattice) {
  io::Dataset ds = io::load_dataset(path);
  if (ds.data.rows() == 0) throw FileError(path, "dataset is empty");
  const int L = lattice > 0 ? lattice : static_cast<int>(ds.lattice_size.value_or(0));
  if (L <= 0) throw FileError(path, "no lattice size: give the lattice size L or a /spins [N, L, L] dataset");
  if (Index{L} * L != ds.data.cols()) {
    throw FileError(path, fmt::format("rows have {} values, not a {}x{} lattice", ds.data.cols(), L, L));
  }
  std::optional<double> temperature;
  const auto t = ds.attributes.find("temperature");
  if (t != ds.attributes.end()) {
    try {
      temperature = std::stod(t->second);
    } catch (const std::exception&) {
      throw FileError(path, fmt::format("attribute temperature '{}' is not a number", t->second));
    }
  }
  return lattice_rows(std::move(ds.data), L, temperature, path);
}

LatticeData lattice_rows(MatrixF rows, int L, std::optional<double> temperature, std::string source) {
  if (L < 1) throw Error(fmt::format("lattice size {}: must be at least 1", L));
  if (rows.rows() == 0) throw FileError(source, "no configurations");
  if (Index{L} * L != rows.cols()) {
    throw FileError(source, fmt::format("rows have {} values, not a {}x{} lattice", rows.cols(), L, L));
  }
  LatticeData out;
  out.rows = std::move(rows);
  out.L = L;
  out.temperature = temperature;
  out.source = std::move(source);
  return out;
}

void to_visible(LatticeData& data, const Rbm& bottom) {
  MatrixF& x = data.rows;
  const bool spins = all_spins(x);
  if (bottom.visible_type() == UnitType::bernoulli && spins) {
    x = ((x.array() + 1.0f) * 0.5f).matrix();
  } else if (bottom.visible_type() == UnitType::spin && !spins && all_binary(x)) {
    x = (2.0f * x.array() - 1.0f).matrix();
  }
  bottom.check_visible_data(x, data.source);
}

void to_spins(LatticeData& data) {
  MatrixF& x = data.rows;
  if (all_spins(x)) return;
  if (!all_binary(x)) throw FileError(data.source, "configurations must be spins (-1/+1) or 0/1");
  x = (2.0f * x.array() - 1.0f).matrix();
}

// ---------------------------------------------------------------------------------------------
// Receptive fields

ReceptiveFieldsRun receptive_fields(const Dbn& model, int lattice, const rg::LocalityOptions& locality) {
  if (lattice < 2) throw Error(fmt::format("lattice size {}: must be at least 2", lattice));
  const rg::Lattice geometry = rg::Lattice::square(lattice);
  if (model.n_visible() != geometry.sites()) {
    throw Error(fmt::format("the model has {} visible units, not {} (a {}x{} lattice)", model.n_visible(),
                            geometry.sites(), lattice, lattice));
  }
  ReceptiveFieldsRun run;
  run.lattice = lattice;
  run.locality = locality;
  run.levels = rg::receptive_field_locality(model, geometry, locality);
  return run;
}

MatrixF receptive_field_tiles(const ReceptiveFieldsRun& run) {
  Index total = 0;
  for (const auto& l : run.levels) total += l.fields.cols();
  MatrixF tiles(total, Index{run.lattice} * run.lattice);
  Index row = 0;
  for (const auto& l : run.levels) {
    for (Index j = 0; j < l.fields.cols(); ++j) tiles.row(row++) = l.fields.col(j).cast<float>().transpose();
  }
  return tiles;
}

void to_json(nlohmann::json& j, const ReceptiveFieldsRun& r) {
  nlohmann::json levels = nlohmann::json::array();
  for (const auto& l : r.levels) {
    nlohmann::json units = nlohmann::json::array();
    const bool positions = l.level == 1 && r.positions.size() == l.units.size();
    for (std::size_t i = 0; i < l.units.size(); ++i) {
      const auto& u = l.units[i];
      units.push_back({{"centre", {u.centre_x, u.centre_y}}, {"score", u.score}, {"null_mean", u.null_mean},
                       {"null_sd", u.null_sd}});
      if (positions) {
        units.back()["position"] = {r.positions[i].first, r.positions[i].second};
        if (i < r.position_scores.size()) units.back()["position_score"] = r.position_scores[i];
      }
    }
    levels.push_back({{"level", l.level}, {"units", units}, {"score", l.score}, {"null_score", l.null_score}});
    if (positions && r.centre_offset) levels.back()["centre_offset"] = *r.centre_offset;
    if (positions && r.position_score) levels.back()["position_score"] = *r.position_score;
  }
  j = {{"lattice", r.lattice}, {"radius", r.locality.radius}, {"permutations", r.locality.permutations},
       {"seed", r.locality.seed}, {"levels", levels}};
}

// ---------------------------------------------------------------------------------------------
// Flow maps

FlowMapKind parse_flow_map(std::string_view name) {
  if (name == "rbm") return FlowMapKind::rbm;
  if (name == "hopfield") return FlowMapKind::hopfield;
  if (name == "nmf") return FlowMapKind::nmf;
  if (name == "autoencoder") return FlowMapKind::autoencoder;
  throw Error(fmt::format("flow map '{}': expected rbm, hopfield, nmf or autoencoder", name));
}

std::string_view to_string(FlowMapKind kind) {
  switch (kind) {
    case FlowMapKind::rbm: return "rbm";
    case FlowMapKind::hopfield: return "hopfield";
    case FlowMapKind::nmf: return "nmf";
    case FlowMapKind::autoencoder: return "autoencoder";
  }
  return "rbm";
}

// The machine a map refers to (the maps hold references).
struct LoadedFlowMap::Machine {
  std::optional<Rbm> rbm;
  std::optional<hopfield::Network> hopfield;
  std::optional<nmf::ConvexNmf> nmf;
  std::optional<autoencoder::Autoencoder> autoencoder;
};

LoadedFlowMap::LoadedFlowMap() : machine_(std::make_unique<Machine>()) {}
LoadedFlowMap::LoadedFlowMap(LoadedFlowMap&&) noexcept = default;
LoadedFlowMap& LoadedFlowMap::operator=(LoadedFlowMap&&) noexcept = default;
LoadedFlowMap::~LoadedFlowMap() = default;

const Rbm* LoadedFlowMap::rbm_model() const { return machine_->rbm ? &*machine_->rbm : nullptr; }

LoadedFlowMap LoadedFlowMap::rbm(const Dbn& model, Propagate propagate) {
  if (model.n_layers() != 1) throw Error("the rbm flow map needs an RBM (a one-layer model)");
  LoadedFlowMap m;
  m.kind_ = FlowMapKind::rbm;
  m.propagate_ = propagate;
  m.machine_->rbm.emplace(model.layer(0));
  m.map_ = std::make_unique<rg::RbmFlowMap>(*m.machine_->rbm, propagate);
  return m;
}

LoadedFlowMap LoadedFlowMap::load(FlowMapKind kind, const std::string& path, Propagate propagate,
                                  double hopfield_temperature) {
  if (kind != FlowMapKind::rbm && kind != FlowMapKind::hopfield && propagate == Propagate::sample) {
    throw Error(fmt::format("propagation by sampling: the {} map is deterministic (use mean)", to_string(kind)));
  }
  if (kind == FlowMapKind::rbm) {
    const Dbn model = load_layers(path);
    if (model.n_layers() != 1) throw FileError(path, "the rbm flow map needs an RBM (a one-layer model)");
    LoadedFlowMap m = rbm(model, propagate);
    m.source_ = path;
    return m;
  }
  LoadedFlowMap m;
  m.source_ = path;
  m.kind_ = kind;
  m.propagate_ = propagate;
  if (kind == FlowMapKind::hopfield) {
    if (!(hopfield_temperature >= 0.0 && hopfield_temperature <= 1e300)) {
      throw Error(fmt::format("Hopfield temperature {}: must be >= 0", hopfield_temperature));
    }
    m.hopfield_temperature_ = hopfield_temperature;
    m.machine_->hopfield.emplace(hopfield::load_network(path));
    m.map_ = std::make_unique<rg::HopfieldFlowMap>(*m.machine_->hopfield, hopfield_temperature, propagate);
  } else if (kind == FlowMapKind::nmf) {
    m.machine_->nmf.emplace(nmf::load_model(path));
    m.map_ = std::make_unique<rg::NmfFlowMap>(*m.machine_->nmf);
  } else {
    m.machine_->autoencoder.emplace(autoencoder::load_model(path));
    m.map_ = std::make_unique<rg::AutoencoderFlowMap>(*m.machine_->autoencoder);
  }
  return m;
}

FlowRun flow(const LoadedFlowMap& map, LatticeData data, const FlowRequest& request) {
  if (request.rows < 0) throw Error(fmt::format("rows {}: must be >= 0", request.rows));
  if (request.keep < 0) throw Error(fmt::format("kept configurations {}: must be >= 0", request.keep));
  if (const Rbm* rbm = map.rbm_model()) {
    to_visible(data, *rbm);
  } else {
    to_spins(data);
  }
  if (request.rows > 0 && request.rows < data.rows.rows()) data.rows.conservativeResize(request.rows, Eigen::NoChange);
  if (map.map().sites() != data.rows.cols()) {
    throw FileError(map.source(), fmt::format("the {} model acts on {} sites; the data are {}x{}",
                                             to_string(map.kind()), map.map().sites(), data.L, data.L));
  }
  // The rbm map takes the data in its visible representation (0/1 for Bernoulli units).
  const MatrixF spins = map.rbm_model() ? map.map().to_spins(data.rows) : data.rows;
  FlowRun run;
  run.map = map.kind();
  run.propagate = map.propagate();
  run.hopfield_temperature = map.hopfield_temperature();
  run.L = data.L;
  run.rows = data.rows.rows();
  run.seed = request.flow.seed;
  run.data_temperature = data.temperature;
  const Index keep = std::min(request.keep, data.rows.rows());
  if (keep > 0) run.kept.resize((Index{request.flow.steps} + 1) * keep, data.rows.cols());
  run.steps = rg::iterate_flow(map.map(), spins, data.L, request.flow, [&](int t, const MatrixF& s) {
    if (keep > 0) run.kept.middleRows(t * keep, keep) = s.topRows(keep);
  });
  return run;
}

void to_json(nlohmann::json& j, const FlowRun& r) {
  nlohmann::json steps = nlohmann::json::array();
  for (const auto& s : r.steps) {
    const auto& o = s.observables;
    steps.push_back({{"energy", o.energy},
                     {"abs_magnetization", o.abs_magnetization},
                     {"temperature_energy", o.temperature_energy},
                     {"temperature_pseudo_likelihood", o.temperature_pseudo_likelihood},
                     {"step", s.step}});
  }
  j = {{"map", std::string(to_string(r.map))}, {"lattice", r.L}, {"rows", r.rows},
       {"propagate", r.propagate == Propagate::sample ? "sample" : "mean"}, {"seed", r.seed},
       {"data_temperature", optional_json(r.data_temperature)}, {"steps", steps}};
  if (r.hopfield_temperature) j["hopfield_temperature"] = *r.hopfield_temperature;
}

// ---------------------------------------------------------------------------------------------
// Free-energy flow

FreeEnergyFlowRun free_energy_flow(const Dbn& model, LatticeData data, const FreeEnergyFlowRequest& request) {
  to_visible(data, model.layer(0));
  rg::LatticeFreeEnergyOptions options = request.options;
  options.lattice_size = data.L;
  options.temperature = request.temperature ? request.temperature : data.temperature;
  if (options.temperature && !(*options.temperature >= 1e-6 && *options.temperature <= 1e6)) {
    throw Error(fmt::format("temperature {}: must be in [1e-06, 1e+06]", *options.temperature));
  }
  FreeEnergyFlowRun run;
  run.L = data.L;
  run.seed = options.flow.seed;
  run.propagate = options.flow.propagate;
  run.temperature = options.temperature;
  run.result = rg::lattice_free_energy(model, data.rows, options);
  return run;
}

void to_json(nlohmann::json& j, const FreeEnergyFlowRun& r) {
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& l : r.result.layers) {
    layers.push_back({{"layer", l.flow.layer},
                      {"n_visible", l.flow.n_visible},
                      {"n_hidden", l.flow.n_hidden},
                      {"log_z_method", std::string(estimate::to_string(l.flow.log_z_method))},
                      {"log_z", *l.flow.log_z},
                      {"mean_free_energy_data", l.flow.free_energy},
                      {"log_likelihood_per_unit", *l.flow.log_likelihood_per_unit},
                      {"uniform_mean_free_energy", l.uniform_mean},
                      {"free_energy", l.free_energy},
                      {"free_energy_per_unit", l.free_energy_per_unit},
                      {"free_energy_per_site", l.free_energy_per_site},
                      {"sites_per_unit", l.sites_per_unit},
                      {"ising_free_energy_per_unit", optional_json(l.ising_per_unit)}});
    if (l.flow.layer + 1 < static_cast<Index>(r.result.layers.size())) {
      layers.back()["uniform_mean_hidden_free_energy"] = l.hidden_uniform_mean;
      layers.back()["generated_constant"] = l.generated_constant;
    }
    layers.back()["kept_free_energy_per_site"] = l.kept_free_energy_per_site;
  }
  nlohmann::json changes = nlohmann::json::array();
  for (const auto& c : r.result.change_per_site) changes.push_back(c);
  j = {{"lattice", r.L}, {"seed", r.seed}, {"propagate", r.propagate == Propagate::sample ? "sample" : "mean"},
       {"temperature", optional_json(r.temperature)},
       {"ising_free_energy_per_site", optional_json(r.result.ising_per_site)}, {"layers", layers},
       {"change_per_site", changes}, {"conservation", r.result.conservation}};
}

}  // namespace rgflow::run
