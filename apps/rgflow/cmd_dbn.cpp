// rgflow dbn train | flow | sample — deep belief networks (stacks of RBMs), one layer per scale.
#include <fmt/format.h>

#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "cli_util.hpp"
#include "commands.hpp"
#include "distributed.hpp"
#include "interrupt.hpp"
#include "task_progress.hpp"
#include "progress.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/io/dataset.hpp"
#include "rgflow/io/dbn_file.hpp"
#include "rgflow/io/png.hpp"
#include "rgflow/rbm/dbn.hpp"
#include "rgflow/run/dbn.hpp"

namespace rgflow::cli {

namespace {

// "a,b,c" → {"a","b","c"}.
std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(item);
  return out;
}

// A per-layer option: one value for every layer, or one per layer.
template <class T, class Parse>
std::vector<T> per_layer(const char* option, const std::string& text, std::size_t n_layers,
                         Parse parse) {
  const std::vector<std::string> items = split_list(text);
  if (items.size() != 1 && items.size() != n_layers) {
    throw Error(fmt::format("{} {}: give one value or one per layer ({} layers)", option, text,
                            n_layers));
  }
  std::vector<T> out;
  for (std::size_t k = 0; k < n_layers; ++k) {
    const std::string& item = items[items.size() == 1 ? 0 : k];
    try {
      out.push_back(parse(item));
    } catch (const Error&) {
      throw;
    } catch (const std::exception&) {
      throw Error(fmt::format("{} {}: '{}' is not a valid value", option, text, item));
    }
  }
  return out;
}

// Every layer starts from the defaults of every front end (train/config.hpp: default_config()).
const train::TrainConfig kLayerDefaults = train::default_config();

struct DbnTrainCliOptions {
  std::string data;
  std::string output;
  std::string layers;  // "784,500,500,2000": visible size first
  std::string visible_type = "bernoulli";
  std::string hidden_types = "bernoulli";
  std::string methods = train::to_string(kLayerDefaults.method);
  std::string steps = std::to_string(kLayerDefaults.steps);
  std::string epochs = std::to_string(kLayerDefaults.epochs);
  std::string learning_rates = fmt::format("{}", kLayerDefaults.learning_rate);
  std::string batch_size = std::to_string(kLayerDefaults.batch_size);
  std::string shards = std::to_string(kLayerDefaults.shards);
  std::string l2 = "0";
  // --epochs auto (or "auto" in the per-layer list): automatic stopping of those layers
  // (docs/training.md), with these per-layer rules; needs --validation.
  std::string patience = "10";
  std::string max_epochs = "1000";
  std::string stop_score = "auto";
  std::vector<CLI::Option*> auto_options;  // --patience, --max-epochs, --stop-score
  std::string validation;                  // a fraction of the data or a file
  std::string propagate = "mean";
  double momentum = -1.0;  // < 0: the defaults' (constant 0.5)
  bool centering = kLayerDefaults.centering;
  std::uint64_t seed = 0;
  DataOptions data_options;
  bool json = false;
  bool quiet = false;
};

// Seed offset of the stochastic binarization of a separate validation file (as rbm train's).
constexpr std::uint64_t kBinarizeValidationSeedOffset = 1;

// One item of --epochs: a number of epochs, or kAutoEpochs for "auto".
constexpr int kAutoEpochs = -1;
int parse_layer_epochs(const std::string& item) {
  if (item == "auto") return kAutoEpochs;
  const bool digits = !item.empty() && item.size() <= 9 && item.find_first_not_of("0123456789") == std::string::npos;
  if (!digits) throw Error(fmt::format("--epochs {}: expected a number of epochs or 'auto'", item));
  return std::stoi(item);
}

// The validation rows (--validation FRACTION or FILE; none without it), split off `data` for a
// fraction.
MatrixF validation_rows(const DbnTrainCliOptions& o, MatrixF& data, UnitType visible,
                        const Rbm& probe) {
  MatrixF validation;
  if (o.validation.empty()) return validation;
  if (const auto fraction = parse_fraction(o.validation)) {
    if (!(*fraction > 0.0 && *fraction < 1.0)) {
      throw Error(fmt::format("--validation {}: a fraction must be in (0, 1), or give a file", o.validation));
    }
    run::split_validation(data, *fraction, o.seed, validation, o.data);
    return validation;
  }
  validation = load_data(o.validation, o.data_options, visible, o.seed + kBinarizeValidationSeedOffset);
  if (validation.cols() != data.cols()) {
    throw FileError(o.validation, fmt::format("validation data have {} columns but the training data {}",
                                              validation.cols(), data.cols()));
  }
  check_data(probe, validation, o.validation);
  return validation;
}

void run_dbn_train(const DbnTrainCliOptions& o) {
  const InterruptScope interrupts;  // Ctrl-C: Cancelled at the next mini-batch, exit 130
  check_output_path(o.output, {".h5", ".hdf5"});
  check_not_input("-o", o.output, {o.data, o.validation});
  const std::vector<Index> sizes = per_layer<Index>("--layers", o.layers, split_list(o.layers).size(),
                                                    [](const std::string& s) { return std::stoll(s); });
  if (sizes.size() < 2) throw Error(fmt::format("--layers {}: need the visible size and at least one hidden size", o.layers));
  for (Index n : sizes) check_range("--layers", std::int64_t{n}, 1, 1 << 20);
  const std::size_t n_layers = sizes.size() - 1;
  const UnitType visible = parse_unit_type(o.visible_type);
  MatrixF data = load_data(o.data, o.data_options, visible, o.seed);
  if (data.cols() != sizes[0]) {
    throw FileError(o.data, fmt::format("data have {} columns but --layers starts with {}",
                                        data.cols(), sizes[0]));
  }
  Rbm probe(sizes[0], sizes[1], visible, UnitType::bernoulli);
  check_data(probe, data, o.data);

  const auto hidden = per_layer<UnitType>("--hidden-type", o.hidden_types, n_layers,
                                          [](const std::string& s) { return parse_unit_type(s); });
  const auto methods = per_layer<train::Method>("--method", o.methods, n_layers,
                                                [](const std::string& s) { return train::parse_method(s); });
  const auto steps = per_layer<int>("--steps", o.steps, n_layers, [](const std::string& s) { return std::stoi(s); });
  const auto epochs = per_layer<int>("--epochs", o.epochs, n_layers, parse_layer_epochs);
  const bool any_auto = std::count(epochs.begin(), epochs.end(), kAutoEpochs) > 0;
  if (!any_auto) {
    for (const CLI::Option* opt : o.auto_options) {
      if (opt->count() > 0) throw Error(fmt::format("{}: only with --epochs auto", opt->get_name()));
    }
  } else if (o.validation.empty()) {
    throw Error("--epochs auto: needs held-out rows to score (--validation FRACTION or FILE)");
  }
  const auto patience = per_layer<int>("--patience", o.patience, n_layers, [](const std::string& s) {
    const int p = std::stoi(s);
    check_range("--patience", std::int64_t{p}, 1, 1'000'000);
    return p;
  });
  const auto max_epochs = per_layer<int>("--max-epochs", o.max_epochs, n_layers, [](const std::string& s) {
    const int m = std::stoi(s);
    check_range("--max-epochs", std::int64_t{m}, 1, 10'000'000);
    return m;
  });
  const auto stop_scores = per_layer<train::StopScore>("--stop-score", o.stop_score, n_layers, [](const std::string& s) {
    return with_flag("--stop-score", [&] { return train::parse_stop_score(s); });
  });
  const auto rates = per_layer<float>("--learning-rate", o.learning_rates, n_layers, [&](const std::string& s) {
    const float rate = std::stof(s);
    if (!(rate > 0.0f) || !std::isfinite(rate)) {
      throw Error(fmt::format("--learning-rate {}: {} must be a finite number > 0", o.learning_rates, s));
    }
    return rate;
  });
  const auto batches = per_layer<Index>("--batch-size", o.batch_size, n_layers,
                                        [](const std::string& s) { return std::stoll(s); });
  const auto l2 = per_layer<float>("--l2", o.l2, n_layers, [](const std::string& s) { return std::stof(s); });
  const auto shards = per_layer<int>("--shards", o.shards, n_layers, [](const std::string& s) {
    const int n = std::stoi(s);
    check_range("--shards", std::int64_t{n}, 1, train::kMaxShards);
    return n;
  });

  run::DbnTrainRequest request;
  request.data_source = o.data;
  request.visible = visible;
  request.propagate = parse_propagate(o.propagate);
  request.seed = o.seed;  // layer k trains with seed + k, recorded in the file
  int total_epochs = 0;
  for (std::size_t k = 0; k < n_layers; ++k) {
    if (sizes[k] * sizes[k + 1] > kMaxMatrixElements) {
      throw Error(fmt::format("--layers {}: layer {} would have {} x {} weights", o.layers, k,
                              sizes[k], sizes[k + 1]));
    }
    train::DbnLayerSpec spec;
    spec.n_hidden = sizes[k + 1];
    spec.hidden_type = hidden[k];
    spec.config = kLayerDefaults;
    spec.config.method = methods[k];
    spec.config.steps = steps[k];
    spec.config.auto_epochs = epochs[k] == kAutoEpochs;
    spec.config.epochs = spec.config.auto_epochs ? max_epochs[k] : epochs[k];
    spec.config.patience = patience[k];
    spec.config.stop_score = stop_scores[k];
    spec.config.learning_rate = rates[k];
    spec.config.learning_rate_final = train::default_final_learning_rate(rates[k]);
    spec.config.centering = o.centering;
    spec.config.batch_size = batches[k];
    spec.config.shards = shards[k];
    spec.config.l2 = l2[k];
    if (o.momentum >= 0) {
      spec.config.momentum_initial = spec.config.momentum_final = static_cast<float>(o.momentum);
    }
    total_epochs += spec.config.epochs;
    request.layers.push_back(spec);
  }
  request.validation = validation_rows(o, data, visible, probe);
  request.data = std::move(data);

  // Under mpirun: each layer's row shards over the ranks, the same DBN on every rank; rank 0 alone
  // writes and prints (distributed.hpp, docs/scaling.md).
  request.communicator = &world();
  const bool rank0 = is_rank0();
  Progress progress(o.quiet || !rank0, 1, total_epochs);
  int epochs_done = 0;
  run::DbnTrainCallbacks callbacks;
  callbacks.on_epoch = [&](const train::DbnProgress& p) {
    ++epochs_done;
    const auto& h = p.stats.heldout_score;
    progress.epoch_done(epochs_done, fmt::format("layer {}/{} epoch {}: recon {:.4f}  F(train) {:.3f}{}",
                                                 p.layer + 1, p.n_layers, p.stats.epoch,
                                                 p.stats.reconstruction_error.mean,
                                                 p.stats.free_energy_train.mean,
                                                 h ? fmt::format("  held-out {:.5f} ± {:.5f}{}", h->mean, h->error,
                                                                 p.stats.heldout_improved ? " *" : "")
                                                   : std::string()));
  };
  callbacks.on_batch = [&](Index done, Index total) { progress.batch(epochs_done + 1, done, total); };
  callbacks.stop = stop_poll();
  const run::DbnTrainRun result = run::train_dbn(request, callbacks);
  if (!rank0) return;  // every rank holds the same DBN; one writes it

  std::map<std::string, std::string> attributes = provenance();
  for (const auto& [k, v] : result.attributes) attributes[k] = v;
  io::save_dbn(o.output, result.dbn, attributes, result.layer_attributes);
  if (o.json) {
    nlohmann::json j = result;
    j["output"] = o.output;
    print_json(j);
  } else {
    fmt::print("wrote {} ({} layers: {}; {:.1f} s)\n", o.output, n_layers, o.layers, result.seconds);
    for (std::size_t i = 0; i < result.stops.size(); ++i) {
      const auto& c = result.stops[i];
      if (!c) continue;
      fmt::print("layer {} stopped after epoch {} ({}): kept epoch {}, held-out {} score {:.5f} +- {:.5f} "
                 "nats per unit\n", i + 1 + (result.dbn.layers().size() - result.stops.size()),
                 c->history.size(),
                 c->stop_reason == "converged" ? "no improvement for --patience epochs" : "--max-epochs reached",
                 c->best_epoch, train::to_string(c->best.method), c->best.score.mean, c->best.score.error);
    }
    for (std::size_t k = 0; k < result.layer_fits.size(); ++k) {
      if (!result.layer_fits[k]) continue;
      const run::FitReport& f = *result.layer_fits[k];
      const std::size_t layer = k + 1 + (result.dbn.layers().size() - result.layer_fits.size());
      fmt::print("layer {} fit ({} rows{}, {} log Z): {:.5f} +- {:.5f} nats per unit; independent units {:.5f}\n",
                 layer, f.rows, layer > 1 ? " of sampled states" : "", estimate::to_string(f.log_z.method),
                 f.log_likelihood.mean, f.log_likelihood.error, f.independent);
    }
  }
  for (std::size_t k = 0; k < result.layer_fits.size(); ++k) {
    const auto& f = result.layer_fits[k];
    if (!f || f->above_baseline) continue;
    fmt::print(stderr,
               "rgflow dbn train: warning: layer {} does not beat independent units on its {} rows "
               "({:.5f} +- {:.5f} vs {:.5f} nats per unit): it does not model its data\n",
               k + 1 + (result.dbn.layers().size() - result.layer_fits.size()), f->rows, f->log_likelihood.mean,
               f->log_likelihood.error, f->independent);
  }
}

void add_dbn_train(CLI::App& dbn) {
  auto o = std::make_shared<DbnTrainCliOptions>();
  CLI::App* cmd = dbn.add_subcommand("train", "Greedy layer-wise training of a deep belief network");
  cmd->add_option("DATA", o->data, "Training data (same formats as rbm train)")->required();
  cmd->add_option("-o,--output", o->output, "Output DBN file (.h5)")->required();
  cmd->add_option("--layers", o->layers, "Layer sizes, visible first, e.g. 784,500,500,2000")->required();
  cmd->add_option("--visible-type", o->visible_type, "bernoulli | spin")->capture_default_str();
  const char* per = " (one value, or a comma-separated value per layer)";
  cmd->add_option("--hidden-type", o->hidden_types, std::string("bernoulli | spin") + per)->capture_default_str();
  cmd->add_option("--method", o->methods, std::string("cd | pcd | pt | tap1 | tap2 | tap3") + per)->capture_default_str();
  cmd->add_option("--steps", o->steps, std::string("Gibbs steps k") + per)->capture_default_str();
  cmd->add_option("--epochs", o->epochs,
                  std::string("Epochs, or 'auto': stop a layer when its held-out score (on validation "
                              "rows sampled up through the layers below) stops improving and keep its "
                              "best epoch (needs --validation; docs/training.md)") + per)
      ->capture_default_str();
  o->auto_options.push_back(cmd->add_option("--patience", o->patience,
                                            std::string("--epochs auto: stop after this many epochs without improvement") + per)
                                ->capture_default_str());
  o->auto_options.push_back(cmd->add_option("--max-epochs", o->max_epochs,
                                            std::string("--epochs auto: the cap on a layer's epochs") + per)
                                ->capture_default_str());
  o->auto_options.push_back(cmd->add_option("--stop-score", o->stop_score,
                                            std::string("--epochs auto: held-out score (auto: exact log-likelihood when the "
                                                        "smaller side of the layer has <= 20 units, else AIS; exact | ais | pll)") + per)
                                ->capture_default_str());
  cmd->add_option("--validation", o->validation,
                  "Held-out rows: a fraction of DATA (e.g. 0.2, split with --seed) or a file; "
                  "scored by the quality gate, the free-energy monitor and --epochs auto");
  cmd->add_option("--learning-rate", o->learning_rates, std::string("Learning rate") + per)->capture_default_str();
  cmd->add_option("--batch-size", o->batch_size, std::string("Mini-batch size") + per)->capture_default_str();
  cmd->add_option("--shards", o->shards,
                  std::string("Row shards per mini-batch (as rbm train's: cd, pcd, pt): under mpirun "
                              "each rank forms its shards and the DBN is the same bits on any number "
                              "of ranks; >= 2 on more than one rank (docs/scaling.md)") + per)
      ->capture_default_str();
  cmd->add_option("--l2", o->l2, std::string("L2 weight cost") + per)->capture_default_str();
  cmd->add_option("--momentum", o->momentum,
                  fmt::format("Constant momentum (default: {})", kLayerDefaults.momentum_final));
  cmd->add_flag("--centering,!--no-centering", o->centering,
                "Centred gradients (default: on; every layer's learning rate decays by a cosine "
                "schedule to 1/100 of its start, docs/training.md)");
  cmd->add_option("--propagate", o->propagate,
                  "How layer k-1's hidden units feed layer k: mean (probabilities) | sample")
      ->check(CLI::IsMember({"mean", "sample"}))
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed (layer k uses seed + k)")->capture_default_str();
  o->data_options.add_to(*cmd);
  cmd->add_flag("--json", o->json, "Print a JSON summary on stdout");
  cmd->add_flag("-q,--quiet", o->quiet, "No progress output on stderr");
  cmd->callback([o] { run_dbn_train(*o); });
}

struct DbnFlowOptions {
  std::string model;
  std::string data;
  std::string log_z = "auto";
  std::string propagate = "mean";
  int chains = 100;
  std::int64_t betas = 0;
  std::uint64_t seed = 0;
  bool bound = false;
  DataOptions data_options;
  bool json = false;
  bool quiet = false;
};

void run_dbn_flow(const DbnFlowOptions& o) {
  const Dbn dbn = io::load_dbn(o.model);
  const MatrixF data = load_data(o.data, o.data_options, dbn.layer(0).visible_type(), o.seed);
  check_data(dbn.layer(0), data, o.data);
  run::DbnFlowRequest request;
  request.flow.propagate = parse_propagate(o.propagate);
  request.flow.seed = o.seed;
  request.flow.log_z.method = estimate::parse_log_z_method(o.log_z);
  check_range("--chains", std::int64_t{o.chains}, 2, 1000000);
  check_range("--betas", o.betas, 0, 100000000);
  if (o.betas == 1) throw Error("--betas: at least 2 temperatures (0: default schedule)");
  request.flow.log_z.ais.chains = o.chains;
  request.flow.log_z.ais.seed = o.seed;
  if (o.betas > 0) request.flow.log_z.ais.betas = estimate::linear_ais_schedule(static_cast<std::size_t>(o.betas));
  if (o.bound) {
    if (dbn.n_layers() != 2) {
      throw FileError(o.model, fmt::format("--bound needs a 2-layer DBN; this one has {} layers",
                                           dbn.n_layers()));
    }
    request.bound = estimate::BoundOptions{};
    request.bound->seed = o.seed;
  }
  request.stop = stop_poll();
  TaskProgress progress(fmt::format("rgflow dbn flow ({} layers, log Z {})", dbn.n_layers(), o.log_z),
                        o.quiet || o.json);
  request.progress = [&progress](std::int64_t done, std::int64_t total) { progress(done, total); };
  const InterruptScope interrupts;  // Ctrl-C: Cancelled, nothing printed, exit 130 (main)
  const run::DbnFlowRun result = run::dbn_flow(dbn, data, request);
  throw_if_cancelled();  // a Ctrl-C after the last poll
  progress.finish();

  if (o.json) {
    nlohmann::json j = result;
    j["model"] = o.model;
    j["data"] = o.data;
    print_json(j);
    return;
  }
  const auto& rows = result.layers;
  const auto& bound = result.bound;
  fmt::print("{:>5} {:>6} {:>6} {:>22} {:>8} {:>22} {:>22}\n", "layer", "n_vis", "n_hid",
             "F/unit", "log Z by", "log Z", "log-lik/unit");
  for (const auto& r : rows) {
    const auto fmt_r = [](const std::optional<stats::Result>& x) {
      return x ? fmt::format("{:.4f} ± {:.4f}", x->mean, x->error) : std::string("-");
    };
    fmt::print("{:>5} {:>6} {:>6} {:>22} {:>8} {:>22} {:>22}\n", r.layer, r.n_visible, r.n_hidden,
               fmt::format("{:.4f} ± {:.4f}", r.free_energy_per_unit.mean, r.free_energy_per_unit.error),
               estimate::to_string(r.log_z_method), fmt_r(r.log_z), fmt_r(r.log_likelihood_per_unit));
  }
  if (bound) {
    fmt::print("variational lower bound on log p(v): {:.4f} ± {:.4f} nats per sample\n",
               bound->mean.mean, bound->mean.error);
  }
}

void add_dbn_flow(CLI::App& dbn) {
  auto o = std::make_shared<DbnFlowOptions>();
  CLI::App* cmd = dbn.add_subcommand(
      "flow", "Free-energy flow: per-layer free energy, log Z and log-likelihood per unit");
  cmd->add_option("MODEL", o->model, "DBN file (.h5)")->required();
  cmd->add_option("DATA", o->data, "Data pushed up the stack")->required();
  cmd->add_option("--log-z", o->log_z, "Per-layer log Z: auto | exact | ais | none")
      ->check(CLI::IsMember({"auto", "exact", "ais", "none"}))
      ->capture_default_str();
  cmd->add_option("--propagate", o->propagate, "mean | sample")
      ->check(CLI::IsMember({"mean", "sample"}))
      ->capture_default_str();
  cmd->add_option("--chains", o->chains, "AIS chains")->capture_default_str();
  cmd->add_option("--betas", o->betas, "AIS temperatures (0: Salakhutdinov & Murray schedule)")
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed (AIS, sampled propagation, bound)")->capture_default_str();
  cmd->add_flag("--bound", o->bound,
                "Also the variational lower bound on log p(v) of a 2-layer DBN (Salakhutdinov & "
                "Murray 2008)");
  o->data_options.add_to(*cmd);
  cmd->add_flag("-q,--quiet", o->quiet, "No progress on stderr (--json is quiet too)");
  cmd->add_flag("--json", o->json, "Print one JSON object on stdout");
  cmd->callback([o] { run_dbn_flow(*o); });
}

struct DbnSampleOptions {
  std::string model;
  std::string output;
  std::int64_t samples = 100;
  std::int64_t gibbs_steps = 1000;
  std::uint64_t seed = 0;
  int png_scale = io::kAutoPngScale;
};

void run_dbn_sample(const DbnSampleOptions& o) {
  check_output_path(o.output, {".h5", ".hdf5", ".png"});
  check_not_input("-o", o.output, {o.model});
  check_range("--samples", o.samples, 1, 10000000);
  check_range("--gibbs-steps", o.gibbs_steps, 0, 100000000);
  const Dbn dbn = io::load_dbn(o.model);
  if (o.samples * dbn.layer(0).n_visible() > kMaxMatrixElements) {
    throw Error(fmt::format("--samples {}: too many values to hold in memory", o.samples));
  }
  Rng rng(o.seed);
  const bool png = has_extension(o.output, ".png");
  const MatrixF v = dbn.generate(static_cast<Index>(o.samples), static_cast<int>(o.gibbs_steps),
                                 rng, /*mean_visible=*/png);
  if (png) {
    const auto n = dbn.layer(0).n_visible();
    auto side = static_cast<Index>(std::llround(std::sqrt(static_cast<double>(n))));
    const bool square = side * side == n;
    const float lo = dbn.layer(0).visible_type() == UnitType::spin ? -1.0f : 0.0f;
    io::write_png_mosaic(o.output, v, square ? side : 1, square ? side : n, false, lo, 1.0f, o.png_scale);
    fmt::print("wrote {} ({} samples; seed {}, {} Gibbs steps in the top layer)\n", o.output,
               o.samples, o.seed, o.gibbs_steps);
  } else {
    std::map<std::string, std::string> attributes = provenance();
    attributes["seed"] = std::to_string(o.seed);
    attributes["gibbs_steps"] = std::to_string(o.gibbs_steps);
    attributes["model"] = o.model;
    io::save_dataset(o.output, v, attributes);
    fmt::print("wrote {} ({} samples)\n", o.output, o.samples);
  }
}

void add_dbn_sample(CLI::App& dbn) {
  auto o = std::make_shared<DbnSampleOptions>();
  CLI::App* cmd = dbn.add_subcommand("sample", "Generate: top-layer Gibbs sampling, then a pass down");
  cmd->add_option("MODEL", o->model, "DBN file (.h5)")->required();
  cmd->add_option("-o,--output", o->output, "Output .h5 (/data) or .png (mosaic of mean images)")->required();
  cmd->add_option("--samples", o->samples, "Number of samples")->capture_default_str();
  cmd->add_option("--gibbs-steps", o->gibbs_steps, "Gibbs steps in the top RBM")->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed")->capture_default_str();
  add_png_scale(*cmd, o->png_scale);
  cmd->callback([o] { run_dbn_sample(*o); });
}

}  // namespace

void add_dbn_commands(CLI::App& app) {
  CLI::App* dbn = app.add_subcommand("dbn", "Deep belief networks: greedy training, free-energy flow, sampling");
  dbn->require_subcommand(1);
  add_dbn_train(*dbn);
  add_dbn_flow(*dbn);
  add_dbn_sample(*dbn);
}

}  // namespace rgflow::cli
