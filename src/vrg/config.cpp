#include "rgflow/vrg/config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <variant>

#include "rgflow/core/error.hpp"
#include "rgflow/core/quote.hpp"
#include "rgflow/ising/sampler.hpp"
#include "rgflow/rbm/dbn.hpp"
#include "rgflow/rg/rsmi.hpp"
#include "rgflow/train/config.hpp"
#include "rgflow/train/json_number.hpp"

namespace rgflow::vrg {

Index RsmiConfig::effective_batch_size(std::int64_t samples) const {
  if (batch_size != 0) return batch_size;
  const std::int64_t held = std::llround(static_cast<double>(samples) * rg::RsmiOptions{}.validation_fraction);
  return static_cast<Index>(std::min<std::int64_t>({256, held / 2, samples - held}));
}

std::vector<Index> Config::layer_sizes() const {
  if (!model.layers.empty()) return model.layers;
  std::vector<Index> sizes;
  for (int side = data.size; side >= 4; side /= model.block) {
    sizes.push_back(Index{side} * side);
    if (side % model.block != 0) break;
  }
  return sizes;
}

std::vector<std::string> Config::datasets() const {
  std::vector<std::string> out = {kCritical};
  for (const auto& c : data.controls) out.push_back(c);
  return out;
}

void Config::validate() const {
  auto fail = [](const std::string& what) { throw Error("config: " + what); };
  if (data.size < 4 || data.size > 1024 || data.size % 2 != 0) {
    fail(fmt::format("data.size = {}: must be even and between 4 and 1024", data.size));
  }
  auto check_t = [&](const char* name, double t) {
    if (!(t > 0.0) || !std::isfinite(t)) fail(fmt::format("{} = {}: must be > 0", name, t));
  };
  check_t("data.temperature", data.temperature);
  check_t("data.paramagnet_temperature", data.paramagnet_temperature);
  check_t("data.ordered_temperature", data.ordered_temperature);
  if (data.samples < 16 || data.samples > 10'000'000) fail(fmt::format("data.samples = {}: must be between 16 and 10000000", data.samples));
  if (data.pilot_samples < 16 || data.pilot_samples > 10'000'000) fail(fmt::format("data.pilot_samples = {}: must be between 16 and 10000000", data.pilot_samples));
  if (data.chains < 1 || data.chains > 1024) fail(fmt::format("data.chains = {}: must be between 1 and 1024", data.chains));
  if (data.samples % data.chains != 0 || data.pilot_samples % data.chains != 0) {
    fail(fmt::format("data.samples and data.pilot_samples must be multiples of data.chains = {}", data.chains));
  }
  if (data.thermalize < 0 || data.thermalize > 10'000'000) fail(fmt::format("data.thermalize = {}: must be between 0 and 10000000", data.thermalize));
  if (!(data.decorrelation > 0.0) || data.decorrelation > 1000.0) fail(fmt::format("data.decorrelation = {}: must be in (0, 1000]", data.decorrelation));
  if (!(data.texture_correlation_length > 0.0) || data.texture_correlation_length > data.size) {
    fail(fmt::format("data.texture_correlation_length = {}: must be in (0, size]", data.texture_correlation_length));
  }
  ising::parse_algorithm(data.algorithm);
  std::set<std::string> seen;
  for (const auto& c : data.controls) {
    if (c != kParamagnet && c != kOrdered && c != kPermuted && c != kTextures) {
      fail(fmt::format("data.controls: unknown control '{}' (paramagnet, ordered, permuted, textures)", c));
    }
    if (!seen.insert(c).second) fail(fmt::format("data.controls: '{}' is listed twice", c));
  }
  if (model.block < 2 || model.block > 8) fail(fmt::format("model.block = {}: must be between 2 and 8", model.block));
  const auto sizes = layer_sizes();
  if (sizes.size() < 2) fail(fmt::format("model.layers: need the visible size and at least one hidden size (data.size = {} is too small for the default)", data.size));
  if (sizes[0] != Index{data.size} * data.size) {
    fail(fmt::format("model.layers: the first size must be size² = {} (got {})", Index{data.size} * data.size, sizes[0]));
  }
  for (Index n : sizes) {
    if (n < 1 || n > (1 << 20)) fail(fmt::format("model.layers: size {} must be between 1 and 1048576", n));
  }
  train::parse_method(model.method);
  parse_propagate(model.propagate);
  if (model.steps < 1 || model.steps > 1000) fail(fmt::format("model.steps = {}: must be between 1 and 1000", model.steps));
  if (model.epochs < 0 || model.epochs > 100000) fail(fmt::format("model.epochs = {}: must be between 0 and 100000", model.epochs));
  if (model.batch_size < 1 || model.batch_size > 100000) fail(fmt::format("model.batch_size = {}: must be between 1 and 100000", model.batch_size));
  if (!(model.learning_rate > 0.0f) || !std::isfinite(model.learning_rate)) fail(fmt::format("model.learning_rate = {}: must be > 0", model.learning_rate));
  if (!(model.momentum >= 0.0f && model.momentum < 1.0f)) fail(fmt::format("model.momentum = {}: must be in [0, 1)", model.momentum));
  if (!(model.l1 >= 0.0f) || !std::isfinite(model.l1)) fail(fmt::format("model.l1 = {}: must be >= 0", model.l1));
  if (model.schedule != "constant") train::parse_schedule(model.schedule);
  if (model.learning_rate_final) {
    if (model.schedule == "constant") fail("model.learning_rate_final: not with model.schedule = \"constant\"");
    if (!(*model.learning_rate_final > 0.0f) || !std::isfinite(*model.learning_rate_final)) {
      fail(fmt::format("model.learning_rate_final = {}: must be > 0", *model.learning_rate_final));
    }
  }
  if (model.symmetry != "auto" && model.symmetry != "z2" && model.symmetry != "none") {
    fail(fmt::format("model.symmetry = \"{}\": expected \"auto\", \"z2\" or \"none\"", printable(model.symmetry, 40)));
  }
  if (!(model.held_out > 0.0 && model.held_out <= 0.5)) fail(fmt::format("model.held_out = {}: must be in (0, 0.5]", model.held_out));
  if (static_cast<double>(data.samples) * model.held_out < 8) {
    fail(fmt::format("model.held_out = {}: keeps fewer than 8 of the {} rows out for the quality gate", model.held_out, data.samples));
  }
  if (measure.rows < 16 || measure.rows > data.samples) fail(fmt::format("measure.rows = {}: must be between 16 and data.samples", measure.rows));
  if (measure.ais_chains < 2 || measure.ais_chains > 100000) fail(fmt::format("measure.ais_chains = {}: must be between 2 and 100000", measure.ais_chains));
  if (measure.ais_betas != 0 && (measure.ais_betas < 2 || measure.ais_betas > 10'000'000)) fail(fmt::format("measure.ais_betas = {}: must be 0 (default schedule) or between 2 and 10000000", measure.ais_betas));
  if (measure.max_exact_units < 0 || measure.max_exact_units > 28) fail(fmt::format("measure.max_exact_units = {}: must be between 0 and 28", measure.max_exact_units));
  if (measure.histogram_bins < 2 || measure.histogram_bins > 1000) fail(fmt::format("measure.histogram_bins = {}: must be between 2 and 1000", measure.histogram_bins));
  if (measure.reconstructions < 0 || measure.reconstructions > 64) fail(fmt::format("measure.reconstructions = {}: must be between 0 and 64", measure.reconstructions));
  if (measure.permutations < 2 || measure.permutations > 100000) fail(fmt::format("measure.permutations = {}: must be between 2 and 100000", measure.permutations));
  if (rsmi.filter != "learned" && rsmi.filter != "uniform") {
    fail(fmt::format("rsmi.filter = \"{}\": expected \"learned\" or \"uniform\"", printable(rsmi.filter, 40)));
  }
  if (rsmi.buffer < 0 || rsmi.buffer > 256) fail(fmt::format("rsmi.buffer = {}: must be between 0 and 256", rsmi.buffer));
  if (rsmi.environment < 1 || rsmi.environment > 256) fail(fmt::format("rsmi.environment = {}: must be between 1 and 256", rsmi.environment));
  if (rsmi.epochs < 1 || rsmi.epochs > 100000) fail(fmt::format("rsmi.epochs = {}: must be between 1 and 100000", rsmi.epochs));
  if (rsmi.critic_epochs < 1 || rsmi.critic_epochs > 100000) fail(fmt::format("rsmi.critic_epochs = {}: must be between 1 and 100000", rsmi.critic_epochs));
  if (rsmi.batch_size != 0 && (rsmi.batch_size < 2 || rsmi.batch_size > 65536))
    fail(fmt::format("rsmi.batch_size = {}: must be 0 (auto) or between 2 and 65536", rsmi.batch_size));
  if (!(rsmi.beta > 0.0) || rsmi.beta > 1000.0) fail(fmt::format("rsmi.beta = {}: must be in (0, 1000]", rsmi.beta));
  if (!(rsmi.learning_rate > 0.0) || rsmi.learning_rate > 10.0) fail(fmt::format("rsmi.learning_rate = {}: must be in (0, 10]", rsmi.learning_rate));
  if (rsmi.enabled) {
    // rg::learn_rsmi holds out the last validation_fraction of the rows (its default, which the
    // pipeline keeps); a batch needs K training and 2K held-out configurations.
    const std::int64_t held = std::llround(static_cast<double>(data.samples) * rg::RsmiOptions{}.validation_fraction);
    const Index batch = rsmi.effective_batch_size(data.samples);
    if (batch < 2 || data.samples - held < batch || held < 2 * batch) {
      fail(fmt::format("rsmi.batch_size = {}{}: data.samples = {} hold out {} configurations, fewer than 2 x batch_size "
                       "(a smaller batch, more samples, or rsmi.enabled = false)",
                       batch, rsmi.batch_size == 0 ? " (auto)" : "", data.samples, held));
    }
  }
}

Config default_config() { return Config{}; }

Config demo_config() {
  Config c;
  c.data.size = 16;
  c.data.samples = 4000;
  c.data.pilot_samples = 1000;
  c.data.thermalize = 200;
  c.measure.rows = 1000;
  c.measure.ais_chains = 32;
  c.measure.ais_betas = 2000;
  // RSMI on 16² and 8²: a buffer of 1 lets the level-1 filter be learned on the 8×8 lattice
  // (2 + 2 + 4 = 8).
  c.rsmi.buffer = 1;
  return c;
}

// ---- TOML subset ---------------------------------------------------------------------------------

namespace {

using Scalar = std::variant<std::int64_t, double, bool, std::string>;
struct Value {
  bool is_array = false;
  std::vector<Scalar> items;  // one item unless is_array
};

std::string trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

// Removes a '#' comment that is not inside a string.
std::string strip_comment(const std::string& line) {
  bool in_string = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '"' && (i == 0 || line[i - 1] != '\\')) in_string = !in_string;
    if (line[i] == '#' && !in_string) return line.substr(0, i);
  }
  return line;
}

