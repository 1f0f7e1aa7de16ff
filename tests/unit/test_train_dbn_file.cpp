// DBN model files (io/dbn_file.hpp): bit-exact round trip, atomic writes, and bad files.
#include <gtest/gtest.h>

#include <cstring>

#include "rgflow/core/error.hpp"
#include "rgflow/io/dbn_file.hpp"
#include "rgflow/io/hdf5.hpp"
#include "rgflow/io/model.hpp"
#include "test_estimate_dbn_support.hpp"
#include "test_io_support.hpp"

namespace rgflow {
namespace {

constexpr UnitType kB = UnitType::bernoulli;
constexpr UnitType kS = UnitType::spin;

bool bit_equal(const MatrixF& a, const MatrixF& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), sizeof(float) * static_cast<std::size_t>(a.size())) == 0;
}
bool bit_equal(const VectorF& a, const VectorF& b) {
  return a.size() == b.size() &&
         std::memcmp(a.data(), b.data(), sizeof(float) * static_cast<std::size_t>(a.size())) == 0;
}

TEST(DbnFile, RoundTripIsBitExact) {
  test::TempDir dir;
  const Dbn dbn = test::random_dbn({8, 6, 4, 3}, {kS, kB, kS, kB}, 12, 1.3);
  const std::string path = dir.file("model.h5");
  io::save_dbn(path, dbn, {{"seed", "42"}, {"propagate", "mean"}},
               {{{"epochs", "10"}}, {}, {{"epochs", "3"}}});
  EXPECT_EQ(dir.entries(), std::set<std::string>{"model.h5"});  // no temporaries left

  std::map<std::string, std::string> attrs;
  std::vector<std::map<std::string, std::string>> layer_attrs;
  const Dbn back = io::load_dbn(path, &attrs, &layer_attrs);
  ASSERT_EQ(back.n_layers(), 3);
  for (Index k = 0; k < 3; ++k) {
    const Rbm& a = dbn.layer(k);
    const Rbm& b = back.layer(k);
    EXPECT_TRUE(bit_equal(a.weights(), b.weights())) << "layer " << k;
    EXPECT_TRUE(bit_equal(a.visible_bias(), b.visible_bias())) << "layer " << k;
    EXPECT_TRUE(bit_equal(a.hidden_bias(), b.hidden_bias())) << "layer " << k;
    EXPECT_EQ(a.visible_type(), b.visible_type());
    EXPECT_EQ(a.hidden_type(), b.hidden_type());
  }
  EXPECT_EQ(attrs.at("seed"), "42");
  EXPECT_EQ(attrs.at("propagate"), "mean");
  EXPECT_EQ(attrs.count("rgflow_version"), 1U);
  EXPECT_EQ(attrs.count("n_layers"), 0U);
  ASSERT_EQ(layer_attrs.size(), 3U);
  EXPECT_EQ(layer_attrs[0].at("epochs"), "10");
  EXPECT_EQ(layer_attrs[2].at("epochs"), "3");

  // The layout is the documented one, readable layer by layer as an RBM.
  const io::h5::File file = io::h5::File::open(path);
  EXPECT_EQ(file.int_attribute("/dbn", "n_layers"), 3);
  EXPECT_EQ(file.int_attribute("/dbn", "format_version"), io::kDbnFormatVersion);
  EXPECT_TRUE(bit_equal(io::read_rbm(file, "/dbn/layer_1").weights(), dbn.layer(1).weights()));
  EXPECT_EQ(io::dbn_layer_group(2), "/dbn/layer_2");

  // Saving again over an existing file replaces it atomically.
  io::save_dbn(path, Dbn({dbn.layer(0)}));
  EXPECT_EQ(io::load_dbn(path).n_layers(), 1);
}

// Writes a file with the given layers under /dbn/layer_k for k in `indices`, and n_layers.
void write_raw(const std::string& path, const std::vector<Rbm>& layers,
               const std::vector<Index>& indices, std::int64_t n_layers) {
  io::h5::File file = io::h5::File::create(path);
  for (std::size_t i = 0; i < layers.size(); ++i) io::write_rbm(file, io::dbn_layer_group(indices[i]), layers[i]);
  file.set_attribute("/dbn", "n_layers", n_layers);
  file.set_attribute("/dbn", "format_version", std::int64_t{io::kDbnFormatVersion});
  file.close();
}

TEST(DbnFile, MissingLayerNamesTheFileAndGroup) {
  test::TempDir dir;
  const std::string path = dir.file("missing.h5");
  write_raw(path, {Rbm(8, 6), Rbm(4, 3)}, {0, 2}, 3);
  EXPECT_FILE_ERROR(io::load_dbn(path), path, "missing group '/dbn/layer_1'");
}

TEST(DbnFile, WrongChainIsAFileError) {
  test::TempDir dir;
  const std::string shapes = dir.file("shapes.h5");
  write_raw(shapes, {Rbm(8, 6), Rbm(5, 4)}, {0, 1}, 2);
  EXPECT_FILE_ERROR(io::load_dbn(shapes), shapes, "/dbn/layer_1");
  EXPECT_FILE_ERROR(io::load_dbn(shapes), shapes, "5 visible units but layer 0 has 6 hidden");
  const std::string types = dir.file("types.h5");
  write_raw(types, {Rbm(8, 6, kB, kS), Rbm(6, 4, kB, kB)}, {0, 1}, 2);
  EXPECT_FILE_ERROR(io::load_dbn(types), types, "bernoulli visible units but layer 0 has spin");
  // In memory, the same chain is an Error; saving a DBN broken after construction is a FileError
  // naming the destination, which is left absent.
  EXPECT_THROW(Dbn({Rbm(8, 6), Rbm(5, 4)}), Error);
  Dbn dbn({Rbm(8, 6), Rbm(6, 4)});
  dbn.layer(1) = Rbm(5, 4);
  const std::string out = dir.file("out.h5");
  EXPECT_FILE_ERROR(io::save_dbn(out, dbn), out, "invalid DBN");
  EXPECT_EQ(dir.entries(), (std::set<std::string>{"shapes.h5", "types.h5"}));
}

TEST(DbnFile, OtherBadFiles) {
  test::TempDir dir;
  const std::string rbm_file = dir.file("rbm.h5");
  io::save_rbm(rbm_file, Rbm(4, 3));
  EXPECT_FILE_ERROR(io::load_dbn(rbm_file), rbm_file, "no group '/dbn'");
  const std::string extra = dir.file("extra.h5");
  write_raw(extra, {Rbm(8, 6), Rbm(6, 4)}, {0, 1}, 1);
  EXPECT_FILE_ERROR(io::load_dbn(extra), extra, "beyond n_layers");
  const std::string zero = dir.file("zero.h5");
  write_raw(zero, {}, {}, 0);
  EXPECT_FILE_ERROR(io::load_dbn(zero), zero, "at least one layer");
  const std::string absent = dir.file("absent.h5");
  EXPECT_THROW(io::load_dbn(absent), FileError);
  const std::string garbage = dir.file("garbage.h5");
  test::write_bytes(garbage, "not hdf5 at all");
  EXPECT_THROW(io::load_dbn(garbage), FileError);
  const std::string out = dir.file("reserved.h5");
  EXPECT_FILE_ERROR(io::save_dbn(out, Dbn({Rbm(2, 2)}), {{"n_layers", "7"}}), out, "reserved");
  EXPECT_FILE_ERROR(io::save_dbn(out, Dbn({Rbm(2, 2)}), {}, {{}, {}}), out, "layer attribute");
}

}  // namespace
}  // namespace rgflow
