// The positive controls of vrg run / demo (vrg/controls.hpp): the exact ones give their exact
// values, the majority-rule conv RBM reproduces majority rule's K₁ and MCRG exponents, and a
// control whose expected value is wrong fails.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "rgflow/core/rng.hpp"
#include "rgflow/rg/block_spin.hpp"
#include "rgflow/rg/coarse_graining.hpp"
#include "rgflow/rg/mcrg.hpp"
#include "rgflow/rg/renormalized_couplings.hpp"
#include "rgflow/vrg/controls.hpp"
#include "rgflow/vrg/observables.hpp"

namespace rgflow::vrg {
namespace {

using nlohmann::json;

void expect_entry(const json& c) {
  for (const char* key : {"name", "diagnostic", "finding", "expected", "value", "pass", "tolerance"}) {
    EXPECT_TRUE(c.contains(key)) << key << " in " << c.dump();
  }
  EXPECT_TRUE(c["value"].contains("mean") && c["value"].contains("error"));
}

TEST(VrgControls, DecimationControlsGiveZero) {
  rg::LatticeFreeEnergyOptions o;
  o.flow.log_z.ais.chains = 32;
  o.flow.log_z.ais.betas = estimate::linear_ais_schedule(1000);
  const json c = decimation_controls(o, 7);
  ASSERT_EQ(c.size(), 3U);
  for (const auto& e : c) {
    expect_entry(e);
    EXPECT_TRUE(e["pass"].get<bool>()) << e.dump();
    EXPECT_EQ(e["finding"], "free_energy_flow");
  }
  EXPECT_LT(c[0]["value"]["mean"].get<double>(), 1e-9);  // exact log Z
  EXPECT_GT(c[1]["value"]["error"].get<double>(), 0.0);   // AIS
  EXPECT_LT(c[2]["value"]["mean"].get<double>(), 1e-9);  // 2D, exact log Z
}

TEST(VrgControls, BondModelMatchesKaufmanExactly) {
  rg::LatticeFreeEnergyOptions o;  // automatic: 16 visible units are enumerated
  Rng rng(1, 0);
  MatrixF data(10, 16);
  for (Index i = 0; i < data.size(); ++i) data.data()[i] = rng.uniform() < 0.5f ? 1.0f : -1.0f;
  const json c = bond_model_control(4, 1.0 / 0.35, data, o);
  expect_entry(c);
  EXPECT_TRUE(c["pass"].get<bool>());
  EXPECT_NEAR(c["value"]["mean"].get<double>(), c["expected"].get<double>(), 1e-9);
  EXPECT_EQ(c["value"]["error"].get<double>(), 0.0);
}

// MCRG steps as the pipeline records them, for a rule.
json mcrg_steps(const std::vector<std::int8_t>& spins, std::int64_t n, int L,
                std::shared_ptr<const rg::BlockingRule> rule) {
  rg::McrgOptions mo;
  mo.levels = 1;
  mo.seed = 5;
  mo.chains = 4;
  const std::vector<std::shared_ptr<const rg::BlockingRule>> rules = {std::move(rule)};
  json out = json::array();
  for (const auto& s : rg::mcrg(spins, n, L, rules, mo)) {
    out.push_back({{"from_size", s.from_size}, {"to_size", s.to_size}, {"y_t", {{"mean", s.y_t.mean}, {"error", s.y_t.error}}},
                   {"y_h", {{"mean", s.y_h.mean}, {"error", s.y_h.error}}}});
  }
  return out;
}

// Independent spins on 8 × 8 (any data will do: the control compares two coarse-grainings of it).
TEST(VrgControls, MajorityRuleConvRbmReproducesBlockSpins) {
  const int L = 8, b = 2;
  const std::int64_t n = 400;
  Rng rng(3, 0);
  std::vector<std::int8_t> spins(static_cast<std::size_t>(n * L * L));
  for (auto& s : spins) s = rng.uniform() < 0.6f ? 1 : -1;
  // The block-spin stage's results: K₁ K₂ K₄ of the majority-rule level 1 and its MCRG.
  const auto coarse = rg::block_spins_batch(spins, n, L, b, rg::BlockRule::majority, 11);
  const auto fit = rg::pseudo_likelihood_couplings(
      to_matrix(coarse, n, 16), 4,
      {rg::IsingTerm::nearest_neighbour, rg::IsingTerm::next_nearest_neighbour, rg::IsingTerm::plaquette});
  const json k1 = {{"mean", fit.couplings[0].mean}, {"error", fit.couplings[0].error}};
  json blockspin = {
      {"levels", json::array({json::object(), {{"renormalized_couplings", {{"nearest_neighbour", k1}}}}})},
      {"mcrg", mcrg_steps(spins, n, L, std::make_shared<rg::BlockSpinRule>(rg::BlockRule::majority, b))}};
  const json conv_mcrg = mcrg_steps(spins, n, L, majority_rule_conv_rule(L, b));
  const json c = majority_rule_controls(spins, n, L, b, 1, conv_mcrg, blockspin, 9);
  ASSERT_EQ(c.size(), 3U);  // K₁ at level 1, y_t, y_h
  for (const auto& e : c) {
    expect_entry(e);
    EXPECT_TRUE(e["pass"].get<bool>()) << e.dump();
  }
  EXPECT_EQ(c[0]["finding"], "coupling_flow");
  EXPECT_EQ(c[1]["finding"], "mcrg");
  // A wrong reference fails: K₁ off by 10 of its errors.
  blockspin["levels"][1]["renormalized_couplings"]["nearest_neighbour"]["mean"] =
      fit.couplings[0].mean + 10.0 * fit.couplings[0].error;
  EXPECT_FALSE(majority_rule_controls(spins, n, L, b, 1, conv_mcrg, blockspin, 9)[0]["pass"].get<bool>());
}

// The T_c control passes within the issue's tolerances (0.05 for y_t, 0.02 for y_h), not beyond.
TEST(VrgControls, CriticalExponentsWithinTheIssuesTolerances) {
  auto step = [](double yt, double yh) {
    return json{{"from_size", 32}, {"to_size", 16}, {"y_t", {{"mean", yt}, {"error", 0.01}}},
                {"y_h", {{"mean", yh}, {"error", 0.001}}}};
  };
  const json c = critical_exponent_controls(json::array({step(1.04, 1.893), step(0.94, 1.86)}), 2, 32, 4000);
  ASSERT_EQ(c.size(), 4U);
  for (const auto& e : c) expect_entry(e);
  EXPECT_TRUE(c[0]["pass"].get<bool>());   // |1.04 − 1| ≤ 0.05
  EXPECT_TRUE(c[1]["pass"].get<bool>());   // |1.893 − 1.875| ≤ 0.02
  EXPECT_FALSE(c[2]["pass"].get<bool>());  // 0.06 off
  EXPECT_TRUE(c[3]["pass"].get<bool>());   // 0.015 off
  EXPECT_EQ(c[1]["expected"].get<double>(), 1.875);
  EXPECT_EQ(c[0]["finding"], "mcrg");
}

}  // namespace
}  // namespace rgflow::vrg
