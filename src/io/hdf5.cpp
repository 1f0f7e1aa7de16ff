// The thin HDF5 layer every reader and writer uses (RAII handles, bounded reads, the seal, string
// attributes). Over 600 lines as one file because every function shares the same private handle
// and error-translation helpers; callers see only io/hdf5.hpp.
#include "rgflow/io/hdf5.hpp"

#include <hdf5.h>

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <limits>
#include <new>

#include "h5_seal.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/core/quote.hpp"

namespace rgflow::io::h5 {

static_assert(sizeof(hid_t) == sizeof(std::int64_t), "File stores hid_t as int64 (HDF5 >= 1.10)");

namespace {

// HDF5 prints its whole error stack to stderr by default; we report one FileError instead.
void silence_hdf5_errors() {
  static const bool silenced = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)silenced;
}

[[noreturn]] void fail(const std::string& file, const std::string& message) {
  throw FileError(file, message);
}

// Owns one HDF5 identifier (file, group, dataset, dataspace, datatype, attribute, plist).
class Handle {
 public:
  Handle(hid_t id, herr_t (*closer)(hid_t)) : id_(id), closer_(closer) {}
  ~Handle() {
    if (id_ >= 0) closer_(id_);
  }
  Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, -1)), closer_(other.closer_) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle& operator=(Handle&&) = delete;
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*closer_)(hid_t);
};

// True if every link along `object_path` exists. H5Lexists must be asked one component at a
// time: it fails (rather than answering false) when an intermediate group is missing.
bool path_exists(hid_t file, const std::string& object_path) {
  if (object_path.empty()) return false;
  std::string partial;
  std::size_t start = 0;
  while (start < object_path.size()) {
    std::size_t end = object_path.find('/', start);
    if (end == std::string::npos) end = object_path.size();
    if (end > start) {
      partial.push_back('/');
      partial.append(object_path, start, end - start);
      if (H5Lexists(file, partial.c_str(), H5P_DEFAULT) <= 0) return false;
    }
    start = end + 1;
  }
  return true;  // "/" or a path whose every component exists
}

Handle open_dataset(hid_t file, const std::string& path, const std::string& dataset_path) {
  if (!path_exists(file, dataset_path)) fail(path, fmt::format("no dataset '{}'", dataset_path));
  Handle ds(H5Dopen2(file, dataset_path.c_str(), H5P_DEFAULT), H5Dclose);
  if (!ds.valid()) fail(path, fmt::format("'{}' is not a readable dataset", dataset_path));
  return ds;
}

std::vector<hsize_t> dataset_dims(const Handle& ds, const std::string& path,
                                  const std::string& dataset_path) {
  Handle space(H5Dget_space(ds.get()), H5Sclose);
  const int rank = space.valid() ? H5Sget_simple_extent_ndims(space.get()) : -1;
  if (rank < 0) fail(path, fmt::format("cannot read the shape of '{}'", dataset_path));
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (rank > 0 && H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) < 0) {
    fail(path, fmt::format("cannot read the shape of '{}'", dataset_path));
  }
  return dims;
}

// Number of elements, refusing more than kMaxReadElements (and so any product that would overflow
// a buffer of `element_size` bytes) before anything is allocated.
std::size_t checked_count(const std::vector<hsize_t>& dims, std::size_t element_size,
                          const std::string& path, const std::string& dataset_path) {
  const std::size_t limit = std::min<std::size_t>(
      std::numeric_limits<std::size_t>::max() / element_size, kMaxReadElements);
  std::size_t n = 1;
  for (hsize_t d : dims) {
    if (d != 0 && n > limit / d) {
      fail(path, fmt::format("dataset '{}' has shape [{}]: more than {} elements (corrupt file?)",
                             dataset_path, fmt::join(dims, ", "), limit));
    }
    n *= d;
  }
  return n;
}

// Bounded reads: a dataset must store enough bytes for the shape it claims, so that a damaged or
// hostile shape can never make a reader allocate more than the file justifies. Uncompressed (no
// filter, or only Fletcher-32 / shuffle): the stored bytes must cover the shape. Compressed: the
// shape may be at most kMaxCompressionRatio times the stored bytes (deflate, the only compressor
// of a stock libhdf5, tops out near 1032:1), so unwritten chunks (fill values) are refused too.
// Chunks are at most kMaxChunkBytes (libhdf5 allocates whole chunks while reading).
constexpr double kMaxCompressionRatio = 1100.0;
constexpr std::size_t kMaxChunkBytes = std::size_t{1} << 30;

