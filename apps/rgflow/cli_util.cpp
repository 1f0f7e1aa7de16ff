#include "cli_util.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string_view>

#include "rgflow/core/error.hpp"
#include "rgflow/core/gemm.hpp"
#include "rgflow/core/version.hpp"
#include "rgflow/io/dataset.hpp"
#include "rgflow/io/png.hpp"

namespace rgflow::cli {

namespace {
std::string& command_line_storage() {
  static std::string s;
  return s;
}
}  // namespace

void set_command_line(int argc, char** argv) {
  std::string s;
  for (int i = 0; i < argc; ++i) {
    if (i > 0) s += ' ';
    s += argv[i];
  }
  command_line_storage() = s;
}

const std::string& command_line() { return command_line_storage(); }

std::map<std::string, std::string> provenance() {
  return {{"rgflow_version", version()}, {"command", command_line()},
          {"gemm", std::string(gemm::name(gemm::active()))}};
}

bool has_extension(const std::string& path, const char* extension) {
  const std::string_view ext(extension);
  if (path.size() < ext.size()) return false;
  return std::equal(ext.begin(), ext.end(), path.end() - static_cast<std::ptrdiff_t>(ext.size()),
                    [](char a, char b) {
                      return std::tolower(static_cast<unsigned char>(a)) ==
                             std::tolower(static_cast<unsigned char>(b));
                    });
}

std::string HelpFormatter::make_option_name(const CLI::Option* opt, bool is_positional) const {
  std::string name = CLI::Formatter::make_option_name(opt, is_positional);
  for (std::size_t open = name.find('{'); open != std::string::npos; open = name.find('{', open)) {
    const std::size_t close = name.find('}', open);
    if (close == std::string::npos) break;
    name.erase(open, close - open + 1);
  }
  return name;
}

CLI::Option* add_png_scale(CLI::App& cmd, int& scale) {
  return cmd
      .add_option("--scale", scale,
                  fmt::format("PNG output: each pixel becomes an N x N square, 1 to {} (0: automatic, "
                              "the longer side at least {} pixels)",
                              io::kMaxPngScale, io::kAutoPngSide))
      ->check(CLI::Range(0, io::kMaxPngScale))
      ->capture_default_str();
}

void check_output_path(const std::string& path, std::initializer_list<const char*> extensions) {
  namespace fs = std::filesystem;
  if (path.empty()) throw Error("output path is empty");
  if (extensions.size() > 0 &&
      std::none_of(extensions.begin(), extensions.end(),
                   [&](const char* e) { return has_extension(path, e); })) {
    std::string list;
    for (const char* e : extensions) list += (list.empty() ? "" : ", ") + std::string(e);
    throw FileError(path, fmt::format("unsupported output file type (expected {})", list));
  }
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw FileError(path, "is a directory, expected a file name");
  if (fs::exists(path, ec) && !fs::is_regular_file(path, ec)) {
    throw FileError(path, "exists and is not a regular file (refusing to replace it)");
  }
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty() && !fs::is_directory(parent, ec)) {
    throw FileError(path, fmt::format("directory {} does not exist", parent.string()));
  }
  // Outputs are written as a temporary next to the path, then renamed: the directory must be
  // writable (access() also reports a read-only file system).
  const std::string dir = parent.empty() ? "." : parent.string();
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    throw FileError(path, fmt::format("directory {} is not writable: {}", dir,
                                      std::strerror(errno)));
  }
}

void check_not_input(const char* option, const std::string& output,
                     std::initializer_list<std::string> inputs) {
  namespace fs = std::filesystem;
  for (const std::string& input : inputs) {
    if (input.empty()) continue;
    std::error_code ec;
    const bool same = fs::exists(output, ec) && fs::exists(input, ec)
                          ? fs::equivalent(output, input, ec)
                          : fs::weakly_canonical(output, ec) == fs::weakly_canonical(input, ec);
    if (same) {
      throw Error(fmt::format("{} {}: is also an input of this command ({}); write to another "
                              "file",
                              option, output, input));
    }
  }
}

CLI::Validator finite_number() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        double x = 0;
        if (!CLI::detail::lexical_cast(text, x) || !std::isfinite(x)) {
          return fmt::format("{} is not a finite number", text);
        }
        return {};
      },
      "FINITE");
}

CLI::Validator positive_number() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        double x = 0;
        if (!CLI::detail::lexical_cast(text, x) || !std::isfinite(x) || !(x > 0.0)) {
          return fmt::format("{} must be a finite number > 0", text);
        }
        return {};
      },
      "POSITIVE");
}

void check_seed_options(CLI::App& app) {
  const CLI::Validator seed(
      [](std::string& text) -> std::string {
        const bool digits = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
          return c >= '0' && c <= '9';
        });
        std::uint64_t x = 0;
        if (!digits || !CLI::detail::lexical_cast(text, x)) {
          return fmt::format("{} is not a seed (an integer from 0 to {})", text,
                             std::numeric_limits<std::uint64_t>::max());
        }
        return {};
      },
      "SEED");
  for (CLI::Option* option : app.get_options()) {
    if (option->check_lname("seed")) option->check(seed);
  }
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    check_seed_options(*sub);
  }
}

void add_conv_rule_options(CLI::App& cmd, std::optional<int>& channel, std::string& hidden) {
  cmd.add_option("--conv-channel", channel,
                 "Convolutional RBM rule: the channel whose hidden lattice is the coarse lattice "
                 "(default: the model must have one channel)");
  cmd.add_option("--conv-hidden", hidden,
                 "Convolutional RBM rule: 'sample' draws h ~ p(h|v) (default); 'sign' takes the most "
                 "probable state, sign of the field (ties: a coin)");
}

