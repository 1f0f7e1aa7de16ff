#include "rgflow/ising/sampler.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <span>

#include <fmt/format.h>

#include "rgflow/core/error.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/ising/cluster.hpp"
#include "rgflow/ising/exact.hpp"
#include "rgflow/ising/metropolis.hpp"

namespace rgflow::ising {

Algorithm parse_algorithm(const std::string& name) {
  if (name == "metropolis") return Algorithm::metropolis;
  if (name == "metropolis-scalar") return Algorithm::metropolis_scalar;
  if (name == "wolff") return Algorithm::wolff;
  if (name == "sw" || name == "swendsen-wang") return Algorithm::swendsen_wang;
  throw Error("unknown Ising algorithm '" + name + "' (metropolis, metropolis-scalar, wolff, sw)");
}

std::string algorithm_name(Algorithm a) {
  switch (a) {
    case Algorithm::metropolis: return "metropolis";
    case Algorithm::metropolis_scalar: return "metropolis-scalar";
    case Algorithm::wolff: return "wolff";
    case Algorithm::swendsen_wang: return "sw";
  }
  return "?";
}

int chains_per_unit(Algorithm algorithm) {
  return algorithm == Algorithm::metropolis ? MetropolisMultiSpin::kLanes : 1;
}

int RunConfig::chains_or_default() const {
  if (chains > 0) return chains;
  return algorithm == Algorithm::metropolis ? MetropolisMultiSpin::kLanes : 1;
}

void RunConfig::validate() const {
  model.validate();
  if (samples < 1) throw Error("Ising sampling: the number of samples must be at least 1");
  if (chains < 0 || chains > 1 << 20) throw Error("Ising sampling: the number of chains must be in [1, 2^20]");
  if (sweeps_between < 1) throw Error("Ising sampling: sweeps between samples must be at least 1");
  if (thermalize < 0) throw Error("Ising sampling: thermalization sweeps must be non-negative");
  if (keep_spins && static_cast<double>(samples) * static_cast<double>(model.sites()) > 0x1.0p36)
    throw Error("ising: samples x L^2 exceeds 2^36 spins; use fewer samples");
}

namespace {

bool ordered_start(const Model& m) {
  return m.coupling > 0.0 && m.field == 0.0 && m.temperature < critical_temperature() * m.coupling;
}

void initialise(std::span<std::int8_t> s, const Model& m, Rng& rng) {
  if (ordered_start(m)) {
    std::fill(s.begin(), s.end(), std::int8_t{1});
    return;
  }
  std::uint32_t bits = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i % 32 == 0) bits = rng();
    s[i] = (bits & 1u) ? 1 : -1;
    bits >>= 1;
  }
}

struct Output {
  RunResult& r;
  std::int64_t N;
  std::size_t sites;
  // Stores sample (round, chain) if it is among the first N.
  void store(std::int64_t round, int chain, const Measurement& m, std::span<const std::int8_t> s) {
    const std::int64_t i = round * r.chains + chain;
    if (i >= N) return;
    r.energy[i] = m.energy;
    r.magnetization[i] = m.magnetization;
    if (!r.spins.empty()) std::copy(s.begin(), s.end(), r.spins.begin() + i * static_cast<std::int64_t>(sites));
  }
  void store_measurement(std::int64_t round, int chain, const Measurement& m) {
    const std::int64_t i = round * r.chains + chain;
    if (i >= N) return;
    r.energy[i] = m.energy;
    r.magnetization[i] = m.magnetization;
  }
  std::int8_t* spins_at(std::int64_t round, int chain) {
    const std::int64_t i = round * r.chains + chain;
    if (i >= N || r.spins.empty()) return nullptr;
    return r.spins.data() + i * static_cast<std::int64_t>(sites);
  }
};

// Stop checks between sweeps: a sweep of a small lattice takes well under a microsecond, so the
// calling thread reads the clock (StopSignal::check) only every ~2^14 spin updates of sweeps.
struct SweepCheck {
  StopSignal& stop;
  int every;
  int count = 0;
  SweepCheck(StopSignal& s, std::int64_t sites)
      : stop(s),
        every(static_cast<int>(std::max<std::int64_t>(1, (std::int64_t{1} << 14) / sites))) {}
  // True when the chain should stop.
  bool operator()() {
    if (++count < every) return stop.stopped();
    count = 0;
    return stop.check();
  }
};

