// Reliability of the io layer (docs/reliability.md): the seal of rgflow's HDF5 files (every change
// of a byte is refused before libhdf5 parses the file), in-memory images, stale temporaries,
// interrupted commits, and the data checks of issue #20 (1-D arrays, NPY headers, uint8 0/1 data,
// thresholds, standardisation datasets, hostile tokens in messages).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>

#include "rgflow/core/cancel.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/core/quote.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/io/atomic_file.hpp"
#include "rgflow/io/dataset.hpp"
#include "rgflow/io/hdf5.hpp"
#include "rgflow/io/model.hpp"
#include "test_io_support.hpp"

namespace rgflow::io {
namespace {

using test::read_bytes;
using test::TempDir;
using test::write_bytes;

Rbm small_model() {
  Rbm rbm(6, 3, UnitType::bernoulli, UnitType::bernoulli);
  Rng rng(5);
  for (Index i = 0; i < rbm.weights().size(); ++i) {
    rbm.weights().data()[i] = static_cast<float>(rng.normal());
  }
  rbm.visible_bias().setConstant(0.25f);
  rbm.hidden_bias().setConstant(-0.5f);
  return rbm;
}

// The NumPy preamble for a v1.0 header `dict` (padded to 64 bytes, ends with a newline).
std::string npy_v1(std::string dict, const std::string& payload) {
  const std::size_t total = 10 + dict.size() + 1;
  dict.append((64 - total % 64) % 64, ' ');
  dict.push_back('\n');
  std::string out = std::string("\x93NUMPY\x01\x00", 8);
  out.push_back(static_cast<char>(dict.size() & 0xff));
  out.push_back(static_cast<char>(dict.size() >> 8));
  return out + dict + payload;
}

TEST(io_Seal, FilesAreSealedDeterministicAndReadableWithoutTheSeal) {
  TempDir dir;
  save_rbm(dir.file("a.h5"), small_model(), {{"seed", "5"}});
  save_rbm(dir.file("b.h5"), small_model(), {{"seed", "5"}});
  const std::string a = read_bytes(dir.file("a.h5"));
  EXPECT_EQ(a.substr(0, 16), "RGFLOW-H5-SEAL1\n");
  EXPECT_EQ(a.substr(512, 8), std::string("\x89HDF\r\n\x1a\n", 8));  // superblock after the seal
  EXPECT_EQ(a, read_bytes(dir.file("b.h5")));  // no timestamps: same content, same bytes
  // Without the user block the HDF5 part is a plain HDF5 file (what h5py and libhdf5 see).
  write_bytes(dir.file("plain.h5"), a.substr(512));
  const Rbm plain = load_rbm(dir.file("plain.h5"));
  EXPECT_EQ(plain.weights(), small_model().weights());
}

TEST(io_Seal, EverySingleByteChangeIsRefusedBeforeHdf5ReadsTheFile) {
  TempDir dir;
  save_rbm(dir.file("m.h5"), small_model(), {{"seed", "5"}});
  const std::string good = read_bytes(dir.file("m.h5"));
  ASSERT_GT(good.size(), 1024u);
  // Every byte of the file, changed three ways (low bit, high bit, all bits): the seal's CRC-32
  // detects every burst of up to 32 bits, so each of these must be refused (in memory: the same
  // checks as a file, h5::File::open_image).
  std::string damaged = good;
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (const unsigned char flip : {0x01, 0x80, 0xff}) {
      damaged[i] = static_cast<char>(static_cast<unsigned char>(good[i]) ^ flip);
      try {
        const h5::File f = h5::File::open_image(damaged.data(), damaged.size(), "damaged");
        read_rbm(f, "/rbm");
        ADD_FAILURE() << "byte " << i << " ^ " << int{flip} << " was accepted";
        return;
      } catch (const FileError& e) {
        if (e.path() != "damaged") {
          ADD_FAILURE() << e.what();
          return;
        }
      }
    }
    damaged[i] = good[i];
  }
  // And through a file on disk, for one byte in the seal and one in the HDF5 part.
  for (const std::size_t i : {std::size_t{20}, good.size() / 2}) {
    damaged[i] = static_cast<char>(damaged[i] ^ 1);
    write_bytes(dir.file("bad.h5"), damaged);
    EXPECT_THROW(load_rbm(dir.file("bad.h5")), FileError) << i;
    damaged[i] = good[i];
  }
}

TEST(io_Seal, TruncatedExtendedAndForeignUserBlocksAreRefused) {
  TempDir dir;
  save_rbm(dir.file("m.h5"), small_model());
  const std::string good = read_bytes(dir.file("m.h5"));
  const auto refused = [&](const std::string& name, const std::string& bytes,
                           const std::string& fragment) {
    write_bytes(dir.file(name), bytes);
    EXPECT_FILE_ERROR(load_rbm(dir.file(name)), dir.file(name), fragment);
  };
  refused("short.h5", good.substr(0, good.size() - 1), "truncated or corrupt file");
  refused("long.h5", good + "x", "truncated or corrupt file");
  refused("head.h5", good.substr(0, 300), "no HDF5 data after the rgflow seal");
  // A user block that is not rgflow's seal, in front of an intact HDF5 part.
  refused("foreign.h5", std::string(512, 'u') + good.substr(512), "user block rgflow did not write");
  refused("zeros.h5", std::string(512, '\0') + good.substr(512), "user block rgflow did not write");
  refused("empty.h5", "", "empty file");
  refused("text.h5", "hello\n", "not an HDF5 file");
}

TEST(io_Seal, InMemoryImagesGetTheSameChecks) {
  TempDir dir;
  save_rbm(dir.file("m.h5"), small_model());
  std::string image = read_bytes(dir.file("m.h5"));
  {
    const h5::File f = h5::File::open_image(image.data(), image.size(), "memory");
    EXPECT_EQ(read_rbm(f, "/rbm").weights(), small_model().weights());
  }
  const std::string plain = image.substr(512);
  {
    const h5::File f = h5::File::open_image(plain.data(), plain.size(), "plain");
    EXPECT_EQ(read_rbm(f, "/rbm").hidden_bias(), small_model().hidden_bias());
  }
  image[2000] = static_cast<char>(image[2000] ^ 4);
  EXPECT_FILE_ERROR(h5::File::open_image(image.data(), image.size(), "memory"), "memory",
                    "checksum mismatch");
  EXPECT_FILE_ERROR(h5::File::open_image(image.data(), 3, "tiny"), "tiny", "not an HDF5 file");
}

TEST(io_Seal, StringAttributesAreFixedLengthAndRoundTrip) {
  TempDir dir;
  const std::string path = dir.file("a.h5");
  {
    h5::File f = h5::File::create(path);
    f.write("/x", MatrixF::Ones(2, 2).eval());
    f.set_attribute("/x", "empty", std::string());
    f.set_attribute("/x", "text", std::string("bernoulli ✓"));
    EXPECT_FILE_ERROR(f.set_attribute("/x", "nul", std::string("a\0b", 3)), path, "NUL byte");
    f.close();
  }
  const h5::File f = h5::File::open(path);
  EXPECT_EQ(f.string_attribute("/x", "empty"), "");
  EXPECT_EQ(f.string_attribute("/x", "text"), "bernoulli ✓");
}

TEST(io_AtomicFile, RemovesTemporariesOfDeadWritersOnly) {
  TempDir dir;
  // A process id that certainly ran and ended: a child we waited for.
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  ASSERT_EQ(::waitpid(child, nullptr, 0), child);
  const std::string dead = "out.h5.tmp-" + std::to_string(child) + "-3";
  const std::string alive = "out.h5.tmp-" + std::to_string(::getpid()) + "-999";
  const std::string other = "other.h5.tmp-" + std::to_string(child) + "-0";
  for (const std::string& name : {dead, alive, other, std::string("out.h5.tmp-x-1"),
                                  std::string("out.h5.tmp-1-2-3")}) {
    write_bytes(dir.file(name), "stale");
  }
  {
    AtomicFile file(dir.file("out.h5"));
    write_bytes(file.temp_path(), "new");
    file.commit();
  }
  EXPECT_EQ(dir.entries(), (std::set<std::string>{"out.h5", alive, other, "out.h5.tmp-x-1",
                                                  "out.h5.tmp-1-2-3"}));
}

TEST(io_AtomicFile, CommitAfterACancelRequestWritesNothing) {
  TempDir dir;
  write_bytes(dir.file("out.txt"), "old");
  {
    AtomicFile file(dir.file("out.txt"));
    write_bytes(file.temp_path(), "new");
    request_cancel();
    EXPECT_THROW(file.commit(), Cancelled);
    reset_cancel();
  }
  EXPECT_EQ(read_bytes(dir.file("out.txt")), "old");
  EXPECT_EQ(dir.entries(), std::set<std::string>{"out.txt"});
}

TEST(io_DataChecks, OneDimensionalArraysAreRefusedInEveryBinaryFormat) {
  TempDir dir;
  const std::string npy = dir.file("v.npy");
  write_bytes(npy, npy_v1("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }",
                          std::string(8, '\0')));
  EXPECT_FILE_ERROR(load_dataset(npy), npy, "a 1-D array of 2 values is not a dataset");
  const std::string h5 = dir.file("v.h5");
  {
    h5::File f = h5::File::create(h5);
    f.write("/data", VectorF::Ones(5).eval());
    f.close();
  }
  EXPECT_FILE_ERROR(load_dataset(h5), h5, "a 1-D array of 5 values is not a dataset");
  LoadOptions vectors;
  vectors.one_column_vectors = true;
  EXPECT_EQ(load_dataset(h5, vectors).data.rows(), 5);
}

TEST(io_DataChecks, NpyHeaderMustBeOneDict) {
  TempDir dir;
  const std::string path = dir.file("h.npy");
  write_bytes(path, npy_v1("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), ",
                           std::string(8, '\0')));
  EXPECT_FILE_ERROR(load_dataset(path), path, "malformed NPY header");
  write_bytes(path, npy_v1("'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }",
                           std::string(8, '\0')));
  EXPECT_FILE_ERROR(load_dataset(path), path, "malformed NPY header");
  // A hostile dtype is quoted (escapes, no raw control bytes) in the message.
  write_bytes(path, npy_v1("{'descr': '<\x1b[31m', 'fortran_order': False, 'shape': (1, 2), }",
                           std::string(8, '\0')));
  EXPECT_FILE_ERROR(load_dataset(path), path, "unsupported NPY dtype '<\\x1b[31m'");
}

TEST(io_DataChecks, Uint8ZeroOneDataStayBinaryAndIntensitiesAreScaled) {
  TempDir dir;
  const std::string binary = dir.file("b.npy");
  write_bytes(binary, npy_v1("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2), }",
                             std::string{0, 1, 1, 0}));
  MatrixF expect(2, 2);
  expect << 0, 1, 1, 0;
  EXPECT_EQ(load_dataset(binary).data, expect);
  LoadOptions threshold;
  threshold.binarize = Binarize::threshold;
  EXPECT_EQ(load_dataset(binary, threshold).data, expect);  // issue #20: was all zero
  const std::string gray = dir.file("g.npy");
  write_bytes(gray, npy_v1("{'descr': '|u1', 'fortran_order': False, 'shape': (1, 3), }",
                           std::string{0, 2, static_cast<char>(255)}));
  EXPECT_EQ(load_dataset(gray).data(0, 1), 2.0f / 255.0f);
  EXPECT_EQ(load_dataset(gray).data(0, 2), 1.0f);
}

TEST(io_DataChecks, ThresholdMustBeFiniteAndSplitTheData) {
  TempDir dir;
  const std::string path = dir.file("x.csv");
  write_bytes(path, "0.1,0.2\n0.3,0.4\n");
  LoadOptions o;
  o.binarize = Binarize::threshold;
  for (const double bad : {std::nan(""), std::numeric_limits<double>::infinity(),
                           -std::numeric_limits<double>::infinity()}) {
    o.threshold = bad;
    EXPECT_THROW(load_dataset(path, o), Error) << bad;
  }
  o.threshold = 0.5;  // every value below: nothing left to learn
  EXPECT_FILE_ERROR(load_dataset(path, o), path, "turns every value into 0");
  o.threshold = 0.25;
  MatrixF expect(2, 2);
  expect << 0, 0, 1, 1;
  EXPECT_EQ(load_dataset(path, o).data, expect);
}

TEST(io_DataChecks, HostileCsvTokensAreQuotedAndCut) {
  TempDir dir;
  const std::string path = dir.file("x.csv");
  write_bytes(path, std::string("0,1\n0,a\0b\x1b[31m\r\n", 17));
  try {
    load_dataset(path);
    ADD_FAILURE() << "accepted";
  } catch (const FileError& e) {
    EXPECT_NE(std::string(e.what()).find("'a\\x00b\\x1b[31m' is not a number"), std::string::npos)
        << e.what();
  }
  write_bytes(path, "0,1\n0," + std::string(200000, 'z') + "\n");
  try {
    load_dataset(path);
    ADD_FAILURE() << "accepted";
  } catch (const FileError& e) {
    EXPECT_LT(std::string(e.what()).size(), 200u + path.size());
    EXPECT_NE(std::string(e.what()).find("…(200000 bytes)"), std::string::npos) << e.what();
  }
}

TEST(io_DataChecks, QuoteAndPrintable) {
  EXPECT_EQ(quote("abc"), "'abc'");
  EXPECT_EQ(quote(std::string("a\0\n'\\", 5)), "'a\\x00\\x0a\\'\\\\'");
  EXPECT_EQ(quote("abcdef", 3), "'abc…(6 bytes)'");
  EXPECT_EQ(printable("x\ry\x7f"), "x\\x0dy\\x7f");
  EXPECT_EQ(printable("it's ok"), "it's ok");
}

TEST(io_ModelChecks, StoredStandardizationIsValidatedOnEveryLoad) {
  TempDir dir;
  Rbm rbm(3, 2, UnitType::gaussian, UnitType::bernoulli);
  rbm.visible_sigma().setOnes();
  Standardization s{VectorF::Zero(3), VectorF::Ones(3)};
  s.scale[1] = 0.0f;
  const std::string zero = dir.file("zero.h5");
  {
    h5::File f = h5::File::create(zero);
    write_rbm(f, "/rbm", rbm);
    f.write("/rbm/standardize_mean", s.mean);
    f.write("/rbm/standardize_scale", s.scale);
    f.close();
  }
  EXPECT_FILE_ERROR(load_rbm(zero), zero, "'/rbm/standardize_scale' entry 1 is 0");
  const std::string mean_only = dir.file("mean.h5");
  {
    h5::File f = h5::File::create(mean_only);
    write_rbm(f, "/rbm", rbm);
    f.write("/rbm/standardize_mean", s.mean);
    f.close();
  }
  EXPECT_FILE_ERROR(load_rbm(mean_only), mean_only,
                    "'/rbm/standardize_mean' without '/rbm/standardize_scale'");
}

}  // namespace
}  // namespace rgflow::io
