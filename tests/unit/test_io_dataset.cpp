#include <gtest/gtest.h>
#include <zlib.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>

#include "rgflow/core/rng.hpp"
#include "rgflow/io/dataset.hpp"
#include "rgflow/io/hdf5.hpp"
#include "test_io_support.hpp"

using rgflow::Index;
using rgflow::MatrixF;
using rgflow::io::Binarize;
using rgflow::io::load_dataset;
using rgflow::io::LoadOptions;
using rgflow::io::save_dataset;
using rgflow::io::save_matrix;
using rgflow::test::TempDir;
using rgflow::test::write_bytes;
namespace h5 = rgflow::io::h5;

namespace {

bool same_bits(const MatrixF& a, const MatrixF& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), sizeof(float) * a.size()) == 0;
}

void write_gz(const std::string& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())),
            static_cast<int>(bytes.size()));
  ASSERT_EQ(gzclose(f), Z_OK);
}

void put_be32(std::string& s, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) s.push_back(static_cast<char>((v >> shift) & 0xff));
}

// IDX per http://yann.lecun.com/exdb/mnist/: 0, 0, type, rank, big-endian uint32 dims, data.
std::string idx_header(unsigned char type, const std::vector<std::uint32_t>& dims) {
  std::string s = {0, 0, static_cast<char>(type), static_cast<char>(dims.size())};
  for (std::uint32_t d : dims) put_be32(s, d);
  return s;
}

// NPY per numpy.lib.format: magic, version, little-endian header length, dict, padding, data.
std::string npy_bytes(const std::string& dict, const std::string& payload, int major = 1) {
  std::string header = dict;
  const std::size_t prefix = major == 1 ? 10 : 12;
  while ((prefix + header.size() + 1) % 64 != 0) header.push_back(' ');
  header.push_back('\n');
  std::string s = "\x93NUMPY";
  s.push_back(static_cast<char>(major));
  s.push_back(0);
  const std::uint32_t n = static_cast<std::uint32_t>(header.size());
  s.push_back(static_cast<char>(n & 0xff));
  s.push_back(static_cast<char>((n >> 8) & 0xff));
  if (major != 1) {
    s.push_back(static_cast<char>((n >> 16) & 0xff));
    s.push_back(static_cast<char>((n >> 24) & 0xff));
  }
  return s + header + payload;
}

template <class T>
std::string le_bytes(const std::vector<T>& values) {
  std::string s(values.size() * sizeof(T), '\0');
  std::memcpy(s.data(), values.data(), s.size());  // test host is little-endian like the reader
  return s;
}

MatrixF awkward_floats() {
  MatrixF m(3, 4);
  m << 0.1f, -0.0f, std::numeric_limits<float>::denorm_min(), std::numeric_limits<float>::max(),
      -std::numeric_limits<float>::min(), 1.0f / 3.0f, 16777217.0f, -2.5e-20f,  //
      1.0f, 0.0f, -1.0f, 123456.789f;
  return m;
}

