#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>

#include "rgflow/core/rng.hpp"
#include "rgflow/io/hdf5.hpp"
#include "test_io_support.hpp"

using rgflow::MatrixD;
using rgflow::MatrixF;
using rgflow::VectorF;
using rgflow::io::h5::File;
using rgflow::test::TempDir;

namespace {

// Bitwise equality: the HDF5 layer must not round, flush denormals or canonicalize -0.
template <class A, class B>
bool same_bits(const A& a, const B& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), sizeof(typename A::Scalar) * a.size()) == 0;
}

MatrixF awkward_floats() {
  MatrixF m(2, 3);
  m << 0.1f, -0.0f, std::numeric_limits<float>::denorm_min(), std::numeric_limits<float>::max(),
      -std::numeric_limits<float>::min(), 1.0f / 3.0f;
  return m;
}

}  // namespace

TEST(io_Hdf5, DatasetsRoundTripBitExact) {
  TempDir dir;
  const std::string path = dir.file("t.h5");
  const MatrixF mf = awkward_floats();
  MatrixD md(3, 2);
  md << 0.1, -0.0, 1e-310, 1e300, -2.5, 1.0 / 3.0;
  VectorF v(4);
  v << 1.5f, -2.25f, 0.0f, 1e-30f;
  const std::vector<std::int8_t> spins = {1, -1, -1, 1, 1, 1, -1, -1};
  const std::vector<std::uint64_t> u64 = {0, 1, std::numeric_limits<std::uint64_t>::max(),
                                          0x123456789abcdef0ULL};
  {
    File f = File::create(path);
    f.write("/a/b/matrix_f", mf);  // intermediate groups are created
    f.write("/matrix_d", md);
    f.write("/vector", v);
    f.write("/spins", spins, {2, 2, 2});
    f.write("/counters", u64);
    f.close();
    f.close();  // idempotent
  }
  const File f = File::open(path);
  EXPECT_TRUE(same_bits(f.read_matrix("/a/b/matrix_f"), mf));
  EXPECT_TRUE(same_bits(f.read_matrix_double("/matrix_d"), md));
  const VectorF v2 = f.read_vector("/vector");
  ASSERT_EQ(v2.size(), 4);
  EXPECT_EQ(std::memcmp(v2.data(), v.data(), sizeof(float) * 4), 0);
  EXPECT_EQ(f.read_u64("/counters"), u64);
  EXPECT_EQ(f.shape("/spins"), (std::vector<std::int64_t>{2, 2, 2}));
  EXPECT_EQ(f.shape("/a/b/matrix_f"), (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(f.element_type("/spins"), "int8");
  EXPECT_EQ(f.element_type("/a/b/matrix_f"), "float32");
  EXPECT_EQ(f.element_type("/matrix_d"), "float64");
  EXPECT_EQ(f.element_type("/counters"), "uint64");
  // Rank 3 is flattened to [dim0, rest]; int8 converts exactly to float.
  const MatrixF s = f.read_matrix("/spins");
  ASSERT_EQ(s.rows(), 2);
  ASSERT_EQ(s.cols(), 4);
  for (std::size_t i = 0; i < spins.size(); ++i) EXPECT_EQ(s.data()[i], spins[i]);
  // Rank 1 reads as one column.
  const MatrixF vc = f.read_matrix("/vector");
  EXPECT_EQ(vc.rows(), 4);
  EXPECT_EQ(vc.cols(), 1);
  // float32 read as double and back is exact.
  EXPECT_TRUE(same_bits(f.read_matrix_double("/a/b/matrix_f").cast<float>().eval(), mf));
}

TEST(io_Hdf5, EmptyMatrixRoundTrips) {
  TempDir dir;
  const std::string path = dir.file("t.h5");
  {
    File f = File::create(path);
    f.write("/empty", MatrixF(0, 5));
  }
  const File f = File::open(path);
  EXPECT_EQ(f.shape("/empty"), (std::vector<std::int64_t>{0, 5}));
  EXPECT_EQ(f.read_matrix("/empty").rows(), 0);
}

TEST(io_Hdf5, ExistsWalksEveryComponent) {
  TempDir dir;
  File f = File::create(dir.file("t.h5"));
  f.write("/g/h/data", MatrixF::Zero(1, 1).eval());
  EXPECT_TRUE(f.exists("/"));
  EXPECT_TRUE(f.exists("/g"));
  EXPECT_TRUE(f.exists("/g/h"));
  EXPECT_TRUE(f.exists("/g/h/data"));
  EXPECT_FALSE(f.exists("/x/y/z"));       // missing intermediate: false, not an error
  EXPECT_FALSE(f.exists("/g/h/data/z"));  // below a dataset
  EXPECT_FALSE(f.exists(""));
}

TEST(io_Hdf5, AttributesRoundTripAndReplace) {
  TempDir dir;
  const std::string path = dir.file("t.h5");
  {
    File f = File::create(path);
    f.write("/data", MatrixF::Ones(2, 2).eval());
    f.set_attribute("/data", "algorithm", std::string("wolff"));
    f.set_attribute("/data", "empty", std::string());
    f.set_attribute("/data", "seed", std::int64_t{-42});
    f.set_attribute("/data", "temperature", 2.269185314213022);
    f.set_attribute("/meta/run", "note", std::string("créé: utf-8"));  // creates the groups
    f.set_attribute("/data", "seed", std::int64_t{7});                 // replaces
  }
  const File f = File::open(path);
  EXPECT_EQ(f.string_attribute("/data", "algorithm"), "wolff");
  EXPECT_EQ(f.string_attribute("/data", "empty"), "");
  EXPECT_EQ(f.int_attribute("/data", "seed"), 7);
  EXPECT_EQ(f.double_attribute("/data", "temperature"), 2.269185314213022);
  EXPECT_EQ(f.double_attribute("/data", "seed"), 7.0);  // integers widen to double
  EXPECT_EQ(f.string_attribute("/meta/run", "note"), "créé: utf-8");
  EXPECT_TRUE(f.has_attribute("/data", "seed"));
  EXPECT_FALSE(f.has_attribute("/data", "nope"));
  EXPECT_FALSE(f.has_attribute("/missing", "seed"));
  const std::map<std::string, std::string> expected = {
      {"algorithm", "wolff"}, {"empty", ""}, {"seed", "7"}, {"temperature", "2.269185314213022"}};
  EXPECT_EQ(f.attributes("/data"), expected);
}

TEST(io_Hdf5, MoveTransfersOwnership) {
  TempDir dir;
  File a = File::create(dir.file("a.h5"));
  const std::int64_t id = a.id();
  File b = std::move(a);
  EXPECT_EQ(b.id(), id);
  b.write("/x", MatrixF::Zero(1, 1).eval());
  File c = File::create(dir.file("c.h5"));
  c = std::move(b);
  EXPECT_TRUE(c.exists("/x"));
}

TEST(io_Hdf5, OpenRejectsMissingNonHdf5AndTruncatedFiles) {
  TempDir dir;
  const std::string missing = dir.file("missing.h5");
  EXPECT_FILE_ERROR(File::open(missing), missing, "no such file");

  const std::string text = dir.file("text.h5");
  rgflow::test::write_bytes(text, "this is not HDF5\n");
  EXPECT_FILE_ERROR(File::open(text), text, "not an HDF5 file");

  EXPECT_FILE_ERROR(File::open(dir.root().string()), dir.root().string(), "directory");

  // A real file cut in half: the open or the read must fail with a FileError, never crash.
  const std::string cut = dir.file("cut.h5");
  {
    File f = File::create(cut);
    f.write("/data", MatrixF::Ones(200, 50).eval());
  }
  std::filesystem::resize_file(cut, std::filesystem::file_size(cut) / 2);
  try {
    const File f = File::open(cut);
    (void)f.read_matrix("/data");
    ADD_FAILURE() << "truncated file was read";
  } catch (const rgflow::FileError& e) {
    EXPECT_EQ(e.path(), cut);
  }
}

TEST(io_Hdf5, ErrorsNameTheObject) {
  TempDir dir;
  const std::string path = dir.file("t.h5");
  File f = File::create(path);
  f.write("/m", MatrixF::Ones(2, 3).eval());
  f.set_attribute("/m", "n", std::int64_t{3});
  f.set_attribute("/m", "s", std::string("three"));
  EXPECT_FILE_ERROR(f.read_matrix("/nope"), path, "no dataset '/nope'");
  EXPECT_FILE_ERROR(f.shape("/a/b"), path, "'/a/b'");
  EXPECT_FILE_ERROR(f.read_vector("/m"), path, "'/m' has rank 2");
  EXPECT_FILE_ERROR(f.read_u64("/m"), path, "integer");
  EXPECT_FILE_ERROR(f.write("/m", MatrixF::Ones(1, 1).eval()), path, "'/m' already exists");
  EXPECT_FILE_ERROR(f.string_attribute("/m", "n"), path, "attribute 'n' of '/m' is not a string");
  EXPECT_FILE_ERROR(f.int_attribute("/m", "s"), path, "attribute 's' of '/m' is not an integer");
  EXPECT_FILE_ERROR(f.double_attribute("/m", "s"), path, "not a number");
  EXPECT_FILE_ERROR(f.int_attribute("/m", "missing"), path, "'/m' has no attribute 'missing'");
  EXPECT_FILE_ERROR(f.attributes("/nope"), path, "no object '/nope'");
  EXPECT_FILE_ERROR(f.write("/v", std::vector<std::int8_t>{1, 2, 3}, {2, 2}), path,
                    "do not fill the given shape");
}

TEST(io_Hdf5, CreateInMissingDirectoryThrows) {
  TempDir dir;
  const std::string path = dir.file("no/dir/t.h5");
  EXPECT_FILE_ERROR(File::create(path), path, "cannot create HDF5 file");
}
