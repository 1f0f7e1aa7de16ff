// Convolutional RBM files (include/rgflow/conv/file.hpp).
#include "rgflow/conv/file.hpp"

#include <fmt/format.h>

#include "rgflow/core/error.hpp"
#include "rgflow/io/model_group.hpp"

namespace rgflow::conv {

namespace {
constexpr const char* kGroup = "/conv_rbm";

VectorF read_finite_vector(const io::h5::File& file, const std::string& dataset, Index size) {
  const std::vector<std::int64_t> shape = io::dataset_shape(file, dataset, 1);
  if (shape[0] != size) {
    throw FileError(file.path(), fmt::format("{} has {} entries, expected {}", dataset, shape[0], size));
  }
  VectorF v = file.read_vector(dataset);
  if (!v.allFinite()) throw FileError(file.path(), fmt::format("{} holds a value that is not finite", dataset));
  return v;
}
}  // namespace

void save_model(const std::string& path, const ConvRbm& m, const std::map<std::string, std::string>& attributes) {
  save_model(path, m, attributes, {});
}

void save_model(const std::string& path, const ConvRbm& m, const std::map<std::string, std::string>& attributes,
                const std::function<void(io::h5::File&)>& extra) {
  m.validate();
  io::ModelGroup g;
  g.group = kGroup;
  g.format_version = kFileFormatVersion;
  g.fixed = {{"visible_type", std::string(rgflow::to_string(m.visible_type()))},
             {"hidden_type", std::string(rgflow::to_string(m.hidden_type()))}};
  const ConvShape& s = m.shape();
  g.fixed_ints = {{"lattice", s.lattice}, {"kernel", s.kernel}, {"stride", s.stride}, {"channels", s.channels}};
  io::save_model_group(path, g, attributes, [&](io::h5::File& file) {
    file.write("/conv_rbm/kernels", m.kernels());
    file.write("/conv_rbm/hidden_bias", VectorF(m.hidden_bias()));
    file.write("/conv_rbm/visible_bias", VectorF(VectorF::Constant(1, m.visible_bias())));
    if (extra) extra(file);
  });
}

ConvRbm load_model(const std::string& path, std::map<std::string, std::string>* attributes) {
  const io::h5::File file = io::open_model_group(path, kGroup, kFileFormatVersion, "a convolutional RBM file");
  ConvShape s;
  UnitType visible = UnitType::spin, hidden = UnitType::spin;
  try {
    s.lattice = file.int_attribute(kGroup, "lattice");
    s.kernel = file.int_attribute(kGroup, "kernel");
    s.stride = file.int_attribute(kGroup, "stride");
    s.channels = file.int_attribute(kGroup, "channels");
    visible = parse_unit_type(file.string_attribute(kGroup, "visible_type"));
    hidden = parse_unit_type(file.string_attribute(kGroup, "hidden_type"));
    s.check();
  } catch (const FileError&) {
    throw;
  } catch (const Error& e) {
    throw FileError(path, e.what());
  }
  if (!is_binary(visible) || !is_binary(hidden)) {
    throw FileError(path, "convolutional RBMs have binary units only (bernoulli or spin)");
  }
  ConvRbm m(s, visible, hidden);
  m.kernels() = io::read_finite_matrix(file, "/conv_rbm/kernels", s.channels, s.kernel_size()).cast<float>();
  m.hidden_bias() = read_finite_vector(file, "/conv_rbm/hidden_bias", s.channels);
  m.visible_bias() = read_finite_vector(file, "/conv_rbm/visible_bias", 1)[0];
  if (attributes != nullptr) {
    *attributes = io::free_attributes(file, kGroup,
                                      {"lattice", "kernel", "stride", "channels", "visible_type", "hidden_type"});
  }
  return m;
}

}  // namespace rgflow::conv
