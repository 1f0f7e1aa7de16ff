// Weight masks of locally connected RBMs (Rbm::mask): masked weights stay exactly 0 through
// initialisation, optimizer steps (momentum, weight cost) and model files.
#include <gtest/gtest.h>

#include <filesystem>

#include "rgflow/io/model.hpp"
#include "rgflow/train/optimizer.hpp"

namespace rgflow {
namespace {

TEST(WeightMask, MaskedWeightsStayExactlyZeroThroughTrainingAndFiles) {
  Rbm rbm(6, 3, UnitType::spin, UnitType::bernoulli);
  MatrixF mask = MatrixF::Zero(6, 3);
  for (Index j = 0; j < 3; ++j) mask(2 * j, j) = mask(2 * j + 1, j) = 1.0f;  // blocks of 2 sites
  rbm.set_mask(mask);
  Rng rng(3, 0);
  rbm.initialize(rng);
  train::TrainConfig config;
  config.l2 = 0.1f;
  config.l1 = 0.01f;
  train::Optimizer sgd(config, 6, 3);
  train::Gradient grad;
  grad.dW = MatrixF::Constant(6, 3, 0.5f);
  grad.da = VectorF::Zero(6);
  grad.db = VectorF::Zero(3);
  for (int t = 0; t < 3; ++t) sgd.step(rbm, grad, 0.9f);
  for (Index i = 0; i < 6; ++i) {
    for (Index j = 0; j < 3; ++j) {
      if (mask(i, j) == 0.0f) {
        EXPECT_EQ(rbm.weights()(i, j), 0.0f);
        EXPECT_EQ(sgd.weight_velocity()(i, j), 0.0f);
      } else {
        EXPECT_GT(rbm.weights()(i, j), 0.1f);  // the connected weights did move
      }
    }
  }

  const std::string path = (std::filesystem::temp_directory_path() / "rgflow_test_weight_mask.h5").string();
  io::save_rbm(path, rbm);
  const Rbm back = io::load_rbm(path);
  ASSERT_TRUE(back.has_mask());
  EXPECT_EQ(back.mask(), rbm.mask());
  EXPECT_EQ(back.weights(), rbm.weights());
  std::filesystem::remove(path);
  EXPECT_THROW(rbm.set_mask(MatrixF::Ones(3, 3)), Error);
  EXPECT_THROW(rbm.set_mask(MatrixF::Constant(6, 3, 0.5f)), Error);
}

}  // namespace
}  // namespace rgflow
