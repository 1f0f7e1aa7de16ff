#pragma once
// The exact check of `rgflow demo`: learn the exact distribution of a small Ising model with an RBM
// and say how close it got. The data are exact samples of a periodic L x L Ising model (all
// 2^(L²) states enumerated, ising/enumeration.hpp), so the best achievable mean log-likelihood is
// known (−S, the negative entropy) and the RBM's shortfall is the exact KL divergence
//   KL(p_Ising ‖ p_RBM) = −S − E_p[log p_RBM],   E_p[log q] = Σ_s p(s) (−F(s)) − log Z.
// Self-checks: the enumerated model against Kaufman's closed form (log Z and entropy), the
// library's log Z against a direct sum over all visible states, KL ≥ 0, and that training reduced
// the KL divergence.
#include <cstdint>
#include <functional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "rgflow/core/types.hpp"
#include "rgflow/rbm/rbm.hpp"
#include "rgflow/stats/result.hpp"
#include "rgflow/train/config.hpp"

namespace rgflow::run {

struct ExactCheckRequest {
  int size = 4;               // L, 2..4
  double temperature = 2.27;  // T/J
  Index hidden = 16;
  UnitType hidden_type = UnitType::bernoulli;
  Index samples = 10000;      // exact training samples (and a quarter as many test samples)
  train::TrainConfig config;  // method, steps, epochs, batch, learning rate (and its decay), seed
};

struct ExactCheckCallbacks {
  std::function<void(const std::string&)> on_message;  // set-up lines before training
  std::function<void(int epoch, Index done, Index total)> on_batch;
  // After each epoch: E_p[log q] and the KL divergence of the current model.
  std::function<void(int epoch, double expected_log_likelihood, double kl)> on_epoch;
};

struct ExactCheckRun {
  ExactCheckRequest request;
  double coupling = 0.0;
  Index states = 0;
  double ising_log_z = 0.0, ising_entropy = 0.0;
  Index train_rows = 0, test_rows = 0;
  Rbm rbm;                     // the trained model
  int epochs_done = 0;
  // Mean log-likelihoods (nats per sample): exact expectations over p and sample means.
  double best = 0.0, initial = 0.0, final = 0.0;
  stats::Result initial_test, final_train, final_test, ising_test;
  double kl_initial = 0.0, kl_final = 0.0, gap_closed = 0.0;
  // Self-checks.
  double ising_mismatch = 0.0, log_z_mismatch = 0.0;
  bool ising_matches_kaufman = false, log_z_consistent = false, kl_nonnegative = false,
       training_improved = false, passed = false;
  double seconds = 0.0;
};

// Throws Error naming the quantity for a request out of range.
ExactCheckRun exact_ising_check(const ExactCheckRequest& request,
                                const ExactCheckCallbacks& callbacks = {});

// {"ising", "data", "rbm", "log_likelihood", "kl", "checks", "time"}.
void to_json(nlohmann::json& j, const ExactCheckRun& r);

}  // namespace rgflow::run
