#pragma once
// Progress of one long computation measured in work units (grains, series): on a terminal a
// self-overwriting line with percentage and ETA (drawn at the first report, then at most 4 redraws
// per second, cleared at the end); otherwise (logs of long acceptance runs) one line every 30 s.
// --quiet and --json silence it.
#include <chrono>
#include <cstdint>
#include <string>

namespace rgflow::cli {

class TaskProgress {
 public:
  TaskProgress(std::string label, bool quiet);
  ~TaskProgress();
  TaskProgress(const TaskProgress&) = delete;
  TaskProgress& operator=(const TaskProgress&) = delete;
  void operator()(std::int64_t done, std::int64_t total);
  // Clears the terminal line (call before printing results); later reports are ignored. The
  // destructor does the same.
  void finish();

 private:
  using Clock = std::chrono::steady_clock;
  std::string label_;
  bool quiet_;
  bool terminal_;
  bool shown_ = false;
  Clock::time_point start_, last_;
};

}  // namespace rgflow::cli