LoadOptions raw_options() {
  LoadOptions o;
  o.scale_bytes = false;
  return o;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// IDX

TEST(io_DatasetIdx, Uint8ImagesPlainAndGzip) {
  TempDir dir;
  // Three 2x2 "images": rows are samples, the 2x2 dims are flattened row-major.
  const std::string pixels = {
      0, 1, 127, static_cast<char>(128), static_cast<char>(254), static_cast<char>(255), 3, 4, 5,
      6, 7, 8};
  const std::string bytes = idx_header(0x08, {3, 2, 2}) + pixels;
  const std::string plain = dir.file("imgs-idx3-ubyte");
  const std::string gz = dir.file("imgs-idx3-ubyte.gz");
  write_bytes(plain, bytes);
  write_gz(gz, bytes);
  for (const std::string& path : {plain, gz}) {
    SCOPED_TRACE(path);
    const auto raw = load_dataset(path, raw_options());
    ASSERT_EQ(raw.data.rows(), 3);
    ASSERT_EQ(raw.data.cols(), 4);
    for (int i = 0; i < 12; ++i) {
      EXPECT_EQ(raw.data.data()[i], static_cast<float>(static_cast<unsigned char>(pixels[i])));
    }
    EXPECT_EQ(raw.source, path);
    EXPECT_FALSE(raw.lattice_size);
    const auto scaled = load_dataset(path);  // scale_bytes is the default
    for (int i = 0; i < 12; ++i) {
      EXPECT_EQ(scaled.data.data()[i],
                static_cast<float>(static_cast<unsigned char>(pixels[i])) / 255.0f);
    }
    EXPECT_EQ(scaled.data(1, 1), 1.0f);  // 255 maps to exactly 1
  }
}

TEST(io_DatasetIdx, OtherElementTypesAndRankOne) {
  TempDir dir;
  // float32 big-endian 2x2
  std::string f32 = idx_header(0x0D, {2, 2});
  for (float v : {1.5f, -2.0f, 0.1f, 1e30f}) put_be32(f32, std::bit_cast<std::uint32_t>(v));
  write_bytes(dir.file("f.idx"), f32);
  const auto a = load_dataset(dir.file("f.idx"));  // not uint8: no scaling
  MatrixF expect(2, 2);
  expect << 1.5f, -2.0f, 0.1f, 1e30f;
  EXPECT_TRUE(same_bits(a.data, expect));

  // int8 labels-like rank 1: refused as data; one column with one_column_vectors
  const std::string i8 = idx_header(0x09, {3}) + std::string{static_cast<char>(-128), 0, 127};
  write_bytes(dir.file("labels-idx1-ubyte"), i8);
  EXPECT_FILE_ERROR(load_dataset(dir.file("labels-idx1-ubyte")), dir.file("labels-idx1-ubyte"),
                    "a 1-D array of 3 values is not a dataset [N, D]");
  LoadOptions vectors;
  vectors.one_column_vectors = true;
  const auto b = load_dataset(dir.file("labels-idx1-ubyte"), vectors);
  ASSERT_EQ(b.data.rows(), 3);
  ASSERT_EQ(b.data.cols(), 1);
  EXPECT_EQ(b.data(0, 0), -128.0f);
  EXPECT_EQ(b.data(2, 0), 127.0f);

  // int16 and float64 big-endian
  std::string i16 = idx_header(0x0B, {1, 2}) +
                    std::string{static_cast<char>(0xff), static_cast<char>(0xfe), 0x01, 0x00};
  write_bytes(dir.file("s.idx"), i16);
  const auto c = load_dataset(dir.file("s.idx"));
  EXPECT_EQ(c.data(0, 0), -2.0f);
  EXPECT_EQ(c.data(0, 1), 256.0f);
  std::string f64 = idx_header(0x0E, {1, 1});
  const std::uint64_t bits = std::bit_cast<std::uint64_t>(0.25);
  put_be32(f64, static_cast<std::uint32_t>(bits >> 32));
  put_be32(f64, static_cast<std::uint32_t>(bits));
  write_bytes(dir.file("d.idx"), f64);
  EXPECT_EQ(load_dataset(dir.file("d.idx")).data(0, 0), 0.25f);
}

TEST(io_DatasetIdx, RejectsCorruptFiles) {
  TempDir dir;
  const auto check = [&](const std::string& name, const std::string& bytes,
                         const std::string& fragment, bool gzip = false, LoadOptions options = {}) {
    SCOPED_TRACE(name);
    const std::string path = dir.file(name);
    if (gzip) {
      write_gz(path, bytes);
    } else {
      write_bytes(path, bytes);
    }
    EXPECT_FILE_ERROR(load_dataset(path, options), path, fragment);
  };
  const std::string good = idx_header(0x08, {2, 3}) + std::string(6, '\x07');
  check("magic-ubyte", "\x01" + good.substr(1), "not an IDX file");
  check("type-ubyte", idx_header(0x07, {2, 3}) + std::string(6, '\0'), "unknown element type 0x07");
  check("rank0-ubyte", idx_header(0x08, {}), "rank 0");
  check("short-ubyte", good.substr(0, 3), "ends inside the IDX magic");
  check("dims-ubyte", good.substr(0, 9), "ends inside the IDX dimensions");
  check("trunc-ubyte", good.substr(0, good.size() - 1), "truncated file");
  check("trunc-ubyte.gz", good.substr(0, good.size() - 2), "truncated file", true);
  check("extra-ubyte", good + "x", "unexpected bytes after the data");
  check("empty-ubyte", idx_header(0x08, {0, 3}), "empty dataset");
  check("nan.idx", idx_header(0x0D, {1, 2}) + std::string("\x7f\xc0\0\0\x3f\x80\0\0", 8),
        "row 0, column 0 is not finite");
  // 2^31 x 2^31 elements: rejected from the header alone, before reading or allocating.
  check("absurd-ubyte", idx_header(0x08, {0x80000000u, 0x80000000u}), "max_elements");
  LoadOptions small;
  small.max_elements = 5;
  check("limit-ubyte", good, "more than max_elements = 5", false, small);
  // A cut gzip stream (the compressed bytes themselves end early).
  const std::string whole = dir.file("whole-ubyte.gz");
  write_gz(whole, idx_header(0x08, {100, 100}) + std::string(10000, '\x05'));
  std::string compressed = rgflow::test::read_bytes(whole);
  check("cutgz-ubyte", compressed.substr(0, compressed.size() / 2), "truncated", false);
}

// ---------------------------------------------------------------------------------------------
// NPY

TEST(io_DatasetNpy, SaveMatrixRoundTripBitExactPlainAndGzip) {
  TempDir dir;
  const MatrixF m = awkward_floats();
  const std::string path = dir.file("m.npy");
  save_matrix(path, m);
  EXPECT_EQ(dir.entries(), std::set<std::string>{"m.npy"});
  const std::string bytes = rgflow::test::read_bytes(path);
  // NumPy's layout: magic, v1.0, header padded so that the data start at a multiple of 64.
  ASSERT_GE(bytes.size(), 10u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  EXPECT_EQ((bytes.size() - sizeof(float) * m.size()) % 64, 0u);
  EXPECT_NE(bytes.find("'descr': '<f4', 'fortran_order': False, 'shape': (3, 4)"),
            std::string::npos);
  EXPECT_TRUE(same_bits(load_dataset(path).data, m));
  write_gz(dir.file("m.npy.gz"), bytes);
  EXPECT_TRUE(same_bits(load_dataset(dir.file("m.npy.gz")).data, m));
}

TEST(io_DatasetNpy, HandMadeHeadersForEachDtype) {
  TempDir dir;
  // |u1, 2x3, scaled by default
  write_bytes(dir.file("u1.npy"),
              npy_bytes("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }",
                        std::string{0, 51, static_cast<char>(255), 1, 2, 3}));
  const auto u1 = load_dataset(dir.file("u1.npy"));
  EXPECT_EQ(u1.data(0, 1), 51.0f / 255.0f);
  EXPECT_EQ(u1.data(0, 2), 1.0f);
  EXPECT_EQ(load_dataset(dir.file("u1.npy"), raw_options()).data(1, 2), 3.0f);

  // |i1, 1-D: refused as data, one column with one_column_vectors; not scaled (only uint8 is
  // pixel data)
  write_bytes(dir.file("i1.npy"),
              npy_bytes("{'descr': '|i1', 'fortran_order': False, 'shape': (3,), }",
                        std::string{static_cast<char>(-1), 1, static_cast<char>(-128)}));
  EXPECT_FILE_ERROR(load_dataset(dir.file("i1.npy")), dir.file("i1.npy"),
                    "a 1-D array of 3 values is not a dataset [N, D]: reshape it to (N, 1)");
  LoadOptions vectors;
  vectors.one_column_vectors = true;
  const auto i1 = load_dataset(dir.file("i1.npy"), vectors);
  ASSERT_EQ(i1.data.rows(), 3);
  ASSERT_EQ(i1.data.cols(), 1);
  EXPECT_EQ(i1.data(0, 0), -1.0f);
  EXPECT_EQ(i1.data(2, 0), -128.0f);

  // <f8, 3-D [2, 2, 2] flattened to [2, 4], version 2 header, double quotes
  const std::vector<double> d = {0.5, -1.25, 3.0, 1e-3, 7.0, 8.0, -9.0, 0.1};
  write_bytes(dir.file("f8.npy"),
              npy_bytes("{\"descr\": \"<f8\", \"fortran_order\": False, \"shape\": (2, 2, 2)}",
                        le_bytes(d), 2));
  const auto f8 = load_dataset(dir.file("f8.npy"));
  ASSERT_EQ(f8.data.rows(), 2);
  ASSERT_EQ(f8.data.cols(), 4);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(f8.data.data()[i], static_cast<float>(d[i]));

  // version 3 (utf-8 header) is read like version 2
  write_bytes(dir.file("v3.npy"),
              npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), }",
                        le_bytes(std::vector<float>{2.5f}), 3));
  EXPECT_EQ(load_dataset(dir.file("v3.npy")).data(0, 0), 2.5f);
}

