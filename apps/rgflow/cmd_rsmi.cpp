// rgflow rg rsmi | coarse-grain — real-space mutual-information coarse-graining (docs/rsmi.md):
// learn (or measure) a filter, and apply any blocking rule file to a dataset. The computations
// live in include/rgflow/rg/{rsmi,rsmi_file,coarse_graining}.hpp; this file reads data, checks
// options and prints.
#include <fmt/format.h>
#include <omp.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_util.hpp"
#include "commands.hpp"
#include "interrupt.hpp"
#include "progress.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/io/dataset.hpp"
#include "rgflow/rg/coarse_graining.hpp"
#include "rgflow/rg/rsmi.hpp"
#include "rgflow/rg/rsmi_file.hpp"

namespace rgflow::cli {

namespace {

// Binary configurations (±1, or 0/1 mapped to ∓1) as int8 rows of L^d sites.
struct SpinRows {
  io::Dataset dataset;  // attributes and source (data matrix released)
  int L = 0;
  int dimension = 2;
  std::int64_t n = 0;
  std::vector<std::int8_t> spins;
};

SpinRows load_spin_rows(const std::string& path, int lattice_option, bool chain) {
  SpinRows out;
  out.dataset = io::load_dataset(path);
  const io::Dataset& d = out.dataset;
  if (d.data.rows() == 0 || d.data.cols() == 0) throw FileError(path, "dataset is empty");
  const Index D = d.data.cols();
  out.dimension = chain ? 1 : 2;
  if (chain) {
    out.L = static_cast<int>(D);
    if (lattice_option > 0 && lattice_option != out.L)
      throw FileError(path, fmt::format("--lattice {}: rows have {} sites", lattice_option, D));
  } else {
    const Index L = lattice_option > 0 ? lattice_option : d.lattice_size.value_or(0);
    if (L <= 0) throw FileError(path, "no lattice size: give --lattice L, --chain, or a /spins [N, L, L] dataset");
    if (d.lattice_size && *d.lattice_size != L)
      throw FileError(path, fmt::format("--lattice {}: the file's lattice is {}x{}", L, *d.lattice_size, *d.lattice_size));
    if (L * L != D) throw FileError(path, fmt::format("rows have {} values, not a {}x{} lattice", D, L, L));
    out.L = static_cast<int>(L);
  }
  const bool zero_one = (d.data.array() == 0.0f || d.data.array() == 1.0f).all();
  out.n = d.data.rows();
  out.spins.resize(static_cast<std::size_t>(d.data.size()));
  for (Index i = 0; i < d.data.rows(); ++i)
    for (Index j = 0; j < D; ++j) {
      const float v = d.data(i, j);
      std::int8_t s = 0;
      if (zero_one) s = v > 0.5f ? 1 : -1;
      else if (v == 1.0f || v == -1.0f) s = v > 0 ? 1 : -1;
      else throw FileError(path, fmt::format("sample {} site {} is {}: expected binary data (+-1 or 0/1)", i, j, v));
      out.spins[static_cast<std::size_t>(i * D + j)] = s;
    }
  out.dataset.data.resize(0, 0);
  return out;
}

// "1,1,1,1" or "1,0;0,1" (rows separated by ';') → [M, cols].
MatrixD parse_filter(const std::string& text, int cols) {
  std::vector<std::vector<double>> rows(1);
  std::string item;
  auto flush = [&]() {
    if (item.empty()) throw Error(fmt::format("--filter '{}': empty weight", text));
    std::size_t used = 0;
    double v = 0.0;
    try {
      v = std::stod(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != item.size() || !std::isfinite(v)) throw Error(fmt::format("--filter '{}': '{}' is not a number", text, item));
    rows.back().push_back(v);
    item.clear();
  };
  for (const char c : text) {
    if (c == ',') flush();
    else if (c == ';') { flush(); rows.emplace_back(); }
    else if (c != ' ') item += c;
  }
  flush();
  if (rows.size() > 4) throw Error(fmt::format("--filter '{}': at most 4 rows (coarse variables)", text));
  MatrixD m(static_cast<Index>(rows.size()), cols);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    if (static_cast<int>(rows[r].size()) != cols)
      throw Error(fmt::format("--filter '{}': row {} has {} weights, the block has {} sites", text, r, rows[r].size(), cols));
    bool zero = true;
    for (int c = 0; c < cols; ++c) {
      m(static_cast<Index>(r), c) = rows[r][static_cast<std::size_t>(c)];
      zero = zero && rows[r][static_cast<std::size_t>(c)] == 0.0;
    }
    if (zero) throw Error(fmt::format("--filter '{}': row {} is all zero", text, r));
  }
  return m;
}

nlohmann::json matrix_json(const MatrixD& m) {
  nlohmann::json a = nlohmann::json::array();
  for (Index r = 0; r < m.rows(); ++r) {
    nlohmann::json row = nlohmann::json::array();
    for (Index c = 0; c < m.cols(); ++c) row.push_back(m(r, c));
    a.push_back(row);
  }
  return a;
}

// ---------------------------------------------------------------------------------------------
// rg rsmi

struct RsmiCli {
  std::string data;
  int lattice = 0;
  bool chain = false;
  rg::RsmiGeometry geometry;
  rg::RsmiOptions options;
  std::string filter;
  std::string output;
  int threads = 0;
  bool json = false;
  bool quiet = false;
};

void run_rsmi(RsmiCli o) {
  const auto start = std::chrono::steady_clock::now();
  check_range("--threads", std::int64_t{o.threads}, 0, 1024);
  if (o.threads > 0) omp_set_num_threads(o.threads);
  check_range("--lattice", std::int64_t{o.lattice}, 0, 65536);
  check_range("--block", std::int64_t{o.geometry.block}, 1, 64);
  check_range("--buffer", std::int64_t{o.geometry.buffer}, 0, 65536);
  check_range("--environment", std::int64_t{o.geometry.environment}, 1, 65536);
  check_range("--hidden-per-block", std::int64_t{o.options.hidden_per_block}, 1, 4);
  check_range("--epochs", std::int64_t{o.options.epochs}, 1, 1'000'000);
  check_range("--critic-epochs", std::int64_t{o.options.critic_epochs}, 1, 1'000'000);
  check_range("--positions", std::int64_t{o.options.positions_per_epoch}, 1, 1'000'000);
  check_range("--eval-positions", std::int64_t{o.options.eval_positions}, 1, 1'000'000);
  check_range("--batch-size", std::int64_t{o.options.batch_size}, 2, 1 << 20);
  check_range("--critic-hidden", std::int64_t{o.options.critic_hidden}, 1, 4096);
  check_range("--learning-rate", o.options.learning_rate, 1e-12, 1e3);
  check_range("--critic-learning-rate", o.options.critic_learning_rate, 1e-12, 1e3);
  check_range("--beta", o.options.beta, 1e-6, 1e6);
  check_range("--validation-fraction", o.options.validation_fraction, 1e-6, 1.0 - 1e-6);
  if (!o.output.empty()) check_output_path(o.output, {".h5", ".hdf5"});
  SpinRows rows = load_spin_rows(o.data, o.lattice, o.chain);
  o.geometry.dimension = rows.dimension;
  o.geometry.L = rows.L;
  try {
    o.geometry.validate();
  } catch (const Error& e) {
    throw Error(fmt::format("--block/--buffer/--environment on {}: {}", o.data, e.what()));
  }
  const bool learned = o.filter.empty();
  MatrixD given;
  if (!learned) given = parse_filter(o.filter, o.geometry.block_sites());
  rg::RsmiResult result;
  {
    const InterruptScope interrupts;
    Progress progress(o.quiet || o.json, 1, learned ? o.options.epochs : 0);
    try {
      if (learned) {
        result = rg::learn_rsmi(rows.spins, rows.n, o.geometry, o.options, stop_poll(), [&](const rg::RsmiEpoch& e) {
          progress.epoch_done(e.epoch, fmt::format("bound {:.4f} (train, soft)  {:.4f} (held out, sign) nats",
                                                   e.train_bound, e.validation_bound));
        });
      } else {
        result = rg::rsmi_filter_information(rows.spins, rows.n, o.geometry, given, o.options, stop_poll());
      }
    } catch (const Cancelled&) {
      throw;
    } catch (const FileError&) {
      throw;
    } catch (const Error& e) {
      throw FileError(o.data, e.what());
    }
    throw_if_cancelled();
  }
  if (!o.output.empty()) {
    std::map<std::string, std::string> extra = provenance();
    extra["data"] = o.data;
    extra["samples"] = std::to_string(rows.n);
    for (const char* key : {"temperature", "coupling", "algorithm"}) {
      const auto it = rows.dataset.attributes.find(key);
      if (it != rows.dataset.attributes.end()) extra[std::string("data_") + key] = it->second;
    }
    rg::save_rsmi(o.output, o.geometry, o.options, result, learned, extra);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::vector<double> nonuniformity;
  for (Index j = 0; j < result.filter.rows(); ++j) nonuniformity.push_back(rg::filter_nonuniformity(result.filter, j));
  if (o.json) {
    nlohmann::json curve = nlohmann::json::array();
    for (const auto& e : result.curve)
      curve.push_back({{"epoch", e.epoch}, {"train_bound", e.train_bound}, {"validation_bound", e.validation_bound}});
    nlohmann::json nonuni = nlohmann::json::array();
    for (const double v : nonuniformity) nonuni.push_back(std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr));
    nlohmann::json j{{"filter", matrix_json(result.filter)},
                     {"mutual_information", to_json(result.mutual_information)},
                     {"units", "nats"},
                     {"bound", "infonce"},
                     {"learned", learned},
                     {"initial_filter", matrix_json(result.initial_filter)},
                     {"nonuniformity", nonuni},
                     {"data", o.data},
                     {"samples", rows.n},
                     {"training_configurations", result.training_configurations},
                     {"validation_configurations", result.validation_configurations},
                     {"dimension", o.geometry.dimension},
                     {"lattice", o.geometry.L},
                     {"block", o.geometry.block},
                     {"buffer", o.geometry.buffer},
                     {"environment", o.geometry.environment},
                     {"environment_sites", o.geometry.environment_sites()},
                     {"hidden_per_block", result.filter.rows()},
                     {"epochs", learned ? o.options.epochs : 0},
                     {"critic_epochs", o.options.critic_epochs},
                     {"beta", o.options.beta},
                     {"batch_size", o.options.batch_size},
                     {"seed", o.options.seed},
                     {"training_curve", curve},
                     {"seconds", seconds}};
    if (!o.output.empty()) j["output"] = o.output;
    print_json(j);
    return;
  }
  fmt::print("RSMI on {}: {} configurations ({} train / {} held out), {}D L={}, block {}, buffer {}, environment {} ({} sites)\n",
             o.data, rows.n, result.training_configurations, result.validation_configurations, o.geometry.dimension,
             o.geometry.L, o.geometry.block, o.geometry.buffer, o.geometry.environment, o.geometry.environment_sites());
  for (Index j = 0; j < result.filter.rows(); ++j) {
    std::string w;
    for (Index c = 0; c < result.filter.cols(); ++c) w += fmt::format("{}{:.4f}", c ? " " : "", result.filter(j, c));
    fmt::print("  filter h{} ({}): {}   (max deviation from uniform {:.2f} %)\n", j, learned ? "learned" : "given", w,
               100.0 * nonuniformity[static_cast<std::size_t>(j)]);
  }
  fmt::print("  I(H:E) >= {:.5f} +- {:.5f} nats (InfoNCE, sign rule, held out){}\n", result.mutual_information.mean,
             result.mutual_information.error, o.output.empty() ? "" : " -> " + o.output);
}

// ---------------------------------------------------------------------------------------------
// rg coarse-grain

struct CoarseGrainCli {
  std::string model;
  std::string data;
  std::uint64_t seed = 0;
  std::string output;
  std::optional<int> conv_channel;
  std::string conv_hidden;
};

void run_coarse_grain(const CoarseGrainCli& o) {
  check_output_path(o.output, {".h5", ".hdf5"});
  const rg::RuleOptions rule_options = conv_rule_options(o.conv_channel, o.conv_hidden);
  if ((rule_options.channel || rule_options.hidden) && !rg::is_conv_rule_file(o.model))
    throw FileError(o.model, "--conv-channel and --conv-hidden apply to a convolutional RBM; this file is not one");
  const auto rule = rg::rule_from_file(o.model, rule_options);
  SpinRows rows = load_spin_rows(o.data, 0, rule->dimension() == 1);
  if (rows.L % rule->factor() != 0)
    throw FileError(o.data, fmt::format("the lattice size {} is not a multiple of the rule's block size {}", rows.L,
                                        rule->factor()));
  const auto coarse = rg::coarse_grain_batch(*rule, rows.spins, rows.n, rows.L, o.seed);
  const int Lc = rows.L / rule->factor();
  const Index cols = rule->dimension() == 1 ? Lc : static_cast<Index>(Lc) * Lc;
  MatrixF data(static_cast<Index>(rows.n), cols);
  for (Index i = 0; i < data.size(); ++i) data.data()[i] = static_cast<float>(coarse[static_cast<std::size_t>(i)]);
  std::map<std::string, std::string> attrs = rows.dataset.attributes;  // temperature, chains, ...
  for (const auto& [k, v] : provenance()) attrs[k] = v;
  attrs["L"] = std::to_string(Lc);
  attrs["block_factor"] = std::to_string(rule->factor());
  attrs["block_rule"] = rule->name();
  attrs["block_model"] = o.model;
  attrs["block_seed"] = std::to_string(o.seed);
  if (const auto* conv_rule = dynamic_cast<const rg::ConvRbmRule*>(rule.get())) {
    attrs["block_conv_channel"] = std::to_string(conv_rule->channel());
    attrs["block_conv_hidden"] = rg::to_string(conv_rule->hidden_state());
  }
  attrs["block_source"] = o.data;
  if (rule->dimension() == 1) io::save_dataset(o.output, data, attrs);
  else io::save_dataset(o.output, data, attrs, static_cast<Index>(Lc));
}

}  // namespace

void add_rsmi_commands(CLI::App& app) {
  CLI::App* rg = app.get_subcommand("rg");
  {
    auto o = std::make_shared<RsmiCli>();
    CLI::App* cmd = rg->add_subcommand(
        "rsmi", "Learn the coarse-graining filter that maximises the real-space mutual information "
                "I(H:E) between a block's coarse variable and its distant environment (Koch-Janusz & Ringel)");
    cmd->add_option("DATA", o->data, "Binary configurations: /spins [N, L, L], or rows of a ring with --chain")
        ->required();
    cmd->add_option("--lattice", o->lattice, "Lattice side L (default: from /spins)");
    cmd->add_flag("--chain", o->chain, "The rows are periodic 1D rings (L = row length)");
    cmd->add_option("--block", o->geometry.block, "Block side b (must divide L)")->capture_default_str();
    cmd->add_option("--buffer", o->geometry.buffer, "Buffer width w between block and environment")
        ->capture_default_str();
    cmd->add_option("--environment", o->geometry.environment, "Environment width e (b + 2w + 2e <= L)")
        ->capture_default_str();
    cmd->add_option("--hidden-per-block", o->options.hidden_per_block, "Coarse variables per block (1-4)")
        ->capture_default_str();
    cmd->add_option("--epochs", o->options.epochs, "Filter-learning epochs")->capture_default_str();
    cmd->add_option("--critic-epochs", o->options.critic_epochs,
                    "Epochs of the fresh critic that measures the final (or given) filter")
        ->capture_default_str();
    cmd->add_option("--positions", o->options.positions_per_epoch,
                    "Block positions drawn per training configuration per epoch")
        ->capture_default_str();
    cmd->add_option("--eval-positions", o->options.eval_positions, "Block positions per held-out configuration")
        ->capture_default_str();
    cmd->add_option("--batch-size", o->options.batch_size, "Pairs per mini-batch (InfoNCE's K)")->capture_default_str();
    cmd->add_option("--critic-hidden", o->options.critic_hidden, "Hidden units of the critic")->capture_default_str();
    cmd->add_option("--learning-rate", o->options.learning_rate, "Adam step of the filter (decays linearly to 2 %)")
        ->capture_default_str();
    cmd->add_option("--critic-learning-rate", o->options.critic_learning_rate, "Adam step of the critic")
        ->capture_default_str();
    cmd->add_option("--beta", o->options.beta,
                    "Relaxation inverse temperature: filter rows kept at norm beta*sqrt(b^d)")
        ->capture_default_str();
    cmd->add_option("--validation-fraction", o->options.validation_fraction,
                    "Share of configurations (the last ones) held out for the estimate")
        ->capture_default_str();
    cmd->add_option("--filter", o->filter,
                    "Measure this fixed filter instead of learning one: weights 'w1,w2,...' in block "
                    "row-major order, rows separated by ';' (majority: all equal)");
    cmd->add_option("--seed", o->options.seed, "Random seed (written to the output)")->capture_default_str();
    cmd->add_option("--output,-o", o->output, "Output RSMI file (.h5)");
    cmd->add_option("--threads", o->threads, "Threads (0: OpenMP default; the result does not depend on it)");
    cmd->add_flag("--json", o->json, "Print one JSON object on stdout");
    cmd->add_flag("--quiet,-q", o->quiet, "No progress on stderr");
    cmd->callback([o] { run_rsmi(*o); });
  }
  {
    auto o = std::make_shared<CoarseGrainCli>();
    CLI::App* cmd = rg->add_subcommand(
        "coarse-grain",
        "Apply a learned blocking rule (an RSMI file or a convolutional RBM's p(h|v)) to configurations: "
        "/spins [N, L/b, L/b]");
    cmd->add_option("MODEL", o->model, "Blocking rule file (rgflow rg rsmi -o, or rgflow conv train -o: b = stride)")
        ->required();
    cmd->add_option("DATA", o->data, "Configurations (/spins [N, L, L]; rows of rings for a 1D rule)")->required();
    cmd->add_option("--seed", o->seed, "Seed of the tie-breaking coins and of p(h|v) (configuration i: stream i)")
        ->capture_default_str();
    cmd->add_option("--output,-o", o->output, "Output dataset (.h5)")->required();
    add_conv_rule_options(*cmd, o->conv_channel, o->conv_hidden);
    cmd->callback([o] { run_coarse_grain(*o); });
  }
}

}  // namespace rgflow::cli
