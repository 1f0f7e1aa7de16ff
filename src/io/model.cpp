#include "rgflow/io/model.hpp"

#include <fmt/format.h>

#include "rgflow/core/error.hpp"
#include "rgflow/core/version.hpp"
#include "rgflow/io/atomic_file.hpp"
#include "rgflow/io/hdf5.hpp"

namespace rgflow::io {

namespace {

constexpr const char* kGroup = "/rbm";

// Attributes with a fixed meaning in the model format; callers may not override them.
bool is_reserved(const std::string& name) {
  return name == "visible_type" || name == "hidden_type" || name == "format_version";
}

std::vector<std::int64_t> require_rank(const h5::File& file, const std::string& dataset,
                                       std::size_t rank) {
  if (!file.exists(dataset))
    throw FileError(file.path(), fmt::format("missing dataset '{}'", dataset));
  std::vector<std::int64_t> shape = file.shape(dataset);
  if (shape.size() != rank) {
    throw FileError(file.path(), fmt::format("dataset '{}' has rank {}, expected {}", dataset,
                                             shape.size(), rank));
  }
  return shape;
}

UnitType read_unit_type(const h5::File& file, const std::string& name) {
  const std::string text = file.string_attribute(kGroup, name);
  try {
    return parse_unit_type(text);
  } catch (const Error& e) {
    throw FileError(file.path(), fmt::format("attribute '{}' of '{}': {}", name, kGroup, e.what()));
  }
}

}  // namespace

// Format: DESIGN.md "Model file (HDF5)"; see model.hpp.
void save_rbm(const std::string& path, const Rbm& rbm,
              const std::map<std::string, std::string>& attributes) {
  try {
    rbm.validate();
  } catch (const Error& e) {
    throw FileError(path, fmt::format("refusing to save an invalid model: {}", e.what()));
  }
  for (const auto& [name, value] : attributes) {
    if (is_reserved(name)) {
      throw FileError(path,
                      fmt::format("attribute name '{}' is reserved by the model format", name));
    }
  }
  AtomicFile out(path);
  {
    h5::File file = h5::File::create(out.temp_path());
    file.write("/rbm/weights", rbm.weights());
    file.write("/rbm/visible_bias", rbm.visible_bias());
    file.write("/rbm/hidden_bias", rbm.hidden_bias());
    file.set_attribute(kGroup, "visible_type", std::string(to_string(rbm.visible_type())));
    file.set_attribute(kGroup, "hidden_type", std::string(to_string(rbm.hidden_type())));
    file.set_attribute(kGroup, "format_version", std::int64_t{kModelFormatVersion});
    // Every output file records the library that wrote it (core/version.hpp); an explicit
    // caller-supplied value wins.
    if (attributes.count("rgflow_version") == 0) {
      file.set_attribute(kGroup, "rgflow_version", std::string(version()));
    }
    for (const auto& [name, value] : attributes) file.set_attribute(kGroup, name, value);
    file.close();
  }
  out.commit();
}

Rbm load_rbm(const std::string& path, std::map<std::string, std::string>* attributes) {
  const h5::File file = h5::File::open(path);
  if (!file.exists(kGroup)) throw FileError(path, "not an rgflow model: no group '/rbm'");
  if (!file.has_attribute(kGroup, "format_version")) {
    throw FileError(path, "not an rgflow model: '/rbm' has no attribute 'format_version'");
  }
  const std::int64_t format = file.int_attribute(kGroup, "format_version");
  if (format != kModelFormatVersion) {
    throw FileError(path, fmt::format("unsupported model format_version {} (this build reads {})",
                                      format, kModelFormatVersion));
  }
  const UnitType visible = read_unit_type(file, "visible_type");
  const UnitType hidden = read_unit_type(file, "hidden_type");

  const auto w_shape = require_rank(file, "/rbm/weights", 2);
  const auto a_shape = require_rank(file, "/rbm/visible_bias", 1);
  const auto b_shape = require_rank(file, "/rbm/hidden_bias", 1);
  if (w_shape[0] < 1 || w_shape[1] < 1) {
    throw FileError(path, fmt::format("'/rbm/weights' has shape [{}, {}]; a model needs at least "
                                      "one visible and one hidden unit",
                                      w_shape[0], w_shape[1]));
  }
  if (a_shape[0] != w_shape[0]) {
    throw FileError(path, fmt::format("'/rbm/visible_bias' has {} entries but '/rbm/weights' has "
                                      "{} rows (n_visible)",
                                      a_shape[0], w_shape[0]));
  }
  if (b_shape[0] != w_shape[1]) {
    throw FileError(path, fmt::format("'/rbm/hidden_bias' has {} entries but '/rbm/weights' has "
                                      "{} columns (n_hidden)",
                                      b_shape[0], w_shape[1]));
  }

  Rbm rbm;
  try {
    rbm = Rbm(w_shape[0], w_shape[1], visible, hidden);
  } catch (const FileError&) {
    throw;
  } catch (const Error& e) {
    throw FileError(path, e.what());  // e.g. gaussian units, not supported yet
  }
  rbm.weights() = file.read_matrix("/rbm/weights");
  rbm.visible_bias() = file.read_vector("/rbm/visible_bias");
  rbm.hidden_bias() = file.read_vector("/rbm/hidden_bias");
  const std::pair<const char*, bool> finite[] = {
      {"/rbm/weights", rbm.weights().allFinite()},
      {"/rbm/visible_bias", rbm.visible_bias().allFinite()},
      {"/rbm/hidden_bias", rbm.hidden_bias().allFinite()}};
  for (const auto& [name, ok] : finite) {
    if (!ok)
      throw FileError(path, fmt::format("dataset '{}' contains NaN or infinite values", name));
  }

  if (attributes != nullptr) {
    *attributes = file.attributes(kGroup);
    for (const char* name : {"visible_type", "hidden_type", "format_version"})
      attributes->erase(name);
  }
  return rbm;
}

}  // namespace rgflow::io
