// TrainConfig: validation messages, method names, JSON round trip, momentum schedule.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>

#include "rgflow/core/error.hpp"
#include "rgflow/train/config.hpp"

namespace rgflow::train {
namespace {

TEST(TrainConfig, DefaultsAreValid) { EXPECT_NO_THROW(TrainConfig{}.validate()); }

TEST(TrainConfig, MethodNames) {
  EXPECT_EQ(to_string(Method::cd), "cd");
  EXPECT_EQ(to_string(Method::pcd), "pcd");
  EXPECT_EQ(parse_method("cd"), Method::cd);
  EXPECT_EQ(parse_method("pcd"), Method::pcd);
  EXPECT_THROW(parse_method("CD"), Error);
  EXPECT_THROW(parse_method(""), Error);
}

// Each case breaks one field; validate() must throw an Error whose message names it.
TEST(TrainConfig, ValidateRejectsBadValues) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  struct Case {
    const char* expect_in_message;
    std::function<void(TrainConfig&)> breaks;
  };
  const Case cases[] = {
      {"batch size", [](TrainConfig& c) { c.batch_size = 0; }},
      {"learning rate", [](TrainConfig& c) { c.learning_rate = 0.0f; }},
      {"learning rate", [](TrainConfig& c) { c.learning_rate = -0.1f; }},
      {"learning rate", [nan](TrainConfig& c) { c.learning_rate = nan; }},
      {"learning rate", [inf](TrainConfig& c) { c.learning_rate = inf; }},
      {"initial momentum", [](TrainConfig& c) { c.momentum_initial = 1.0f; }},
      {"initial momentum", [](TrainConfig& c) { c.momentum_initial = -0.01f; }},
      {"final momentum", [](TrainConfig& c) { c.momentum_final = 1.5f; }},
      {"final momentum", [nan](TrainConfig& c) { c.momentum_final = nan; }},
      {"momentum switch", [](TrainConfig& c) { c.momentum_switch_epoch = -1; }},
      {"steps", [](TrainConfig& c) { c.steps = 0; }},
      {"epochs", [](TrainConfig& c) { c.epochs = -1; }},
      {"L1", [](TrainConfig& c) { c.l1 = -1e-4f; }},
      {"L2", [](TrainConfig& c) { c.l2 = -1e-4f; }},
      {"L2", [inf](TrainConfig& c) { c.l2 = inf; }},
      {"sparsity target", [](TrainConfig& c) { c.sparsity_target = 0.0f; }},
      {"sparsity target", [](TrainConfig& c) { c.sparsity_target = 1.0f; }},
      {"sparsity target", [nan](TrainConfig& c) { c.sparsity_target = nan; }},
      {"sparsity cost", [](TrainConfig& c) { c.sparsity_cost = -0.1f; }},
      {"sparsity decay", [](TrainConfig& c) { c.sparsity_decay = 1.0f; }},
      {"monitor rows", [](TrainConfig& c) { c.monitor_rows = 0; }},
  };
  for (const Case& k : cases) {
    TrainConfig c;
    k.breaks(c);
    try {
      c.validate();
      ADD_FAILURE() << "accepted a bad " << k.expect_in_message;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(k.expect_in_message), std::string::npos) << e.what();
    }
  }
  // Edge values that are allowed.
  TrainConfig ok;
  ok.epochs = 0;
  ok.momentum_initial = 0.0f;
  ok.sparsity_target = 0.01f;
  ok.sparsity_decay = 0.0f;
  EXPECT_NO_THROW(ok.validate());
}

