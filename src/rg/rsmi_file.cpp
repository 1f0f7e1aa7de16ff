#include "rgflow/rg/rsmi_file.hpp"

#include <fmt/format.h>

#include "rgflow/core/error.hpp"
#include "rgflow/core/version.hpp"
#include "rgflow/io/atomic_file.hpp"
#include "rgflow/io/hdf5.hpp"

namespace rgflow::rg {

namespace {

constexpr const char* kGroup = "/rsmi";

MatrixD offsets_matrix(const std::vector<std::array<int, 2>>& offsets) {
  MatrixD m(static_cast<Index>(offsets.size()), 2);
  for (std::size_t i = 0; i < offsets.size(); ++i) {
    m(static_cast<Index>(i), 0) = offsets[i][0];
    m(static_cast<Index>(i), 1) = offsets[i][1];
  }
  return m;
}

void write_all(io::h5::File& file, const RsmiGeometry& g, const RsmiOptions& o, const RsmiResult& r, bool learned,
               const std::map<std::string, std::string>& extra) {
  const std::string G = kGroup;
  file.write(G + "/filter", r.filter);
  file.write(G + "/initial_filter", r.initial_filter);
  file.write(G + "/block_offsets", offsets_matrix(g.block_offsets()));
  file.write(G + "/environment_offsets", offsets_matrix(g.environment_offsets()));
  if (learned) {
    MatrixD curve(static_cast<Index>(r.curve.size()), 3);
    for (std::size_t e = 0; e < r.curve.size(); ++e) {
      curve(static_cast<Index>(e), 0) = r.curve[e].epoch;
      curve(static_cast<Index>(e), 1) = r.curve[e].train_bound;
      curve(static_cast<Index>(e), 2) = r.curve[e].validation_bound;
    }
    file.write(G + "/training_curve", curve);
    file.write(G + "/filter_history", r.filter_history);
  }
  const std::map<std::string, std::int64_t> ints = {
      {"format_version", kRsmiFormatVersion}, {"dimension", g.dimension}, {"lattice", g.L},
      {"block", g.block}, {"buffer", g.buffer}, {"environment", g.environment},
      {"hidden_per_block", r.filter.rows()}, {"learned", learned ? 1 : 0},
      {"epochs", learned ? o.epochs : 0}, {"critic_epochs", o.critic_epochs},
      {"positions_per_epoch", o.positions_per_epoch}, {"eval_positions", o.eval_positions},
      {"batch_size", o.batch_size}, {"critic_hidden", o.critic_hidden},
      {"training_configurations", r.training_configurations},
      {"validation_configurations", r.validation_configurations},
      {"held_out_groups", r.mutual_information.n}};
  const std::map<std::string, double> doubles = {
      {"learning_rate", o.learning_rate}, {"critic_learning_rate", o.critic_learning_rate},
      {"beta", o.beta}, {"validation_fraction", o.validation_fraction},
      {"mutual_information_mean", r.mutual_information.mean},
      {"mutual_information_error", r.mutual_information.error}};
  const std::map<std::string, std::string> strings = {
      {"seed", std::to_string(o.seed)},
      {"bound", "infonce"},
      {"mutual_information_units", "nats"},
      {"relaxation", "spin unit p(h=+1|v) = sigmoid(2 Lambda.v), rows kept at |Lambda_j| = beta sqrt(b^d); sign at use"}};
  file.set_attribute(G, "rgflow_version", version());  // provenance in `extra` may restate it
  for (const auto& [k, v] : extra)
    if (ints.count(k) || doubles.count(k) || strings.count(k))
      throw FileError(file.path(), fmt::format("attribute name '{}' is reserved by the RSMI format", k));
  for (const auto& [k, v] : ints) file.set_attribute(G, k, v);
  for (const auto& [k, v] : doubles) file.set_attribute(G, k, v);
  for (const auto& [k, v] : strings) file.set_attribute(G, k, v);
  for (const auto& [k, v] : extra) file.set_attribute(G, k, v);
}

}  // namespace

void save_rsmi(const std::string& path, const RsmiGeometry& geometry, const RsmiOptions& options,
               const RsmiResult& result, bool learned, const std::map<std::string, std::string>& extra) {
  io::AtomicFile out(path);
  {
    io::h5::File file = io::h5::File::create(out.temp_path());
    try {
      write_all(file, geometry, options, result, learned, extra);
    } catch (const FileError& e) {
      throw out.for_destination(e);
    }
    file.close();
  }
  out.commit();
}

RsmiModel load_rsmi(const std::string& path) {
  const io::h5::File file = io::h5::File::open(path);
  const std::string G = kGroup;
  if (!file.exists(G)) throw FileError(path, "no RSMI filter (group /rsmi missing)");
  RsmiModel m;
  const std::int64_t version = file.int_attribute(G, "format_version");
  if (version != kRsmiFormatVersion)
    throw FileError(path, fmt::format("RSMI format version {} is not supported (expected {})", version, kRsmiFormatVersion));
  auto int_attr = [&](const char* name) {
    const std::int64_t v = file.int_attribute(G, name);
    if (v < -(1 << 20) || v > (1 << 20)) throw FileError(path, fmt::format("attribute '{}' = {} is out of range", name, v));
    return static_cast<int>(v);
  };
  m.geometry.dimension = int_attr("dimension");
  m.geometry.L = int_attr("lattice");
  m.geometry.block = int_attr("block");
  m.geometry.buffer = int_attr("buffer");
  m.geometry.environment = int_attr("environment");
  try {
    m.geometry.validate();
  } catch (const Error& e) {
    throw FileError(path, e.what());
  }
  if (!file.exists(G + "/filter")) throw FileError(path, "missing dataset '/rsmi/filter'");
  const auto shape = file.shape(G + "/filter");
  if (shape.size() != 2 || shape[0] < 1 || shape[0] > 4 || shape[1] != m.geometry.block_sites())
    throw FileError(path, fmt::format("dataset '/rsmi/filter' must be [1..4, {}]", m.geometry.block_sites()));
  m.filter = file.read_matrix_double(G + "/filter");
  if (!m.filter.allFinite()) throw FileError(path, "the filter holds non-finite values");
  for (Index j = 0; j < m.filter.rows(); ++j)
    if (m.filter.row(j).isZero(0.0)) throw FileError(path, fmt::format("filter row {} is all zero", j));
  m.mutual_information.mean = file.double_attribute(G, "mutual_information_mean");
  m.mutual_information.error = file.double_attribute(G, "mutual_information_error");
  m.attributes = file.attributes(G);
  return m;
}

}  // namespace rgflow::rg
