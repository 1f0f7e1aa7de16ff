#include "rgflow/train/monitor_log.hpp"

#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "rgflow/core/error.hpp"
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
      {"seconds", s.seconds},
  };
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

}  // namespace

MonitorLog::MonitorLog(const std::string& path, bool append)
    : path_(path), format_(format_from_extension(path)) {
  std::error_code ec;
  const bool has_content = append && std::filesystem::exists(path, ec) &&
                           std::filesystem::file_size(path, ec) > 0 && !ec;
  out_.open(path, append ? std::ios::app : std::ios::trunc);
  if (!out_) throw FileError(path, "cannot open the monitor log for writing");
  if (format_ == Format::csv && !has_content) {
    out_ << "epoch,reconstruction_error,reconstruction_error_error,pll_mean,pll_error,"
            "free_energy_train,free_energy_train_error,free_energy_validation,"
            "free_energy_validation_error,free_energy_gap,free_energy_gap_error,momentum,seconds\n";
    out_.flush();
    if (!out_) throw FileError(path, "cannot write the monitor log");
  }
}

void MonitorLog::write(const EpochStats& s) {
  if (format_ == Format::csv) {
    // Empty fields where there is no pseudo-likelihood (as for the validation columns).
    const bool has_pll = !std::isnan(s.pseudo_log_likelihood.mean);
    out_ << fmt::format("{},{},{},{},{},{},{},{}\n", s.epoch, fields(s.reconstruction_error),
                        has_pll ? fields(s.pseudo_log_likelihood) : std::string(","),
                        fields(s.free_energy_train), fields(s.free_energy_validation),
                        fields(s.free_energy_gap), s.momentum, s.seconds);
  } else {
    out_ << nlohmann::json(s).dump() << '\n';
  }
  out_.flush();
  if (!out_) throw FileError(path_, "cannot write the monitor log");
}

}  // namespace rgflow::train
