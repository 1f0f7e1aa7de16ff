#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>

#include "rgflow/core/rng.hpp"
#include "rgflow/core/version.hpp"
#include "rgflow/io/hdf5.hpp"
#include "rgflow/io/model.hpp"
#include "test_io_support.hpp"

using rgflow::MatrixF;
using rgflow::Rbm;
using rgflow::UnitType;
using rgflow::VectorF;
using rgflow::io::load_rbm;
using rgflow::io::save_rbm;
using rgflow::test::TempDir;
namespace h5 = rgflow::io::h5;

namespace {

Rbm random_rbm(rgflow::Index nv, rgflow::Index nh, UnitType v, UnitType h, std::uint64_t seed) {
  Rbm rbm(nv, nh, v, h);
  rgflow::Rng rng(seed);
  for (rgflow::Index i = 0; i < rbm.weights().size(); ++i) {
    rbm.weights().data()[i] = static_cast<float>(rng.normal());
  }
  for (rgflow::Index i = 0; i < nv; ++i) rbm.visible_bias()[i] = static_cast<float>(rng.normal());
  for (rgflow::Index j = 0; j < nh; ++j) rbm.hidden_bias()[j] = static_cast<float>(rng.normal());
  return rbm;
}

template <class A>
bool same_bits(const A& a, const A& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), sizeof(float) * a.size()) == 0;
}

// Writes a model-shaped file by hand so that the loader's checks can be exercised one by one.
struct Parts {
  MatrixF weights = MatrixF::Ones(3, 2);
  VectorF visible_bias = VectorF::Zero(3);
  VectorF hidden_bias = VectorF::Zero(2);
  std::string visible_type = "bernoulli";
  std::string hidden_type = "bernoulli";
  std::int64_t format_version = 1;
  bool write_hidden_bias = true;
};

void write_parts(const std::string& path, const Parts& p) {
  h5::File f = h5::File::create(path);
  f.write("/rbm/weights", p.weights);
  f.write("/rbm/visible_bias", p.visible_bias);
  if (p.write_hidden_bias) f.write("/rbm/hidden_bias", p.hidden_bias);
  f.set_attribute("/rbm", "visible_type", p.visible_type);
  f.set_attribute("/rbm", "hidden_type", p.hidden_type);
  f.set_attribute("/rbm", "format_version", p.format_version);
}

}  // namespace

TEST(io_Model, RoundTripIsBitExact) {
  TempDir dir;
  const std::string path = dir.file("model.h5");
  const Rbm rbm = random_rbm(7, 5, UnitType::spin, UnitType::bernoulli, 12345);
  save_rbm(path, rbm, {{"seed", "12345"}, {"method", "cd-1"}});
  EXPECT_EQ(dir.entries(), std::set<std::string>{"model.h5"});  // no temporary left behind

  std::map<std::string, std::string> attrs;
  const Rbm back = load_rbm(path, &attrs);
  EXPECT_EQ(back.visible_type(), UnitType::spin);
  EXPECT_EQ(back.hidden_type(), UnitType::bernoulli);
  EXPECT_TRUE(same_bits(back.weights(), rbm.weights()));
  EXPECT_TRUE(same_bits(back.visible_bias(), rbm.visible_bias()));
  EXPECT_TRUE(same_bits(back.hidden_bias(), rbm.hidden_bias()));
  const std::map<std::string, std::string> expected = {
      {"seed", "12345"}, {"method", "cd-1"}, {"rgflow_version", rgflow::version()}};
  EXPECT_EQ(attrs, expected);

  // The layout is the documented contract (DESIGN.md), independent of load_rbm.
  const h5::File f = h5::File::open(path);
  EXPECT_EQ(f.shape("/rbm/weights"), (std::vector<std::int64_t>{7, 5}));
  EXPECT_EQ(f.element_type("/rbm/weights"), "float32");
  EXPECT_EQ(f.shape("/rbm/visible_bias"), (std::vector<std::int64_t>{7}));
  EXPECT_EQ(f.shape("/rbm/hidden_bias"), (std::vector<std::int64_t>{5}));
  EXPECT_EQ(f.string_attribute("/rbm", "visible_type"), "spin");
  EXPECT_EQ(f.string_attribute("/rbm", "hidden_type"), "bernoulli");
  EXPECT_EQ(f.int_attribute("/rbm", "format_version"), 1);
  // Row-major [n_visible, n_hidden]: element (i, j) is W_ij.
  EXPECT_EQ(f.read_matrix("/rbm/weights")(6, 4), rbm.weights()(6, 4));
}

TEST(io_Model, OverwritesExistingModelAtomically) {
  TempDir dir;
  const std::string path = dir.file("model.h5");
  save_rbm(path, random_rbm(3, 2, UnitType::bernoulli, UnitType::bernoulli, 1));
  const Rbm second = random_rbm(4, 6, UnitType::bernoulli, UnitType::spin, 2);
  save_rbm(path, second);
  const Rbm back = load_rbm(path);
  EXPECT_TRUE(same_bits(back.weights(), second.weights()));
  EXPECT_EQ(dir.entries(), std::set<std::string>{"model.h5"});
}