TEST(TrainConfig, JsonRoundTripIsExact) {
  TrainConfig c;
  c.method = Method::pcd;
  c.steps = 7;
  c.epochs = 123;
  c.batch_size = 33;
  c.learning_rate = 0.0123f;
  c.momentum_initial = 0.3f;
  c.momentum_final = 0.95f;
  c.momentum_switch_epoch = 2;
  c.l1 = 1e-5f;
  c.l2 = 2e-4f;
  c.sparsity_target = 0.07f;
  c.sparsity_cost = 0.2f;
  c.sparsity_decay = 0.9f;
  c.seed = 18446744073709551557ull;  // above 2^53: must survive JSON readers that use doubles
  c.monitor_rows = 17;
  c.initialize = false;
  c.learning_rate_final = 0.0007f;

  const nlohmann::json j = c;
  EXPECT_EQ(j.at("method"), "pcd");
  EXPECT_EQ(j.at("seed"), "18446744073709551557");
  EXPECT_EQ(j.at("learning_rate").dump(), "0.0123");  // shortest decimal, not 0.012299999...
  const TrainConfig back = nlohmann::json::parse(j.dump()).get<TrainConfig>();
  EXPECT_EQ(nlohmann::json(back), j);
  EXPECT_EQ(back.method, c.method);
  EXPECT_EQ(back.steps, c.steps);
  EXPECT_EQ(back.batch_size, c.batch_size);
  EXPECT_EQ(back.learning_rate, c.learning_rate);
  EXPECT_EQ(back.learning_rate_final, c.learning_rate_final);
  EXPECT_EQ(back.momentum_final, c.momentum_final);
  EXPECT_EQ(back.l1, c.l1);
  EXPECT_EQ(back.l2, c.l2);
  EXPECT_EQ(back.sparsity_target, c.sparsity_target);
  EXPECT_EQ(back.sparsity_decay, c.sparsity_decay);
  EXPECT_EQ(back.seed, c.seed);
  EXPECT_EQ(back.monitor_rows, c.monitor_rows);
  EXPECT_EQ(back.initialize, c.initialize);

  TrainConfig unset;
  const nlohmann::json ju = unset;
  EXPECT_TRUE(ju.at("sparsity_target").is_null());
  EXPECT_FALSE(ju.get<TrainConfig>().sparsity_target.has_value());
  EXPECT_TRUE(ju.at("learning_rate_final").is_null());
  EXPECT_FALSE(ju.get<TrainConfig>().learning_rate_final.has_value());
}

TEST(TrainConfig, FromJsonKeepsDefaultsAndRejectsMistakes) {
  const auto c = nlohmann::json::parse(R"({"method": "pcd", "seed": 42, "epochs": 3})").get<TrainConfig>();
  EXPECT_EQ(c.method, Method::pcd);
  EXPECT_EQ(c.seed, 42u);
  EXPECT_EQ(c.epochs, 3);
  EXPECT_EQ(c.batch_size, TrainConfig{}.batch_size);

  for (const char* bad : {R"({"learning_rte": 0.1})", R"({"steps": 1.5})", R"({"steps": "2"})",
                          R"({"method": "adam"})", R"({"seed": -1})", R"({"initialize": 1})",
                          R"({"epochs": 99999999999})", R"([1, 2])"}) {
    EXPECT_THROW(nlohmann::json::parse(bad).get<TrainConfig>(), Error) << bad;
  }
}

TEST(TrainConfig, LearningRateDecaysLinearlyToFinalValue) {
  TrainConfig c;
  c.learning_rate = 0.1f;
  c.epochs = 5;
  EXPECT_EQ(learning_rate_at_epoch(c, 0), 0.1f);  // constant without a final value
  EXPECT_EQ(learning_rate_at_epoch(c, 4), 0.1f);
  c.learning_rate_final = 0.02f;
  const double expected[] = {0.1, 0.08, 0.06, 0.04, 0.02};
  for (int e = 0; e < 5; ++e) EXPECT_NEAR(learning_rate_at_epoch(c, e), expected[e], 1e-7) << e;
  EXPECT_NEAR(learning_rate_at_epoch(c, 9), 0.02, 1e-7);  // held after the last epoch (resume)
  c.epochs = 1;
  EXPECT_EQ(learning_rate_at_epoch(c, 0), 0.1f);
  c.learning_rate_final = 0.0f;
  EXPECT_THROW(c.validate(), Error);
  c.learning_rate_final = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THROW(c.validate(), Error);
}

TEST(TrainConfig, MomentumSchedule) {
  TrainConfig c;
  c.momentum_initial = 0.5f;
  c.momentum_final = 0.9f;
  c.momentum_switch_epoch = 3;
  EXPECT_EQ(momentum_at_epoch(c, 0), 0.5f);
  EXPECT_EQ(momentum_at_epoch(c, 2), 0.5f);
  EXPECT_EQ(momentum_at_epoch(c, 3), 0.9f);
  EXPECT_EQ(momentum_at_epoch(c, 100), 0.9f);
  c.momentum_switch_epoch = 0;
  EXPECT_EQ(momentum_at_epoch(c, 0), 0.9f);
}

}  // namespace
}  // namespace rgflow::train
