// load_dataset / save_dataset / save_matrix: format detection, the HDF5 dataset layout, the
// LoadOptions transforms and the writers. The binary and text readers live in idx.cpp, npy.cpp
// and text.cpp; formats are documented in rgflow/io/dataset.hpp.
#include "rgflow/io/dataset.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fmt/ranges.h>
#include <string_view>
#include <utility>

#include "readers.hpp"
#include "rgflow/core/version.hpp"
#include "rgflow/io/atomic_file.hpp"
#include "rgflow/io/hdf5.hpp"

namespace rgflow::io {

namespace {

using detail::RawData;

// ---------------------------------------------------------------------------------------------
// Helpers

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// ---------------------------------------------------------------------------------------------
// HDF5 (DESIGN.md "Dataset file"): `/spins` int8 [N, L, L] or `/data` [N, D] (any numeric type;
// higher ranks flattened). save_dataset marks lattice data stored as /data with an integer
// attribute `lattice_size`.

RawData read_hdf5(const std::string& path, const LoadOptions& options) {
  const h5::File file = h5::File::open(path);
  RawData raw;
  std::string name;
  if (file.exists("/spins")) {
    name = "/spins";
    const std::vector<std::int64_t> shape = file.shape(name);
    if (shape.size() != 3 || shape[1] != shape[2]) {
      throw FileError(path, fmt::format("dataset '/spins' has shape [{}], expected [N, L, L]",
                                        fmt::join(shape, ", ")));
    }
    raw.lattice_size = shape[1];
  } else if (file.exists("/data")) {
    name = "/data";
  } else {
    throw FileError(path, "no dataset '/data' or '/spins'");
  }
  const std::vector<std::int64_t> shape = file.shape(name);
  if (shape.empty()) throw FileError(path, fmt::format("dataset '{}' is a scalar", name));
  detail::checked_elements(path, std::vector<std::uint64_t>(shape.begin(), shape.end()),
                           options.max_elements);
  if (shape.size() == 1 && !options.one_column_vectors) {
    detail::refuse_one_dimensional(path, static_cast<std::uint64_t>(shape[0]));
  }
  raw.bytes = file.element_type(name) == "uint8";
  raw.data = file.read_matrix(name);
  if (raw.data.size() == 0) throw FileError(path, fmt::format("empty dataset '{}'", name));
  raw.attributes = file.attributes(name);
  if (name == "/data" && file.has_attribute(name, "lattice_size")) {
    const std::int64_t side = file.int_attribute(name, "lattice_size");
    // side > cols excludes overflow of side * side (a corrupt attribute, found by fuzz_hdf5_dataset).
    if (side < 1 || side > raw.data.cols() || side * side != raw.data.cols()) {
      throw FileError(path, fmt::format("attribute 'lattice_size' = {} of '/data' does not match "
                                        "its {} columns",
                                        side, raw.data.cols()));
    }
    raw.lattice_size = side;
  }
  return raw;
}

// ---------------------------------------------------------------------------------------------

enum class Format { idx, amat, npy, csv, hdf5 };

Format detect_format(const std::string& path) {
  std::string name = lower(std::filesystem::path(path).filename().string());
  const bool gz = ends_with(name, ".gz");
  if (gz) name.resize(name.size() - 3);
  if (ends_with(name, ".h5") || ends_with(name, ".hdf5")) {
    if (gz) throw FileError(path, "gzip-compressed HDF5 is not supported; decompress it first");
    return Format::hdf5;
  }
  if (ends_with(name, ".npy")) return Format::npy;
  if (ends_with(name, ".amat")) return Format::amat;
  if (ends_with(name, ".csv")) return Format::csv;
  // MNIST names: train-images-idx3-ubyte, t10k-images.idx3-ubyte; also plain *.idx / *.idx3.
  const std::string ext = std::filesystem::path(name).extension().string();
  if (ends_with(name, "ubyte") || ext.rfind(".idx", 0) == 0) return Format::idx;
  throw FileError(path,
                  "unknown dataset format (expected *-ubyte or *.idx (IDX), .amat, .npy, "
                  ".csv or .h5/.hdf5; .gz allowed except for HDF5)");
}

void require_finite(const std::string& path, const MatrixF& m, const char* verb) {
  for (Index r = 0; r < m.rows(); ++r) {
    for (Index c = 0; c < m.cols(); ++c) {
      if (!std::isfinite(m(r, c))) {
        throw FileError(path, fmt::format("{}value {} at row {}, column {} is not finite", verb,
                                          m(r, c), r, c));
      }
    }
  }
}

// Keeps the selected columns (LoadOptions::columns, then drop_columns).
void select_columns(const std::string& path, MatrixF& x, const LoadOptions& o) {
  if (o.columns.empty() && o.drop_columns.empty()) return;
  std::vector<Index> keep;
  if (o.columns.empty()) {
    keep.resize(static_cast<std::size_t>(x.cols()));
    for (Index j = 0; j < x.cols(); ++j) keep[static_cast<std::size_t>(j)] = j;
  } else {
    keep = resolve_columns(o.columns, x.cols(), path);
  }
  if (!o.drop_columns.empty()) {
    std::vector<bool> drop(static_cast<std::size_t>(x.cols()), false);
    for (Index j : resolve_columns(o.drop_columns, x.cols(), path)) drop[static_cast<std::size_t>(j)] = true;
    std::erase_if(keep, [&](Index j) { return drop[static_cast<std::size_t>(j)]; });
  }
  if (keep.empty()) throw FileError(path, fmt::format("no column is left of the {} columns", x.cols()));
  MatrixF out(x.rows(), static_cast<Index>(keep.size()));
  for (std::size_t k = 0; k < keep.size(); ++k) out.col(static_cast<Index>(k)) = x.col(keep[k]);
  x.swap(out);
}

// Maps [lo, hi] onto [0, 1] (LoadOptions::value_range).
void map_value_range(const std::string& path, MatrixF& x, const std::pair<double, double>& range) {
  const auto [lo, hi] = range;
  if (!std::isfinite(lo) || !std::isfinite(hi) || !(lo < hi)) {
    throw Error(fmt::format("value range [{}, {}]: need finite lo < hi", lo, hi));
  }
  for (Index i = 0; i < x.size(); ++i) {
    const double v = x.data()[i];
    if (v < lo || v > hi) {
      throw FileError(path, fmt::format("value {} at row {}, column {} is outside the value range "
                                        "[{}, {}]", v, i / x.cols(), i % x.cols(), lo, hi));
    }
    x.data()[i] = static_cast<float>((v - lo) / (hi - lo));
  }
}

void apply_options(const std::string& path, MatrixF& x, bool bytes, const LoadOptions& o) {
  // uint8 values are intensities 0..255, scaled to [0, 1] — unless every value is 0 or 1: such
  // bytes are binary data already (a uint8 0/1 array from NumPy), and scaling them to {0, 1/255}
  // would make them neither binary nor separable by any sensible threshold.
  const bool binary = (x.array() == 0.0f || x.array() == 1.0f).all();
  if (bytes && o.scale_bytes && !binary) x /= 255.0f;  // division: 255 → exactly 1, 0 → exactly 0
  if (o.value_range) map_value_range(path, x, *o.value_range);
  switch (o.binarize) {
    case Binarize::none:
      break;
    case Binarize::threshold: {
      if (!std::isfinite(o.threshold)) {
        throw Error(fmt::format("binarization threshold must be finite (got {})", o.threshold));
      }
      x = (x.array() > static_cast<float>(o.threshold)).cast<float>();
      // Every value on one side of the threshold leaves nothing to learn: a wrong threshold
      // (or data in other units than assumed), not a dataset.
      const float first = x.size() > 0 ? x.data()[0] : 0.0f;
      if (x.size() > 1 && (x.array() == first).all()) {
        throw FileError(path, fmt::format("binarizing at threshold {} turns every value into {} "
                                          "(is the threshold in the data's units?)",
                                          o.threshold, first));
      }
      break;
    }
    case Binarize::stochastic: {
      // x → Bernoulli(x): each value is the probability of a 1, drawn in row-major order from
      // stream 0 of `seed`, so a dataset binarizes identically on every run and machine.
      for (Index i = 0; i < x.size(); ++i) {
        const float p = x.data()[i];
        if (p < 0.0f || p > 1.0f) {
          throw FileError(path, fmt::format("stochastic binarization needs values in [0, 1]; "
                                            "found {} at row {}, column {}",
                                            p, i / x.cols(), i % x.cols()));
        }
      }
      Rng rng(o.seed);
      for (Index i = 0; i < x.size(); ++i) x.data()[i] = rng.uniform() < x.data()[i] ? 1.0f : 0.0f;
      break;
    }
  }
  if (o.to_spins) {
    // {0,1} → {−1,+1} by s = 2x − 1. Data that are already all ±1 (e.g. `/spins`) pass unchanged.
    const bool spins = (x.array() == 1.0f || x.array() == -1.0f).all();
    if (!spins) {
      for (Index i = 0; i < x.size(); ++i) {
        const float v = x.data()[i];
        if (v != 0.0f && v != 1.0f) {
          throw FileError(path, fmt::format("to_spins needs 0/1 data (binarize first); found {} at "
                                            "row {}, column {}",
                                            v, i / x.cols(), i % x.cols()));
        }
      }
      x = x.array() * 2.0f - 1.0f;
    }
  }
}

// Owns a stdio stream writing to an AtomicFile's temporary; close() reports write errors.
class OutputStream {
 public:
  explicit OutputStream(const AtomicFile& file) : path_(file.path()) {
    stream_ = std::fopen(file.temp_path().c_str(), "wb");
    if (stream_ == nullptr) {
      throw FileError(path_, fmt::format("cannot open for writing: {}", std::strerror(errno)));
    }
  }
  ~OutputStream() {
    if (stream_ != nullptr) std::fclose(stream_);
  }
  OutputStream(const OutputStream&) = delete;
  OutputStream& operator=(const OutputStream&) = delete;
  void write(const void* data, std::size_t n) {
    if (n > 0 && std::fwrite(data, 1, n, stream_) != n) {
      throw FileError(path_, fmt::format("write failed: {}", std::strerror(errno)));
    }
  }
  void close() {
    std::FILE* s = std::exchange(stream_, nullptr);
    if (std::ferror(s) != 0 || std::fclose(s) != 0) {
      throw FileError(path_, fmt::format("write failed: {}", std::strerror(errno)));
    }
  }

