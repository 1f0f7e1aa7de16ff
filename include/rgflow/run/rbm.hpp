#pragma once
// The service layer for single RBMs: the work of `rgflow rbm train|logz|loglik|sample` and of the
// Python package's equivalents, as typed requests and results. The CLI parses options into a
// request, calls one function here and prints the result's JSON; the Python binding converts
// arrays, calls the same function and returns the same result. Neither chooses estimators, runs
// samplers, computes statistics or loops over epochs (docs/architecture.md).
//
// Everything a run writes into its output file (seed, every parameter, the data's provenance) is
// in the result's `attributes`; the caller adds its own (rgflow version, command line).
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "rgflow/core/cancel.hpp"
#include "rgflow/comm/communicator.hpp"
#include "rgflow/core/types.hpp"
#include "rgflow/estimate/log_partition.hpp"
#include "rgflow/io/standardize.hpp"
#include "rgflow/rbm/rbm.hpp"
#include "rgflow/run/fit.hpp"
#include "rgflow/sample/chains.hpp"
#include "rgflow/stats/result.hpp"
#include "rgflow/train/config.hpp"
#include "rgflow/train/trainer.hpp"

namespace rgflow::run {

using Attributes = std::map<std::string, std::string>;

// A model with the standardisation it was trained under (Gaussian units, --standardize).
struct Model {
  Rbm rbm;
  std::optional<io::Standardization> standardization;
  std::string source;  // a file name, for messages; may be empty
};
// Loads an RBM model file (io/model.hpp) and its standardisation.
Model load_model(const std::string& path);

// ---------------------------------------------------------------------------------------------
// log Z and log-likelihoods

struct LogZRun {
  estimate::LogZEstimate estimate;
  double seconds = 0.0;
};
// log Z of model.rbm by options.method. `data` (may be null; states of the visible units) is
// mapped with the model's standardisation first, then fits AIS's base-rate model, starts reverse
// AIS and seeds TAP (estimate/log_partition.hpp). Errors about the model name model.source.
LogZRun log_partition(const Model& model, const estimate::LogZOptions& options,
                      const MatrixF* data = nullptr);

struct LikelihoodRun {
  // Mean of log p(v) = −F(v) − log Z over the rows; error: the spread over rows and the error of
  // log Z in quadrature. Standardised models: + log |∂x'/∂x|, the density of the data as given.
  stats::Result log_likelihood;
  LogZRun log_z;
  Index samples = 0;
  bool density = false;                 // Gaussian visible units: log of a density
  std::optional<double> log_jacobian;   // standardised models
};
LikelihoodRun log_likelihood(const Model& model, const MatrixF& data,
                             const estimate::LogZOptions& options);

// {"log_z": {mean, error}, "method", "units", "details"?, "time"} (the `rbm logz --json` keys
// apart from the model and data names, which the caller adds).
void to_json(nlohmann::json& j, const LogZRun& r);
// {"log_likelihood", "log_z", "method", "units", "samples", "details"?, "standardization"?, "time"}.
void to_json(nlohmann::json& j, const LikelihoodRun& r);

// ---------------------------------------------------------------------------------------------
// Sampling

struct SampleRun {
  sample::ChainResult chains;  // visible states in the data's units (standardisation inverted)
  Attributes attributes;       // seed, every option, algorithm, initial state
  double seconds = 0.0;
};
SampleRun sample(const Model& model, const sample::ChainOptions& options);
// {"samples", "gibbs_steps", "seed", "method", "replicas"?, "pt_betas"?, "pt_swap_acceptance"?,
//  "time"}
void to_json(nlohmann::json& j, const SampleRun& r);
// Writes the samples: PATH.png as a mosaic (tiles of √n_visible squared when n_visible is a square;
// binary units on their state range, real values on the samples' own range), otherwise an HDF5
// dataset (/spins [N, L, L] for spin units on an L x L lattice, /data [N, D] else) with the run's
// attributes and `extra` (the caller's provenance). Atomic. `png_scale`: the PNG's pixel
// magnification (io::png_scale; 0 automatic).
void save_samples(const std::string& path, const Model& model, const SampleRun& run,
                  const Attributes& extra, int png_scale = 1);

// ---------------------------------------------------------------------------------------------
// Training

// The model a training run starts from (ignored when resuming: the checkpoint holds it).
struct ModelSpec {
  Index hidden = 0;                        // >= 1 (0 with a mask: as many as the mask makes)
  UnitType visible = UnitType::bernoulli;
  UnitType hidden_type = UnitType::bernoulli;
  // Gaussian visible units (docs/gaussian.md): initial (or fixed) σ, whether it is learned, and
  // per-column standardisation of the data with the training rows' statistics.
  double sigma = 1.0;
  bool learn_sigma = false;
  bool standardize = false;
  double standardize_floor = 0.1;
  // Locally connected RBM (docs/vrg-tools.md): "block:B[,halo:H][,units:U]" on an L x L lattice
  // (or a ring of L sites when the data have L columns); empty: dense.
  std::string mask;
  int lattice = 0;
};

// The untrained model of a spec for data with n_visible columns: shape, unit types, σ and the
// locally connected mask. Throws Error naming the quantity (FileError naming `source` when the
// lattice does not fit the data).
Rbm build_model(const ModelSpec& spec, Index n_visible, const std::string& source);

// Splits off a random `fraction` in (0, 1) of the rows of `data` as `validation` (a permutation
// from Rng(seed, "SPLIT")); both keep the file's row order. FileError naming `source` when a side
// would be empty. The split of TrainRequest::validation_fraction (and of the Python classes).
void split_validation(MatrixF& data, double fraction, std::uint64_t seed, MatrixF& validation,
                      const std::string& source);

// Defaults that depend on the data (docs/training.md, "Default options").
// The visible unit type binary data imply: spin when every value is −1 or +1 (and one is −1),
// bernoulli when every value is 0 or 1. FileError naming `source` otherwise (real-valued data
// need Gaussian units or a binarisation, which the caller must choose).
UnitType infer_visible_type(const MatrixF& data, const std::string& source);
// The hidden type that goes with a visible type: spin for spin, else bernoulli.
UnitType default_hidden_type(UnitType visible);
// Whether spin data (±1) are consistent with p(v) = p(−v), the test behind the automatic Z2
// symmetry: with N rows, row magnetisations m_r = mean_i v_ri of mean m̄ and standard deviation
// s_m, and per-site means μ_i of standard deviation s_i,
//   |m̄| ≤ 5 s_m / √N   and   |μ_i| ≤ 5 s_i / √N for every site i
// (a 5σ test on independent rows; correlated rows make it stricter, never looser, so such data
// fall back to no symmetry). False for fewer than 2 rows.
bool z2_consistent(const MatrixF& data);

struct TrainRequest {
  MatrixF data;                 // training rows (states of the visible units, unstandardised)
  std::string data_source;      // their name in messages and attributes
  // Validation rows: a fraction of `data` held out by a seeded permutation (stream "SPLIT"), or
  // separate rows; neither: none.
  std::optional<double> validation_fraction;
  MatrixF validation;
  std::string validation_source;
  ModelSpec model;
  train::TrainConfig config;
  // The symmetry from the data instead of config.symmetry: z2 when both layers are spin units,
  // no sparsity target is set and the training rows pass z2_consistent; none otherwise.
  bool auto_symmetry = false;
  // Resume from a checkpoint: its model, configuration and sampler state are used; only
  // config.epochs (the new total) is taken from this request when resume_epochs is set.
  std::optional<train::Checkpoint> resume;
  std::string resume_source;
  std::optional<int> resume_epochs;
  int checkpoint_every = 0;     // write `checkpoint_path` every N epochs (0: never)
  std::string checkpoint_path;
  Attributes data_attributes;   // how the caller prepared the data (binarize, …), recorded
  // The training file's own attributes (e.g. an Ising sample's coupling, temperature and L): the
  // quality gate takes the exact −s per spin from them (fit.hpp).
  Attributes data_file_attributes;
  bool assess_fit = true;       // run the quality gate (fit.hpp) after the last epoch
  // Data-parallel training (docs/scaling.md): every rank of `communicator` calls train_rbm with
  // the same request; the mini-batches' row shards (config.shards) and the quality gate's AIS
  // chains are spread over the ranks, every rank returns the same run, bit for bit, and only
  // rank 0 writes checkpoints. Null: this process alone.
  const Communicator* communicator = nullptr;
};

struct TrainCallbacks {
  std::function<void(int epoch, Index batches_done, Index batches_total)> on_batch;
  std::function<void(const train::EpochStats&)> on_epoch;
  // A line from the divergence guard (train/trainer.hpp), as it happens.
  std::function<void(const std::string&)> on_notice;
  // Called once before the first epoch with a one-line description of the run.
  std::function<void(const std::string&)> on_start;
  // Polled between mini-batches; true stops the run with Cancelled (core/cancel.hpp).
  StopPoll stop;
};

struct TrainRun {
  Rbm rbm;
  std::optional<io::Standardization> standardization;
  train::TrainConfig config;
  int epochs_done = 0;
  std::vector<train::EpochStats> epochs;  // this run's epochs
  // Automatic stopping (config.auto_epochs): the rule's state at the end; `rbm` then holds the
  // best epoch's parameters (train/convergence.hpp).
  std::optional<train::ConvergenceState> convergence;
  Index training_rows = 0;
  Index validation_rows = 0;
  Attributes attributes;                  // every parameter, for the model file
  // The quality gate (fit.hpp): binary units and rows of states only.
  std::optional<FitReport> fit;
  double seconds = 0.0;
  // On more than one rank: what this rank's collectives moved during the epochs (every update's
  // shard gradients and chains) and in the whole run (the quality gate's AIS included).
  struct Communication {
    int ranks = 1;
    std::int64_t updates = 0;
    CommTraffic training;
    CommTraffic total;
  };
  std::optional<Communication> communication;
};

// Checks the request (Error naming the quantity), builds the model (mask, σ, standardisation) or
// restores the checkpoint, splits off validation rows, runs the epochs with the callbacks and the
// checkpoint schedule, then the quality gate on the validation rows (training rows without).
// A run the divergence guard stops throws train::TrainingDiverged after writing the last good
// state to checkpoint_path (when set). Cancelled (with no file written except completed checkpoints) when
// callbacks.stop answers true.
TrainRun train_rbm(const TrainRequest& request, const TrainCallbacks& callbacks = {});

// {"n_visible", "n_hidden", "visible_type", "hidden_type", "training_rows", "validation_rows",
//  "config", "epochs_done", "epochs", "final", "fit", "stop", "time"} (the caller adds "model";
// "fit" is null when the gate did not run; "stop" is null without automatic stopping, else
// {"patience", "max_epochs", "score", "best_epoch", "stop_reason", "epochs_since_best",
//  "best_score", "history"} (train/convergence.hpp)).
void to_json(nlohmann::json& j, const TrainRun& r);

// The one-line summary of an epoch's monitors, as the CLI's progress prints it.
std::string epoch_summary(const train::EpochStats& s);

}  // namespace rgflow::run
