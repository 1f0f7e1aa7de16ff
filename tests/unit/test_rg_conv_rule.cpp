// A convolutional RBM as a blocking rule (rg/coarse_graining.hpp ConvRbmRule): its fields are the
// model's own φ = b_c + Σ W v (the dense equivalent's, at the model's lattice and at any other
// lattice the stride divides); `sign` is the sign of φ; `sample` draws with probability σ(kφ)
// (checked against that probability site by site); the hand-built majority-rule RBM
// (conv::majority_rule_model) *is* majority rule — bit for bit in `sign` mode (the same tie coin),
// in distribution in `sample` mode — the positive control of a learned blocking (issue #17 2c);
// batches do not depend on the thread count; conv files become rules; bad input is an Error.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "rgflow/conv/conv_rbm.hpp"
#include "rgflow/conv/file.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/rg/block_spin.hpp"
#include "rgflow/rg/coarse_graining.hpp"
#include "rgflow/rg/mcrg.hpp"
#include "support/random_spins.hpp"

namespace {

using namespace rgflow;
using rg::HiddenState;

using test::random_spins;

conv::ConvRbm random_model(Index L, Index K, Index S, Index C, UnitType visible, UnitType hidden, std::uint64_t seed) {
  conv::ConvRbm m(conv::ConvShape{L, K, S, C}, visible, hidden);
  Rng rng(seed, 1);
  m.initialize(rng, nullptr, 0.6f);
  for (Index c = 0; c < C; ++c) m.hidden_bias()(c) = 0.3f * static_cast<float>(c) - 0.2f;
  m.visible_bias() = 0.1f;
  return m;
}

MatrixF to_visible(const std::vector<std::int8_t>& s, UnitType visible) {
  MatrixF v(1, static_cast<Index>(s.size()));
  for (std::size_t i = 0; i < s.size(); ++i)
    v(0, static_cast<Index>(i)) = visible == UnitType::spin ? s[i] : 0.5f * (1.0f + s[i]);
  return v;
}

TEST(RgConvRule, FieldsAreTheModelsOwnAtItsLatticeAndAtAnyOther) {
  for (const UnitType visible : {UnitType::spin, UnitType::bernoulli}) {
    const conv::ConvRbm m = random_model(8, 3, 2, 2, visible, UnitType::spin, 3);
    const Rbm dense = m.to_dense();
    const auto spins = random_spins(1, 64, 5);
    const MatrixF v = to_visible(spins, visible);
    for (int c = 0; c < 2; ++c) {
      const rg::ConvRbmRule rule(m, c, HiddenState::sign);
      EXPECT_EQ(rule.factor(), 2);
      const auto phi = rule.fields(spins, 8);
      ASSERT_EQ(phi.size(), 16u);
      for (Index p = 0; p < 16; ++p) {
        const Index j = c * 16 + p;
        double ref = dense.hidden_bias()(j);
        for (Index i = 0; i < 64; ++i) ref += static_cast<double>(dense.weights()(i, j)) * v(0, i);
        EXPECT_NEAR(phi[static_cast<std::size_t>(p)], ref, 1e-5) << "channel " << c << " site " << p;
      }
    }
    // The same kernels on a 12×12 lattice: the fields of the model built for L = 12.
    conv::ConvRbm big(conv::ConvShape{12, 3, 2, 2}, visible, UnitType::spin);
    big.kernels() = m.kernels();
    big.hidden_bias() = m.hidden_bias();
    const auto spins12 = random_spins(1, 144, 6);
    MatrixF field;
    big.hidden_field(to_visible(spins12, visible), field);
    const auto phi = rg::ConvRbmRule(m, 1, HiddenState::sample).fields(spins12, 12);
    for (Index p = 0; p < 36; ++p) EXPECT_NEAR(phi[static_cast<std::size_t>(p)], field(0, 36 + p), 1e-5);
  }
}

TEST(RgConvRule, SignIsTheSignOfTheField) {
  for (const UnitType hidden : {UnitType::spin, UnitType::bernoulli}) {
    const conv::ConvRbm m = random_model(8, 2, 2, 1, UnitType::spin, hidden, 7);
    const rg::ConvRbmRule rule(m, 0, HiddenState::sign);
    const auto spins = random_spins(30, 64, 8);
    const auto out = rg::coarse_grain_batch(rule, spins, 30, 8, 1);
    for (std::int64_t r = 0; r < 30; ++r) {
      const auto phi = rule.fields(std::span<const std::int8_t>(spins.data() + r * 64, 64), 8);
      for (std::size_t p = 0; p < 16; ++p)
        EXPECT_EQ(out[static_cast<std::size_t>(r * 16) + p], rule.orientation() * phi[p] > 0 ? 1 : -1);
    }
  }
}

TEST(RgConvRule, SampleDrawsWithTheConditionalProbability) {
  // One configuration, 20000 independent draws (configuration i: stream i); each of the 16 coarse
  // sites' frequency of +1 against σ(kφ): |z| < 4.5 at every site (a wrong k or sign moves the
  // probabilities by ≥ 0.05, z ≥ 14 here).
  for (const UnitType hidden : {UnitType::spin, UnitType::bernoulli}) {
    const conv::ConvRbm m = random_model(8, 2, 2, 1, UnitType::spin, hidden, 9);
    const rg::ConvRbmRule rule(m, 0, HiddenState::sample);
    const auto one = random_spins(1, 64, 10);
    const std::int64_t n = 20000;
    std::vector<std::int8_t> spins;
    for (std::int64_t r = 0; r < n; ++r) spins.insert(spins.end(), one.begin(), one.end());
    const auto out = rg::coarse_grain_batch(rule, spins, n, 8, 2);
    const auto phi = rule.fields(one, 8);
    const double k = hidden == UnitType::spin ? 2.0 : 1.0;
    for (std::size_t p = 0; p < 16; ++p) {
      double on = 0;
      for (std::int64_t r = 0; r < n; ++r) on += out[static_cast<std::size_t>(r * 16) + p] > 0;
      const double q = 1.0 / (1.0 + std::exp(-k * rule.orientation() * phi[p]));
      const double se = std::sqrt(q * (1 - q) / static_cast<double>(n));
      EXPECT_LT(std::abs(on / static_cast<double>(n) - q), 4.5 * se + 1e-12) << "site " << p << " q " << q;
    }
  }
}

TEST(RgConvRule, MajorityRuleModelIsMajorityRule) {
  const int L = 12;
  const auto spins = random_spins(300, L * L, 11);  // T = ∞: many tied 2×2 and 4×4 blocks
  for (const int b : {2, 3, 4}) {
    const conv::ConvRbm m = conv::majority_rule_model(L, b, 20.0);
    // sign: majority rule bit for bit, the tie coin included.
    const rg::ConvRbmRule sign(m, 0, HiddenState::sign);
    const auto majority = rg::block_spins_batch(spins, 300, L, b, rg::BlockRule::majority, 13);
    EXPECT_EQ(rg::coarse_grain_batch(sign, spins, 300, L, 13), majority) << "b=" << b;
    // sample: every untied block its majority (the minority has probability ≤ e^{-40}); the tied
    // ones fair coins (|z| < 4 on their count).
    const rg::ConvRbmRule sample(m, 0, HiddenState::sample);
    const auto drawn = rg::coarse_grain_batch(sample, spins, 300, L, 14);
    const int Lb = L / b;
    double ties = 0, plus = 0;
    for (std::int64_t r = 0; r < 300; ++r)
      for (int Y = 0; Y < Lb; ++Y)
        for (int X = 0; X < Lb; ++X) {
          int sum = 0;
          for (int y = 0; y < b; ++y)
            for (int x = 0; x < b; ++x) sum += spins[static_cast<std::size_t>(r * L * L + (b * Y + y) * L + b * X + x)];
          const auto got = drawn[static_cast<std::size_t>(r * Lb * Lb + Y * Lb + X)];
          if (sum == 0) {
            ties += 1;
            plus += got > 0;
          } else {
            EXPECT_EQ(got, sum > 0 ? 1 : -1);
          }
        }
    if (b % 2 == 1) {
      EXPECT_EQ(ties, 0);
    } else {
      ASSERT_GT(ties, 500);
      EXPECT_LT(std::abs(plus - ties / 2) / std::sqrt(ties / 4), 4.0) << "b=" << b << " ties " << ties;
    }
  }
}

TEST(RgConvRule, OrientationFixesTheSignOfTheCoarseSpins) {
  // W → −W (a Z2-trained model may come out either way) gives the same rule, bit for bit, in both
  // modes; the orientation is the sign of the largest-magnitude kernel weight.
  const int L = 8;
  const auto spins = random_spins(50, L * L, 23);
  conv::ConvRbm plus = random_model(L, 2, 2, 1, UnitType::spin, UnitType::spin, 24);
  plus.kernels() << 0.3f, -0.9f, 0.2f, 0.5f;  // largest |w| negative
  conv::ConvRbm minus = plus;
  minus.kernels() *= -1.0f;
  minus.hidden_bias() *= -1.0f;
  for (const HiddenState h : {HiddenState::sign, HiddenState::sample}) {
    const rg::ConvRbmRule a(plus, 0, h), b(minus, 0, h);
    EXPECT_EQ(a.orientation(), -1);
    EXPECT_EQ(b.orientation(), 1);
    EXPECT_EQ(rg::coarse_grain_batch(a, spins, 50, L, 25), rg::coarse_grain_batch(b, spins, 50, L, 25));
  }
  conv::ConvRbm anti = conv::majority_rule_model(L, 2, 20.0);
  anti.kernels() *= -1.0f;
  EXPECT_EQ(rg::coarse_grain_batch(rg::ConvRbmRule(anti, 0, HiddenState::sign), spins, 50, L, 26),
            rg::block_spins_batch(spins, 50, L, 2, rg::BlockRule::majority, 26));
}

TEST(RgConvRule, McrgWithTheMajorityModelIsMajorityMcrg) {
  const int L = 16;
  const auto spins = random_spins(64, L * L, 15);
  rg::McrgOptions o;
  o.levels = 2;
  o.seed = 17;
  const std::vector<std::shared_ptr<const rg::BlockingRule>> maj = {
      std::make_shared<rg::BlockSpinRule>(rg::BlockRule::majority, 2)};
  const std::vector<std::shared_ptr<const rg::BlockingRule>> model = {
      std::make_shared<rg::ConvRbmRule>(conv::majority_rule_model(L, 2, 20.0), 0, HiddenState::sign)};
  const auto a = rg::mcrg(spins, 64, L, maj, o);
  const auto b = rg::mcrg(spins, 64, L, model, o);
  ASSERT_EQ(a.size(), 2u);
  ASSERT_EQ(b.size(), 2u);
  for (std::size_t k = 0; k < 2; ++k) {
    EXPECT_EQ(a[k].y_t.mean, b[k].y_t.mean);
    EXPECT_EQ(a[k].y_h.mean, b[k].y_h.mean);
    EXPECT_EQ(a[k].y_h.error, b[k].y_h.error);
  }
}

TEST(RgConvRule, BatchesDoNotDependOnTheThreadCount) {
  const conv::ConvRbm m = random_model(16, 4, 2, 1, UnitType::spin, UnitType::spin, 19);
  const rg::ConvRbmRule rule(m, 0, HiddenState::sample);
  const auto spins = random_spins(101, 256, 20);
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const auto one = rg::coarse_grain_batch(rule, spins, 101, 16, 21);
  omp_set_num_threads(3);
  const auto three = rg::coarse_grain_batch(rule, spins, 101, 16, 21);
  omp_set_num_threads(threads);
  EXPECT_EQ(one, three);
}

TEST(RgConvRule, ConvFilesBecomeRules) {
  const std::string path = (std::filesystem::temp_directory_path() / "rgflow_test_conv_rule.h5").string();
  conv::save_model(path, conv::majority_rule_model(8, 2, 10.0));
  EXPECT_TRUE(rg::is_conv_rule_file(path));
  auto rule = rg::rule_from_file(path);
  EXPECT_EQ(rule->name(), "conv-rbm-sample");
  EXPECT_EQ(rule->factor(), 2);
  rule = rg::make_blocking_rule(path, 3, {std::nullopt, HiddenState::sign});
  EXPECT_EQ(rule->name(), "conv-rbm-sign");
  EXPECT_EQ(rule->factor(), 2);  // the file's stride, not the factor asked for built-ins
  // Two channels: the channel must be chosen, and exist.
  conv::save_model(path, random_model(8, 2, 2, 2, UnitType::spin, UnitType::spin, 22));
  EXPECT_THROW(rg::rule_from_file(path), FileError);
  EXPECT_THROW(rg::rule_from_file(path, {2, std::nullopt}), FileError);
  EXPECT_THROW(rg::rule_from_file(path, {-1, std::nullopt}), FileError);
  rule = rg::rule_from_file(path, {1, HiddenState::sign});
  EXPECT_EQ(rule->name(), "conv-rbm-sign:channel1");
  std::remove(path.c_str());
  EXPECT_THROW(rg::is_conv_rule_file(path), FileError);
}

TEST(RgConvRule, BadInputIsAnError) {
  EXPECT_THROW(conv::majority_rule_model(8, 3, 10.0), Error);   // 3 does not divide 8
  EXPECT_THROW(conv::majority_rule_model(8, 2, 0.0), Error);    // weight
  EXPECT_THROW(conv::majority_rule_model(8, 2, NAN), Error);
  EXPECT_THROW(rg::parse_hidden_state("mean"), Error);
  const conv::ConvRbm m = conv::majority_rule_model(8, 2, 10.0);
  EXPECT_THROW(rg::ConvRbmRule(m, 1, HiddenState::sign), Error);  // one channel
  const rg::ConvRbmRule rule(m, 0, HiddenState::sign);
  Rng rng(0, 0);
  const auto spins = random_spins(1, 81, 1);
  EXPECT_THROW(rule.apply(spins, 9, rng), Error);       // 2 does not divide 9
  EXPECT_THROW(rule.fields(spins, 9), Error);
  EXPECT_THROW(rule.fields(spins, 8), Error);           // 81 spins for L = 8
  conv::ConvRbm bad = m;
  bad.kernels()(0, 0) = NAN;
  EXPECT_THROW(rg::ConvRbmRule(bad, 0, HiddenState::sign), Error);
}

}  // namespace
