// End-to-end run of the variational-RG pipeline on a tiny configuration (L = 8): the structure of
// summary.json, the locality facts of issue #9, and the stage cache.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "rgflow/estimate/exact.hpp"
#include "rgflow/io/dataset.hpp"
#include "rgflow/io/dbn_file.hpp"
#include "rgflow/vrg/config.hpp"
#include "rgflow/vrg/pipeline.hpp"
#include "rgflow/vrg/stage.hpp"

namespace {

using nlohmann::json;
using namespace rgflow;

vrg::Config tiny_config() {
  vrg::Config c = vrg::demo_config();
  c.seed = 3;
  c.data.size = 8;
  c.data.samples = 800;
  c.data.pilot_samples = 400;
  c.data.thermalize = 100;
  c.model.epochs = 8;
  c.model.learning_rate = 0.02f;
  c.measure.rows = 400;
  c.measure.ais_chains = 16;
  c.measure.ais_betas = 300;
  c.measure.permutations = 50;
  // The RSMI column on 8×8: b + 2w + 2e = 6 fits level 0 (the DBN has one blocking level); 160
  // held-out configurations allow a batch of 64.
  c.rsmi.buffer = 1;
  c.rsmi.environment = 1;
  c.rsmi.batch_size = 64;
  c.rsmi.epochs = 4;
  c.rsmi.critic_epochs = 4;
  return c;
}

class Recorder : public vrg::Reporter {};

std::string fresh_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("rgflow_test_vrg_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir.string();
}

json read(const std::string& path) { return json::parse(vrg::read_text(path)); }

bool is_estimate(const json& j) { return j.is_object() && j.contains("mean") && j.contains("error"); }

// One run (and its cached re-run) serves every check below: ctest starts each TEST in its own
// process, so the checks share one TEST instead of a fixture that would rerun the pipeline.
void check_summary_structure(const json& s);
void check_critical_energy(const json& s);
void check_local_model(const json& s);
void check_permuted_control(const json& s);
void check_cache(const std::string& dir, const vrg::RunResult& first, const vrg::RunResult& second);
void check_coupling_flow(const json& s);
void check_quality_gate(const std::string& dir, const json& s);
void check_rsmi_column(const std::string& dir, const json& s);

TEST(VrgPipeline, TinyRunEndToEnd) {
  const std::string dir = fresh_dir("pipeline");
  vrg::RunOptions o;
  o.outdir = dir;
  o.figures = false;
  Recorder r;
  const vrg::RunResult first = vrg::run_pipeline(tiny_config(), o, r);
  const vrg::RunResult second = vrg::run_pipeline(tiny_config(), o, r);
  const json s = read(dir + "/summary.json");
  {
    SCOPED_TRACE("summary structure");
    check_summary_structure(s);
  }
  {
    SCOPED_TRACE("critical data vs Kaufman");
    check_critical_energy(s);
  }
  {
    SCOPED_TRACE("locally connected model");
    check_local_model(s);
  }
  {
    SCOPED_TRACE("permuted control");
    check_permuted_control(s);
  }
  {
    SCOPED_TRACE("renormalised couplings per level");
    check_coupling_flow(s);
  }
  {
    SCOPED_TRACE("quality gate");
    check_quality_gate(dir, s);
  }
  {
    SCOPED_TRACE("RSMI column");
    check_rsmi_column(dir, s);
  }
  {
    SCOPED_TRACE("stage cache");
    check_cache(dir, first, second);
  }
  std::filesystem::remove_all(dir);
}

void check_summary_structure(const json& s) {
  EXPECT_EQ(s.at("seed"), "3");
  for (const char* d : {"critical", "paramagnet", "ordered", "permuted", "textures"}) {
    SCOPED_TRACE(d);
    const json& ds = s.at("datasets").at(d);
    const json& levels = ds.at("dbn").at("levels");
    ASSERT_EQ(levels.size(), 2u);  // 64-16: the data and one hidden level
    ASSERT_EQ(ds.at("blockspin").at("levels").size(), 2u);
    for (const auto& lv : levels) {
      EXPECT_TRUE(is_estimate(lv.at("abs_magnetization")));
      EXPECT_TRUE(is_estimate(lv.at("correlation_length")));
      double total = 0;
      for (const auto& bin : lv.at("magnetization_histogram")) total += bin.at("mean").get<double>();
      EXPECT_NEAR(total, 1.0, 1e-9);
    }
    EXPECT_TRUE(is_estimate(levels[1].at("reconstruction_error")));
    EXPECT_TRUE(is_estimate(levels[1].at("locality").at("score")));
    EXPECT_TRUE(is_estimate(ds.at("dbn").at("free_energy").at(0).at("free_energy_per_unit")));
    EXPECT_FALSE(ds.at("dbn").at("rbm_flow").empty());
  }
  EXPECT_TRUE(s.at("datasets").at("textures").at("dbn").at("exact").is_null());
  EXPECT_TRUE(is_estimate(s.at("datasets").at("critical").at("dbn").at("exact").at("log_likelihood_per_spin")));
  EXPECT_FALSE(s.at("findings").empty());
  EXPECT_NE(s.at("paragraph").get<std::string>().find("What this shows"), std::string::npos);
}

// The block-spin reference of the data itself: level 0 of the block-spin side is the data, whose
// mean nearest-neighbour correlation c gives the energy per spin u = −2c (2N bonds, J = 1); for the
// critical data it must agree with Kaufman's exact u within 5 standard errors.
void check_critical_energy(const json& s) {
  const json& crit = s.at("datasets").at("critical");
  const double nn = crit.at("blockspin").at("levels")[0].at("nearest_neighbour_correlation").at("mean");
  const double err = crit.at("blockspin").at("levels")[0].at("nearest_neighbour_correlation").at("error");
  const double u = crit.at("dbn").at("exact").at("energy_per_spin").at("mean");
  EXPECT_NEAR(-2.0 * nn, u, 5 * 2.0 * err);
}

void check_local_model(const json& s) {
  const json& loc = s.at("local").at("levels")[1].at("locality").at("score");
  EXPECT_NEAR(loc.at("mean").get<double>(), 1.0, 1e-9);  // every weight sits in its 2×2 block
}

// Without geometry a receptive field is as local as its own site-permuted null: the permuted
// control's locality lies within 4 standard errors of its null (or below it).
void check_permuted_control(const json& s) {
  const json& loc = s.at("datasets").at("permuted").at("dbn").at("levels")[1].at("locality");
  const double score = loc.at("score").at("mean"), se = loc.at("score").at("error");
  const double null = loc.at("null").at("mean"), ne = loc.at("null").at("error");
  EXPECT_LT(score - null, 4 * std::hypot(se, ne) + 1e-12);
}

bool finite_estimate(const json& j) {
  return is_estimate(j) && j.at("mean").is_number() && j.at("error").is_number() &&
         std::isfinite(j.at("mean").get<double>()) && std::isfinite(j.at("error").get<double>());
}

// Per level: the block spins' pseudo-likelihood K₁, K₂, K₄ next to the RBMs' renormalised
// nearest-neighbour coupling. The Ising data's level 0 recovers the bare K (K₂ = K₄ = 0) within
// 4σ; in the paramagnet (T = 5) one majority-rule step weakens K₁ well below the bare K = 0.2; the
// locally connected model with disjoint blocks has exactly K' = 0 (its p(h) factorises).
void check_coupling_flow(const json& s) {
  for (const char* d : {"critical", "paramagnet", "ordered", "permuted", "textures"}) {
    SCOPED_TRACE(d);
    const json& flow = s.at("datasets").at(d).at("coupling_flow");
    ASSERT_EQ(flow.size(), 2u);
    EXPECT_TRUE(flow[0].at("dbn").is_null());
    const json& e = flow[1];
    EXPECT_EQ(e.at("level"), 1);
    EXPECT_EQ(e.at("side"), 4);
    EXPECT_DOUBLE_EQ(e.at("spacing").get<double>(), 2.0);
    for (const char* term : {"nearest_neighbour", "next_nearest_neighbour", "plaquette"}) {
      EXPECT_TRUE(is_estimate(e.at("blockspin").at(term))) << term;
      // Ordered block spins at T = 1.5 are (almost) all aligned: no finite pseudo-likelihood maximum.
      if (std::string(d) != "ordered") {
        EXPECT_TRUE(finite_estimate(e.at("blockspin").at(term))) << term;
      }
    }
    EXPECT_TRUE(is_estimate(e.at("dbn").at("nearest_neighbour")));
    // On the 4×4 block lattice of an 8×8 torus a random pair of centres is b = 2 ± 0.5 apart with
    // probability ≈ 0.2, so 120 pairs of 16 units leave some nearest neighbours in practice.
    if (std::string(d) == "critical" || std::string(d) == "paramagnet") {
      EXPECT_GT(e.at("dbn").at("pairs").get<int>(), 0);
      EXPECT_TRUE(finite_estimate(e.at("dbn").at("nearest_neighbour")));
    }
  }
  for (const char* d : {"critical", "paramagnet"}) {
    SCOPED_TRACE(d);
    const json& level0 = s.at("datasets").at(d).at("coupling_flow")[0].at("blockspin");
    const double K = s.at("datasets").at(d).at("dbn").at("exact").at("coupling").at("mean");
    EXPECT_NEAR(level0.at("nearest_neighbour").at("mean").get<double>(), K,
                4 * level0.at("nearest_neighbour").at("error").get<double>());
    EXPECT_NEAR(level0.at("next_nearest_neighbour").at("mean").get<double>(), 0.0,
                4 * level0.at("next_nearest_neighbour").at("error").get<double>());
  }
  const json& para = s.at("datasets").at("paramagnet");
  const json& k1 = para.at("coupling_flow")[1].at("blockspin").at("nearest_neighbour");
  const double bare = para.at("dbn").at("exact").at("coupling").at("mean");
  EXPECT_LT(k1.at("mean").get<double>() + 3 * k1.at("error").get<double>(), bare);
  const json& local = s.at("datasets").at("critical").at("coupling_flow")[1].at("local");
  EXPECT_EQ(local.at("nearest_neighbour").at("mean").get<double>(), 0.0);
  EXPECT_EQ(local.at("pairs").get<int>(), 32);  // 4×4 block lattice: 2 bonds per site
  bool found = false;
  for (const auto& f : s.at("findings")) found = found || f.at("id") == "coupling_flow";
  EXPECT_TRUE(found);
}

void check_cache(const std::string& dir, const vrg::RunResult& first, const vrg::RunResult& second) {
  EXPECT_FALSE(first.ran.empty());
  EXPECT_TRUE(first.skipped.empty());
  EXPECT_TRUE(second.ran.empty());
  EXPECT_EQ(second.skipped.size(), first.ran.size());
  const json run = read(dir + "/run.json");
  EXPECT_TRUE(run.at("ran").empty());
  // Each stage record carries its parameters and seed.
  const json rec = read(dir + "/stages/model-critical.json");
  EXPECT_TRUE(rec.at("params").contains("seed"));
  EXPECT_TRUE(rec.at("params").at("data").contains("seed"));
}

// The third column (issue #18): an RSMI filter learned on each dataset's level 0, the level-1
// configurations it gives, the same per-level quantities as the block spins, and MCRG with it.
// Level 0 is the data in every column, so its observables equal the block spins' exactly; the
// information one coarse bit carries is at most ln 2 (the estimate: within 3σ), and at T ≈ T_c
// it is clearly positive.
void check_rsmi_column(const std::string& dir, const json& s) {
  for (const char* d : {"critical", "paramagnet", "ordered", "permuted", "textures"}) {
    SCOPED_TRACE(d);
    const json& ds = s.at("datasets").at(d);
    const json& r = ds.at("rsmi");
    EXPECT_EQ(r.at("filter"), "learned");
    ASSERT_EQ(r.at("levels").size(), 2u);
    ASSERT_EQ(r.at("filters").size(), 1u);
    const json& f = r.at("filters")[0];
    EXPECT_FALSE(f.contains("skipped"));
    ASSERT_EQ(f.at("filter").size(), 4u);
    for (const auto& w : f.at("filter")) EXPECT_TRUE(std::isfinite(w.get<double>()));
    EXPECT_EQ(f.at("training_configurations").get<int>() + f.at("validation_configurations").get<int>(), 800);
    const json& mi = f.at("mutual_information");
    ASSERT_TRUE(finite_estimate(mi));
    EXPECT_GT(mi.at("error").get<double>(), 0.0);
    EXPECT_LT(mi.at("mean").get<double>() - 3 * mi.at("error").get<double>(), std::log(2.0));
    // Near T_c a block's coarse spin knows about its environment; elsewhere (T = 5: ξ < 1) the
    // estimate may sit at or, with a short-trained critic, slightly below 0 (InfoNCE is not
    // bounded below by 0 for a poor critic), so only the critical data are checked from below.
    if (std::string(d) == "critical") {
      EXPECT_GT(mi.at("mean").get<double>() - 3 * mi.at("error").get<double>(), 0.0);
    }
    // Level 0 is the data: the same numbers as the block-spin column (examples are stripped).
    EXPECT_EQ(r.at("levels")[0], ds.at("blockspin").at("levels")[0]);
    const json& lv1 = r.at("levels")[1];
    EXPECT_EQ(lv1.at("side"), 4);
    EXPECT_TRUE(finite_estimate(lv1.at("correlation_length")));
    EXPECT_TRUE(finite_estimate(lv1.at("abs_magnetization")));
    ASSERT_EQ(r.at("mcrg").size(), ds.at("blockspin").at("mcrg").size());
    ASSERT_EQ(r.at("mcrg").size(), 1u);
    EXPECT_EQ(r.at("mcrg")[0].at("from_size"), 8);
    EXPECT_TRUE(is_estimate(r.at("mcrg")[0].at("y_t")));
    // The coupling-flow table carries the column next to the block spins'.
    const json& flow = ds.at("coupling_flow");
    EXPECT_EQ(flow[0].at("rsmi"), ds.at("blockspin").at("levels")[0].at("renormalized_couplings"));
    EXPECT_EQ(flow[1].at("rsmi"), lv1.at("renormalized_couplings"));
    if (std::string(d) != "ordered") {
      for (const char* term : {"nearest_neighbour", "next_nearest_neighbour", "plaquette"}) {
        EXPECT_TRUE(finite_estimate(flow[1].at("rsmi").at(term))) << term;
      }
    }
  }
  // The stage record carries its seed and everything it depends on.
  const json rec = read(dir + "/stages/rsmi-critical.json");
  for (const char* key : {"seed", "coin_seed", "data", "rsmi", "block", "levels"}) {
    EXPECT_TRUE(rec.at("params").contains(key)) << key;
  }
  EXPECT_EQ(rec.at("params").at("rsmi").at("buffer"), 1);
}

json read_column(const std::string& dir, const std::string& column) {
  return read(dir + "/" + column + "/critical.json");
}

TEST(VrgStages, ChangedParameterRedoesOnlyDependentStages) {
  const std::string dir = fresh_dir("partial");
  vrg::Config c = tiny_config();
  c.data.controls = {};
  c.model.local = false;
  vrg::RunOptions o;
  o.outdir = dir;
  o.figures = false;
  Recorder r;
  vrg::run_pipeline(c, o, r);
  c.measure.histogram_bins = 11;  // only measurements (and the report) depend on it
  const auto again = vrg::run_pipeline(c, o, r);
  EXPECT_EQ(again.skipped, (std::vector<std::string>{"data/critical", "model/critical"}));
  // The positive controls compare with the block spins' numbers, so they follow the block-spin stage.
  EXPECT_EQ(again.ran, (std::vector<std::string>{"blockspin/critical", "rsmi/critical", "controls", "measure/critical",
                                                 "report"}));
  {
    // Positive control of the RSMI column: the fixed uniform filter is majority rule with the same
    // tie coins, so every level and every MCRG number equals the block spins' bit for bit. Only the
    // RSMI stage (and the report) depends on the [rsmi] keys.
    SCOPED_TRACE("uniform filter");
    c.rsmi.filter = "uniform";
    const auto uniform = vrg::run_pipeline(c, o, r);
    EXPECT_EQ(uniform.ran, (std::vector<std::string>{"rsmi/critical", "report"}));
    const json block = read_column(dir, "blockspin"), rsmi = read_column(dir, "rsmi");
    ASSERT_EQ(rsmi.at("levels").size(), 2u);
    EXPECT_EQ(rsmi.at("levels"), block.at("levels"));  // observables, couplings and example rows
    ASSERT_FALSE(block.at("mcrg").empty());
    EXPECT_EQ(rsmi.at("mcrg"), block.at("mcrg"));
    const json& f = rsmi.at("filters").at(0);
    EXPECT_EQ(f.at("filter"), json({1.0, 1.0, 1.0, 1.0}));
    EXPECT_FALSE(f.at("learned").get<bool>());
    EXPECT_EQ(f.at("nonuniformity").get<double>(), 0.0);
    const json s = read(dir + "/summary.json");
    const json& flow = s.at("datasets").at("critical").at("coupling_flow");
    EXPECT_EQ(flow[1].at("rsmi"), flow[1].at("blockspin"));
  }
  {
    // A geometry larger than the lattice: the level is recorded as skipped, nothing crashes, and
    // the column keeps only the data.
    SCOPED_TRACE("geometry too large");
    c.rsmi.filter = "learned";
    c.rsmi.buffer = 2;
    c.rsmi.environment = 2;  // 2 + 4 + 4 > 8
    const auto skipped = vrg::run_pipeline(c, o, r);
    EXPECT_EQ(skipped.ran, (std::vector<std::string>{"rsmi/critical", "report"}));
    const json rsmi = read_column(dir, "rsmi");
    EXPECT_EQ(rsmi.at("levels").size(), 1u);
    EXPECT_TRUE(rsmi.at("mcrg").empty());
    EXPECT_NE(rsmi.at("filters").at(0).at("skipped").get<std::string>().find("exceeds"), std::string::npos);
    const json s = read(dir + "/summary.json");
    EXPECT_TRUE(s.at("datasets").at("critical").at("coupling_flow")[1].at("rsmi").is_null());
    EXPECT_NE(vrg::read_text(dir + "/report.html").find("skipped: block 2"), std::string::npos);
  }
  o.force = true;
  const auto forced = vrg::run_pipeline(c, o, r);
  EXPECT_TRUE(forced.skipped.empty());
  std::filesystem::remove_all(dir);
}

TEST(VrgStages, CancelledRunKeepsFinishedStages) {
  const std::string dir = fresh_dir("cancel");
  vrg::Config c = tiny_config();
  c.data.controls = {};
  c.model.local = false;
  vrg::RunOptions o;
  o.outdir = dir;
  o.figures = false;
  struct CancelInModel : vrg::Reporter {
    void stage_started(int, int, const std::string& name, bool) override {
      if (name.rfind("model/", 0) == 0) vrg::request_cancel();
    }
  } cancel;
  EXPECT_THROW(vrg::run_pipeline(c, o, cancel), vrg::Cancelled);
  vrg::reset_cancel();
  EXPECT_TRUE(std::filesystem::exists(dir + "/stages/data-critical.json"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/stages/model-critical.json"));
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    EXPECT_EQ(e.path().string().find(".tmp-"), std::string::npos) << e.path();
  }
  Recorder r;
  const auto resumed = vrg::run_pipeline(c, o, r);
  EXPECT_EQ(resumed.skipped, (std::vector<std::string>{"data/critical"}));
  std::filesystem::remove_all(dir);
}

// The quality gate of the model stage: the last tenth of each dataset's rows is held out, and the
// first layer's score equals an independent computation — mean −F(v)/N − log Z/N over those rows
// with log Z by enumeration of the 16 hidden units — to 1e-6 (the free energies are summed in float32,
// in a different order; other rows would differ by ~1e-2); every layer is recorded in the
// summary with its baseline, and the Ising datasets carry the exact −s.
void check_quality_gate(const std::string& dir, const json& s) {
  for (const char* d : {"critical", "paramagnet", "ordered", "permuted", "textures"}) {
    SCOPED_TRACE(d);
    const json& fit = s.at("datasets").at(d).at("dbn").at("fit");
    ASSERT_EQ(fit.size(), 1u);
    const json& f = fit[0];
    EXPECT_EQ(f.at("rows"), "validation");
    EXPECT_EQ(f.at("n_rows").get<Index>(), 80);  // ceil(0.1 · 800)
    EXPECT_EQ(f.at("models_data").get<bool>(), f.at("above_baseline").get<bool>());
    EXPECT_EQ(f.contains("exact_per_unit"), std::string(d) != "permuted" && std::string(d) != "textures");
    const Dbn dbn = io::load_dbn(dir + "/models/" + d + ".h5");
    const MatrixF rows = io::load_dataset(dir + "/data/" + d + ".h5").data.bottomRows(80);
    const Rbm& rbm = dbn.layer(0);
    const double log_z = estimate::exact_log_partition(rbm);
    const VectorD F = rbm.free_energy_visible(rows);
    const double expected = (-F.mean() - log_z) / static_cast<double>(rbm.n_visible());
    EXPECT_NEAR(f.at("log_likelihood_per_unit").at("mean").get<double>(), expected, 1e-6);
    // Z2: every bias tied to 0.
    EXPECT_EQ(rbm.visible_bias().cwiseAbs().maxCoeff(), 0.0f);
    EXPECT_EQ(rbm.hidden_bias().cwiseAbs().maxCoeff(), 0.0f);
  }
  const json& critical = s.at("datasets").at("critical").at("dbn").at("fit")[0];
  EXPECT_TRUE(critical.at("models_data").get<bool>());
  EXPECT_GT(critical.at("log_likelihood_per_unit").at("mean").get<double>(), critical.at("independent_per_unit").get<double>());
  EXPECT_EQ(s.at("local").at("fit").size(), 1u);
  EXPECT_EQ(s.at("findings").at(0).at("id"), "model_fit");
}

}  // namespace