TEST(io_DatasetNpy, RejectsBadHeadersAndData) {
  TempDir dir;
  const auto check = [&](const std::string& name, const std::string& bytes,
                         const std::string& fragment) {
    SCOPED_TRACE(name);
    const std::string path = dir.file(name);
    write_bytes(path, bytes);
    EXPECT_FILE_ERROR(load_dataset(path), path, fragment);
  };
  const std::string four = le_bytes(std::vector<float>{1, 2, 3, 4});
  check("fortran.npy",
        npy_bytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", four),
        "fortran_order True");
  check("big.npy", npy_bytes("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }", four),
        "big-endian");
  check("i4.npy", npy_bytes("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }", four),
        "unsupported NPY dtype '<i4'");
  check("magic.npy", "\x93NUMPX" + npy_bytes("{}", "").substr(6), "not an NPY file");
  check("version.npy", std::string("\x93NUMPY\x04\x00\x10\x00", 10),
        "unsupported NPY format version 4");
  check("scalar.npy",
        npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", four.substr(0, 4)),
        "0-dimensional");
  check("noshape.npy", npy_bytes("{'descr': '<f4', 'fortran_order': False, }", four),
        "malformed NPY header");
  check("badshape.npy",
        npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }", four),
        "malformed NPY shape");
  check(
      "trunc.npy",
      npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", four.substr(0, 15)),
      "truncated file");
  check("extra.npy",
        npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", four + "z"),
        "unexpected bytes after the data");
  check("empty.npy", npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 2), }", ""),
        "empty dataset");
  check(
      "absurd.npy",
      npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999), }", ""),
      "max_elements");
  // A v2 header length of 4 GiB: rejected before reading (or allocating) it.
  check("hugeheader.npy", std::string("\x93NUMPY\x02\x00\xff\xff\xff\xff", 12),
        "absurd NPY header length");
  check("cut.npy", std::string("\x93NUMPY\x01\x00\x40\x00{'descr'", 17),
        "ends inside the NPY header");
  check("inf.npy",
        npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }",
                  le_bytes(std::vector<double>{1.0, 1e300})),  // overflows float32
        "row 0, column 1 is not finite");
}

