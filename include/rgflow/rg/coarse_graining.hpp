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
// Implementations here: BlockSpinRule (Kadanoff majority / decimation, rg/block_spin.hpp) and
// LinearFilterRule (s' = sign(Σ_i w_i s_i) over the block: an RSMI filter, Koch-Janusz & Ringel,
// Nat. Phys. 14, 578 (2018)). Hook for issue #16: a convolutional RBM implements BlockingRule
// (p(h|v) sampled, or its sign, per hidden unit at stride b) and rule_from_file() learns to
// recognise its file.
#include <cmath>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

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

// A batch [n, L^d] → [n, (L/b)^d]; configuration i draws from Rng(seed, i) (as
// block_spins_batch), so the result does not depend on the thread count.
std::vector<std::int8_t> coarse_grain_batch(const BlockingRule& rule, std::span<const std::int8_t> spins,
                                            std::int64_t n, int L, std::uint64_t seed);

// "majority" or "decimation" with block side `factor`; otherwise `spec` names a file holding a
// rule (today: an RSMI file, rg/rsmi_file.hpp; issue #16 adds convolutional RBM files). Throws
// Error (unknown name) or FileError (unreadable file, no rule in it).
std::shared_ptr<const BlockingRule> make_blocking_rule(const std::string& spec, int factor);
// The rule stored in a file (FileError if there is none).
std::shared_ptr<const BlockingRule> rule_from_file(const std::string& path);

}  // namespace rgflow::rg
