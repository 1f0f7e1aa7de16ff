#pragma once
// Hopfield associative memory (Hopfield 1982; Amit, Gutfreund & Sompolinsky 1985) storing P
// patterns ξ^μ ∈ {−1, +1}^N, μ = 1 … P (the rows of Ξ, a P × N matrix).
//
// Couplings J (N × N, symmetric; docs/hopfield.md):
//   Hebb:           J = (1/N) Ξᵀ Ξ,           J_ij = (1/N) Σ_μ ξ^μ_i ξ^μ_j,   J_ii = P/N
//   pseudo-inverse: J = Ξ⁺ Ξ = Ξᵀ (Ξ Ξᵀ)⁺ Ξ  (Personnaz, Guyon & Dreyfus 1985; Kanter &
//                   Sompolinsky 1987): the orthogonal projector onto the span of the patterns,
//                   so J ξ^μ = ξ^μ for every stored pattern (Moore–Penrose inverse: correlated or
//                   more than N patterns give the projector onto their span).
// Energy, with the diagonal kept (the convention of issue #22 and of the Gaussian-hidden RBM twin
// of Barra, Bernacchia, Santucci & Contucci 2012, whose visible marginal is e^{−βE(s)}):
//   E(s) = −½ sᵀ J s,   for Hebb  E(s) = −(1/(2N)) Σ_μ (ξ^μ · s)²,
// Gibbs weight e^{−βE}. Since s_i² = 1, the zero-diagonal energy differs by a constant:
//   E₀(s) = −½ Σ_{i≠j} J_ij s_i s_j = E(s) + ½ Σ_i J_ii      (= E(s) + P/2 for Hebb),
// so both define the same Gibbs measure and the same single-flip energy changes.
// Dynamics (dynamics.hpp) use the zero-diagonal local field h_i = Σ_{j≠i} J_ij s_j by default
// (as in Amit et al.); keep_diagonal adds the self-coupling J_ii s_i.
//
// Hebbian couplings are held as the integers N·J_ij, so local fields are exact and a zero field
// (possible for even P) is detected exactly.
#include <string_view>

#include "rgflow/core/types.hpp"

namespace rgflow::hopfield {

enum class Rule { hebb, pseudo_inverse };
std::string_view to_string(Rule rule);  // "hebb" | "pseudo-inverse"
// Parses "hebb" | "pseudo-inverse"; throws rgflow::Error otherwise.
Rule parse_rule(std::string_view name);

class Network {
 public:
  Network() = default;
  // Stores the rows of `patterns` (P × N, entries ±1). Throws Error for an empty matrix or an
  // entry other than ±1 (naming its row and column).
  explicit Network(MatrixF patterns, Rule rule = Rule::hebb);

  Index n_neurons() const { return patterns_.cols(); }
  Index n_patterns() const { return patterns_.rows(); }
  double load() const { return static_cast<double>(n_patterns()) / static_cast<double>(n_neurons()); }
  Rule rule() const { return rule_; }
  const MatrixF& patterns() const { return patterns_; }

  // J (diagonal kept) as doubles: scaled_couplings() / coupling_scale().
  MatrixD couplings() const;
  // c·J with c = coupling_scale() (N for Hebb, whose c·J are exact integers; 1 otherwise).
  const MatrixD& scaled_couplings() const { return scaled_; }
  double coupling_scale() const { return scale_; }

  // E(s) = −½ sᵀ J s (diagonal kept) for each row of `states`.
  VectorD energy(const MatrixF& states) const;
  // E₀(s) = E(s) + ½ Σ_i J_ii (zero diagonal).
  VectorD energy_zero_diagonal(const MatrixF& states) const;
  // ½ Σ_i J_ii: E₀ − E (P/2 for Hebb).
  double diagonal_constant() const;
  // m_μ = (1/N) ξ^μ · s: one row per state, one column per pattern.
  MatrixD overlaps(const MatrixF& states) const;

  // Throws FileError(source, ...) naming the first entry of `states` that is not ±1, or a
  // column count other than N.
  void check_states(const MatrixF& states, const std::string& source) const;

 private:
  MatrixF patterns_;
  Rule rule_ = Rule::hebb;
  MatrixD scaled_;
  double scale_ = 1.0;
};

}  // namespace rgflow::hopfield
