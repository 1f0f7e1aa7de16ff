#pragma once
// Internal to the io component: pieces shared by the dataset readers (dataset.cpp, idx.cpp,
// npy.cpp, text.cpp). Not installed, not part of the public API.
#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "rgflow/core/error.hpp"
#include "rgflow/core/quote.hpp"
#include "rgflow/core/types.hpp"
#include "rgflow/io/dataset.hpp"

namespace rgflow::io::detail {

static_assert(std::endian::native == std::endian::little,
              "the NPY reader/writer assumes a little-endian host");

// What a reader produces before LoadOptions are applied.
struct RawData {
  MatrixF data;
  bool bytes = false;  // elements were uint8 (0..255): `scale_bytes` may apply
  std::optional<Index> lattice_size;
  std::map<std::string, std::string> attributes;
};

// A dataset is a matrix [N, D]; a 1-D array is ambiguous (N samples of one value, or one sample of
// N values) and is refused rather than silently read as N x 1.
[[noreturn]] inline void refuse_one_dimensional(const std::string& path, std::uint64_t n) {
  throw FileError(path, fmt::format("a 1-D array of {} values is not a dataset [N, D]: reshape it "
                                    "to (N, 1) for one value per sample or (1, N) for one sample",
                                    n));
}

// rows * cols, refusing overflow and anything above the caller's max_elements.
inline std::uint64_t checked_elements(const std::string& path,
                                      const std::vector<std::uint64_t>& dims,
                                      std::int64_t max_elements) {
  const std::uint64_t limit = max_elements < 0 ? 0 : static_cast<std::uint64_t>(max_elements);
  std::uint64_t n = 1;
  for (std::uint64_t d : dims) {
    if (d != 0 && n > limit / d) {
      std::string shape;
      for (std::uint64_t e : dims) shape += (shape.empty() ? "" : " x ") + std::to_string(e);
      throw FileError(path, fmt::format("header claims shape {}: more than max_elements = {} "
                                        "elements (corrupt header?)",
                                        shape, max_elements));
    }
    n *= d;
  }
  return n;
}

// Sequential reader over a file that may be gzip-compressed (zlib reads plain files as is).
class GzInput {
 public:
  explicit GzInput(const std::string& path) : path_(path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) throw FileError(path, "no such file");
    if (std::filesystem::is_directory(path, ec)) throw FileError(path, "is a directory");
    file_ = gzopen(path.c_str(), "rb");
    if (file_ == nullptr) {
      throw FileError(path, fmt::format("cannot open: {}", std::strerror(errno)));
    }
    gzbuffer(file_, 1u << 17);
  }
  ~GzInput() {
    if (file_ != nullptr) gzclose(file_);
  }
  GzInput(const GzInput&) = delete;
  GzInput& operator=(const GzInput&) = delete;

  // Reads up to n bytes; fewer only at the end of the data. A damaged or cut gzip stream is a
  // FileError, so that a truncated .gz never passes for a shorter file.
  std::size_t read(void* buffer, std::size_t n) {
    char* out = static_cast<char*>(buffer);
    std::size_t total = 0;
    while (total < n) {
      const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(n - total, 1u << 30));
      const int got = gzread(file_, out + total, chunk);
      if (got <= 0) {
        check_stream();
        break;
      }
      total += static_cast<std::size_t>(got);
    }
    return total;
  }

  bool at_end() {
    char c;
    return read(&c, 1) == 0;
  }

  // Bytes left in an uncompressed file, or nullopt for a gzip stream (size unknown until read).
  // Lets the binary readers reject a header that promises more data than the file holds before
  // allocating anything.
  std::optional<std::uint64_t> plain_bytes_left() {
    if (gzdirect(file_) == 0) return std::nullopt;
    std::error_code ec;
    const std::uintmax_t size = std::filesystem::file_size(path_, ec);
    const z_off_t pos = gztell(file_);
    if (ec || pos < 0 || static_cast<std::uintmax_t>(pos) > size) return std::nullopt;
    return size - static_cast<std::uintmax_t>(pos);
  }

  const std::string& path() const { return path_; }

 private:
  void check_stream() {
    int err = Z_OK;
    const char* message = gzerror(file_, &err);
    if (err == Z_BUF_ERROR) {
      throw FileError(path_, "truncated gzip stream (unexpected end of compressed data)");
    }
    if (err != Z_OK) {
      throw FileError(path_, fmt::format("cannot read (corrupt gzip data?): {}",
                                         err == Z_ERRNO ? std::strerror(errno) : message));
    }
  }

  std::string path_;
  gzFile file_ = nullptr;
};

