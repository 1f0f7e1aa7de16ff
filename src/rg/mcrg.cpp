#include "rgflow/rg/mcrg.hpp"

#include <Eigen/Dense>

#include <cmath>
#include <limits>
#include <string>

#include "rgflow/core/error.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/stats/series.hpp"

namespace rgflow::rg {

namespace {
inline int at(const std::int8_t* s, int L, int x, int y) {
  x = ((x % L) + L) % L;
  y = ((y % L) + L) % L;
  return s[y * L + x];
}
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

std::vector<double> even_operators(std::span<const std::int8_t> spins, int L, int count) {
  std::vector<double> out(static_cast<std::size_t>(count), 0.0);
  const std::int8_t* s = spins.data();
  long nn = 0, diag = 0, plaq = 0, third = 0;
  for (int y = 0; y < L; ++y)
    for (int x = 0; x < L; ++x) {
      const int a = at(s, L, x, y), b = at(s, L, x + 1, y), c = at(s, L, x, y + 1), d = at(s, L, x + 1, y + 1);
      nn += a * (b + c);
      diag += a * (d + at(s, L, x + 1, y - 1));
      plaq += a * b * c * d;
      third += a * (at(s, L, x + 2, y) + at(s, L, x, y + 2));
    }
  const long all[kMaxEvenOperators] = {nn, diag, plaq, third};
  for (int k = 0; k < count; ++k) out[static_cast<std::size_t>(k)] = static_cast<double>(all[k]);
  return out;
}

std::vector<double> odd_operators(std::span<const std::int8_t> spins, int L, int count) {
  std::vector<double> out(static_cast<std::size_t>(count), 0.0);
  const std::int8_t* s = spins.data();
  long mag = 0, triples = 0;
  for (int y = 0; y < L; ++y)
    for (int x = 0; x < L; ++x) {
      const int a = at(s, L, x, y), b = at(s, L, x + 1, y), c = at(s, L, x, y + 1), d = at(s, L, x + 1, y + 1);
      mag += a;
      triples += a * b * c + a * b * d + a * c * d + b * c * d;
    }
  const long all[kMaxOddOperators] = {mag, triples};
  for (int k = 0; k < count; ++k) out[static_cast<std::size_t>(k)] = static_cast<double>(all[k]);
  return out;
}

namespace {

// Leading eigenvalue of B⁻¹A from the means of: S (k), S' (k), S'_α S_β (k²), S'_α S'_β (k²).
double leading_eigenvalue(std::span<const double> m, int k) {
  const auto K = static_cast<std::size_t>(k);
  const double* S = m.data();
  const double* Sp = S + K;
  const double* SpS = Sp + K;
  const double* SpSp = SpS + K * K;
  Eigen::MatrixXd A(k, k), B(k, k);
  for (std::size_t a = 0; a < K; ++a)
    for (std::size_t b = 0; b < K; ++b) {
      A(static_cast<Eigen::Index>(a), static_cast<Eigen::Index>(b)) = SpS[a * K + b] - Sp[a] * S[b];
      B(static_cast<Eigen::Index>(a), static_cast<Eigen::Index>(b)) = SpSp[a * K + b] - Sp[a] * Sp[b];
    }
  if (k == 1) return A(0, 0) / B(0, 0);
  const Eigen::MatrixXd T = B.fullPivLu().solve(A);
  if (!T.allFinite()) return kNaN;
  const Eigen::EigenSolver<Eigen::MatrixXd> es(T, false);
  if (es.info() != Eigen::Success) return kNaN;
  double best = -std::numeric_limits<double>::infinity();
  for (Eigen::Index i = 0; i < k; ++i) best = std::max(best, es.eigenvalues()[i].real());
  return best;
}

}  // namespace

std::vector<McrgStep> mcrg(std::span<const std::int8_t> spins, std::int64_t n, int L,
                           const McrgOptions& o) {
  if (o.block < 2) throw Error("mcrg: block size must be at least 2");
  const std::shared_ptr<const BlockingRule> rule = std::make_shared<BlockSpinRule>(o.rule, o.block);
  return mcrg(spins, n, L, std::span(&rule, 1), o);
}

std::vector<McrgStep> mcrg(std::span<const std::int8_t> spins, std::int64_t n, int L,
                           std::span<const std::shared_ptr<const BlockingRule>> rules, const McrgOptions& o) {
  if (rules.empty()) throw Error("mcrg: no blocking rule");
  for (const auto& r : rules) {
    if (!r) throw Error("mcrg: no blocking rule");
    if (r->dimension() != 2) throw Error("mcrg: the " + r->name() + " rule is not for a 2D lattice");
    if (r->factor() < 2) throw Error("mcrg: block size must be at least 2");
  }
  auto rule_at = [&](int level) -> const BlockingRule& {
    return *rules[std::min(static_cast<std::size_t>(level), rules.size() - 1)];
  };
  if (o.levels < 1) throw Error("mcrg: at least one blocking level is needed");
  if (o.even_operators < 1 || o.even_operators > kMaxEvenOperators)
    throw Error("mcrg: even operators must be 1 to " + std::to_string(kMaxEvenOperators));
  if (o.odd_operators < 1 || o.odd_operators > kMaxOddOperators)
    throw Error("mcrg: odd operators must be 1 to " + std::to_string(kMaxOddOperators));
  if (n < 2) throw Error("mcrg: need at least 2 configurations");
  if (static_cast<std::int64_t>(spins.size()) != n * L * L)
    throw Error("mcrg: data size does not match n x L x L");
  std::vector<int> sizes{L};
  for (int l = 0; l < o.levels; ++l) {
    const int b = rule_at(l).factor();
    if (sizes.back() % b != 0 || sizes.back() / b < 4) {
      throw Error("mcrg: lattice " + std::to_string(L) + " cannot be blocked " + std::to_string(o.levels) +
                  " times by " + std::to_string(b) + " keeping at least 4x4 sites");
    }
    sizes.push_back(sizes.back() / b);
  }
  const int levels = o.levels + 1;
  const int ke = o.even_operators, ko = o.odd_operators;
  // ops[level][op][i]
  std::vector<std::vector<std::vector<double>>> even(
      levels, std::vector<std::vector<double>>(ke, std::vector<double>(n)));
  std::vector<std::vector<std::vector<double>>> odd(
      levels, std::vector<std::vector<double>>(ko, std::vector<double>(n)));
  const SerialCommunicator serial;
  const Communicator& comm = o.communicator ? *o.communicator : serial;
  check_communicator(comm, "mcrg");
  // Every configuration's operator values, values[i·per + (l·(ke + ko) + k)]: this rank's chunks
  // measured here, the others' received bit for bit.
  const auto per = static_cast<std::size_t>(levels * (ke + ko));
  std::vector<double> values(static_cast<std::size_t>(n) * per, 0.0);
#pragma omp parallel for schedule(static)
  for (std::int64_t i = 0; i < n; ++i) {
    if (round_robin_owner(i / kMcrgChunk, comm.size()) != comm.rank()) continue;
    Rng rng(o.seed, static_cast<std::uint64_t>(i));
    std::vector<std::int8_t> cur(spins.begin() + i * L * L, spins.begin() + (i + 1) * L * L);
    double* v = values.data() + static_cast<std::size_t>(i) * per;
    for (int l = 0; l < levels; ++l) {
      if (l > 0) cur = rule_at(l - 1).apply(cur, sizes[l - 1], rng);
      const auto e = even_operators(cur, sizes[l], ke);
      const auto d = odd_operators(cur, sizes[l], ko);
      for (int k = 0; k < ke; ++k) v[l * (ke + ko) + k] = e[k];
      for (int k = 0; k < ko; ++k) v[l * (ke + ko) + ke + k] = d[k];
    }
  }
  gather_round_robin(comm, values, static_cast<std::size_t>(kMcrgChunk) * per);
  for (std::int64_t i = 0; i < n; ++i) {
    const double* v = values.data() + static_cast<std::size_t>(i) * per;
    for (int l = 0; l < levels; ++l) {
      for (int k = 0; k < ke; ++k) even[l][k][i] = v[l * (ke + ko) + k];
      for (int k = 0; k < ko; ++k) odd[l][k][i] = v[l * (ke + ko) + ke + k];
    }
  }
  // Jackknife: chains must divide n; otherwise treat the samples as one chain.
  const std::size_t chains = (o.chains > 0 && n % static_cast<std::int64_t>(o.chains) == 0 &&
                              n / static_cast<std::int64_t>(o.chains) >= 2) ? o.chains : 1;
  auto sector = [&](const std::vector<std::vector<double>>& lo, const std::vector<std::vector<double>>& hi,
                    int k, double log_b, stats::Result& lambda, stats::Result& y) {
    std::vector<std::vector<double>> products;
    for (int a = 0; a < k; ++a)
      for (int b = 0; b < k; ++b) {
        std::vector<double> p(n);
        for (std::int64_t i = 0; i < n; ++i) p[i] = hi[a][i] * lo[b][i];
        products.push_back(std::move(p));
      }
    for (int a = 0; a < k; ++a)
      for (int b = 0; b < k; ++b) {
        std::vector<double> p(n);
        for (std::int64_t i = 0; i < n; ++i) p[i] = hi[a][i] * hi[b][i];
        products.push_back(std::move(p));
      }
    std::vector<std::span<const double>> series;
    for (int a = 0; a < k; ++a) series.emplace_back(lo[a]);
    for (int a = 0; a < k; ++a) series.emplace_back(hi[a]);
    for (const auto& p : products) series.emplace_back(p);
    lambda = stats::jackknife(series, chains, [k](std::span<const double> m) { return leading_eigenvalue(m, k); });
    y = stats::jackknife(series, chains, [k, log_b](std::span<const double> m) {
      return std::log(leading_eigenvalue(m, k)) / log_b;
    });
  };
  std::vector<McrgStep> steps;
  for (int l = 0; l < o.levels; ++l) {
    McrgStep s;
    s.from_size = sizes[l];
    s.to_size = sizes[l + 1];
    const double log_b = std::log(static_cast<double>(rule_at(l).factor()));
    sector(even[l], even[l + 1], ke, log_b, s.lambda_t, s.y_t);
    sector(odd[l], odd[l + 1], ko, log_b, s.lambda_h, s.y_h);
    steps.push_back(s);
  }
  return steps;
}

}  // namespace rgflow::rg
