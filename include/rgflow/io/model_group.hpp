#pragma once
// Shared plumbing of the machine files that are not RBMs (Hopfield networks, convex NMF,
// autoencoders; docs/file-formats.md): one HDF5 group per model with a format_version, reserved
// attribute names, the rgflow version, free-form string attributes (provenance), atomic writes,
// and readers that name the file and the dataset in every error.
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include "rgflow/core/types.hpp"
#include "rgflow/io/hdf5.hpp"

namespace rgflow::io {

struct ModelGroup {
  std::string group;                              // e.g. "/hopfield"
  std::int64_t format_version = 1;
  std::map<std::string, std::string> fixed;       // attributes the format defines (string values)
  std::map<std::string, std::int64_t> fixed_ints; // integer attributes the format defines
};

// Writes `path` atomically: `fill` writes the datasets into the temporary file, then the fixed
// attributes, format_version, rgflow_version (unless given) and `extra` are set on the group.
// FileError (naming `path`) when `extra` uses a name of `fixed`, `fixed_ints` or format_version.
void save_model_group(const std::string& path, const ModelGroup& model,
                      const std::map<std::string, std::string>& extra,
                      const std::function<void(h5::File&)>& fill);

// Opens `path` and checks that `group` exists and carries format_version == expected; `kind`
// names the model in errors ("a Hopfield network file").
h5::File open_model_group(const std::string& path, const std::string& group,
                          std::int64_t format_version, const char* kind);

// Dimensions of `dataset`, which must exist and have the given rank (FileError otherwise).
std::vector<std::int64_t> dataset_shape(const h5::File& file, const std::string& dataset,
                                        std::size_t rank);
// A rank-2 dataset [rows, cols] as doubles; FileError when missing, of another shape (a
// negative expected size matches any) or not finite.
MatrixD read_finite_matrix(const h5::File& file, const std::string& dataset, Index rows, Index cols);
// The group's attributes as text without the reserved ones (format_version and `reserved`).
std::map<std::string, std::string> free_attributes(const h5::File& file, const std::string& group,
                                                   std::initializer_list<const char*> reserved);

}  // namespace rgflow::io
