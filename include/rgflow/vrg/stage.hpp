#pragma once
// Stages of the variational-RG pipeline and their cache in the output directory.
//
// Every stage writes its outputs atomically (io::AtomicFile) and then a stage record,
// OUTDIR/stages/NAME.json = {stage, params, outputs, seconds, finished, rgflow_version, and
// placement when given}. `params`
// holds everything the outputs depend on (the stage's part of the config, its seed, and the
// params of the stages it reads), so a re-run skips a stage exactly when its record exists with
// equal params and all its outputs are still there; --force redoes every stage. A run that is
// interrupted (Ctrl-C: request_cancel()) stops at the next check point with only finished stages
// recorded, and they are reused by the next run.
#include <atomic>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "rgflow/core/cancel.hpp"

namespace rgflow::vrg {

// Cancellation: the process-wide request of core/cancel.hpp. request_cancel() may be called from
// a signal handler; throw_if_cancelled() throws Cancelled at the pipeline's check points (between
// mini-batches, stages, AIS layers).
using rgflow::Cancelled;
using rgflow::cancel_requested;
using rgflow::request_cancel;
using rgflow::reset_cancel;
using rgflow::throw_if_cancelled;

// Progress of the pipeline, implemented by the CLI (bars on stderr) or by tests.
class Reporter {
 public:
  virtual ~Reporter() = default;
  // A stage begins (index counts from 1 over `total` stages); `skipped` when its cache is fresh.
  virtual void stage_started(int /*index*/, int /*total*/, const std::string& /*name*/, bool /*skipped*/) {}
  // Fraction of the running stage done, in [0, 1] (called often; cheap to ignore).
  virtual void stage_progress(double /*fraction*/) {}
  virtual void stage_finished(const std::string& /*name*/, bool /*skipped*/, double /*seconds*/) {}
  virtual void note(const std::string& /*line*/) {}
};

class StageStore {
 public:
  // Creates OUTDIR and OUTDIR/stages (FileError if impossible).
  StageStore(std::string outdir, bool force);

  const std::string& outdir() const { return outdir_; }
  // OUTDIR/relative.
  std::string path(const std::string& relative) const;
  // The record file of a stage: OUTDIR/stages/NAME.json ('/' in NAME becomes '-'); relative to
  // OUTDIR: record_file(name).
  std::string record_path(const std::string& name) const { return path(record_file(name)); }
  static std::string record_file(const std::string& name);

  // True when not forced, the record exists, its params equal `params`, it was computed with the
  // GEMM backend in use (gemm::active(): another backend has other bits) and every output it
  // lists exists.
  bool fresh(const std::string& name, const nlohmann::json& params) const;
  // The stored record (nullopt if absent or unreadable).
  std::optional<nlohmann::json> record(const std::string& name) const;
  // Writes the record atomically; `outputs` are paths relative to OUTDIR; `results` (optional)
  // are small numbers the stage wants to hand to later stages; `placement` (optional, like
  // `seconds` not part of the stage's bits) where it ran: {rank, ranks, wave} (pipeline.hpp).
  void finish(const std::string& name, const nlohmann::json& params,
              const std::vector<std::string>& outputs, double seconds,
              const nlohmann::json& results = nlohmann::json::object(),
              const nlohmann::json& placement = nullptr) const;

 private:
  std::string outdir_;
  bool force_ = false;
};

// Writes `text` to `path` atomically (temporary file + rename); FileError on failure.
void write_text_atomic(const std::string& path, const std::string& text);
// Reads a whole file; FileError if it cannot be opened.
std::string read_text(const std::string& path);

}  // namespace rgflow::vrg