void check_stored(hid_t ds, std::size_t count, const std::string& path,
                  const std::string& dataset_path) {
  if (count == 0) return;
  Handle dcpl(H5Dget_create_plist(ds), H5Pclose);
  Handle type(H5Dget_type(ds), H5Tclose);
  if (!dcpl.valid() || !type.valid()) {
    fail(path, fmt::format("cannot read the layout of dataset '{}' (corrupt file?)", dataset_path));
  }
  const std::size_t element = H5Tget_size(type.get());
  if (element == 0 || element > 64) {
    fail(path, fmt::format("dataset '{}' has {}-byte elements (corrupt file?)", dataset_path,
                           element));
  }
  if (H5Pget_layout(dcpl.get()) == H5D_CHUNKED) {
    hsize_t chunk[H5S_MAX_RANK] = {};
    const int rank = H5Pget_chunk(dcpl.get(), H5S_MAX_RANK, chunk);
    double chunk_bytes = static_cast<double>(element);
    for (int i = 0; i < rank; ++i) chunk_bytes *= static_cast<double>(chunk[i]);
    if (rank < 0 || chunk_bytes > static_cast<double>(kMaxChunkBytes)) {
      fail(path, fmt::format("dataset '{}' has chunks of {} bytes, more than {} (corrupt file?)",
                             dataset_path, chunk_bytes, kMaxChunkBytes));
    }
  }
  const int filters = H5Pget_nfilters(dcpl.get());
  if (filters < 0) fail(path, fmt::format("cannot read the filters of dataset '{}'", dataset_path));
  bool compressed = false;
  for (int i = 0; i < filters; ++i) {
    unsigned flags = 0;
    std::size_t n_values = 0;
    const H5Z_filter_t id =
        H5Pget_filter2(dcpl.get(), static_cast<unsigned>(i), &flags, &n_values, nullptr, 0,
                       nullptr, nullptr);
    compressed = compressed || (id != H5Z_FILTER_FLETCHER32 && id != H5Z_FILTER_SHUFFLE);
  }
  const double needed = static_cast<double>(count) * static_cast<double>(element);
  const double stored = static_cast<double>(H5Dget_storage_size(ds));
  if (needed > stored * (compressed ? kMaxCompressionRatio : 1.0)) {
    fail(path, fmt::format("dataset '{}' claims {} elements of {} bytes but the file stores {} "
                           "{}bytes for it (truncated or corrupt file?)",
                           dataset_path, count, element, stored, compressed ? "compressed " : ""));
  }
}

// Allocates through `make`, turning an allocation failure into a FileError naming the dataset.
template <class Make>
auto allocate(const std::string& path, const std::string& dataset_path, std::size_t count,
              Make make) {
  try {
    return make();
  } catch (const std::bad_alloc&) {
    fail(path, fmt::format("dataset '{}' has {} elements: not enough memory to read it",
                           dataset_path, count));
  }
}

void require_numeric(const Handle& ds, const std::string& path, const std::string& dataset_path,
                     bool integer_only = false) {
  Handle type(H5Dget_type(ds.get()), H5Tclose);
  const H5T_class_t cls = type.valid() ? H5Tget_class(type.get()) : H5T_NO_CLASS;
  const bool ok = cls == H5T_INTEGER || (!integer_only && cls == H5T_FLOAT);
  if (!ok) {
    fail(path, fmt::format("dataset '{}' does not hold {} data", dataset_path,
                           integer_only ? "integer" : "numeric"));
  }
}

// Reads the whole dataset converted to `mem_type` (HDF5 converts between numeric types).
void read_into(const Handle& ds, hid_t mem_type, void* buffer, std::size_t count,
               const std::string& path, const std::string& dataset_path) {
  if (count == 0) return;
  if (H5Dread(ds.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer) < 0) {
    fail(path, fmt::format("cannot read dataset '{}' (truncated or corrupt file?)", dataset_path));
  }
}

// An object creation property list (`cls`: H5P_GROUP_CREATE or H5P_DATASET_CREATE) that records
// no access/modification times, so the same content always gives the same bytes.
Handle untimed_plist(hid_t cls, const std::string& path) {
  Handle plist(H5Pcreate(cls), H5Pclose);
  if (!plist.valid() || H5Pset_obj_track_times(plist.get(), 0) < 0) {
    fail(path, "cannot prepare an HDF5 property list");
  }
  return plist;
}

