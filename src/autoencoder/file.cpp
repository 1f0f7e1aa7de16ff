#include "rgflow/autoencoder/file.hpp"

#include <fmt/format.h>

#include "rgflow/core/error.hpp"
#include "rgflow/io/model_group.hpp"

namespace rgflow::autoencoder {

namespace {
constexpr const char* kGroup = "/autoencoder";
std::string layer_group(std::size_t l) { return fmt::format("{}/layer_{}", kGroup, l); }
}  // namespace

void save_model(const std::string& path, const Autoencoder& ae,
                const std::map<std::string, std::string>& attributes) {
  try {
    ae.validate();
  } catch (const Error& e) {
    throw FileError(path, fmt::format("refusing to save an invalid autoencoder: {}", e.what()));
  }
  io::ModelGroup g;
  g.group = kGroup;
  g.format_version = kFileFormatVersion;
  g.fixed = {{"units", "sigmoid"}, {"weights", "tied"}};
  g.fixed_ints = {{"n_layers", static_cast<std::int64_t>(ae.layers.size())}};
  io::save_model_group(path, g, attributes, [&](io::h5::File& file) {
    for (std::size_t l = 0; l < ae.layers.size(); ++l) {
      file.write(layer_group(l) + "/weights", ae.layers[l].weights);
      file.write(layer_group(l) + "/hidden_bias", ae.layers[l].hidden_bias);
      file.write(layer_group(l) + "/visible_bias", ae.layers[l].visible_bias);
    }
  });
}

Autoencoder load_model(const std::string& path, std::map<std::string, std::string>* attributes) {
  const io::h5::File file = io::open_model_group(path, kGroup, kFileFormatVersion, "an autoencoder file");
  const std::int64_t n = file.int_attribute(kGroup, "n_layers");
  if (n < 1 || n > 1000) throw FileError(path, fmt::format("attribute 'n_layers' is {}", n));
  Autoencoder ae;
  for (std::size_t l = 0; l < static_cast<std::size_t>(n); ++l) {
    const std::string g = layer_group(l);
    const auto w = io::dataset_shape(file, g + "/weights", 2);
    const auto b = io::dataset_shape(file, g + "/hidden_bias", 1);
    const auto c = io::dataset_shape(file, g + "/visible_bias", 1);
    if (b[0] != w[1] || c[0] != w[0]) {
      throw FileError(path, fmt::format("'{}': weights [{}, {}] with biases of {} (hidden) and {} (visible)",
                                        g, w[0], w[1], b[0], c[0]));
    }
    ae.layers.push_back({file.read_matrix(g + "/weights"), file.read_vector(g + "/hidden_bias"),
                         file.read_vector(g + "/visible_bias")});
  }
  try {
    ae.validate();
  } catch (const Error& e) {
    throw FileError(path, e.what());
  }
  if (attributes != nullptr) *attributes = io::free_attributes(file, kGroup, {"units", "weights", "n_layers"});
  return ae;
}

}  // namespace rgflow::autoencoder
