#include "rgflow/rg/coarse_graining.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "rgflow/conv/file.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/io/hdf5.hpp"
#include "rgflow/rg/rsmi_file.hpp"

namespace rgflow::rg {

namespace {
std::int64_t power(std::int64_t base, int d) { return d == 1 ? base : base * base; }
}  // namespace

void BlockingRule::apply(std::span<const std::int8_t> spins, int L, Rng& rng, std::span<std::int8_t> out) const {
  const int b = factor();
  const int d = dimension();
  if (b < 1 || L < 1 || L % b != 0)
    throw Error(fmt::format("{} rule: the block size {} must divide the lattice size {}", name(), b, L));
  if (static_cast<std::int64_t>(spins.size()) != power(L, d))
    throw Error(fmt::format("{} rule: configuration has {} spins, expected {}", name(), spins.size(), power(L, d)));
  if (static_cast<std::int64_t>(out.size()) != power(L / b, d))
    throw Error(fmt::format("{} rule: output has {} sites, expected {}", name(), out.size(), power(L / b, d)));
  apply_checked(spins.data(), L, rng, out.data());
}

std::vector<std::int8_t> BlockingRule::apply(std::span<const std::int8_t> spins, int L, Rng& rng) const {
  const int b = factor();
  std::vector<std::int8_t> out(static_cast<std::size_t>(b >= 1 && L >= b ? power(L / b, dimension()) : 0));
  apply(spins, L, rng, out);
  return out;
}

BlockSpinRule::BlockSpinRule(BlockRule rule, int factor) : rule_(rule), factor_(factor) {
  if (factor < 1) throw Error(fmt::format("block spins: block size {} must be at least 1", factor));
}

void BlockSpinRule::apply_checked(const std::int8_t* spins, int L, Rng& rng, std::int8_t* out) const {
  const auto sites = static_cast<std::size_t>(L) * static_cast<std::size_t>(L);
  const auto coarse = block_spins(std::span<const std::int8_t>(spins, sites), L, factor_, rule_, rng);
  std::copy(coarse.begin(), coarse.end(), out);
}

LinearFilterRule::LinearFilterRule(std::vector<double> weights, int factor, int dimension, std::string name)
    : weights_(std::move(weights)), factor_(factor), dimension_(dimension), name_(std::move(name)) {
  if (dimension != 1 && dimension != 2) throw Error(fmt::format("filter rule: dimension {} is not 1 or 2", dimension));
  if (factor < 1) throw Error(fmt::format("filter rule: block size {} must be at least 1", factor));
  if (static_cast<std::int64_t>(weights_.size()) != power(factor, dimension))
    throw Error(fmt::format("filter rule: {} weights for a block of {} sites", weights_.size(), power(factor, dimension)));
  if (!std::all_of(weights_.begin(), weights_.end(), [](double w) { return std::isfinite(w); }))
    throw Error("filter rule: weights must be finite");
  if (std::all_of(weights_.begin(), weights_.end(), [](double w) { return w == 0.0; }))
    throw Error("filter rule: weights are all zero");
  for (const double w : weights_) abs_sum_ += std::abs(w);
}

void LinearFilterRule::apply_checked(const std::int8_t* s, int L, Rng& rng, std::int8_t* out) const {
  const int b = factor_;
  const int Lb = L / b;
  const int rows = dimension_ == 2 ? Lb : 1;
  const int block_rows = dimension_ == 2 ? b : 1;
  for (int Y = 0; Y < rows; ++Y)
    for (int X = 0; X < Lb; ++X) {
      double sum = 0.0;
      std::size_t i = 0;
      for (int y = b * Y; y < b * Y + block_rows; ++y)
        for (int x = b * X; x < b * X + b; ++x) sum += weights_[i++] * s[y * L + x];
      int sign = filter_sign(sum, abs_sum_);
      if (sign == 0) sign = (rng() & 1u) ? 1 : -1;
      out[Y * Lb + X] = static_cast<std::int8_t>(sign);
    }
}

const char* to_string(HiddenState state) { return state == HiddenState::sign ? "sign" : "sample"; }

HiddenState parse_hidden_state(const std::string& text) {
  if (text == "sample") return HiddenState::sample;
  if (text == "sign") return HiddenState::sign;
  throw Error(fmt::format("hidden state '{}': expected sample or sign", text));
}

ConvRbmRule::ConvRbmRule(conv::ConvRbm model, int channel, HiddenState hidden)
    : model_(std::move(model)), channel_(channel), hidden_(hidden) {
  model_.validate();
  const Index C = model_.shape().channels;
  if (channel < 0 || channel >= C)
    throw Error(fmt::format("conv-rbm rule: channel {} is not one of the model's {} channel(s) 0..{}", channel, C, C - 1));
  abs_sum_ = std::abs(static_cast<double>(model_.hidden_bias()(channel)));
  Index largest = 0;
  for (Index k = 0; k < model_.shape().kernel_size(); ++k) {
    const double w = model_.kernels()(channel, k);
    abs_sum_ += std::abs(w);
    if (std::abs(w) > std::abs(static_cast<double>(model_.kernels()(channel, largest)))) largest = k;
  }
  orientation_ = model_.kernels()(channel, largest) < 0.0f ? -1 : 1;
}

std::string ConvRbmRule::name() const {
  std::string n = std::string("conv-rbm-") + to_string(hidden_);
  if (model_.shape().channels > 1) n += fmt::format(":channel{}", channel_);
  return n;
}

void ConvRbmRule::fields_checked(const std::int8_t* s, int L, double* phi) const {
  const auto& shape = model_.shape();
  const int K = static_cast<int>(shape.kernel), S = static_cast<int>(shape.stride), M = L / S;
  const bool spin_visible = model_.visible_type() == UnitType::spin;
  const double bias = model_.hidden_bias()(channel_);
  for (int p1 = 0; p1 < M; ++p1)
    for (int p2 = 0; p2 < M; ++p2) {
      double sum = bias;
      for (int a = 0; a < K; ++a) {
        const int y = (S * p1 + a) % L;
        for (int b = 0; b < K; ++b) {
          const int x = (S * p2 + b) % L;
          const double v = spin_visible ? static_cast<double>(s[y * L + x]) : 0.5 * (1.0 + s[y * L + x]);
          sum += static_cast<double>(model_.kernels()(channel_, a * K + b)) * v;
        }
      }
      phi[p1 * M + p2] = sum;
    }
}

std::vector<double> ConvRbmRule::fields(std::span<const std::int8_t> spins, int L) const {
  const int S = factor();
  if (L < 1 || L % S != 0)
    throw Error(fmt::format("{} rule: the block size {} must divide the lattice size {}", name(), S, L));
  if (static_cast<std::int64_t>(spins.size()) != std::int64_t{L} * L)
    throw Error(fmt::format("{} rule: configuration has {} spins, expected {}", name(), spins.size(), std::int64_t{L} * L));
  std::vector<double> phi(static_cast<std::size_t>((L / S) * (L / S)));
  fields_checked(spins.data(), L, phi.data());
  return phi;
}

void ConvRbmRule::apply_checked(const std::int8_t* spins, int L, Rng& rng, std::int8_t* out) const {
  const int M = L / factor();
  std::vector<double> phi(static_cast<std::size_t>(M) * static_cast<std::size_t>(M));
  fields_checked(spins, L, phi.data());
  const double k = model_.hidden_type() == UnitType::spin ? 2.0 : 1.0;
  for (std::size_t i = 0; i < phi.size(); ++i) {
    phi[i] *= orientation_;  // exact: a sign change
    bool on = false;
    if (hidden_ == HiddenState::sample) {
      on = rng.uniform_double() < 1.0 / (1.0 + std::exp(-k * phi[i]));
    } else {
      const int sign = filter_sign(phi[i], abs_sum_);
      on = sign == 0 ? (rng() & 1u) != 0 : sign > 0;
    }
    out[i] = static_cast<std::int8_t>(on ? 1 : -1);
  }
}

std::vector<std::int8_t> coarse_grain_batch(const BlockingRule& rule, std::span<const std::int8_t> spins,
                                            std::int64_t n, int L, std::uint64_t seed) {
  const int b = rule.factor();
  const int d = rule.dimension();
  if (b < 1 || L < 1 || L % b != 0)
    throw Error(fmt::format("{} rule: the block size {} must divide the lattice size {}", rule.name(), b, L));
  const std::int64_t in_size = power(L, d), out_size = power(L / b, d);
  if (n < 0 || static_cast<std::int64_t>(spins.size()) != n * in_size)
    throw Error(fmt::format("{} rule: batch size does not match n x {} sites", rule.name(), in_size));
  std::vector<std::int8_t> out(static_cast<std::size_t>(n * out_size));
#pragma omp parallel for schedule(static)
  for (std::int64_t i = 0; i < n; ++i) {
    Rng rng(seed, static_cast<std::uint64_t>(i));
    rule.apply(spins.subspan(static_cast<std::size_t>(i * in_size), static_cast<std::size_t>(in_size)), L, rng,
               std::span<std::int8_t>(out.data() + i * out_size, static_cast<std::size_t>(out_size)));
  }
  return out;
}

bool is_conv_rule_file(const std::string& path) {
  const io::h5::File file = io::h5::File::open(path);
  return file.exists("/conv_rbm");
}

std::shared_ptr<const BlockingRule> rule_from_file(const std::string& path, const RuleOptions& options) {
  bool rsmi = false, conv_rbm = false;
  {
    const io::h5::File file = io::h5::File::open(path);
    rsmi = file.exists("/rsmi");
    conv_rbm = file.exists("/conv_rbm");
  }
  if (rsmi) {
    const RsmiModel model = load_rsmi(path);
    if (model.filter.rows() != 1)
      throw FileError(path, fmt::format("the RSMI filter has {} coarse variables per block; a blocking rule "
                                        "needs exactly 1 (learn it with hidden-per-block 1)",
                                        model.filter.rows()));
    std::vector<double> w(model.filter.data(), model.filter.data() + model.filter.size());
    return std::make_shared<LinearFilterRule>(std::move(w), model.geometry.block, model.geometry.dimension, "rsmi");
  }
  if (conv_rbm) {
    conv::ConvRbm model = conv::load_model(path);
    const Index C = model.shape().channels;
    if (!options.channel && C != 1)
      throw FileError(path, fmt::format("the convolutional RBM has {} channels; choose the one whose hidden lattice "
                                        "is the coarse lattice (--conv-channel 0..{})", C, C - 1));
    const int channel = options.channel.value_or(0);
    if (channel < 0 || channel >= C)
      throw FileError(path, fmt::format("channel {} is not one of the model's {} channel(s) 0..{}", channel, C, C - 1));
    return std::make_shared<ConvRbmRule>(std::move(model), channel, options.hidden.value_or(HiddenState::sample));
  }
  throw FileError(path, "no blocking rule in this file (expected an RSMI file, group /rsmi, or a convolutional "
                        "RBM, group /conv_rbm)");
}

std::shared_ptr<const BlockingRule> make_blocking_rule(const std::string& spec, int factor, const RuleOptions& options) {
  if (spec == "majority" || spec == "decimation")
    return std::make_shared<BlockSpinRule>(parse_block_rule(spec), factor);
  return rule_from_file(spec, options);
}

}  // namespace rgflow::rg
