// The defaults every front end shares (train::default_config, run/rbm.hpp): unit types read off
// binary data, the Z2 test behind --symmetry auto, and a training run that resolves it.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "rgflow/core/error.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/run/rbm.hpp"
#include "rgflow/train/config.hpp"
#include "unit/test_error_support.hpp"

namespace {

using namespace rgflow;
using test::error_of;

// Rows of independent sites, +1 (or 1) with probability p, else −1 (or 0).
MatrixF coin_rows(Index n, Index d, double p, bool spins, std::uint64_t seed) {
  Rng rng(seed, 9);
  MatrixF x(n, d);
  for (Index i = 0; i < x.size(); ++i) x.data()[i] = rng.uniform() < p ? 1.0f : (spins ? -1.0f : 0.0f);
  return x;
}

TEST(RunDefaults, UnitTypesAreReadOffBinaryData) {
  EXPECT_EQ(run::infer_visible_type(coin_rows(50, 6, 0.5, true, 1), "x"), UnitType::spin);
  EXPECT_EQ(run::infer_visible_type(coin_rows(50, 6, 0.5, false, 1), "x"), UnitType::bernoulli);
  // Only +1 values: a valid Bernoulli state as well, and no −1 says spins.
  EXPECT_EQ(run::infer_visible_type(MatrixF::Ones(3, 4), "x"), UnitType::bernoulli);
  MatrixF mixed = coin_rows(10, 4, 0.5, true, 2);
  mixed(3, 2) = 0.0f;  // −1, 0 and +1 together: neither
  const std::string m = error_of([&] { run::infer_visible_type(mixed, "mixed.csv"); });
  EXPECT_EQ(m.rfind("mixed.csv: ", 0), 0u) << m;
  MatrixF real = coin_rows(10, 4, 0.5, false, 3);
  real(0, 0) = 0.25f;
  EXPECT_NE(error_of([&] { run::infer_visible_type(real, "real.npy"); }).find("0.25"), std::string::npos);
  EXPECT_EQ(run::default_hidden_type(UnitType::spin), UnitType::spin);
  EXPECT_EQ(run::default_hidden_type(UnitType::bernoulli), UnitType::bernoulli);
  EXPECT_EQ(run::default_hidden_type(UnitType::gaussian), UnitType::bernoulli);
}

TEST(RunDefaults, Z2TestAcceptsSymmetricDataAndRejectsBiasedOrOneSectorData) {
  // Independent fair spins: symmetric.
  EXPECT_TRUE(run::z2_consistent(coin_rows(4000, 16, 0.5, true, 4)));
  // Two ordered sectors in equal proportion (each row all +1 or all −1, mostly): symmetric,
  // although every row is far from m = 0.
  MatrixF ordered(4000, 16);
  Rng rng(5, 1);
  for (Index r = 0; r < ordered.rows(); ++r) {
    const float sector = rng.uniform() < 0.5 ? 1.0f : -1.0f;
    for (Index i = 0; i < ordered.cols(); ++i) ordered(r, i) = rng.uniform() < 0.95 ? sector : -sector;
  }
  EXPECT_TRUE(run::z2_consistent(ordered));
  // The same rows folded into one sector: not symmetric.
  MatrixF one_sector = ordered;
  for (Index r = 0; r < one_sector.rows(); ++r) {
    if (one_sector.row(r).sum() < 0) one_sector.row(r) *= -1.0f;
  }
  EXPECT_FALSE(run::z2_consistent(one_sector));
  // A single biased site (mean 0.2, 12σ at 4000 rows) among fair ones, with m̄ still near 0.
  MatrixF biased = coin_rows(4000, 64, 0.5, true, 6);
  const MatrixF site = coin_rows(4000, 1, 0.6, true, 7);
  biased.col(0) = site.col(0);
  EXPECT_FALSE(run::z2_consistent(biased));
  EXPECT_FALSE(run::z2_consistent(MatrixF::Ones(1, 4)));
}

TEST(RunDefaults, DefaultConfigIsValidAndDecaysToOneHundredthByTheLastEpoch) {
  const train::TrainConfig c = train::default_config();
  EXPECT_NO_THROW(c.validate());
  ASSERT_TRUE(c.learning_rate_final.has_value());
  EXPECT_FLOAT_EQ(*c.learning_rate_final, c.learning_rate / 100.0f);
  EXPECT_FLOAT_EQ(train::learning_rate_at_epoch(c, 0), c.learning_rate);
  EXPECT_FLOAT_EQ(train::learning_rate_at_epoch(c, c.epochs - 1), *c.learning_rate_final);
  EXPECT_FLOAT_EQ(train::default_final_learning_rate(0.01f), 0.0001f);
  // Gaussian visible units: a smaller start, no centring (refused for them by the trainer).
  const train::TrainConfig g = train::default_config(UnitType::gaussian);
  EXPECT_NO_THROW(g.validate());
  EXPECT_LT(g.learning_rate, c.learning_rate);
  EXPECT_FALSE(g.centering);
  EXPECT_TRUE(c.centering);
}

// --symmetry auto inside a training run: spin data that have the symmetry train with every bias
// exactly 0; the same data folded into one sector keep their biases.
TEST(RunDefaults, AutomaticSymmetryTiesTheBiasesOnlyForSymmetricSpinData) {
  run::TrainRequest req;
  req.data = coin_rows(400, 8, 0.5, true, 8);
  req.data_source = "sym";
  req.model.hidden = 3;
  req.model.visible = UnitType::spin;
  req.model.hidden_type = UnitType::spin;
  req.config = train::default_config();
  req.config.epochs = 3;
  req.config.seed = 2;
  req.auto_symmetry = true;
  req.assess_fit = false;
  const run::TrainRun sym = run::train_rbm(req);
  EXPECT_EQ(sym.config.symmetry, train::Symmetry::z2);
  EXPECT_EQ(sym.rbm.visible_bias().cwiseAbs().maxCoeff(), 0.0f);
  EXPECT_EQ(sym.rbm.hidden_bias().cwiseAbs().maxCoeff(), 0.0f);

  for (Index r = 0; r < req.data.rows(); ++r) req.data(r, 0) = 1.0f;  // site 0 always up
  const run::TrainRun biased = run::train_rbm(req);
  EXPECT_EQ(biased.config.symmetry, train::Symmetry::none);
  EXPECT_GT(biased.rbm.visible_bias()(0), 0.1f);

  // Bernoulli hidden units: no Z2 map exists, so auto means none.
  req.data = coin_rows(400, 8, 0.5, true, 8);
  req.model.hidden_type = UnitType::bernoulli;
  EXPECT_EQ(run::train_rbm(req).config.symmetry, train::Symmetry::none);
}

}  // namespace