Scalar parse_scalar(const std::string& text) {
  const std::string t = trim(text);
  if (t.empty()) throw Error("missing value");
  if (t.front() == '"') {
    if (t.size() < 2 || t.back() != '"') throw Error(fmt::format("unterminated string {}", t));
    const std::string inner = t.substr(1, t.size() - 2);
    if (inner.find('"') != std::string::npos || inner.find('\\') != std::string::npos) {
      throw Error(fmt::format("string {}: quotes and escapes are not supported", t));
    }
    return inner;
  }
  if (t == "true") return true;
  if (t == "false") return false;
  std::string digits;
  for (char ch : t) {
    if (ch != '_') digits.push_back(ch);  // TOML allows 20_000
  }
  const bool integer = digits.find_first_of(".eEinfa") == std::string::npos;
  try {
    std::size_t used = 0;
    if (integer) {
      const long long v = std::stoll(digits, &used);
      if (used == digits.size()) return static_cast<std::int64_t>(v);
    } else {
      const double v = std::stod(digits, &used);
      if (used == digits.size() && std::isfinite(v)) return v;
    }
  } catch (const std::exception&) {
  }
  throw Error(fmt::format("'{}' is not a number, string or boolean", t));
}

Value parse_value(const std::string& text) {
  const std::string t = trim(text);
  Value v;
  if (!t.empty() && t.front() == '[') {
    if (t.back() != ']') throw Error("arrays must close on the same line");
    v.is_array = true;
    std::string inner = trim(t.substr(1, t.size() - 2));
    if (inner.empty()) return v;
    if (inner.back() == ',') inner.pop_back();  // trailing comma
    std::string item;
    bool in_string = false;
    for (char ch : inner) {
      if (ch == '"') in_string = !in_string;
      if (ch == ',' && !in_string) {
        v.items.push_back(parse_scalar(item));
        item.clear();
      } else {
        item.push_back(ch);
      }
    }
    v.items.push_back(parse_scalar(item));
    return v;
  }
  v.items.push_back(parse_scalar(t));
  return v;
}

