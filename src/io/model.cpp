#include "rgflow/io/model.hpp"

#include <fmt/format.h>

#include <cmath>
#include <utility>

#include "rgflow/core/error.hpp"
#include "rgflow/core/quote.hpp"
#include "rgflow/core/version.hpp"
#include "rgflow/io/atomic_file.hpp"
#include "rgflow/io/hdf5.hpp"

namespace rgflow::io {

namespace {

constexpr const char* kGroup = "/rbm";

// Attributes with a fixed meaning in the model format; callers may not override them.
bool is_reserved(const std::string& name) {
  return name == "visible_type" || name == "hidden_type" || name == "format_version" ||
         name == "learn_sigma";
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

UnitType read_unit_type(const h5::File& file, const std::string& group, const std::string& name) {
  const std::string text = file.string_attribute(group, name);
  try {
    return parse_unit_type(text);
  } catch (const Error& e) {
    throw FileError(file.path(), fmt::format("attribute '{}' of '{}': {}", name, group, e.what()));
  }
}

}  // namespace

void write_rbm(h5::File& file, const std::string& group, const Rbm& rbm,
               const std::map<std::string, std::string>& attributes) {
  try {
    rbm.validate();
  } catch (const Error& e) {
    throw FileError(file.path(), fmt::format("refusing to save an invalid model: {}", e.what()));
  }
  for (const auto& [name, value] : attributes) {
    if (is_reserved(name)) {
      throw FileError(file.path(),
                      fmt::format("attribute name '{}' is reserved by the model format", name));
    }
  }
  file.write(group + "/weights", rbm.weights());
  file.write(group + "/visible_bias", rbm.visible_bias());
  file.write(group + "/hidden_bias", rbm.hidden_bias());
  // Locally connected RBMs (Rbm::mask): optional float32 [n_visible, n_hidden] of 0/1.
  if (rbm.has_mask()) file.write(group + "/mask", rbm.mask());
  if (rbm.visible_type() == UnitType::gaussian) {
    file.write(group + "/visible_sigma", rbm.visible_sigma());
    file.set_attribute(group, "learn_sigma", std::string(rbm.learn_sigma() ? "true" : "false"));
  }
  if (rbm.hidden_type() == UnitType::gaussian) file.write(group + "/hidden_sigma", rbm.hidden_sigma());
  file.set_attribute(group, "visible_type", std::string(to_string(rbm.visible_type())));
  file.set_attribute(group, "hidden_type", std::string(to_string(rbm.hidden_type())));
  file.set_attribute(group, "format_version", std::int64_t{kModelFormatVersion});
  // Every output file records the library that wrote it (core/version.hpp); an explicit
  // caller-supplied value wins.
  if (attributes.count("rgflow_version") == 0) {
    file.set_attribute(group, "rgflow_version", std::string(version()));
  }
  for (const auto& [name, value] : attributes) file.set_attribute(group, name, value);
}

Rbm read_rbm(const h5::File& file, const std::string& group,
             std::map<std::string, std::string>* attributes) {
  const std::string& path = file.path();
  if (!file.exists(group)) throw FileError(path, fmt::format("not an rgflow model: no group '{}'", group));
  if (!file.has_attribute(group, "format_version")) {
    throw FileError(path, fmt::format("not an rgflow model: '{}' has no attribute 'format_version'", group));
  }
  const std::int64_t format = file.int_attribute(group, "format_version");
  if (format != kModelFormatVersion) {
    throw FileError(path, fmt::format("unsupported model format_version {} (this build reads {})",
                                      format, kModelFormatVersion));
  }
  const UnitType visible = read_unit_type(file, group, "visible_type");
  const UnitType hidden = read_unit_type(file, group, "hidden_type");

  const std::string weights = group + "/weights";
  const std::string visible_bias = group + "/visible_bias";
  const std::string hidden_bias = group + "/hidden_bias";
  const auto w_shape = require_rank(file, weights, 2);
  const auto a_shape = require_rank(file, visible_bias, 1);
  const auto b_shape = require_rank(file, hidden_bias, 1);
  if (w_shape[0] < 1 || w_shape[1] < 1) {
    throw FileError(path, fmt::format("'{}' has shape [{}, {}]; a model needs at least "
                                      "one visible and one hidden unit",
                                      weights, w_shape[0], w_shape[1]));
  }
  if (a_shape[0] != w_shape[0]) {
    throw FileError(path, fmt::format("'{}' has {} entries but '{}' has {} rows (n_visible)",
                                      visible_bias, a_shape[0], weights, w_shape[0]));
  }
  if (b_shape[0] != w_shape[1]) {
    throw FileError(path, fmt::format("'{}' has {} entries but '{}' has {} columns (n_hidden)",
                                      hidden_bias, b_shape[0], weights, w_shape[1]));
  }
  // The same element cap as every read (h5::kMaxReadElements), checked here because the model
  // is allocated before its datasets are read.
  if (w_shape[0] > h5::kMaxReadElements / w_shape[1]) {
    throw FileError(path, fmt::format("'{}' has shape [{}, {}]: more than {} weights (corrupt "
                                      "file?)",
                                      weights, w_shape[0], w_shape[1], h5::kMaxReadElements));
  }

  Rbm rbm;
  try {
    rbm = Rbm(w_shape[0], w_shape[1], visible, hidden);
  } catch (const FileError&) {
    throw;
  } catch (const Error& e) {
    throw FileError(path, e.what());  // e.g. gaussian units on both layers
  }
  rbm.weights() = file.read_matrix(weights);
  rbm.visible_bias() = file.read_vector(visible_bias);
  rbm.hidden_bias() = file.read_vector(hidden_bias);
  // Gaussian units: σ per unit (required); visible ones also whether training updates it.
  const auto read_sigma = [&](const char* name, Index n, const char* count, VectorF& out) {
    const std::string sigma = group + "/" + name;
    const auto s_shape = require_rank(file, sigma, 1);
    if (s_shape[0] != n) {
      throw FileError(path, fmt::format("'{}' has {} entries but '{}' has {} {}", sigma, s_shape[0],
                                        weights, n, count));
    }
    out = file.read_vector(sigma);
    for (Index i = 0; i < n; ++i) {
      const float x = out[i];
      if (!(x > 0.0f) || !std::isfinite(x)) {
        throw FileError(path, fmt::format("dataset '{}' entry {} is {}; sigma must be positive "
                                          "and finite", sigma, i, x));
      }
    }
  };
  if (hidden == UnitType::gaussian) {
    read_sigma("hidden_sigma", w_shape[1], "columns (n_hidden)", rbm.hidden_sigma());
  }
  if (visible == UnitType::gaussian) {
    read_sigma("visible_sigma", w_shape[0], "rows (n_visible)", rbm.visible_sigma());
    if (file.has_attribute(group, "learn_sigma")) {
      const std::string learn = file.string_attribute(group, "learn_sigma");
      if (learn != "true" && learn != "false") {
        throw FileError(path, fmt::format("attribute 'learn_sigma' of '{}' is {} (expected "
                                          "true or false)", group, quote(learn)));
      }
      rbm.set_learn_sigma(learn == "true");
    }
  }
  const std::pair<const std::string*, bool> finite[] = {
      {&weights, rbm.weights().allFinite()},
      {&visible_bias, rbm.visible_bias().allFinite()},
      {&hidden_bias, rbm.hidden_bias().allFinite()}};
  for (const auto& [name, ok] : finite) {
    if (!ok)
      throw FileError(path, fmt::format("dataset '{}' contains NaN or infinite values", *name));
  }

  const std::string mask = group + "/mask";
  if (file.exists(mask)) {
    const auto m_shape = require_rank(file, mask, 2);
    if (m_shape[0] != w_shape[0] || m_shape[1] != w_shape[1]) {
      throw FileError(path, fmt::format("'{}' has shape [{}, {}] but '{}' has shape [{}, {}]", mask,
                                        m_shape[0], m_shape[1], weights, w_shape[0], w_shape[1]));
    }
    MatrixF m = file.read_matrix(mask);
    if (!(m.array() == 0.0f || m.array() == 1.0f).all()) {
      throw FileError(path, fmt::format("dataset '{}' has entries other than 0 and 1", mask));
    }
    if (((m.array() == 0.0f) && (rbm.weights().array() != 0.0f)).any()) {
      throw FileError(path, fmt::format("'{}' has nonzero weights where '{}' is 0", weights, mask));
    }
    rbm.set_mask(std::move(m));
  }

  // A stored standardisation must be valid whether or not this caller uses it (every command
  // that reads a model refuses one with a zero scale or a mean without a scale).
  read_standardization(file, group, rbm.n_visible());

  if (attributes != nullptr) {
    *attributes = file.attributes(group);
    for (const char* name : {"visible_type", "hidden_type", "format_version", "learn_sigma"})
      attributes->erase(name);
  }
  return rbm;
}

// Format: DESIGN.md "Model file (HDF5)"; see model.hpp.
void save_rbm(const std::string& path, const Rbm& rbm,
              const std::map<std::string, std::string>& attributes) {
  save_rbm(path, rbm, attributes, nullptr);
}

void save_rbm(const std::string& path, const Rbm& rbm,
              const std::map<std::string, std::string>& attributes,
              const Standardization* standardization) {
  AtomicFile out(path);
  {
    h5::File file = h5::File::create(out.temp_path());
    try {
      write_rbm(file, kGroup, rbm, attributes);
      if (standardization != nullptr) {
        if (standardization->mean.size() != rbm.n_visible() ||
            standardization->scale.size() != rbm.n_visible()) {
          throw FileError(file.path(), "the standardisation does not match the visible layer");
        }
        file.write(std::string(kGroup) + "/standardize_mean", standardization->mean);
        file.write(std::string(kGroup) + "/standardize_scale", standardization->scale);
      }
    } catch (const FileError& e) {
      throw out.for_destination(e);
    }
    file.close();
  }
  out.commit();
}

Rbm load_rbm(const std::string& path, std::map<std::string, std::string>* attributes) {
  const h5::File file = h5::File::open(path);
  return read_rbm(file, kGroup, attributes);
}

std::optional<Standardization> read_standardization(const h5::File& file, const std::string& group,
                                                    Index n_visible) {
  const std::string mean = group + "/standardize_mean";
  const std::string scale = group + "/standardize_scale";
  const bool has_mean = file.exists(mean);
  const bool has_scale = file.exists(scale);
  if (!has_mean && !has_scale) return std::nullopt;
  if (has_mean != has_scale) {
    throw FileError(file.path(), fmt::format("'{}' without '{}'", has_mean ? mean : scale,
                                             has_mean ? scale : mean));
  }
  for (const std::string* name : {&mean, &scale}) {
    const auto shape = require_rank(file, *name, 1);
    if (shape[0] != n_visible) {
      throw FileError(file.path(), fmt::format("'{}' has {} entries but the model has {} visible "
                                               "units", *name, shape[0], n_visible));
    }
  }
  Standardization s;
  s.mean = file.read_vector(mean);
  s.scale = file.read_vector(scale);
  if (!s.mean.allFinite()) {
    throw FileError(file.path(), fmt::format("dataset '{}' contains NaN or infinite values", mean));
  }
  for (Index i = 0; i < n_visible; ++i) {
    if (!(s.scale[i] > 0.0f) || !std::isfinite(s.scale[i])) {
      throw FileError(file.path(), fmt::format("dataset '{}' entry {} is {}; scales must be "
                                               "positive and finite", scale, i, s.scale[i]));
    }
  }
  return s;
}

std::optional<Standardization> load_standardization(const std::string& path, Index n_visible) {
  const h5::File file = h5::File::open(path);
  return read_standardization(file, kGroup, n_visible);
}

}  // namespace rgflow::io