// Creates every missing group along `object_path` ("/a/b/c": /a, /a/b and, with `last`, /a/b/c).
void create_groups(hid_t file, const std::string& path, const std::string& object_path, bool last) {
  const Handle gcpl = untimed_plist(H5P_GROUP_CREATE, path);
  std::size_t end = 0;
  while (true) {
    end = object_path.find('/', end + 1);
    if (end == std::string::npos && !last) return;
    const std::string prefix = object_path.substr(0, end);
    if (!prefix.empty() && !path_exists(file, prefix)) {
      Handle group(H5Gcreate2(file, prefix.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), H5Gclose);
      if (!group.valid()) fail(path, fmt::format("cannot create group '{}'", prefix));
    }
    if (end == std::string::npos) return;
  }
}

// Chunk shape for Fletcher-32 (which needs chunked storage): about kChunkBytes per chunk, cut
// along the leading dimensions first, so rows stay whole when they fit.
std::vector<hsize_t> chunk_shape(std::vector<hsize_t> dims, std::size_t element_size) {
  constexpr std::size_t kChunkBytes = std::size_t{1} << 20;
  for (std::size_t i = 0; i < dims.size(); ++i) {
    std::size_t inner = element_size;
    for (std::size_t j = i + 1; j < dims.size(); ++j) inner *= static_cast<std::size_t>(dims[j]);
    if (inner * dims[i] <= kChunkBytes) break;
    dims[i] = std::max<hsize_t>(1, kChunkBytes / inner);
    if (inner <= kChunkBytes) break;
  }
  return dims;
}

void write_dataset(hid_t file, const std::string& path, const std::string& dataset_path,
                   hid_t file_type, hid_t mem_type, const std::vector<hsize_t>& dims,
                   const void* data) {
  if (path_exists(file, dataset_path)) {
    fail(path, fmt::format("dataset '{}' already exists", dataset_path));
  }
  create_groups(file, path, dataset_path, false);
  std::size_t count = 1;
  for (hsize_t d : dims) count *= d;
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
  const Handle dcpl = untimed_plist(H5P_DATASET_CREATE, path);
  if (!space.valid()) fail(path, fmt::format("cannot prepare dataset '{}'", dataset_path));
  if (count > 0) {  // HDF5 cannot chunk an empty extent
    const std::vector<hsize_t> chunk = chunk_shape(dims, H5Tget_size(file_type));
    if (H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()) < 0 ||
        H5Pset_fletcher32(dcpl.get()) < 0) {
      fail(path, fmt::format("cannot prepare dataset '{}'", dataset_path));
    }
  }
  Handle ds(H5Dcreate2(file, dataset_path.c_str(), file_type, space.get(), H5P_DEFAULT, dcpl.get(),
                       H5P_DEFAULT),
            H5Dclose);
  if (!ds.valid()) fail(path, fmt::format("cannot create dataset '{}'", dataset_path));
  if (count > 0 && H5Dwrite(ds.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
    fail(path, fmt::format("cannot write dataset '{}'", dataset_path));
  }
}

// Opens a group or dataset for attribute access, creating a missing group when `create`.
Handle open_object(hid_t file, const std::string& path, const std::string& object_path,
                   bool create) {
  if (!path_exists(file, object_path)) {
    if (!create) fail(path, fmt::format("no object '{}'", object_path));
    create_groups(file, path, object_path, true);
  }
  Handle object(H5Oopen(file, object_path.c_str(), H5P_DEFAULT), H5Oclose);
  if (!object.valid()) fail(path, fmt::format("cannot open object '{}'", object_path));
  return object;
}

Handle open_attribute(hid_t file, const std::string& path, const std::string& object_path,
                      const std::string& name) {
  Handle object = open_object(file, path, object_path, false);
  if (H5Aexists(object.get(), name.c_str()) <= 0) {
    fail(path, fmt::format("'{}' has no attribute {}", object_path, quote(name)));
  }
  Handle attr(H5Aopen(object.get(), name.c_str(), H5P_DEFAULT), H5Aclose);
  if (!attr.valid())
    fail(path, fmt::format("cannot open attribute {} of '{}'", quote(name), object_path));
  return attr;
}

// Attributes are small metadata; anything larger is damage, refused before allocating.
constexpr std::size_t kMaxAttributeElements = std::size_t{1} << 20;
constexpr std::size_t kMaxAttributeStringBytes = std::size_t{1} << 24;