// ---------------------------------------------------------------------------------------------
// CSV and AMAT

TEST(io_DatasetText, CsvSaveMatrixRoundTripBitExact) {
  TempDir dir;
  const MatrixF m = awkward_floats();
  save_matrix(dir.file("m.csv"), m);
  EXPECT_EQ(dir.entries(), std::set<std::string>{"m.csv"});
  EXPECT_TRUE(same_bits(load_dataset(dir.file("m.csv")).data, m));
}

TEST(io_DatasetText, CsvHeaderWhitespaceCrlfAndGzip) {
  TempDir dir;
  const std::string text =
      "x, y ,z\r\n1, 2,3\r\n\r\n  -4.5e1 ,+5,0.25\r\n7,8,9";  // no final newline
  write_bytes(dir.file("a.csv"), text);
  write_gz(dir.file("a.csv.gz"), text);
  MatrixF expect(3, 3);
  expect << 1, 2, 3, -45, 5, 0.25f, 7, 8, 9;
  for (const char* name : {"a.csv", "a.csv.gz"}) {
    SCOPED_TRACE(name);
    const auto d = load_dataset(dir.file(name));
    EXPECT_TRUE(same_bits(d.data, expect));
    EXPECT_EQ(d.attributes.at("header"), "x, y ,z");
  }
  // pandas writes an unnamed index column: the header's first name is empty.
  write_bytes(dir.file("pandas.csv"), ",a,b\n0,1.5,2\n1,3,4\n");
  const auto p = load_dataset(dir.file("pandas.csv"));
  EXPECT_EQ(p.data.rows(), 2);
  EXPECT_EQ(p.data(1, 2), 4.0f);
  EXPECT_EQ(p.attributes.at("header"), ",a,b");
  // Beyond float range on the small side underflows to 0, as NumPy does.
  write_bytes(dir.file("tiny.csv"), "1e-50,1\n");
  EXPECT_EQ(load_dataset(dir.file("tiny.csv")).data(0, 0), 0.0f);
}

TEST(io_DatasetText, AmatWhitespaceRowsPlainAndGzip) {
  TempDir dir;
  const std::string text = "0 1 1 0\n1\t0 0  1 \n\n0 0 0 1\n";
  write_bytes(dir.file("b.amat"), text);
  write_gz(dir.file("b.amat.gz"), text);
  MatrixF expect(3, 4);
  expect << 0, 1, 1, 0, 1, 0, 0, 1, 0, 0, 0, 1;
  EXPECT_TRUE(same_bits(load_dataset(dir.file("b.amat")).data, expect));
  EXPECT_TRUE(same_bits(load_dataset(dir.file("b.amat.gz")).data, expect));
}

TEST(io_DatasetText, RejectsBadText) {
  TempDir dir;
  const auto check = [&](const std::string& name, const std::string& text,
                         const std::string& fragment, LoadOptions options = {}) {
    SCOPED_TRACE(name);
    const std::string path = dir.file(name);
    write_bytes(path, text);
    EXPECT_FILE_ERROR(load_dataset(path, options), path, fragment);
  };
  check("rows.csv", "1,2,3\n4,5,6\n7,8\n", "line 3 has 2 values, but line 1 has 3");
  check("rows.amat", "1 0\n0 1 1\n", "line 2 has 3 values, but line 1 has 2");
  check("word.csv", "1,2\n3,abc\n", "line 2, column 2: 'abc' is not a number");
  check("word.amat", "a b\n", "line 1, column 1: 'a' is not a number");  // .amat has no header
  check("field.csv", "1,,2\n", "line 1: field 2 is empty");
  check("nan.csv", "1,2\nnan,3\n", "line 2, column 1: value 'nan' is not finite");
  check("inf.amat", "1 inf\n", "value 'inf' is not finite");
  check("huge.csv", "1e39,0\n", "value '1e39' is not finite");
  check("empty.csv", "", "empty dataset");
  check("blank.amat", "\n  \n", "empty dataset");
  check("headeronly.csv", "a,b,c\n", "empty dataset");
  LoadOptions small;
  small.max_elements = 3;
  check("limit.csv", "1,2\n3,4\n", "more than max_elements = 3", small);
}

// ---------------------------------------------------------------------------------------------
// HDF5 datasets

