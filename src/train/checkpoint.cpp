#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "rgflow/core/error.hpp"
#include "rgflow/io/atomic_file.hpp"
#include "rgflow/io/hdf5.hpp"
#include "rgflow/io/model.hpp"
#include "rgflow/train/trainer.hpp"
#include "convergence_io.hpp"

// Checkpoint layout (HDF5):
//   /rbm/weights, /rbm/visible_bias, /rbm/hidden_bias and the /rbm attributes visible_type,
//        hidden_type, format_version, rgflow_version, seed: exactly a model file (io/model.hpp),
//        so `rgflow` commands that read a model also read a checkpoint.
//   /train attributes: config (TrainConfig as a JSON string), epochs_done (int),
//        checkpoint_format_version (int, 1)
//   /train/rng               uint64 [4]: seed, stream, counter, index of the training stream
//   /train/weight_velocity   float32 [n_visible, n_hidden]
//   /train/visible_velocity  float32 [n_visible]
//   /train/hidden_velocity   float32 [n_hidden]
//   /train/persistent_chains float32 [chains, n_visible]   (PCD chains, TAP visible
//                            magnetisations, PT replicas [K·C] — once initialised)
//   /train/persistent_hidden float32 [chains, n_hidden]    (TAP hidden magnetisations)
//   /train/pt_betas          float64 [K, 1]                (PT: the β ladder, β_0 = 1 first)
//   /train/pt_swaps          uint64 [2K − 1]               (PT: swap attempts per pair [K−1],
//                            accepted swaps per pair [K−1], ladder adaptations done)
//   /train/hidden_activity   float32 [n_hidden]            (sparsity target, once estimated)
//   /train/weight_second_moment, /train/visible_second_moment, /train/hidden_second_moment
//                            float32, shapes as the velocities (Adam; the velocities hold its
//                            first moments), /train/optimizer_steps int64 [1] (Adam's t)
//   /train/visible_offset    float32 [n_visible], /train/hidden_offset float32 [n_hidden]
//                            (centering, once estimated)
//   /train/tap_reseed_rng    uint64 [4]                    (persistent TAP: the re-seeding
//                            stream's seed, stream, counter, index; older files lack it)
//   /train/convergence       automatic stopping's state, once an epoch was scored
//                            (convergence_io.hpp)
namespace rgflow::train {

namespace {

constexpr std::int64_t kCheckpointFormatVersion = 1;

}  // namespace

void save_checkpoint(const std::string& path, const Checkpoint& checkpoint) {
  const Rbm& rbm = checkpoint.rbm;
  try {
    rbm.validate();
    checkpoint.config.validate();
  } catch (const Error& e) {
    throw FileError(path, fmt::format("refusing to save an invalid checkpoint: {}", e.what()));
  }
  nlohmann::json config_json = checkpoint.config;
  io::AtomicFile out(path);
  {
    io::h5::File file = io::h5::File::create(out.temp_path());
    // The model part is written exactly as a model file (io::write_rbm), so a checkpoint is also
    // a loadable model.
    io::write_rbm(file, "/rbm", rbm, {{"seed", std::to_string(checkpoint.config.seed)}});

    const RngState& r = checkpoint.rng;
    file.write("/train/rng", std::vector<std::uint64_t>{r.seed, r.stream, r.counter, r.index});
    const OptimizerState& o = checkpoint.optimizer;
    file.write("/train/weight_velocity", o.weight_velocity);
    file.write("/train/visible_velocity", o.visible_velocity);
    file.write("/train/hidden_velocity", o.hidden_velocity);
    if (o.weight_second_moment.size() != 0) {
      file.write("/train/weight_second_moment", o.weight_second_moment);
      file.write("/train/visible_second_moment", o.visible_second_moment);
      file.write("/train/hidden_second_moment", o.hidden_second_moment);
      file.write("/train/optimizer_steps", std::vector<std::uint64_t>{static_cast<std::uint64_t>(o.steps)});
    }
    if (o.visible_offset.size() != 0) file.write("/train/visible_offset", o.visible_offset);
    if (o.hidden_offset.size() != 0) file.write("/train/hidden_offset", o.hidden_offset);
    // Empty state is omitted rather than written as zero-sized datasets.
    if (checkpoint.persistent_chains.size() != 0) {
      file.write("/train/persistent_chains", checkpoint.persistent_chains);
    }
    if (o.hidden_activity.size() != 0) {
      file.write("/train/hidden_activity", o.hidden_activity);
    }
    if (checkpoint.persistent_hidden.size() != 0) {
      file.write("/train/persistent_hidden", checkpoint.persistent_hidden);
    }
    if (checkpoint.tempering) {
      const sample::TemperingState& t = *checkpoint.tempering;
      MatrixD betas(static_cast<Index>(t.betas.size()), 1);
      for (std::size_t k = 0; k < t.betas.size(); ++k) betas(static_cast<Index>(k), 0) = t.betas[k];
      file.write("/train/pt_betas", betas);
      std::vector<std::uint64_t> swaps = t.attempts;
      swaps.insert(swaps.end(), t.accepts.begin(), t.accepts.end());
      swaps.push_back(t.adaptations);
      file.write("/train/pt_swaps", swaps);
    }
    if (const auto& t = checkpoint.tap_reseed_rng) {
      file.write("/train/tap_reseed_rng", std::vector<std::uint64_t>{t->seed, t->stream, t->counter, t->index});
    }
    if (checkpoint.convergence) detail::write_convergence(file, *checkpoint.convergence);
    file.set_attribute("/train", "config", config_json.dump());
    file.set_attribute("/train", "epochs_done", std::int64_t{checkpoint.epochs_done});
    file.set_attribute("/train", "checkpoint_format_version", kCheckpointFormatVersion);
    file.close();
  }
  out.commit();
}

namespace {

void require(bool ok, const std::string& path, const std::string& message) {
  if (!ok) throw FileError(path, message);
}

// Every entry of `m` must satisfy `ok`; otherwise a FileError naming the dataset, the first bad
// entry and what was expected.
template <class Ok>
void require_entries(const MatrixF& m, const std::string& path, const char* dataset,
                     const std::string& expected, Ok ok) {
  for (Index r = 0; r < m.rows(); ++r) {
    for (Index col = 0; col < m.cols(); ++col) {
      if (!ok(m(r, col))) {
        throw FileError(path, fmt::format("dataset '{}' holds {} at row {}, column {}; expected {}",
                                          dataset, m(r, col), r, col, expected));
      }
    }
  }
}

// Sampler state must be what the method keeps (checkpoint layout above): states of the unit type
// for PCD and PT chains (and hidden-state PCD), magnetisations in the unit type's range for TAP.
// A resumed run would otherwise sample from, e.g., a "bernoulli" chain holding 0.5.
void check_sampler_state(const Checkpoint& c, const std::string& path) {
  const Method method = c.config.method;
  const auto states = [&](const MatrixF& m, const char* dataset, UnitType type) {
    if (!is_binary(type)) return;  // any finite value (checked above)
    require_entries(m, path, dataset, fmt::format("a {} state", to_string(type)),
                    [type](float x) { return type == UnitType::spin ? (x == -1.0f || x == 1.0f)
                                                                    : (x == 0.0f || x == 1.0f); });
  };
  const auto magnetisations = [&](const MatrixF& m, const char* dataset, UnitType type) {
    if (!is_binary(type)) return;  // means of real-valued units: any finite value
    const float lo = type == UnitType::spin ? -1.0f : 0.0f;
    require_entries(m, path, dataset,
                    fmt::format("a {} magnetisation in [{}, 1]", to_string(type), lo),
                    [lo](float x) { return x >= lo && x <= 1.0f; });
  };
  const char* chains = "/train/persistent_chains";
  const char* hidden = "/train/persistent_hidden";
  if (method == Method::cd) {
    require(c.persistent_chains.size() == 0 && c.persistent_hidden.size() == 0, path,
            "a CD checkpoint holds persistent chains (CD keeps none)");
  } else if (tap_order(method) > 0) {
    magnetisations(c.persistent_chains, chains, c.rbm.visible_type());
    magnetisations(c.persistent_hidden, hidden, c.rbm.hidden_type());
  } else {
    states(c.persistent_chains, chains, c.rbm.visible_type());
    states(c.persistent_hidden, hidden, c.rbm.hidden_type());
  }
}

Checkpoint read_checkpoint(const std::string& path) {
  Checkpoint c;
  c.rbm = io::load_rbm(path);  // FileError for a missing or corrupt file / model part
  const io::h5::File file = io::h5::File::open(path);
  require(file.exists("/train"), path, "not a training checkpoint: no group '/train'");
  for (const char* name : {"config", "epochs_done", "checkpoint_format_version"}) {
    require(file.has_attribute("/train", name), path,
            fmt::format("not a training checkpoint: '/train' has no attribute '{}'", name));
  }
  const std::int64_t format = file.int_attribute("/train", "checkpoint_format_version");
  require(format == kCheckpointFormatVersion, path,
          fmt::format("unsupported checkpoint_format_version {} (this build reads {})", format,
                      kCheckpointFormatVersion));

  try {
    nlohmann::json::parse(file.string_attribute("/train", "config")).get_to(c.config);
    c.config.validate();
  } catch (const nlohmann::json::exception& e) {
    throw FileError(path, fmt::format("'/train' attribute 'config' is not valid JSON: {}", e.what()));
  } catch (const FileError&) {
    throw;
  } catch (const Error& e) {
    throw FileError(path, fmt::format("'/train' attribute 'config': {}", e.what()));
  }

  const std::int64_t epochs = file.int_attribute("/train", "epochs_done");
  require(epochs >= 0 && epochs <= std::numeric_limits<int>::max(), path,
          fmt::format("'/train' attribute 'epochs_done' is out of range ({})", epochs));
  c.epochs_done = static_cast<int>(epochs);

  const Index nv = c.rbm.n_visible();
  const Index nh = c.rbm.n_hidden();
  const auto shape_is = [&](const std::string& name, std::vector<std::int64_t> expected) {
    require(file.exists(name), path, fmt::format("missing dataset '{}'", name));
    const auto shape = file.shape(name);
    require(shape == expected, path, fmt::format("dataset '{}' has the wrong shape", name));
  };

  const auto rng_state = [&](const char* name) {
    shape_is(name, {4});
    const std::vector<std::uint64_t> r = file.read_u64(name);
    require(r.size() == 4 && r[3] <= 4, path, fmt::format("dataset '{}' is not a valid RNG state", name));
    return RngState{r[0], r[1], r[2], static_cast<std::uint32_t>(r[3])};
  };
  c.rng = rng_state("/train/rng");
  if (file.exists("/train/tap_reseed_rng")) {
    require(tap_order(c.config.method) > 0 && c.config.tap_persistent, path,
            "dataset '/train/tap_reseed_rng' belongs to persistent TAP training only");
    c.tap_reseed_rng = rng_state("/train/tap_reseed_rng");
  }

  shape_is("/train/weight_velocity", {nv, nh});
  shape_is("/train/visible_velocity", {nv});
  shape_is("/train/hidden_velocity", {nh});
  OptimizerState& o = c.optimizer;
  o.weight_velocity = file.read_matrix("/train/weight_velocity");
  o.visible_velocity = file.read_vector("/train/visible_velocity");
  o.hidden_velocity = file.read_vector("/train/hidden_velocity");
  const bool adam = file.exists("/train/weight_second_moment");
  require(adam == (c.config.optimizer == OptimizerKind::adam), path,
          "the Adam moments ('/train/weight_second_moment') and the configured optimizer disagree");
  if (adam) {
    shape_is("/train/weight_second_moment", {nv, nh});
    shape_is("/train/visible_second_moment", {nv});
    shape_is("/train/hidden_second_moment", {nh});
    shape_is("/train/optimizer_steps", {1});
    o.weight_second_moment = file.read_matrix("/train/weight_second_moment");
    o.visible_second_moment = file.read_vector("/train/visible_second_moment");
    o.hidden_second_moment = file.read_vector("/train/hidden_second_moment");
    const std::uint64_t steps = file.read_u64("/train/optimizer_steps").at(0);
    require(steps <= std::uint64_t{1} << 62, path, "dataset '/train/optimizer_steps' is out of range");
    o.steps = static_cast<std::int64_t>(steps);
    const auto non_negative = [](const auto& m) { return (m.array() >= 0.0f).all(); };
    require(non_negative(o.weight_second_moment) && non_negative(o.visible_second_moment) &&
                non_negative(o.hidden_second_moment),
            path, "the Adam second moments must be >= 0");
  }
  if (file.exists("/train/visible_offset")) {
    shape_is("/train/visible_offset", {nv});
    o.visible_offset = file.read_vector("/train/visible_offset");
  }
  if (file.exists("/train/hidden_offset")) {
    shape_is("/train/hidden_offset", {nh});
    o.hidden_offset = file.read_vector("/train/hidden_offset");
  }
  if (file.exists("/train/persistent_chains")) {
    const auto shape = file.shape("/train/persistent_chains");
    require(shape.size() == 2 && shape[0] >= 1 && shape[1] == nv, path,
            "dataset '/train/persistent_chains' has the wrong shape");
    c.persistent_chains = file.read_matrix("/train/persistent_chains");
  }
  if (file.exists("/train/hidden_activity")) {
    shape_is("/train/hidden_activity", {nh});
    o.hidden_activity = file.read_vector("/train/hidden_activity");
  }
  if (file.exists("/train/persistent_hidden")) {
    const auto shape = file.shape("/train/persistent_hidden");
    require(shape.size() == 2 && shape[0] == c.persistent_chains.rows() && shape[1] == nh, path,
            "dataset '/train/persistent_hidden' has the wrong shape");
    c.persistent_hidden = file.read_matrix("/train/persistent_hidden");
  }
  require(file.exists("/train/pt_betas") == file.exists("/train/pt_swaps"), path,
          "datasets '/train/pt_betas' and '/train/pt_swaps' must come together");
  if (file.exists("/train/pt_betas")) {
    const auto shape = file.shape("/train/pt_betas");
    require(shape.size() == 2 && shape[0] >= 2 && shape[1] == 1, path,
            "dataset '/train/pt_betas' has the wrong shape");
    const MatrixD betas = file.read_matrix_double("/train/pt_betas");
    sample::TemperingState t;
    for (Index k = 0; k < betas.rows(); ++k) t.betas.push_back(betas(k, 0));
    bool ladder_ok = t.betas.front() == 1.0;
    for (std::size_t k = 1; k < t.betas.size(); ++k) {
      ladder_ok = ladder_ok && t.betas[k] > 0.0 && t.betas[k] < t.betas[k - 1];
    }
    require(ladder_ok, path, "dataset '/train/pt_betas' is not a ladder 1 = β_0 > β_1 > ... > 0");
    const std::size_t pairs = t.betas.size() - 1;
    shape_is("/train/pt_swaps", {static_cast<std::int64_t>(2 * pairs + 1)});
    const std::vector<std::uint64_t> swaps = file.read_u64("/train/pt_swaps");
    t.attempts.assign(swaps.begin(), swaps.begin() + static_cast<std::ptrdiff_t>(pairs));
    t.accepts.assign(swaps.begin() + static_cast<std::ptrdiff_t>(pairs),
                     swaps.begin() + static_cast<std::ptrdiff_t>(2 * pairs));
    t.adaptations = swaps.back();
    for (std::size_t k = 0; k < pairs; ++k) {
      require(t.accepts[k] <= t.attempts[k], path,
              "dataset '/train/pt_swaps' has more accepted than attempted swaps");
    }
    require(c.persistent_chains.rows() % static_cast<Index>(t.betas.size()) == 0, path,
            "dataset '/train/persistent_chains' is not a whole number of PT replica sets");
    c.tempering = std::move(t);
  }
  const bool finite = c.persistent_hidden.allFinite() && o.weight_velocity.allFinite() &&
                      o.visible_velocity.allFinite() && o.hidden_velocity.allFinite() &&
                      c.persistent_chains.allFinite() && o.hidden_activity.allFinite() &&
                      o.weight_second_moment.allFinite() && o.visible_second_moment.allFinite() &&
                      o.hidden_second_moment.allFinite() && o.visible_offset.allFinite() &&
                      o.hidden_offset.allFinite();
  require(finite, path, "optimizer or sampler state contains NaN or infinite values");
  c.convergence = detail::read_convergence(file, c.rbm);
  check_sampler_state(c, path);
  return c;
}

}  // namespace

Checkpoint load_checkpoint(const std::string& path) {
  try {
    return read_checkpoint(path);
  } catch (const FileError&) {
    throw;
  } catch (const Error& e) {
    throw FileError(path, e.what());
  }
}

}  // namespace rgflow::train
