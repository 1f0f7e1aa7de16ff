#pragma once
// Reading datasets into a float32 [N, D] matrix (one sample per row, row-major).
//
// Formats, chosen by file name (".gz" is read transparently for every text/IDX format):
//   *-ubyte, *.idx, *.idx3-ubyte ...  IDX (MNIST): magic 0x0000 0x08..0x0E + rank + big-endian dims
//   *.amat                           whitespace-separated rows (Larochelle binarized MNIST)
//   *.npy                            NumPy v1/v2/v3, dtypes u1, i1, f4, f8, C order, 1-D or 2-D+
//   *.csv                            comma-separated numbers; a non-numeric first line is a header
//   *.h5, *.hdf5                     `/data` [N, D] or `/spins` [N, L, L] (flattened row-major)
// Any error (missing, truncated, corrupt, non-finite value, absurd size) throws FileError naming
// the file.
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "rgflow/core/rng.hpp"
#include "rgflow/core/types.hpp"

namespace rgflow::io {

enum class Binarize { none, threshold, stochastic };
Binarize parse_binarize(const std::string& name);  // "none" | "threshold" | "stochastic"

struct LoadOptions {
  // Scale integer image data (uint8 IDX/NPY) from 0..255 to [0, 1]. Applied before binarizing.
  bool scale_bytes = true;
  Binarize binarize = Binarize::none;
  double threshold = 0.5;        // for Binarize::threshold: x > threshold → 1
  std::uint64_t seed = 0;        // for Binarize::stochastic: x → Bernoulli(x), stream of this seed
  // Map {0,1} data to spins {−1,+1} (after binarizing).
  bool to_spins = false;
  // Refuse files that would need more than this many elements (guards absurd headers).
  std::int64_t max_elements = std::int64_t{1} << 32;
};

struct Dataset {
  MatrixF data;                        // [N, D]
  std::optional<Index> lattice_size;   // L when read from `/spins` [N, L, L]
  std::string source;                  // file it came from
  std::map<std::string, std::string> attributes;  // HDF5 attributes of the dataset, as text
};

Dataset load_dataset(const std::string& path, const LoadOptions& options = {});

// Writes `/data` [N, D] float32 (or `/spins` int8 [N, L, L] when lattice_size is set and every
// value is ±1) with the given attributes, atomically (temp file + rename).
void save_dataset(const std::string& path, const MatrixF& data,
                  const std::map<std::string, std::string>& attributes = {},
                  std::optional<Index> lattice_size = std::nullopt);

// Writes a .npy (float32, C order) or .csv file atomically; chosen by extension.
void save_matrix(const std::string& path, const MatrixF& data);

}  // namespace rgflow::io