TEST(io_DatasetHdf5, DataRoundTripBitExactWithAttributes) {
  TempDir dir;
  const std::string path = dir.file("d.h5");
  const MatrixF m = awkward_floats();
  save_dataset(path, m, {{"source", "unit test"}, {"seed", "5"}});
  EXPECT_EQ(dir.entries(), std::set<std::string>{"d.h5"});
  const auto d = load_dataset(path);
  EXPECT_TRUE(same_bits(d.data, m));
  EXPECT_FALSE(d.lattice_size);
  EXPECT_EQ(d.attributes.at("source"), "unit test");
  EXPECT_EQ(d.attributes.at("seed"), "5");
  EXPECT_EQ(d.attributes.count("rgflow_version"), 1u);
  const h5::File f = h5::File::open(path);
  EXPECT_EQ(f.element_type("/data"), "float32");
  EXPECT_EQ(f.shape("/data"), (std::vector<std::int64_t>{3, 4}));
}

TEST(io_DatasetHdf5, SpinLatticesAreStoredAsInt8) {
  TempDir dir;
  const std::string path = dir.file("ising.h5");
  rgflow::Rng rng(99);
  MatrixF spins(5, 9);  // five 3x3 lattices
  for (Index i = 0; i < spins.size(); ++i) spins.data()[i] = rng.uniform() < 0.5f ? -1.0f : 1.0f;
  save_dataset(path, spins, {{"temperature", "2.269"}, {"algorithm", "wolff"}}, 3);
  {
    const h5::File f = h5::File::open(path);
    EXPECT_FALSE(f.exists("/data"));
    EXPECT_EQ(f.element_type("/spins"), "int8");
    EXPECT_EQ(f.shape("/spins"), (std::vector<std::int64_t>{5, 3, 3}));
  }
  const auto d = load_dataset(path);
  EXPECT_TRUE(same_bits(d.data, spins));
  ASSERT_TRUE(d.lattice_size);
  EXPECT_EQ(*d.lattice_size, 3);
  EXPECT_EQ(d.attributes.at("algorithm"), "wolff");
  EXPECT_EQ(d.attributes.at("temperature"), "2.269");
}

TEST(io_DatasetHdf5, NonSpinLatticeDataKeepsLatticeSize) {
  TempDir dir;
  const std::string path = dir.file("blocks.h5");
  MatrixF m(2, 4);
  m << 0, 1, 1, 0, 0.5f, 0, 1, 1;  // not ±1: stored as /data with a lattice_size attribute
  save_dataset(path, m, {}, 2);
  const auto d = load_dataset(path);
  EXPECT_TRUE(same_bits(d.data, m));
  ASSERT_TRUE(d.lattice_size);
  EXPECT_EQ(*d.lattice_size, 2);
}

TEST(io_DatasetHdf5, ReadsForeignLayouts) {
  TempDir dir;
  const std::string path = dir.file("foreign.h5");
  {
    h5::File f = h5::File::create(path);
    f.write("/spins", std::vector<std::int8_t>{1, -1, -1, 1, 1, 1, 1, 1}, {2, 2, 2});
    f.set_attribute("/spins", "temperature", 2.5);
    f.set_attribute("/spins", "seed", std::int64_t{17});
  }
  const auto d = load_dataset(path);
  ASSERT_EQ(d.data.rows(), 2);
  ASSERT_EQ(d.data.cols(), 4);
  EXPECT_EQ(d.data(0, 1), -1.0f);
  EXPECT_EQ(*d.lattice_size, 2);
  EXPECT_EQ(d.attributes.at("temperature"), "2.5");
  EXPECT_EQ(d.attributes.at("seed"), "17");
}

