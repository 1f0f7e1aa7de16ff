#pragma once
// DBN model files (HDF5; DESIGN.md "Model file"), readable with h5py:
//   /dbn                 group; attributes n_layers (int), format_version (int, 1),
//                        rgflow_version, plus free-form string attributes (seed, training, ...)
//   /dbn/layer_k         k = 0 … n_layers−1, bottom-up: one RBM each in the model layout of
//                        io/model.hpp (weights [n_visible, n_hidden], visible_bias, hidden_bias,
//                        attributes visible_type, hidden_type, format_version, ...), written by
//                        io::write_rbm and read by io::read_rbm
// Layer k's visible layer is layer k−1's hidden layer: shapes and unit types must chain.
#include <map>
#include <string>
#include <vector>

#include "rgflow/rbm/dbn.hpp"

namespace rgflow::io {

inline constexpr int kDbnFormatVersion = 1;

// Name of layer k's group, "/dbn/layer_k".
std::string dbn_layer_group(Index k);

// Atomic (AtomicFile: a temporary next to `path`, renamed on success). `attributes` become
// string attributes of /dbn; `layer_attributes` (empty, or one map per layer) become string
// attributes of /dbn/layer_k. Throws FileError naming `path` for an invalid DBN (Dbn::validate),
// reserved attribute names (n_layers, format_version; the RBM ones per layer) or I/O failure.
void save_dbn(const std::string& path, const Dbn& dbn,
              const std::map<std::string, std::string>& attributes = {},
              const std::vector<std::map<std::string, std::string>>& layer_attributes = {});

// Throws FileError naming `path` (and the group) for: a missing/corrupt file, no /dbn group or
// attributes, an unsupported format_version, n_layers < 1, a missing /dbn/layer_k, a stored
// layer beyond n_layers, any error of io::read_rbm, or layers that do not chain.
Dbn load_dbn(const std::string& path, std::map<std::string, std::string>* attributes = nullptr,
             std::vector<std::map<std::string, std::string>>* layer_attributes = nullptr);

}  // namespace rgflow::io
