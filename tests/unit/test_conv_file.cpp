// Convolutional RBM files (conv/file.hpp): bit-exact round trip, and every damaged or foreign
// file refused with a FileError naming it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "rgflow/conv/file.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/io/hdf5.hpp"

namespace rgflow::conv {
namespace {

class ConvFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("rgflow_conv_file_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // A hand-written /conv_rbm group with the given kernel dataset shape.
  std::string write_raw(const std::string& name, Index rows, Index cols, const std::string& visible = "spin") {
    const std::string p = path(name);
    io::h5::File f = io::h5::File::create(p);
    f.write("/conv_rbm/kernels", MatrixF(MatrixF::Zero(rows, cols)));
    f.write("/conv_rbm/hidden_bias", VectorF(VectorF::Zero(2)));
    f.write("/conv_rbm/visible_bias", VectorF(VectorF::Zero(1)));
    f.set_attribute("/conv_rbm", "format_version", std::int64_t{1});
    f.set_attribute("/conv_rbm", "lattice", std::int64_t{4});
    f.set_attribute("/conv_rbm", "kernel", std::int64_t{2});
    f.set_attribute("/conv_rbm", "stride", std::int64_t{1});
    f.set_attribute("/conv_rbm", "channels", std::int64_t{2});
    f.set_attribute("/conv_rbm", "visible_type", visible);
    f.set_attribute("/conv_rbm", "hidden_type", std::string("spin"));
    f.close();
    return p;
  }

  std::filesystem::path dir_;
};

TEST_F(ConvFile, RoundTripIsBitExact) {
  ConvRbm m(ConvShape{8, 3, 2, 3}, UnitType::bernoulli, UnitType::spin);
  Rng rng(1, 0);
  m.initialize(rng, nullptr, 0.7f);
  m.hidden_bias() << 0.1f, -0.25f, 1.5f;
  m.visible_bias() = -0.3f;
  save_model(path("m.h5"), m, {{"seed", "1"}});
  std::map<std::string, std::string> attrs;
  const ConvRbm back = load_model(path("m.h5"), &attrs);
  EXPECT_EQ(back.shape(), m.shape());
  EXPECT_EQ(back.visible_type(), UnitType::bernoulli);
  EXPECT_EQ(back.hidden_type(), UnitType::spin);
  EXPECT_TRUE(back.kernels() == m.kernels());
  EXPECT_TRUE(back.hidden_bias() == m.hidden_bias());
  EXPECT_EQ(back.visible_bias(), m.visible_bias());
  EXPECT_EQ(attrs.at("seed"), "1");
  // Kernels are stored once: [C, K²], not a dense [L², C (L/S)²] matrix.
  const io::h5::File f = io::h5::File::open(path("m.h5"));
  EXPECT_EQ(f.shape("/conv_rbm/kernels"), (std::vector<std::int64_t>{3, 9}));
}

TEST_F(ConvFile, RefusesMissingCorruptAndForeignFiles) {
  EXPECT_THROW(load_model(path("missing.h5")), FileError);
  {
    std::ofstream(path("text.h5")) << "not an HDF5 file\n";
  }
  EXPECT_THROW(load_model(path("text.h5")), FileError);
  {
    io::h5::File f = io::h5::File::create(path("other.h5"));
    f.write("/data", MatrixF(MatrixF::Zero(2, 2)));
    f.close();
  }
  EXPECT_THROW(load_model(path("other.h5")), FileError);
  EXPECT_THROW(load_model(write_raw("shape.h5", 2, 3)), FileError);  // kernels must be [2, 4]
  EXPECT_THROW(load_model(write_raw("units.h5", 2, 4, "gaussian")), FileError);
  EXPECT_THROW(load_model(write_raw("units2.h5", 2, 4, "potts")), FileError);
  EXPECT_NO_THROW(load_model(write_raw("ok.h5", 2, 4)));
  // A truncated rgflow file: its seal (io/hdf5.hpp) no longer matches.
  ConvRbm m(ConvShape{4, 2, 1, 2});
  save_model(path("t.h5"), m);
  std::filesystem::resize_file(path("t.h5"), std::filesystem::file_size(path("t.h5")) / 2);
  try {
    load_model(path("t.h5"));
    ADD_FAILURE() << "a truncated file was read";
  } catch (const FileError& e) {
    EXPECT_EQ(e.path(), path("t.h5"));
  }
}

}  // namespace
}  // namespace rgflow::conv
