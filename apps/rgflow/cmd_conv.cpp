// rgflow conv train | logz | loglik | sample | transform | bonds | majority — convolutional
// (weight-shared) RBMs on periodic lattices (docs/conv.md). The computations live in
// include/rgflow/conv/; this file reads files, checks options and prints.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli_util.hpp"
#include "commands.hpp"
#include "distributed.hpp"
#include "interrupt.hpp"
#include "progress.hpp"
#include "rgflow/conv/checkpoint.hpp"
#include "rgflow/conv/conv_rbm.hpp"
#include "rgflow/conv/file.hpp"
#include "rgflow/conv/log_partition.hpp"
#include "rgflow/conv/sample.hpp"
#include "rgflow/conv/train.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/io/dataset.hpp"
#include "rgflow/run/conv.hpp"

namespace rgflow::cli {

namespace {

// ---------------------------------------------------------------------------------------------
// conv train

struct TrainCli {
  std::string data;
  Index lattice = 0;
  std::string conv = "kernel:2,stride:1,channels:2";
  std::string visible = "spin";
  std::string hidden = "spin";
  std::string method = "pcd";
  int k = 1;
  int epochs = 20;
  Index batch_size = 100;
  double learning_rate = 0.05;
  double final_learning_rate = 0.0;
  std::string schedule = "exponential";
  int warmup_epochs = 0;
  std::string optimizer = "sgd";
  std::optional<double> momentum;  // SGD: 0.5 when not given
  double weight_decay = 0.0;
  Index chains = 100;
  double weight_std = 0.01;
  std::uint64_t seed = 0;
  std::string symmetry = "none";
  std::string init;  // continue from this model file (its shape and unit types)
  bool centering = true;   // --centering / --no-centering (the dense default for binary units)
  int replicas = 10;       // --method pt
  double pt_beta_min = 0.1;
  int checkpoint_every = 0;
  std::string checkpoint_file;
  std::string resume;
  std::string output;
  bool quiet = false;
  bool json = false;
  CLI::Option* epochs_option = nullptr;
  // Options that set the model or hyper-parameters, which a resumed run takes from its checkpoint.
  std::vector<CLI::Option*> model_options;
};

conv::ConvShape shape_for(const std::string& spec, Index lattice_option, const run::ConvData& d, const std::string& path) {
  Index L = lattice_option;
  if (L == 0) {
    if (d.lattice) {
      L = *d.lattice;
    } else {
      L = static_cast<Index>(std::lround(std::sqrt(static_cast<double>(d.rows.cols()))));
      if (L * L != d.rows.cols()) {
        throw FileError(path, fmt::format("{} values per row is not a square lattice; pass --lattice", d.rows.cols()));
      }
    }
  }
  check_range("--lattice", static_cast<std::int64_t>(L), 2, 1024);
  return with_flag("--conv", [&] { return conv::parse_conv_spec(spec, L); });
}

// The checkpoint path: --checkpoint-file, else OUTPUT with .checkpoint.h5 (when checkpointing).
std::string checkpoint_path(const TrainCli& o) {
  if (!o.checkpoint_file.empty()) return o.checkpoint_file;
  std::string base = o.output;
  for (const char* ext : {".h5", ".hdf5"}) {
    if (has_extension(base, ext)) base.resize(base.size() - std::string_view(ext).size());
  }
  return base + ".checkpoint.h5";
}

// ConvTrainOptions from the command line (a fresh run).
conv::ConvTrainOptions train_options(const TrainCli& o, UnitType vt, UnitType ht) {
  conv::ConvTrainOptions t;
  t.method = with_flag("--method", [&] { return conv::parse_conv_method(o.method); });
  if (t.method == conv::ConvMethod::pt) {
    check_range("--replicas", std::int64_t{o.replicas}, 2, 1000);
    check_range("--pt-beta-min", o.pt_beta_min, 1e-6, 0.999999);
  }
  t.replicas = o.replicas;
  t.pt_beta_min = o.pt_beta_min;
  t.centering = o.centering;
  t.k = o.k;
  t.epochs = o.epochs;
  t.batch_size = o.batch_size;
  t.learning_rate = o.learning_rate;
  t.final_learning_rate = o.final_learning_rate > 0.0 ? o.final_learning_rate : -1.0;
  t.schedule = with_flag("--lr-schedule", [&] { return train::parse_schedule(o.schedule); });
  check_range("--warmup-epochs", std::int64_t{o.warmup_epochs}, 0, 10'000'000);
  t.warmup_epochs = o.warmup_epochs;
  t.optimizer = with_flag("--optimizer", [&] { return train::parse_optimizer(o.optimizer); });
  if (o.momentum && t.optimizer == train::OptimizerKind::adam) {
    throw Error("--momentum: Adam has no momentum (its first moment decays with beta1 = 0.9)");
  }
  if (o.momentum) check_range("--momentum", *o.momentum, 0.0, 0.999999);
  t.momentum = o.momentum.value_or(0.5);
  t.weight_decay = o.weight_decay;
  t.chains = o.chains;
  t.weight_std = static_cast<float>(o.weight_std);
  t.seed = o.seed;
  if (o.symmetry != "none" && o.symmetry != "z2") throw Error(fmt::format("--symmetry {}: expected none or z2", o.symmetry));
  t.z2 = o.symmetry == "z2";
  if (t.z2 && (vt != UnitType::spin || ht != UnitType::spin)) {
    throw Error("--symmetry z2: needs spin units on both layers (--visible-type spin --hidden-type spin)");
  }
  check_range("-k", std::int64_t{o.k}, 1, 100000);
  check_range("--epochs", std::int64_t{o.epochs}, 0, 10'000'000);
  check_range("--batch-size", static_cast<std::int64_t>(o.batch_size), 1, 1 << 24);
  check_range("--learning-rate", o.learning_rate, 1e-12, 1e6);
  if (o.final_learning_rate != 0.0) check_range("--learning-rate-final", o.final_learning_rate, 1e-12, 1e6);
  check_range("--weight-decay", o.weight_decay, 0.0, 1e6);
  check_range("--chains", static_cast<std::int64_t>(o.chains), 1, 1 << 20);
  check_range("--weight-std", o.weight_std, 0.0, 100.0);
  return t;
}

// Provenance attributes of the model (and checkpoint) file, from the options actually used.
std::map<std::string, std::string> train_attributes(const TrainCli& o, const conv::ConvTrainOptions& t) {
  auto attrs = provenance();
  attrs["data"] = o.data;
  attrs["seed"] = std::to_string(t.seed);
  attrs["method"] = fmt::format("{}-{}", conv::to_string(t.method), t.k);
  attrs["epochs"] = std::to_string(t.epochs);
  attrs["batch_size"] = std::to_string(t.batch_size);
  attrs["learning_rate"] = fmt::format("{}", t.learning_rate);
  attrs["final_learning_rate"] = fmt::format("{}", t.final_learning_rate > 0.0 ? t.final_learning_rate : t.learning_rate);
  attrs["lr_schedule"] = train::to_string(t.schedule);
  attrs["warmup_epochs"] = std::to_string(t.warmup_epochs);
  attrs["optimizer"] = train::to_string(t.optimizer);
  if (t.optimizer == train::OptimizerKind::sgd) {
    attrs["momentum"] = fmt::format("{}", t.momentum);
  } else {
    attrs["adam"] = fmt::format("beta1 {}, beta2 {}, epsilon {}", t.adam_beta1, t.adam_beta2, t.adam_epsilon);
  }
  attrs["weight_decay"] = fmt::format("{}", t.weight_decay);
  attrs["weight_std"] = fmt::format("{}", t.weight_std);
  attrs["symmetry"] = t.z2 ? "z2" : "none";
  attrs["centering"] = t.centering && !t.z2 ? fmt::format("on, rate {}", t.centering_rate) : "off";
  if (!o.init.empty()) attrs["init"] = o.init;
  if (!o.resume.empty()) attrs["resumed_from"] = o.resume;
  if (t.method != conv::ConvMethod::cd) attrs["chains"] = std::to_string(t.chains);
  if (t.method == conv::ConvMethod::pt) {
    attrs["replicas"] = std::to_string(t.replicas);
    attrs["pt_beta_min"] = fmt::format("{}", t.pt_beta_min);
  }
  return attrs;
}

void run_train(const TrainCli& o) {
  check_output_path(o.output, {".h5", ".hdf5"});
  check_not_input("--output", o.output, {o.data, o.init, o.resume});
  check_range("--checkpoint-every", std::int64_t{o.checkpoint_every}, 0, 10'000'000);
  const std::string checkpoint = o.checkpoint_every > 0 ? checkpoint_path(o) : std::string();
  if (!checkpoint.empty()) {
    check_output_path(checkpoint, {".h5", ".hdf5"});
    check_not_input("--checkpoint-file", checkpoint, {o.data, o.init, o.output});
  } else if (!o.checkpoint_file.empty()) {
    throw Error("--checkpoint-file: only with --checkpoint-every N");
  }
  std::optional<conv::ConvCheckpoint> resumed;
  std::optional<conv::ConvRbm> start;
  conv::ConvTrainOptions t;
  UnitType vt = UnitType::spin, ht = UnitType::spin;
  if (!o.resume.empty()) {
    for (const CLI::Option* opt : o.model_options) {
      if (opt->count() > 0) {
        throw Error(fmt::format("{}: cannot be changed when resuming; the checkpoint {} holds the model and training "
                                "options (only --epochs may be raised)", opt->get_name(), o.resume));
      }
    }
    resumed = conv::load_checkpoint(o.resume);
    t = resumed->options;
    if (o.epochs_option->count() > 0) {
      check_range("--epochs", std::int64_t{o.epochs}, resumed->state.epochs_done, 10'000'000);
      t.epochs = o.epochs;
    }
    vt = resumed->model.visible_type();
  } else {
    vt = with_flag("--visible-type", [&] { return parse_unit_type(o.visible); });
    ht = with_flag("--hidden-type", [&] { return parse_unit_type(o.hidden); });
    if (vt == UnitType::gaussian) throw Error("--visible-type: convolutional RBMs take bernoulli or spin units");
    if (ht == UnitType::gaussian) throw Error("--hidden-type: convolutional RBMs take bernoulli or spin units");
    t = train_options(o, vt, ht);
    if (!o.init.empty()) start = conv::load_model(o.init);
    if (start) vt = start->visible_type();
  }
  const run::ConvData d = run::read_conv_data(o.data, vt);
  conv::ConvRbm model = resumed ? resumed->model
                        : start ? *start
                                : conv::ConvRbm(shape_for(o.conv, o.lattice, d, o.data), vt, ht);
  t.initialize = !start && !resumed;
  if (start && t.z2 && (model.visible_type() != UnitType::spin || model.hidden_type() != UnitType::spin)) {
    throw Error("--symmetry z2: the --init model must have spin units on both layers");
  }
  model.check_visible_data(d.rows, o.data);
  const std::uint64_t checksum = conv::data_checksum(d.rows);
  conv::ConvTrainState state;
  if (resumed) {
    if (resumed->data_rows != d.rows.rows() || resumed->data_checksum != checksum) {
      throw Error(fmt::format("--resume: {} was trained on other data ({} rows) than {} ({} rows, or the same count "
                              "with other values)", o.resume, resumed->data_rows, o.data, d.rows.rows()));
    }
    state = resumed->state;
  }
  const auto attrs = train_attributes(o, t);
  // Under mpirun: each mini-batch's (and PCD's chains') blocks of rows over the ranks, the same
  // model on every rank; rank 0 alone writes the checkpoints and the model and prints
  // (conv/train.hpp, docs/scaling.md).
  t.communicator = &world();
  const bool rank0 = is_rank0();
  conv::ConvEpochReport last;
  {
    const InterruptScope interrupts;
    Progress progress(o.quiet || !rank0, state.epochs_done + 1, t.epochs);
    with_flag("--resume", [&] {
      conv::train(model, d.rows, t, state,
                  [&](const conv::ConvEpochReport& r, const conv::ConvRbm& m, const conv::ConvTrainState& s) {
                    last = r;
                    std::string swaps;
                    if (!r.swap_acceptance.empty()) {
                      swaps = fmt::format(", PT swap acceptance {:.3f}", fmt::join(r.swap_acceptance, " "));
                    }
                    progress.epoch_done(r.epoch, fmt::format("learning rate {:.4g}, reconstruction error {:.5f}{}",
                                                             r.learning_rate, r.reconstruction_error, swaps));
                    if (rank0 && !checkpoint.empty() &&
                        (r.epoch % o.checkpoint_every == 0 || r.epoch == t.epochs)) {
                      conv::save_checkpoint(checkpoint, {m, t, s, d.rows.rows(), checksum}, attrs);
                    }
                  },
                  stop_poll());
    });
  }
  if (!rank0) return;  // every rank holds the same model; one writes it
  conv::save_model(o.output, model, attrs);
  const std::string method = fmt::format("{}", conv::to_string(t.method));
  const std::string optimizer = train::to_string(t.optimizer);
  const double final_rate = t.final_learning_rate > 0.0 ? t.final_learning_rate : t.learning_rate;
  if (o.json) {
    print_json({{"data", o.data}, {"rows", d.rows.rows()}, {"lattice", model.shape().lattice},
                {"conv", conv::to_string(model.shape())}, {"visible_type", to_string(model.visible_type())},
                {"hidden_type", to_string(model.hidden_type())}, {"init", o.init}, {"resume", o.resume},
                {"n_hidden", model.n_hidden()}, {"parameters", model.kernels().size() + model.hidden_bias().size() + 1},
                {"method", method}, {"k", t.k}, {"epochs", t.epochs}, {"seed", t.seed},
                {"symmetry", t.z2 ? "z2" : "none"}, {"centering", t.centering && !t.z2},
                {"replicas", t.method == conv::ConvMethod::pt ? t.replicas : 1},
                {"optimizer", optimizer}, {"learning_rate", t.learning_rate},
                {"learning_rate_final", final_rate},
                {"lr_schedule", train::to_string(t.schedule)}, {"warmup_epochs", t.warmup_epochs},
                {"final_epoch_learning_rate", last.learning_rate},
                {"reconstruction_error", last.reconstruction_error}, {"pt_swap_acceptance", last.swap_acceptance},
                {"checkpoint", checkpoint}, {"output", o.output}});
    return;
  }
  fmt::print("trained a convolutional RBM {} on {}x{} ({} hidden units, {} parameters), {}-{} with {} for {} epochs\n",
             conv::to_string(model.shape()), model.shape().lattice, model.shape().lattice, model.n_hidden(),
             model.kernels().size() + model.hidden_bias().size() + 1, method, t.k, optimizer, t.epochs);
  if (!checkpoint.empty()) fmt::print("checkpoint {}\n", checkpoint);
  fmt::print("wrote {}\n", o.output);
}

// ---------------------------------------------------------------------------------------------
// conv logz / loglik: one estimator choice for both

struct LogZCli {
  std::string model;
  std::string data;
  std::string method = "auto";
  int chains = 100;
  int betas = 0;  // 0: the default 14,501-temperature schedule
  std::uint64_t seed = 0;
  int threads = 0;
  bool json = false;
  void add_to(CLI::App& cmd) {
    cmd.add_option("--method", method, "auto | exact | ais | reverse-ais (auto: exact when the smaller layer has <= 20 units)")
        ->capture_default_str();
    cmd.add_option("--chains", chains, "AIS chains")->capture_default_str();
    cmd.add_option("--betas", betas, "AIS temperatures, equally spaced (0: the default 14,501-step schedule)")
        ->capture_default_str();
    cmd.add_option("--seed", seed, "AIS seed")->capture_default_str();
    cmd.add_option("--threads", threads, "Threads (0: all; the result does not depend on it)");
    cmd.add_flag("--json", json, "Print one JSON object");
  }
};

run::ConvLogZRequest log_z_request(const LogZCli& o) {
  run::ConvLogZRequest request;
  request.method = with_flag("--method", [&] { return run::parse_conv_log_z_method(o.method); });
  check_range("--chains", std::int64_t{o.chains}, 2, 1 << 20);
  check_range("--betas", std::int64_t{o.betas}, 0, 10'000'000);
  if (o.betas == 1) throw Error("--betas 1: an AIS schedule needs at least 2 temperatures (or 0 for the default)");
  request.chains = o.chains;
  request.betas = o.betas;
  request.seed = o.seed;
  request.threads = o.threads;
  request.stop = stop_poll();
  return request;
}

void run_logz(const LogZCli& o) {
  const conv::ConvRbm m = conv::load_model(o.model);
  const run::ConvLogZRequest request = log_z_request(o);
  if (request.method == run::ConvLogZMethod::reverse_ais && o.data.empty()) {
    throw Error("--method reverse-ais needs data (--data)");
  }
  std::optional<run::ConvData> d;
  if (!o.data.empty()) {
    d = run::read_conv_data(o.data, m.visible_type());
    m.check_visible_data(d->rows, o.data);
  }
  const InterruptScope interrupts;
  const run::ConvLogZRun z =
      with_flag("--method", [&] { return run::conv_log_z(m, request, d ? &d->rows : nullptr); });
  if (o.json) {
    nlohmann::json j = z;
    j.update({{"model", o.model}, {"conv", conv::to_string(m.shape())}, {"lattice", m.shape().lattice}});
    print_json(j);
    return;
  }
  fmt::print("{}: log Z = {:.6f} +- {:.6f} ({}), {:.6f} per site\n", o.model, z.log_z.mean, z.log_z.error,
             run::to_string(z.method), z.log_z.mean / static_cast<double>(m.n_visible()));
}

void run_loglik(const LogZCli& o) {
  const conv::ConvRbm m = conv::load_model(o.model);
  const run::ConvLogZRequest request = log_z_request(o);
  const run::ConvData d = run::read_conv_data(o.data, m.visible_type());
  m.check_visible_data(d.rows, o.data);
  const InterruptScope interrupts;
  const run::ConvLogLikelihoodRun r = with_flag("--method", [&] { return run::conv_log_likelihood(m, d, request); });
  if (o.json) {
    nlohmann::json j = r;
    j.update({{"model", o.model}, {"data", o.data}});
    print_json(j);
    return;
  }
  std::string ising_line;
  if (r.coupling) {
    ising_line = fmt::format("\nIsing data at K = {:.6f}: exact log-likelihood {:.6f} per spin (-s = {:.6f}); "
                             "KL(Ising || model) = {:.6f} +- {:.6f} nats per spin",
                             *r.coupling, r.ising_log_likelihood_per_spin.mean, r.minus_entropy_per_spin.mean,
                             r.kl_per_spin.mean, r.kl_per_spin.error);
  }
  fmt::print("{} on {}: log-likelihood {:.6f} +- {:.6f} nats per spin (log Z {:.4f} +- {:.4f}, {}){}\n", o.model,
             o.data, r.log_likelihood_per_spin.mean, r.log_likelihood_per_spin.error, r.log_z.log_z.mean,
             r.log_z.log_z.error, run::to_string(r.log_z.method), ising_line);
}

// ---------------------------------------------------------------------------------------------
// conv sample

struct SampleCli {
  std::string model;
  Index samples = 1000;
  int sweeps = 1000;
  std::uint64_t seed = 0;
  std::string output;
  bool quiet = false;
  bool json = false;
};

void run_sample(const SampleCli& o) {
  check_output_path(o.output, {".h5", ".hdf5"});
  check_not_input("--output", o.output, {o.model});
  check_range("-n", static_cast<std::int64_t>(o.samples), 1, std::int64_t{1} << 24);
  check_range("--sweeps", std::int64_t{o.sweeps}, 0, 100'000'000);
  const conv::ConvRbm m = conv::load_model(o.model);
  conv::ConvSampleOptions options;
  options.samples = o.samples;
  options.sweeps = o.sweeps;
  options.seed = o.seed;
  with_flag("-n", [&] { options.check(m); });
  run::ConvSampleRun r;
  {
    const InterruptScope interrupts;
    Progress progress(o.quiet, 1, 1);
    options.stop = stop_poll();
    options.on_sweep = [&](int t) { progress.batch(1, t, o.sweeps); };
    r = run::conv_sample(m, options);
  }
  auto attrs = provenance();
  attrs["model"] = o.model;
  run::save_conv_samples(o.output, m, r, attrs);
  if (o.json) {
    nlohmann::json j = r;
    j.update({{"model", o.model}, {"conv", conv::to_string(m.shape())}, {"lattice", m.shape().lattice},
              {"visible_type", to_string(m.visible_type())}, {"output", o.output}});
    print_json(j);
    return;
  }
  fmt::print("wrote {} ({} samples of the {}x{} lattice after {} Gibbs sweeps, seed {}); site mean {:.5f} +- {:.5f}, "
             "|site mean| {:.5f} +- {:.5f}\n", o.output, o.samples, m.shape().lattice, m.shape().lattice, o.sweeps,
             o.seed, r.site_mean.mean, r.site_mean.error, r.abs_site_mean.mean, r.abs_site_mean.error);
}

// ---------------------------------------------------------------------------------------------
// conv bonds

struct BondsCli {
  Index lattice = 0;
  double coupling = 0.0;
  std::string output;
  bool json = false;
};

void run_bonds(const BondsCli& o) {
  check_range("--lattice", static_cast<std::int64_t>(o.lattice), 3, 1024);
  check_range("--coupling", o.coupling, 1e-9, 300.0);
  check_output_path(o.output, {".h5", ".hdf5"});
  const conv::ConvRbm m = conv::ising_bond_model(o.lattice, o.coupling);
  const double w = m.kernels()(0, 0);
  const double k_model = conv::bond_coupling(w);
  auto attrs = provenance();
  attrs["ising_coupling"] = fmt::format("{}", k_model);
  attrs["bond_weight"] = fmt::format("{}", w);
  conv::save_model(o.output, m, attrs);
  const double shift = conv::ising_bond_log_z_shift(o.lattice, k_model);
  if (o.json) {
    print_json({{"lattice", o.lattice}, {"coupling", k_model}, {"bond_weight", w}, {"log_z_shift", shift},
                {"output", o.output}});
    return;
  }
  fmt::print("exact bond representation of the {}x{} Ising model at K = {:.9f}: w = {:.9f}, "
             "log Z_RBM = log Z_Ising + {:.9f}\nwrote {}\n", o.lattice, o.lattice, k_model, w, shift, o.output);
}

// ---------------------------------------------------------------------------------------------
// conv majority

struct MajorityCli {
  Index lattice = 0;
  Index block = 2;
  double weight = 10.0;
  std::string output;
  bool json = false;
};

void run_majority(const MajorityCli& o) {
  check_range("--lattice", static_cast<std::int64_t>(o.lattice), 2, 1024);
  check_range("--block", static_cast<std::int64_t>(o.block), 1, 1024);
  check_range("--weight", o.weight, 1e-9, 1e6);
  if (o.lattice % o.block != 0)
    throw Error(fmt::format("--block {}: must divide --lattice {}", o.block, o.lattice));
  check_output_path(o.output, {".h5", ".hdf5"});
  const conv::ConvRbm m = conv::majority_rule_model(o.lattice, o.block, o.weight);
  auto attrs = provenance();
  attrs["majority_rule_weight"] = fmt::format("{}", o.weight);
  conv::save_model(o.output, m, attrs);
  // The largest probability of a minority coarse spin: block sum |m| = 1 (odd b) or 2 (even b).
  const double min_sum = o.block % 2 == 1 ? 1.0 : 2.0;
  const double minority = 1.0 / (1.0 + std::exp(2.0 * static_cast<double>(m.kernels()(0, 0)) * min_sum));
  if (o.json) {
    print_json({{"lattice", o.lattice}, {"block", o.block}, {"weight", m.kernels()(0, 0)},
                {"max_minority_probability", minority}, {"output", o.output}});
    return;
  }
  fmt::print("majority-rule RBM: kernel = stride = {}, one channel, weights {}, biases 0 "
             "(largest probability of a minority coarse spin {:.3g})\nwrote {}\n",
             o.block, m.kernels()(0, 0), minority, o.output);
}

}  // namespace

// `conv transform` (cmd_conv_transform.cpp).
void add_conv_transform_command(CLI::App& conv);

void add_conv_commands(CLI::App& app) {
  CLI::App* c = app.add_subcommand("conv", "Convolutional (weight-shared) RBMs on periodic lattices");
  c->require_subcommand(1);
  {
    auto o = std::make_shared<TrainCli>();
    CLI::App* cmd = c->add_subcommand("train", "Train a convolutional RBM by CD-k, PCD-k or parallel tempering with SGD + "
                                                "momentum or Adam");
    std::vector<CLI::Option*>& m = o->model_options;
    cmd->add_option("DATA", o->data, "Lattice configurations (rgflow ising sample .h5, or rows of L*L values)")->required();
    m.push_back(cmd->add_option("--lattice", o->lattice, "Lattice side L (default: from the data)"));
    m.push_back(cmd->add_option("--conv", o->conv, "kernel:K,stride:S,channels:C")->capture_default_str());
    m.push_back(cmd->add_option("--visible-type", o->visible, "spin | bernoulli")->capture_default_str());
    m.push_back(cmd->add_option("--hidden-type", o->hidden, "spin | bernoulli")->capture_default_str());
    m.push_back(cmd->add_option("--method", o->method, "cd | pcd | pt")->capture_default_str());
    m.push_back(cmd->add_option("-k", o->k, "Gibbs sweeps (PT: tempering steps) per update")->capture_default_str());
    o->epochs_option = cmd->add_option("--epochs", o->epochs, "Epochs (with --resume: the new total)")->capture_default_str();
    m.push_back(cmd->add_option("--batch-size", o->batch_size, "Mini-batch size")->capture_default_str());
    m.push_back(cmd->add_option("--learning-rate", o->learning_rate, "Learning rate (of the per-site log-likelihood)")
        ->capture_default_str());
    m.push_back(cmd->add_option("--learning-rate-final", o->final_learning_rate,
                    "Move the learning rate over the epochs to this value by --lr-schedule (0: constant)"));
    m.push_back(cmd->add_option("--lr-schedule", o->schedule, "With --learning-rate-final: exponential, linear or cosine")
        ->check(CLI::IsMember({"linear", "exponential", "cosine"}))
        ->capture_default_str());
    m.push_back(cmd->add_option("--warmup-epochs", o->warmup_epochs,
                    "Scale the learning rate of epoch e <= W by e / (W + 1) (linear warm-up)")
        ->capture_default_str());
    m.push_back(cmd->add_option("--optimizer", o->optimizer, "sgd (with --momentum) or adam (Kingma & Ba 2015; beta1 0.9, beta2 0.999)")
        ->check(CLI::IsMember({"sgd", "adam"}))
        ->capture_default_str());
    m.push_back(cmd->add_option("--momentum", o->momentum, "SGD momentum in [0, 1) (default 0.5)"));
    m.push_back(cmd->add_option("--weight-decay", o->weight_decay, "L2 weight decay on the kernels")->capture_default_str());
    m.push_back(cmd->add_option("--chains", o->chains, "PCD persistent chains (PT: chains per temperature)")
                    ->capture_default_str());
    m.push_back(cmd->add_option("--replicas", o->replicas, "PT: temperatures on the geometric ladder")->capture_default_str());
    m.push_back(cmd->add_option("--pt-beta-min", o->pt_beta_min, "PT: lowest inverse temperature, in (0, 1)")
                    ->capture_default_str());
    m.push_back(cmd->add_flag("--centering,!--no-centering", o->centering,
                              "Centred gradients (Melchior et al. 2016; default on; the identity with --symmetry z2)"));
    m.push_back(cmd->add_option("--weight-std", o->weight_std, "Initial kernel weights ~ N(0, std^2)")->capture_default_str());
    m.push_back(cmd->add_option("--seed", o->seed, "Seed")->capture_default_str());
    m.push_back(cmd->add_option("--symmetry", o->symmetry, "none | z2 (spin units: biases held at 0, p(v) = p(-v) exactly)")
        ->capture_default_str());
    m.push_back(cmd->add_option("--init", o->init, "Continue training this model file (its shape and unit types; --conv, "
                                       "--lattice and the unit types are then ignored)"));
    cmd->add_option("--checkpoint-every", o->checkpoint_every,
                    "Write a checkpoint (model + optimiser state) every N epochs and after the last (0: never)")
        ->capture_default_str();
    cmd->add_option("--checkpoint-file", o->checkpoint_file, "Checkpoint path (default: OUTPUT with .checkpoint.h5)");
    cmd->add_option("--resume", o->resume, "Continue from a checkpoint (its model, options and seed; the same DATA)");
    cmd->add_option("-o,--output", o->output, "Model file (.h5)")->required();
    cmd->add_flag("--quiet,-q", o->quiet, "No progress on stderr");
    cmd->add_flag("--json", o->json, "Print one JSON object");
    cmd->callback([o] { run_train(*o); });
  }
  {
    auto o = std::make_shared<LogZCli>();
    CLI::App* cmd = c->add_subcommand("logz", "log Z of a convolutional RBM (exact, AIS or reverse AIS)");
    cmd->add_option("MODEL", o->model, "Convolutional RBM file (.h5)")->required();
    cmd->add_option("--data", o->data, "Data: fits the AIS base model; starts reverse AIS");
    o->add_to(*cmd);
    cmd->callback([o] { run_logz(*o); });
  }
  {
    auto o = std::make_shared<LogZCli>();
    CLI::App* cmd = c->add_subcommand("loglik", "Mean log-likelihood per spin of data (and KL to the exact Ising "
                                                "model when the data record a temperature)");
    cmd->add_option("MODEL", o->model, "Convolutional RBM file (.h5)")->required();
    cmd->add_option("DATA", o->data, "Lattice configurations")->required();
    o->add_to(*cmd);
    cmd->callback([o] { run_loglik(*o); });
  }
  {
    auto o = std::make_shared<SampleCli>();
    CLI::App* cmd = c->add_subcommand("sample", "Draw samples by independent block-Gibbs chains from random starts");
    cmd->add_option("MODEL", o->model, "Convolutional RBM file (.h5)")->required();
    cmd->add_option("-n,--samples", o->samples, "Number of independent chains (one sample each)")->capture_default_str();
    cmd->add_option("--sweeps", o->sweeps, "Gibbs sweeps (v -> h -> v) per chain")->capture_default_str();
    cmd->add_option("--seed", o->seed, "Seed (the samples do not depend on the thread count)")->capture_default_str();
    cmd->add_option("-o,--output", o->output, "OUT.h5: /spins int8 [N, L, L] (spin units) or /data [N, L*L] "
                                              "with attribute lattice_size (bernoulli units)")
        ->required();
    cmd->add_flag("--quiet,-q", o->quiet, "No progress on stderr");
    cmd->add_flag("--json", o->json, "Print one JSON object");
    cmd->callback([o] { run_sample(*o); });
  }
  add_conv_transform_command(*c);
  {
    auto o = std::make_shared<BondsCli>();
    CLI::App* cmd = c->add_subcommand("bonds", "Write the exact bond representation of the periodic 2D Ising model");
    cmd->add_option("--lattice", o->lattice, "Lattice side L >= 3")->required();
    cmd->add_option("--coupling", o->coupling, "Ising coupling K = J/T > 0")->required();
    cmd->add_option("-o,--output", o->output, "Model file (.h5)")->required();
    cmd->add_flag("--json", o->json, "Print one JSON object");
    cmd->callback([o] { run_bonds(*o); });
  }
  {
    auto o = std::make_shared<MajorityCli>();
    CLI::App* cmd = c->add_subcommand(
        "majority", "Write the hand-built majority-rule RBM (kernel = stride = b, equal large weights): "
                    "a blocking rule that is majority rule with random tie-breaking (positive control)");
    cmd->add_option("--lattice", o->lattice, "Lattice side L (the rule applies at any L that b divides)")
        ->required();
    cmd->add_option("--block,-b", o->block, "Block side b = kernel = stride")->capture_default_str();
    cmd->add_option("--weight", o->weight, "Kernel weight w: p(minority) = 1/(1 + e^(2 w |m|))")
        ->capture_default_str();
    cmd->add_option("-o,--output", o->output, "Model file (.h5)")->required();
    cmd->add_flag("--json", o->json, "Print one JSON object");
    cmd->callback([o] { run_majority(*o); });
  }
}

}  // namespace rgflow::cli