const Scalar& single(const Value& v) {
  if (v.is_array) throw Error("expected a single value, not an array");
  return v.items.front();
}
std::int64_t as_int(const Scalar& s) {
  if (const auto* i = std::get_if<std::int64_t>(&s)) return *i;
  throw Error("expected an integer");
}
double as_double(const Scalar& s) {
  if (const auto* i = std::get_if<std::int64_t>(&s)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&s)) return *d;
  throw Error("expected a number");
}
std::string as_string(const Scalar& s) {
  if (const auto* str = std::get_if<std::string>(&s)) return *str;
  throw Error("expected a \"string\"");
}
bool as_bool(const Scalar& s) {
  if (const auto* b = std::get_if<bool>(&s)) return *b;
  throw Error("expected true or false");
}
int as_int32(const Scalar& s) {
  const std::int64_t v = as_int(s);
  if (v < -2147483647 || v > 2147483647) throw Error("integer out of range");
  return static_cast<int>(v);
}

using Setter = std::function<void(Config&, const Value&)>;

std::map<std::string, Setter> setters() {
  std::map<std::string, Setter> s;
  auto i32 = [](auto member) { return [member](Config& c, const Value& v) { member(c) = as_int32(single(v)); }; };
  auto i64 = [](auto member) { return [member](Config& c, const Value& v) { member(c) = as_int(single(v)); }; };
  auto f64 = [](auto member) { return [member](Config& c, const Value& v) { member(c) = as_double(single(v)); }; };
  auto f32 = [](auto member) { return [member](Config& c, const Value& v) { member(c) = static_cast<float>(as_double(single(v))); }; };
  auto str = [](auto member) { return [member](Config& c, const Value& v) { member(c) = as_string(single(v)); }; };
  s["seed"] = [](Config& c, const Value& v) {
    const std::int64_t seed = as_int(single(v));
    if (seed < 0) throw Error("seed must be >= 0");
    c.seed = static_cast<std::uint64_t>(seed);
  };
  s["data.size"] = i32([](Config& c) -> int& { return c.data.size; });
  s["data.temperature"] = f64([](Config& c) -> double& { return c.data.temperature; });
  s["data.coupling"] = [](Config& c, const Value& v) {
    const double k = as_double(single(v));
    if (!(k > 0.0)) throw Error("coupling must be > 0");
    c.data.temperature = 1.0 / k;
  };
  s["data.samples"] = i64([](Config& c) -> std::int64_t& { return c.data.samples; });
  s["data.algorithm"] = str([](Config& c) -> std::string& { return c.data.algorithm; });
  s["data.chains"] = i32([](Config& c) -> int& { return c.data.chains; });
  s["data.thermalize"] = i32([](Config& c) -> int& { return c.data.thermalize; });
  s["data.pilot_samples"] = i64([](Config& c) -> std::int64_t& { return c.data.pilot_samples; });
  s["data.decorrelation"] = f64([](Config& c) -> double& { return c.data.decorrelation; });
  s["data.paramagnet_temperature"] = f64([](Config& c) -> double& { return c.data.paramagnet_temperature; });
  s["data.ordered_temperature"] = f64([](Config& c) -> double& { return c.data.ordered_temperature; });
  s["data.texture_correlation_length"] = f64([](Config& c) -> double& { return c.data.texture_correlation_length; });
  s["data.controls"] = [](Config& c, const Value& v) {
    if (!v.is_array) throw Error("expected an array of strings");
    c.data.controls.clear();
    for (const auto& item : v.items) c.data.controls.push_back(as_string(item));
  };
  s["model.layers"] = [](Config& c, const Value& v) {
    if (!v.is_array) throw Error("expected an array of integers");
    c.model.layers.clear();
    for (const auto& item : v.items) c.model.layers.push_back(as_int(item));
  };
  s["model.method"] = str([](Config& c) -> std::string& { return c.model.method; });
  s["model.steps"] = i32([](Config& c) -> int& { return c.model.steps; });
  s["model.epochs"] = i32([](Config& c) -> int& { return c.model.epochs; });
  s["model.batch_size"] = i64([](Config& c) -> Index& { return c.model.batch_size; });
  s["model.learning_rate"] = f32([](Config& c) -> float& { return c.model.learning_rate; });
  s["model.momentum"] = f32([](Config& c) -> float& { return c.model.momentum; });
  s["model.learning_rate_final"] = [](Config& c, const Value& v) {
    const Scalar& x = single(v);
    if (const auto* name = std::get_if<std::string>(&x)) {
      if (*name != "auto") throw Error("expected a number or \"auto\"");
      c.model.learning_rate_final.reset();
    } else {
      c.model.learning_rate_final = static_cast<float>(as_double(x));
    }
  };
  s["model.schedule"] = str([](Config& c) -> std::string& { return c.model.schedule; });
  s["model.centering"] = [](Config& c, const Value& v) { c.model.centering = as_bool(single(v)); };
  s["model.symmetry"] = str([](Config& c) -> std::string& { return c.model.symmetry; });
  s["model.held_out"] = f64([](Config& c) -> double& { return c.model.held_out; });
  s["model.l1"] = f32([](Config& c) -> float& { return c.model.l1; });
  s["model.propagate"] = str([](Config& c) -> std::string& { return c.model.propagate; });
  s["model.local"] = [](Config& c, const Value& v) { c.model.local = as_bool(single(v)); };
  s["model.block"] = i32([](Config& c) -> int& { return c.model.block; });
  s["measure.rows"] = i64([](Config& c) -> Index& { return c.measure.rows; });
  s["measure.ais_chains"] = i32([](Config& c) -> int& { return c.measure.ais_chains; });
  s["measure.ais_betas"] = i32([](Config& c) -> int& { return c.measure.ais_betas; });
  s["measure.max_exact_units"] = i64([](Config& c) -> Index& { return c.measure.max_exact_units; });
  s["measure.histogram_bins"] = i32([](Config& c) -> int& { return c.measure.histogram_bins; });
  s["measure.reconstructions"] = i32([](Config& c) -> int& { return c.measure.reconstructions; });
  s["measure.permutations"] = i32([](Config& c) -> int& { return c.measure.permutations; });
  s["rsmi.enabled"] = [](Config& c, const Value& v) { c.rsmi.enabled = as_bool(single(v)); };
  s["rsmi.filter"] = str([](Config& c) -> std::string& { return c.rsmi.filter; });
  s["rsmi.buffer"] = i32([](Config& c) -> int& { return c.rsmi.buffer; });
  s["rsmi.environment"] = i32([](Config& c) -> int& { return c.rsmi.environment; });
  s["rsmi.epochs"] = i32([](Config& c) -> int& { return c.rsmi.epochs; });
  s["rsmi.critic_epochs"] = i32([](Config& c) -> int& { return c.rsmi.critic_epochs; });
  s["rsmi.batch_size"] = i64([](Config& c) -> Index& { return c.rsmi.batch_size; });
  s["rsmi.beta"] = f64([](Config& c) -> double& { return c.rsmi.beta; });
  s["rsmi.learning_rate"] = f64([](Config& c) -> double& { return c.rsmi.learning_rate; });
  return s;
}

}  // namespace

