// Convolutional RBM training with parallel tempering, with and without centring, against the exact
// model (heavy: ~5 s in release, left out under the sanitizers): on the bond-model recovery check
// of tests/support/conv_exact.hpp (4×4, exact samples and exact log-likelihoods), PT (5 replicas,
// β_min 0.2, 30 epochs, learning rate 0.2 → 0.01, seed 3) reaches a held-out KL per site below
// 0.01 (independent spins: 0.19). Over seeds see test_conv_training_long.cpp.
#include <gtest/gtest.h>

#include "rgflow/conv/train.hpp"
#include "support/conv_exact.hpp"

namespace rgflow::conv {
namespace {

ConvTrainOptions pt_options(bool centring, std::uint64_t seed) {
  ConvTrainOptions o;
  o.method = ConvMethod::pt;
  o.replicas = 5;
  o.pt_beta_min = 0.2;
  o.epochs = 30;
  o.batch_size = 50;
  o.learning_rate = 0.2;
  o.final_learning_rate = 0.01;
  o.centering = centring;
  o.seed = seed;
  return o;
}

TEST(ConvTrainingHeavy, PtWithAndWithoutCentringRecoversTheBondModel) {
  EXPECT_LT(test::bond_model_recovery_kl(pt_options(false, 3)), 0.01);
  EXPECT_LT(test::bond_model_recovery_kl(pt_options(true, 3)), 0.01);
}

}  // namespace
}  // namespace rgflow::conv
