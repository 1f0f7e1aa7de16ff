// The plain-SGD weight step fused into the binary-unit estimators (Gradient::fused_step,
// Optimizer::fused_weight_step; issue #24): the same model, bit for bit, as the separate
// Optimizer::step pass, for CD, PCD and PT, on 1 and 3 threads; and no fusion where the weight
// update is more than plain SGD.
#include <gtest/gtest.h>
#include <omp.h>

#include <cstring>

#include "rgflow/core/rng.hpp"
#include "rgflow/rbm/rbm.hpp"
#include "rgflow/train/gradient.hpp"
#include "rgflow/train/optimizer.hpp"

namespace {

using namespace rgflow;
using namespace rgflow::train;

bool same_bits(const MatrixF& a, const MatrixF& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), sizeof(float) * static_cast<std::size_t>(a.size())) == 0;
}
bool same_bits(const VectorF& a, const VectorF& b) {
  return a.size() == b.size() &&
         std::memcmp(a.data(), b.data(), sizeof(float) * static_cast<std::size_t>(a.size())) == 0;
}

MatrixF binary_rows(Index rows, Index cols, std::uint64_t seed) {
  Rng rng(seed, 1);
  MatrixF m(rows, cols);
  for (Index r = 0; r < rows; ++r) {
    for (Index c = 0; c < cols; ++c) m(r, c) = rng.uniform_double() < 0.3 ? 1.0f : 0.0f;
  }
  return m;
}

// Trains `updates` updates with the fused step (as the Trainer does) and without it; returns
// whether both models agree bit for bit, and checks that the fused run did fuse.
void expect_fused_equals_separate(const TrainConfig& config, int threads) {
  SCOPED_TRACE(::testing::Message() << "method " << static_cast<int>(config.method) << ", threads " << threads);
  // 128 × 300 × 200 passes the two-thread threshold of an update.
  const MatrixF data = binary_rows(128, 300, 3);
  Rbm fused(300, 200);
  Rng init(7, 0);
  fused.initialize(init, &data);
  Rbm separate = fused;
  const MatrixF initial = fused.weights();
  auto est_fused = make_gradient_estimator(config);
  auto est_separate = make_gradient_estimator(config);
  Optimizer opt_fused(config, 300, 200), opt_separate(config, 300, 200);
  Rng rng_fused(11, 0), rng_separate(11, 0);
  Gradient g_fused, g_separate;
  const int saved = omp_get_max_threads();
  omp_set_num_threads(threads);
  const float momentum = 0.5f;
  for (int u = 0; u < 4; ++u) {
    g_fused.fused_step = opt_fused.fused_weight_step(fused, momentum);
    ASSERT_TRUE(g_fused.fused_step.has_value());
    g_fused.weights_stepped = false;
    est_fused->estimate(fused, data, rng_fused, g_fused);
    ASSERT_TRUE(g_fused.weights_stepped);
    opt_fused.step(fused, g_fused, momentum);

    est_separate->estimate(separate, data, rng_separate, g_separate);
    ASSERT_FALSE(g_separate.weights_stepped);
    opt_separate.step(separate, g_separate, momentum);
  }
  omp_set_num_threads(saved);
  EXPECT_TRUE(same_bits(fused.weights(), separate.weights()));
  EXPECT_TRUE(same_bits(fused.visible_bias(), separate.visible_bias()));
  EXPECT_TRUE(same_bits(fused.hidden_bias(), separate.hidden_bias()));
  EXPECT_TRUE(same_bits(opt_fused.state().weight_velocity, opt_separate.state().weight_velocity));
  EXPECT_FALSE(same_bits(fused.weights(), initial));  // the updates did move the weights
}

TEST(TrainFusedStep, SameModelAsTheSeparateStep) {
  for (Method method : {Method::cd, Method::pcd, Method::pt}) {
    TrainConfig config;
    config.method = method;
    config.centering = false;
    config.learning_rate = 0.05f;
    for (int threads : {1, 3}) expect_fused_equals_separate(config, threads);
  }
}

TEST(TrainFusedStep, OnlyPlainSgdIsFused) {
  Rbm rbm(20, 10);
  const auto fusable = [&](TrainConfig config) {
    Optimizer opt(config, 20, 10);
    return opt.fused_weight_step(rbm, 0.5f).has_value();
  };
  TrainConfig plain;
  plain.centering = false;
  EXPECT_TRUE(fusable(plain));
  TrainConfig adam = plain;
  adam.optimizer = OptimizerKind::adam;
  EXPECT_FALSE(fusable(adam));
  TrainConfig centred = plain;
  centred.centering = true;
  EXPECT_FALSE(fusable(centred));
  TrainConfig l2 = plain;
  l2.l2 = 1e-4f;
  EXPECT_FALSE(fusable(l2));
  TrainConfig l1 = plain;
  l1.l1 = 1e-4f;
  EXPECT_FALSE(fusable(l1));
  TrainConfig sparse = plain;
  sparse.sparsity_target = 0.1f;
  EXPECT_FALSE(fusable(sparse));
}

}  // namespace
