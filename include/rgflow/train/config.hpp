#pragma once
// Training hyper-parameters. Defaults follow Hinton (2010), "A Practical Guide to Training RBMs"
// (UTML TR 2010-003); section numbers below refer to it.
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "rgflow/core/types.hpp"

namespace rgflow {
enum class UnitType;  // rbm/units.hpp
}  // namespace rgflow

namespace rgflow::train {

// cd: CD-k, negative chains start at the mini-batch (Hinton 2002).
// pcd: PCD-k, negative chains persist between updates (Tieleman 2008).
// tap1 | tap2 | tap3: EMF/TAP training, negative phase from the TAP free energy of order 1, 2, 3
//   at (damped, optionally persistent) magnetisations (Gabrié, Tramel & Krzakala 2015).
// pt: parallel tempering, k sweeps + neighbour swaps of K replicas per update, negative phase
//   from the β = 1 replicas (Desjardins et al. 2010).
enum class Method { cd, pcd, tap1, tap2, tap3, pt };
// sgd: stochastic gradient ascent with momentum (Hinton 2010 §9).
// adam: Adam (Kingma & Ba 2015), bias-corrected first and second moments of the ascent direction.
enum class OptimizerKind { sgd, adam };
// How ε moves from learning_rate (first epoch) to learning_rate_final (last epoch); without
// learning_rate_final every schedule is constant. With t = e / (epochs − 1):
//   linear       ε_0 + (ε_f − ε_0) t                         (Tieleman 2008)
//   exponential  ε_0 (ε_f / ε_0)^t
//   cosine       ε_f + (ε_0 − ε_f) (1 + cos πt) / 2           (Loshchilov & Hutter 2017)
enum class Schedule { linear, exponential, cosine };
// none: the model as given. z2 (spin units only): every bias is tied to 0, so E(v, h) = E(−v, −h)
// and p(v) = p(−v) exactly; ordered and critical data cannot collapse into one magnetisation sector.
enum class Symmetry { none, z2 };
// The held-out score of automatic stopping (train/convergence.hpp): automatic picks exact when the
// smaller layer has at most kExactStopUnits units, else ais; pll is the pseudo-log-likelihood.
enum class StopScore { automatic, exact, ais, pll };
std::string to_string(Method m);
std::string to_string(OptimizerKind o);
std::string to_string(Schedule s);
std::string to_string(Symmetry s);
OptimizerKind parse_optimizer(const std::string& name);  // "sgd" | "adam"; throws Error
Schedule parse_schedule(const std::string& name);    // "linear" | "exponential" | "cosine"
Symmetry parse_symmetry(const std::string& name);    // "none" | "z2"
std::string to_string(StopScore s);                   // "auto" | "exact" | "ais" | "pll"
StopScore parse_stop_score(const std::string& name);  // the names above; throws Error
Method parse_method(const std::string& name);  // "cd" | "pcd" | "tap1..3" | "pt"; throws Error
// 1, 2 or 3 for the TAP methods, 0 otherwise.
int tap_order(Method m);

inline constexpr int kMaxShards = 4096;

struct TrainConfig {
  Method method = Method::cd;
  int steps = 1;                 // k Gibbs steps per update (CD-k / PCD-k), >= 1
  // PCD only: the chains carry their hidden samples between updates (scikit-learn's scheme, the
  // products of CD-k per update) instead of their visible samples (Tieleman 2008; default).
  bool pcd_hidden_state = false;
  int epochs = 10;               // >= 0; with auto_epochs the cap on the epoch count
  // Automatic stopping (train/convergence.hpp, docs/training.md): after every epoch a held-out
  // score; training stops when it has not improved by more than its error for `patience`
  // epochs (or after `epochs`), and the model of the best epoch is kept. Needs validation rows.
  bool auto_epochs = false;
  int patience = 10;             // >= 1
  StopScore stop_score = StopScore::automatic;
  Index batch_size = 100;        // >= 1; the last mini-batch of an epoch may be smaller
  // Row shards (docs/scaling.md): each mini-batch (and the persistent chains) is cut into `shards`
  // fixed blocks of consecutive rows, whose gradients are formed separately and added in a fixed
  // pairwise tree. Under MPI the shards run on different ranks (rank r of N holds shards
  // [S·r/N, S·(r+1)/N)), and the trained model is the same bits for any number of ranks (and
  // threads) given `shards`; 1 keeps the whole batch in one block (the fastest on one process).
  // In [1, kMaxShards]; > 1 for binary units and methods cd, pcd, pt only (pt: the chains' rows,
  // every replica of a chain with it).
  int shards = 1;
  float learning_rate = 0.05f;   // ε > 0, applied to the batch-mean gradient
  // When set: ε moves from learning_rate (first epoch) to learning_rate_final (last epoch) by
  // `schedule`, as Tieleman (2008) does linearly for PCD; > 0.
  std::optional<float> learning_rate_final;
  Schedule schedule = Schedule::linear;
  // ε of 0-based epoch e < warmup_epochs is scaled by (e + 1) / (warmup_epochs + 1); >= 0.
  int warmup_epochs = 0;
  OptimizerKind optimizer = OptimizerKind::sgd;
  float adam_beta1 = 0.9f;        // Adam: decay of the first moment, in [0, 1)
  float adam_beta2 = 0.999f;      // Adam: decay of the second moment, in [0, 1)
  float adam_epsilon = 1e-8f;     // Adam: added to √v̂, > 0
  // Centred gradients (Melchior, Fischer & Wiskott 2016) for binary units: offsets μ (visible)
  // and λ (hidden), moving averages of the data means with rate centering_rate (optimizer.hpp).
  bool centering = false;
  float centering_rate = 0.01f;   // ν in (0, 1]
  Symmetry symmetry = Symmetry::none;
  // SGD: the velocity's decay. Adam ignores momentum (its first moment decays with adam_beta1).
  float momentum_initial = 0.5f;   // Hinton §9: 0.5 for the first epochs ...
  float momentum_final = 0.9f;     // ... then 0.9; both in [0, 1)
  int momentum_switch_epoch = 5;   // first epoch (0-based) that uses momentum_final
  float l1 = 0.0f;                 // weight cost on |W| (weights only, not biases), >= 0
  float l2 = 0.0f;                 // weight cost on W² / 2 (Hinton §10 suggests 1e-4), >= 0
  std::optional<float> sparsity_target;  // Hinton §11: target mean hidden activity, in (0, 1)
  float sparsity_cost = 0.1f;      // >= 0
  float sparsity_decay = 0.95f;    // decay of the running estimate of q, in [0, 1)
  std::uint64_t seed = 0;
  Index monitor_rows = 1000;       // rows of train/validation used by the per-epoch monitors, >= 1
  bool initialize = true;          // Hinton initialisation from the data before training

