#pragma once
// Autoencoder files (HDF5; docs/file-formats.md, "Autoencoder file"):
//   /autoencoder/layer_ℓ/weights       float32 [n_in, n_out]   (ℓ = 0 … n_layers − 1, bottom first)
//   /autoencoder/layer_ℓ/hidden_bias   float32 [n_out]
//   /autoencoder/layer_ℓ/visible_bias  float32 [n_in]
//   attributes on /autoencoder: n_layers, format_version (1), units ("sigmoid"), weights ("tied"),
//   rgflow_version, plus free-form string attributes (corruption, contraction, epochs, learning
//   rate, seed, data file, command line).
#include <map>
#include <string>

#include "rgflow/autoencoder/autoencoder.hpp"

namespace rgflow::autoencoder {

inline constexpr int kFileFormatVersion = 1;

void save_model(const std::string& path, const Autoencoder& ae,
                const std::map<std::string, std::string>& attributes = {});
// FileError on a missing/corrupt file, a missing layer or dataset, mismatched shapes or
// non-finite parameters.
Autoencoder load_model(const std::string& path, std::map<std::string, std::string>* attributes = nullptr);

}  // namespace rgflow::autoencoder
