// Exact log Z, log-likelihoods and moments of small RBMs by enumerating one layer.
//
// Notation inside this file: the enumerated layer s has n units (n <= kMaxExactUnits), the other
// layer o has m units; C[k, :] is the coupling of enumerated unit k to every unit of o (a row of
// W when s = v, a column of W when s = h), c_s and c_o are the biases. For a state s,
//   φ_o(s) = c_o + Cᵀ s,        log w(s) = c_sᵀ s + Σ_j LP_o(φ_o,j(s)),        Z = Σ_s w(s),
// with LP the other layer's per-unit log-partition (rbm/units.hpp): softplus (Bernoulli), log 2cosh
// (spin), or for Gaussian units the closed-form integral ½ log(2πσ²) + (φ² − c²)/(2σ²), φ then
// being the unit's conditional mean (docs/gaussian.md). Only binary layers can be enumerated;
// s enters the other layer's field through its coupling statistic, which for binary s is s.
#include "rgflow/estimate/exact.hpp"

#include <omp.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <fmt/format.h>
#include <limits>
#include <vector>

namespace rgflow::estimate {
namespace {

constexpr double kLn2 = 0.69314718055994530942;

// States are grouped into at most 2^kMaxChunkBits chunks; each chunk is one OpenMP work item and
// contributes one (max, sum) pair, combined afterwards in chunk order, so the result does not
// depend on the number of threads.
constexpr int kMaxChunkBits = 12;
// Inside a chunk the other layer's field is recomputed from scratch every 2^kRestartBits states.
// Between restarts the Gray-code updates accumulate rounding: bit 0 flips 2^(kRestartBits-1)
// times, and with multiplicative updates e *= exp(±βΔ) the rounding of the two factors does not
// cancel, so the relative error of e_j grows linearly, to ~2^9 · 2^-53 ≈ 6e-14 at most.
constexpr int kRestartBits = 10;

// The fast path keeps e_j = exp(β φ_j) and multiplies it by a tabulated exp(±β Δ) at each step.
// It is used only if |β φ_j| <= kMaxFastExponent for every reachable state, so that e_j stays a
// normal double (no overflow to inf, no underflow to denormals whose lost bits would never
// come back when e_j grows again).
constexpr double kMaxFastExponent = 600.0;

// Everything the enumeration needs, in float64, oriented as "enumerated layer" / "other layer".
struct Problem {
  LayerUnits s_units;  // the enumerated layer (binary)
  LayerUnits o_units;  // the other layer (any unit type)
  MatrixD coupling;  // [n, m]
  VectorD s_bias;    // [n]
  VectorD o_bias;    // [m]
  bool enumerate_visible = false;
  Index n() const { return coupling.rows(); }
  Index m() const { return coupling.cols(); }
};

bool enumerable(UnitType type) {
  return dispatch(LayerUnits{type}, [](auto u) { return decltype(u)::enumerable; });
}

// The model seen from one layer; `rbm` must outlive it (the unit policies point into it).
Problem make_problem(const Rbm& rbm, EnumerateLayer layer) {
  rbm.validate();
  const bool v_ok = enumerable(rbm.visible_type());
  const bool h_ok = enumerable(rbm.hidden_type());
  bool visible = false;
  switch (layer) {
    case EnumerateLayer::automatic:
      visible = !h_ok || (v_ok && rbm.n_visible() < rbm.n_hidden());
      break;
    case EnumerateLayer::visible: visible = true; break;
    case EnumerateLayer::hidden: visible = false; break;
  }
  if (!(visible ? v_ok : h_ok)) {
    throw Error(fmt::format("{} units cannot be enumerated; enumerate the {} layer",
                            to_string(visible ? rbm.visible_type() : rbm.hidden_type()),
                            visible ? "hidden" : "visible"));
  }
  const Index n = visible ? rbm.n_visible() : rbm.n_hidden();
  if (n > kMaxExactUnits) {
    throw Error(fmt::format("exact enumeration of the {} layer needs 2^{} states; at most {} units "
                            "are supported",
                            visible ? "visible" : "hidden", n, kMaxExactUnits));
  }
  Problem p;
  p.enumerate_visible = visible;
  if (visible) {
    p.s_units = rbm.visible_units();
    p.o_units = rbm.hidden_units();
    p.coupling = rbm.weights().cast<double>();
    p.s_bias = rbm.visible_bias().cast<double>();
    p.o_bias = rbm.hidden_bias().cast<double>();
  } else {
    p.s_units = rbm.hidden_units();
    p.o_units = rbm.visible_units();
    p.coupling = rbm.weights().transpose().cast<double>();
    p.s_bias = rbm.hidden_bias().cast<double>();
    p.o_bias = rbm.visible_bias().cast<double>();
  }
  return p;
}

// Calls f(S, O) with the enumerated layer's (binary) policy and the other layer's policy.
template <class F>
decltype(auto) dispatch_problem(const Problem& p, F&& f) {
  return dispatch(p.s_units.type, [&](auto s) -> decltype(auto) {
    return dispatch(p.o_units, [&](auto o) -> decltype(auto) { return f(s, o); });
  });
}

inline std::uint64_t gray(std::uint64_t g) { return g ^ (g >> 1); }

// The state of an enumerated unit whose bit is `bit` (Bernoulli 0/1, spin −1/+1).
template <class S>
inline double unit_state(std::uint64_t bits, Index k) {
  return static_cast<double>(S::state(static_cast<int>((bits >> k) & 1u)));
}

// Change of an enumerated unit's value when its bit goes 0 → 1: 1 (Bernoulli) or 2 (spin).
template <class S>
constexpr double unit_step() {
  return static_cast<double>(S::state(1) - S::state(0));
}

// Running log-sum-exp: Σ e^{x} = e^{max} · sum.
struct LogSumExp {
  double max = -std::numeric_limits<double>::infinity();
  double sum = 0.0;
  void add(double x) {
    if (x <= max) {
      sum += std::exp(x - max);
    } else {
      sum = sum * std::exp(max - x) + 1.0;
      max = x;
    }
  }
  void add(const LogSumExp& other) {
    if (other.sum == 0.0) return;
    if (other.max <= max) {
      sum += other.sum * std::exp(other.max - max);
    } else {
      sum = sum * std::exp(max - other.max) + other.sum;
      max = other.max;
    }
  }
  double log() const { return max + std::log(sum); }
};

// Splits [0, 2^n) into chunks of 2^chunk_bits states.
struct Chunking {
  int chunk_bits;
  std::int64_t n_chunks;
};
Chunking make_chunking(Index n, int max_chunk_count_bits) {
  const int chunk_bits = std::max(0, static_cast<int>(n) - max_chunk_count_bits);
  return {chunk_bits, std::int64_t{1} << (n - chunk_bits)};
}

int thread_count(int threads) { return threads > 0 ? threads : omp_get_max_threads(); }

// Below ~1e6 unit updates a parallel region costs more than it saves (thread wake-up and barrier,
// worse on a loaded machine), and tiny models are evaluated often, e.g. once per training step.
bool worth_parallel(const Problem& p) {
  return std::ldexp(static_cast<double>(p.m()), static_cast<int>(p.n())) > 1e6;
}

// φ = c_o + Cᵀ s computed directly for the Gray state of index g.
template <class S>
void direct_field(const Problem& p, std::uint64_t g, VectorD& field, double& s_linear) {
  const std::uint64_t bits = gray(g);
  field = p.o_bias;
  s_linear = 0.0;
  for (Index k = 0; k < p.n(); ++k) {
    const double s = unit_state<S>(bits, k);
    if (s != 0.0) {
      field += s * p.coupling.row(k).transpose();
      s_linear += s * p.s_bias[k];
    }
  }
}

// Visits the Gray states g ∈ [begin, end) and calls visit(bits, field, s_linear), where field is
// φ_o(s) (updated by ±Δ·C[k,:] per step, recomputed every 2^kRestartBits states) and s_linear is
// c_sᵀ s. Additive float64 updates drift by ~√steps · ε |C|, far below the tolerances we need.
// Stops early (leaving the chunk unfinished) when `stop` asks to, checked at each restart.
template <class S, class Visit>
void visit_states(const Problem& p, std::uint64_t begin, std::uint64_t end, StopSignal& stop,
                  Visit&& visit) {
  constexpr double step = unit_step<S>();
  const std::uint64_t restart_mask = (std::uint64_t{1} << kRestartBits) - 1;
  VectorD field(p.m());
  double s_linear = 0.0;
  for (std::uint64_t g = begin; g < end; ++g) {
    if (g == begin || (g & restart_mask) == 0) {
      if (stop.check()) return;
      direct_field<S>(p, g, field, s_linear);
    } else {
      const int k = std::countr_zero(g);  // Gray codes of g−1 and g differ in bit k
      const double delta = ((gray(g) >> k) & 1u) ? step : -step;
      field += delta * p.coupling.row(k).transpose();
      s_linear += delta * p.s_bias[k];
    }
    visit(gray(g), field, s_linear);
  }
}

// log w(s) = s_linear + Σ_j LP_o(φ_j), given `offset` = Σ_j of the field-independent parts of LP_o
// (units.hpp), with the numerically stable per-unit log-partition (any field).
template <class O>
double log_weight_from_field(const O& o, double offset, const VectorD& field, double s_linear) {
  double acc = s_linear + offset;
  for (Index j = 0; j < field.size(); ++j) acc += o.log_partition_varying(j, field[j]);
  return acc;
}

template <class O>
double log_partition_offset(const O& o, Index m) {
  double acc = 0.0;
  for (Index j = 0; j < m; ++j) acc += o.log_partition_offset(j);
  return acc;
}

// log Σ over the chunks' partial sums, in chunk order (the same bits for any thread count and any
// number of ranks), once every chunk is done; Cancelled when the run was stopped (on any rank).
// With several ranks, chunk c ran on rank c mod size; every rank receives every chunk's part.
double combine_chunks(std::vector<LogSumExp>& parts, StopSignal& stop, const Communicator& comm) {
  agree_on_stop(comm, stop.stopped());
  stop.throw_if_stopped();
  if (comm.size() > 1) {
    std::vector<double> flat(2 * parts.size());
    for (std::size_t c = 0; c < parts.size(); ++c) {
      flat[2 * c] = parts[c].max;
      flat[2 * c + 1] = parts[c].sum;
    }
    gather_round_robin(comm, flat, 2);
    for (std::size_t c = 0; c < parts.size(); ++c) parts[c] = {flat[2 * c], flat[2 * c + 1]};
  }
  LogSumExp total;
  for (const LogSumExp& part : parts) total.add(part);
  return total.log();
}

// Chunks of other ranks are skipped here (their parts arrive in combine_chunks).
bool someone_else(std::int64_t chunk, const Communicator& comm) {
  return round_robin_owner(chunk, comm.size()) != comm.rank();
}

// Reference path for any parameter size and any unit type of the other layer: one log1p/exp (or
// square) per unit and state.
template <class S, class O>
double log_partition_general(const Problem& p, const O& o, int threads, StopSignal& stop,
                             const Communicator& comm) {
  const double offset = log_partition_offset(o, p.m());
  const Chunking ch = make_chunking(p.n(), kMaxChunkBits);
  std::vector<LogSumExp> parts(static_cast<std::size_t>(ch.n_chunks));
#pragma omp parallel num_threads(threads) if (worth_parallel(p))
  {
#pragma omp for schedule(dynamic, 1) nowait
    for (std::int64_t c = 0; c < ch.n_chunks; ++c) {
      const StopItem done(stop);
      if (someone_else(c, comm)) {
        stop.add_work();
        continue;
      }
      const std::uint64_t begin = static_cast<std::uint64_t>(c) << ch.chunk_bits;
      const std::uint64_t end = begin + (std::uint64_t{1} << ch.chunk_bits);
      LogSumExp lse;
      visit_states<S>(p, begin, end, stop, [&](std::uint64_t, const VectorD& field, double s_linear) {
        lse.add(log_weight_from_field(o, offset, field, s_linear));
      });
      parts[static_cast<std::size_t>(c)] = lse;
      stop.add_work();
    }
    stop.wait_for_items(ch.n_chunks);
  }
  return combine_chunks(parts, stop, comm);
}

// Fast path (binary other layer). Both binary unit types are written as
//   LP_o(φ) = α φ + log(1 + e^{β φ}),   Bernoulli: α = 0, β = 1;  spin: α = −1, β = 2
// (log 2cosh φ = −φ + log(1 + e^{2φ})). The linear parts are a scalar updated per step; the
// nonlinear part is log Π_j (1 + e_j) with e_j = e^{β φ_j} kept multiplicatively, so the inner
// loop over the m units is one multiply for e_j, one add and one multiply for the product: no
// transcendental function, and it vectorizes (omp simd). The product runs in kLanes independent
// partial products, each over at most `slice` factors so it cannot overflow, renormalised through
// the exponent field; one log per state.
// x = m · 2^e with m in [0.5, 1) for a positive normal x: returns m and adds e to `exponent`
// (frexp without the library call).
inline double split_exponent(double x, long& exponent) {
  const auto bits = std::bit_cast<std::uint64_t>(x);
  exponent += static_cast<long>((bits >> 52) & 0x7ff) - 1022;
  return std::bit_cast<double>((bits & ~(std::uint64_t{0x7ff} << 52)) | (std::uint64_t{1022} << 52));
}

// Independent partial products per state in log_partition_fast: four AVX-512 vectors of doubles.
constexpr int kLanes = 32;

template <class S, class O>
double log_partition_fast(const Problem& p, double bound, int threads, StopSignal& stop,
                          const Communicator& comm) {
  // log Σ_x e^{xφ} over the states x0 < x1 is x0 φ + log(1 + e^{(x1 − x0) φ}).
  constexpr double alpha = O::state(0);
  constexpr double beta = O::state(1) - O::state(0);
  constexpr double step = unit_step<S>();
  const Index n = p.n();
  const Index m = p.m();
  // Each factor 1 + e_j <= 1 + e^{bound} < e^{bound + ln 2}; keep a slice's product below
  // e^690 ≈ 2^995 (each SIMD lane's partial product is a sub-product, hence smaller), and times
  // the running mantissa in [0.5, 1) it stays finite.
  const Index slice = std::clamp<Index>(static_cast<Index>(690.0 / (bound + kLn2)), 1, m);

  // up[k, j] = e^{+β Δ C_kj} (bit k goes 0 → 1), down[k, j] = e^{−β Δ C_kj}; and the change of the
  // linear part c_sᵀ s + α Σ_j φ_j per unit Δ of s_k.
  MatrixD up(n, m), down(n, m);
  VectorD linear_step(n);
  for (Index k = 0; k < n; ++k) {
    for (Index j = 0; j < m; ++j) {
      up(k, j) = std::exp(beta * step * p.coupling(k, j));
      down(k, j) = std::exp(-beta * step * p.coupling(k, j));
    }
    linear_step[k] = step * (p.s_bias[k] + alpha * p.coupling.row(k).sum());
  }

  const Chunking ch = make_chunking(n, kMaxChunkBits);
  std::vector<LogSumExp> parts(static_cast<std::size_t>(ch.n_chunks));
  const std::uint64_t restart_mask = (std::uint64_t{1} << kRestartBits) - 1;

#pragma omp parallel num_threads(threads) if (worth_parallel(p))
  {
    VectorD field(m);
    std::vector<double> e(static_cast<std::size_t>(m));
    double* const ep = e.data();
#pragma omp for schedule(dynamic, 1) nowait
    for (std::int64_t c = 0; c < ch.n_chunks; ++c) {
      const StopItem done(stop);
      if (someone_else(c, comm)) {
        stop.add_work();
        continue;
      }
      const std::uint64_t begin = static_cast<std::uint64_t>(c) << ch.chunk_bits;
      const std::uint64_t end = begin + (std::uint64_t{1} << ch.chunk_bits);
      LogSumExp lse;
      double linear = 0.0;
      for (std::uint64_t g = begin; g < end; ++g) {
        const double* factor = nullptr;
        if (g == begin || (g & restart_mask) == 0) {
          if (stop.check()) break;  // the chunk's part is discarded: Cancelled follows
          double s_linear = 0.0;
          direct_field<S>(p, g, field, s_linear);
          linear = s_linear + alpha * field.sum();
          for (Index j = 0; j < m; ++j) ep[j] = std::exp(beta * field[j]);
        } else {
          const int k = std::countr_zero(g);
          const bool on = ((gray(g) >> k) & 1u) != 0;
          factor = on ? up.row(k).data() : down.row(k).data();
          linear += on ? linear_step[k] : -linear_step[k];
        }
        // log Π_j (1 + e_j) = log(mantissa) + exponent · ln 2, with kLanes independent partial
        // products (one multiply chain would wait on its own latency at every step), each over
        // at most `slice` factors, folded into (mantissa, exponent) by exponent-field arithmetic.
        double mantissa = 1.0;
        long exponent = 0;
        for (Index j0 = 0; j0 < m; j0 += slice * kLanes) {
          const Index j1 = std::min(m, j0 + slice * kLanes);
          alignas(64) double acc[kLanes];
          for (int l = 0; l < kLanes; ++l) acc[l] = 1.0;
          Index j = j0;
          if (factor != nullptr) {
            for (; j + kLanes <= j1; j += kLanes) {
#pragma omp simd aligned(acc : 64)
              for (int l = 0; l < kLanes; ++l) {
                const double x = ep[j + l] * factor[j + l];
                ep[j + l] = x;
                acc[l] *= 1.0 + x;
              }
            }
            for (int l = 0; j < j1; ++j, ++l) {
              const double x = ep[j] * factor[j];
              ep[j] = x;
              acc[l] *= 1.0 + x;
            }
          } else {
            for (; j + kLanes <= j1; j += kLanes) {
#pragma omp simd aligned(acc : 64)
              for (int l = 0; l < kLanes; ++l) acc[l] *= 1.0 + ep[j + l];
            }
            for (int l = 0; j < j1; ++j, ++l) acc[l] *= 1.0 + ep[j];
          }
          for (int l = 0; l < kLanes; ++l) mantissa *= split_exponent(acc[l], exponent);
          mantissa = split_exponent(mantissa, exponent);
        }
        lse.add(linear + std::log(mantissa) + static_cast<double>(exponent) * kLn2);
      }
      parts[static_cast<std::size_t>(c)] = lse;
      stop.add_work();
    }
    stop.wait_for_items(ch.n_chunks);
  }
  return combine_chunks(parts, stop, comm);
}

// max over reachable states and units of |φ_o,j(s)|.
template <class S>
double field_bound(const Problem& p) {
  double bound = 0.0;
  for (Index j = 0; j < p.m(); ++j) {
    double lo = p.o_bias[j];
    double hi = p.o_bias[j];
    for (Index k = 0; k < p.n(); ++k) {
      const double a = S::state(0) * p.coupling(k, j);
      const double b = S::state(1) * p.coupling(k, j);
      lo += std::min(a, b);
      hi += std::max(a, b);
    }
    bound = std::max({bound, std::fabs(lo), std::fabs(hi)});
  }
  return bound;
}

template <class S, class O>
double log_partition(const Problem& p, const O& o, int threads, StopSignal& stop,
                     const Communicator& comm) {
  if constexpr (O::enumerable) {
    const double bound = O::field_scale * field_bound<S>(p);
    if (bound <= kMaxFastExponent) return log_partition_fast<S, O>(p, bound, threads, stop, comm);
  }
  return log_partition_general<S>(p, o, threads, stop, comm);
}

// The hidden field b + Wᵀ t(v) of each row of `data`, in float64.
template <class V>
MatrixD hidden_field_f64(const Rbm& rbm, const V& vis, const MatrixD& data) {
  MatrixD t = data;
  if constexpr (V::has_sigma) {
    for (Index r = 0; r < t.rows(); ++r) {
      for (Index i = 0; i < t.cols(); ++i) t(r, i) = vis.statistic(i, t(r, i));
    }
  }
  MatrixD field = t * rbm.weights().cast<double>();
  field.rowwise() += rbm.hidden_bias().cast<double>().transpose();
  return field;
}

// float64 F(v) = Σ_i U_i(v_i) − Σ_j LP_h(b_j + W_{:j}ᵀ t(v)) for each row, fields formed in float64
// so that differences of log-likelihoods are not limited by float32 rounding of V·W.
VectorD free_energy_visible_f64(const Rbm& rbm, const MatrixF& data) {
  const MatrixD V = data.cast<double>();
  return dispatch(rbm.visible_units(), rbm.hidden_units(), [&](auto vis, auto hid) {
    const MatrixD field = hidden_field_f64(rbm, vis, V);
    VectorD out(V.rows());
    for (Index r = 0; r < V.rows(); ++r) {
      double acc = 0.0;
      for (Index i = 0; i < V.cols(); ++i) acc += vis.self_energy(i, V(r, i));
      for (Index j = 0; j < field.cols(); ++j) acc -= hid.log_partition(j, field(r, j));
      out[r] = acc;
    }
    return out;
  });
}

void check_data(const Rbm& rbm, const MatrixF& data, const char* what) {
  if (data.rows() == 0) throw Error(fmt::format("{}: the data has no rows", what));
  if (data.cols() != rbm.n_visible()) {
    throw Error(fmt::format("{}: data has {} columns but the model has {} visible units", what,
                            data.cols(), rbm.n_visible()));
  }
}

}  // namespace

double exact_log_partition(const Rbm& rbm, EnumerateLayer layer, int threads,
                           const StopPoll& stop_poll, const ProgressFn& progress,
                           const Communicator* communicator) {
  const SerialCommunicator serial;
  const Communicator& comm = communicator ? *communicator : serial;
  check_communicator(comm, "exact log Z");
  const Problem p = make_problem(rbm, layer);
  const int nt = thread_count(threads);
  StopSignal stop(with_peer_stops(comm, stop_poll), progress);
  stop.expect_work(make_chunking(p.n(), kMaxChunkBits).n_chunks);
  return dispatch_problem(p, [&](auto s, auto o) {
    return log_partition<decltype(s)>(p, o, nt, stop, comm);
  });
}

VectorD log_likelihood_rows(const Rbm& rbm, const MatrixF& data, double log_z) {
  check_data(rbm, data, "log_likelihood_rows");
  return -free_energy_visible_f64(rbm, data).array() - log_z;
}

stats::Result mean_log_likelihood(const Rbm& rbm, const MatrixF& data, double log_z) {
  check_data(rbm, data, "mean_log_likelihood");
  const VectorD log_p = -free_energy_visible_f64(rbm, data).array() - log_z;
  return stats::mean_sem({log_p.data(), static_cast<std::size_t>(log_p.size())});
}

Moments exact_model_moments(const Rbm& rbm, const StopPoll& stop_poll) {
  const Problem p = make_problem(rbm, EnumerateLayer::automatic);
  const double log_z = exact_log_partition(rbm, EnumerateLayer::automatic, 0, stop_poll);
  StopSignal stop(stop_poll);
  const Index n = p.n();
  const Index m = p.m();
  // Fixed chunks with their own accumulators, summed in order: thread-count independent.
  const Chunking ch = make_chunking(n, 6);
  std::vector<VectorD> s_sum(static_cast<std::size_t>(ch.n_chunks), VectorD::Zero(n));
  std::vector<VectorD> o_sum(static_cast<std::size_t>(ch.n_chunks), VectorD::Zero(m));
  std::vector<MatrixD> so_sum(static_cast<std::size_t>(ch.n_chunks), MatrixD::Zero(n, m));

  dispatch_problem(p, [&](auto s_units, auto o) {
    using S = decltype(s_units);
    const double offset = log_partition_offset(o, m);
#pragma omp parallel if (worth_parallel(p))
    {
#pragma omp for schedule(dynamic, 1) nowait
      for (std::int64_t c = 0; c < ch.n_chunks; ++c) {
        const StopItem done(stop);
        const auto ci = static_cast<std::size_t>(c);
        const std::uint64_t begin = static_cast<std::uint64_t>(c) << ch.chunk_bits;
        const std::uint64_t end = begin + (std::uint64_t{1} << ch.chunk_bits);
        VectorD s(n), o_mean(m);
        visit_states<S>(p, begin, end, stop, [&](std::uint64_t bits, const VectorD& field, double s_lin) {
          // p(s) = w(s)/Z; the other layer enters through its exact conditional mean E[o | s].
          const double prob = std::exp(log_weight_from_field(o, offset, field, s_lin) - log_z);
          for (Index k = 0; k < n; ++k) s[k] = unit_state<S>(bits, k);
          for (Index j = 0; j < m; ++j) o_mean[j] = o.field_mean(j, field[j]);
          s_sum[ci] += prob * s;
          o_sum[ci] += prob * o_mean;
          so_sum[ci].noalias() += (prob * s) * o_mean.transpose();
        });
      }
      stop.wait_for_items(ch.n_chunks);
    }
  });
  stop.throw_if_stopped();
  VectorD s_total = VectorD::Zero(n), o_total = VectorD::Zero(m);
  MatrixD so_total = MatrixD::Zero(n, m);
  for (std::size_t c = 0; c < s_sum.size(); ++c) {
    s_total += s_sum[c];
    o_total += o_sum[c];
    so_total += so_sum[c];
  }
  Moments out;
  if (p.enumerate_visible) {
    out.visible = s_total;
    out.hidden = o_total;
    out.visible_hidden = so_total;
  } else {
    out.visible = o_total;
    out.hidden = s_total;
    out.visible_hidden = so_total.transpose();
  }
  return out;
}

Moments data_moments(const Rbm& rbm, const MatrixF& data) {
  check_data(rbm, data, "data_moments");
  rbm.validate();
  const MatrixD V = data.cast<double>();
  MatrixD h_mean = dispatch(rbm.visible_units(), rbm.hidden_units(), [&](auto vis, auto hid) {
    MatrixD field = hidden_field_f64(rbm, vis, V);
    for (Index r = 0; r < field.rows(); ++r) {
      for (Index j = 0; j < field.cols(); ++j) field(r, j) = hid.field_mean(j, field(r, j));
    }
    return field;
  });
  const double inv_n = 1.0 / static_cast<double>(V.rows());
  Moments out;
  out.visible = V.colwise().sum().transpose() * inv_n;
  out.hidden = h_mean.colwise().sum().transpose() * inv_n;
  out.visible_hidden = V.transpose() * h_mean * inv_n;
  return out;
}

}  // namespace rgflow::estimate