TEST(io_DatasetHdf5, RejectsBadFilesAndLeavesNothingOnFailedSave) {
  TempDir dir;
  const auto make = [&](const std::string& name, auto&& fill) {
    const std::string path = dir.file(name);
    h5::File f = h5::File::create(path);
    fill(f);
    return path;
  };
  const std::string none =
      make("none.h5", [](h5::File& f) { f.write("/other", MatrixF::Ones(2, 2).eval()); });
  EXPECT_FILE_ERROR(load_dataset(none), none, "no dataset '/data' or '/spins'");
  const std::string shape = make("shape.h5", [](h5::File& f) {
    f.write("/spins", std::vector<std::int8_t>(6, 1), {1, 2, 3});
  });
  EXPECT_FILE_ERROR(load_dataset(shape), shape, "'/spins' has shape [1, 2, 3], expected [N, L, L]");
  const std::string nan = make("nan.h5", [](h5::File& f) {
    MatrixF m = MatrixF::Ones(2, 2);
    m(1, 0) = std::numeric_limits<float>::quiet_NaN();
    f.write("/data", m);
  });
  EXPECT_FILE_ERROR(load_dataset(nan), nan, "row 1, column 0 is not finite");
  const std::string empty = make("empty.h5", [](h5::File& f) { f.write("/data", MatrixF(0, 3)); });
  EXPECT_FILE_ERROR(load_dataset(empty), empty, "empty dataset");
  // A corrupt lattice_size whose square overflows int64 (found by fuzz_hdf5_dataset): refused.
  const std::string huge = make("huge_side.h5", [](h5::File& f) {
    f.write("/data", MatrixF(MatrixF::Ones(2, 4)));
    f.set_attribute("/data", "lattice_size", std::numeric_limits<std::int64_t>::max());
  });
  EXPECT_FILE_ERROR(load_dataset(huge), huge, "does not match");
  const std::string text = dir.file("text.h5");
  write_bytes(text, "1,2,3\n");
  EXPECT_FILE_ERROR(load_dataset(text), text, "not an HDF5 file");
  const std::string gz = dir.file("x.h5.gz");
  EXPECT_FILE_ERROR(load_dataset(gz), gz, "gzip-compressed HDF5");
  const auto before = dir.entries();

  const MatrixF m = MatrixF::Ones(2, 4);
  const std::string nodir = dir.file("missing/out.h5");
  EXPECT_FILE_ERROR(save_dataset(nodir, m), nodir, "cannot create temporary file");
  const std::string badl = dir.file("badl.h5");
  EXPECT_FILE_ERROR(save_dataset(badl, m, {}, 3), badl,
                    "lattice_size 3 does not match the 4 columns");
  MatrixF inf = m;
  inf(0, 3) = std::numeric_limits<float>::infinity();
  const std::string badv = dir.file("badv.h5");
  EXPECT_FILE_ERROR(save_dataset(badv, inf), badv, "row 0, column 3 is not finite");
  const std::string ext = dir.file("out.npy");
  EXPECT_FILE_ERROR(save_dataset(ext, m), ext, "save_dataset writes HDF5");
  const std::string zero = dir.file("zero.h5");
  EXPECT_FILE_ERROR(save_dataset(zero, MatrixF(0, 4)), zero, "empty dataset");
  EXPECT_EQ(dir.entries(), before);  // no output and no temporaries left behind
}

// ---------------------------------------------------------------------------------------------
// Generic behaviour and LoadOptions

TEST(io_Dataset, MissingFileUnknownFormatAndBadSaveMatrix) {
  TempDir dir;
  for (const char* name : {"nope.csv", "nope-ubyte.gz", "nope.npy", "nope.amat", "nope.h5"}) {
    const std::string path = dir.file(name);
    EXPECT_FILE_ERROR(load_dataset(path), path, "no such file");
  }
  const std::string unknown = dir.file("data.txt");
  write_bytes(unknown, "1 2\n");
  EXPECT_FILE_ERROR(load_dataset(unknown), unknown, "unknown dataset format");
  const std::string folder = dir.file("folder.csv");
  std::filesystem::create_directory(folder);
  EXPECT_FILE_ERROR(load_dataset(folder), folder, "directory");
  const auto before = dir.entries();

  const MatrixF m = MatrixF::Ones(2, 2);
  const std::string txt = dir.file("m.txt");
  EXPECT_FILE_ERROR(save_matrix(txt, m), txt, "unknown extension");
  const std::string nodir = dir.file("missing/m.npy");
  EXPECT_FILE_ERROR(save_matrix(nodir, m), nodir, "cannot create temporary file");
  MatrixF nan = m;
  nan(1, 1) = std::numeric_limits<float>::quiet_NaN();
  const std::string bad = dir.file("nan.csv");
  EXPECT_FILE_ERROR(save_matrix(bad, nan), bad, "row 1, column 1 is not finite");
  EXPECT_EQ(dir.entries(), before);
}

TEST(io_Dataset, ParseBinarize) {
  EXPECT_EQ(rgflow::io::parse_binarize("none"), Binarize::none);
  EXPECT_EQ(rgflow::io::parse_binarize("threshold"), Binarize::threshold);
  EXPECT_EQ(rgflow::io::parse_binarize("stochastic"), Binarize::stochastic);
  EXPECT_THROW(rgflow::io::parse_binarize("Threshold"), rgflow::Error);
}

TEST(io_Dataset, ThresholdAndSpinOptions) {
  TempDir dir;
  // uint8 pixels 0, 127, 128, 255 → /255 → threshold 0.5 (x > 0.5): 127/255 < 0.5 < 128/255.
  write_bytes(dir.file("p-ubyte"),
              idx_header(0x08, {1, 4}) +
                  std::string{0, 127, static_cast<char>(128), static_cast<char>(255)});
  LoadOptions o;
  o.binarize = Binarize::threshold;
  MatrixF expect(1, 4);
  expect << 0, 0, 1, 1;
  EXPECT_TRUE(same_bits(load_dataset(dir.file("p-ubyte"), o).data, expect));
  o.to_spins = true;
  expect << -1, -1, 1, 1;
  EXPECT_TRUE(same_bits(load_dataset(dir.file("p-ubyte"), o).data, expect));
  // Unscaled bytes with a threshold of 127: x > 127.
  o = raw_options();
  o.binarize = Binarize::threshold;
  o.threshold = 127;
  expect << 0, 0, 1, 1;
  EXPECT_TRUE(same_bits(load_dataset(dir.file("p-ubyte"), o).data, expect));

  // to_spins on data that are already ±1 leaves them; on other data it is an error.
  write_bytes(dir.file("s.csv"), "1,-1\n-1,1\n");
  LoadOptions spins;
  spins.to_spins = true;
  MatrixF s(2, 2);
  s << 1, -1, -1, 1;
  EXPECT_TRUE(same_bits(load_dataset(dir.file("s.csv"), spins).data, s));
  write_bytes(dir.file("g.csv"), "0,1\n0.5,1\n");
  EXPECT_FILE_ERROR(load_dataset(dir.file("g.csv"), spins), dir.file("g.csv"),
                    "to_spins needs 0/1 data (binarize first); found 0.5 at row 1, column 0");
}

