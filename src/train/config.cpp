#include "rgflow/train/config.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "rgflow/core/error.hpp"
#include "rgflow/train/json_number.hpp"
#include "rgflow/rbm/units.hpp"

namespace rgflow::train {

std::string to_string(Method m) {
  switch (m) {
    case Method::cd: return "cd";
    case Method::pcd: return "pcd";
    case Method::tap1: return "tap1";
    case Method::tap2: return "tap2";
    case Method::tap3: return "tap3";
    case Method::pt: return "pt";
  }
  throw std::logic_error("unknown training method");
}

Method parse_method(const std::string& name) {
  if (name == "cd") return Method::cd;
  if (name == "pcd") return Method::pcd;
  if (name == "tap1") return Method::tap1;
  if (name == "tap2") return Method::tap2;
  if (name == "tap3") return Method::tap3;
  if (name == "pt") return Method::pt;
  throw Error(fmt::format(
      "unknown training method '{}' (expected 'cd', 'pcd', 'tap1', 'tap2', 'tap3' or 'pt')", name));
}

std::string to_string(OptimizerKind o) { return o == OptimizerKind::adam ? "adam" : "sgd"; }

std::string to_string(Schedule s) {
  switch (s) {
    case Schedule::linear: return "linear";
    case Schedule::exponential: return "exponential";
    case Schedule::cosine: return "cosine";
  }
  throw std::logic_error("unknown learning-rate schedule");
}

std::string to_string(Symmetry s) { return s == Symmetry::z2 ? "z2" : "none"; }

std::string to_string(StopScore s) {
  switch (s) {
    case StopScore::automatic: return "auto";
    case StopScore::exact: return "exact";
    case StopScore::ais: return "ais";
    case StopScore::pll: return "pll";
  }
  throw std::logic_error("unknown stop score");
}

StopScore parse_stop_score(const std::string& name) {
  if (name == "auto") return StopScore::automatic;
  if (name == "exact") return StopScore::exact;
  if (name == "ais") return StopScore::ais;
  if (name == "pll") return StopScore::pll;
  throw Error(fmt::format("unknown stop score '{}' (expected 'auto', 'exact', 'ais' or 'pll')", name));
}

OptimizerKind parse_optimizer(const std::string& name) {
  if (name == "sgd") return OptimizerKind::sgd;
  if (name == "adam") return OptimizerKind::adam;
  throw Error(fmt::format("unknown optimizer '{}' (expected 'sgd' or 'adam')", name));
}

Schedule parse_schedule(const std::string& name) {
  if (name == "linear") return Schedule::linear;
  if (name == "exponential") return Schedule::exponential;
  if (name == "cosine") return Schedule::cosine;
  throw Error(fmt::format(
      "unknown learning-rate schedule '{}' (expected 'linear', 'exponential' or 'cosine')", name));
}

Symmetry parse_symmetry(const std::string& name) {
  if (name == "none") return Symmetry::none;
  if (name == "z2") return Symmetry::z2;
  throw Error(fmt::format("unknown symmetry '{}' (expected 'none' or 'z2')", name));
}

int tap_order(Method m) {
  switch (m) {
    case Method::tap1: return 1;
    case Method::tap2: return 2;
    case Method::tap3: return 3;
    default: return 0;
  }
}

float momentum_at_epoch(const TrainConfig& config, int epoch) {
  return epoch < config.momentum_switch_epoch ? config.momentum_initial : config.momentum_final;
}

double learning_rate_schedule(double initial, std::optional<double> final_rate, Schedule schedule, int epochs,
                              int warmup_epochs, int epoch) {
  double lr = initial;
  if (final_rate && epochs > 1) {
    const double t = std::clamp(static_cast<double>(epoch) / (epochs - 1), 0.0, 1.0);
    const double e0 = initial;
    const double ef = *final_rate;
    switch (schedule) {
      case Schedule::linear: lr = e0 + (ef - e0) * t; break;
      case Schedule::exponential: lr = e0 * std::pow(ef / e0, t); break;
      case Schedule::cosine: lr = ef + (e0 - ef) * 0.5 * (1.0 + std::cos(3.14159265358979323846 * t)); break;
    }
  }
  if (epoch < warmup_epochs) lr *= static_cast<double>(epoch + 1) / (warmup_epochs + 1);
  return lr;
}

float learning_rate_at_epoch(const TrainConfig& config, int epoch) {
  std::optional<double> final_rate;
  if (config.learning_rate_final) final_rate = *config.learning_rate_final;
  return static_cast<float>(learning_rate_schedule(config.learning_rate, final_rate, config.schedule, config.epochs,
                                                   config.warmup_epochs, epoch));
}

TrainConfig default_config() { return default_config(UnitType::bernoulli); }

TrainConfig default_config(UnitType visible) {
  const bool gaussian = visible == UnitType::gaussian;
  TrainConfig c;
  c.method = Method::pcd;
  c.steps = 1;
  c.epochs = 100;
  c.batch_size = 100;
  c.learning_rate = gaussian ? 0.01f : 0.05f;
  c.learning_rate_final = default_final_learning_rate(c.learning_rate);
  c.schedule = Schedule::cosine;
  c.momentum_initial = c.momentum_final = 0.5f;
  c.centering = !gaussian;
  return c;
}

float default_final_learning_rate(float learning_rate) { return learning_rate / kDefaultLearningRateDecay; }

namespace {

void require_finite(float value, const char* name) {
  if (!std::isfinite(value)) throw Error(fmt::format("{} must be finite (got {})", name, value));
}

void require_non_negative(float value, const char* name) {
  require_finite(value, name);
  if (value < 0.0f) throw Error(fmt::format("{} must be >= 0 (got {})", name, value));
}

// Momentum μ multiplies the velocity each update; μ >= 1 makes the velocity grow without bound.
void require_momentum(float value, const char* name) {
  require_finite(value, name);
  if (value < 0.0f || value >= 1.0f) {
    throw Error(fmt::format("{} must be in [0, 1) (got {})", name, value));
  }
}

}  // namespace

void TrainConfig::validate() const {
  if (steps < 1) throw Error(fmt::format("Gibbs steps per update must be >= 1 (got {})", steps));
  if (epochs < 0) throw Error(fmt::format("epochs must be >= 0 (got {})", epochs));
  if (auto_epochs && epochs < 1) {
    throw Error(fmt::format("the maximum number of epochs must be >= 1 (got {})", epochs));
  }
  if (patience < 1) throw Error(fmt::format("patience must be >= 1 epoch (got {})", patience));
  if (batch_size < 1) throw Error(fmt::format("batch size must be >= 1 (got {})", batch_size));
  require_finite(learning_rate, "learning rate");
  if (learning_rate <= 0.0f) {
    throw Error(fmt::format("learning rate must be > 0 (got {})", learning_rate));
  }
  if (learning_rate_final) {
    require_finite(*learning_rate_final, "final learning rate");
    if (*learning_rate_final <= 0.0f) {
      throw Error(fmt::format("final learning rate must be > 0 (got {})", *learning_rate_final));
    }
  }
  require_momentum(momentum_initial, "initial momentum");
  require_momentum(momentum_final, "final momentum");
  if (momentum_switch_epoch < 0) {
    throw Error(fmt::format("momentum switch epoch must be >= 0 (got {})", momentum_switch_epoch));
  }
  require_non_negative(l1, "L1 weight cost");
  require_non_negative(l2, "L2 weight cost");
  if (sparsity_target) {
    const float q = *sparsity_target;
    // The target is a probability of a unit being on; 0 and 1 would drive biases to ±∞.
    if (!std::isfinite(q) || q <= 0.0f || q >= 1.0f) {
      throw Error(fmt::format("sparsity target must be in (0, 1) (got {})", q));
    }
  }
  require_non_negative(sparsity_cost, "sparsity cost");
  require_finite(sparsity_decay, "sparsity decay");
  if (sparsity_decay < 0.0f || sparsity_decay >= 1.0f) {
    throw Error(fmt::format("sparsity decay must be in [0, 1) (got {})", sparsity_decay));
  }
  if (monitor_rows < 1) {
    throw Error(fmt::format("monitor rows must be >= 1 (got {})", monitor_rows));
  }
  if (tap_iterations < 1) {
    throw Error(fmt::format("TAP iterations must be >= 1 (got {})", tap_iterations));
  }
  require_finite(tap_damping, "TAP damping");
  if (tap_damping < 0.0f || tap_damping >= 1.0f) {
    throw Error(fmt::format("TAP damping must be in [0, 1) (got {})", tap_damping));
  }
  if (tap_chains < 0) throw Error(fmt::format("TAP chains must be >= 0 (got {})", tap_chains));
  require_finite(tap_reseed_fraction, "TAP re-seed fraction");
  if (tap_reseed_fraction < 0.0f || tap_reseed_fraction > 1.0f) {
    throw Error(fmt::format("TAP re-seed fraction must be in [0, 1] (got {})", tap_reseed_fraction));
  }
  if (shards < 1 || shards > kMaxShards) {
    throw Error(fmt::format("shards must be in [1, {}] (got {})", kMaxShards, shards));
  }
  if (shards > 1 && method != Method::cd && method != Method::pcd && method != Method::pt) {
    throw Error(fmt::format("row shards (shards {}) apply to methods cd, pcd and pt only (got {})", shards,
                            to_string(method)));
  }
  if (pcd_hidden_state && method != Method::pcd) {
    throw Error("hidden-state chains apply to PCD only");
  }
  if (warmup_epochs < 0) {
    throw Error(fmt::format("warm-up epochs must be >= 0 (got {})", warmup_epochs));
  }
  require_finite(adam_beta1, "Adam beta1");
  require_finite(adam_beta2, "Adam beta2");
  if (adam_beta1 < 0.0f || adam_beta1 >= 1.0f) {
    throw Error(fmt::format("Adam beta1 must be in [0, 1) (got {})", adam_beta1));
  }
  if (adam_beta2 < 0.0f || adam_beta2 >= 1.0f) {
    throw Error(fmt::format("Adam beta2 must be in [0, 1) (got {})", adam_beta2));
  }
  require_finite(adam_epsilon, "Adam epsilon");
  if (adam_epsilon <= 0.0f) throw Error(fmt::format("Adam epsilon must be > 0 (got {})", adam_epsilon));
  require_finite(centering_rate, "centering rate");
  if (centering_rate <= 0.0f || centering_rate > 1.0f) {
    throw Error(fmt::format("centering rate must be in (0, 1] (got {})", centering_rate));
  }
  if (symmetry == Symmetry::z2 && sparsity_target) {
    throw Error("a sparsity target moves the hidden biases, which the Z2 symmetry ties to 0");
  }
  if (pt_replicas < 2) {
    throw Error(fmt::format("parallel tempering needs >= 2 replicas (got {})", pt_replicas));
  }
  require_finite(pt_beta_min, "PT lowest inverse temperature");
  if (pt_beta_min <= 0.0f || pt_beta_min >= 1.0f) {
    throw Error(fmt::format("PT lowest inverse temperature must be in (0, 1) (got {})",
                            pt_beta_min));
  }
}

void to_json(nlohmann::json& j, const TrainConfig& c) {
  j = nlohmann::json{
      {"method", to_string(c.method)},
      {"steps", c.steps},
      {"epochs", c.epochs},
      {"batch_size", c.batch_size},
      {"shards", c.shards},
      {"learning_rate", detail::json_float(c.learning_rate)},
      {"learning_rate_final", c.learning_rate_final ? nlohmann::json(detail::json_float(*c.learning_rate_final))
                                                    : nlohmann::json(nullptr)},
      {"momentum_initial", detail::json_float(c.momentum_initial)},
      {"momentum_final", detail::json_float(c.momentum_final)},
      {"momentum_switch_epoch", c.momentum_switch_epoch},
      {"l1", detail::json_float(c.l1)},
      {"l2", detail::json_float(c.l2)},
      {"sparsity_target", c.sparsity_target ? nlohmann::json(detail::json_float(*c.sparsity_target)) : nlohmann::json()},
      {"sparsity_cost", detail::json_float(c.sparsity_cost)},
      {"sparsity_decay", detail::json_float(c.sparsity_decay)},
      // As a string: JSON readers that parse numbers as doubles would round seeds above 2^53.
      {"seed", std::to_string(c.seed)},
      {"monitor_rows", c.monitor_rows},
      {"initialize", c.initialize},
      {"tap_iterations", c.tap_iterations},
      {"tap_damping", detail::json_float(c.tap_damping)},
      {"tap_persistent", c.tap_persistent},
      {"tap_chains", c.tap_chains},
      {"tap_reseed_fraction", detail::json_float(c.tap_reseed_fraction)},
      {"pt_replicas", c.pt_replicas},
      {"pt_beta_min", detail::json_float(c.pt_beta_min)},
      {"pt_adaptive", c.pt_adaptive},
      {"pcd_hidden_state", c.pcd_hidden_state},
      {"schedule", to_string(c.schedule)},
      {"warmup_epochs", c.warmup_epochs},
      {"optimizer", to_string(c.optimizer)},
      {"adam_beta1", detail::json_float(c.adam_beta1)},
      {"adam_beta2", detail::json_float(c.adam_beta2)},
      {"adam_epsilon", detail::json_float(c.adam_epsilon)},
      {"centering", c.centering},
      {"centering_rate", detail::json_float(c.centering_rate)},
      {"symmetry", to_string(c.symmetry)},
      {"auto_epochs", c.auto_epochs},
      {"patience", c.patience},
      {"stop_score", to_string(c.stop_score)},
  };
}

namespace {

template <class T>
void read_field(const nlohmann::json& j, const char* key, T& out) {
  const auto it = j.find(key);
  if (it == j.end()) return;
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    // nlohmann would truncate 1.5 to 1 and wrap out-of-range integers; refuse both.
    if (!it->is_number_integer()) {
      throw Error(fmt::format("training configuration: '{}' must be an integer (got {})", key,
                              it->dump()));
    }
    const auto wide = it->get<std::int64_t>();
    if (it->is_number_unsigned() && it->get<std::uint64_t>() > std::uint64_t(INT64_MAX)) {
      throw Error(fmt::format("training configuration: '{}' is out of range ({})", key, it->dump()));
    }
    if (wide < std::numeric_limits<T>::min() || wide > std::numeric_limits<T>::max()) {
      throw Error(fmt::format("training configuration: '{}' is out of range ({})", key, it->dump()));
    }
    out = static_cast<T>(wide);
    return;
  }
  const bool type_ok = std::is_same_v<T, bool> ? it->is_boolean() : it->is_number();
  if (!type_ok) {
    throw Error(fmt::format("training configuration: '{}' has the wrong type ({})", key,
                            it->dump()));
  }
  try {
    it->get_to(out);
  } catch (const nlohmann::json::exception&) {
    throw Error(fmt::format("training configuration: '{}' has the wrong type ({})", key,
                            it->dump()));
  }
}

std::uint64_t parse_seed(const nlohmann::json& value) {
  if (value.is_number_unsigned()) return value.get<std::uint64_t>();
  if (value.is_string()) {
    const std::string s = value.get<std::string>();
    std::size_t used = 0;
    try {
      if (!s.empty() && s.front() != '-') {
        const unsigned long long seed = std::stoull(s, &used, 10);
        if (used == s.size()) return seed;
      }
    } catch (const std::exception&) {
    }
  }
  throw Error(fmt::format("training configuration: 'seed' must be a non-negative integer (got {})",
                          value.dump()));
}

}  // namespace

