#include "rgflow/io/model_group.hpp"

#include <fmt/format.h>

#include "rgflow/core/error.hpp"
#include "rgflow/core/version.hpp"
#include "rgflow/io/atomic_file.hpp"

namespace rgflow::io {

void save_model_group(const std::string& path, const ModelGroup& model,
                      const std::map<std::string, std::string>& extra,
                      const std::function<void(h5::File&)>& fill) {
  for (const auto& [name, value] : extra) {
    if (name == "format_version" || model.fixed.count(name) != 0 || model.fixed_ints.count(name) != 0) {
      throw FileError(path, fmt::format("attribute name '{}' is reserved by the file format", name));
    }
  }
  AtomicFile out(path);
  {
    h5::File file = h5::File::create(out.temp_path());
    try {
      fill(file);
      for (const auto& [name, value] : model.fixed) file.set_attribute(model.group, name, value);
      for (const auto& [name, value] : model.fixed_ints) file.set_attribute(model.group, name, value);
      file.set_attribute(model.group, "format_version", model.format_version);
      if (extra.count("rgflow_version") == 0) {
        file.set_attribute(model.group, "rgflow_version", std::string(version()));
      }
      for (const auto& [name, value] : extra) file.set_attribute(model.group, name, value);
    } catch (const FileError& e) {
      throw out.for_destination(e);
    }
    file.close();
  }
  out.commit();
}

h5::File open_model_group(const std::string& path, const std::string& group,
                          std::int64_t format_version, const char* kind) {
  h5::File file = h5::File::open(path);
  if (!file.exists(group)) throw FileError(path, fmt::format("not {}: no group '{}'", kind, group));
  if (!file.has_attribute(group, "format_version")) {
    throw FileError(path, fmt::format("not {}: '{}' has no attribute 'format_version'", kind, group));
  }
  const std::int64_t v = file.int_attribute(group, "format_version");
  if (v != format_version) {
    throw FileError(path, fmt::format("unsupported format_version {} of '{}' (this build reads {})",
                                      v, group, format_version));
  }
  return file;
}

std::vector<std::int64_t> dataset_shape(const h5::File& file, const std::string& dataset,
                                        std::size_t rank) {
  if (!file.exists(dataset)) throw FileError(file.path(), fmt::format("missing dataset '{}'", dataset));
  std::vector<std::int64_t> shape = file.shape(dataset);
  if (shape.size() != rank) {
    throw FileError(file.path(), fmt::format("dataset '{}' has rank {}, expected {}", dataset,
                                             shape.size(), rank));
  }
  return shape;
}

MatrixD read_finite_matrix(const h5::File& file, const std::string& dataset, Index rows, Index cols) {
  const auto shape = dataset_shape(file, dataset, 2);
  if ((rows >= 0 && shape[0] != rows) || (cols >= 0 && shape[1] != cols) || shape[0] < 1 || shape[1] < 1) {
    throw FileError(file.path(), fmt::format("dataset '{}' has shape [{}, {}], expected [{}, {}]", dataset,
                                             shape[0], shape[1], rows >= 0 ? fmt::format("{}", rows) : "n",
                                             cols >= 0 ? fmt::format("{}", cols) : "m"));
  }
  MatrixD m = file.read_matrix_double(dataset);
  if (!m.allFinite()) {
    throw FileError(file.path(), fmt::format("dataset '{}' contains NaN or infinite values", dataset));
  }
  return m;
}

std::map<std::string, std::string> free_attributes(const h5::File& file, const std::string& group,
                                                   std::initializer_list<const char*> reserved) {
  std::map<std::string, std::string> a = file.attributes(group);
  a.erase("format_version");
  for (const char* name : reserved) a.erase(name);
  return a;
}

}  // namespace rgflow::io
