// MonitorLog: CSV with a header or JSON lines by extension, one row per epoch, readable back.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "rgflow/core/error.hpp"
#include "rgflow/train/monitor_log.hpp"
#include "test_train_support.hpp"

namespace rgflow::train {
namespace {

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

EpochStats sample_stats(int epoch, bool with_validation) {
  EpochStats s;
  s.epoch = epoch;
  s.reconstruction_error = {0.125, 0.0625, 0.5, 100};
  s.pseudo_log_likelihood = {-3.5, 0.25, 0.5, 100};
  s.free_energy_train = {-2.0, 0.5, 0.5, 100};
  if (with_validation) {
    s.free_energy_validation = stats::Result{-1.5, 0.5, 0.5, 60};
    s.free_energy_gap = stats::difference(*s.free_energy_validation, s.free_energy_train);
  }
  s.momentum = 0.9f;
  s.seconds = 0.75;
  return s;
}

TEST(TrainMonitorLog, CsvHasHeaderAndOneRowPerEpochFlushedImmediately) {
  test::TrainTempDir dir;
  const std::string path = dir.file("log.csv");
  MonitorLog log(path);
  EXPECT_EQ(log.format(), MonitorLog::Format::csv);
  log.write(sample_stats(1, true));
  // Flushed: readable while the log is still open.
  auto lines = lines_of(path);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0],
            "epoch,reconstruction_error,reconstruction_error_error,pll_mean,pll_error,"
            "free_energy_train,free_energy_train_error,free_energy_validation,"
            "free_energy_validation_error,free_energy_gap,free_energy_gap_error,momentum,seconds,"
            "tap_particles,tap_distinct,tap_min_distinct,tap_reseeded,tap_spread");
  // gap error √(0.5² + 0.5²) = 0.7071067811865476
  EXPECT_EQ(lines[1], "1,0.125,0.0625,-3.5,0.25,-2,0.5,-1.5,0.5,0.5,0.7071067811865476,0.9,0.75,,,,,");
  log.write(sample_stats(2, false));
  lines = lines_of(path);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[2], "2,0.125,0.0625,-3.5,0.25,-2,0.5,,,,,0.9,0.75,,,,,");
  // Persistent TAP: the particle monitor fills the last five columns.
  EpochStats tap = sample_stats(3, false);
  tap.tap_particles = ParticleStats{100, 37, 1, 99, 4, 0.125};
  log.write(tap);
  lines = lines_of(path);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[3], "3,0.125,0.0625,-3.5,0.25,-2,0.5,,,,,0.9,0.75,100,37,1,99,0.125");
}

TEST(TrainMonitorLog, AppendDoesNotRepeatTheHeader) {
  test::TrainTempDir dir;
  const std::string path = dir.file("log.csv");
  { MonitorLog(path).write(sample_stats(1, false)); }
  { MonitorLog(path, /*append=*/true).write(sample_stats(2, false)); }
  EXPECT_EQ(lines_of(path).size(), 3u);
  { MonitorLog(path).write(sample_stats(1, false)); }  // no append: truncates
  EXPECT_EQ(lines_of(path).size(), 2u);
}

TEST(TrainMonitorLog, JsonLinesParseBack) {
  test::TrainTempDir dir;
  const std::string path = dir.file("log.jsonl");
  {
    MonitorLog log(path);
    EXPECT_EQ(log.format(), MonitorLog::Format::jsonl);
    log.write(sample_stats(1, true));
    log.write(sample_stats(2, false));
  }
  const auto lines = lines_of(path);
  ASSERT_EQ(lines.size(), 2u);
  const auto first = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(first.at("epoch"), 1);
  EXPECT_EQ(first.at("pseudo_log_likelihood").at("mean"), -3.5);
  EXPECT_EQ(first.at("pseudo_log_likelihood").at("error"), 0.25);
  EXPECT_EQ(first.at("free_energy_gap").at("mean"), 0.5);
  EXPECT_DOUBLE_EQ(first.at("free_energy_gap").at("error").get<double>(), std::sqrt(0.5));
  EXPECT_EQ(first.at("momentum").dump(), "0.9");
  const auto second = nlohmann::json::parse(lines[1]);
  EXPECT_TRUE(second.at("free_energy_validation").is_null());
  EXPECT_TRUE(second.at("free_energy_gap").is_null());
}

// Without a pseudo-likelihood (Gaussian visible units; rows of mean activations) the CSV fields
// are empty and the JSON value is null, like the validation columns without validation data.
TEST(TrainMonitorLog, MissingPseudoLikelihoodIsEmptyNotNan) {
  test::TrainTempDir dir;
  EpochStats s = sample_stats(3, false);
  s.pseudo_log_likelihood = stats::Result{};
  ASSERT_TRUE(std::isnan(s.pseudo_log_likelihood.mean));
  {
    MonitorLog csv(dir.file("log.csv"));
    csv.write(s);
    MonitorLog jsonl(dir.file("log.jsonl"));
    jsonl.write(s);
  }
  EXPECT_EQ(lines_of(dir.file("log.csv")).at(1), "3,0.125,0.0625,,,-2,0.5,,,,,0.9,0.75,,,,,");
  const auto j = nlohmann::json::parse(lines_of(dir.file("log.jsonl")).at(0));
  EXPECT_TRUE(j.at("pseudo_log_likelihood").is_null()) << j.dump();
}

TEST(TrainMonitorLog, RejectsUnknownExtensionAndUnwritablePath) {
  test::TrainTempDir dir;
  EXPECT_THROW(MonitorLog(dir.file("log.txt")), Error);
  EXPECT_THROW(MonitorLog(dir.file("no/such/dir/log.csv")), FileError);
}

}  // namespace
}  // namespace rgflow::train