// Reads exactly n bytes of a header; a short read is a truncated file.
inline void read_header(GzInput& in, void* buffer, std::size_t n, const char* what) {
  if (in.read(buffer, n) != n) {
    throw FileError(in.path(), fmt::format("truncated file: ends inside the {}", what));
  }
}

// Reads rows x cols elements of `element_size` bytes and converts each with `convert`, in chunks
// so that memory follows the data actually present: a plain file is checked against its size
// before anything is allocated; a gzip stream (size unknown until read) is collected in blocks as
// it decompresses, and the matrix is allocated only once the data are there (a header claiming
// 2^32 elements in front of a few bytes costs a few bytes). Requires the data to end exactly there.
template <class Convert>
MatrixF read_payload(GzInput& in, std::uint64_t rows, std::uint64_t cols, std::size_t element_size,
                     Convert convert) {
  const std::uint64_t count = rows * cols;
  const std::uint64_t bytes_needed = count * element_size;
  const auto left = in.plain_bytes_left();
  if (left && *left < bytes_needed) {
    throw FileError(in.path(), fmt::format("truncated file: header promises {} bytes of data, "
                                           "only {} present",
                                           bytes_needed, *left));
  }
  std::vector<unsigned char> chunk(std::size_t{1} << 16);
  const std::size_t per_chunk = chunk.size() / element_size;
  // Plain file: straight into the matrix. Stream: blocks of per_chunk values, copied at the end.
  MatrixF m;
  if (left) m.resize(static_cast<Index>(rows), static_cast<Index>(cols));
  std::vector<std::vector<float>> blocks;
  std::uint64_t done = 0;
  while (done < count) {
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(per_chunk, count - done));
    const std::size_t got = in.read(chunk.data(), want * element_size);
    if (got != want * element_size) {
      throw FileError(in.path(), fmt::format("truncated file: header promises {} bytes of data, "
                                             "only {} present",
                                             bytes_needed, done * element_size + got));
    }
    float* out = m.data() + done;
    if (!left) {
      blocks.emplace_back(want);
      out = blocks.back().data();
    }
    for (std::size_t k = 0; k < want; ++k) out[k] = convert(chunk.data() + k * element_size);
    done += want;
  }
  if (!in.at_end()) {
    throw FileError(in.path(),
                    "unexpected bytes after the data the header describes (corrupt header?)");
  }
  if (!left) {
    m.resize(static_cast<Index>(rows), static_cast<Index>(cols));
    float* out = m.data();
    for (std::vector<float>& b : blocks) {
      out = std::copy(b.begin(), b.end(), out);
      std::vector<float>().swap(b);  // freed as copied: the peak stays near one matrix
    }
  }
  return m;
}

// double → float without the undefined behaviour of an out-of-range cast: beyond ±FLT_MAX gives
// ±inf (then rejected as not finite), NaN stays NaN.
inline float narrow(double x) {
  if (std::fabs(x) > static_cast<double>(std::numeric_limits<float>::max()) && std::isfinite(x)) {
    return std::copysign(std::numeric_limits<float>::infinity(),
                         static_cast<float>(x > 0 ? 1 : -1));
  }
  return static_cast<float>(x);
}

template <class T>
T load_big_endian(const unsigned char* p) {
  using U = std::conditional_t<
      sizeof(T) == 1, std::uint8_t,
      std::conditional_t<sizeof(T) == 2, std::uint16_t,
                         std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>>>;
  U u = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) u = static_cast<U>((u << 8) | p[i]);
  return std::bit_cast<T>(u);
}

template <class T>
T load_little_endian(const unsigned char* p) {
  T value;
  std::memcpy(&value, p, sizeof(T));  // host is little-endian (static_assert above)
  return value;
}

// Readers, one per format family; each validates its own framing and returns the raw values.
RawData read_idx(const std::string& path, const LoadOptions& options);             // idx.cpp
RawData read_npy(const std::string& path, const LoadOptions& options);             // npy.cpp
RawData read_text(const std::string& path, bool csv, const LoadOptions& options);  // text.cpp
// NPY v1.0 preamble + header for a little-endian float32 C-order [rows, cols] array.
std::string npy_header_f32(Index rows, Index cols);  // npy.cpp

}  // namespace rgflow::io::detail
