#pragma once
// Small helpers shared by the CLI commands: output-path checks, dataset loading with the unit
// type's validity check (and a hint on how to fix the data), JSON rendering of estimates, and the
// provenance attributes written into every output file.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>

#include "rgflow/core/error.hpp"
#include "rgflow/core/types.hpp"
#include "rgflow/rbm/rbm.hpp"
#include "rgflow/rg/coarse_graining.hpp"
#include "rgflow/stats/result.hpp"

namespace rgflow::cli {

// Largest model / sample matrix the CLI accepts (elements of a float32 matrix): guards against
// absurd sizes such as --hidden 10000000000 before any allocation.
inline constexpr std::int64_t kMaxMatrixElements = std::int64_t{1} << 28;

// The command line as typed (set by main), recorded in output files.
void set_command_line(int argc, char** argv);
const std::string& command_line();

// Attributes every output file carries: rgflow version and the command line.
std::map<std::string, std::string> provenance();

// Throws FileError(path, ...) unless `path` could be created: its directory exists and is
// writable, and the path is not a directory or another non-regular file (a device such as
// /dev/null would be replaced by the rename of an atomic write). `extensions` (e.g. {".h5",
// ".hdf5"}), when not empty, must contain the path's extension (case-insensitive). Called before
// the work, so that an unwritable output fails at once, not after hours of training.
void check_output_path(const std::string& path, std::initializer_list<const char*> extensions = {});
bool has_extension(const std::string& path, const char* extension);
// Help text as CLI11 writes it, without the stored value CLI11 appends to a negated flag's name
// ("--centering,--no-centering{false}" becomes "--centering,--no-centering"). Set on the root
// app before any subcommand is added (subcommands inherit it).
class HelpFormatter : public CLI::Formatter {
 public:
  std::string make_option_name(const CLI::Option* opt, bool is_positional) const override;
};

// --scale N of a command that writes a PNG mosaic: each pixel becomes an N x N square; 0 (the
// default): automatic, the longer side at least 512 pixels (io::png_scale).
CLI::Option* add_png_scale(CLI::App& cmd, int& scale);
// Throws Error unless `output` (of option `option`) is a different file from each non-empty
// input: a command must not overwrite the file it reads (rbm sample m.h5 -o m.h5).
void check_not_input(const char* option, const std::string& output,
                     std::initializer_list<std::string> inputs);

// CLI11 validators with one-line messages (CLI11 prefixes the option's name):
CLI::Validator finite_number();    // any finite number (e.g. --threshold; not nan or inf)
CLI::Validator positive_number();  // finite and > 0 (temperatures, learning rates)
// Attaches a check to every option named --seed in `app` and its subcommands: an integer ≥ 0
// (CLI11 would wrap "-1" to 2^64 − 1 for an unsigned seed).
void check_seed_options(CLI::App& app);

// Runs f(); a library Error (which names the quantity, never a flag) is rethrown as
// "FLAG: message", so the user sees which option to change. FileErrors pass unchanged.
template <class F>
decltype(auto) with_flag(const char* flag, F&& f) {
  try {
    return f();
  } catch (const FileError&) {
    throw;
  } catch (const Error& e) {
    throw Error(std::string(flag) + ": " + e.what());
  }
}

// Throws Error("OPTION VALUE: ...") unless lo <= value <= hi.
// --conv-channel C and --conv-hidden sample|sign: how a convolutional RBM file acts as a blocking
// rule (rg/coarse_graining.hpp ConvRbmRule), for `rg coarse-grain` and `ising mcrg --rule`.
void add_conv_rule_options(CLI::App& cmd, std::optional<int>& channel, std::string& hidden);
// Their values as rg::RuleOptions (unset where not given); Error naming the option when invalid.
rg::RuleOptions conv_rule_options(const std::optional<int>& channel, const std::string& hidden);

void check_range(const char* option, std::int64_t value, std::int64_t lo, std::int64_t hi);
void check_range(const char* option, double value, double lo, double hi);

// The number `s` spells in full ("0.2"), nullopt for anything else (a file name).
std::optional<double> parse_fraction(const std::string& s);

// How data files are turned into visible states (options --binarize, --threshold, --to-spins).
struct DataOptions {
  std::string columns;       // keep these columns ("" all): indices and slices, io::parse_columns
  std::string drop_columns;  // then drop these ("-1": a trailing label column)
  std::vector<double> value_range;  // {lo, hi}: map [lo, hi] onto [0, 1]; empty: as read
  std::string binarize = "none";
  double threshold = 0.5;
  bool to_spins = false;
  void add_to(CLI::App& cmd);
};

// Loads a dataset for visible units of `visible`: binarizes as asked; spin units map binarized
// {0,1} data to ±1 automatically (an explicit --to-spins does the same for data that already are
// 0/1). `seed` drives stochastic binarization. `attributes` (optional) receives the file's own
// attributes (HDF5 datasets; empty for other formats).
MatrixF load_data(const std::string& path, const DataOptions& options, UnitType visible,
                  std::uint64_t seed, std::map<std::string, std::string>* attributes = nullptr);

// Rbm::check_visible_data, with a hint appended when the data look like another unit type's
// states or need binarizing.
void check_data(const Rbm& rbm, const MatrixF& data, const std::string& path);

nlohmann::json to_json(const stats::Result& r);

// Prints one JSON object on stdout.
void print_json(const nlohmann::json& j);

}  // namespace rgflow::cli
