// TAP / extended-mean-field free energy of an RBM (Gabrié, Tramel & Krzakala 2015; Georges &
// Yedidia 1991), for every unit type through the policies of rbm/units.hpp. Equations in
// include/rgflow/estimate/tap.hpp, derivation in docs/tap.md (binary units) and docs/gaussian.md §4.
#include "rgflow/estimate/tap.hpp"

#include <cmath>
#include <cstring>
#include <fmt/format.h>
#include <utility>
#include <vector>

#include "rgflow/core/error.hpp"
#include "tap_search.hpp"

namespace rgflow::estimate {

void tap_detail::share_fixed_points(const Communicator& comm, std::vector<TapFixedPoint>& points) {
  const int ranks = comm.size();
  const auto owner = [&](std::size_t k) { return static_cast<int>(k % static_cast<std::size_t>(ranks)); };
  // Mine, in start order: sizes, the two vectors, iterations, converged, free energy.
  std::vector<std::byte> mine;
  const auto put = [&mine](const void* p, std::size_t n) {
    const auto* b = static_cast<const std::byte*>(p);
    mine.insert(mine.end(), b, b + n);
  };
  for (std::size_t k = 0; k < points.size(); ++k) {
    if (owner(k) != comm.rank()) continue;
    const TapFixedPoint& f = points[k];
    const std::int64_t sizes[2] = {f.visible.size(), f.hidden.size()};
    put(sizes, sizeof sizes);
    put(f.visible.data(), static_cast<std::size_t>(f.visible.size()) * sizeof(double));
    put(f.hidden.data(), static_cast<std::size_t>(f.hidden.size()) * sizeof(double));
    const std::int32_t flags[2] = {f.iterations, f.converged ? 1 : 0};
    put(flags, sizeof flags);
    put(&f.free_energy, sizeof f.free_energy);
  }
  const std::vector<std::vector<std::byte>> all = comm.allgather(mine);
  std::vector<std::size_t> at(all.size(), 0);
  for (std::size_t k = 0; k < points.size(); ++k) {
    const int r = owner(k);
    const std::vector<std::byte>& bytes = all[static_cast<std::size_t>(r)];
    std::size_t& pos = at[static_cast<std::size_t>(r)];
    const auto get = [&](void* p, std::size_t n) {
      if (pos + n > bytes.size()) {
        throw Error(fmt::format("TAP starts: rank {} sent {} bytes, fewer than its fixed points need", r,
                                bytes.size()));
      }
      std::memcpy(p, bytes.data() + pos, n);
      pos += n;
    };
    TapFixedPoint& f = points[k];
    std::int64_t sizes[2];
    get(sizes, sizeof sizes);
    f.visible.resize(sizes[0]);
    f.hidden.resize(sizes[1]);
    get(f.visible.data(), static_cast<std::size_t>(sizes[0]) * sizeof(double));
    get(f.hidden.data(), static_cast<std::size_t>(sizes[1]) * sizeof(double));
    std::int32_t flags[2];
    get(flags, sizeof flags);
    f.iterations = flags[0];
    f.converged = flags[1] != 0;
    get(&f.free_energy, sizeof f.free_energy);
  }
}

using tap_detail::append_starts;
using tap_detail::best_of_starts;
using tap_detail::check_options;
using tap_detail::check_order;
using tap_detail::log_partition;
namespace {

// The model in float64 with the elementwise powers of W the expansion needs.
struct TapModel {
  MatrixD w, w2, w3;
};

TapModel make_model(const Rbm& rbm) {
  rbm.validate();
  TapModel model;
  model.w = rbm.weights().cast<double>();
  model.w2 = model.w.array().square().matrix();
  model.w3 = model.w.array().cube().matrix();
  return model;
}

// x ↦ f(i, x) elementwise over a layer's vector.
template <class F>
VectorD per_unit(const VectorD& m, F&& f) {
  VectorD out(m.size());
  for (Index i = 0; i < m.size(); ++i) out[i] = f(i, m[i]);
  return out;
}

template <class U>
void check_magnetisation(const U&, const VectorD& m, Index n, const char* layer, const char* what) {
  if (m.size() != n) {
    throw Error(fmt::format("{}: {} magnetisation has {} entries, the model has {} units", what,
                            layer, m.size(), n));
  }
  for (Index i = 0; i < n; ++i) {
    if (!(std::isfinite(m[i]) && m[i] >= U::lower && m[i] <= U::upper)) {
      throw Error(fmt::format("{}: {} magnetisation {} = {} is outside the range of {} units", what,
                              layer, i, m[i], to_string(U::type)));
    }
  }
}

// t(m), κ₂(m), κ₃(m) of one layer.
template <class U>
VectorD statistic(const U& u, const VectorD& m) {
  return per_unit(m, [&](Index i, double x) { return u.statistic(i, x); });
}
template <class U>
VectorD cumulant2(const U& u, const VectorD& m) {
  return per_unit(m, [&](Index i, double x) { return u.variance(i, x); });
}
template <class U>
VectorD cumulant3(const U& u, const VectorD& m) {
  return per_unit(m, [&](Index i, double x) { return u.third(i, x); });
}

template <class Vis, class Hid>
double free_energy(const TapModel& model, const Vis& vis, const Hid& hid, const VectorD& mv,
                   const VectorD& mh, int order) {
  double f = 0.0;
  for (Index i = 0; i < mv.size(); ++i) f += vis.gibbs_term(i, mv[i]);
  for (Index j = 0; j < mh.size(); ++j) f += hid.gibbs_term(j, mh[j]);
  f -= statistic(vis, mv).dot(model.w * statistic(hid, mh));
  if (order >= 2) f -= 0.5 * cumulant2(vis, mv).dot(model.w2 * cumulant2(hid, mh));
  if (order >= 3) f -= cumulant3(vis, mv).dot(model.w3 * cumulant3(hid, mh)) / 6.0;
  return f;
}

// The field of one layer in the self-consistency equation μ⁻¹(m) = −∂(F − Σ G)/∂m:
//   φ = bias + coupling·t(m_other) + ½ κ₂'(m) ⊙ W²·κ₂(m_other) + ⅙ κ₃'(m) ⊙ W³·κ₃(m_other),
// where coupling·x is W x (visible layer) or Wᵀx (hidden layer).
template <class Self, class Other, class Mul>
void layer_update(const Self& self, const Other& other_units, const VectorD& other, int order,
                  double damping, Mul&& mul, VectorD& m, double& max_change) {
  VectorD field = mul(0, statistic(other_units, other));
  for (Index i = 0; i < m.size(); ++i) field[i] += static_cast<double>(self.bias[i]);
  if (order >= 2) {
    const VectorD reaction = mul(1, cumulant2(other_units, other));
    for (Index i = 0; i < m.size(); ++i) field[i] += 0.5 * self.variance_slope(i, m[i]) * reaction[i];
  }
  if (order >= 3) {
    const VectorD reaction = mul(2, cumulant3(other_units, other));
    for (Index i = 0; i < m.size(); ++i) field[i] += self.third_slope(i, m[i]) * reaction[i] / 6.0;
  }
  for (Index i = 0; i < m.size(); ++i) {
    const double next = damping * m[i] + (1.0 - damping) * self.field_mean(i, field[i]);
    const double change = std::fabs(next - m[i]);
    // Unlike std::max, this keeps a NaN once seen, so a diverging iteration is not "converged".
    if (!(change <= max_change) && !std::isnan(max_change)) max_change = change;
    m[i] = next;
  }
}

// Keeps a start strictly inside the unit's range, so data rows (exactly 0/1 or ±1) can be used.
template <class U>
VectorD clamp_start(const U&, const VectorD& start) {
  constexpr double margin = 1e-9;
  return start.cwiseMax(U::lower + margin).cwiseMin(U::upper - margin);
}

template <class Vis, class Hid>
TapFixedPoint iterate(const TapModel& model, const Vis& vis, const Hid& hid,
                      const TapOptions& options, VectorD mv, StopSignal& stop) {
  const int order = options.order;
  VectorD mh(model.w.cols());
  {
    const VectorD field = model.w.transpose() * statistic(vis, mv);
    for (Index j = 0; j < mh.size(); ++j) mh[j] = hid.field_mean(j, hid.bias[j] + field[j]);
  }
  const auto mul_hidden = [&](int power, const VectorD& x) -> VectorD {
    const MatrixD& m = power == 0 ? model.w : power == 1 ? model.w2 : model.w3;
    return m.transpose() * x;
  };
  const auto mul_visible = [&](int power, const VectorD& x) -> VectorD {
    const MatrixD& m = power == 0 ? model.w : power == 1 ? model.w2 : model.w3;
    return m * x;
  };
  TapFixedPoint result;
  for (int t = 0; t < options.max_iterations; ++t) {
    if (stop.check()) throw Cancelled();  // serial: no parallel region to leave first
    double change = 0.0;
    layer_update(hid, vis, mv, order, options.damping, mul_hidden, mh, change);
    layer_update(vis, hid, mh, order, options.damping, mul_visible, mv, change);
    result.iterations = t + 1;
    if (!std::isfinite(change)) break;
    if (change < options.tolerance) {
      result.converged = true;
      break;
    }
  }
  result.free_energy = free_energy(model, vis, hid, mv, mh, order);
  if (!std::isfinite(result.free_energy)) result.converged = false;
  result.visible = std::move(mv);
  result.hidden = std::move(mh);
  return result;
}

template <class Vis>
VectorD uniform_start(const Vis& vis, Index n) {
  VectorD start(n);
  for (Index i = 0; i < n; ++i) start[i] = vis.tap_start(i);
  return start;
}

}  // namespace

double tap_free_energy(const Rbm& rbm, const VectorD& visible, const VectorD& hidden, int order) {
  constexpr const char* what = "tap_free_energy";
  check_order(order, what);
  const TapModel model = make_model(rbm);
  return dispatch(rbm.visible_units(), rbm.hidden_units(), [&](auto vis, auto hid) {
    check_magnetisation(vis, visible, rbm.n_visible(), "visible", what);
    check_magnetisation(hid, hidden, rbm.n_hidden(), "hidden", what);
    return free_energy(model, vis, hid, visible, hidden, order);
  });
}

TapGradient tap_free_energy_gradient(const Rbm& rbm, const VectorD& visible, const VectorD& hidden,
                                     int order) {
  constexpr const char* what = "tap_free_energy_gradient";
  check_order(order, what);
  const TapModel model = make_model(rbm);
  return dispatch(rbm.visible_units(), rbm.hidden_units(), [&](auto vis, auto hid) {
    check_magnetisation(vis, visible, rbm.n_visible(), "visible", what);
    check_magnetisation(hid, hidden, rbm.n_hidden(), "hidden", what);
    TapGradient g;
    g.visible_bias = -per_unit(visible, [&](Index i, double m) { return vis.bias_statistic(i, m); });
    g.hidden_bias = -per_unit(hidden, [&](Index j, double m) { return hid.bias_statistic(j, m); });
    const VectorD th = statistic(hid, hidden);
    g.weights = -statistic(vis, visible) * th.transpose();
    const VectorD kh = cumulant2(hid, hidden);
    if (order >= 2) g.weights.array() -= model.w.array() * (cumulant2(vis, visible) * kh.transpose()).array();
    if (order >= 3) {
      g.weights.array() -=
          0.5 * model.w2.array() * (cumulant3(vis, visible) * cumulant3(hid, hidden).transpose()).array();
    }
    if constexpr (decltype(vis)::has_sigma) {
      const VectorD input = model.w * th;
      const VectorD reaction = order >= 2 ? VectorD(model.w2 * kh) : VectorD::Zero(visible.size());
      g.log_sigma = per_unit(visible, [&](Index i, double m) {
        return vis.tap_log_sigma_gradient(i, m, input[i], reaction[i]);
      });
    }
    return g;
  });
}

TapFixedPoint tap_fixed_point(const Rbm& rbm, const TapOptions& options,
                              const VectorD* visible_start) {
  constexpr const char* what = "tap_fixed_point";
  check_options(options, what);
  const TapModel model = make_model(rbm);
  if (visible_start != nullptr) {
    if (visible_start->size() != rbm.n_visible()) {
      throw Error(fmt::format("{}: start has {} entries, the model has {} visible units", what,
                              visible_start->size(), rbm.n_visible()));
    }
    if (!visible_start->allFinite()) throw Error(fmt::format("{}: start is not finite", what));
  }
  StopSignal stop(options.stop);
  return dispatch(rbm.visible_units(), rbm.hidden_units(), [&](auto vis, auto hid) {
    VectorD start = visible_start != nullptr ? clamp_start(vis, *visible_start)
                                             : uniform_start(vis, rbm.n_visible());
    return iterate(model, vis, hid, options, std::move(start), stop);
  });
}

TapFixedPoint tap_best_fixed_point(const Rbm& rbm, const TapOptions& options,
                                   const MatrixF* visible_starts) {
  constexpr const char* what = "tap_best_fixed_point";
  check_options(options, what);
  const TapModel model = make_model(rbm);
  return dispatch(rbm.visible_units(), rbm.hidden_units(), [&](auto vis, auto hid) {
    std::vector<VectorD> starts;
    starts.push_back(uniform_start(vis, rbm.n_visible()));
    VectorD bias_only(rbm.n_visible());
    for (Index i = 0; i < bias_only.size(); ++i) {
      bias_only[i] = vis.field_mean(i, static_cast<double>(vis.bias[i]));
    }
    bias_only = clamp_start(vis, bias_only);
    if (bias_only != starts.front()) starts.push_back(std::move(bias_only));
    append_starts(starts, visible_starts, rbm.n_visible(), what,
                  [&](const VectorD& row) { return clamp_start(vis, row); });
    return best_of_starts(starts, options, [&](VectorD start, StopSignal& stop) {
      return iterate(model, vis, hid, options, std::move(start), stop);
    });
  });
}

stats::Result tap_log_partition(const Rbm& rbm, const TapOptions& options,
                                const MatrixF* visible_starts) {
  return log_partition(tap_best_fixed_point(rbm, options, visible_starts), options,
                       "tap_log_partition");
}

// ---------------------------------------------------------------------------------------------
// Batched float32 form (EMF / TAP training).

namespace {

// f(i, x) elementwise over particles (rows) × units (columns).
template <class F>
MatrixF per_element(const MatrixF& m, F&& f) {
  MatrixF out(m.rows(), m.cols());
  for (Index r = 0; r < m.rows(); ++r) {
    for (Index i = 0; i < m.cols(); ++i) out(r, i) = f(i, m(r, i));
  }
  return out;
}

void check_batch(const Rbm& rbm, const MatrixF& visible, const MatrixF& hidden, const char* what) {
  if (visible.cols() != rbm.n_visible() || hidden.cols() != rbm.n_hidden() ||
      visible.rows() != hidden.rows() || visible.rows() < 1) {
    throw Error(fmt::format("{}: magnetisations are {}x{} and {}x{}, the model is {} x {}", what,
                            visible.rows(), visible.cols(), hidden.rows(), hidden.cols(),
                            rbm.n_visible(), rbm.n_hidden()));
  }
}

template <class U>
void check_batch_range(const U&, const MatrixF& m, const char* what) {
  const bool ok = (m.array().isFinite() && (m.array() >= static_cast<float>(U::lower)) &&
                   (m.array() <= static_cast<float>(U::upper)))
                      .all();
  if (!ok) {
    throw Error(fmt::format("{}: magnetisations outside the range of {} units", what,
                            to_string(U::type)));
  }
}

// κ(other)·C of the reaction terms: for units whose cumulants do not depend on m (Gaussian) one
// row, broadcast, instead of a product per particle.
template <class Other, class Cumulant>
MatrixF reaction(const Other&, const MatrixF& other, const MatrixF& c, Cumulant&& k) {
  if constexpr (Other::constant_cumulants) {
    RowF row(other.cols());
    for (Index i = 0; i < other.cols(); ++i) row[i] = k(i, 0.0f);
    return (row * c).replicate(other.rows(), 1);
  } else {
    return per_element(other, k) * c;
  }
}

// One damped layer update for all particles: m ← d·m + (1 − d)·μ(φ), with
//   φ = bias + t(other)·C + ½ κ₂'(m) ⊙ (κ₂(other)·C²) + ⅙ κ₃'(m) ⊙ (κ₃(other)·C³),
// C = W (hidden layer, other = m_v) or Wᵀ (visible layer, other = m_h); powers elementwise. Units
// whose κ' vanish (Gaussian) skip the reaction terms.
template <class Self, class Other>
void batch_layer_update(const Self& self, const Other& other_units, const MatrixF& other,
                        const MatrixF& c, const MatrixF& c2, const MatrixF& c3, int order,
                        float damping, MatrixF& m, MatrixF& field) {
  if constexpr (Other::has_sigma) {
    field.noalias() = per_element(other, [&](Index i, float x) {
      return static_cast<float>(other_units.statistic(i, x));
    }) * c;
  } else {
    field.noalias() = other * c;
  }
  for (Index r = 0; r < field.rows(); ++r) {
    for (Index i = 0; i < field.cols(); ++i) field(r, i) += self.bias[i];
  }
  if constexpr (!Self::constant_cumulants) {
    if (order >= 2) {
      const MatrixF rho = reaction(other_units, other, c2,
                                   [&](Index i, float x) { return other_units.variance(i, x); });
      field.array() += 0.5f * per_element(m, [&](Index i, float x) { return self.variance_slope(i, x); }).array() *
                       rho.array();
    }
    if (order >= 3) {
      const MatrixF rho = reaction(other_units, other, c3,
                                   [&](Index i, float x) { return other_units.third(i, x); });
      field.array() += (1.0f / 6.0f) *
                       per_element(m, [&](Index i, float x) { return self.third_slope(i, x); }).array() *
                       rho.array();
    }
  }
  for (Index r = 0; r < m.rows(); ++r) {
    for (Index i = 0; i < m.cols(); ++i) {
      m(r, i) = damping * m(r, i) +
                (1.0f - damping) * static_cast<float>(self.field_mean(i, field(r, i)));
    }
  }
}

}  // namespace

void tap_sweeps(const Rbm& rbm, int order, int sweeps, double damping, MatrixF& visible,
                MatrixF& hidden) {
  constexpr const char* what = "tap_sweeps";
  rbm.validate();
  check_order(order, what);
  if (!(damping >= 0.0 && damping < 1.0)) {
    throw Error(fmt::format("{}: damping must be in [0, 1) (got {})", what, damping));
  }
  if (sweeps < 1) throw Error(fmt::format("{}: sweeps must be at least 1 (got {})", what, sweeps));
  check_batch(rbm, visible, hidden, what);
  const MatrixF& w = rbm.weights();
  const MatrixF wt = w.transpose();
  MatrixF w2, w3, w2t, w3t;
  if (order >= 2) {
    w2 = w.array().square().matrix();
    w2t = w2.transpose();
  }
  if (order >= 3) {
    w3 = w.array().cube().matrix();
    w3t = w3.transpose();
  }
  const auto d = static_cast<float>(damping);
  dispatch(rbm.visible_units(), rbm.hidden_units(), [&](auto vis, auto hid) {
    check_batch_range(vis, visible, what);
    check_batch_range(hid, hidden, what);
    MatrixF field;
    for (int t = 0; t < sweeps; ++t) {
      batch_layer_update(vis, hid, hidden, wt, w2t, w3t, order, d, visible, field);
      batch_layer_update(hid, vis, visible, w, w2, w3, order, d, hidden, field);
    }
  });
}

void tap_negative_phase(const Rbm& rbm, int order, const MatrixF& visible, const MatrixF& hidden,
                        MatrixF& weights, VectorF& visible_bias, VectorF& hidden_bias,
                        VectorF* log_sigma) {
  constexpr const char* what = "tap_negative_phase";
  rbm.validate();
  check_order(order, what);
  check_batch(rbm, visible, hidden, what);
  const float inv = 1.0f / static_cast<float>(visible.rows());
  dispatch(rbm.visible_units(), rbm.hidden_units(), [&](auto vis, auto hid) {
    check_batch_range(vis, visible, what);
    check_batch_range(hid, hidden, what);
    const auto stat = [](const auto& u) {
      return [&u](Index i, float x) { return static_cast<float>(u.statistic(i, x)); };
    };
    const MatrixF tv = per_element(visible, stat(vis));
    const MatrixF th = per_element(hidden, stat(hid));
    weights.noalias() = (tv.transpose() * th) * inv;
    MatrixF kh;
    if (order >= 2) {
      const MatrixF kv = per_element(visible, [&](Index i, float x) { return vis.variance(i, x); });
      kh = per_element(hidden, [&](Index j, float x) { return hid.variance(j, x); });
      weights.array() += rbm.weights().array() * ((kv.transpose() * kh) * inv).array();
    }
    if (order >= 3) {
      const MatrixF kv = per_element(visible, [&](Index i, float x) { return vis.third(i, x); });
      const MatrixF k3h = per_element(hidden, [&](Index j, float x) { return hid.third(j, x); });
      weights.array() += 0.5f * rbm.weights().array().square() * ((kv.transpose() * k3h) * inv).array();
    }
    const auto bias_stat = [](const auto& u) {
      return [&u](Index i, float x) { return static_cast<float>(u.bias_statistic(i, x)); };
    };
    visible_bias = per_element(visible, bias_stat(vis)).colwise().sum().transpose() * inv;
    hidden_bias = per_element(hidden, bias_stat(hid)).colwise().sum().transpose() * inv;
    if constexpr (decltype(vis)::has_sigma) {
      if (log_sigma != nullptr) {
        // −⟨∂F/∂log σ_i⟩ over particles (tap_free_energy_gradient, in float64 per particle).
        const MatrixF input = th * rbm.weights().transpose();
        MatrixF rho;
        if (order >= 2) rho = kh * rbm.weights().array().square().matrix().transpose();
        VectorD acc = VectorD::Zero(rbm.n_visible());
        for (Index r = 0; r < visible.rows(); ++r) {
          for (Index i = 0; i < visible.cols(); ++i) {
            acc[i] -= vis.tap_log_sigma_gradient(i, visible(r, i), input(r, i),
                                                 order >= 2 ? static_cast<double>(rho(r, i)) : 0.0);
          }
        }
        *log_sigma = (acc / static_cast<double>(visible.rows())).cast<float>();
      }
    }
  });
}

}  // namespace rgflow::estimate
