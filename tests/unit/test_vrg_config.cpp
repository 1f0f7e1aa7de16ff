// The vrg config reader (TOML subset) and defaults.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "rgflow/core/error.hpp"
#include "rgflow/rbm/units.hpp"
#include "rgflow/train/config.hpp"
#include "rgflow/vrg/config.hpp"

namespace {

using namespace rgflow;

std::string error_of(const std::string& text) {
  try {
    vrg::parse_config(text, "c.toml");
  } catch (const FileError& e) {
    return e.what();
  }
  return "";
}

TEST(VrgConfig, DefaultsAreMehtaSchwab) {
  const vrg::Config c = vrg::default_config();
  EXPECT_EQ(c.layer_sizes(), (std::vector<Index>{1600, 400, 100, 25}));
  EXPECT_NEAR(1.0 / c.data.temperature, 0.408, 1e-12);
  EXPECT_EQ(c.data.samples, 20000);
  EXPECT_EQ(c.data.algorithm, "wolff");
  EXPECT_NO_THROW(c.validate());
  EXPECT_EQ(vrg::demo_config().layer_sizes(), (std::vector<Index>{256, 64, 16}));
  vrg::Config tiny;
  tiny.data.size = 8;
  EXPECT_EQ(tiny.layer_sizes(), (std::vector<Index>{64, 16}));
}

TEST(VrgConfig, ParsesSectionsTypesArraysAndComments) {
  const vrg::Config c = vrg::parse_config(R"(# a comment
seed = 42
[data]
size = 16            # trailing comment
coupling = 0.5
samples = 2_000
controls = ["textures", "permuted",]
[model]
layers = [256, 64]
l1 = 1e-3
local = false
method = "cd"
[measure]
rows = 100
[rsmi]
batch_size = 128     # 2000 samples hold out 400, room for 2 x 128
)",
                                          "c.toml");
  EXPECT_EQ(c.seed, 42u);
  EXPECT_EQ(c.data.size, 16);
  EXPECT_DOUBLE_EQ(c.data.temperature, 2.0);
  EXPECT_EQ(c.data.samples, 2000);
  EXPECT_EQ(c.data.controls, (std::vector<std::string>{"textures", "permuted"}));
  EXPECT_EQ(c.layer_sizes(), (std::vector<Index>{256, 64}));
  EXPECT_FLOAT_EQ(c.model.l1, 1e-3f);
  EXPECT_FALSE(c.model.local);
  EXPECT_EQ(c.model.method, "cd");
  EXPECT_EQ(c.measure.rows, 100);
  EXPECT_EQ(c.datasets(), (std::vector<std::string>{"critical", "textures", "permuted"}));
  nlohmann::json j;
  vrg::to_json(j, c);
  EXPECT_EQ(j["seed"], "42");
  EXPECT_EQ(j["model"]["layers"], nlohmann::json({256, 64}));
  EXPECT_DOUBLE_EQ(j["model"]["l1"].get<double>(), 0.001);
}

// The pipeline trains with the front ends' defaults (issue #16 item 6), Z2-symmetric, and keeps
// a tenth of the rows out for the quality gate; the new keys parse and are checked.
TEST(VrgConfig, TrainingDefaultsAreTheFrontEnds) {
  const train::TrainConfig d = train::default_config(UnitType::spin);
  for (const vrg::Config& c : {vrg::default_config(), vrg::demo_config()}) {
    EXPECT_EQ(train::parse_method(c.model.method), d.method);
    EXPECT_EQ(c.model.steps, d.steps);
    EXPECT_EQ(c.model.epochs, d.epochs);
    EXPECT_EQ(c.model.batch_size, d.batch_size);
    EXPECT_EQ(c.model.learning_rate, d.learning_rate);
    EXPECT_FALSE(c.model.learning_rate_final.has_value());  // auto: learning_rate / 100, as d
    ASSERT_TRUE(d.learning_rate_final.has_value());
    EXPECT_EQ(train::default_final_learning_rate(c.model.learning_rate), *d.learning_rate_final);
    EXPECT_EQ(train::parse_schedule(c.model.schedule), d.schedule);
    EXPECT_EQ(c.model.momentum, d.momentum_initial);
    EXPECT_EQ(d.momentum_initial, d.momentum_final);
    EXPECT_EQ(c.model.centering, d.centering);
    EXPECT_EQ(c.model.l1, d.l1);
    EXPECT_EQ(c.model.symmetry, "z2");
    EXPECT_DOUBLE_EQ(c.model.held_out, 0.1);
  }
  const vrg::Config c = vrg::parse_config(
      "[model]\nlearning_rate_final = 1e-3\nschedule = \"linear\"\ncentering = false\nsymmetry = \"auto\"\n"
      "held_out = 0.25\n",
      "c.toml");
  ASSERT_TRUE(c.model.learning_rate_final.has_value());
  EXPECT_FLOAT_EQ(*c.model.learning_rate_final, 1e-3f);
  EXPECT_EQ(c.model.schedule, "linear");
  EXPECT_FALSE(c.model.centering);
  EXPECT_EQ(c.model.symmetry, "auto");
  EXPECT_DOUBLE_EQ(c.model.held_out, 0.25);
  nlohmann::json j;
  vrg::to_json(j, vrg::default_config());
  EXPECT_EQ(j["model"]["learning_rate_final"], "auto");
  EXPECT_EQ(j["model"]["symmetry"], "z2");
  EXPECT_FALSE(vrg::parse_config("[model]\nlearning_rate_final = \"auto\"\n", "c.toml").model.learning_rate_final);
  EXPECT_NE(error_of("[model]\nschedule = \"constant\"\nlearning_rate_final = 0.01\n").find("not with model.schedule"),
            std::string::npos);
  EXPECT_NE(error_of("[model]\nschedule = \"wobbly\"\n").find("wobbly"), std::string::npos);
  EXPECT_NE(error_of("[model]\nsymmetry = \"sideways\"\n").find("model.symmetry"), std::string::npos);
  EXPECT_NE(error_of("[model]\nheld_out = 0.9\n").find("model.held_out = 0.9"), std::string::npos);
  EXPECT_NE(error_of("[model]\nlearning_rate_final = \"soon\"\n").find("expected a number or \"auto\""),
            std::string::npos);
}