template <class Chain>
void run_scalar(const RunConfig& cfg, const Communicator& comm, Output& out, std::int64_t rounds,
                const Progress& progress, StopSignal& stop) {
  const Model& m = cfg.model;
  const int R = out.r.chains;
#pragma omp parallel
  {
#pragma omp for schedule(dynamic, 1) nowait
    for (int c = 0; c < R; ++c) {
      const StopItem done(stop);
      SweepCheck stopping(stop, m.sites());
      if (stop.check()) continue;
      if (round_robin_owner(c, comm.size()) != comm.rank()) continue;  // another rank's chain
      Rng rng(cfg.seed, static_cast<std::uint64_t>(c));
      Chain chain(m);
      Spins s(static_cast<std::size_t>(m.sites()));
      initialise(s, m, rng);
      for (int t = 0; t < cfg.thermalize && !stopping(); ++t) chain.sweep(s, rng);
      if (stop.stopped()) continue;
      chain.end_thermalization(s, rng);
      for (std::int64_t r = 0; r < rounds; ++r) {
        for (int k = 0; k < cfg.sweeps_between && !stopping(); ++k) chain.sweep(s, rng);
        if (stop.stopped()) break;
        out.store(r, c, measure(s, m.L, m.coupling, m.field), s);
        if (c == 0 && progress) progress(r + 1, rounds);
      }
    }
    stop.wait_for_items(R);
  }
}

void run_multispin(const RunConfig& cfg, const Communicator& comm, Output& out, std::int64_t rounds,
                   const Progress& progress, StopSignal& stop) {
  const Model& m = cfg.model;
  const int R = out.r.chains;
  constexpr int kLanes = MetropolisMultiSpin::kLanes;
  const int groups = (R + kLanes - 1) / kLanes;
  const MetropolisMultiSpin chain(m);
  const auto sites = static_cast<std::size_t>(m.sites());
#pragma omp parallel
  {
#pragma omp for schedule(dynamic, 1) nowait
    for (int g = 0; g < groups; ++g) {
      const StopItem done(stop);
      SweepCheck stopping(stop, m.sites());
      if (stop.check()) continue;
      if (round_robin_owner(g, comm.size()) != comm.rank()) continue;  // another rank's group
      Rng rng(cfg.seed, static_cast<std::uint64_t>(g));
      std::vector<std::uint64_t> words(sites, 0);
      Spins s(sites);
      for (int b = 0; b < kLanes; ++b) {
        initialise(s, m, rng);
        MetropolisMultiSpin::insert_lane(words, b, s);
      }
      for (int t = 0; t < cfg.thermalize && !stopping(); ++t) chain.sweep(words, rng);
      for (std::int64_t r = 0; r < rounds && !stop.stopped(); ++r) {
        for (int k = 0; k < cfg.sweeps_between && !stopping(); ++k) chain.sweep(words, rng);
        if (stop.stopped()) break;
        const auto lanes = chain.measure_lanes(words);
        for (int b = 0; b < kLanes; ++b) {
          const int c = g * kLanes + b;
          if (c >= R) break;
          out.store_measurement(r, c, lanes[b]);
          if (std::int8_t* dst = out.spins_at(r, c))
            MetropolisMultiSpin::extract_lane(words, b, std::span<std::int8_t>(dst, sites));
        }
        if (g == 0 && progress) progress(r + 1, rounds);
      }
    }
    stop.wait_for_items(groups);
  }
}

}  // namespace

RunResult empty_result(const RunConfig& cfg) {
  RunResult r;
  r.L = cfg.model.L;
  r.chains = cfg.chains_or_default();
  r.samples = cfg.samples;
  const auto sites = static_cast<std::size_t>(cfg.model.sites());
  r.energy.resize(static_cast<std::size_t>(cfg.samples));
  r.magnetization.resize(static_cast<std::size_t>(cfg.samples));
  if (cfg.keep_spins) r.spins.resize(static_cast<std::size_t>(cfg.samples) * sites);
  return r;
}

