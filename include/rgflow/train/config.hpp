#pragma once
// Training hyper-parameters. Defaults follow Hinton (2010), "A Practical Guide to Training RBMs".
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "rgflow/core/types.hpp"

namespace rgflow::train {

enum class Method { cd, pcd };
std::string to_string(Method m);
Method parse_method(const std::string& name);  // "cd" | "pcd"; throws Error

struct TrainConfig {
  Method method = Method::cd;
  int steps = 1;                 // k Gibbs steps per update (CD-k / PCD-k)
  int epochs = 10;
  Index batch_size = 100;
  float learning_rate = 0.05f;
  float momentum_initial = 0.5f;   // Hinton §9: 0.5 for the first epochs ...
  float momentum_final = 0.9f;     // ... then 0.9
  int momentum_switch_epoch = 5;   // first epoch (0-based) that uses momentum_final
  float l1 = 0.0f;                 // weight cost on |W| (weights only, not biases)
  float l2 = 0.0f;                 // weight cost on W² / 2 (Hinton §10 suggests 1e-4)
  std::optional<float> sparsity_target;  // Hinton §11: target mean hidden activity q
  float sparsity_cost = 0.1f;
  float sparsity_decay = 0.95f;    // decay of the running estimate of q
  std::uint64_t seed = 0;
  Index monitor_rows = 1000;       // rows of train/validation used by the per-epoch monitors
  bool initialize = true;          // Hinton initialisation from the data before training

  void validate() const;           // throws Error on nonsensical values
};

void to_json(nlohmann::json& j, const TrainConfig& c);
void from_json(const nlohmann::json& j, TrainConfig& c);

}  // namespace rgflow::train
