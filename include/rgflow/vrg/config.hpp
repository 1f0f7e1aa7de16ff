#pragma once
// Configuration of the variational-RG experiment (`rgflow vrg run`, `rgflow demo`): every knob of
// the pipeline, its defaults (Mehta & Schwab 2014: 40×40 Ising at K = 0.408, 20,000 samples,
// a 1600-400-100-25 DBN) and a reader for a small TOML subset (docs/vrg.md "Config file"):
//
//   # comment                      blank lines and comments are ignored
//   seed = 7                        top-level keys, then [data], [model], [measure], [rsmi] sections
//   [data]
//   size = 40                       integers, floats (1e-4, 2.451), "strings", true/false,
//   controls = ["paramagnet"]       and one-line arrays of those
//
// Unknown sections or keys, wrongly typed values and duplicate keys are errors naming the file
// and line. A key left out keeps its default; the parsed config is validate()d.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "rgflow/core/types.hpp"

namespace rgflow::vrg {

// Names of the datasets: the critical data and its controls.
inline constexpr const char* kCritical = "critical";
inline constexpr const char* kParamagnet = "paramagnet";  // Ising at T = paramagnet_temperature
inline constexpr const char* kOrdered = "ordered";        // Ising at T = ordered_temperature
inline constexpr const char* kPermuted = "permuted";      // critical data, sites permuted
inline constexpr const char* kTextures = "textures";      // thresholded Gaussian random fields

struct DataConfig {
  int size = 40;                          // L of the L×L periodic lattice (even)
  double temperature = 1.0 / 0.408;       // Mehta & Schwab's K = 0.408 (T ≈ 2.451)
  std::int64_t samples = 20000;           // configurations per dataset
  std::string algorithm = "wolff";        // Ising sampler (ising::parse_algorithm)
  int chains = 4;                         // independent Markov chains
  int thermalize = 1000;                  // sweeps per chain before measuring
  std::int64_t pilot_samples = 2000;      // pilot run that measures τ_int
  double decorrelation = 2.0;             // sweeps between samples = ceil(decorrelation · τ_int)
  double paramagnet_temperature = 5.0;
  double ordered_temperature = 1.5;
  double texture_correlation_length = 2.0;  // σ of the Gaussian smoothing kernel, in sites
  std::vector<std::string> controls = {kParamagnet, kOrdered, kPermuted, kTextures};
};

struct ModelConfig {
  // Level sizes, visible first; empty: L², (L/2)², … while the side L/2^k is at least 4
  // (Mehta & Schwab's 1600-400-100-25 for L = 40).
  std::vector<Index> layers;
  // Training: the defaults of `rbm train` and `dbn train` (train::default_config(UnitType::spin),
  // chosen by the sweep in docs/results.md "Default training options"): PCD-1, 100 epochs,
  // batch 100, ε 0.05 decaying by a cosine to ε/100, momentum 0.5, centred gradients. Every layer
  // trains with them, Z2-symmetric: every dataset of the pipeline is drawn from a distribution
  // symmetric under s → −s (the zero-field Ising model, a site permutation of it, thresholded
  // centred Gaussian fields). "auto" (as `rbm train`) tests the rows instead, and rejects ordered
  // data whose chains rarely change sector (the rows are then not independent draws).
  std::string method = "pcd";
  int steps = 1;
  int epochs = 100;
  Index batch_size = 100;
  float learning_rate = 0.05f;
  std::optional<float> learning_rate_final;  // none ("auto"): learning_rate / 100
  std::string schedule = "cosine";        // linear | exponential | cosine | constant
  float momentum = 0.5f;
  bool centering = true;
  std::string symmetry = "z2";            // z2 | none | auto (z2 when the rows pass run::z2_consistent)
  float l1 = 0.0f;                        // L1 weight cost (Mehta & Schwab used 2e-4)
  // The quality gate (run/fit.hpp): the last `held_out` fraction of each dataset's rows is kept
  // out of training and scores every layer against its independent-unit baseline; a layer below
  // its baseline "does not model its data" and is left out of every finding (report.hpp).
  double held_out = 0.1;
  std::string propagate = "sample";       // how layer k's hidden spins feed layer k+1
  bool local = true;                      // also train the locally connected ("Kadanoff") DBN
  int block = 2;                          // b: block side of the local model and block spins
};

struct MeasureConfig {
  Index rows = 2000;                      // data rows used by the measurements
  int ais_chains = 100;
  int ais_betas = 0;                      // 0: Salakhutdinov & Murray's 14,501-step schedule
  Index max_exact_units = 20;             // enumerate log Z when the smaller layer is this small
  int histogram_bins = 21;                // magnetisation histogram over [−1, 1]
  int reconstructions = 6;                // configurations shown up-and-down the DBN
  int permutations = 100;                 // permutation-null draws (receptive-field locality)
};

// The third column (issue #18): a real-space-mutual-information coarse-graining (rg/rsmi.hpp)
// learned on each dataset, level by level, next to majority-rule block spins and the DBN
// (docs/vrg.md "The RSMI column"). One coarse spin per block of model.block² sites; the filter of
// level k is learned on the level-k configurations (the data at k = 0, the RSMI coarse-graining of
// level k − 1 above), with a buffer and an environment around each block; a level whose lattice is
// smaller than block + 2·buffer + 2·environment is recorded as skipped, and the column stops there.
struct RsmiConfig {
  bool enabled = true;
  // "learned" (rg::learn_rsmi), or "uniform": the fixed filter (1, …, 1) at every level — majority
  // rule with its tie coin, which reproduces the block-spin column bit for bit (a positive control).
  std::string filter = "learned";
  int buffer = 2;                         // w
  int environment = 2;                    // e
  int epochs = 60;                        // filter-learning epochs per level (rg rsmi's default)
  int critic_epochs = 30;                 // epochs of the critic that measures I(H:E)
  // K of the InfoNCE bound; 0 = auto: min(256, half the held-out fifth of data.samples, the
  // training rows), so that small datasets work without a setting (effective_batch_size).
  Index batch_size = 0;
  double beta = 1.0;                      // relaxation inverse temperature (docs/rsmi.md)
  double learning_rate = 0.01;            // Adam step of the filter
  // The batch size learn_rsmi uses for `samples` configurations per dataset (auto resolved).
  Index effective_batch_size(std::int64_t samples) const;
};

struct Config {
  std::uint64_t seed = 1;
  DataConfig data;
  ModelConfig model;
  MeasureConfig measure;
  RsmiConfig rsmi;

  // The level sizes actually used (model.layers, or the default for data.size).
  std::vector<Index> layer_sizes() const;
  // Every dataset in pipeline order: critical first, then the controls.
  std::vector<std::string> datasets() const;
  // Throws Error naming the first bad value.
  void validate() const;
};

// Mehta & Schwab's full-size experiment.
Config default_config();
// `rgflow demo`: L = 16, 256-64-16, a few thousand samples, short AIS and short RSMI learning
// (≈ 1–2 min on 2 cores).
Config demo_config();

// Reads the TOML subset above on top of `base`; FileError(source, "line N: ...") on any problem.
Config parse_config(const std::string& text, const std::string& source, Config base = default_config());
Config load_config(const std::string& path, Config base = default_config());

// All fields, as written into stage records and summary.json (seed as a decimal string).
void to_json(nlohmann::json& j, const Config& c);

}  // namespace rgflow::vrg
