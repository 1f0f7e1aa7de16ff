#pragma once
// Training progress on stderr. On a terminal: one self-overwriting line with a bar, the batch
// rate and the ETA of the whole run, and one permanent line per finished epoch. Otherwise (a
// pipe, a log file, CI): only the per-epoch lines, so logs stay readable. --quiet silences both.
#include <chrono>
#include <string>

#include "rgflow/core/types.hpp"

namespace rgflow::cli {

class Progress {
 public:
  // `epochs_total` and `first_epoch` (1-based) describe the whole run, for the ETA.
  Progress(bool quiet, int first_epoch, int epochs_total);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  bool interactive() const { return interactive_; }
  // Call after each mini-batch of epoch `epoch` (1-based).
  void batch(int epoch, Index batches_done, Index batches_total);
  // Call when epoch `epoch` is finished; `summary` is the epoch's monitor line.
  void epoch_done(int epoch, const std::string& summary);
  // Prints a line (clearing the bar first on a terminal), unless quiet.
  void message(const std::string& line);
  // Prints a line (clearing the bar first on a terminal), even when quiet.
  void warning(const std::string& line);

 private:
  void clear_bar();
  using Clock = std::chrono::steady_clock;
  bool quiet_;
  bool interactive_;
  int first_epoch_;
  int epochs_total_;
  Clock::time_point start_;
  Clock::time_point last_draw_;
  bool bar_visible_ = false;
};

// "1:05", "12:00:07" (hours only when needed).
std::string format_duration(double seconds);

}  // namespace rgflow::cli
