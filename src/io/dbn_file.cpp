#include "rgflow/io/dbn_file.hpp"

#include <fmt/format.h>

#include "rgflow/core/error.hpp"
#include "rgflow/core/version.hpp"
#include "rgflow/io/atomic_file.hpp"
#include "rgflow/io/hdf5.hpp"
#include "rgflow/io/model.hpp"

namespace rgflow::io {

namespace {

constexpr const char* kGroup = "/dbn";

bool is_reserved(const std::string& name) { return name == "n_layers" || name == "format_version"; }

}  // namespace

std::string dbn_layer_group(Index k) { return fmt::format("{}/layer_{}", kGroup, k); }

void save_dbn(const std::string& path, const Dbn& dbn,
              const std::map<std::string, std::string>& attributes,
              const std::vector<std::map<std::string, std::string>>& layer_attributes) {
  try {
    dbn.validate();
  } catch (const Error& e) {
    throw FileError(path, fmt::format("refusing to save an invalid DBN: {}", e.what()));
  }
  for (const auto& [name, value] : attributes) {
    if (is_reserved(name)) {
      throw FileError(path, fmt::format("attribute name '{}' is reserved by the DBN format", name));
    }
  }
  if (!layer_attributes.empty() && static_cast<Index>(layer_attributes.size()) != dbn.n_layers()) {
    throw FileError(path, fmt::format("{} layer attribute maps for a DBN of {} layers",
                                      layer_attributes.size(), dbn.n_layers()));
  }
  AtomicFile out(path);
  {
    h5::File file = h5::File::create(out.temp_path());
    try {
      for (Index k = 0; k < dbn.n_layers(); ++k) {
        write_rbm(file, dbn_layer_group(k), dbn.layer(k),
                  layer_attributes.empty() ? std::map<std::string, std::string>{}
                                           : layer_attributes[static_cast<std::size_t>(k)]);
      }
      file.set_attribute(kGroup, "n_layers", std::int64_t{dbn.n_layers()});
      file.set_attribute(kGroup, "format_version", std::int64_t{kDbnFormatVersion});
      if (attributes.count("rgflow_version") == 0) {
        file.set_attribute(kGroup, "rgflow_version", std::string(version()));
      }
      for (const auto& [name, value] : attributes) file.set_attribute(kGroup, name, value);
    } catch (const FileError& e) {
      throw out.for_destination(e);
    }
    file.close();
  }
  out.commit();
}

Dbn load_dbn(const std::string& path, std::map<std::string, std::string>* attributes,
             std::vector<std::map<std::string, std::string>>* layer_attributes) {
  const h5::File file = h5::File::open(path);
  if (!file.exists(kGroup)) throw FileError(path, fmt::format("not an rgflow DBN: no group '{}'", kGroup));
  for (const char* name : {"format_version", "n_layers"}) {
    if (!file.has_attribute(kGroup, name)) {
      throw FileError(path, fmt::format("not an rgflow DBN: '{}' has no attribute '{}'", kGroup, name));
    }
  }
  const std::int64_t format = file.int_attribute(kGroup, "format_version");
  if (format != kDbnFormatVersion) {
    throw FileError(path, fmt::format("unsupported DBN format_version {} (this build reads {})",
                                      format, kDbnFormatVersion));
  }
  const std::int64_t n_layers = file.int_attribute(kGroup, "n_layers");
  if (n_layers < 1) {
    throw FileError(path, fmt::format("attribute 'n_layers' of '{}' is {}; a DBN needs at least one "
                                      "layer", kGroup, n_layers));
  }
  if (file.exists(dbn_layer_group(n_layers))) {
    throw FileError(path, fmt::format("'{}' holds group '{}' beyond n_layers = {}", kGroup,
                                      dbn_layer_group(n_layers), n_layers));
  }
  Dbn dbn;
  std::vector<std::map<std::string, std::string>> per_layer;
  for (Index k = 0; k < n_layers; ++k) {
    const std::string group = dbn_layer_group(k);
    if (!file.exists(group)) {
      throw FileError(path, fmt::format("missing group '{}' (n_layers = {})", group, n_layers));
    }
    std::map<std::string, std::string> layer_attrs;
    Rbm rbm = read_rbm(file, group, &layer_attrs);
    try {
      dbn.add_layer(std::move(rbm));
    } catch (const FileError&) {
      throw;
    } catch (const Error& e) {
      throw FileError(path, fmt::format("group '{}': {}", group, e.what()));
    }
    per_layer.push_back(std::move(layer_attrs));
  }
  if (attributes != nullptr) {
    *attributes = file.attributes(kGroup);
    for (const char* name : {"n_layers", "format_version"}) attributes->erase(name);
  }
  if (layer_attributes != nullptr) *layer_attributes = std::move(per_layer);
  return dbn;
}

}  // namespace rgflow::io
