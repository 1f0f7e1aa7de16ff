#pragma once
// Brute-force references for the DBN tests (header only; the test glob compiles only test_*.cpp).
// Everything here enumerates joint states naively in float64, independently of the library's
// enumerators, so that the library is checked against the definitions themselves.
#include <cmath>
#include <cstdint>
#include <vector>

#include "rgflow/core/rng.hpp"
#include "rgflow/core/types.hpp"
#include "rgflow/rbm/dbn.hpp"
#include "rgflow/rbm/rbm.hpp"

namespace rgflow::test {

// An RBM with W ~ N(0, w_std²) and biases ~ N(0, b_std²).
inline Rbm random_rbm(Index n_visible, Index n_hidden, UnitType visible, UnitType hidden,
                      std::uint64_t seed, double w_std = 0.8, double b_std = 0.5) {
  Rbm rbm(n_visible, n_hidden, visible, hidden);
  Rng rng(seed, 7);
  for (Index i = 0; i < rbm.weights().size(); ++i)
    rbm.weights().data()[i] = static_cast<float>(w_std * rng.normal());
  for (Index i = 0; i < n_visible; ++i) rbm.visible_bias()[i] = static_cast<float>(b_std * rng.normal());
  for (Index j = 0; j < n_hidden; ++j) rbm.hidden_bias()[j] = static_cast<float>(b_std * rng.normal());
  return rbm;
}

// A DBN with level sizes `sizes` and unit types `types` (one per level), random parameters.
inline Dbn random_dbn(const std::vector<Index>& sizes, const std::vector<UnitType>& types,
                      std::uint64_t seed, double w_std = 0.8) {
  std::vector<Rbm> layers;
  for (std::size_t k = 0; k + 1 < sizes.size(); ++k) {
    layers.push_back(random_rbm(sizes[k], sizes[k + 1], types[k], types[k + 1], seed + 100 * k, w_std));
  }
  return Dbn(std::move(layers));
}

// All 2^n states of n units of `type`, one per row; bit j of the row index sets unit j.
inline MatrixF all_states(Index n, UnitType type) {
  const Index count = Index{1} << n;
  MatrixF s(count, n);
  for (Index r = 0; r < count; ++r) {
    for (Index j = 0; j < n; ++j) {
      const bool on = ((r >> j) & 1) != 0;
      s(r, j) = on ? 1.0f : (type == UnitType::spin ? -1.0f : 0.0f);
    }
  }
  return s;
}

inline double log_sum_exp(const std::vector<double>& x) {
  double m = -INFINITY;
  for (double v : x) m = std::max(m, v);
  double s = 0.0;
  for (double v : x) s += std::exp(v - m);
  return m + std::log(s);
}

// E(v, h) in float64 from the definition E = −aᵀv − bᵀh − vᵀWh.
inline double energy_d(const Rbm& rbm, const Eigen::RowVectorXf& v, const Eigen::RowVectorXf& h) {
  const Eigen::RowVectorXd vd = v.cast<double>();
  const Eigen::RowVectorXd hd = h.cast<double>();
  return -vd.dot(rbm.visible_bias().cast<double>()) - hd.dot(rbm.hidden_bias().cast<double>()) -
         (vd * rbm.weights().cast<double>()).dot(hd);
}

// log Z = log Σ_{v,h} e^{−E(v,h)} by enumerating both layers.
inline double naive_log_z(const Rbm& rbm) {
  const MatrixF V = all_states(rbm.n_visible(), rbm.visible_type());
  const MatrixF H = all_states(rbm.n_hidden(), rbm.hidden_type());
  std::vector<double> terms;
  for (Index i = 0; i < V.rows(); ++i)
    for (Index j = 0; j < H.rows(); ++j) terms.push_back(-energy_d(rbm, V.row(i), H.row(j)));
  return log_sum_exp(terms);
}

// F(x) = −log Σ_h e^{−E(x,h)} for a visible row x (may be real-valued), by enumerating h.
inline double naive_free_energy(const Rbm& rbm, const Eigen::RowVectorXf& x) {
  const MatrixF H = all_states(rbm.n_hidden(), rbm.hidden_type());
  std::vector<double> terms;
  for (Index j = 0; j < H.rows(); ++j) terms.push_back(-energy_d(rbm, x, H.row(j)));
  return -log_sum_exp(terms);
}

// Exact joint quantities of a 2-layer DBN (levels v, h, g), all by enumeration:
//   log p_0(v | h) = −E_0(v,h) − log Σ_{v'} e^{−E_0(v',h)}
//   log p_1(h)     = log Σ_g e^{−E_1(h,g)} − log Z_1
//   log p(v)       = log Σ_h p_0(v|h) p_1(h)
struct NaiveDbn2 {
  MatrixF V, H;                      // all states of levels 0 and 1
  std::vector<std::vector<double>> log_p_v_given_h;  // [h][v]
  std::vector<double> log_p1_h;      // [h]
  explicit NaiveDbn2(const Dbn& dbn) {
    const Rbm& r0 = dbn.layer(0);
    const Rbm& r1 = dbn.layer(1);
    V = all_states(r0.n_visible(), r0.visible_type());
    H = all_states(r0.n_hidden(), r0.hidden_type());
    const double log_z1 = naive_log_z(r1);
    for (Index h = 0; h < H.rows(); ++h) {
      std::vector<double> e(static_cast<std::size_t>(V.rows()));
      for (Index v = 0; v < V.rows(); ++v) e[static_cast<std::size_t>(v)] = -energy_d(r0, V.row(v), H.row(h));
      const double norm = log_sum_exp(e);
      for (double& x : e) x -= norm;
      log_p_v_given_h.push_back(e);
      log_p1_h.push_back(-naive_free_energy(r1, H.row(h)) - log_z1);
    }
  }
  // Index of a level-0 state row (as in all_states).
  static Index state_index(const Eigen::RowVectorXf& v) {
    Index idx = 0;
    for (Index j = 0; j < v.size(); ++j)
      if (v[j] > 0.5f) idx |= Index{1} << j;
    return idx;
  }
  double log_p(Index v) const {
    std::vector<double> t;
    for (std::size_t h = 0; h < log_p1_h.size(); ++h)
      t.push_back(log_p_v_given_h[h][static_cast<std::size_t>(v)] + log_p1_h[h]);
    return log_sum_exp(t);
  }
  // log p(h | v) under the DBN, for all h.
  std::vector<double> log_posterior(Index v) const {
    const double lp = log_p(v);
    std::vector<double> out;
    for (std::size_t h = 0; h < log_p1_h.size(); ++h)
      out.push_back(log_p_v_given_h[h][static_cast<std::size_t>(v)] + log_p1_h[h] - lp);
    return out;
  }
};

}  // namespace rgflow::test
