#pragma once
// Per-epoch monitor log (the CLI's --log FILE): one row per EpochStats, flushed after each epoch
// so that a running or interrupted training can be followed with `tail -f`.
//   *.csv    a header line, then comma-separated rows; absent optional values are empty fields
//   *.jsonl  one JSON object per line (keys as in to_json below)
// CSV columns: epoch, then mean and standard error of each monitor (reconstruction_error,
// reconstruction_error_error, pll_mean, pll_error, free_energy_train, free_energy_train_error,
// free_energy_validation, free_energy_validation_error, free_energy_gap, free_energy_gap_error),
// momentum, seconds, and for persistent TAP training (empty otherwise) tap_particles,
// tap_distinct, tap_min_distinct, tap_reseeded, tap_spread (ParticleStats, monitors.hpp).
#include <fstream>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "rgflow/train/trainer.hpp"

namespace rgflow::train {

// {"epoch", "reconstruction_error", "pseudo_log_likelihood", "free_energy_train",
//  "free_energy_validation", "free_energy_gap" (each {"mean", "error", "n"}), "momentum",
// "seconds"}; the validation entries are null when there is no validation data. Persistent TAP
// adds "tap_particles": {"particles", "distinct", "min_distinct", "reseeded", "reseedings",
// "spread"}.
void to_json(nlohmann::json& j, const EpochStats& stats);

class MonitorLog {
 public:
  enum class Format { csv, jsonl };
  // Picks the format from the extension (.csv / .jsonl; anything else throws Error) and opens
  // the file, truncating it unless `append` (used when resuming from a checkpoint; a CSV header
  // is then written only if the file is empty). When appending with keep_epochs ≥ 0 (the
  // checkpoint's epochs done), rows of later epochs and a last row cut short — left by a run
  // killed after its checkpoint — are dropped first, so every epoch appears once. FileError if
  // it cannot be opened.
  explicit MonitorLog(const std::string& path, bool append = false, int keep_epochs = -1);

  // Writes one row and flushes; FileError if the write fails (e.g. disk full).
  void write(const EpochStats& stats);

  Format format() const { return format_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  Format format_;
  std::ofstream out_;
};

}  // namespace rgflow::train
