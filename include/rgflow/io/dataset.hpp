#pragma once
// Reading datasets into a float32 [N, D] matrix (one sample per row, row-major), and writing them.
//
// Formats, chosen by file name (case-insensitive; ".gz" is read transparently, via zlib, for
// every format except HDF5):
//   *-ubyte, *.idx, *.idx3-ubyte ...  IDX (LeCun, http://yann.lecun.com/exdb/mnist/): bytes 0,0, a
//                                    type code (0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32,
//                                    0x0E f64), the rank, big-endian uint32 dims, big-endian data.
//                                    Dim 0 is the row; the others are flattened. Rank ≥ 2.
//   *.amat                           whitespace-separated rows (Larochelle & Murray 2011's
//                                    binarized MNIST)
//   *.npy                            NumPy format v1/v2/v3 (numpy.lib.format), dtypes |u1, |i1,
//                                    <f4, <f8, C order only, rank ≥ 2 (flattened as for IDX)
//   *.csv                            comma-separated numbers; a first line containing a
//                                    non-numeric word is a header, returned as attribute "header".
//                                    Every column is returned (e.g. a label column stays in).
//   *.h5, *.hdf5                     `/spins` [N, L, L] (→ lattice_size = L) or else `/data`
//                                    [N, D] (DESIGN.md "Dataset file"); any numeric type; the
//                                    dataset's attributes are returned as text
// A 1-D array (IDX, NPY, HDF5) is refused unless LoadOptions::one_column_vectors: N samples of
// one value, or one sample of N values?
// Blank text lines are skipped. Any error (missing file, unknown extension, wrong magic,
// truncated or trailing data, damaged gzip stream, inconsistent row lengths, non-numeric or
// non-finite value, header shape above max_elements, empty dataset) throws FileError naming the
// file and, where there is one, the line/row and column.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>
#include <utility>
#include <string_view>

#include "rgflow/core/rng.hpp"
#include "rgflow/core/types.hpp"

namespace rgflow::io {

enum class Binarize { none, threshold, stochastic };
// "none" | "threshold" | "stochastic"; throws rgflow::Error otherwise.
Binarize parse_binarize(const std::string& name);

// One item of a column list: a single column (begin) or a Python-style half-open slice
// begin:end (either end may be missing). Negative indices count from the end (−1: last column).
struct ColumnItem {
  std::optional<std::int64_t> begin;
  std::optional<std::int64_t> end;
  bool slice = false;
};
// Parses "0,3,-1" or ":64" or "1:5,-2:" into items; throws Error naming the list for a malformed
// item ("3:x", ",", "1:2:3").
std::vector<ColumnItem> parse_columns(std::string_view list);
// The 0-based columns the items select out of n_columns, in the order given (slices ascending),
// duplicates kept. Throws FileError naming `path` for an index outside the data's columns.
std::vector<Index> resolve_columns(const std::vector<ColumnItem>& items, Index n_columns,
                                   const std::string& path);

// Applied in this order: columns/drop_columns, scale_bytes, value_range, binarize, to_spins.
struct LoadOptions {
  // Keep only these columns (in this order; empty: all), then remove drop_columns (e.g. a label
  // column: drop_columns = parse_columns("-1")). Removing every column is a FileError.
  std::vector<ColumnItem> columns;
  std::vector<ColumnItem> drop_columns;
  // Map values in [lo, hi] linearly onto [0, 1], x → (x − lo)/(hi − lo) (e.g. {0, 16} for the
  // 8x8 digits). A value outside [lo, hi] is a FileError naming its row and column; lo < hi and
  // both finite, else Error. Not set: values are left as they are.
  std::optional<std::pair<double, double>> value_range;
  // Scale uint8 data (IDX type 0x08, NPY |u1, HDF5 uint8) from 0..255 to [0, 1] by x / 255,
  // except data whose every value is 0 or 1 (binary bytes stay 0/1).
  bool scale_bytes = true;
  Binarize binarize = Binarize::none;
  // For Binarize::threshold: x > threshold → 1, else 0. Must be finite (Error), and must not
  // put every value on the same side (FileError: nothing would be left to learn).
  double threshold = 0.5;
  // For Binarize::stochastic: x → 1 with probability x, else 0, drawing u = Rng(seed).uniform()
  // once per element in row-major order (x → u < x). Values must lie in [0, 1] (FileError).
  std::uint64_t seed = 0;
  // Map {0,1} data to spins {−1,+1} by s = 2x − 1 (after binarizing). Data that are already all
  // ±1 are left as they are; any other value is a FileError.
  bool to_spins = false;
  // Refuse files that would need more than this many elements (guards absurd headers).
  std::int64_t max_elements = std::int64_t{1} << 32;
  // Read a 1-D array (e.g. MNIST's label file) as one column. Off by default: a 1-D array given
  // as data is refused (FileError), since it is as likely one sample as N samples of one value.
  bool one_column_vectors = false;
};

struct Dataset {
  MatrixF data;                        // [N, D]
  std::optional<Index> lattice_size;   // L when read from `/spins` [N, L, L] (or `/data` with an
                                       // integer attribute lattice_size, see save_dataset)
  std::string source;                  // file it came from
  std::map<std::string, std::string> attributes;  // HDF5 attributes of the dataset, as text;
                                                  // "header" for a CSV header line
};

Dataset load_dataset(const std::string& path, const LoadOptions& options = {});

// Writes an HDF5 dataset file (name must end in .h5 or .hdf5), atomically (temp file + rename):
// `/spins` int8 [N, L, L] when lattice_size is set and every value is ±1, else `/data` float32
// [N, D] (plus an integer attribute `lattice_size` when one was given). `attributes` become
// string attributes of that dataset, with `rgflow_version` added unless given. Empty data,
// non-finite values and lattice_size² ≠ D are FileErrors; nothing is left behind on failure.
void save_dataset(const std::string& path, const MatrixF& data,
                  const std::map<std::string, std::string>& attributes = {},
                  std::optional<Index> lattice_size = std::nullopt);

// Writes a .npy (v1.0, '<f4', C order, [N, D]) or .csv file (no header; each value as the
// shortest decimal that reads back to the same float) atomically; chosen by extension. Values
// must be finite (FileError otherwise), so that load_dataset reads the file back bit-exactly.
void save_matrix(const std::string& path, const MatrixF& data);

}  // namespace rgflow::io
