// Convolutional models in the dense tools (run/conv.hpp): hidden positions from the kernel
// geometry against their closed form; receptive-field centres of kernels that fill their patch
// symmetrically coincide with those positions (and the bond model's sit half a spacing off, as its
// kernels fill one row or column of the 2×2 patch), with the locality score about the positions in
// closed form; conv files load as their exact dense
// equivalent through run::load_layers / run::load_model; the visible couplings of the Ising bond
// model are the Ising coupling K on nearest neighbours and 0 elsewhere (rg couplings, exact).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "rgflow/conv/conv_rbm.hpp"
#include "rgflow/conv/file.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/run/conv.hpp"
#include "rgflow/run/couplings.hpp"
#include "rgflow/run/dbn.hpp"
#include "rgflow/run/rbm.hpp"
#include "rgflow/run/rg.hpp"

namespace rgflow::run {
namespace {

class ConvTools : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("rgflow_conv_tools_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::filesystem::path dir_;
};

TEST(ConvPositions, HiddenPositionsAreThePatchCentres) {
  const conv::ConvShape s{8, 3, 2, 2};  // M = 4: unit (c, p₁, p₂) at (2p₁ + 1, 2p₂ + 1)
  for (Index c = 0; c < 2; ++c) {
    for (Index p1 = 0; p1 < 4; ++p1) {
      for (Index p2 = 0; p2 < 4; ++p2) {
        const auto [row, col] = s.hidden_position(c * 16 + p1 * 4 + p2);
        EXPECT_EQ(row, 2.0 * p1 + 1.0);
        EXPECT_EQ(col, 2.0 * p2 + 1.0);
      }
    }
  }
  const conv::ConvShape even{8, 4, 2, 1};  // (2p + 1.5) mod 8: the last position wraps to 7.5
  EXPECT_EQ(even.hidden_position(0), std::make_pair(1.5, 1.5));
  EXPECT_EQ(even.hidden_position(3), std::make_pair(1.5, 7.5));
  const conv::ConvShape wrap{4, 4, 1, 1};  // p = 3: 3 + 1.5 = 4.5 → 0.5
  EXPECT_EQ(wrap.hidden_position(15), std::make_pair(0.5, 0.5));
  const auto xy = conv_hidden_positions(s);  // (x, y) = (column, row)
  EXPECT_EQ(xy[1], std::make_pair(3.0, 1.0));
}

TEST(ConvPositions, SymmetricKernelCentresAreTheKernelPositions) {
  rg::LocalityOptions o;
  o.permutations = 0;
  for (const conv::ConvShape shape : {conv::ConvShape{8, 3, 1, 2}, conv::ConvShape{8, 4, 2, 1}, conv::ConvShape{6, 2, 2, 1}}) {
    conv::ConvRbm m(shape);
    m.kernels().setConstant(0.5f);  // every patch site weighted equally: the centre of mass is the patch centre
    ReceptiveFieldsRun r = receptive_fields(Dbn({m.to_dense()}), static_cast<int>(shape.lattice), o);
    attach_conv_positions(r, shape);
    ASSERT_TRUE(r.centre_offset.has_value());
    EXPECT_LT(r.centre_offset->mean, 1e-9) << conv::to_string(shape);
    EXPECT_EQ(r.centre_offset->n, shape.n_hidden());
    EXPECT_NEAR(r.position_score->mean, r.levels.front().score.mean, 1e-12);  // centre = position
  }
  // The bond model: each kernel fills one row (column) of its 2×2 patch, so its centre is the bond's
  // midpoint, half a spacing from the patch centre, for every unit.
  const conv::ConvRbm bonds = conv::ising_bond_model(4, 0.3);
  ReceptiveFieldsRun r = receptive_fields(Dbn({bonds.to_dense()}), 4, o);
  attach_conv_positions(r, bonds.shape());
  EXPECT_NEAR(r.centre_offset->mean, 0.5, 1e-9);
  EXPECT_NEAR(r.centre_offset->error, 0.0, 1e-9);
  // Locality about the position: both bond sites lie √(½) ≈ 0.707 from the patch centre, so the
  // score is 1 for r = 1.5 and 0 for r = 0.5 — while about the inferred centre (the bond's
  // midpoint, 0.5 from each site) it is 1 for both.
  EXPECT_NEAR(r.position_score->mean, 1.0, 1e-12);
  o.radius = 0.5;
  ReceptiveFieldsRun tight = receptive_fields(Dbn({bonds.to_dense()}), 4, o);
  attach_conv_positions(tight, bonds.shape());
  EXPECT_NEAR(tight.position_score->mean, 0.0, 1e-12);
  EXPECT_NEAR(tight.levels.front().score.mean, 1.0, 1e-12);
  EXPECT_THROW(attach_conv_positions(r, conv::ConvShape{4, 2, 2, 1}), Error);  // not this model's units
}

TEST_F(ConvTools, ConvFilesLoadAsTheirDenseEquivalent) {
  conv::ConvRbm m(conv::ConvShape{6, 3, 2, 2}, UnitType::spin, UnitType::bernoulli);
  Rng rng(1, 0);
  m.initialize(rng, nullptr, 0.5f);
  m.hidden_bias() << 0.25f, -0.5f;
  m.visible_bias() = 0.125f;
  conv::save_model(path("m.h5"), m);
  EXPECT_TRUE(is_conv_model_file(path("m.h5")));
  EXPECT_FALSE(is_conv_model_file(path("missing.h5")));
  const Rbm dense = m.to_dense();
  const Dbn layers = load_layers(path("m.h5"));
  ASSERT_EQ(layers.n_layers(), 1);
  EXPECT_TRUE(layers.layer(0).weights() == dense.weights());
  EXPECT_TRUE(layers.layer(0).hidden_bias() == dense.hidden_bias());
  EXPECT_TRUE(layers.layer(0).visible_bias() == dense.visible_bias());
  EXPECT_EQ(layers.layer(0).hidden_type(), UnitType::bernoulli);
  const Model model = load_model(path("m.h5"));
  EXPECT_TRUE(model.rbm.weights() == dense.weights());
  EXPECT_FALSE(model.standardization.has_value());
}

TEST_F(ConvTools, BondModelVisibleCouplingsAreTheIsingCoupling) {
  const conv::ConvRbm bonds = conv::ising_bond_model(4, 0.3);
  conv::save_model(path("b.h5"), bonds);
  CouplingsRequest q;
  q.max_order = 2;
  q.lattice = 4;
  const CouplingsRun r = couplings(load_layers(path("b.h5")), q);
  const double k = conv::bond_coupling(bonds.kernels()(0, 0));  // K of the float32 weight
  bool nearest = false;
  for (const rg::ShapeAverage& a : r.shapes) {
    if (a.order == 2 && a.dx == 1 && a.dy == 0) {
      nearest = true;
      EXPECT_NEAR(a.mean.mean, k, 1e-9);
      EXPECT_EQ(a.count, 32);  // 2L² bonds
    } else {
      EXPECT_NEAR(a.mean.mean, 0.0, 1e-9) << "order " << a.order << " dx " << a.dx << " dy " << a.dy;
    }
  }
  EXPECT_TRUE(nearest);
}

}  // namespace
}  // namespace rgflow::run
