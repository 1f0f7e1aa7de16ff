#pragma once
// RBM model files (HDF5), per docs/file-formats.md and shared DESIGN.md:
//   /rbm/weights       float32 [n_visible, n_hidden]
//   /rbm/visible_bias  float32 [n_visible]
//   /rbm/hidden_bias   float32 [n_hidden]
//   /rbm/mask          float32 [n_visible, n_hidden], optional: 0/1 weight mask of a locally
//                      connected RBM (Rbm::mask; masked weights must be 0)
//   attributes on /rbm: visible_type, hidden_type ("bernoulli" | "spin" | "gaussian"),
//   format_version (int, 1), plus free-form string attributes (seed, training parameters, ...)
// Gaussian visible units add (docs/gaussian.md):
//   /rbm/visible_sigma float32 [n_visible], σ_i > 0, and the attribute learn_sigma ("true"|"false")
// Gaussian hidden units (the Hopfield ↔ RBM map) add /rbm/hidden_sigma float32 [n_hidden], σ_j > 0.
// and a model trained on standardised data stores the training set's statistics:
//   /rbm/standardize_mean, /rbm/standardize_scale  float32 [n_visible]  (io/standardize.hpp)
// Files without these datasets (all binary models, older files) load unchanged.
// readable with h5py. A DBN stores layers as /dbn/layer_0, /dbn/layer_1, ... (io/dbn_file.hpp, docs/dbn.md).
#include <map>
#include <optional>
#include <string>

#include "rgflow/io/hdf5.hpp"
#include "rgflow/io/standardize.hpp"
#include "rgflow/rbm/rbm.hpp"

namespace rgflow::io {

inline constexpr int kModelFormatVersion = 1;

// Writes one RBM into `group` of an open file: the three datasets and the attributes above.
// The building block of save_rbm, training checkpoints and DBN files (/dbn/layer_k).
void write_rbm(h5::File& file, const std::string& group, const Rbm& rbm,
               const std::map<std::string, std::string>& attributes = {});
// Reads and validates the RBM stored in `group` (see load_rbm for the checks).
Rbm read_rbm(const h5::File& file, const std::string& group,
             std::map<std::string, std::string>* attributes = nullptr);

// Atomic: writes PATH.tmp-XXXX then renames. `attributes` become string attributes of /rbm.
void save_rbm(const std::string& path, const Rbm& rbm,
              const std::map<std::string, std::string>& attributes = {});
// Throws FileError on a missing/corrupt file, missing datasets, wrong shapes, unknown unit
// types or non-finite parameters.
Rbm load_rbm(const std::string& path, std::map<std::string, std::string>* attributes = nullptr);

// save_rbm plus the standardisation the model was trained under (omitted when null).
void save_rbm(const std::string& path, const Rbm& rbm,
              const std::map<std::string, std::string>& attributes,
              const Standardization* standardization);
// The standardisation stored in `group` (/rbm of a model file), if any; FileError if only one of
// the two datasets is there, or on a wrong size or a non-positive / non-finite scale.
std::optional<Standardization> read_standardization(const h5::File& file, const std::string& group,
                                                    Index n_visible);
std::optional<Standardization> load_standardization(const std::string& path, Index n_visible);

}  // namespace rgflow::io
