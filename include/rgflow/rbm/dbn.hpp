#pragma once
// Deep belief network: a stack of RBMs, layer k's hidden units being layer k+1's visible units
// (Hinton, Osindero & Teh 2006, "A fast learning algorithm for deep belief nets").
//
// Levels: level 0 is the data v = h⁰, level k ≥ 1 is the hidden layer hᵏ of RBM k−1 (0-based
// layers). A DBN of L layers has L+1 levels with sizes n_0 = n_visible(layer 0), n_{k+1} =
// n_hidden(layer k). Chain rule: n_visible(layer k) = n_hidden(layer k−1) and the unit types agree.
//
// Generative model (Hinton et al. 2006 §2–3): the top two levels form the undirected RBM L−1; the
// lower levels are a directed sigmoid belief net whose conditionals are the RBMs' visible
// conditionals:
//   p(v, h¹, …, hᴸ) = [Π_{k=0}^{L−2} p_k(hᵏ | hᵏ⁺¹)] · p_{L−1}(hᴸ⁻¹, hᴸ)
// so p(v) = Σ_{h¹} p_0(v | h¹) p_DBN,upper(h¹); for two layers p(v) = Σ_h p_0(v|h) p_1(h) with
// p_1(h) = e^{−F_1(h)}/Z_1 the second RBM's marginal over its visible units (rbm/rbm.hpp).
// Generation (generate()): block Gibbs in the top RBM, then one ancestral pass down.
// Recognition (up()): the factorial approximate posterior Q(hᵏ⁺¹ | hᵏ) = p_k(hᵏ⁺¹ | hᵏ) of each
// RBM, used either as means E[h|·] (probabilities for Bernoulli units, tanh φ for spins) or as
// samples (Hinton et al. 2006 §4; Hinton 2010 §3).
#include <string_view>
#include <vector>

#include "rgflow/core/rng.hpp"
#include "rgflow/core/types.hpp"
#include "rgflow/rbm/rbm.hpp"

namespace rgflow {

// How activations are pushed up a layer: the conditional means E[h | v] or samples h ~ p(h | v).
enum class Propagate { mean, sample };
std::string_view to_string(Propagate p);  // "mean" | "sample"
// Accepts "mean" (alias "probabilities") and "sample" (alias "samples"); throws Error otherwise.
Propagate parse_propagate(std::string_view name);

class Dbn {
 public:
  Dbn() = default;
  // Takes the layers bottom-up; throws Error (see validate()) if they do not chain.
  explicit Dbn(std::vector<Rbm> layers);
  // Untrained layers (all parameters zero) with level sizes sizes[0..L] and unit types
  // types[0..L] (one per level; a single entry is used for every level). Throws Error.
  static Dbn with_sizes(const std::vector<Index>& sizes, const std::vector<UnitType>& types = {UnitType::bernoulli});

  Index n_layers() const { return static_cast<Index>(layers_.size()); }
  bool empty() const { return layers_.empty(); }
  const Rbm& layer(Index k) const;  // throws Error when k is out of range
  Rbm& layer(Index k);              // mutable for training; call validate() after reshaping
  const std::vector<Rbm>& layers() const { return layers_; }
  // Appends a layer on top; throws Error if it does not chain onto the current top.
  void add_layer(Rbm rbm);

  Index n_visible() const;  // n_0 (0 for an empty DBN)
  // Level sizes n_0, …, n_L (L+1 entries; empty for an empty DBN).
  std::vector<Index> level_sizes() const;
  // Unit type of level k ∈ [0, L].
  UnitType level_type(Index level) const;

  // Throws Error naming the first problem: an empty stack, an invalid layer (Rbm::validate), or
  // layer k whose n_visible / visible_type differs from layer k−1's n_hidden / hidden_type.
  void validate() const;

  // Activations at `level` ∈ [0, L] of the rows of V (level 0 returns V). Propagate::mean uses
  // E[hᵏ⁺¹ | hᵏ] and draws nothing from rng; Propagate::sample draws hᵏ⁺¹ ~ p_k(hᵏ⁺¹ | hᵏ) from
  // the previous level's samples, consuming rng in a fixed order (layer by layer, row-major).
  MatrixF up(const MatrixF& V, Index level, Propagate mode, Rng& rng) const;
  MatrixF up_mean(const MatrixF& V, Index level) const;
  // Ancestral pass from `level` down to the data: x^{k−1} ~ p_{k−1}(x^{k−1} | xᵏ) for k = level,
  // …, 1 (the last step returns E[v | h¹] instead of a sample when mean_visible).
  MatrixF down(const MatrixF& X, Index level, Rng& rng, bool mean_visible = false) const;

  // Samples of the DBN's p(v): `gibbs_steps` block-Gibbs sweeps x → h → x of the top RBM
  // (layer L−1) starting from `top_start` (rows at level L−1, one chain per row), then down().
  // The chains are independent, so for gibbs_steps → ∞ the rows are i.i.d. draws of p(v).
  MatrixF generate(const MatrixF& top_start, int gibbs_steps, Rng& rng,
                   bool mean_visible = false) const;
  // Same from `n` chains whose level-(L−1) units start uniformly at random (each state with
  // probability ½, drawn from rng first).
  MatrixF generate(Index n, int gibbs_steps, Rng& rng, bool mean_visible = false) const;

 private:
  void check_level(Index level) const;
  std::vector<Rbm> layers_;
};

}  // namespace rgflow
