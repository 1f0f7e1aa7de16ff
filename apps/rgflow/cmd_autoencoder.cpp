// rgflow autoencoder train | reconstruct — tied-weight denoising / contractive autoencoders and
// their flow map x -> decode(encode(x)) (docs/autoencoder.md). The computations live in
// include/rgflow/autoencoder/; this file reads files, checks options and prints.
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_util.hpp"
#include "commands.hpp"
#include "interrupt.hpp"
#include "list_option.hpp"
#include "machine_data.hpp"
#include "progress.hpp"
#include "rgflow/autoencoder/autoencoder.hpp"
#include "rgflow/autoencoder/file.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/io/dataset.hpp"

namespace rgflow::cli {

namespace {

// ---------------------------------------------------------------------------------------------
// autoencoder train

struct TrainCli {
  std::string data;
  MachineData input;
  std::string hidden = "100";
  double corruption = 0.0;
  double contraction = 0.0;
  int epochs = 10;
  Index batch_size = 100;
  double learning_rate = 0.1;
  double momentum = 0.0;
  std::uint64_t seed = 0;
  int threads = 0;
  std::string validation;
  std::string output;
  bool quiet = false;
  bool json = false;
};

void run_train(const TrainCli& o) {
  check_range("--epochs", std::int64_t{o.epochs}, 0, 1'000'000);
  check_range("--batch-size", o.batch_size, 1, 1 << 24);
  check_range("--learning-rate", o.learning_rate, 1e-12, 1e6);
  check_range("--momentum", o.momentum, 0.0, 0.999999);
  check_range("--corruption", o.corruption, 0.0, 0.999999);
  check_range("--contraction", o.contraction, 0.0, 1e12);
  check_output_path(o.output, {".h5", ".hdf5"});
  autoencoder::TrainOptions t;
  t.hidden.clear();
  for (double h : parse_number_list("--hidden", o.hidden, false)) {
    if (h != std::floor(h)) throw Error(fmt::format("--hidden {}: layer sizes are integers", o.hidden));
    check_range("--hidden", static_cast<std::int64_t>(h), 1, 1 << 20);
    t.hidden.push_back(static_cast<Index>(h));
  }
  t.corruption = o.corruption;
  t.contraction = o.contraction;
  t.epochs = o.epochs;
  t.batch_size = o.batch_size;
  t.learning_rate = o.learning_rate;
  t.momentum = o.momentum;
  t.seed = o.seed;
  t.threads = o.threads;
  const LoadedData d = load_machine_data(o.data, o.input, o.seed);
  MatrixF validation;
  if (!o.validation.empty()) {
    MachineData v = o.input;
    v.rows = 0;
    v.label_column = 0;
    v.labels.clear();
    validation = load_machine_data(o.validation, v, o.seed + 1).rows;
    if (validation.cols() != d.rows.cols()) {
      throw FileError(o.validation, fmt::format("rows have {} values, the training data {}", validation.cols(), d.rows.cols()));
    }
  }
  std::vector<nlohmann::json> log;
  Progress progress(o.quiet || o.json, 1, o.epochs * static_cast<int>(t.hidden.size()));
  const auto start = std::chrono::steady_clock::now();
  autoencoder::Autoencoder ae;
  {
    const InterruptScope interrupts;
    ae = autoencoder::train(d.rows, t, [&](const autoencoder::EpochLog& e) {
      log.push_back({{"layer", e.layer}, {"epoch", e.epoch}, {"loss", e.loss}, {"penalty", e.penalty}});
      progress.epoch_done(e.layer * o.epochs + e.epoch,
                          fmt::format("layer {} loss {:.4f} penalty {:.4f}", e.layer, e.loss, e.penalty));
    }, stop_poll());
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double train_loss = autoencoder::reconstruction_loss(ae, d.rows);
  const double valid_loss = validation.size() > 0 ? autoencoder::reconstruction_loss(ae, validation) : NAN;
  auto attrs = provenance();
  attrs["data"] = o.data;
  attrs["seed"] = std::to_string(o.seed);
  attrs["corruption"] = fmt::format("{}", o.corruption);
  attrs["contraction"] = fmt::format("{}", o.contraction);
  attrs["epochs"] = std::to_string(o.epochs);
  attrs["batch_size"] = std::to_string(o.batch_size);
  attrs["learning_rate"] = fmt::format("{}", o.learning_rate);
  attrs["momentum"] = fmt::format("{}", o.momentum);
  autoencoder::save_model(o.output, ae, attrs);
  if (o.json) {
    print_json({{"data", o.data}, {"rows", d.rows.rows()}, {"hidden", t.hidden}, {"corruption", o.corruption},
                {"contraction", o.contraction}, {"epochs", o.epochs}, {"batch_size", o.batch_size},
                {"learning_rate", o.learning_rate}, {"momentum", o.momentum}, {"seed", o.seed},
                {"train_reconstruction", train_loss},
                {"validation_reconstruction", validation.size() > 0 ? nlohmann::json(valid_loss) : nlohmann::json(nullptr)},
                {"seconds", seconds}, {"log", log}, {"output", o.output}});
    return;
  }
  fmt::print("trained a {}-{} tied autoencoder on {} ({} rows) in {:.2f} s\n", d.rows.cols(), o.hidden, o.data,
             d.rows.rows(), seconds);
  fmt::print("reconstruction cross-entropy (nats per row): training {:.4f}", train_loss);
  if (validation.size() > 0) fmt::print(", validation {:.4f}", valid_loss);
  fmt::print("\nwrote {}\n", o.output);
}

void add_train(CLI::App& parent) {
  auto o = std::make_shared<TrainCli>();
  CLI::App* cmd = parent.add_subcommand("train", "Train a (stacked) tied-weight denoising or contractive autoencoder");
  cmd->add_option("DATA", o->data, "Training rows with values in [0, 1]")->required();
  o->input.add_to(*cmd);
  cmd->add_option("--hidden", o->hidden, "Hidden layer sizes, bottom first: N1[,N2,...]")->capture_default_str();
  cmd->add_option("--corruption", o->corruption, "Masking-noise probability (denoising)")->capture_default_str();
  cmd->add_option("--contraction", o->contraction, "Contractive penalty weight lambda")->capture_default_str();
  cmd->add_option("--epochs", o->epochs, "Epochs per layer")->capture_default_str();
  cmd->add_option("--batch-size", o->batch_size, "Mini-batch size")->capture_default_str();
  cmd->add_option("--learning-rate", o->learning_rate, "SGD learning rate")->capture_default_str();
  cmd->add_option("--momentum", o->momentum, "SGD momentum")->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed (initial weights, shuffles, masks)")->capture_default_str();
  cmd->add_option("--threads", o->threads, "Threads (0: all; the result does not depend on it)");
  cmd->add_option("--validation", o->validation, "Held-out rows: their reconstruction loss is reported");
  cmd->add_option("-o,--output", o->output, "Model file (.h5)")->required();
  cmd->add_flag("--quiet,-q", o->quiet, "No progress on stderr");
  cmd->add_flag("--json", o->json, "Print one JSON object");
  cmd->callback([o] { run_train(*o); });
}

// ---------------------------------------------------------------------------------------------
// autoencoder reconstruct

struct ReconstructCli {
  std::string model;
  std::string data;
  MachineData input;
  int steps = 1;
  std::string output;
  bool json = false;
};

void run_reconstruct(const ReconstructCli& o) {
  check_range("--steps", std::int64_t{o.steps}, 1, 1'000'000);
  if (!o.output.empty()) check_output_path(o.output, {".npy", ".csv", ".h5", ".hdf5"});
  const autoencoder::Autoencoder ae = autoencoder::load_model(o.model);
  const LoadedData d = load_machine_data(o.data, o.input);
  if (d.rows.cols() != ae.n_in()) {
    throw FileError(o.data, fmt::format("rows have {} values, the autoencoder takes {}", d.rows.cols(), ae.n_in()));
  }
  const double loss0 = autoencoder::reconstruction_loss(ae, d.rows);
  MatrixF x = d.rows;
  nlohmann::json steps = nlohmann::json::array();
  for (const auto& s : autoencoder::iterate_reconstruction(ae, x, o.steps)) {
    steps.push_back({{"step", s.step}, {"rms_change", s.rms_change}, {"rms_distance_to_data", s.rms_distance_to_data}});
  }
  if (!o.output.empty()) {
    if (has_extension(o.output, ".h5") || has_extension(o.output, ".hdf5")) {
      auto attrs = provenance();
      attrs["model"] = o.model;
      io::save_dataset(o.output, x, attrs);
    } else {
      io::save_matrix(o.output, x);
    }
  }
  if (o.json) {
    print_json({{"model", o.model}, {"data", o.data}, {"rows", d.rows.rows()}, {"reconstruction", loss0},
                {"steps", steps}});
    return;
  }
  fmt::print("{} on {} ({} rows): reconstruction cross-entropy {:.4f} nats per row\n", o.model, o.data, d.rows.rows(),
             loss0);
  for (const auto& s : steps) {
    fmt::print("step {:>5}: rms change {:.6f}, rms distance to the data {:.6f}\n", s["step"].get<int>(),
               s["rms_change"].get<double>(), s["rms_distance_to_data"].get<double>());
  }
  if (!o.output.empty()) fmt::print("wrote {}\n", o.output);
}

void add_reconstruct(CLI::App& parent) {
  auto o = std::make_shared<ReconstructCli>();
  CLI::App* cmd = parent.add_subcommand("reconstruct", "Apply the flow map x -> decode(encode(x)) --steps times");
  cmd->add_option("MODEL", o->model, "Autoencoder file (.h5)")->required();
  cmd->add_option("DATA", o->data, "Rows with values in [0, 1]")->required();
  o->input.add_to(*cmd);
  cmd->add_option("--steps", o->steps, "Flow steps")->capture_default_str();
  cmd->add_option("-o,--output", o->output, "The rows after the last step: .npy, .csv or .h5");
  cmd->add_flag("--json", o->json, "Print one JSON object");
  cmd->callback([o] { run_reconstruct(*o); });
}

}  // namespace

void add_autoencoder_commands(CLI::App& app) {
  CLI::App* a = app.add_subcommand("autoencoder", "Tied-weight denoising and contractive autoencoders");
  a->require_subcommand(1);
  add_train(*a);
  add_reconstruct(*a);
}

}  // namespace rgflow::cli