TEST(io_Dataset, StochasticBinarizationIsSeededAndUnbiased) {
  TempDir dir;
  // 4000 rows of probabilities (0, 0.25, 0.5, 1).
  const Index n = 4000;
  MatrixF p(n, 4);
  for (Index r = 0; r < n; ++r) p.row(r) << 0.0f, 0.25f, 0.5f, 1.0f;
  save_matrix(dir.file("p.npy"), p);
  LoadOptions o;
  o.binarize = Binarize::stochastic;
  o.seed = 2024;
  const MatrixF a = load_dataset(dir.file("p.npy"), o).data;
  EXPECT_TRUE(same_bits(a, load_dataset(dir.file("p.npy"), o).data));  // reproducible
  // The documented rule, recomputed independently: draws in row-major order from Rng(seed).
  rgflow::Rng rng(2024);
  MatrixF expect(n, 4);
  for (Index i = 0; i < expect.size(); ++i)
    expect.data()[i] = rng.uniform() < p.data()[i] ? 1.0f : 0.0f;
  EXPECT_TRUE(same_bits(a, expect));
  // Means within 4 standard errors of the probabilities; p = 0 and 1 are exact.
  const Eigen::RowVectorXd mean = a.cast<double>().colwise().mean();
  EXPECT_EQ(mean[0], 0.0);
  EXPECT_EQ(mean[3], 1.0);
  EXPECT_NEAR(mean[1], 0.25, 4 * std::sqrt(0.25 * 0.75 / n));
  EXPECT_NEAR(mean[2], 0.5, 4 * std::sqrt(0.25 / n));
  o.seed = 2025;
  EXPECT_FALSE(same_bits(a, load_dataset(dir.file("p.npy"), o).data));

  write_bytes(dir.file("big.csv"), "0.5,2\n");
  EXPECT_FILE_ERROR(load_dataset(dir.file("big.csv"), o), dir.file("big.csv"),
                    "stochastic binarization needs values in [0, 1]; found 2 at row 0, column 1");
}

// ---------------------------------------------------------------------------------------------
// The real datasets in shared/data (SOURCES.md documents their provenance and checksums).

namespace {
std::string shared_data(const std::string& relative) {
  return std::string(RGFLOW_SHARED_DATA_DIR) + "/" + relative;
}
}  // namespace

TEST(io_DatasetReal, MnistTestImages) {
  const std::string path = shared_data("mnist/t10k-images-idx3-ubyte.gz");
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "shared data not found: " << path;
  const auto d = load_dataset(path);
  ASSERT_EQ(d.data.rows(), 10000);
  ASSERT_EQ(d.data.cols(), 784);
  EXPECT_EQ(d.data.minCoeff(), 0.0f);
  EXPECT_EQ(d.data.maxCoeff(), 1.0f);
  // SOURCES.md: test pixel mean 0.1325 (of /255 values).
  EXPECT_NEAR(d.data.cast<double>().mean(), 0.1325, 5e-4);
  LoadOptions vectors = raw_options();
  vectors.one_column_vectors = true;
  const auto labels = load_dataset(shared_data("mnist/t10k-labels-idx1-ubyte.gz"), vectors);
  ASSERT_EQ(labels.data.rows(), 10000);
  ASSERT_EQ(labels.data.cols(), 1);
  // SOURCES.md: test class counts 980 1135 1032 1010 982 892 958 1028 974 1009.
  const int counts[10] = {980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009};
  for (int k = 0; k < 10; ++k) EXPECT_EQ((labels.data.array() == float(k)).count(), counts[k]) << k;
}

TEST(io_DatasetReal, BinarizedMnistTest) {
  const std::string path = shared_data("binarized_mnist/binarized_mnist_test.amat.gz");
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "shared data not found: " << path;
  const auto d = load_dataset(path);
  ASSERT_EQ(d.data.rows(), 10000);
  ASSERT_EQ(d.data.cols(), 784);
  EXPECT_TRUE((d.data.array() == 0.0f || d.data.array() == 1.0f).all());
  EXPECT_NEAR(d.data.cast<double>().mean(), 0.1325, 5e-4);  // SOURCES.md: test mean 0.1325
}

