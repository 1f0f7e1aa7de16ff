#pragma once
// RBM model files (HDF5), per docs/file-formats.md and shared DESIGN.md:
//   /rbm/weights       float32 [n_visible, n_hidden]
//   /rbm/visible_bias  float32 [n_visible]
//   /rbm/hidden_bias   float32 [n_hidden]
//   attributes on /rbm: visible_type, hidden_type ("bernoulli" | "spin" | "gaussian"),
//   format_version (int, 1), plus free-form string attributes (seed, training parameters, ...)
// readable with h5py. A DBN stores layers as /dbn/layer_0, /dbn/layer_1, ... (later issue).
#include <map>
#include <string>

#include "rgflow/rbm/rbm.hpp"

namespace rgflow::io {

inline constexpr int kModelFormatVersion = 1;

// Atomic: writes PATH.tmp-XXXX then renames. `attributes` become string attributes of /rbm.
void save_rbm(const std::string& path, const Rbm& rbm,
              const std::map<std::string, std::string>& attributes = {});
// Throws FileError on a missing/corrupt file, missing datasets, wrong shapes, unknown unit
// types or non-finite parameters.
Rbm load_rbm(const std::string& path, std::map<std::string, std::string>* attributes = nullptr);

}  // namespace rgflow::io
