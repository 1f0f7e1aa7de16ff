#pragma once
// Retrieval dynamics of a Hopfield network (network.hpp), one probe state per row.
//
// Local field h_i = Σ_{j≠i} J_ij s_j (zero diagonal, the default; Amit et al. 1985), or
// h_i = Σ_j J_ij s_j with keep_diagonal (the self-coupling J_ii s_i = (P/N) s_i for Hebb makes
// every state more stable: zero-temperature dynamics only).
//   asynchronous (T = 0): one sweep visits the N neurons in a random order (a fresh Fisher–Yates
//     permutation per sweep from the probe's Rng) and sets s_i ← sign(h_i), keeping s_i when
//     h_i = 0. The energy never increases; a sweep without a flip is a fixed point (converged).
//   synchronous (T = 0): s ← sign(h) for all i at once (ties keep s_i). For symmetric J the
//     trajectory ends in a fixed point or a 2-cycle (Goles, Fogelman-Soulié & Pellegrin 1985);
//     a repeated state two steps back is reported as a cycle, not as converged.
//   glauber (T > 0): asynchronous heat bath, s_i = +1 with probability 1/(1 + e^{−2h_i/T}), the
//     exact conditional of the Gibbs weight e^{−E/T}; runs exactly max_sweeps sweeps. Its
//     stationary distribution is e^{−E(s)/T}/Z (tested against enumeration).
// Probe r draws only from Rng(seed, r): results do not depend on the thread count.
#include <cstdint>
#include <string_view>
#include <vector>

#include "rgflow/core/cancel.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/core/types.hpp"
#include "rgflow/hopfield/network.hpp"

namespace rgflow::hopfield {

enum class Dynamics { asynchronous, synchronous, glauber };
std::string_view to_string(Dynamics d);  // "async" | "sync" | "glauber"
// Parses "async" | "sync" | "glauber"; throws rgflow::Error otherwise.
Dynamics parse_dynamics(std::string_view name);

struct DynamicsOptions {
  Dynamics dynamics = Dynamics::asynchronous;
  double temperature = 0.0;  // glauber only (> 0)
  int max_sweeps = 100;      // zero T: the most sweeps; glauber: the number of sweeps
  bool keep_diagonal = false;
  int threads = 0;           // ≤ 0: OpenMP's default
};
// Throws Error for a negative temperature, a Glauber run at T ≤ 0 or with keep_diagonal, a
// zero-temperature run given T > 0, or max_sweeps < 1.
void validate(const DynamicsOptions& options);
// The options for `dynamics` ("async" | "sync" | "glauber"), validated.
DynamicsOptions make_dynamics(std::string_view dynamics, double temperature, int max_sweeps, bool keep_diagonal,
                              int threads = 0);

struct RecallResult {
  MatrixF states;                       // final states, one row per probe
  std::vector<int> sweeps;              // sweeps run per probe
  std::vector<std::uint8_t> converged;  // 1: ended at a fixed point (zero T)
  std::vector<std::uint8_t> cycle;      // 1: synchronous run ended in a 2-cycle
};

// Runs the dynamics from each row of `probes` (entries ±1). Throws Error / FileError("probes")
// for bad options or probes, Cancelled when `stop` asks.
RecallResult recall(const Network& net, const MatrixF& probes, const DynamicsOptions& options,
                    std::uint64_t seed, const StopPoll& stop = {});

// One relaxation on the caller's buffers (the building block of recall, capacity and the spurious
// census): `s` is the state (±1 as doubles), `field` must hold scaled_couplings()·s and is kept
// up to date; `order` is scratch. Returns the sweeps run and whether a fixed point (or, for
// synchronous dynamics, a 2-cycle) was reached.
struct RelaxOutcome {
  int sweeps = 0;
  bool converged = false;
  bool cycle = false;
};
RelaxOutcome relax(const Network& net, const DynamicsOptions& options, VectorD& s, VectorD& field,
                   Rng& rng, std::vector<Index>& order);

}  // namespace rgflow::hopfield
