// NPY (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html): "\x93NUMPY",
// major, minor, header length (uint16 LE for v1, uint32 LE for v2/v3), then a Python dict literal
// {'descr': ..., 'fortran_order': ..., 'shape': (...), } and the raw data.
#include "readers.hpp"

#include <cctype>
#include <charconv>
#include <string_view>

namespace rgflow::io::detail {

namespace {

// The text of `key`'s value in the header dict: the inside of a quoted string or tuple, or the
// bare word (True/False). nullopt if the key is absent.
std::optional<std::string> npy_value(const std::string& header, const std::string& key) {
  std::size_t pos = std::string::npos;
  for (const char quote : {'\'', '"'}) {
    pos = header.find(quote + key + quote);
    if (pos != std::string::npos) break;
  }
  if (pos == std::string::npos) return std::nullopt;
  pos = header.find(':', pos + key.size() + 2);
  if (pos == std::string::npos) return std::nullopt;
  ++pos;
  while (pos < header.size() && std::isspace(static_cast<unsigned char>(header[pos]))) ++pos;
  if (pos >= header.size()) return std::nullopt;
  const char open = header[pos];
  if (open == '\'' || open == '"' || open == '(') {
    const char close = open == '(' ? ')' : open;
    const std::size_t end = header.find(close, pos + 1);
    if (end == std::string::npos) return std::nullopt;
    return header.substr(pos + 1, end - pos - 1);
  }
  std::size_t end = pos;
  while (end < header.size() && header[end] != ',' && header[end] != '}') ++end;
  std::string word = header.substr(pos, end - pos);
  while (!word.empty() && std::isspace(static_cast<unsigned char>(word.back()))) word.pop_back();
  return word;
}

}  // namespace

RawData read_npy(const std::string& path, const LoadOptions& options) {
  GzInput in(path);
  unsigned char preamble[8];
  read_header(in, preamble, 8, "NPY magic string");
  if (std::memcmp(preamble, "\x93NUMPY", 6) != 0) {
    throw FileError(path, "not an NPY file: missing the \\x93NUMPY magic string");
  }
  const int major = preamble[6];
  std::uint32_t header_length = 0;
  if (major == 1) {
    unsigned char len[2];
    read_header(in, len, 2, "NPY header length");
    header_length = load_little_endian<std::uint16_t>(len);
  } else if (major == 2 || major == 3) {
    unsigned char len[4];
    read_header(in, len, 4, "NPY header length");
    header_length = load_little_endian<std::uint32_t>(len);
  } else {
    throw FileError(path, fmt::format("unsupported NPY format version {}.{}", major, preamble[7]));
  }
  // NumPy's own headers are a few hundred bytes; anything huge is corruption, not a header.
  if (header_length > (1u << 20)) {
    throw FileError(path,
                    fmt::format("absurd NPY header length {} (corrupt file?)", header_length));
  }
  std::string header(header_length, '\0');
  read_header(in, header.data(), header_length, "NPY header");
  // The header is one Python dict literal, padded with spaces and ended by a newline.
  {
    const std::size_t first = header.find_first_not_of(" \t");
    const std::size_t last = header.find_last_not_of(" \t\r\n");
    if (first == std::string::npos || header[first] != '{' || header[last] != '}') {
      throw FileError(path, fmt::format("malformed NPY header {} (expected one dict '{{...}}')",
                                        quote(header, 80)));
    }
  }

  const auto descr = npy_value(header, "descr");
  const auto fortran = npy_value(header, "fortran_order");
  const auto shape_text = npy_value(header, "shape");
  if (!descr || !fortran || !shape_text) {
    throw FileError(path, "malformed NPY header (needs 'descr', 'fortran_order' and 'shape')");
  }
  if (*fortran == "True") {
    throw FileError(path,
                    "fortran_order True (column-major) arrays are not supported; save a "
                    "C-ordered array (numpy.ascontiguousarray)");
  }
  if (*fortran != "False") {
    throw FileError(path, fmt::format("malformed NPY header: fortran_order is {}", quote(*fortran)));
  }

  std::vector<std::uint64_t> dims;
  {
    std::string_view rest = *shape_text;
    while (!rest.empty()) {
      const std::size_t comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front())))
        item.remove_prefix(1);
      while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back())))
        item.remove_suffix(1);
      if (!item.empty()) {
        std::uint64_t d = 0;
        const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), d);
        if (ec != std::errc() || end != item.data() + item.size()) {
          throw FileError(path, fmt::format("malformed NPY shape {}", quote("(" + *shape_text + ")")));
        }
        dims.push_back(d);
      }
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  if (dims.empty()) throw FileError(path, "NPY array is 0-dimensional (a scalar), not a dataset");
  checked_elements(path, dims, options.max_elements);
  if (dims.size() == 1 && !options.one_column_vectors) refuse_one_dimensional(path, dims[0]);
  const std::uint64_t rows = dims[0];
  std::uint64_t cols = 1;
  for (std::size_t i = 1; i < dims.size(); ++i) cols *= dims[i];
  if (rows == 0 || cols == 0) throw FileError(path, "empty dataset (a dimension is 0)");

  // One-byte types have no byte order, NumPy writes '|'; '<' is little-endian.
  const std::string& d = *descr;
  const bool one_byte_order =
      d.size() == 3 && (d[0] == '|' || d[0] == '<' || d[0] == '>' || d[0] == '=');
  RawData raw;
  if (one_byte_order && d.substr(1) == "u1") {
    raw.bytes = true;
    raw.data = read_payload(in, rows, cols, 1, [](const unsigned char* p) { return float(*p); });
  } else if (one_byte_order && d.substr(1) == "i1") {
    raw.data = read_payload(in, rows, cols, 1, [](const unsigned char* p) {
      return float(static_cast<std::int8_t>(*p));
    });
  } else if (d == "<f4") {
    raw.data = read_payload(in, rows, cols, 4,
                            [](const unsigned char* p) { return load_little_endian<float>(p); });
  } else if (d == "<f8") {
    raw.data = read_payload(in, rows, cols, 8, [](const unsigned char* p) {
      return narrow(load_little_endian<double>(p));
    });
  } else if (d.size() == 3 && d[0] == '>') {
    throw FileError(path, fmt::format("big-endian NPY dtype {} is not supported (use {})",
                                      quote(d), quote(fmt::format("<{}", d.substr(1)))));
  } else {
    throw FileError(path,
                    fmt::format("unsupported NPY dtype {} (supported: |u1, |i1, <f4, <f8)", quote(d)));
  }
  return raw;
}

std::string npy_header_f32(Index rows, Index cols) {
  // Version 1.0: the dict is padded with spaces and ends in a newline so that the data start at
  // a multiple of 64 bytes, as NumPy itself writes it.
  std::string header =
      fmt::format("{{'descr': '<f4', 'fortran_order': False, 'shape': ({}, {}), }}", rows, cols);
  const std::size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  const auto length = static_cast<std::uint16_t>(header.size());
  const char preamble[10] = {'\x93',
                             'N',
                             'U',
                             'M',
                             'P',
                             'Y',
                             1,
                             0,
                             static_cast<char>(length & 0xff),
                             static_cast<char>(length >> 8)};
  return std::string(preamble, sizeof preamble) + header;
}

}  // namespace rgflow::io::detail
