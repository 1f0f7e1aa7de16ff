#pragma once
// Running Markov chains and collecting configurations and per-configuration observables.
//
// R independent chains ("replicas") run side by side; chain c draws only from its own
// counter-based stream Rng(seed, c) (multi-spin Metropolis: 64 chains per word-lattice g share
// Rng(seed, g)), so the output is a pure function of the configuration and the seed — the same
// for any number of OpenMP threads (chains are distributed over threads). Sample i of the output
// is measurement round i / R of chain i % R (time-major interleaving, the layout stats/ expects).
// Each chain starts ordered (all +1) when J > 0, h = 0 and T < T_c·J (avoids long-lived stripe
// states), otherwise from random spins; runs `thermalize` sweeps, then `sweeps_between` sweeps
// before each measurement.
//
// Across processes (docs/scaling.md): with RunConfig::communicator, the work units fixed by the
// problem — a group of 64 chains (multi-spin Metropolis) or one chain (the other algorithms), unit
// k = chain / lanes — run on rank k mod size, and every rank then receives every sample (energy,
// magnetisation, configuration) from the rank that ran its chain, bit for bit: the result is the
// same on every rank and for any number of ranks (share_samples). A stop on one rank stops all.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "rgflow/comm/communicator.hpp"
#include "rgflow/core/cancel.hpp"
#include "rgflow/ising/lattice.hpp"

namespace rgflow::ising {

enum class Algorithm {
  metropolis,         // multi-spin-coded checkerboard Metropolis (64 chains per word)
  metropolis_scalar,  // scalar checkerboard Metropolis (reference)
  wolff,
  swendsen_wang,
};
// "metropolis" | "metropolis-scalar" | "wolff" | "sw" (also "swendsen-wang"); else rgflow::Error.
Algorithm parse_algorithm(const std::string& name);
std::string algorithm_name(Algorithm algorithm);

struct RunConfig {
  Model model;
  Algorithm algorithm = Algorithm::metropolis;
  std::int64_t samples = 1000;
  int chains = 0;            // 0: 64 for multi-spin Metropolis, 1 otherwise
  int sweeps_between = 1;
  int thermalize = 1000;     // sweeps per chain before the first measurement
  std::uint64_t seed = 0;
  bool keep_spins = true;    // store the configurations (N·L² bytes)
  // Null: this process runs every chain. Otherwise the chains' units are spread over its ranks
  // (above); every rank must call run() with the same configuration. Not owned.
  const Communicator* communicator = nullptr;
  int chains_or_default() const;
  void validate() const;     // rgflow::Error on bad values
};

struct RunResult {
  int L = 0;
  int chains = 1;
  std::int64_t samples = 0;
  std::vector<std::int8_t> spins;      // [samples, L, L] when keep_spins
  std::vector<double> energy;          // H/N per sample
  std::vector<double> magnetization;   // Σs/N per sample (signed)
};

// The number of chains that share one random stream and run as one unit: 64 for multi-spin
// Metropolis, 1 otherwise.
int chains_per_unit(Algorithm algorithm);

// `progress(done, total)` is called now and then from one thread (chain 0's, which need not be
// the calling thread). `stop` (core/cancel.hpp) is polled on the calling thread only, every ~50 ms
// (between sweeps, and while other threads finish their chains); when it answers true every chain
// stops at its next sweep and run() throws Cancelled. Empty: never polled; it never changes the
// result.
using Progress = std::function<void(std::int64_t done, std::int64_t total)>;
// With a communicator of several ranks: `progress` is called on the rank that runs unit 0, `stop`
// is polled on every rank (any rank's stop stops all: every rank throws Cancelled), and a rank
// that fails leaves the others to throw PeerFailure at the next collective (comm/communicator.hpp).
RunResult run(const RunConfig& config, const Progress& progress = {}, const StopPoll& stop = {});

// A result of `config`'s shape (L, chains, samples; spins when keep_spins), every value zero: what
// a rank that did not run these chains passes to share_samples().
RunResult empty_result(const RunConfig& config);

// Collective: on every rank, sample i of `r` (energy, magnetisation, and the configuration when
// r.spins is not empty) becomes rank owner(i)'s, copied bit for bit. `r` must have the same shape
// on every rank. Sent in slabs of at most ~256 MiB per collective.
void share_samples(const Communicator& comm, RunResult& r,
                   const std::function<int(std::int64_t sample)>& owner);

}  // namespace rgflow::ising