std::size_t attribute_count(const Handle& attr) {
  Handle space(H5Aget_space(attr.get()), H5Sclose);
  const hssize_t n = space.valid() ? H5Sget_simple_extent_npoints(space.get()) : -1;
  return n < 0 ? 0 : static_cast<std::size_t>(n);
}

H5T_class_t attribute_class(const Handle& attr) {
  Handle type(H5Aget_type(attr.get()), H5Tclose);
  return type.valid() ? H5Tget_class(type.get()) : H5T_NO_CLASS;
}

// Creates (replacing any previous one) a scalar attribute and writes `value` of `mem_type`.
void write_attribute(hid_t file, const std::string& path, const std::string& object_path,
                     const std::string& name, hid_t file_type, hid_t mem_type, const void* value) {
  Handle object = open_object(file, path, object_path, true);
  if (H5Aexists(object.get(), name.c_str()) > 0 && H5Adelete(object.get(), name.c_str()) < 0) {
    fail(path, fmt::format("cannot replace attribute '{}' of '{}'", name, object_path));
  }
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr(
      H5Acreate2(object.get(), name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
      H5Aclose);
  if (!attr.valid() || H5Awrite(attr.get(), mem_type, value) < 0) {
    fail(path, fmt::format("cannot write attribute '{}' of '{}'", name, object_path));
  }
}

std::string read_string_attribute(const Handle& attr, const std::string& path,
                                  const std::string& object_path, const std::string& name) {
  Handle type(H5Aget_type(attr.get()), H5Tclose);
  if (!type.valid() || H5Tget_class(type.get()) != H5T_STRING || attribute_count(attr) != 1) {
    fail(path, fmt::format("attribute {} of '{}' is not a string", quote(name), object_path));
  }
  const std::string what = fmt::format("cannot read attribute {} of '{}'", quote(name), object_path);
  if (H5Tis_variable_str(type.get()) > 0) {
    // Variable-length (h5py's default for str): HDF5 allocates the string; we free it.
    Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
    if (!mem.valid() || H5Tset_size(mem.get(), H5T_VARIABLE) < 0 ||
        H5Tset_cset(mem.get(), H5Tget_cset(type.get())) < 0) {
      fail(path, what);
    }
    char* text = nullptr;
    if (H5Aread(attr.get(), mem.get(), &text) < 0) fail(path, what);
    std::string value = text != nullptr ? text : "";
    H5free_memory(text);
    return value;
  }
  // Fixed-length: read with the file's own string type (same size and padding), then cut at
  // the first NUL (null-terminated and null-padded strings both end there).
  const std::size_t size = H5Tget_size(type.get());
  if (size == 0 || size > kMaxAttributeStringBytes) fail(path, what + " (corrupt string size)");
  std::string buffer(size + 1, '\0');
  Handle mem(H5Tcopy(type.get()), H5Tclose);
  if (!mem.valid() || H5Aread(attr.get(), mem.get(), buffer.data()) < 0) fail(path, what);
  buffer.resize(buffer.find('\0'));
  return buffer;
}

herr_t collect_attribute_name(hid_t, const char* name, const H5A_info_t*, void* names) noexcept {
  try {
    static_cast<std::vector<std::string>*>(names)->emplace_back(name);
    return 0;
  } catch (...) {
    return -1;
  }
}

}  // namespace

File File::create(const std::string& path) {
  silence_hdf5_errors();
  // Latest format (checksummed metadata, chunk indexes without unchecksummed B-trees) and the
  // user block that close() turns into the seal.
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  Handle fcpl(H5Pcreate(H5P_FILE_CREATE), H5Pclose);
  if (!fapl.valid() || !fcpl.valid() ||
      H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_LATEST, H5F_LIBVER_LATEST) < 0 ||
      H5Pset_userblock(fcpl.get(), seal::kUserBlock) < 0) {
    fail(path, "cannot prepare HDF5 file properties");
  }
  const hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get());
  if (id < 0) fail(path, "cannot create HDF5 file");
  return File(path, id, true);
}

File File::open(const std::string& path) {
  silence_hdf5_errors();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) fail(path, "no such file");
  if (std::filesystem::is_directory(path, ec)) fail(path, "is a directory, not an HDF5 file");
  seal::verify_file(path);  // before libhdf5 parses anything (h5_seal.hpp)
  if (H5Fis_hdf5(path.c_str()) <= 0) fail(path, "not an HDF5 file (no HDF5 signature)");
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) fail(path, "cannot open HDF5 file (truncated or corrupt?)");
  return File(path, id, false);
}

