// Report pieces: base64 (RFC 4648 test vectors), the findings' decisions on constructed summaries,
// and the HTML's self-containment.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "rgflow/vrg/report.hpp"

namespace {

using nlohmann::json;
using namespace rgflow;

TEST(VrgReport, Base64MatchesRfc4648) {
  EXPECT_EQ(vrg::base64(""), "");
  EXPECT_EQ(vrg::base64("f"), "Zg==");
  EXPECT_EQ(vrg::base64("fo"), "Zm8=");
  EXPECT_EQ(vrg::base64("foo"), "Zm9v");
  EXPECT_EQ(vrg::base64("foob"), "Zm9vYg==");
  EXPECT_EQ(vrg::base64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(vrg::base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(vrg::base64(std::string("\xff\x00\x10", 3)), "/wAQ");
}

json est(double m, double e) { return {{"mean", m}, {"error", e}}; }

// A summary with a critical dataset and a permuted control; locality numbers are parameters.
json summary(double crit_loc, double crit_null, double perm_loc, double model_ll) {
  auto dataset = [&](double loc, double null) {
    return json{{"temperature", 2.451},
                {"blockspin", {{"levels", {{{"correlation_length", est(3, 0.1)}, {"abs_magnetization", est(0.5, 0.01)}},
                                           {{"correlation_length", est(3, 0.1)}, {"abs_magnetization", est(0.5, 0.01)}}}},
                               {"mcrg", json::array()}}},
                {"dbn",
                 {{"levels", {{{"correlation_length", est(3, 0.1)}, {"abs_magnetization", est(0.5, 0.01)}},
                              {{"correlation_length", est(3.05, 0.1)}, {"abs_magnetization", est(0.5, 0.01)},
                               {"reconstruction_error", est(0.1, 0.01)},
                               {"locality", {{"score", est(loc, 0.01)}, {"null", est(null, 0.01)}}}}}},
                  {"free_energy", {{{"log_likelihood_per_unit", est(model_ll, 0.001)}}}},
                  {"exact", {{"log_likelihood_per_spin", est(-0.40, 0)}, {"coupling", est(0.408, 0)}}}}}};
  };
  return {{"datasets", {{"critical", dataset(crit_loc, crit_null)}, {"permuted", dataset(perm_loc, crit_null)}}}};
}

const vrg::Finding* find(const std::vector<vrg::Finding>& f, const std::string& id) {
  for (const auto& x : f) {
    if (x.id == id) return &x;
  }
  return nullptr;
}

TEST(VrgReport, FindingsFollowTheNumbers) {
  auto f = vrg::findings(summary(0.6, 0.1, 0.1, -0.45));
  ASSERT_NE(find(f, "locality"), nullptr);
  EXPECT_TRUE(find(f, "locality")->shows);  // 0.6 ± 0.01 vs null 0.1: local beyond chance
  ASSERT_NE(find(f, "free_energy_gap"), nullptr);
  EXPECT_TRUE(find(f, "free_energy_gap")->shows);
  EXPECT_NE(find(f, "free_energy_gap")->text.find("misses"), std::string::npos);  // KL 0.05 = 50 σ
  ASSERT_NE(find(f, "correlation_length"), nullptr);
  EXPECT_TRUE(find(f, "correlation_length")->shows);  // 3.05 vs 3 within 3 σ

  f = vrg::findings(summary(0.11, 0.1, 0.1, -0.3));
  EXPECT_FALSE(find(f, "locality")->shows);  // within the null
  EXPECT_FALSE(find(f, "free_energy_gap")->shows);  // above the exact bound: AIS unconverged
  EXPECT_NE(find(f, "free_energy_gap")->text.find("underestimated"), std::string::npos);

  const std::string p = vrg::findings_paragraph(f);
  EXPECT_EQ(p.rfind("What this shows: ", 0), 0u);
  EXPECT_NE(p.find(" What it does not show: "), std::string::npos);
}

// The renormalised-coupling finding: the RBM's K' at each level against the block spins' K₁ by the
// 3σ rule; levels without a DBN value are skipped; the HTML lists the couplings per level.
TEST(VrgReport, CouplingFlowFindingUsesThreeSigma) {
  auto flow = [](double dbn_mean) {
    auto block = [](double k1) {
      return json{{"nearest_neighbour", est(k1, 0.01)}, {"next_nearest_neighbour", est(0.01, 0.01)},
                  {"plaquette", est(0.0, 0.01)}};
    };
    return json::array({{{"level", 0}, {"side", 8}, {"blockspin", block(0.41)}, {"dbn", nullptr}},
                        {{"level", 1}, {"side", 4}, {"blockspin", block(0.30)},
                         {"dbn", {{"nearest_neighbour", est(dbn_mean, 0.01)}, {"pairs", 30}}},
                         {"local", {{"nearest_neighbour", est(0.0, 0.0)}, {"pairs", 32}}}},
                        {{"level", 2}, {"side", 2}, {"blockspin", nullptr}, {"dbn", nullptr}}});
  };
  json s = summary(0.6, 0.1, 0.1, -0.45);
  s["datasets"]["critical"]["coupling_flow"] = flow(0.33);  // 0.03 apart, σ = 0.014: 2.1 σ
  auto f = vrg::findings(s);
  ASSERT_NE(find(f, "coupling_flow"), nullptr);
  EXPECT_TRUE(find(f, "coupling_flow")->shows);
  EXPECT_NE(find(f, "coupling_flow")->text.find("track"), std::string::npos);
  EXPECT_NE(find(f, "coupling_flow")->text.find("locally connected"), std::string::npos);
  s["datasets"]["critical"]["coupling_flow"] = flow(0.15);  // 10.6 σ
  f = vrg::findings(s);
  ASSERT_NE(find(f, "coupling_flow"), nullptr);
  EXPECT_FALSE(find(f, "coupling_flow")->shows);
  EXPECT_NE(find(f, "coupling_flow")->text.find("do not track"), std::string::npos);
  s["config"] = {{"data", {{"size", 8}, {"temperature", 2.451}, {"samples", 100}}}, {"model", {{"layers", {64, 16}}}}};
  const std::string html = vrg::render_html(s, {}, "");
  EXPECT_NE(html.find("K₁ block"), std::string::npos);
  EXPECT_NE(html.find("0.150 ± 0.010 (30)"), std::string::npos);
}

// The third column (issue #18): the HTML puts the RSMI column's couplings, ξ and MCRG exponents
// next to the block spins' and the DBN's, lists its filters (or why a level was skipped), and no
// finding is drawn from it: the findings are the same with and without it.
TEST(VrgReport, RsmiColumnIsShownNotConcluded) {
  auto couplings = [](double k1) {
    return json{{"nearest_neighbour", est(k1, 0.01)}, {"next_nearest_neighbour", est(0.02, 0.01)},
                {"plaquette", est(-0.003, 0.001)}};
  };
  json s = summary(0.6, 0.1, 0.1, -0.45);
  s["config"] = {{"data", {{"size", 8}, {"temperature", 2.451}, {"samples", 100}}}, {"model", {{"layers", {64, 16}}}}};
  json& crit = s["datasets"]["critical"];
  crit["blockspin"]["mcrg"] = {{{"from_size", 8}, {"to_size", 4}, {"y_t", est(0.91, 0.02)}, {"y_h", est(1.81, 0.01)}}};
  crit["coupling_flow"] = json::array({{{"level", 0}, {"side", 8}, {"blockspin", couplings(0.41)}, {"dbn", nullptr}, {"rsmi", couplings(0.41)}},
                                       {{"level", 1}, {"side", 4}, {"blockspin", couplings(0.30)}, {"dbn", nullptr}, {"rsmi", couplings(0.287)}}});
  const auto without = vrg::findings(s);
  crit["rsmi"] = {{"filter", "learned"},
                  {"levels", {{{"correlation_length", est(3, 0.1)}}, {{"correlation_length", est(2.345, 0.067)}}}},
                  {"filters", {{{"level", 0}, {"side", 8}, {"filter", {1.02, 0.98, 1.0, 1.0}}, {"learned", true},
                                {"nonuniformity", 0.02}, {"mutual_information", est(0.3141, 0.0059)}},
                               {{"level", 1}, {"side", 4}, {"skipped", "block 2 + 2 x buffer 2 + 2 x environment 2 exceeds the level-1 lattice size 4"}}}},
                  {"mcrg", {{{"from_size", 8}, {"to_size", 4}, {"y_t", est(0.876, 0.021)}, {"y_h", est(1.8123, 0.0011)}}}}};
  const auto with = vrg::findings(s);
  ASSERT_EQ(with.size(), without.size());
  for (std::size_t i = 0; i < with.size(); ++i) EXPECT_EQ(with[i].text, without[i].text);
  const std::string html = vrg::render_html(s, {}, "");
  for (const char* text : {"K₁ RSMI", "0.287 ± 0.010", "ξ RSMI", "2.345 ± 0.067", "y_t RSMI", "0.876 ± 0.021",
                           "1.8123 ± 0.0011", "0.910 ± 0.020", "(1.0200, 0.9800, 1.0000, 1.0000)", "2.0 %",
                           "0.3141 ± 0.0059", "skipped: block 2 + 2 x buffer 2"}) {
    EXPECT_NE(html.find(text), std::string::npos) << text;
  }
  // A summary without the column renders without it.
  crit.erase("rsmi");
  const std::string plain = vrg::render_html(s, {}, "");
  EXPECT_EQ(plain.find("I(H:E)"), std::string::npos);
  EXPECT_NE(plain.find("y_t block"), std::string::npos);
}

// Missing parts of a summary drop the findings that need them; nothing throws.
// The quality gate: a layer below its independent-unit baseline "does not model its data"; every
// finding that reads it (or a level above it) leaves it out, and model_fit names it.
json gate(int layer, bool models_data, double ll) {
  return {{"layer", layer}, {"models_data", models_data}, {"log_likelihood_per_unit", est(ll, 0.001)},
          {"independent_per_unit", -0.693}, {"n_rows", 400}};
}

TEST(VrgReport, UnfitLayersAreLeftOutOfEveryFinding) {
  json s = summary(0.6, 0.1, 0.1, -0.45);
  s["datasets"]["critical"]["dbn"]["fit"] = {gate(0, true, -0.45)};
  s["datasets"]["permuted"]["dbn"]["fit"] = {gate(0, true, -0.5)};
  auto f = vrg::findings(s);
  ASSERT_NE(find(f, "model_fit"), nullptr);
  EXPECT_TRUE(find(f, "model_fit")->shows);
  for (const char* id : {"free_energy_gap", "correlation_length", "magnetization", "locality",
                         "controls_correlation_length"}) {
    EXPECT_NE(find(f, id), nullptr) << id;
  }
  EXPECT_NE(find(f, "locality")->text.find("site-permuted control scores"), std::string::npos);

  // The permuted control's first layer fails: the findings about controls leave it out.
  s["datasets"]["permuted"]["dbn"]["fit"] = {gate(0, false, -0.70)};
  f = vrg::findings(s);
  ASSERT_NE(find(f, "model_fit"), nullptr);
  EXPECT_FALSE(find(f, "model_fit")->shows);
  EXPECT_NE(find(f, "model_fit")->text.find("layer 0 of the permuted model"), std::string::npos);
  EXPECT_EQ(find(f, "controls_correlation_length"), nullptr);
  ASSERT_NE(find(f, "locality"), nullptr);
  EXPECT_EQ(find(f, "locality")->text.find("site-permuted control scores"), std::string::npos);
  EXPECT_NE(find(f, "free_energy_gap"), nullptr);

  // The critical model's first layer fails: nothing about its levels is concluded.
  s["datasets"]["critical"]["dbn"]["fit"] = {gate(0, false, -0.70)};
  f = vrg::findings(s);
  for (const char* id : {"free_energy_gap", "correlation_length", "magnetization", "locality",
                         "controls_correlation_length", "depth", "rbm_flow", "coupling_flow"}) {
    EXPECT_EQ(find(f, id), nullptr) << id;
  }
  ASSERT_NE(find(f, "model_fit"), nullptr);
  EXPECT_NE(find(f, "model_fit")->text.find("layer 0 of the critical model"), std::string::npos);

  // The HTML marks the layer.
  s["findings"] = json::array();
  s["config"] = {{"data", {{"size", 8}, {"temperature", 2.451}, {"samples", 100}}}, {"model", {{"layers", {64, 16}}}}};
  const std::string html = vrg::render_html(s, {}, "");
  EXPECT_NE(html.find("does not model its data"), std::string::npos);
}

TEST(VrgReport, PartialSummariesGiveFewerFindings) {
  EXPECT_TRUE(vrg::findings(json::object()).empty());
  json s = summary(0.6, 0.1, 0.1, -0.45);
  s["datasets"].erase("permuted");
  s["datasets"]["critical"]["dbn"].erase("exact");
  std::vector<vrg::Finding> f;
  ASSERT_NO_THROW(f = vrg::findings(s));
  EXPECT_EQ(find(f, "free_energy_gap"), nullptr);
  EXPECT_EQ(find(f, "controls_correlation_length"), nullptr);
  EXPECT_NE(find(f, "locality"), nullptr);
  EXPECT_EQ(find(f, "coupling_flow"), nullptr);
}

TEST(VrgReport, HtmlEmbedsFiguresAsDataUris) {
  json s = summary(0.6, 0.1, 0.1, -0.45);
  s["config"] = {{"data", {{"size", 8}, {"temperature", 2.451}, {"samples", 100}}}, {"model", {{"layers", {64, 16}}}}};
  s["paragraph"] = "What this shows: <x>.";
  const std::string html = vrg::render_html(s, {{"a.png", "A", "caption", "PNGDATA"}, {"b.png", "B", "c", ""}}, "");
  EXPECT_NE(html.find("src=\"data:image/png;base64," + vrg::base64("PNGDATA") + "\""), std::string::npos);
  EXPECT_EQ(html.find("b.png"), std::string::npos);  // a figure that was not drawn is left out
  EXPECT_NE(html.find("&lt;x&gt;"), std::string::npos);  // text is escaped
  EXPECT_EQ(html.find("http"), std::string::npos);        // nothing from the network
}

// A diagnostic that fails its positive control is reported as broken, not as a finding; passing
// controls leave the findings alone. The report shows the controls first.
TEST(VrgReport, FailedPositiveControlMarksItsFindingBroken) {
  json s = summary(0.6, 0.1, 0.1, -0.45);
  s["positive_controls"] = json::array(
      {{{"name", "majority-rule conv RBM"}, {"diagnostic", "data-side K1 at level 1"}, {"finding", "locality"},
        {"expected", 0.31}, {"expected_error", 0.01}, {"value", est(0.50, 0.01)}, {"pass", false}, {"tolerance", "3σ"}},
       {{"name", "exact 1D decimation DBN"}, {"diagnostic", "C"}, {"finding", "free_energy_gap"}, {"expected", 0.0},
        {"value", est(0.0, 0.0)}, {"pass", true}, {"tolerance", "C ≤ 1e-9"}}});
  const auto f = vrg::findings(s);
  ASSERT_NE(find(f, "locality"), nullptr);
  EXPECT_TRUE(find(f, "locality")->broken);
  EXPECT_FALSE(find(f, "locality")->shows);
  EXPECT_EQ(find(f, "locality")->text.rfind("BROKEN DIAGNOSTIC", 0), 0U);
  EXPECT_NE(find(f, "locality")->text.find("majority-rule conv RBM"), std::string::npos);
  ASSERT_NE(find(f, "free_energy_gap"), nullptr);
  EXPECT_FALSE(find(f, "free_energy_gap")->broken);  // its control passed
  EXPECT_TRUE(find(f, "free_energy_gap")->shows);
  EXPECT_EQ(find(f, "free_energy_gap")->controls_passed, 1);
  EXPECT_EQ(find(f, "locality")->controls_failed, 1);
  EXPECT_EQ(find(f, "correlation_length")->controls_passed + find(f, "correlation_length")->controls_failed, 0);
  s["config"] = {{"data", {{"size", 8}, {"temperature", 2.451}, {"samples", 800}}}, {"model", {{"layers", {64, 16}}}}};
  for (const auto& x : f) {
    s["findings"].push_back({{"id", x.id}, {"shows", x.shows}, {"text", x.text}, {"broken", x.broken},
                             {"controls_passed", x.controls_passed}, {"controls_failed", x.controls_failed}});
  }
  const std::string html = vrg::render_html(s, {}, "");
  EXPECT_NE(html.find("(positive controls: 1 of 1 FAIL)"), std::string::npos);
  EXPECT_NE(html.find("(positive controls: 1 of 1 pass)"), std::string::npos);
  EXPECT_NE(html.find("(no positive control)"), std::string::npos);
  const auto controls = html.find("id=\"positive-controls\"");
  ASSERT_NE(controls, std::string::npos);
  EXPECT_LT(controls, html.find("What this shows"));
  EXPECT_NE(html.find("1 of 2 pass"), std::string::npos);
  EXPECT_NE(html.find("<b>FAIL</b>"), std::string::npos);
}

// The verdict: decided by the RG-comparison findings, broken ones set apart, with the controls'
// count; the terminal lines stay few and carry it.
TEST(VrgReport, VerdictFollowsTheRgTests) {
  std::vector<vrg::Finding> f = {{"free_energy_flow", false, "C is not zero"},
                                 {"correlation_length", true, "ξ agrees"},
                                 {"coupling_flow", false, "K' off", true},
                                 {"locality", true, "local"}};
  json s = {{"positive_controls", json::array({{{"pass", true}}, {{"pass", false}}})}};
  const std::string v = vrg::verdict(s, f);
  EXPECT_EQ(v.rfind("The critical data's DBN does not behave like block-spin RG: it fails 1 of the 2 tests", 0), 0U) << v;
  EXPECT_NE(v.find("free-energy conservation"), std::string::npos);
  EXPECT_NE(v.find("renormalised couplings test is broken"), std::string::npos) << v;
  EXPECT_NE(v.find("1 of 2 positive controls fail"), std::string::npos) << v;
  f[0].shows = true;
  s["positive_controls"][1]["pass"] = true;
  const std::string ok = vrg::verdict(s, f);
  EXPECT_EQ(ok.rfind("The critical data's DBN behaves like an RG in all 2 tests", 0), 0U) << ok;
  EXPECT_NE(ok.find("all 2 positive controls pass"), std::string::npos);
  s["verdict"] = ok;
  s["findings"] = json::array({{{"shows", true}}, {{"shows", false}, {"broken", true}}});
  const auto lines = vrg::terminal_lines(s);
  ASSERT_GE(lines.size(), 2U);
  EXPECT_LE(lines.size(), 3U);
  EXPECT_EQ(lines[0], ok);
  EXPECT_NE(lines[1].find("1 under \"what this shows\", 1 under \"what it does not show\" (1 broken"), std::string::npos)
      << lines[1];
}

}  // namespace
