// Model files with Gaussian visible units: σ and learn_sigma round trip bit-exactly, binary
// models keep the old layout (no σ dataset), broken σ / standardisation data are rejected; and the
// standardisation helper against its definition.
#include <gtest/gtest.h>

#include <cmath>

#include "rgflow/io/hdf5.hpp"
#include "rgflow/io/model.hpp"
#include "rgflow/io/standardize.hpp"
#include "test_io_support.hpp"

namespace rgflow {
namespace {

using rgflow::test::TempDir;

Rbm gaussian_model() {
  Rbm rbm(3, 2, UnitType::gaussian, UnitType::spin);
  Rng rng(7, 0);
  for (Index i = 0; i < rbm.weights().size(); ++i) rbm.weights().data()[i] = float(rng.normal());
  rbm.visible_bias() << 0.5f, -1.25f, 3.0f;
  rbm.hidden_bias() << 0.1f, -0.2f;
  rbm.visible_sigma() << 0.3f, 1.0f, 2.7f;
  rbm.set_learn_sigma(true);
  return rbm;
}

TEST(io_GaussModel, RoundTripIsBitExact) {
  TempDir dir;
  const Rbm rbm = gaussian_model();
  io::Standardization st;
  st.mean = VectorF(3);
  st.mean << 0.1f, 0.2f, 0.3f;
  st.scale = VectorF(3);
  st.scale << 1.5f, 1.0f, 0.25f;
  io::save_rbm(dir.file("g.h5"), rbm, {{"seed", "9"}}, &st);
  std::map<std::string, std::string> attrs;
  const Rbm back = io::load_rbm(dir.file("g.h5"), &attrs);
  EXPECT_EQ(back.visible_type(), UnitType::gaussian);
  EXPECT_EQ(back.hidden_type(), UnitType::spin);
  EXPECT_TRUE(back.learn_sigma());
  EXPECT_EQ(back.visible_sigma(), rbm.visible_sigma());
  EXPECT_EQ(back.weights(), rbm.weights());
  EXPECT_EQ(back.visible_bias(), rbm.visible_bias());
  EXPECT_EQ(attrs.count("learn_sigma"), 0u);  // reserved attributes are not returned
  EXPECT_EQ(attrs.at("seed"), "9");
  const auto st_back = io::load_standardization(dir.file("g.h5"), 3);
  ASSERT_TRUE(st_back.has_value());
  EXPECT_EQ(st_back->mean, st.mean);
  EXPECT_EQ(st_back->scale, st.scale);

  Rbm fixed = rbm;
  fixed.set_learn_sigma(false);
  io::save_rbm(dir.file("f.h5"), fixed);
  EXPECT_FALSE(io::load_rbm(dir.file("f.h5")).learn_sigma());
  EXPECT_FALSE(io::load_standardization(dir.file("f.h5"), 3).has_value());
}

TEST(io_GaussModel, BinaryModelsKeepTheOldLayout) {
  TempDir dir;
  Rbm rbm(4, 2);
  io::save_rbm(dir.file("b.h5"), rbm);
  const io::h5::File file = io::h5::File::open(dir.file("b.h5"));
  EXPECT_FALSE(file.exists("/rbm/visible_sigma"));
  EXPECT_FALSE(file.has_attribute("/rbm", "learn_sigma"));
  EXPECT_EQ(io::load_rbm(dir.file("b.h5")).visible_type(), UnitType::bernoulli);
}

// Writes a gaussian model by hand with the given σ dataset (or none).
void write_manual(const std::string& path, const VectorF* sigma, const char* learn) {
  io::h5::File f = io::h5::File::create(path);
  f.write("/rbm/weights", MatrixF(MatrixF::Zero(2, 1)));
  f.write("/rbm/visible_bias", VectorF(VectorF::Zero(2)));
  f.write("/rbm/hidden_bias", VectorF(VectorF::Zero(1)));
  if (sigma != nullptr) f.write("/rbm/visible_sigma", *sigma);
  f.set_attribute("/rbm", "visible_type", std::string("gaussian"));
  f.set_attribute("/rbm", "hidden_type", std::string("bernoulli"));
  f.set_attribute("/rbm", "format_version", std::int64_t{1});
  if (learn != nullptr) f.set_attribute("/rbm", "learn_sigma", std::string(learn));
  f.close();
}

TEST(io_GaussModel, RejectsBrokenSigma) {
  TempDir dir;
  write_manual(dir.file("none.h5"), nullptr, nullptr);
  EXPECT_THROW(io::load_rbm(dir.file("none.h5")), FileError);
  VectorF bad(2);
  bad << 1.0f, 0.0f;
  write_manual(dir.file("zero.h5"), &bad, "false");
  EXPECT_THROW(io::load_rbm(dir.file("zero.h5")), FileError);
  VectorF short_sigma = VectorF::Ones(1);
  write_manual(dir.file("short.h5"), &short_sigma, "false");
  EXPECT_THROW(io::load_rbm(dir.file("short.h5")), FileError);
  VectorF ok = VectorF::Ones(2);
  write_manual(dir.file("learn.h5"), &ok, "maybe");
  EXPECT_THROW(io::load_rbm(dir.file("learn.h5")), FileError);
  write_manual(dir.file("default.h5"), &ok, nullptr);  // no attribute: σ fixed
  EXPECT_FALSE(io::load_rbm(dir.file("default.h5")).learn_sigma());
}

TEST(io_GaussModel, RejectsHalfAStandardisation) {
  TempDir dir;
  VectorF ok = VectorF::Ones(2);
  write_manual(dir.file("m.h5"), &ok, "false");
  {
    // Re-create with only the mean.
    io::h5::File f = io::h5::File::create(dir.file("half.h5"));
    f.write("/rbm/standardize_mean", VectorF(VectorF::Zero(2)));
    f.close();
  }
  EXPECT_THROW(io::load_standardization(dir.file("half.h5"), 2), FileError);
  {
    io::h5::File f = io::h5::File::create(dir.file("neg.h5"));
    f.write("/rbm/standardize_mean", VectorF(VectorF::Zero(2)));
    f.write("/rbm/standardize_scale", VectorF(VectorF::Constant(2, -1.0f)));
    f.close();
  }
  EXPECT_THROW(io::load_standardization(dir.file("neg.h5"), 2), FileError);
  EXPECT_THROW(io::load_standardization(dir.file("neg.h5"), 3), FileError);
}

TEST(io_Standardize, FitApplyAndJacobian) {
  MatrixF x(4, 3);
  x << 1, 10, 5, 2, 10, 5, 3, 10, 5, 6, 10, 5;
  x(3, 2) = 5.0f;
  x.col(2) << 5.0f, 5.0f, 5.0f, 5.0f;  // constant column
  x.col(1) << 10.0f, 12.0f, 14.0f, 16.0f;
  const io::Standardization s = io::fit_standardization(x);
  const double sd0 = std::sqrt((4.0 + 1.0 + 0.0 + 9.0) / 4.0);  // divisor N
  const double sd1 = std::sqrt(5.0);
  EXPECT_FLOAT_EQ(s.mean[0], 3.0f);
  EXPECT_NEAR(s.scale[0], sd0, 1e-6);
  EXPECT_NEAR(s.scale[1], sd1, 1e-6);
  // Constant column: the floor, 0.1 × the mean standard deviation (0 for this column included).
  EXPECT_NEAR(s.scale[2], 0.1 * (sd0 + sd1) / 3.0, 1e-6);
  EXPECT_NEAR(io::fit_standardization(x, 0.9).scale[2], 0.9 * (sd0 + sd1) / 3.0, 1e-6);
  EXPECT_NEAR(io::fit_standardization(x, 0.9).scale[0], sd0, 1e-6);  // above the floor
  EXPECT_FLOAT_EQ(io::fit_standardization(MatrixF::Constant(3, 2, 4.0f)).scale[1], 1.0f);
  EXPECT_THROW(io::fit_standardization(x, 1.5), Error);
  MatrixF y = x;
  io::apply_standardization(s, y);
  for (Index c = 0; c < 2; ++c) {
    EXPECT_NEAR(y.col(c).mean(), 0.0f, 1e-6);
    EXPECT_NEAR(y.col(c).squaredNorm() / 4.0f, 1.0f, 1e-5);
  }
  EXPECT_TRUE(y.col(2).isZero());
  EXPECT_NEAR(io::standardization_log_jacobian(s),
              -std::log(double(s.scale[0])) - std::log(double(s.scale[1])) -
                  std::log(double(s.scale[2])),
              1e-9);
  MatrixF wrong(2, 2);
  EXPECT_THROW(io::apply_standardization(s, wrong), Error);
  x(0, 0) = std::nanf("");
  EXPECT_THROW(io::fit_standardization(x), Error);
}

}  // namespace
}  // namespace rgflow
