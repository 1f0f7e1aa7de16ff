#pragma once
// Blocking rules ("coarse-grainings"): the one interface through which block spins, learned
// real-space-mutual-information filters (rg/rsmi.hpp) and — later — a convolutional RBM's p(h|v)
// turn a periodic spin configuration of side L into one of side L/b, so that `rgflow rg
// coarse-grain` and the MCRG of rg/mcrg.hpp can use any of them at every blocking step.
//
// A rule maps each block of the lattice to one coarse spin, deterministically or by drawing from
// an Rng (majority's tie coin, a stochastic p(h|v)). Block X covers sites x ∈ [bX, bX + b) in
// each direction; coarse site X is stored at the same row-major index as the block. A rule may
// read beyond its block (a convolutional kernel wider than its stride) — it is handed the whole
// periodic configuration.
//
// Implementations here: BlockSpinRule (Kadanoff majority / decimation, rg/block_spin.hpp),
// LinearFilterRule (s' = sign(Σ_i w_i s_i) over the block: an RSMI filter, Koch-Janusz & Ringel,
// Nat. Phys. 14, 578 (2018)) and ConvRbmRule (a convolutional RBM's p(h|v) at stride b: the
// RBM's learned blocking, issues #17/#18).
#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "rgflow/conv/conv_rbm.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/rg/block_spin.hpp"

namespace rgflow::rg {

class BlockingRule {
 public:
  virtual ~BlockingRule() = default;

  // b: the coarse lattice has side L / b.
  virtual int factor() const = 0;
  // 1: a ring of L sites; 2: a periodic L×L lattice (row-major, site y·L + x).
  virtual int dimension() const { return 2; }
  // Short name for outputs and provenance: "majority", "decimation", "rsmi", ...
  virtual std::string name() const = 0;

  // `spins`: L^d values ±1; `out`: (L/b)^d values, written with ±1. Throws rgflow::Error unless
  // b divides L and the sizes match. Draws from `rng` only where the rule is stochastic.
  void apply(std::span<const std::int8_t> spins, int L, Rng& rng, std::span<std::int8_t> out) const;
  std::vector<std::int8_t> apply(std::span<const std::int8_t> spins, int L, Rng& rng) const;

 protected:
  // Called by apply() after the size checks.
  virtual void apply_checked(const std::int8_t* spins, int L, Rng& rng, std::int8_t* out) const = 0;
};

// Kadanoff block spins (rg/block_spin.hpp): the same draws and results as block_spins().
class BlockSpinRule final : public BlockingRule {
 public:
  BlockSpinRule(BlockRule rule, int factor);  // Error unless factor ≥ 1
  int factor() const override { return factor_; }
  std::string name() const override { return block_rule_name(rule_); }
  BlockRule rule() const { return rule_; }

 protected:
  void apply_checked(const std::int8_t* spins, int L, Rng& rng, std::int8_t* out) const override;

 private:
  BlockRule rule_;
  int factor_;
};

// s'_X = sign(Σ_i w_i s_{X,i}) with the block's sites i in row-major order (i = dy·b + dx; in 1D
// i = dx). The sum is accumulated in double in site order; a tie (the uniform filter on a block
// with as many + as − spins), |Σ| ≤ kFilterTieTolerance · Σ_i |w_i| so that rounding does not
// decide it, makes s' a fair coin, `rng() & 1` — the draw majority rule makes, so any uniform
// filter reproduces majority rule bit for bit.
inline constexpr double kFilterTieTolerance = 1e-12;

// +1, −1, or 0 for a tie, of a = Σ w_i s_i given Σ |w_i| (the rule above; rg/rsmi.hpp and
// rg/rsmi_exact.hpp use it too).
inline int filter_sign(double a, double abs_weight_sum) {
  if (std::abs(a) <= kFilterTieTolerance * abs_weight_sum) return 0;
  return a > 0.0 ? 1 : -1;
}

class LinearFilterRule final : public BlockingRule {
 public:
  // `weights`: b^dimension values, finite, not all zero (else Error).
  LinearFilterRule(std::vector<double> weights, int factor, int dimension, std::string name = "rsmi");
  int factor() const override { return factor_; }
  int dimension() const override { return dimension_; }
  std::string name() const override { return name_; }
  const std::vector<double>& weights() const { return weights_; }

 protected:
  void apply_checked(const std::int8_t* spins, int L, Rng& rng, std::int8_t* out) const override;

