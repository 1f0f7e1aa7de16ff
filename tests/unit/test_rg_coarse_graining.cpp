// Blocking rules (rg/coarse_graining.hpp) and MCRG through them: the rule interface reproduces
// Kadanoff block spins draw for draw; a linear filter with equal weights *is* majority rule (ties
// by the same coin), (1, 0, …, 0) is decimation, other filters match the sign of the weighted
// sum computed here directly; batches do not depend on the thread count; MCRG with a rule list
// equals MCRG on pre-blocked data; RSMI files round-trip into rules; bad input is an Error.
#include <gtest/gtest.h>
#include <omp.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "rgflow/core/error.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/rg/block_spin.hpp"
#include "rgflow/rg/coarse_graining.hpp"
#include "rgflow/rg/mcrg.hpp"
#include "support/random_spins.hpp"
#include "rgflow/rg/rsmi_file.hpp"

namespace {

using namespace rgflow;
using rg::BlockRule;

using test::random_spins;

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("rgflow_test_cg_" + name)).string();
}

TEST(RgCoarseGraining, BlockSpinRuleIsBlockSpins) {
  const int L = 12;
  const auto spins = random_spins(40, L * L, 1);
  for (const BlockRule r : {BlockRule::majority, BlockRule::decimation})
    for (const int b : {2, 3, 4}) {
      const rg::BlockSpinRule rule(r, b);
      EXPECT_EQ(rg::coarse_grain_batch(rule, spins, 40, L, 7), rg::block_spins_batch(spins, 40, L, b, r, 7))
          << rg::block_rule_name(r) << " b=" << b;
    }
}

TEST(RgCoarseGraining, UniformFilterIsMajorityRuleBitForBit) {
  const int L = 12;
  const auto spins = random_spins(200, L * L, 2);  // T = ∞: many ties in 2x2 blocks
  for (const int b : {2, 3, 4}) {
    const rg::LinearFilterRule uniform(std::vector<double>(static_cast<std::size_t>(b * b), 0.7), b, 2);
    const auto mine = rg::coarse_grain_batch(uniform, spins, 200, L, 11);
    EXPECT_EQ(mine, rg::block_spins_batch(spins, 200, L, b, BlockRule::majority, 11)) << "b=" << b;
    std::vector<double> first(static_cast<std::size_t>(b * b), 0.0);
    first[0] = 2.5;
    const rg::LinearFilterRule decimation(first, b, 2);
    EXPECT_EQ(rg::coarse_grain_batch(decimation, spins, 200, L, 11),
              rg::block_spins_batch(spins, 200, L, b, BlockRule::decimation, 11));
  }
}

TEST(RgCoarseGraining, FilterIsTheSignOfTheWeightedBlockSum) {
  const int L = 6, b = 3;
  const std::vector<double> w = {0.9, -0.3, 0.2, 0.5, -1.1, 0.05, 0.3, 0.4, -0.6};
  const rg::LinearFilterRule rule(w, b, 2);
  const auto spins = random_spins(30, L * L, 3);
  Rng unused(0, 0);
  for (int n = 0; n < 30; ++n) {
    const std::span<const std::int8_t> s(spins.data() + n * L * L, static_cast<std::size_t>(L * L));
    const auto out = rule.apply(s, L, unused);
    for (int Y = 0; Y < 2; ++Y)
      for (int X = 0; X < 2; ++X) {
        double sum = 0.0;
        for (int dy = 0; dy < b; ++dy)
          for (int dx = 0; dx < b; ++dx) sum += w[static_cast<std::size_t>(dy * b + dx)] * s[(3 * Y + dy) * L + 3 * X + dx];
        EXPECT_EQ(out[static_cast<std::size_t>(Y * 2 + X)], sum > 0 ? 1 : -1);
      }
  }
  EXPECT_EQ(unused.position(), 0u) << "no ties with these weights: no coin drawn";
  // 1D rings: block i covers sites [b i, b i + b).
  const rg::LinearFilterRule ring({1.0, -2.0}, 2, 1);
  const std::vector<std::int8_t> chain = {1, 1, 1, -1, -1, 1, -1, -1};
  EXPECT_EQ(ring.apply(chain, 8, unused), (std::vector<std::int8_t>{-1, 1, -1, 1}));
}

TEST(RgCoarseGraining, BatchesDoNotDependOnThreads) {
  const int L = 16;
  const auto spins = random_spins(64, L * L, 4);
  const rg::LinearFilterRule rule({1.0, 1.0, 1.0, 1.0}, 2, 2);
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  const auto one = rg::coarse_grain_batch(rule, spins, 64, L, 5);
  omp_set_num_threads(3);
  const auto three = rg::coarse_grain_batch(rule, spins, 64, L, 5);
  omp_set_num_threads(saved);
  EXPECT_EQ(one, three);
}

TEST(RgCoarseGraining, McrgThroughRulesGivesTheClassicBits) {
  const int L = 16;
  const std::int64_t n = 60;
  const auto spins = random_spins(n, L * L, 6);
  rg::McrgOptions o;
  o.levels = 2;
  o.seed = 9;
  o.odd_operators = 1;
  const auto classic = rg::mcrg(spins, n, L, o);
  const std::vector<std::shared_ptr<const rg::BlockingRule>> uniform = {
      std::make_shared<rg::LinearFilterRule>(std::vector<double>{1, 1, 1, 1}, 2, 2)};
  const auto through_filter = rg::mcrg(spins, n, L, uniform, o);
  ASSERT_EQ(classic.size(), through_filter.size());
  for (std::size_t l = 0; l < classic.size(); ++l) {
    EXPECT_EQ(classic[l].y_t.mean, through_filter[l].y_t.mean);
    EXPECT_EQ(classic[l].y_t.error, through_filter[l].y_t.error);
    EXPECT_EQ(classic[l].y_h.mean, through_filter[l].y_h.mean);
  }
}

