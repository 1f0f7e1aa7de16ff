#pragma once
// Tied-weight autoencoders with sigmoid units on inputs in [0, 1] (docs/autoencoder.md):
//   encode  h = σ(x̃ W + b)          W: n_in × n_out, b: n_out (hidden bias)
//   decode  x̂ = σ(h Wᵀ + c)         c: n_in (visible bias), the same W transposed ("tied")
//   loss    L(x) = Σ_i [softplus(â_i) − x_i â_i] = −Σ_i [x_i log x̂_i + (1 − x_i) log(1 − x̂_i)]
//           (cross-entropy in nats per example, â = h Wᵀ + c), plus the contractive penalty
//           λ ‖∂h/∂x‖²_F = λ Σ_j [h_j (1 − h_j)]² Σ_i W_ij².
// Denoising (Vincent, Larochelle, Bengio & Manzagol 2008, ICML): x̃ is x with each input set to 0
// with probability ν (masking noise), the loss compares x̂(x̃) with the clean x. Contractive
// (Rifai, Vincent, Muller, Glorot & Bengio 2011, ICML): x̃ = x and λ > 0. Both may be combined.
// Gradients (per example, summed over the batch and divided by its size), with δ = x̂ − x:
//   ∂L/∂c = δ,  ∂L/∂h = δ W,  ∂L/∂a = ∂L/∂h ∘ h ∘ (1 − h) + 2λ q ∘ s² ∘ (1 − 2h),
//   ∂L/∂b = ∂L/∂a,  ∂L/∂W = x̃ᵀ ∂L/∂a + δᵀ h + 2λ W diag(Σ_batch s²),
// with a = x̃ W + b, s = h ∘ (1 − h), q_j = Σ_i W_ij² (checked by finite differences in the tests).
// Stacks are trained greedily (Bengio et al. 2007; Vincent et al. 2010): layer ℓ learns to
// reconstruct the clean codes of layer ℓ − 1 (conditional means, no sampling). The flow map of the
// seed ("AutoEncoder Flow Map") is x ↦ decode(encode(x)) through the whole stack.
//
// Training: mini-batch SGD with optional momentum, W ~ U(−r, r), r = 4 √(6/(n_in + n_out))
// (Glorot & Bengio 2010, sigmoid units), biases 0. Epoch e of layer ℓ shuffles the rows with
// Rng(seed, 2·(1000ℓ + e)) and draws the masks from Rng(seed, 2·(1000ℓ + e) + 1), one word per
// input in row-major order; the initial weights of layer ℓ come from Rng(seed, 10⁶ + ℓ). Products
// are split into a fixed set of column blocks (a function of the layer sizes only), each one
// single-threaded Eigen product, so the result is bit-identical for any thread count.
#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <vector>

#include "rgflow/core/cancel.hpp"
#include "rgflow/core/types.hpp"

namespace rgflow::autoencoder {

template <class S>
using Mat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class S>
using Vec = Eigen::Matrix<S, Eigen::Dynamic, 1>;

template <class S>
struct TiedLayer {
  Mat<S> weights;     // n_in × n_out
  Vec<S> hidden_bias; // n_out
  Vec<S> visible_bias;// n_in
  Index n_in() const { return weights.rows(); }
  Index n_out() const { return weights.cols(); }
};
using Layer = TiedLayer<float>;

template <class S>
struct BatchGradient {
  Mat<S> weights;
  Vec<S> hidden_bias;
  Vec<S> visible_bias;
  double loss = 0.0;     // mean over the batch of the cross-entropy of x̂(x̃) against x
  double penalty = 0.0;  // mean over the batch of λ ‖∂h/∂x‖²_F
};

// Loss and gradient of one layer on a batch: `clean` holds x, `input` the (possibly corrupted) x̃
// the encoder sees. Explicit instantiations for float (training) and double (tests).
template <class S>
BatchGradient<S> batch_gradient(const TiedLayer<S>& layer, const Mat<S>& clean, const Mat<S>& input,
                                double contraction, int threads = 1);

struct Autoencoder {
  std::vector<Layer> layers;
  Index n_in() const { return layers.front().n_in(); }
  // σ(x W + b) through every layer (conditional means).
  MatrixF encode(const MatrixF& X) const;
  // σ(h Wᵀ + c) back down every layer.
  MatrixF decode(const MatrixF& H) const;
  // decode(encode(X)): the flow map.
  MatrixF reconstruct(const MatrixF& X) const { return decode(encode(X)); }
  // Throws Error for an empty stack, mismatched sizes or non-finite parameters.
  void validate() const;
};

// Mean over rows of the cross-entropy of reconstruct(X) against X (nats per example).
double reconstruction_loss(const Autoencoder& ae, const MatrixF& X);

// The flow map iterated: x_t = reconstruct(x_{t−1}) from x_0 = X for t = 1 … steps, with the
// root-mean-square (over rows, of the row's Euclidean norm) change ‖x_t − x_{t−1}‖ and distance to
// the data ‖x_t − X‖ of every step. Returns the steps; X ends as x_steps.
struct ReconstructionStep {
  int step = 0;
  double rms_change = 0.0;
  double rms_distance_to_data = 0.0;
};
std::vector<ReconstructionStep> iterate_reconstruction(const Autoencoder& ae, MatrixF& X, int steps);

struct TrainOptions {
  std::vector<Index> hidden{100};  // sizes of the stacked layers
  double corruption = 0.0;         // ν ∈ [0, 1): masking-noise probability
  double contraction = 0.0;        // λ ≥ 0
  int epochs = 10;
  Index batch_size = 100;
  double learning_rate = 0.1;
  double momentum = 0.0;           // ∈ [0, 1)
  std::uint64_t seed = 0;
  int threads = 0;                 // ≤ 0: OpenMP's default
};

struct EpochLog {
  int layer = 0;
  int epoch = 0;           // 1-based
  double loss = 0.0;       // mean training loss over the epoch's batches (reconstruction of x̃)
  double penalty = 0.0;    // mean contractive penalty
};

// Trains a stack on the rows of X (values in [0, 1]). `on_epoch` (optional) is called after
// each epoch. Throws Error for bad options or data; Cancelled when `stop` asks.
Autoencoder train(const MatrixF& X, const TrainOptions& options,
                  const std::function<void(const EpochLog&)>& on_epoch = {}, const StopPoll& stop = {});

}  // namespace rgflow::autoencoder
