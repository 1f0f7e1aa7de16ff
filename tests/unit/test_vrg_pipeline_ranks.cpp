// The variational-RG pipeline spread over in-process ranks (comm/local.hpp; vrg/pipeline.hpp
// "Distributed"): on 1, 2 and 3 ranks every file of OUTDIR is the one-process run's, byte for byte
// (stage records: all but their timings); the stage cache written on one rank count is reused on
// another, a stage recomputed on another rank arrives bit for bit; a stage failing on one rank ends
// every rank with that rank's error, leaving only complete stages; ranks given different configs
// refuse to start.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "rgflow/core/error.hpp"
#include "rgflow/io/dataset.hpp"
#include "rgflow/io/dbn_file.hpp"
#include "rgflow/rbm/dbn.hpp"
#include "rgflow/vrg/config.hpp"
#include "rgflow/vrg/pipeline.hpp"
#include "rgflow/vrg/stage.hpp"
#include "support/local_ranks.hpp"

namespace {

using nlohmann::json;
using namespace rgflow;
namespace fs = std::filesystem;

// The smallest configuration that still has every stage kind (local model, RSMI column, controls).
vrg::Config tiny_config() {
  vrg::Config c = vrg::demo_config();
  c.seed = 5;
  c.data.size = 8;
  c.data.samples = 400;
  c.data.pilot_samples = 200;
  c.data.thermalize = 50;
  c.model.epochs = 2;
  c.measure.rows = 200;
  c.measure.ais_chains = 8;
  c.measure.ais_betas = 100;
  c.measure.permutations = 10;
  c.rsmi.buffer = 1;
  c.rsmi.environment = 1;
  c.rsmi.batch_size = 32;
  c.rsmi.epochs = 2;
  c.rsmi.critic_epochs = 2;
  return c;
}

std::string fresh_dir(const std::string& name) {
  const auto dir = fs::temp_directory_path() / ("rgflow_test_vrg_ranks_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir.string();
}

template <class M>
std::string raw(const M& m) {
  return std::string(reinterpret_cast<const char*>(m.data()), static_cast<std::size_t>(m.size()) * sizeof(float));
}

std::string attributes_text(const std::map<std::string, std::string>& a) {
  std::string out;
  for (const auto& [k, v] : a) out += k + "=" + v + ";";
  return out;
}

// An HDF5 file's contents (HDF5 files of equal contents differ in a few bytes of their layout):
// a dataset's matrix and attributes, or a DBN's parameters and attributes.
std::string h5_contents(const std::string& path, const std::string& rel) {
  if (rel.starts_with("data/")) {
    const io::Dataset d = io::load_dataset(path);
    return raw(d.data) + attributes_text(d.attributes);
  }
  std::map<std::string, std::string> attrs;
  std::vector<std::map<std::string, std::string>> layer_attrs;
  const Dbn dbn = io::load_dbn(path, &attrs, &layer_attrs);
  std::string out = attributes_text(attrs);
  for (Index k = 0; k < dbn.n_layers(); ++k) {
    const Rbm& rbm = dbn.layer(k);
    out += raw(rbm.weights()) + raw(rbm.visible_bias()) + raw(rbm.hidden_bias());
  }
  for (const auto& a : layer_attrs) out += attributes_text(a);
  return out;
}

// Every file of OUTDIR by relative path: contents, except stage records (params, outputs,
// results: their time stamps and durations differ), run.json (its duration) and HDF5 files (their
// contents).
std::map<std::string, std::string> outputs_of(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    const std::string rel = fs::relative(e.path(), dir).string();
    std::string text = vrg::read_text(e.path().string());
    if (rel.ends_with(".h5")) {
      text = h5_contents(e.path().string(), rel);
    } else if (rel.starts_with("stages/")) {
      const json rec = json::parse(text);
      text = json{{"stage", rec.at("stage")}, {"params", rec.at("params")}, {"outputs", rec.at("outputs")},
                  {"results", rec.at("results")}, {"gemm", rec.at("gemm")}}
                 .dump();
    } else if (rel == "run.json") {
      const json run = json::parse(text);
      text = json{{"ran", run.at("ran")}, {"skipped", run.at("skipped")}}.dump();
    }
    out[rel] = text;
  }
  return out;
}

void expect_same_outputs(const std::string& a, const std::string& b) {
  const auto fa = outputs_of(a), fb = outputs_of(b);
  std::vector<std::string> na, nb;
  for (const auto& [k, v] : fa) na.push_back(k);
  for (const auto& [k, v] : fb) nb.push_back(k);
  ASSERT_EQ(na, nb);
  for (const auto& [k, v] : fa) EXPECT_TRUE(v == fb.at(k)) << k << " differs";
}

// Throws when stage `name` starts on this rank (a unit failing, or interrupted, on the one rank
// that runs it).
class Failing : public vrg::Reporter {
 public:
  Failing(std::string name, bool cancel) : name_(std::move(name)), cancel_(cancel) {}
  void stage_started(int, int, const std::string& name, bool skipped) override {
    if (skipped || name != name_) return;
    if (cancel_) throw Cancelled();
    throw Error("stage " + name + " failed here");
  }