  // TAP / EMF training (method tap1 | tap2 | tap3); docs/tap.md.
  // Defaults from the measured sweep of bench/tap_sweep.py (docs/tap.md, "Choosing the
  // defaults"): 10 sweeps gain 4.5 nats over the paper's 3 at 3.3x the cost, 25 only 1.3-1.6 more
  // at 2.5x; damping 0.5 beat 0.3 and 0.7.
  int tap_iterations = 10;         // damped sweeps (visible then hidden) per update, >= 1
  float tap_damping = 0.5f;        // m ← damping · m_old + (1 − damping) · m_new, in [0, 1)
  // Magnetisations persist between updates, or restart at the batch (default, as the authors'
  // scripts run): persistent damped sweeps pull every particle to one fixed point while W is
  // small, and a deterministic map never separates them again (docs/tap.md).
  bool tap_persistent = false;
  Index tap_chains = 0;            // number of magnetisation particles; 0: rows of the first batch
  // Persistent particles: before an update, fewer than ceil(tap_reseed_fraction · particles)
  // distinct ones restart every duplicate at a random batch row (train/gradient.hpp
  // TapEstimator); in [0, 1], 0 never re-seeds.
  float tap_reseed_fraction = 0.5f;
  // Parallel tempering (method pt); docs/training.md. `steps` PT steps, each neighbour swaps then a sweep of every replica.
  int pt_replicas = 10;            // K >= 2 temperatures, β_0 = 1 > … > β_{K−1} = pt_beta_min
  float pt_beta_min = 0.1f;        // lowest inverse temperature of the geometric ladder, in (0, 1)
  bool pt_adaptive = false;        // adapt the ladder toward equal swap acceptance between pairs

  // Throws Error naming the first nonsensical value (ranges as commented above).
  void validate() const;
};

// Hinton §9 momentum schedule: momentum_initial for 0-based epochs < momentum_switch_epoch,
// momentum_final from then on.
float momentum_at_epoch(const TrainConfig& config, int epoch);
// Learning rate of 0-based epoch `epoch`: learning_rate, or with learning_rate_final set the
// schedule's value at t = e / (epochs − 1) (ε_0 when epochs <= 1); times the warm-up factor.
// With auto_epochs, `epochs` is the cap, so a schedule runs over the cap and an automatic stop
// ends it early, wherever it stands.
float learning_rate_at_epoch(const TrainConfig& config, int epoch);
// The same schedule in float64 from its parts (learning_rate_at_epoch rounds it to float; the
// convolutional trainer, conv/train.hpp, uses it directly): ε_0 = initial, ε_f = final_rate.
double learning_rate_schedule(double initial, std::optional<double> final_rate, Schedule schedule, int epochs,
                              int warmup_epochs, int epoch);

// The options every front end starts from — `rgflow rbm train` and `dbn train`, the Python
// estimators, `demo` and `vrg run` — chosen by the sweep over Ising (8×8 at T = 2 and 3, 16×16 at
// T_c), binarized MNIST and the digits in docs/results.md ("Default training options";
// bench/defaults_sweep.py): PCD-1, SGD with constant momentum 0.5, batch 100, 100 epochs, ε = 0.05
// decaying by a cosine schedule to ε / kDefaultLearningRateDecay, centred gradients for binary
// units. Gaussian visible units start at ε = 0.01, uncentred (centring is for binary units; at
// 0.05 with momentum the Gaussian-Bernoulli RBM diverged on scikit-learn's estimator checks).
// TrainConfig{} itself keeps the neutral values of Hinton's guide that the library's tests are
// written against (CD-1, constant ε, momentum 0.5 → 0.9, 10 epochs).
inline constexpr float kDefaultLearningRateDecay = 100.0f;
TrainConfig default_config(UnitType visible);
TrainConfig default_config();  // for binary visible units
// The final learning rate the defaults pair with a starting rate ε (ε / kDefaultLearningRateDecay):
// a front end that is given ε but no final rate uses it.
float default_final_learning_rate(float learning_rate);

// JSON object with the field names above; `method` as "cd"/"pcd", `sparsity_target` null when
// unset, `seed` as a decimal string (exact beyond 2^53). from_json starts from the values already
// in `c` (so missing keys keep their defaults), accepts `seed` as a string or an unsigned
// integer, and throws Error on unknown keys or wrongly typed values. It does not validate().
void to_json(nlohmann::json& j, const TrainConfig& c);
void from_json(const nlohmann::json& j, TrainConfig& c);

}  // namespace rgflow::train
