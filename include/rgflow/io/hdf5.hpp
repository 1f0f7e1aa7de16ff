#pragma once
// Thin RAII layer over the HDF5 C API, used by the model, dataset and checkpoint writers.
// Errors (HDF5's own error stack is silenced) become FileError naming the file and the object.
//
// Integrity (docs/reliability.md): files are created in HDF5's latest format (H5Pset_libver_bounds:
// superblock, object headers, chunk indexes and heaps carry checksums), with fixed-length string
// attributes (no unchecksummed global heap), Fletcher-32 on every non-empty dataset, no
// timestamps (same input, same bytes), and a 512-byte user block that close() fills with a seal:
// the CRC-32 of the whole HDF5 part (src/io/h5_seal.hpp). open() verifies the seal before libhdf5
// reads a byte, so a damaged file is refused with a FileError instead of reaching libhdf5's
// parser (which crashes on some damage). Files without a seal (h5py, older rgflow) open as before.
// Every read checks rank, type, size and stored bytes before allocating: a dataset may not claim
// more than kMaxReadElements elements nor, uncompressed, more bytes than the file stores.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "rgflow/core/types.hpp"

namespace rgflow::io::h5 {

// Largest number of elements a read may allocate (float32: 16 GiB); FileError above it.
inline constexpr std::int64_t kMaxReadElements = std::int64_t{1} << 32;

class File {
 public:
  // Creates (truncating) a file for writing. Use with AtomicFile: create the temp path, and call
  // close() before committing (close() writes the seal and reports errors; the destructor seals
  // too, silently).
  static File create(const std::string& path);
  // Opens an existing file read-only; FileError if missing, not HDF5, or sealed and damaged.
  static File open(const std::string& path);
  // Opens a file image held in memory (fuzzing, tests); `name` stands for the path in messages.
  // The same checks as open().
  static File open_image(const void* data, std::size_t size, const std::string& name);
  ~File();
  File(File&& other) noexcept;
  File& operator=(File&& other) noexcept;
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  // Flushes and closes now, so that a writer sees errors before AtomicFile::commit() (the
  // destructor closes too but cannot report failure). Idempotent.
  void close();

  const std::string& path() const { return path_; }
  std::int64_t id() const { return id_; }
  bool exists(const std::string& object_path) const;  // e.g. "/rbm/weights"
  // Dimensions of a dataset; FileError if it does not exist.
  std::vector<std::int64_t> shape(const std::string& dataset_path) const;
  // Element type of a dataset as a NumPy-style name: "uint8", "int8", ..., "float32", "float64",
  // "string" or "other"; FileError if it does not exist.
  std::string element_type(const std::string& dataset_path) const;

  // Datasets; intermediate groups are created as needed. Matrices are stored row-major [rows, cols].
  // Writing a dataset that already exists is a FileError (files are written once, atomically).
  void write(const std::string& dataset_path, const MatrixF& m);
  void write(const std::string& dataset_path, const MatrixD& m);
  void write(const std::string& dataset_path, const VectorF& v);
  void write(const std::string& dataset_path, const std::vector<std::int8_t>& values,
             const std::vector<std::int64_t>& shape);
  void write(const std::string& dataset_path, const std::vector<std::uint64_t>& values);

  // Reads any numeric dataset of rank 1 or 2 converted to float (rank 1 → one column for
  // read_matrix). Higher ranks are flattened to [dim0, product of the rest] by read_matrix.
  MatrixF read_matrix(const std::string& dataset_path) const;
  MatrixD read_matrix_double(const std::string& dataset_path) const;
  VectorF read_vector(const std::string& dataset_path) const;
  std::vector<std::uint64_t> read_u64(const std::string& dataset_path) const;

  // Attributes on a group or dataset (created if `object_path` is a missing group). Strings are
  // written as fixed-length, null-terminated UTF-8 (h5py reads them as numpy.bytes_: .decode());
  // an existing attribute is replaced. Readers accept fixed- and variable-length strings and any
  // integer/float type (FileError otherwise).
  void set_attribute(const std::string& object_path, const std::string& name, const std::string& value);
  void set_attribute(const std::string& object_path, const std::string& name, std::int64_t value);
  void set_attribute(const std::string& object_path, const std::string& name, double value);
  bool has_attribute(const std::string& object_path, const std::string& name) const;
  std::string string_attribute(const std::string& object_path, const std::string& name) const;
  std::int64_t int_attribute(const std::string& object_path, const std::string& name) const;
  double double_attribute(const std::string& object_path, const std::string& name) const;
  // All attributes of an object rendered as text (numbers via fmt).
  std::map<std::string, std::string> attributes(const std::string& object_path) const;

 private:
  File(std::string path, std::int64_t id, bool seal_on_close)
      : path_(std::move(path)), id_(id), seal_on_close_(seal_on_close) {}
  std::string path_;
  std::int64_t id_ = -1;
  bool seal_on_close_ = false;
};

}  // namespace rgflow::io::h5
