#include "rgflow/nmf/file.hpp"

#include <fmt/format.h>

#include "rgflow/core/error.hpp"
#include "rgflow/io/model_group.hpp"

namespace rgflow::nmf {

namespace {
constexpr const char* kGroup = "/nmf";
}  // namespace

void save_model(const std::string& path, const ConvexNmf& m,
                const std::map<std::string, std::string>& attributes) {
  io::ModelGroup g;
  g.group = kGroup;
  g.format_version = kFileFormatVersion;
  g.fixed = {{"converged", m.converged ? "true" : "false"}};
  g.fixed_ints = {{"rank", m.rank()}, {"n_points", m.W.rows()}, {"n_features", m.archetypes.cols()},
                  {"iterations", m.iterations}};
  io::save_model_group(path, g, attributes, [&](io::h5::File& file) {
    file.write("/nmf/W", m.W);
    file.write("/nmf/G", m.G);
    file.write("/nmf/archetypes", m.archetypes);
    const MatrixD objective = Eigen::Map<const MatrixD>(m.objective.data(), 1,
                                                        static_cast<Index>(m.objective.size()));
    file.write("/nmf/objective", objective);
  });
}

ConvexNmf load_model(const std::string& path, std::map<std::string, std::string>* attributes) {
  const io::h5::File file = io::open_model_group(path, kGroup, kFileFormatVersion, "a convex NMF file");
  ConvexNmf m;
  m.W = io::read_finite_matrix(file, "/nmf/W", -1, -1);
  m.G = io::read_finite_matrix(file, "/nmf/G", m.W.rows(), m.W.cols());
  m.archetypes = io::read_finite_matrix(file, "/nmf/archetypes", m.W.cols(), -1);
  if ((m.W.array() < 0.0).any() || (m.G.array() < 0.0).any()) {
    throw FileError(path, "W and G must be non-negative");
  }
  if (file.exists("/nmf/objective")) {
    const MatrixD j = io::read_finite_matrix(file, "/nmf/objective", 1, -1);
    m.objective.assign(j.data(), j.data() + j.size());
  }
  m.iterations = file.has_attribute(kGroup, "iterations") ? static_cast<int>(file.int_attribute(kGroup, "iterations")) : 0;
  m.converged = file.has_attribute(kGroup, "converged") && file.string_attribute(kGroup, "converged") == "true";
  if (attributes != nullptr) {
    *attributes = io::free_attributes(file, kGroup, {"converged", "rank", "n_points", "n_features", "iterations"});
  }
  return m;
}

}  // namespace rgflow::nmf
