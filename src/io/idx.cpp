// IDX (LeCun et al., http://yann.lecun.com/exdb/mnist/): bytes 0,0 then a type code (0x08 u8,
// 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64), the rank, `rank` big-endian uint32 dims,
// then the data in big-endian, row-major. Rows are dim 0; the other dims are flattened.
#include "readers.hpp"

namespace rgflow::io::detail {

RawData read_idx(const std::string& path, const LoadOptions& options) {
  GzInput in(path);
  unsigned char magic[4];
  read_header(in, magic, 4, "IDX magic number");
  if (magic[0] != 0 || magic[1] != 0) {
    throw FileError(path,
                    fmt::format("not an IDX file: magic number starts with 0x{:02x} 0x{:02x}, "
                                "expected 0x00 0x00",
                                magic[0], magic[1]));
  }
  const int rank = magic[3];
  if (rank < 1 || rank > 16) {
    throw FileError(path, fmt::format("not a valid IDX file: rank {} in the magic number", rank));
  }
  std::vector<unsigned char> dim_bytes(4 * static_cast<std::size_t>(rank));
  read_header(in, dim_bytes.data(), dim_bytes.size(), "IDX dimensions");
  std::vector<std::uint64_t> dims;
  for (int i = 0; i < rank; ++i) dims.push_back(load_big_endian<std::uint32_t>(&dim_bytes[4 * i]));
  checked_elements(path, dims, options.max_elements);
  if (rank == 1 && !options.one_column_vectors) refuse_one_dimensional(path, dims[0]);
  const std::uint64_t rows = dims[0];
  std::uint64_t cols = 1;
  for (int i = 1; i < rank; ++i) cols *= dims[i];
  if (rows == 0 || cols == 0) throw FileError(path, "empty dataset (a dimension is 0)");

  RawData raw;
  switch (magic[2]) {
    case 0x08:
      raw.bytes = true;
      raw.data = read_payload(in, rows, cols, 1, [](const unsigned char* p) { return float(*p); });
      break;
    case 0x09:
      raw.data = read_payload(in, rows, cols, 1, [](const unsigned char* p) {
        return float(static_cast<std::int8_t>(*p));
      });
      break;
    case 0x0B:
      raw.data = read_payload(in, rows, cols, 2, [](const unsigned char* p) {
        return float(load_big_endian<std::int16_t>(p));
      });
      break;
    case 0x0C:
      raw.data = read_payload(in, rows, cols, 4, [](const unsigned char* p) {
        return float(load_big_endian<std::int32_t>(p));
      });
      break;
    case 0x0D:
      raw.data = read_payload(in, rows, cols, 4,
                              [](const unsigned char* p) { return load_big_endian<float>(p); });
      break;
    case 0x0E:
      raw.data = read_payload(in, rows, cols, 8, [](const unsigned char* p) {
        return narrow(load_big_endian<double>(p));
      });
      break;
    default:
      throw FileError(path,
                      fmt::format("not a valid IDX file: unknown element type 0x{:02x}", magic[2]));
  }
  return raw;
}

}  // namespace rgflow::io::detail