 private:
  std::string path_;
  std::FILE* stream_ = nullptr;
};

}  // namespace

Binarize parse_binarize(const std::string& name) {
  if (name == "none") return Binarize::none;
  if (name == "threshold") return Binarize::threshold;
  if (name == "stochastic") return Binarize::stochastic;
  throw Error("unknown binarization '" + name + "' (expected none, threshold or stochastic)");
}

Dataset load_dataset(const std::string& path, const LoadOptions& options) {
  RawData raw;
  switch (detect_format(path)) {
    case Format::idx:
      raw = detail::read_idx(path, options);
      break;
    case Format::npy:
      raw = detail::read_npy(path, options);
      break;
    case Format::amat:
      raw = detail::read_text(path, /*csv=*/false, options);
      break;
    case Format::csv:
      raw = detail::read_text(path, /*csv=*/true, options);
      break;
    case Format::hdf5:
      raw = read_hdf5(path, options);
      break;
  }
  require_finite(path, raw.data, "");
  select_columns(path, raw.data, options);
  apply_options(path, raw.data, raw.bytes, options);
  Dataset out;
  out.data = std::move(raw.data);
  out.lattice_size = raw.lattice_size;
  out.source = path;
  out.attributes = std::move(raw.attributes);
  return out;
}

void save_dataset(const std::string& path, const MatrixF& data,
                  const std::map<std::string, std::string>& attributes,
                  std::optional<Index> lattice_size) {
  const std::string name = lower(path);
  if (!ends_with(name, ".h5") && !ends_with(name, ".hdf5")) {
    throw FileError(path,
                    "save_dataset writes HDF5: use a .h5 or .hdf5 name (save_matrix writes "
                    ".npy and .csv)");
  }
  if (data.size() == 0) throw FileError(path, "refusing to save an empty dataset");
  require_finite(path, data, "refusing to save: ");
  if (lattice_size && (*lattice_size < 1 || *lattice_size * *lattice_size != data.cols())) {
    throw FileError(path, fmt::format("lattice_size {} does not match the {} columns of the data",
                                      *lattice_size, data.cols()));
  }
  const bool spins = lattice_size && (data.array() == 1.0f || data.array() == -1.0f).all();
  const std::string object = spins ? "/spins" : "/data";

  AtomicFile out(path);
  {
    h5::File file = h5::File::create(out.temp_path());
    if (spins) {
      std::vector<std::int8_t> values(static_cast<std::size_t>(data.size()));
      for (Index i = 0; i < data.size(); ++i) values[i] = data.data()[i] > 0 ? 1 : -1;
      file.write(object, values, {data.rows(), *lattice_size, *lattice_size});
    } else {
      file.write(object, data);
    }
    // Every output file records the library that wrote it; an explicit caller value wins.
    if (attributes.count("rgflow_version") == 0) {
      file.set_attribute(object, "rgflow_version", std::string(version()));
    }
    for (const auto& [key, value] : attributes) file.set_attribute(object, key, value);
    if (lattice_size && !spins)
      file.set_attribute(object, "lattice_size", std::int64_t{*lattice_size});
    file.close();
  }
  out.commit();
}

void save_matrix(const std::string& path, const MatrixF& data) {
  const std::string name = lower(path);
  const bool npy = ends_with(name, ".npy");
  if (!npy && !ends_with(name, ".csv")) {
    throw FileError(path, "save_matrix writes .npy or .csv; unknown extension");
  }
  require_finite(path, data, "refusing to save: ");
  AtomicFile out(path);
  OutputStream stream(out);
  if (npy) {
    const std::string header = detail::npy_header_f32(data.rows(), data.cols());
    stream.write(header.data(), header.size());
    stream.write(data.data(), sizeof(float) * static_cast<std::size_t>(data.size()));
  } else {
    // fmt prints the shortest decimal that reads back as the same float, so CSV round-trips.
    fmt::memory_buffer line;
    for (Index r = 0; r < data.rows(); ++r) {
      line.clear();
      for (Index c = 0; c < data.cols(); ++c) {
        if (c > 0) line.push_back(',');
        fmt::format_to(std::back_inserter(line), "{}", data(r, c));
      }
      line.push_back('\n');
      stream.write(line.data(), line.size());
    }
  }
  stream.close();
  out.commit();
}

std::vector<ColumnItem> parse_columns(std::string_view list) {
  const auto bad = [&](std::string_view why) {
    return Error(fmt::format("column list '{}': {}", list, why));
  };
  const auto number = [&](std::string_view text) -> std::optional<std::int64_t> {
    if (text.empty()) return std::nullopt;
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size()) {
      throw bad(fmt::format("'{}' is not a column index", text));
    }
    return v;
  };
  std::vector<ColumnItem> items;
  std::size_t start = 0;
  while (start <= list.size()) {
    const std::size_t comma = std::min(list.find(',', start), list.size());
    const std::string_view item = list.substr(start, comma - start);
    if (item.empty()) throw bad("an empty item (give indices like 0,3,-1 or slices like :64)");
    ColumnItem c;
    const std::size_t colon = item.find(':');
    if (colon == std::string_view::npos) {
      c.begin = number(item);
    } else {
      if (item.find(':', colon + 1) != std::string_view::npos) throw bad("a slice has one ':'");
      c.slice = true;
      c.begin = number(item.substr(0, colon));
      c.end = number(item.substr(colon + 1));
    }
    items.push_back(c);
    start = comma + 1;
  }
  return items;
}

std::vector<Index> resolve_columns(const std::vector<ColumnItem>& items, Index n_columns,
                                   const std::string& path) {
  std::vector<Index> out;
  const auto index = [&](std::int64_t i) -> Index {
    const std::int64_t j = i < 0 ? i + n_columns : i;
    if (j < 0 || j >= n_columns) {
      throw FileError(path, fmt::format("column {} does not exist (the data have {} columns)", i,
                                        n_columns));
    }
    return static_cast<Index>(j);
  };
  // A slice bound is clipped to [0, n] as in Python.
  const auto bound = [&](std::int64_t i) -> Index {
    return static_cast<Index>(std::clamp<std::int64_t>(i < 0 ? i + n_columns : i, 0, n_columns));
  };
  for (const ColumnItem& c : items) {
    if (!c.slice) {
      out.push_back(index(*c.begin));
      continue;
    }
    const Index b = c.begin ? bound(*c.begin) : 0;
    const Index e = c.end ? bound(*c.end) : n_columns;
    for (Index j = b; j < e; ++j) out.push_back(j);
  }
  return out;
}

}  // namespace rgflow::io
