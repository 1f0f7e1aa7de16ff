#pragma once
// Fused, vectorised unit kernels of the RBM hot path (Rbm::sample_hidden / sample_visible /
// hidden_mean / visible_mean): element-wise conditional mean and Bernoulli / spin sampling of a
// whole field matrix from bulk Philox words.
//
// Definitions (φ = the unit's field, w = one 32-bit word of the Rng stream per unit, in order):
//   u = (w >> 8) · 2⁻²⁴                       (the same uniform as Rng::uniform)
//   Bernoulli: mean σ(φ),    sample 1 if u < σ(φ) else 0
//   spin:      mean tanh φ,  sample +1 if u < σ(2φ) else −1
// σ and tanh go through one exponential t = e^{−k|φ|} (k = 1 for σ(φ), 2 for σ(2φ) and tanh φ),
// never overflowing:  σ = 1/(1+t) for φ ≥ 0 and t/(1+t) for φ < 0;  tanh|φ| = −m/(2+m) with
// m = e^{−2|φ|} − 1 computed without cancellation (the polynomial alone when |2φ| < ln2/2).
// The exponential is a Cody-Waite reduction e^y = 2ⁿ e^r, |r| ≤ ln2/2, with a degree-7 Taylor
// polynomial (≤ 2 ulp), its argument clamped to y ≥ −86 so 2ⁿ stays normal (σ(φ) for φ < −86 comes
// out as e^{−86} ≈ 4e−38 instead of smaller: irrelevant for a sampled probability, never NaN).
//
// Two implementations: AVX-512 (16 lanes, masked tails; compiled when __AVX512F__ is defined) and
// a portable per-element loop doing the very same IEEE operations in the same order (explicit
// fma, no contraction: the source file is compiled with -ffp-contract=off), so both give
// bit-identical means and samples (tests/unit/test_rbm_kernels.cpp) and a model trained on either
// machine is the same. The stream use is that of the scalar code they replace: one word per unit,
// in row-major order, so Rng positions, checkpoints and resume are unchanged.
#include <cstddef>
#include <cstdint>
#include <span>

#include "rgflow/core/rng.hpp"
#include "rgflow/rbm/units.hpp"

namespace rgflow::kernels {

#if defined(__AVX512F__)
inline constexpr bool kAvx512 = true;
#else
inline constexpr bool kAvx512 = false;
#endif

// The per-element definitions (what the portable loop computes).
float fast_sigmoid(float x);   // σ(x)
float fast_sigmoid2(float x);  // σ(2x), the spin "up" probability
float fast_tanh(float x);
// u = (w >> 8) · 2⁻²⁴ as a float in [0, 1).
inline float word_uniform(std::uint32_t w) { return static_cast<float>(w >> 8) * 0x1.0p-24f; }

// x[i] ← E[unit | φ = x[i]] for a Bernoulli or spin layer (Error for gaussian).
void mean_portable(UnitType type, std::span<float> x);
// x[i] ← sample given φ = x[i], with words[i] as its random word (words has ≥ x.size() entries);
// mean (nullptr or ≥ x.size() floats, not overlapping x) ← E[unit | φ].
void sample_portable(UnitType type, std::span<float> x, const std::uint32_t* words, float* mean);
#if defined(__AVX512F__)
void mean_avx512(UnitType type, std::span<float> x);
void sample_avx512(UnitType type, std::span<float> x, const std::uint32_t* words, float* mean);
#endif
// The compile-time choice of the two.
void mean(UnitType type, std::span<float> x);
void sample(UnitType type, std::span<float> x, const std::uint32_t* words, float* mean);

// Σ_i L(y_i), y_i = β·x[i] rounded to float (the field the tempered sampler draws from), L the
// unit's log-partition: softplus L(y) = max(y, 0) + log(1 + e^{−|y|}) (Bernoulli), log 2cosh
// L(y) = |y| + log(1 + e^{−2|y|}) (spin). The parallel-tempering swap ratio (sample/tempering.hpp)
// needs four such sums per proposal, so this avoids a logarithm per unit: t_i = e^{−k|y_i|} comes
// from the exponential above (≤ 2 ulp in float), the factors 1 + t_i ∈ (1, 2] are multiplied in
// float64, in 16 lanes (element i in lane i mod 16) over blocks of 512 elements (so a block's
// product stays below 2⁵¹² and never overflows), and each block costs one std::log; the linear
// parts are summed in float64 in the same lanes. Absolute error ≲ 2.4e-7 per unit (from t).
// AVX-512 and portable paths do the same operations in the same order (bit-identical results,
// tests/unit/test_rbm_kernels.cpp). Error for gaussian units.
double log_partition_sum_portable(UnitType type, const float* x, std::size_t n, float beta);
double log_partition_sum(UnitType type, const float* x, std::size_t n, float beta);

// Σ_i x[i]·a[i] in float64 (each product exact), in 8 lanes (element i in lane i mod 8) added
// in lane order at the end: a fixed order, so every machine gives the same bits.
double dot_f64(const float* x, const float* a, std::size_t n);

// Samples every element of x in place from rng's stream (x.size() words, in order; rng continues
// right after them); mean as above. Large arrays draw their words through a BulkStream
// (core/philox_bulk.hpp), small ones from rng directly: the same words either way.
void sample(UnitType type, std::span<float> x, Rng& rng, float* mean = nullptr);

}  // namespace rgflow::kernels