TEST(io_DatasetReal, SklearnDigitsCsvKeepsItsLabelColumn) {
  // digits.csv.gz has no header and 65 columns: 64 pixels (0..16) and then the class label.
  // load_dataset is format-generic and returns all 65 columns; a caller that wants pixels only
  // takes data.leftCols(64) (and may scale by 1/16). We check exactly that layout here.
  const std::string path = shared_data("digits/digits.csv.gz");
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "shared data not found: " << path;
  const auto d = load_dataset(path);
  ASSERT_EQ(d.data.rows(), 1797);
  ASSERT_EQ(d.data.cols(), 65);
  EXPECT_EQ(d.attributes.count("header"), 0u);
  const auto pixels = d.data.leftCols(64).array();
  EXPECT_TRUE((pixels >= 0.0f && pixels <= 16.0f && pixels == pixels.round()).all());
  // SOURCES.md: class counts 178 182 177 183 181 182 181 179 174 180.
  const int counts[10] = {178, 182, 177, 183, 181, 182, 181, 179, 174, 180};
  for (int k = 0; k < 10; ++k)
    EXPECT_EQ((d.data.col(64).array() == float(k)).count(), counts[k]) << k;
}

TEST(io_Dataset, ColumnListsParseAndResolveLikePythonIndices) {
  using rgflow::io::parse_columns;
  using rgflow::io::resolve_columns;
  const auto cols = [](const std::string& list, Index n) {
    return resolve_columns(parse_columns(list), n, "f.csv");
  };
  EXPECT_EQ(cols("0,3,-1", 5), (std::vector<Index>{0, 3, 4}));
  EXPECT_EQ(cols(":3", 5), (std::vector<Index>{0, 1, 2}));
  EXPECT_EQ(cols("-2:", 5), (std::vector<Index>{3, 4}));
  EXPECT_EQ(cols("1:-1", 5), (std::vector<Index>{1, 2, 3}));
  EXPECT_EQ(cols(":", 3), (std::vector<Index>{0, 1, 2}));
  EXPECT_EQ(cols("2:100", 4), (std::vector<Index>{2, 3}));  // slice bounds clip, as in Python
  EXPECT_TRUE(cols("3:1", 4).empty());
  for (const char* bad : {"", ",", "1,", "a", "1:2:3", "1.5", "0x2"}) {
    EXPECT_THROW(parse_columns(bad), rgflow::Error) << bad;
  }
  EXPECT_FILE_ERROR(cols("5", 5), "f.csv", "column 5 does not exist (the data have 5 columns)");
  EXPECT_FILE_ERROR(cols("-6", 5), "f.csv", "column -6 does not exist (the data have 5 columns)");
}

TEST(io_Dataset, ColumnSelectionAndValueRangeComeBeforeBinarizing) {
  TempDir dir;
  // Two rows of three "pixels" in 0..16 and a label.
  write_bytes(dir.file("d.csv"), "0,8,16,3\n4,12,16,7\n");
  LoadOptions o;
  o.drop_columns = rgflow::io::parse_columns("-1");
  o.value_range = std::make_pair(0.0, 16.0);
  MatrixF expect(2, 3);
  expect << 0.0f, 0.5f, 1.0f, 0.25f, 0.75f, 1.0f;
  EXPECT_TRUE(same_bits(load_dataset(dir.file("d.csv"), o).data, expect));
  o.binarize = Binarize::threshold;  // 0.5 is not > 0.5
  expect << 0, 0, 1, 0, 1, 1;
  EXPECT_TRUE(same_bits(load_dataset(dir.file("d.csv"), o).data, expect));

  LoadOptions keep;  // keep the label and the first pixel, in that order
  keep.columns = rgflow::io::parse_columns("-1,0");
  MatrixF kept(2, 2);
  kept << 3, 0, 7, 4;
  EXPECT_TRUE(same_bits(load_dataset(dir.file("d.csv"), keep).data, kept));
  keep.drop_columns = rgflow::io::parse_columns(":");
  EXPECT_FILE_ERROR(load_dataset(dir.file("d.csv"), keep), dir.file("d.csv"),
                    "no column is left of the 4 columns");

  LoadOptions range;
  range.value_range = std::make_pair(0.0, 10.0);
  EXPECT_FILE_ERROR(load_dataset(dir.file("d.csv"), range), dir.file("d.csv"),
                    "value 16 at row 0, column 2 is outside the value range [0, 10]");
  range.value_range = std::make_pair(1.0, 1.0);
  EXPECT_THROW(load_dataset(dir.file("d.csv"), range), rgflow::Error);
}

TEST(io_DatasetReal, SklearnDigitsPixelsByColumnOptions) {
  const std::string path = shared_data("digits/digits.csv.gz");
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "shared data not found: " << path;
  const auto all = load_dataset(path);
  LoadOptions o;
  o.drop_columns = rgflow::io::parse_columns("-1");
  o.value_range = std::make_pair(0.0, 16.0);
  const auto d = load_dataset(path, o);
  ASSERT_EQ(d.data.cols(), 64);
  const MatrixF expect = all.data.leftCols(64) / 16.0f;  // exact: 16 is a power of 2
  EXPECT_TRUE(same_bits(d.data, expect));
}