 private:
  std::vector<double> weights_;
  double abs_sum_ = 0.0;
  int factor_;
  int dimension_;
  std::string name_;
};

// How a convolutional RBM's hidden unit becomes a coarse spin.
enum class HiddenState {
  sample,  // h ~ p(h | v): the stochastic coarse-graining the RBM defines
  sign,    // the most probable state, sign of the field φ (= sign of the mean-field value); tie: coin
};
const char* to_string(HiddenState state);
HiddenState parse_hidden_state(const std::string& text);  // "sample" | "sign"; Error otherwise

// A convolutional RBM (conv/conv_rbm.hpp) with stride b as a blocking rule: coarse site p (the
// block whose corner is b·p, row-major on the (L/b)² hidden lattice) is hidden unit (channel, p),
// fed the field φ_p = b_c + Σ_{a,a'} W_c[a,a'] v_{(b p₁ + a, b p₂ + a') mod L}, v = s for spin
// visible units, (1 + s)/2 for Bernoulli ones. `sample`: h = on with probability σ(k φ_p)
// (k = 2 spin, 1 Bernoulli hidden units), one uniform_double() per coarse site in row-major order;
// `sign`: on iff φ_p > 0, a tie |φ_p| ≤ kFilterTieTolerance · (|b_c| + Σ|W_c|) a fair coin
// `rng() & 1` drawn only then — so the majority-rule model (conv::majority_rule_model) in `sign`
// mode reproduces majority rule (BlockSpinRule) bit for bit, and in `sample` mode in distribution.
// "on" is +1, "off" −1 (Bernoulli hidden units: 1 → +1, 0 → −1). The kernel applies at any L that
// the stride divides (the model's own lattice size is not needed): the same learned rule blocks
// every level of an MCRG. Fields in float64, summed in kernel order.
// Orientation: the model defines its coarse spins only up to the global relabelling h → −h
// (W, b → −W, −b leaves p(v) unchanged for spin hidden units; Z2-trained models come out with
// either sign), and MCRG's odd eigenvalue takes the sign of that choice. The rule fixes it as the
// RSMI filters do (rg/rsmi.hpp): the coarse spin is multiplied by orientation() = the sign of
// the channel's kernel weight of largest magnitude (the first of equal ones), so majority-like
// kernels of either sign give the same majority-like rule. A positive kernel is unchanged.
class ConvRbmRule final : public BlockingRule {
 public:
  // Error unless 0 ≤ channel < C and the model is valid.
  ConvRbmRule(conv::ConvRbm model, int channel, HiddenState hidden);
  int factor() const override { return static_cast<int>(model_.shape().stride); }
  // "conv-rbm-sample" | "conv-rbm-sign", with ":channelC" appended for a multi-channel model.
  std::string name() const override;
  HiddenState hidden_state() const { return hidden_; }
  int channel() const { return channel_; }
  int orientation() const { return orientation_; }  // +1 or −1 (above)
  // φ_p for every coarse site of one configuration, before the orientation (tests).
  std::vector<double> fields(std::span<const std::int8_t> spins, int L) const;

 protected:
  void apply_checked(const std::int8_t* spins, int L, Rng& rng, std::int8_t* out) const override;

 private:
  void fields_checked(const std::int8_t* spins, int L, double* phi) const;
  conv::ConvRbm model_;
  int channel_;
  HiddenState hidden_;
  double abs_sum_ = 0.0;
  int orientation_ = 1;
};

// A batch [n, L^d] → [n, (L/b)^d]; configuration i draws from Rng(seed, i) (as
// block_spins_batch), so the result does not depend on the thread count.
std::vector<std::int8_t> coarse_grain_batch(const BlockingRule& rule, std::span<const std::int8_t> spins,
                                            std::int64_t n, int L, std::uint64_t seed);

// Options for rules read from convolutional RBM files (ignored for other rules): the channel whose
// hidden lattice is the coarse lattice (unset: the model must have one channel, else Error naming
// the channel count) and the hidden state (unset: sample).
struct RuleOptions {
  std::optional<int> channel;
  std::optional<HiddenState> hidden;
};

// "majority" or "decimation" with block side `factor`; otherwise `spec` names a file holding a
// rule: an RSMI file (rg/rsmi_file.hpp) or a convolutional RBM file (conv/file.hpp). Throws
// Error (unknown name, bad options) or FileError (unreadable file, no rule in it).
std::shared_ptr<const BlockingRule> make_blocking_rule(const std::string& spec, int factor,
                                                       const RuleOptions& options = {});
// The rule stored in a file (FileError if there is none).
std::shared_ptr<const BlockingRule> rule_from_file(const std::string& path, const RuleOptions& options = {});
// True if `path` is an HDF5 file holding a convolutional RBM (FileError if it cannot be opened).
bool is_conv_rule_file(const std::string& path);

}  // namespace rgflow::rg
