#pragma once
// Convolutional RBM files (HDF5; docs/conv.md "File format", docs/file-formats.md). Kernels are
// stored once, never as a dense matrix:
//   /conv_rbm/kernels       float32 [C, K²]  kernel c's offset (a, b) at column a K + b
//                                            (h5py: f["conv_rbm/kernels"][()].reshape(C, K, K))
//   /conv_rbm/hidden_bias   float32 [C]      one bias per channel
//   /conv_rbm/visible_bias  float32 [1]      the one visible bias shared by all sites
//   attributes on /conv_rbm: format_version (1), lattice (L), kernel (K), stride (S), channels (C),
//   visible_type, hidden_type ("bernoulli" | "spin"), rgflow_version, plus free-form string
//   attributes (provenance: seed, data file, training options, command line).
// Written atomically (io/model_group.hpp); every file-level problem is a FileError naming the
// file.
#include <functional>
#include <map>
#include <string>

#include "rgflow/conv/conv_rbm.hpp"
#include "rgflow/io/hdf5.hpp"

namespace rgflow::conv {

inline constexpr int kFileFormatVersion = 1;

void save_model(const std::string& path, const ConvRbm& model,
                const std::map<std::string, std::string>& attributes = {});
// The same, with `extra` writing more objects into the file before it is sealed (checkpoints).
void save_model(const std::string& path, const ConvRbm& model, const std::map<std::string, std::string>& attributes,
                const std::function<void(io::h5::File&)>& extra);
// FileError on a missing/corrupt file, a file of another kind, missing datasets, a bad shape or
// unit type, or non-finite parameters.
ConvRbm load_model(const std::string& path, std::map<std::string, std::string>* attributes = nullptr);

}  // namespace rgflow::conv