void from_json(const nlohmann::json& j, TrainConfig& c) {
  if (!j.is_object()) throw Error("training configuration must be a JSON object");
  static const char* const known[] = {
      "method", "steps", "epochs", "batch_size", "shards", "learning_rate", "learning_rate_final", "momentum_initial",
      "momentum_final", "momentum_switch_epoch", "l1", "l2", "sparsity_target", "sparsity_cost",
      "sparsity_decay", "seed", "monitor_rows", "initialize", "tap_iterations", "tap_damping",
      "tap_persistent", "tap_chains", "tap_reseed_fraction", "pt_replicas", "pt_beta_min", "pt_adaptive",
      "pcd_hidden_state", "schedule", "warmup_epochs", "optimizer", "adam_beta1", "adam_beta2",
      "adam_epsilon", "centering", "centering_rate", "symmetry", "auto_epochs", "patience",
      "stop_score"};
  // Unknown keys are rejected so that a misspelt option is not silently ignored.
  for (const auto& item : j.items()) {
    bool found = false;
    for (const char* k : known) found = found || item.key() == k;
    if (!found) throw Error(fmt::format("training configuration: unknown key '{}'", item.key()));
  }
  // Missing keys keep their current (default) values.
  if (const auto it = j.find("method"); it != j.end()) {
    if (!it->is_string()) throw Error("training configuration: 'method' must be a string");
    c.method = parse_method(it->get<std::string>());
  }
  read_field(j, "steps", c.steps);
  read_field(j, "epochs", c.epochs);
  read_field(j, "batch_size", c.batch_size);
  read_field(j, "shards", c.shards);
  read_field(j, "learning_rate", c.learning_rate);
  if (const auto it = j.find("learning_rate_final"); it != j.end()) {
    if (it->is_null()) {
      c.learning_rate_final.reset();
    } else {
      float lr = 0.0f;
      read_field(j, "learning_rate_final", lr);
      c.learning_rate_final = lr;
    }
  }
  read_field(j, "momentum_initial", c.momentum_initial);
  read_field(j, "momentum_final", c.momentum_final);
  read_field(j, "momentum_switch_epoch", c.momentum_switch_epoch);
  read_field(j, "l1", c.l1);
  read_field(j, "l2", c.l2);
  if (const auto it = j.find("sparsity_target"); it != j.end()) {
    if (it->is_null()) {
      c.sparsity_target.reset();
    } else {
      float q = 0.0f;
      read_field(j, "sparsity_target", q);
      c.sparsity_target = q;
    }
  }
  read_field(j, "sparsity_cost", c.sparsity_cost);
  read_field(j, "sparsity_decay", c.sparsity_decay);
  if (const auto it = j.find("seed"); it != j.end()) c.seed = parse_seed(*it);
  read_field(j, "monitor_rows", c.monitor_rows);
  read_field(j, "initialize", c.initialize);
  read_field(j, "tap_iterations", c.tap_iterations);
  read_field(j, "tap_damping", c.tap_damping);
  read_field(j, "tap_persistent", c.tap_persistent);
  read_field(j, "tap_chains", c.tap_chains);
  read_field(j, "tap_reseed_fraction", c.tap_reseed_fraction);
  read_field(j, "pt_replicas", c.pt_replicas);
  read_field(j, "pt_beta_min", c.pt_beta_min);
  read_field(j, "pt_adaptive", c.pt_adaptive);
  read_field(j, "pcd_hidden_state", c.pcd_hidden_state);
  const auto read_name = [&](const char* key, auto parse, auto& out) {
    if (const auto it = j.find(key); it != j.end()) {
      if (!it->is_string()) throw Error(fmt::format("training configuration: '{}' must be a string", key));
      out = parse(it->get<std::string>());
    }
  };
  read_name("schedule", parse_schedule, c.schedule);
  read_field(j, "warmup_epochs", c.warmup_epochs);
  read_name("optimizer", parse_optimizer, c.optimizer);
  read_field(j, "adam_beta1", c.adam_beta1);
  read_field(j, "adam_beta2", c.adam_beta2);
  read_field(j, "adam_epsilon", c.adam_epsilon);
  read_field(j, "centering", c.centering);
  read_field(j, "centering_rate", c.centering_rate);
  read_name("symmetry", parse_symmetry, c.symmetry);
  read_field(j, "auto_epochs", c.auto_epochs);
  read_field(j, "patience", c.patience);
  read_name("stop_score", parse_stop_score, c.stop_score);
}

}  // namespace rgflow::train