TEST(RgCoarseGraining, McrgRuleListEqualsMcrgOnPreBlockedData) {
  // Level 0→1 by decimation (no draws), then majority: step 1 must equal step 0 of majority MCRG
  // on the decimated configurations (same seed, so the same coins).
  const int L = 32;
  const std::int64_t n = 50;
  const auto spins = random_spins(n, L * L, 8);
  rg::McrgOptions o;
  o.levels = 2;
  o.seed = 4;
  const std::vector<std::shared_ptr<const rg::BlockingRule>> rules = {
      std::make_shared<rg::BlockSpinRule>(BlockRule::decimation, 2),
      std::make_shared<rg::BlockSpinRule>(BlockRule::majority, 2)};
  const auto steps = rg::mcrg(spins, n, L, rules, o);
  const auto decimated = rg::block_spins_batch(spins, n, L, 2, BlockRule::decimation, 0);
  rg::McrgOptions one = o;
  one.levels = 1;
  const auto ref = rg::mcrg(decimated, n, L / 2, one);
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[1].from_size, 16);
  EXPECT_EQ(steps[1].y_t.mean, ref[0].y_t.mean);
  EXPECT_EQ(steps[1].y_h.mean, ref[0].y_h.mean);
  EXPECT_EQ(steps[1].y_h.error, ref[0].y_h.error);
}

TEST(RgCoarseGraining, RsmiFileRoundTripsIntoARule) {
  rg::RsmiGeometry g;
  g.L = 16;
  g.block = 2;
  g.buffer = 1;
  g.environment = 2;
  rg::RsmiOptions o;
  rg::RsmiResult r;
  r.filter = MatrixD::Constant(1, 4, 0.5);
  r.filter(0, 3) = 0.25;
  r.initial_filter = r.filter;
  r.mutual_information.mean = 0.3;
  const std::string path = temp_path("rule.h5");
  rg::save_rsmi(path, g, o, r, false, {{"command", "test"}});
  const auto rule = rg::rule_from_file(path);
  EXPECT_EQ(rule->factor(), 2);
  EXPECT_EQ(rule->dimension(), 2);
  EXPECT_EQ(rule->name(), "rsmi");
  const auto* filter = dynamic_cast<const rg::LinearFilterRule*>(rule.get());
  ASSERT_NE(filter, nullptr);
  EXPECT_EQ(filter->weights(), (std::vector<double>{0.5, 0.5, 0.5, 0.25}));
  const auto model = rg::load_rsmi(path);
  EXPECT_EQ(model.mutual_information.mean, 0.3);
  EXPECT_EQ(model.attributes.at("command"), "test");
  EXPECT_EQ(model.attributes.at("learned"), "0");
  // Two coarse variables per block cannot be one coarse lattice.
  r.filter = MatrixD::Constant(2, 4, 1.0);
  r.initial_filter = r.filter;
  rg::save_rsmi(path, g, o, r, false);
  EXPECT_THROW(rg::rule_from_file(path), FileError);
  std::remove(path.c_str());
  EXPECT_THROW(rg::rule_from_file(path), FileError);  // missing file
  EXPECT_THROW(rg::make_blocking_rule("majorty", 2), FileError);
  EXPECT_EQ(rg::make_blocking_rule("decimation", 3)->factor(), 3);
}

TEST(RgCoarseGraining, BadInputIsAnError) {
  EXPECT_THROW(rg::LinearFilterRule({1.0, 1.0, 1.0}, 2, 2), Error);            // wrong size
  EXPECT_THROW(rg::LinearFilterRule({0.0, 0.0, 0.0, 0.0}, 2, 2), Error);       // all zero
  EXPECT_THROW(rg::LinearFilterRule({1.0, NAN, 1.0, 1.0}, 2, 2), Error);       // NaN
  EXPECT_THROW(rg::LinearFilterRule({1.0}, 1, 3), Error);                      // dimension
  const rg::LinearFilterRule rule({1.0, 1.0, 1.0, 1.0}, 2, 2);
  Rng rng(0, 0);
  const auto spins = random_spins(1, 9, 1);
  EXPECT_THROW(rule.apply(spins, 3, rng), Error);  // 2 does not divide 3
  EXPECT_THROW(rule.apply(spins, 2, rng), Error);  // 9 spins for L = 2
  EXPECT_THROW(rg::coarse_grain_batch(rule, spins, 2, 3, 0), Error);
  rg::McrgOptions o;
  const std::vector<std::shared_ptr<const rg::BlockingRule>> ring = {
      std::make_shared<rg::LinearFilterRule>(std::vector<double>{1, 1}, 2, 1)};
  const auto lattice = random_spins(4, 64, 2);
  EXPECT_THROW(rg::mcrg(lattice, 4, 8, ring, o), Error);
  EXPECT_THROW(rg::mcrg(lattice, 4, 8, {}, o), Error);
}

}  // namespace
