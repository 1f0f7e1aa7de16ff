// The vrg config reader (TOML subset) and defaults.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "rgflow/core/error.hpp"
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

TEST(VrgConfig, ErrorsNameTheFileAndLine) {
  EXPECT_EQ(error_of("[data]\nsize = \"big\"\n"), "c.toml: line 2: data.size: expected an integer");
  EXPECT_EQ(error_of("epochs = 3\n"), "c.toml: line 1: unknown key 'epochs'");
  EXPECT_EQ(error_of("[nope]\n"), "c.toml: line 1: unknown section [nope] (data, model, measure)");
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