File File::open_image(const void* data, std::size_t size, const std::string& name) {
  silence_hdf5_errors();
  seal::verify_image(data, size, name);
  if (size < 8) fail(name, "not an HDF5 file (no HDF5 signature)");
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  if (!fapl.valid() || H5Pset_fapl_core(fapl.get(), 1 << 16, 0) < 0 ||
      H5Pset_file_image(fapl.get(), const_cast<void*>(data), size) < 0) {
    fail(name, "cannot prepare an in-memory HDF5 file");
  }
  const hid_t id = H5Fopen(name.c_str(), H5F_ACC_RDONLY, fapl.get());
  if (id < 0) fail(name, "cannot open HDF5 file (truncated or corrupt?)");
  return File(name, id, false);
}

File::~File() {
  if (id_ < 0) return;
  // Best effort: close() reports errors; here a file that cannot be closed or sealed stays
  // unsealed, and open() refuses it.
  if (H5Fclose(id_) >= 0 && seal_on_close_) {
    try {
      seal::write(path_);
    } catch (...) {
    }
  }
}

File::File(File&& other) noexcept
    : path_(std::move(other.path_)),
      id_(std::exchange(other.id_, -1)),
      seal_on_close_(other.seal_on_close_) {}

File& File::operator=(File&& other) noexcept {
  if (this != &other) {
    File discarded(std::move(path_), id_, seal_on_close_);  // closes (and seals) the old file
    path_ = std::move(other.path_);
    id_ = std::exchange(other.id_, -1);
    seal_on_close_ = other.seal_on_close_;
  }
  return *this;
}

void File::close() {
  if (id_ < 0) return;
  const hid_t id = std::exchange(id_, -1);
  if (H5Fclose(id) < 0) fail(path_, "cannot close HDF5 file (write failed?)");
  if (seal_on_close_) seal::write(path_);
}

bool File::exists(const std::string& object_path) const { return path_exists(id_, object_path); }

std::vector<std::int64_t> File::shape(const std::string& dataset_path) const {
  Handle ds = open_dataset(id_, path_, dataset_path);
  const std::vector<hsize_t> dims = dataset_dims(ds, path_, dataset_path);
  std::vector<std::int64_t> out;
  for (hsize_t d : dims) {
    if (d > static_cast<hsize_t>(std::numeric_limits<std::int64_t>::max())) {
      fail(path_, fmt::format("dataset '{}' has an absurd dimension {}", dataset_path, d));
    }
    out.push_back(static_cast<std::int64_t>(d));
  }
  return out;
}

std::string File::element_type(const std::string& dataset_path) const {
  Handle ds = open_dataset(id_, path_, dataset_path);
  Handle type(H5Dget_type(ds.get()), H5Tclose);
  if (!type.valid()) fail(path_, fmt::format("cannot read the type of '{}'", dataset_path));
  const std::size_t bits = 8 * H5Tget_size(type.get());
  switch (H5Tget_class(type.get())) {
    case H5T_INTEGER:
      return fmt::format("{}int{}", H5Tget_sign(type.get()) == H5T_SGN_NONE ? "u" : "", bits);
    case H5T_FLOAT:
      return fmt::format("float{}", bits);
    case H5T_STRING:
      return "string";
    default:
      return "other";
  }
}

void File::write(const std::string& dataset_path, const MatrixF& m) {
  write_dataset(id_, path_, dataset_path, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT,
                {static_cast<hsize_t>(m.rows()), static_cast<hsize_t>(m.cols())}, m.data());
}

void File::write(const std::string& dataset_path, const MatrixD& m) {
  write_dataset(id_, path_, dataset_path, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                {static_cast<hsize_t>(m.rows()), static_cast<hsize_t>(m.cols())}, m.data());
}

void File::write(const std::string& dataset_path, const VectorF& v) {
  write_dataset(id_, path_, dataset_path, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT,
                {static_cast<hsize_t>(v.size())}, v.data());
}

