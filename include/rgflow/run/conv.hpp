#pragma once
// The service layer for convolutional lattice RBMs (docs/conv.md): the work of `rgflow conv logz`,
// `rgflow conv loglik` and `rgflow conv sample` as typed requests and results with one to_json each — reading lattice
// data for the model's units, choosing the log Z estimator (exact / AIS / reverse AIS), and the
// held-out log-likelihood with, on Ising data, the paired KL(p_Ising ‖ p_model) per spin. The CLI
// checks its flags and prints.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "rgflow/conv/conv_rbm.hpp"
#include "rgflow/conv/sample.hpp"
#include "rgflow/core/cancel.hpp"
#include "rgflow/core/types.hpp"
#include "rgflow/estimate/ais.hpp"
#include "rgflow/run/rg.hpp"
#include "rgflow/stats/result.hpp"

namespace rgflow::run {

// Rows of lattice states for visible units of `type`: ±1 and 0/1 states are mapped to the unit's
// states (s = 2x − 1 or x = (s + 1)/2), with the lattice size of a /spins [N, L, L] dataset and
// the Ising coupling K = J/T when the file records a temperature (attributes "temperature",
// "coupling" J default 1, "field" absent or 0). FileError for an empty file.
struct ConvData {
  MatrixF rows;
  std::optional<Index> lattice;
  std::optional<double> coupling;
  std::string source;
};
ConvData read_conv_data(const std::string& path, UnitType type);

enum class ConvLogZMethod { automatic, exact, ais, reverse_ais };
ConvLogZMethod parse_conv_log_z_method(std::string_view name);  // auto | exact | ais | reverse-ais
std::string_view to_string(ConvLogZMethod method);

struct ConvLogZRequest {
  // automatic: exact when the smaller layer has ≤ 20 units, else forward AIS.
  ConvLogZMethod method = ConvLogZMethod::automatic;
  int chains = 100;
  int betas = 0;  // equally spaced temperatures (0: the default 14,501-temperature schedule)
  std::uint64_t seed = 0;
  int threads = 0;
  StopPoll stop;
};

struct ConvLogZRun {
  ConvLogZMethod method = ConvLogZMethod::exact;  // as run (never automatic)
  stats::Result log_z;
  Index n_visible = 0;
  std::optional<estimate::AisResult> ais;  // the AIS runs
  float base_visible_bias = 0.0f;
  bool base_from_data = false;
  std::uint64_t seed = 0;
};

// Error for chains outside [2, 2^20], betas 1 or outside [0, 10^7], reverse AIS without data, and
// a layer too large to enumerate; Cancelled. `data` (optional) are rows of the model's states:
// the AIS base distribution's visible bias is fitted to them.
ConvLogZRun conv_log_z(const conv::ConvRbm& model, const ConvLogZRequest& request, const MatrixF* data = nullptr);
// {"method", "log_z", "log_z_per_spin", "details" (AIS: bounds, effective sample size, chains,
//  temperatures, base bias, seed)}.
void to_json(nlohmann::json& j, const ConvLogZRun& r);

struct ConvLogLikelihoodRun {
  ConvLogZRun log_z;
  Index rows = 0;
  // Mean over rows of log p(v)/n, error: the rows' standard error and log Z's error/n in quadrature.
  stats::Result log_likelihood_per_spin;
  // Ising data (the file's coupling K, lattice ≥ 2): the exact log p_Ising per spin, −s per spin
  // (Kaufman) and the paired KL(p_Ising ‖ p_model) per spin (run/fit.hpp).
  std::optional<double> coupling;
  stats::Result ising_log_likelihood_per_spin, minus_entropy_per_spin, kl_per_spin;
};

// Rows checked against the model (FileError naming data.source), then conv_log_z with the data.
ConvLogLikelihoodRun conv_log_likelihood(const conv::ConvRbm& model, const ConvData& data,
                                         const ConvLogZRequest& request);
// {"rows", "method", "log_z", "log_likelihood_per_spin", "details", "ising"?: {coupling,
//  log_likelihood_per_spin, minus_entropy_per_spin, kl_per_spin}}.
void to_json(nlohmann::json& j, const ConvLogLikelihoodRun& r);

// Convolutional model files in the dense tools (docs/conv.md "Dense tools"): every command that
// reads an RBM through run::load_model or run::load_layers (rbm logz | loglik | sample, rg couplings,
// rg receptive-fields, ...) reads a conv file as its exact dense equivalent ConvRbm::to_dense()
// (same p(v); hidden unit j = c M² + p₁ M + p₂).
bool is_conv_model_file(const std::string& path);  // false for a missing or non-HDF5 file
// FileError naming the file when the dense matrix would exceed 2^28 entries (1 GiB).
Rbm dense_from_conv_file(const std::string& path);
// The kernel-geometry positions of the hidden units (ConvShape::hidden_position), as
// (x, y) = (column, row) — the convention of rg/receptive_fields.hpp's centres.
std::vector<std::pair<double, double>> conv_hidden_positions(const conv::ConvShape& shape);

// Sets run.positions (conv_hidden_positions), run.centre_offset (the mean over level-1 units of the
// torus distance between the receptive-field centre and the kernel-geometry position) and the
// locality scores about the positions, S_j(r) = Σ_{i: d(i, position_j) ≤ r} R_ij² / Σ_i R_ij²
// (rg/receptive_fields.hpp's score with the known position for the inferred centre). Error when
// the run's first level does not have the shape's units.
void attach_conv_positions(ReceptiveFieldsRun& run, const conv::ConvShape& shape);

// `rgflow conv sample` (conv/sample.hpp): independent block-Gibbs chains of the model, with the
// per-sample site mean m = (1/L²) Σ_x v_x summarised as ⟨m⟩ and ⟨|m|⟩ (standard errors over the
// independent samples).
struct ConvSampleRun {
  MatrixF states;  // [samples, L²]
  Index samples = 0;
  int sweeps = 0;
  std::uint64_t seed = 0;
  stats::Result site_mean, abs_site_mean;
};
ConvSampleRun conv_sample(const conv::ConvRbm& model, const conv::ConvSampleOptions& options);
// Writes the states as a dataset the other commands read (io/dataset.hpp save_dataset): spin
// units as /spins int8 [N, L, L], Bernoulli units as /data float32 [N, L²] with the attribute
// lattice_size = L; the attributes (provenance) plus samples, sweeps, seed, lattice, conv,
// visible_type.
void save_conv_samples(const std::string& path, const conv::ConvRbm& model, const ConvSampleRun& run,
                       const std::map<std::string, std::string>& attributes);
// {"samples", "sweeps", "seed", "site_mean", "abs_site_mean"}.
void to_json(nlohmann::json& j, const ConvSampleRun& r);

}  // namespace rgflow::run
