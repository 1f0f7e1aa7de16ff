#include "rgflow/hopfield/file.hpp"

#include <fmt/format.h>

#include <vector>

#include "rgflow/core/error.hpp"
#include "rgflow/io/model_group.hpp"

namespace rgflow::hopfield {

namespace {

constexpr const char* kGroup = "/hopfield";
constexpr const char* kPatterns = "/hopfield/patterns";

std::string energy_text(Rule rule) {
  return rule == Rule::hebb ? "-1/(2N) sum_mu (xi_mu . s)^2, diagonal kept"
                            : "-1/2 s^T J s, J = pinv(Xi) Xi, diagonal kept";
}

}  // namespace

void save_network(const std::string& path, const Network& net,
                  const std::map<std::string, std::string>& attributes) {
  io::ModelGroup g;
  g.group = kGroup;
  g.format_version = kFileFormatVersion;
  g.fixed = {{"rule", std::string(to_string(net.rule()))},
             {"energy", energy_text(net.rule())},
             {"dynamics_diagonal", "zero"}};
  g.fixed_ints = {{"n_neurons", net.n_neurons()}, {"n_patterns", net.n_patterns()}};
  io::save_model_group(path, g, attributes, [&](io::h5::File& file) {
    const MatrixF& xi = net.patterns();
    std::vector<std::int8_t> values(static_cast<std::size_t>(xi.size()));
    for (Index k = 0; k < xi.size(); ++k) values[static_cast<std::size_t>(k)] = xi.data()[k] > 0 ? 1 : -1;
    file.write(kPatterns, values, {xi.rows(), xi.cols()});
  });
}

Network load_network(const std::string& path, std::map<std::string, std::string>* attributes) {
  const io::h5::File file = io::open_model_group(path, kGroup, kFileFormatVersion, "a Hopfield network file");
  const auto shape = io::dataset_shape(file, kPatterns, 2);
  if (shape[0] < 1 || shape[1] < 2) {
    throw FileError(path, fmt::format("'{}' has shape [{}, {}]: need at least one pattern of two "
                                      "neurons", kPatterns, shape[0], shape[1]));
  }
  const std::pair<const char*, std::int64_t> sizes[] = {{"n_neurons", shape[1]}, {"n_patterns", shape[0]}};
  for (const auto& [name, expected] : sizes) {
    if (file.has_attribute(kGroup, name) && file.int_attribute(kGroup, name) != expected) {
      throw FileError(path, fmt::format("attribute '{}' is {} but '{}' has {}", name,
                                        file.int_attribute(kGroup, name), kPatterns, expected));
    }
  }
  Rule rule = Rule::hebb;
  try {
    rule = parse_rule(file.string_attribute(kGroup, "rule"));
  } catch (const FileError&) {
    throw;
  } catch (const Error& e) {
    throw FileError(path, fmt::format("attribute 'rule' of '{}': {}", kGroup, e.what()));
  }
  MatrixF xi = file.read_matrix(kPatterns);
  if (!(xi.array() == 1.0f || xi.array() == -1.0f).all()) {
    throw FileError(path, fmt::format("dataset '{}' has entries other than -1 and +1", kPatterns));
  }
  if (attributes != nullptr) {
    *attributes = io::free_attributes(file, kGroup, {"rule", "energy", "dynamics_diagonal", "n_neurons", "n_patterns"});
  }
  return Network(std::move(xi), rule);
}

}  // namespace rgflow::hopfield