Config parse_config(const std::string& text, const std::string& source, Config base) {
  static const std::map<std::string, Setter> table = setters();
  std::istringstream in(text);
  std::string raw;
  std::string section;
  std::set<std::string> seen;
  int line_no = 0;
  while (std::getline(in, raw)) {
    ++line_no;
    const std::string line = trim(strip_comment(raw));
    if (line.empty()) continue;
    try {
      if (line.front() == '[') {
        if (line.back() != ']') throw Error("section header must end with ']'");
        section = trim(line.substr(1, line.size() - 2));
        if (section != "data" && section != "model" && section != "measure" && section != "rsmi") {
          throw Error(fmt::format("unknown section [{}] (data, model, measure, rsmi)", printable(section, 40)));
        }
        continue;
      }
      const auto eq = line.find('=');
      if (eq == std::string::npos) throw Error("expected 'key = value'");
      const std::string key = trim(line.substr(0, eq));
      const std::string full = section.empty() ? key : section + "." + key;
      const auto it = table.find(full);
      if (it == table.end()) throw Error(fmt::format("unknown key {}", quote(full)));
      if (!seen.insert(full).second) throw Error(fmt::format("key {} is given twice", quote(full)));
      try {
        it->second(base, parse_value(line.substr(eq + 1)));
      } catch (const Error& e) {
        throw Error(fmt::format("{}: {}", full, e.what()));
      }
    } catch (const Error& e) {
      throw FileError(source, fmt::format("line {}: {}", line_no, e.what()));
    }
  }
  try {
    base.validate();
  } catch (const Error& e) {
    throw FileError(source, e.what());
  }
  return base;
}