TEST(io_Model, SaveRejectsBadInputAndLeavesNothing) {
  TempDir dir;
  const Rbm rbm = random_rbm(3, 2, UnitType::bernoulli, UnitType::bernoulli, 1);
  const std::string nodir = dir.file("missing/model.h5");
  EXPECT_FILE_ERROR(save_rbm(nodir, rbm), nodir, "cannot create");

  const std::string reserved = dir.file("reserved.h5");
  EXPECT_FILE_ERROR(save_rbm(reserved, rbm, {{"visible_type", "spin"}}), reserved, "reserved");

  Rbm bad = rbm;
  bad.weights()(1, 1) = std::numeric_limits<float>::quiet_NaN();
  const std::string nan = dir.file("nan.h5");
  EXPECT_FILE_ERROR(save_rbm(nan, bad), nan, "NaN");
  EXPECT_TRUE(dir.entries().empty());
}

TEST(io_Model, LoadRejectsMissingAndNonHdf5Files) {
  TempDir dir;
  const std::string missing = dir.file("missing.h5");
  EXPECT_FILE_ERROR(load_rbm(missing), missing, "no such file");
  const std::string text = dir.file("model.h5");
  rgflow::test::write_bytes(text, "weights: 1 2 3\n");
  EXPECT_FILE_ERROR(load_rbm(text), text, "not an HDF5 file");
  const std::string other = dir.file("other.h5");
  {
    h5::File f = h5::File::create(other);
    f.write("/data", MatrixF::Ones(2, 2).eval());
  }
  EXPECT_FILE_ERROR(load_rbm(other), other, "no group '/rbm'");
}

TEST(io_Model, LoadRejectsTruncatedFile) {
  TempDir dir;
  const std::string path = dir.file("model.h5");
  save_rbm(path, random_rbm(100, 50, UnitType::bernoulli, UnitType::bernoulli, 3));
  std::filesystem::resize_file(path, std::filesystem::file_size(path) / 2);
  try {
    (void)load_rbm(path);
    ADD_FAILURE() << "truncated model loaded";
  } catch (const rgflow::FileError& e) {
    EXPECT_EQ(e.path(), path);
  }
}

TEST(io_Model, LoadValidatesShapesTypesVersionAndValues) {
  TempDir dir;
  const auto check = [&](const std::string& name, const Parts& parts, const std::string& fragment) {
    SCOPED_TRACE(name);
    const std::string path = dir.file(name + ".h5");
    write_parts(path, parts);
    EXPECT_FILE_ERROR(load_rbm(path), path, fragment);
  };
  {
    Parts p;
    EXPECT_NO_THROW(write_parts(dir.file("good.h5"), p));
    const Rbm ok = load_rbm(dir.file("good.h5"));
    EXPECT_EQ(ok.n_visible(), 3);
    EXPECT_EQ(ok.n_hidden(), 2);
  }
  {
    Parts p;
    p.visible_bias = VectorF::Zero(4);
    check("visible_bias", p, "'/rbm/visible_bias' has 4 entries");
  }
  {
    Parts p;
    p.hidden_bias = VectorF::Zero(3);
    check("hidden_bias", p, "'/rbm/hidden_bias' has 3 entries");
  }
  {
    Parts p;
    p.write_hidden_bias = false;
    check("no_hidden_bias", p, "missing dataset '/rbm/hidden_bias'");
  }
  {
    Parts p;
    p.visible_type = "potts";
    check("potts", p, "unknown unit type 'potts'");
  }
  {
    Parts p;
    p.hidden_type = "gaussian";  // Gaussian hidden units need their σ
    check("gaussian", p, "hidden_sigma");
  }
  {
    Parts p;
    p.format_version = 2;
    check("version", p, "format_version 2");
  }
  {
    Parts p;
    p.weights(2, 1) = std::numeric_limits<float>::infinity();
    check("inf", p, "'/rbm/weights' contains NaN or infinite");
  }
  {
    Parts p;
    p.hidden_bias[0] = std::numeric_limits<float>::quiet_NaN();
    check("nan", p, "'/rbm/hidden_bias' contains NaN");
  }
  {
    Parts p;
    p.weights = MatrixF(3, 0);
    p.hidden_bias = VectorF(0);
    check("no_hidden_units", p, "at least one");
  }
}

TEST(io_Model, LayersInAnyGroupRoundTrip) {
  // DBN files keep one RBM per group (/dbn/layer_k); write_rbm/read_rbm are the shared layout.
  TempDir dir;
  const std::string path = dir.file("stack.h5");
  const Rbm first = random_rbm(6, 4, UnitType::bernoulli, UnitType::bernoulli, 1);
  const Rbm second = random_rbm(4, 3, UnitType::bernoulli, UnitType::spin, 2);
  {
    h5::File f = h5::File::create(path);
    rgflow::io::write_rbm(f, "/dbn/layer_0", first, {{"seed", "1"}});
    rgflow::io::write_rbm(f, "/dbn/layer_1", second);
    f.close();
  }
  const h5::File f = h5::File::open(path);
  std::map<std::string, std::string> attrs;
  const Rbm a = rgflow::io::read_rbm(f, "/dbn/layer_0", &attrs);
  const Rbm b = rgflow::io::read_rbm(f, "/dbn/layer_1");
  EXPECT_TRUE(same_bits(a.weights(), first.weights()));
  EXPECT_TRUE(same_bits(b.weights(), second.weights()));
  EXPECT_EQ(b.hidden_type(), UnitType::spin);
  EXPECT_EQ(attrs.at("seed"), "1");
  try {
    (void)rgflow::io::read_rbm(f, "/dbn/layer_2");
    FAIL() << "expected FileError for a missing layer";
  } catch (const rgflow::FileError& e) {
    EXPECT_NE(std::string(e.what()).find("/dbn/layer_2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}