void share_samples(const Communicator& comm, RunResult& r,
                   const std::function<int(std::int64_t sample)>& owner) {
  if (comm.size() == 1) return;
  const auto sites = static_cast<std::size_t>(r.L) * static_cast<std::size_t>(r.L);
  const std::size_t spin_bytes = r.spins.empty() ? 0 : sites;
  const std::size_t per_sample = 2 * sizeof(double) + spin_bytes;
  // Slabs of samples, the same on every rank: at most 256 MiB from all ranks together per
  // collective (the MPI backend refuses more than 1 GiB in one).
  const auto slab = static_cast<std::int64_t>(std::max<std::size_t>(1, (std::size_t{1} << 28) / per_sample));
  for (std::int64_t begin = 0; begin < r.samples; begin += slab) {
    const std::int64_t end = std::min(r.samples, begin + slab);
    std::vector<std::byte> mine;
    for (std::int64_t i = begin; i < end; ++i) {
      if (owner(i) != comm.rank()) continue;
      const auto at = mine.size();
      mine.resize(at + per_sample);
      const auto k = static_cast<std::size_t>(i);
      std::memcpy(mine.data() + at, &r.energy[k], sizeof(double));
      std::memcpy(mine.data() + at + sizeof(double), &r.magnetization[k], sizeof(double));
      if (spin_bytes) std::memcpy(mine.data() + at + 2 * sizeof(double), r.spins.data() + k * sites, sites);
    }
    const auto all = comm.allgather(mine);
    for (int from = 0; from < comm.size(); ++from) {
      if (from == comm.rank()) continue;
      const auto& theirs = all[static_cast<std::size_t>(from)];
      std::size_t at = 0;
      for (std::int64_t i = begin; i < end; ++i) {
        if (owner(i) != from) continue;
        if (at + per_sample > theirs.size())
          throw Error(fmt::format("Ising sampling: rank {} sent too few samples", from));
        const auto k = static_cast<std::size_t>(i);
        std::memcpy(&r.energy[k], theirs.data() + at, sizeof(double));
        std::memcpy(&r.magnetization[k], theirs.data() + at + sizeof(double), sizeof(double));
        if (spin_bytes) std::memcpy(r.spins.data() + k * sites, theirs.data() + at + 2 * sizeof(double), sites);
        at += per_sample;
      }
      if (at != theirs.size()) throw Error(fmt::format("Ising sampling: rank {} sent too many samples", from));
    }
  }
}

RunResult run(const RunConfig& cfg, const Progress& progress, const StopPoll& stop_poll) {
  cfg.validate();
  const SerialCommunicator serial;
  const Communicator& comm = cfg.communicator ? *cfg.communicator : serial;
  check_communicator(comm, "Ising sampling");
  RunResult r = empty_result(cfg);
  const auto sites = static_cast<std::size_t>(cfg.model.sites());
  const std::int64_t rounds = (cfg.samples + r.chains - 1) / r.chains;
  Output out{r, cfg.samples, sites};
  StopSignal stop(with_peer_stops(comm, stop_poll));
  switch (cfg.algorithm) {
    case Algorithm::metropolis: run_multispin(cfg, comm, out, rounds, progress, stop); break;
    case Algorithm::metropolis_scalar:
      run_scalar<MetropolisScalar>(cfg, comm, out, rounds, progress, stop);
      break;
    case Algorithm::wolff:
      Wolff{cfg.model};  // validate before entering the parallel region (throws there otherwise)
      run_scalar<Wolff>(cfg, comm, out, rounds, progress, stop);
      break;
    case Algorithm::swendsen_wang:
      SwendsenWang{cfg.model};
      run_scalar<SwendsenWang>(cfg, comm, out, rounds, progress, stop);
      break;
  }
  // After the parallel region, never inside it: every rank learns whether any stopped (then all
  // throw Cancelled), then every sample from the rank that ran its chain.
  if (comm.size() > 1) agree_on_stop(comm, stop.stopped());
  stop.throw_if_stopped();
  const int per_unit = chains_per_unit(cfg.algorithm);
  share_samples(comm, r, [&](std::int64_t i) {
    return round_robin_owner((i % r.chains) / per_unit, comm.size());
  });
  return r;
}

}  // namespace rgflow::ising