// The RSMI column's keys (issue #18): parsed, recorded, and checked with one-line errors; the
// batch must fit the held-out fifth of the samples unless the column is off.
TEST(VrgConfig, RsmiSection) {
  const vrg::Config d = vrg::default_config();
  EXPECT_TRUE(d.rsmi.enabled);
  EXPECT_EQ(d.rsmi.filter, "learned");
  const vrg::Config c = vrg::parse_config(
      "[rsmi]\nfilter = \"uniform\"\nbuffer = 1\nenvironment = 3\nepochs = 7\ncritic_epochs = 5\n"
      "batch_size = 128\nbeta = 0.5\nlearning_rate = 0.02\n",
      "c.toml");
  EXPECT_EQ(c.rsmi.filter, "uniform");
  EXPECT_EQ(c.rsmi.buffer, 1);
  EXPECT_EQ(c.rsmi.environment, 3);
  EXPECT_EQ(c.rsmi.epochs, 7);
  EXPECT_EQ(c.rsmi.critic_epochs, 5);
  EXPECT_EQ(c.rsmi.batch_size, 128);
  EXPECT_DOUBLE_EQ(c.rsmi.beta, 0.5);
  EXPECT_DOUBLE_EQ(c.rsmi.learning_rate, 0.02);
  nlohmann::json j;
  vrg::to_json(j, c);
  EXPECT_EQ(j["rsmi"]["filter"], "uniform");
  EXPECT_EQ(j["rsmi"]["environment"], 3);
  EXPECT_EQ(j["rsmi"]["batch_size"], 128);
  EXPECT_NE(error_of("[rsmi]\nfilter = \"median\"\n").find("rsmi.filter = \"median\""), std::string::npos);
  EXPECT_NE(error_of("[rsmi]\nenvironment = 0\n").find("rsmi.environment = 0"), std::string::npos);
  EXPECT_NE(error_of("[rsmi]\nbuffer = -1\n").find("rsmi.buffer = -1"), std::string::npos);
  EXPECT_NE(error_of("[rsmi]\nepochs = 0\n").find("rsmi.epochs = 0"), std::string::npos);
  EXPECT_NE(error_of("[rsmi]\nbeta = 0\n").find("rsmi.beta = 0"), std::string::npos);
  EXPECT_EQ(error_of("[rsmi]\nenabled = 1\n"), "c.toml: line 2: rsmi.enabled: expected true or false");
  // 800 samples hold out 160: an explicit batch of 256 does not fit, 64 does, the automatic batch
  // (0, the default) is min(256, 160 / 2, 640) = 80, and a disabled column is not checked.
  const std::string small = "[data]\nsize = 8\nsamples = 800\n[measure]\nrows = 400\n[rsmi]\n";
  EXPECT_EQ(error_of(small), "");
  const std::string e = error_of(small + "batch_size = 256\n");
  EXPECT_NE(e.find("rsmi.batch_size = 256"), std::string::npos) << e;
  EXPECT_EQ(e.find('\n'), std::string::npos);
  EXPECT_EQ(error_of(small + "batch_size = 64\n"), "");
  EXPECT_EQ(error_of(small + "batch_size = 256\nenabled = false\n"), "");
  EXPECT_NE(error_of(small + "batch_size = 1\n").find("0 (auto)"), std::string::npos);
  vrg::RsmiConfig r;
  EXPECT_EQ(r.effective_batch_size(800), 80);
  EXPECT_EQ(r.effective_batch_size(4000), 256);  // the demo
  EXPECT_EQ(r.effective_batch_size(20000), 256);  // the full-size default
  EXPECT_EQ(r.effective_batch_size(10), 1);       // would be refused by validate()
}

TEST(VrgConfig, ErrorsNameTheFileAndLine) {
  EXPECT_EQ(error_of("[data]\nsize = \"big\"\n"), "c.toml: line 2: data.size: expected an integer");
  EXPECT_EQ(error_of("epochs = 3\n"), "c.toml: line 1: unknown key 'epochs'");
  EXPECT_EQ(error_of("[nope]\n"), "c.toml: line 1: unknown section [nope] (data, model, measure, rsmi)");
  EXPECT_EQ(error_of("[data]\nsize = 8\nsize = 8\n"), "c.toml: line 3: key 'data.size' is given twice");
  EXPECT_EQ(error_of("[model]\nlayers = [1, 2\n"), "c.toml: line 2: model.layers: arrays must close on the same line");
  EXPECT_EQ(error_of("seed\n"), "c.toml: line 1: expected 'key = value'");
  // Values are validated after parsing.
  EXPECT_NE(error_of("[data]\nsize = 7\n").find("data.size = 7"), std::string::npos);
  EXPECT_NE(error_of("[data]\ncontrols = [\"cats\"]\n").find("unknown control 'cats'"), std::string::npos);
  EXPECT_NE(error_of("[model]\nlayers = [100, 25]\n").find("size² = 1600"), std::string::npos);
  EXPECT_EQ(error_of("[data]\nsize = 8\n"), "");
}

}  // namespace
