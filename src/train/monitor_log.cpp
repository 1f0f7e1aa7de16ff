#include "rgflow/train/monitor_log.hpp"

#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "rgflow/core/error.hpp"
#include "rgflow/io/atomic_file.hpp"
#include "rgflow/train/json_number.hpp"

namespace rgflow::train {

void to_json(nlohmann::json& j, const EpochStats& s) {
  const auto optional = [](const std::optional<stats::Result>& x) {
    return x ? nlohmann::json(*x) : nlohmann::json();
  };
  // No pseudo-likelihood (Gaussian visible units, rows of mean activations): null, not NaN.
  const bool has_pll = !std::isnan(s.pseudo_log_likelihood.mean);
  j = nlohmann::json{
      {"epoch", s.epoch},
      {"reconstruction_error", s.reconstruction_error},
      {"pseudo_log_likelihood", has_pll ? nlohmann::json(s.pseudo_log_likelihood) : nlohmann::json()},
      {"free_energy_train", s.free_energy_train},
      {"free_energy_validation", optional(s.free_energy_validation)},
      {"free_energy_gap", optional(s.free_energy_gap)},
      {"momentum", detail::json_float(s.momentum)},
      {"learning_rate", detail::json_float(s.learning_rate)},
      {"seconds", s.seconds},
  };
  if (!s.notices.empty()) j["notices"] = s.notices;
  if (const auto& p = s.tap_particles) {
    j["tap_particles"] = {{"particles", p->particles},       {"distinct", p->distinct},
                          {"min_distinct", p->min_distinct}, {"reseeded", p->reseeded},
                          {"reseedings", p->reseedings},     {"spread", p->spread}};
  }
  if (s.heldout_score) {
    j["heldout_score"] = *s.heldout_score;
    j["heldout_improved"] = s.heldout_improved;
  }
}

namespace {

MonitorLog::Format format_from_extension(const std::string& path) {
  const std::string ext = std::filesystem::path(path).extension().string();
  if (ext == ".csv") return MonitorLog::Format::csv;
  if (ext == ".jsonl") return MonitorLog::Format::jsonl;
  throw Error(fmt::format("{}: monitor log must end in .csv or .jsonl", path));
}

// "mean,error": shortest texts that read back to the same doubles ({} in fmt), empty when absent.
std::string fields(const std::optional<stats::Result>& x) {
  return x ? fmt::format("{},{}", x->mean, x->error) : std::string(",");
}

// The epoch of a log row (CSV: its first field; JSONL: "epoch"), or -1 for anything else.
long row_epoch(const std::string& line, MonitorLog::Format format) {
  if (format == MonitorLog::Format::csv) {
    const std::string first = line.substr(0, line.find(','));
    if (first.empty() || first.find_first_not_of("0123456789") != std::string::npos ||
        first.size() > 9) {
      return -1;
    }
    return std::stol(first);
  }
  const nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  return j.is_object() && j.contains("epoch") && j["epoch"].is_number_integer()
             ? j["epoch"].get<long>()
             : -1;
}

// Resuming after epoch `keep`: the log may hold rows of epochs the checkpoint does not (the run
// was killed between a checkpoint and the next) and a last row cut short. Rewrites it atomically
// with the header and the rows of epochs 1..keep only, so that the resumed run's rows follow.
void truncate_log(const std::string& path, MonitorLog::Format format, int keep) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  in.close();
  std::string kept;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    if (end == std::string::npos) break;  // a row cut short by a kill
    const std::string line = text.substr(start, end - start);
    const long epoch = row_epoch(line, format);
    const bool header = format == MonitorLog::Format::csv && start == 0 && line.rfind("epoch,", 0) == 0;
    if (header || (epoch >= 1 && epoch <= keep)) kept += line + '\n';
    start = end + 1;
  }
  if (kept == text) return;
  io::AtomicFile out(path);
  {
    std::ofstream file(out.temp_path(), std::ios::binary | std::ios::trunc);
    file << kept;
    file.flush();
    if (!file) throw FileError(path, "cannot rewrite the monitor log");
  }
  out.commit();
}

}  // namespace

MonitorLog::MonitorLog(const std::string& path, bool append, int keep_epochs)
    : path_(path), format_(format_from_extension(path)) {
  std::error_code ec;
  if (append && keep_epochs >= 0 && std::filesystem::exists(path, ec)) {
    truncate_log(path, format_, keep_epochs);
  }
  const bool has_content = append && std::filesystem::exists(path, ec) &&
                           std::filesystem::file_size(path, ec) > 0 && !ec;
  out_.open(path, append ? std::ios::app : std::ios::trunc);
  if (!out_) throw FileError(path, "cannot open the monitor log for writing");
  if (format_ == Format::csv && !has_content) {
    out_ << "epoch,reconstruction_error,reconstruction_error_error,pll_mean,pll_error,"
            "free_energy_train,free_energy_train_error,free_energy_validation,"
            "free_energy_validation_error,free_energy_gap,free_energy_gap_error,momentum,seconds,"
            "tap_particles,tap_distinct,tap_min_distinct,tap_reseeded,tap_spread\n";
    out_.flush();
    if (!out_) throw FileError(path, "cannot write the monitor log");
  }
}

void MonitorLog::write(const EpochStats& s) {
  if (format_ == Format::csv) {
    // Empty fields where there is no pseudo-likelihood (as for the validation columns).
    const bool has_pll = !std::isnan(s.pseudo_log_likelihood.mean);
    const auto& p = s.tap_particles;
    const std::string tap = p ? fmt::format("{},{},{},{},{}", p->particles, p->distinct, p->min_distinct,
                                            p->reseeded, p->spread)
                              : std::string(",,,,");
    out_ << fmt::format("{},{},{},{},{},{},{},{},{}\n", s.epoch, fields(s.reconstruction_error),
                        has_pll ? fields(s.pseudo_log_likelihood) : std::string(","),
                        fields(s.free_energy_train), fields(s.free_energy_validation),
                        fields(s.free_energy_gap), s.momentum, s.seconds, tap);
  } else {
    out_ << nlohmann::json(s).dump() << '\n';
  }
  out_.flush();
  if (!out_) throw FileError(path_, "cannot write the monitor log");
}

}  // namespace rgflow::train
