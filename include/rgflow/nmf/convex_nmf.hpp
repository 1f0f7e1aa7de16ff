#pragma once
// Convex non-negative matrix factorization (Ding, Li & Jordan 2010, "Convex and Semi-Nonnegative
// Matrix Factorizations", IEEE TPAMI 32(1), 45–55, §4), docs/nmf.md.
//
// The paper's data matrix X = (x_1 … x_n) is p × n with the data points as columns; rgflow's
// datasets hold them as rows (A = Xᵀ, n × p). Convex NMF approximates
//   X ≈ X W Gᵀ   (rows: A ≈ G Wᵀ A),  W, G ≥ 0, both n × k,
// so the k basis vectors F = X W (rows: Wᵀ A, the "archetypes") are non-negative combinations of
// data points; normalising each column of W to sum 1 (and scaling G's columns by the same sums,
// which leaves W Gᵀ unchanged) makes them convex combinations: points of the data's convex hull.
// With Y = XᵀX (the n × n Gram matrix of the points), Y⁺ = (|Y| + Y)/2, Y⁻ = (|Y| − Y)/2, the
// multiplicative updates (their eqs. 21–22), which never increase J = ‖X − X W Gᵀ‖²_F:
//   G ← G ∘ √[(Y⁺W + G WᵀY⁻W) / (Y⁻W + G WᵀY⁺W)]
//   W ← W ∘ √[(Y⁺G + Y⁻W GᵀG) / (Y⁻G + Y⁺W GᵀG)]
// (an entry whose denominator is 0 is left unchanged). Non-negative data have Y⁻ = 0, and then
// Y is never formed: Y M = Xᵀ(X M) costs O(npk) time and O(np) memory; mixed-sign data form Y.
// Initialisation (their §4.2): k-means (kmeans.hpp, k-means++ from Rng(seed, ·)) cluster
// indicators H, G₀ = H + 0.2, W₀ = (H + 0.2) D⁻¹ with D = diag(cluster sizes).
// Convergence check: after each update of G then W, J is recomputed; the fit stops when the
// relative decrease (J_{t−1} − J_t)/J_{t−1} < tolerance, or after max_iterations.
#include <cstdint>
#include <vector>

#include "rgflow/core/cancel.hpp"
#include "rgflow/core/types.hpp"

namespace rgflow::nmf {

struct FitOptions {
  Index rank = 10;
  int max_iterations = 1000;
  double tolerance = 1e-6;    // relative decrease of J per iteration
  std::uint64_t seed = 0;     // k-means initialisation
  int kmeans_restarts = 10;
  int threads = 0;
};

struct ConvexNmf {
  MatrixD W;             // n × k, columns summing to 1 (normalised)
  MatrixD G;             // n × k
  MatrixD archetypes;    // k × p: F = Wᵀ A, each row a convex combination of data rows
  std::vector<double> objective;  // J after initialisation (index 0) and after each iteration
  int iterations = 0;
  bool converged = false;
  Index rank() const { return W.cols(); }
};

// Fits the rows of A (n × p, finite, n > rank ≥ 1). Throws Error for bad options or data; for
// mixed-sign data with n > 2^14 (the n × n Gram matrix would exceed 2 GiB). Cancelled on `stop`.
ConvexNmf fit_convex_nmf(const MatrixD& A, const FitOptions& options, const StopPoll& stop = {});

// ‖A − G Wᵀ A‖_F (rows convention), computed directly.
double reconstruction_error(const ConvexNmf& model, const MatrixD& A);

// W's columns rescaled to sum 1 and G's columns by the same factors (W Gᵀ unchanged); columns
// of W that are all zero are left as they are.
void normalize(ConvexNmf& model);

// The codes of new rows B (m × p) with the archetypes F fixed: G_B ≥ 0 minimising
// ‖B − G_B F‖²_F by the semi-NMF G update (Ding et al. 2010, eq. 12; the G-subproblem of the
// same objective), from G_B = 1/k until the relative decrease is below `tolerance` or after
// `max_iterations`:  G ← G ∘ √[((BFᵀ)⁺ + G (FFᵀ)⁻) / ((BFᵀ)⁻ + G (FFᵀ)⁺)].
MatrixD encode(const ConvexNmf& model, const MatrixD& B, int max_iterations = 2000,
               double tolerance = 1e-9);
// G_B F: the reconstruction of new rows (a point of the cone of the archetypes).
MatrixD reconstruct(const ConvexNmf& model, const MatrixD& B);

// The linear flow map of the seed ("Example: Linear Flow Map", X → X C with C = W Gᵀ; rows:
// A_{t+1} = G Wᵀ A_t), iterated from A_0 = A. C's non-zero spectrum is that of the k × k matrix
// M = Wᵀ G (A_t = G M^{t−1} Wᵀ A): with spectral radius ρ the flow grows or shrinks like ρᵗ and
// its direction A_t/‖A_t‖ converges, at the rate |λ₂/λ₁|, to the leading eigendirection (every
// row a multiple of one combination of the archetypes) when that eigenvalue is simple. Per step
// t ≥ 1: the relative change ‖A_t − A_{t−1}‖/‖A_{t−1}‖, ‖A_t‖/‖A‖ and the change of direction
// ‖A_t/‖A_t‖ − A_{t−1}/‖A_{t−1}‖‖. Stops at a fixed point (relative change < tolerance), when
// the direction has converged (its change < tolerance), or when ‖A_t‖/‖A‖ leaves [1e-100, 1e100].
struct LinearFlow {
  std::vector<double> change;            // per step
  std::vector<double> norm_ratio;        // per step
  std::vector<double> direction_change;  // per step
  VectorD eigenvalue_moduli;             // |λ(Wᵀ G)|, descending
  int steps = 0;
  bool converged = false;                // A_t itself stopped changing: a fixed point
  bool direction_converged = false;      // A_t/‖A_t‖ stopped changing
  bool diverged = false;                 // the norm left [1e-100, 1e100]
  MatrixD last;                          // A_steps
};
LinearFlow linear_flow(const ConvexNmf& model, const MatrixD& A, int max_steps, double tolerance);

}  // namespace rgflow::nmf