 private:
  std::string name_;
  bool cancel_;
};

struct RankRun {
  std::vector<JobOutcome> outcomes;
  std::vector<vrg::RunResult> results;
};

// run_pipeline on `size` in-process ranks into `dir`; the rank that runs `fail_stage` (if any)
// fails there (or is interrupted, `cancel`).
RankRun run_on(int size, const std::string& dir, const std::string& fail_stage = "",
               bool cancel = false, const std::vector<vrg::Config>& configs = {}) {
  RankRun out;
  out.outcomes.resize(static_cast<std::size_t>(size));
  out.results.resize(static_cast<std::size_t>(size));
  test::run_guarded(size, [&](const Communicator& comm) {
    const auto r = static_cast<std::size_t>(comm.rank());
    vrg::RunOptions o;
    o.outdir = dir;
    o.figures = false;
    o.threads = 1;
    o.communicator = &comm;
    Failing reporter(fail_stage, cancel);
    const vrg::Config config = configs.empty() ? tiny_config() : configs.at(r);
    out.outcomes[r] = test::end_of_job(comm, [&] { out.results[r] = vrg::run_pipeline(config, o, reporter); });
  });
  return out;
}

// One serial run and its distributed copies serve every check (each TEST is its own process).
TEST(VrgPipelineRanks, BitIdenticalOnAnyRankCountWithSharedCache) {
  const std::string serial = fresh_dir("serial");
  vrg::RunOptions o;
  o.outdir = serial;
  o.figures = false;
  o.threads = 1;
  vrg::Reporter quiet;
  const vrg::RunResult one = vrg::run_pipeline(tiny_config(), o, quiet);
  ASSERT_EQ(one.skipped.size(), 0u);
  ASSERT_EQ(one.ran.size(), 29u);

  std::string shared;  // the 2-rank run's OUTDIR, reused below
  for (int size : {2, 3}) {
    SCOPED_TRACE(size);
    const std::string dir = fresh_dir("n" + std::to_string(size));
    if (size == 2) shared = dir;
    const RankRun run = run_on(size, dir);
    for (const auto& outcome : run.outcomes) ASSERT_EQ(outcome.status, 0) << outcome.message;
    EXPECT_EQ(run.results[0].ran, one.ran);  // pipeline order, whichever rank ran what
    EXPECT_TRUE(run.results[0].skipped.empty());
    expect_same_outputs(serial, dir);
    if (size == 3) fs::remove_all(dir);
  }

  // The cache of the 2-rank run is reused by 3 ranks (nothing recomputed), and two stages deleted
  // from it (wave 1: the second runs on rank 1 and is shipped to rank 0) come back bit for bit.
  const RankRun again = run_on(3, shared);
  ASSERT_EQ(again.outcomes[0].status, 0);
  EXPECT_TRUE(again.results[0].ran.empty());
  EXPECT_EQ(again.results[0].skipped, one.ran);
  for (const char* stage : {"model/critical", "model/paramagnet"}) {
    fs::remove(vrg::StageStore(shared, false).record_path(stage));
  }
  fs::remove(shared + "/models/paramagnet.h5");
  fs::remove(serial + "/run.json");  // its record of this invocation: every stage
  const RankRun redo = run_on(2, shared);
  ASSERT_EQ(redo.outcomes[0].status, 0);
  EXPECT_EQ(redo.results[0].ran, (std::vector<std::string>{"model/critical", "model/paramagnet"}));
  fs::remove(shared + "/run.json");
  expect_same_outputs(serial, shared);
  fs::remove_all(shared);
  fs::remove_all(serial);
}

// A stage failing on one rank of 3 (mid-run: model/paramagnet, the second stage of the models' wave,
// runs on rank 1) ends every rank with its message; OUTDIR holds only complete stages (each
// record's outputs exist) and no report.
TEST(VrgPipelineRanks, FailureOnOneRankStopsEveryRank) {
  const std::string dir = fresh_dir("fail");
  const RankRun run = run_on(3, dir, "model/paramagnet");
  for (const auto& outcome : run.outcomes) {
    EXPECT_EQ(outcome.status, 2);
    EXPECT_EQ(outcome.deciding_rank, 1);
    EXPECT_NE(outcome.message.find("model/paramagnet failed here"), std::string::npos) << outcome.message;
  }
  EXPECT_FALSE(fs::exists(dir + "/summary.json"));
  EXPECT_FALSE(fs::exists(dir + "/stages/model-paramagnet.json"));
  int records = 0;
  for (const auto& e : fs::directory_iterator(dir + "/stages")) {
    const json rec = json::parse(vrg::read_text(e.path().string()));
    for (const auto& f : rec.at("outputs")) EXPECT_TRUE(fs::exists(dir + "/" + f.get<std::string>())) << f;
    ++records;
  }
  EXPECT_GE(records, 5);  // the first wave (the five datasets) arrived before the failure
  // An interrupted stage on one rank: every rank ends with 130.
  const RankRun stopped = run_on(3, dir, "measure/critical", /*cancel=*/true);
  for (const auto& outcome : stopped.outcomes) EXPECT_EQ(outcome.status, 130) << outcome.message;
  EXPECT_FALSE(fs::exists(dir + "/summary.json"));
  fs::remove_all(dir);
}

// Ranks given different configurations refuse before anything is written.
TEST(VrgPipelineRanks, DifferentConfigsRefused) {
  const std::string dir = fresh_dir("mismatch");
  vrg::Config other = tiny_config();
  other.seed = 6;
  const RankRun run = run_on(2, dir, "", false, {tiny_config(), other});
  for (const auto& outcome : run.outcomes) {
    EXPECT_EQ(outcome.status, 2);
    EXPECT_NE(outcome.message.find("another configuration"), std::string::npos) << outcome.message;
  }
  EXPECT_FALSE(fs::exists(dir));
}

}  // namespace