Config load_config(const std::string& path, Config base) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw FileError(path, "is a directory, not a config file");
  // A config is a few hundred bytes; a huge file is a wrong argument, not a config.
  constexpr std::uintmax_t kMaxConfigBytes = std::uintmax_t{1} << 20;
  if (const std::uintmax_t size = std::filesystem::file_size(path, ec); !ec && size > kMaxConfigBytes) {
    throw FileError(path, fmt::format("{} bytes: too large for a config file (limit {})", size, kMaxConfigBytes));
  }
  std::ifstream in(path);
  if (!in) throw FileError(path, "cannot open config file");
  std::stringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), path, std::move(base));
}

void to_json(nlohmann::json& j, const Config& c) {
  j = {{"seed", std::to_string(c.seed)},
       {"data",
        {{"size", c.data.size},
         {"temperature", c.data.temperature},
         {"samples", c.data.samples},
         {"algorithm", c.data.algorithm},
         {"chains", c.data.chains},
         {"thermalize", c.data.thermalize},
         {"pilot_samples", c.data.pilot_samples},
         {"decorrelation", c.data.decorrelation},
         {"paramagnet_temperature", c.data.paramagnet_temperature},
         {"ordered_temperature", c.data.ordered_temperature},
         {"texture_correlation_length", c.data.texture_correlation_length},
         {"controls", c.data.controls}}},
       {"model",
        {{"layers", c.layer_sizes()},
         {"method", c.model.method},
         {"steps", c.model.steps},
         {"epochs", c.model.epochs},
         {"batch_size", c.model.batch_size},
         {"learning_rate", train::detail::json_float(c.model.learning_rate)},
         {"learning_rate_final", c.model.learning_rate_final ? nlohmann::json(train::detail::json_float(*c.model.learning_rate_final))
                                                             : nlohmann::json("auto")},
         {"schedule", c.model.schedule},
         {"momentum", train::detail::json_float(c.model.momentum)},
         {"centering", c.model.centering},
         {"symmetry", c.model.symmetry},
         {"l1", train::detail::json_float(c.model.l1)},
         {"held_out", c.model.held_out},
         {"propagate", c.model.propagate},
         {"local", c.model.local},
         {"block", c.model.block}}},
       {"measure",
        {{"rows", c.measure.rows},
         {"ais_chains", c.measure.ais_chains},
         {"ais_betas", c.measure.ais_betas},
         {"max_exact_units", c.measure.max_exact_units},
         {"histogram_bins", c.measure.histogram_bins},
         {"reconstructions", c.measure.reconstructions},
         {"permutations", c.measure.permutations}}},
       {"rsmi",
        {{"enabled", c.rsmi.enabled},
         {"filter", c.rsmi.filter},
         {"buffer", c.rsmi.buffer},
         {"environment", c.rsmi.environment},
         {"epochs", c.rsmi.epochs},
         {"critic_epochs", c.rsmi.critic_epochs},
         {"batch_size", c.rsmi.batch_size},
         {"beta", c.rsmi.beta},
         {"learning_rate", c.rsmi.learning_rate}}}};
}

}  // namespace rgflow::vrg