rg::RuleOptions conv_rule_options(const std::optional<int>& channel, const std::string& hidden) {
  rg::RuleOptions options;
  if (channel) {
    check_range("--conv-channel", std::int64_t{*channel}, 0, 4095);
    options.channel = *channel;
  }
  if (!hidden.empty()) {
    if (hidden != "sample" && hidden != "sign")
      throw Error(fmt::format("--conv-hidden '{}': expected sample or sign", hidden));
    options.hidden = rg::parse_hidden_state(hidden);
  }
  return options;
}

void check_range(const char* option, std::int64_t value, std::int64_t lo, std::int64_t hi) {
  if (value < lo || value > hi) {
    throw Error(fmt::format("{} {}: must be between {} and {}", option, value, lo, hi));
  }
}

void check_range(const char* option, double value, double lo, double hi) {
  if (!(value >= lo && value <= hi)) {
    throw Error(fmt::format("{} {}: must be between {} and {}", option, value, lo, hi));
  }
}

std::optional<double> parse_fraction(const std::string& s) {
  try {
    std::size_t used = 0;
    const double x = std::stod(s, &used);
    if (used == s.size()) return x;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

void DataOptions::add_to(CLI::App& cmd) {
  cmd.add_option("--columns", columns,
                 "Keep only these data columns: 0-based indices and Python-style slices, comma "
                 "separated (':64' the first 64, '0,5,-1'; negative counts from the end)");
  cmd.add_option("--drop-columns", drop_columns,
                 "Drop these data columns (same syntax; '-1' drops a trailing label column, as in "
                 "the 8x8 digits CSV)");
  cmd.add_option("--value-range", value_range,
                 "LO,HI: map data values in [LO, HI] linearly onto [0, 1] before binarizing (0,16 "
                 "for the 8x8 digits); a value outside is an error")
      ->expected(2)
      ->delimiter(',')
      ->check(finite_number());
  cmd.add_option("--binarize", binarize,
                 "Turn [0,1] data (bytes are scaled to [0,1] first) into {0,1}: 'threshold' (x > "
                 "--threshold) or 'stochastic' (x -> Bernoulli(x), seeded); spin units then get "
                 "-1/+1")
      ->check(CLI::IsMember({"none", "threshold", "stochastic"}))
      ->capture_default_str();
  cmd.add_option("--threshold", threshold, "Threshold for --binarize threshold")
      ->check(finite_number())
      ->capture_default_str();
  cmd.add_flag("--to-spins", to_spins, "Map {0,1} data to spins: 0 -> -1, 1 -> +1");
}

MatrixF load_data(const std::string& path, const DataOptions& options, UnitType visible,
                  std::uint64_t seed, std::map<std::string, std::string>* attributes) {
  io::LoadOptions lo;
  if (!options.columns.empty()) lo.columns = with_flag("--columns", [&] { return io::parse_columns(options.columns); });
  if (!options.drop_columns.empty()) {
    lo.drop_columns = with_flag("--drop-columns", [&] { return io::parse_columns(options.drop_columns); });
  }
  if (!options.value_range.empty()) {
    const double vlo = options.value_range.front();
    const double vhi = options.value_range.back();
    if (options.value_range.size() != 2 || !(vlo < vhi)) {
      throw Error("--value-range: give LO,HI with LO < HI");
    }
    lo.value_range = std::make_pair(vlo, vhi);
  }
  lo.binarize = io::parse_binarize(options.binarize);
  lo.threshold = options.threshold;
  lo.seed = seed;
  lo.to_spins =
      options.to_spins || (visible == UnitType::spin && lo.binarize != io::Binarize::none);
  io::Dataset ds = io::load_dataset(path, lo);
  if (ds.data.rows() == 0 || ds.data.cols() == 0) throw FileError(path, "dataset is empty");
  if (attributes != nullptr) *attributes = std::move(ds.attributes);
  return std::move(ds.data);
}

void check_data(const Rbm& rbm, const MatrixF& data, const std::string& path) {
  try {
    rbm.check_visible_data(data, path);
  } catch (const FileError& e) {
    std::string message = e.what();
    const std::string prefix = path + ": ";
    if (message.rfind(prefix, 0) == 0) message.erase(0, prefix.size());
    if (data.cols() != rbm.n_visible()) throw;
    const auto all = [&](auto pred) {
      return std::all_of(data.data(), data.data() + data.size(), pred);
    };
    std::string hint;
    if (rbm.visible_type() == UnitType::spin && all([](float x) { return x == 0.f || x == 1.f; })) {
      hint = "the data are 0/1; pass --to-spins to map 0 -> -1, 1 -> +1";
    } else if (rbm.visible_type() == UnitType::bernoulli &&
               all([](float x) { return x == -1.f || x == 1.f; })) {
      hint = "the data are -1/+1 spins; use --visible-type spin";
    } else if (all([](float x) { return x >= 0.f && x <= 1.f; })) {
      hint = "the data are not binary; pass --binarize threshold or --binarize stochastic";
    }
    if (hint.empty()) throw;
    throw FileError(path, message + " (" + hint + ")");
  }
}

nlohmann::json to_json(const stats::Result& r) { return r; }  // stats::to_json

void print_json(const nlohmann::json& j) {
  std::fputs(j.dump(2).c_str(), stdout);
  std::fputs("\n", stdout);
  std::fflush(stdout);
}

}  // namespace rgflow::cli