void File::write(const std::string& dataset_path, const std::vector<std::int8_t>& values,
                 const std::vector<std::int64_t>& shape) {
  std::vector<hsize_t> dims;
  std::size_t count = 1;
  for (std::int64_t d : shape) {
    if (d < 0) fail(path_, fmt::format("negative dimension for dataset '{}'", dataset_path));
    dims.push_back(static_cast<hsize_t>(d));
    count *= static_cast<std::size_t>(d);
  }
  if (dims.empty() || count != values.size()) {
    fail(path_, fmt::format("dataset '{}': {} values do not fill the given shape", dataset_path,
                            values.size()));
  }
  write_dataset(id_, path_, dataset_path, H5T_STD_I8LE, H5T_NATIVE_INT8, dims, values.data());
}

void File::write(const std::string& dataset_path, const std::vector<std::uint64_t>& values) {
  write_dataset(id_, path_, dataset_path, H5T_STD_U64LE, H5T_NATIVE_UINT64,
                {static_cast<hsize_t>(values.size())}, values.data());
}

MatrixF File::read_matrix(const std::string& dataset_path) const {
  Handle ds = open_dataset(id_, path_, dataset_path);
  require_numeric(ds, path_, dataset_path);
  const std::vector<hsize_t> dims = dataset_dims(ds, path_, dataset_path);
  if (dims.empty())
    fail(path_, fmt::format("dataset '{}' is a scalar, not a matrix", dataset_path));
  const std::size_t count = checked_count(dims, sizeof(float), path_, dataset_path);
  check_stored(ds.get(), count, path_, dataset_path);
  const Index rows = static_cast<Index>(dims[0]);
  const Index cols = rows == 0 ? 0 : static_cast<Index>(count / dims[0]);
  MatrixF m = allocate(path_, dataset_path, count,
                       [&] { return MatrixF(rows, dims.size() == 1 ? 1 : cols); });
  read_into(ds, H5T_NATIVE_FLOAT, m.data(), count, path_, dataset_path);
  return m;
}

MatrixD File::read_matrix_double(const std::string& dataset_path) const {
  Handle ds = open_dataset(id_, path_, dataset_path);
  require_numeric(ds, path_, dataset_path);
  const std::vector<hsize_t> dims = dataset_dims(ds, path_, dataset_path);
  if (dims.empty())
    fail(path_, fmt::format("dataset '{}' is a scalar, not a matrix", dataset_path));
  const std::size_t count = checked_count(dims, sizeof(double), path_, dataset_path);
  check_stored(ds.get(), count, path_, dataset_path);
  const Index rows = static_cast<Index>(dims[0]);
  const Index cols = rows == 0 ? 0 : static_cast<Index>(count / dims[0]);
  MatrixD m = allocate(path_, dataset_path, count,
                       [&] { return MatrixD(rows, dims.size() == 1 ? 1 : cols); });
  read_into(ds, H5T_NATIVE_DOUBLE, m.data(), count, path_, dataset_path);
  return m;
}

VectorF File::read_vector(const std::string& dataset_path) const {
  Handle ds = open_dataset(id_, path_, dataset_path);
  require_numeric(ds, path_, dataset_path);
  const std::vector<hsize_t> dims = dataset_dims(ds, path_, dataset_path);
  if (dims.size() != 1) {
    fail(path_,
         fmt::format("dataset '{}' has rank {}, expected a 1-D vector", dataset_path, dims.size()));
  }
  const std::size_t count = checked_count(dims, sizeof(float), path_, dataset_path);
  check_stored(ds.get(), count, path_, dataset_path);
  VectorF v = allocate(path_, dataset_path, count, [&] { return VectorF(static_cast<Index>(count)); });
  read_into(ds, H5T_NATIVE_FLOAT, v.data(), count, path_, dataset_path);
  return v;
}

std::vector<std::uint64_t> File::read_u64(const std::string& dataset_path) const {
  Handle ds = open_dataset(id_, path_, dataset_path);
  require_numeric(ds, path_, dataset_path, /*integer_only=*/true);
  const std::vector<hsize_t> dims = dataset_dims(ds, path_, dataset_path);
  if (dims.size() != 1) {
    fail(path_,
         fmt::format("dataset '{}' has rank {}, expected a 1-D vector", dataset_path, dims.size()));
  }
  const std::size_t count = checked_count(dims, sizeof(std::uint64_t), path_, dataset_path);
  check_stored(ds.get(), count, path_, dataset_path);
  std::vector<std::uint64_t> values = allocate(
      path_, dataset_path, count, [&] { return std::vector<std::uint64_t>(count); });
  read_into(ds, H5T_NATIVE_UINT64, values.data(), values.size(), path_, dataset_path);
  return values;
}

void File::set_attribute(const std::string& object_path, const std::string& name,
                         const std::string& value) {
  // Fixed length (the text and its terminating NUL), stored in the checksummed object header;
  // variable-length strings would live in HDF5's global heap, which has no checksum.
  if (value.find('\0') != std::string::npos) {
    fail(path_, fmt::format("attribute '{}' of '{}': a string attribute cannot hold a NUL byte",
                            name, object_path));
  }
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  if (!type.valid() || H5Tset_size(type.get(), value.size() + 1) < 0 ||
      H5Tset_strpad(type.get(), H5T_STR_NULLTERM) < 0 ||
      H5Tset_cset(type.get(), H5T_CSET_UTF8) < 0) {
    fail(path_, fmt::format("cannot prepare string attribute '{}' of '{}'", name, object_path));
  }
  write_attribute(id_, path_, object_path, name, type.get(), type.get(), value.c_str());
}

void File::set_attribute(const std::string& object_path, const std::string& name,
                         std::int64_t value) {
  write_attribute(id_, path_, object_path, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value);
}

void File::set_attribute(const std::string& object_path, const std::string& name, double value) {
  write_attribute(id_, path_, object_path, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
}

bool File::has_attribute(const std::string& object_path, const std::string& name) const {
  if (!path_exists(id_, object_path)) return false;
  Handle object = open_object(id_, path_, object_path, false);
  return H5Aexists(object.get(), name.c_str()) > 0;
}

std::string File::string_attribute(const std::string& object_path, const std::string& name) const {
  Handle attr = open_attribute(id_, path_, object_path, name);
  return read_string_attribute(attr, path_, object_path, name);
}

std::int64_t File::int_attribute(const std::string& object_path, const std::string& name) const {
  Handle attr = open_attribute(id_, path_, object_path, name);
  std::int64_t value = 0;
  if (attribute_class(attr) != H5T_INTEGER || attribute_count(attr) != 1 ||
      H5Aread(attr.get(), H5T_NATIVE_INT64, &value) < 0) {
    fail(path_, fmt::format("attribute '{}' of '{}' is not an integer", name, object_path));
  }
  return value;
}

double File::double_attribute(const std::string& object_path, const std::string& name) const {
  Handle attr = open_attribute(id_, path_, object_path, name);
  const H5T_class_t cls = attribute_class(attr);
  double value = 0;
  if ((cls != H5T_INTEGER && cls != H5T_FLOAT) || attribute_count(attr) != 1 ||
      H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &value) < 0) {
    fail(path_, fmt::format("attribute '{}' of '{}' is not a number", name, object_path));
  }
  return value;
}

std::map<std::string, std::string> File::attributes(const std::string& object_path) const {
  Handle object = open_object(id_, path_, object_path, false);
  std::vector<std::string> names;
  if (H5Aiterate2(object.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collect_attribute_name,
                  &names) < 0) {
    fail(path_, fmt::format("cannot list the attributes of '{}'", object_path));
  }
  std::map<std::string, std::string> out;
  for (const std::string& name : names) {
    Handle attr = open_attribute(id_, path_, object_path, name);
    const H5T_class_t cls = attribute_class(attr);
    const std::size_t n = attribute_count(attr);
    const std::string what = fmt::format("cannot read attribute {} of '{}'", quote(name), object_path);
    if (n > kMaxAttributeElements) fail(path_, what + " (corrupt size)");
    if (cls == H5T_STRING) {
      out[name] = read_string_attribute(attr, path_, object_path, name);
    } else if (cls == H5T_INTEGER) {
      std::vector<std::int64_t> v(n);
      if (n > 0 && H5Aread(attr.get(), H5T_NATIVE_INT64, v.data()) < 0) fail(path_, what);
      out[name] = n == 1 ? fmt::format("{}", v[0]) : fmt::format("[{}]", fmt::join(v, ", "));
    } else if (cls == H5T_FLOAT) {
      std::vector<double> v(n);
      if (n > 0 && H5Aread(attr.get(), H5T_NATIVE_DOUBLE, v.data()) < 0) fail(path_, what);
      out[name] = n == 1 ? fmt::format("{}", v[0]) : fmt::format("[{}]", fmt::join(v, ", "));
    } else {
      out[name] = "(unsupported attribute type)";
    }
  }
  return out;
}

}  // namespace rgflow::io::h5
