#include "rgflow/estimate/free_energy_flow.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <omp.h>

#include "rgflow/core/error.hpp"
#include "rgflow/estimate/exact.hpp"

namespace rgflow::estimate {

namespace {

// Mean with the standard error over rows (sd with n − 1).
stats::Result mean_over_rows(const VectorD& x) {
  return stats::mean_sem({x.data(), static_cast<std::size_t>(x.size())});
}

stats::Result scaled(stats::Result r, double factor) {
  r.mean *= factor;
  r.error *= std::fabs(factor);
  return r;
}

int thread_count(int threads) { return threads > 0 ? threads : 0; }

}  // namespace

stats::Result layer_log_partition(const Rbm& rbm, const MatrixF& layer_data,
                                  const LogZOptions& options, Index layer, LogZMethod* used) {
  LogZOptions o = options;
  o.ais.seed = options.ais.seed + static_cast<std::uint64_t>(layer);
  const bool needs_data = o.method == LogZMethod::ais || o.method == LogZMethod::automatic;
  if (needs_data && (layer_data.rows() < 1 || layer_data.cols() != rbm.n_visible())) {
    throw Error(fmt::format("AIS for layer {} needs rows with {} columns for its base-rate model "
                            "(got {} x {})", layer, rbm.n_visible(), layer_data.rows(),
                            layer_data.cols()));
  }
  const LogZEstimate e = estimate_log_partition(rbm, o, needs_data ? &layer_data : nullptr);
  if (used != nullptr) *used = e.method;
  return e.log_z;
}

std::vector<LayerFlow> free_energy_flow(const Dbn& dbn, const MatrixF& data,
                                        const FlowOptions& options) {
  dbn.validate();
  if (data.rows() < 1) throw Error("free-energy flow: the data has no rows");
  if (data.cols() != dbn.n_visible()) {
    throw Error(fmt::format("free-energy flow: data has {} columns but the DBN has {} visible units",
                            data.cols(), dbn.n_visible()));
  }
  std::vector<LayerFlow> flow;
  Rng rng(options.seed, 0);
  MatrixF x = data;
  MatrixF next;
  StopSignal stop(options.log_z.stop);
  for (Index k = 0; k < dbn.n_layers(); ++k) {
    if (stop.check()) throw Cancelled();
    const Rbm& rbm = dbn.layer(k);
    LayerFlow f;
    f.layer = k;
    f.n_visible = rbm.n_visible();
    f.n_hidden = rbm.n_hidden();
    const double per_unit = 1.0 / static_cast<double>(f.n_visible);
    f.free_energy = mean_over_rows(rbm.free_energy_visible(x));
    f.free_energy_per_unit = scaled(f.free_energy, per_unit);
    if (options.log_z.method != LogZMethod::none) {
      LogZMethod used = LogZMethod::none;
      LogZOptions layer_options = options.log_z;  // progress: layer k is part k of the flow
      layer_options.progress = progress_part(options.log_z.progress, k, dbn.n_layers());
      const stats::Result log_z = layer_log_partition(rbm, x, layer_options, k, &used);
      f.log_z_method = used;
      f.log_z = log_z;
      stats::Result ll;
      ll.mean = -f.free_energy.mean - log_z.mean;
      ll.error = std::hypot(f.free_energy.error, log_z.error);
      ll.n = f.free_energy.n;
      f.log_likelihood = ll;
      f.log_likelihood_per_unit = scaled(ll, per_unit);
    }
    flow.push_back(f);
    if (k + 1 < dbn.n_layers()) {
      if (options.propagate == Propagate::mean) {
        rbm.hidden_mean(x, next);
      } else {
        rbm.sample_hidden(x, next, rng);
      }
      x.swap(next);
    }
  }
  return flow;
}

namespace {

// One RBM's parameters in float64.
struct LayerD {
  MatrixD w;  // [n_visible, n_hidden]
  VectorD a;
  VectorD b;
  explicit LayerD(const Rbm& rbm)
      : w(rbm.weights().cast<double>()),
        a(rbm.visible_bias().cast<double>()),
        b(rbm.hidden_bias().cast<double>()) {}
};

template <class Units>
double log_partition_sum(const Eigen::Ref<const Eigen::RowVectorXd>& field) {
  double s = 0.0;
  for (Index i = 0; i < field.size(); ++i) s += Units::log_partition(field[i]);
  return s;
}

// Everything the bound needs for one 2-layer DBN, in float64. Vis/Mid/Top: unit policies of
// levels 0, 1, 2.
template <class Vis, class Mid, class Top>
struct BoundModel {
  LayerD l0;
  LayerD l1;
  double log_z1;

  // log p_0(v | h) = vᵀ(a_0 + W_0 h) − Σ_i L_v(a_0i + (W_0 h)_i)
  double log_p0_v_given_h(const Eigen::RowVectorXd& v, const Eigen::RowVectorXd& h) const {
    const Eigen::RowVectorXd field = h * l0.w.transpose() + l0.a.transpose();
    return v.dot(field) - log_partition_sum<Vis>(field);
  }
  // log p_1(h) = −F_1(h) − log Z_1,  F_1(h) = −a_1ᵀh − Σ_j L_top(b_1j + (hᵀW_1)_j)
  double log_p1(const Eigen::RowVectorXd& h) const {
    const Eigen::RowVectorXd field = h * l1.w + l1.b.transpose();
    return h.dot(l1.a) + log_partition_sum<Top>(field) - log_z1;
  }
};

// Level-1 state number s (bit j → unit j on).
template <class Mid>
void fill_state(std::uint64_t s, Eigen::RowVectorXd& h) {
  for (Index j = 0; j < h.size(); ++j) h[j] = Mid::state(static_cast<int>((s >> j) & 1U));
}

// Rows are independent and each writes only its own outputs, so rows abandoned after a stop
// request leave nothing that is used: the caller throws Cancelled.
template <class Vis, class Mid, class Top>
void bound_rows(const BoundModel<Vis, Mid, Top>& m, const MatrixD& V, bool exact, Index samples,
                std::uint64_t seed, int threads, VectorD& out, VectorD& out_error,
                VectorD* log_p, StopSignal& stop) {
  const Index N = V.rows();
  const Index n1 = m.l0.w.cols();
  out.resize(N);
  out_error.setZero(N);
  if (log_p != nullptr) log_p->resize(N);
  const std::uint64_t n_states = std::uint64_t{1} << n1;
  constexpr std::uint64_t kCheckMask = (std::uint64_t{1} << 12) - 1;  // check every 4096 states
  stop.expect_work(N);
#pragma omp parallel num_threads(threads > 0 ? threads : omp_get_max_threads())
  {
#pragma omp for schedule(static) nowait
    for (Index r = 0; r < N; ++r) {
      const StopItem done(stop);
      if (stop.check()) continue;
      const Eigen::RowVectorXd v = V.row(r);
      const Eigen::RowVectorXd phi = v * m.l0.w + m.l0.b.transpose();  // Q's fields
      const double log_norm_q = log_partition_sum<Mid>(phi);
      Eigen::RowVectorXd h(n1);
      if (exact) {
        double bound = 0.0;
        double max_term = -std::numeric_limits<double>::infinity();
        double sum_exp = 0.0;  // Σ e^{term − max_term}
        for (std::uint64_t s = 0; s < n_states; ++s) {
          if ((s & kCheckMask) == kCheckMask && stop.check()) break;
          fill_state<Mid>(s, h);
          const double log_q = h.dot(phi) - log_norm_q;
          const double joint = m.log_p0_v_given_h(v, h) + m.log_p1(h);
          bound += std::exp(log_q) * (joint - log_q);
          if (joint > max_term) {
            sum_exp = sum_exp * std::exp(max_term - joint) + 1.0;
            max_term = joint;
          } else {
            sum_exp += std::exp(joint - max_term);
          }
        }
        out[r] = bound;
        if (log_p != nullptr) (*log_p)[r] = max_term + std::log(sum_exp);
      } else {
        // H(Q) = Σ_j [L(φ_j) − φ_j E[h_j]] in closed form; the rest by sampling h ~ Q.
        double entropy = log_norm_q;
        for (Index j = 0; j < n1; ++j) entropy -= phi[j] * static_cast<double>(Mid::mean(static_cast<float>(phi[j])));
        Rng rng(seed, static_cast<std::uint64_t>(r));
        stats::Moments terms;
        for (Index t = 0; t < samples; ++t) {
          for (Index j = 0; j < n1; ++j) h[j] = Mid::sample(static_cast<float>(phi[j]), rng.uniform());
          terms.add(m.log_p0_v_given_h(v, h) + m.log_p1(h));
        }
        const stats::Result sampled = terms.result();
        out[r] = sampled.mean + entropy;
        out_error[r] = samples > 1 ? sampled.error : 0.0;
      }
      stop.add_work();
    }
    stop.wait_for_items(N);
  }
  stop.throw_if_stopped();
}

void check_two_layers(const Dbn& dbn, const MatrixF& data) {
  dbn.validate();
  if (dbn.n_layers() != 2) {
    throw Error(fmt::format("the DBN lower bound needs exactly two layers (got {})", dbn.n_layers()));
  }
  if (data.rows() < 1) throw Error("DBN lower bound: the data has no rows");
  if (data.cols() != dbn.n_visible()) {
    throw Error(fmt::format("DBN lower bound: data has {} columns but the DBN has {} visible units",
                            data.cols(), dbn.n_visible()));
  }
}

template <class F>
void dispatch_levels(const Dbn& dbn, F&& f) {
  dispatch(dbn.level_type(0), [&](auto vis) {
    dispatch(dbn.level_type(1), [&](auto mid) {
      dispatch(dbn.level_type(2), [&](auto top) { f(vis, mid, top); });
    });
  });
}

}  // namespace

DbnBound dbn_lower_bound(const Dbn& dbn, const MatrixF& data, const stats::Result& log_z_top,
                         const BoundOptions& options) {
  check_two_layers(dbn, data);
  const Index n1 = dbn.layer(0).n_hidden();
  BoundMethod method = options.method;
  if (method == BoundMethod::automatic) {
    method = n1 <= std::min(options.max_exact_units, kMaxExactUnits) ? BoundMethod::exact
                                                                       : BoundMethod::sample;
  }
  if (method == BoundMethod::exact && n1 > kMaxExactUnits) {
    throw Error(fmt::format("exact DBN bound: level 1 has {} units (at most {} can be enumerated)",
                            n1, kMaxExactUnits));
  }
  if (method == BoundMethod::sample && options.samples < 2) {
    throw Error(fmt::format("DBN bound: at least 2 samples per row are needed (got {})",
                            options.samples));
  }
  if (!std::isfinite(log_z_top.mean)) throw Error("DBN bound: log Z of the top layer is not finite");
  DbnBound result;
  result.method = method;
  const MatrixD V = data.cast<double>();
  dispatch_levels(dbn, [&](auto vis, auto mid, auto top) {
    const BoundModel<decltype(vis), decltype(mid), decltype(top)> model{
        LayerD(dbn.layer(0)), LayerD(dbn.layer(1)), log_z_top.mean};
    StopSignal stop(options.stop, options.progress);
    bound_rows(model, V, method == BoundMethod::exact, options.samples, options.seed,
               thread_count(options.threads), result.per_row, result.per_row_error, nullptr, stop);
  });
  result.mean = mean_over_rows(result.per_row);
  result.mean.error = std::hypot(result.mean.error, log_z_top.error);
  result.log_z_top = log_z_top;
  return result;
}

DbnBound dbn_lower_bound(const Dbn& dbn, const MatrixF& data, const LogZOptions& log_z,
                         const BoundOptions& options) {
  check_two_layers(dbn, data);
  if (log_z.method == LogZMethod::none) throw Error("the DBN bound needs log Z of the top layer");
  LogZMethod used = LogZMethod::none;
  LogZOptions top = log_z;  // progress: log Z_1 is the first half, the rows the second
  top.progress = progress_part(options.progress, 0, 2);
  const stats::Result log_z_top =
      layer_log_partition(dbn.layer(1), dbn.up_mean(data, 1), top, 1, &used);
  BoundOptions bound = options;
  bound.progress = progress_part(options.progress, 1, 2);
  if (!bound.stop) bound.stop = log_z.stop;
  DbnBound result = dbn_lower_bound(dbn, data, log_z_top, bound);
  result.log_z_method = used;
  return result;
}

VectorD dbn_exact_log_probability(const Dbn& dbn, const MatrixF& data, double log_z_top,
                                  const StopPoll& stop_poll) {
  check_two_layers(dbn, data);
  if (dbn.layer(0).n_hidden() > kMaxExactUnits) {
    throw Error(fmt::format("exact DBN log p(v): level 1 has {} units (at most {} can be enumerated)",
                            dbn.layer(0).n_hidden(), kMaxExactUnits));
  }
  VectorD bound, error, log_p;
  const MatrixD V = data.cast<double>();
  dispatch_levels(dbn, [&](auto vis, auto mid, auto top) {
    const BoundModel<decltype(vis), decltype(mid), decltype(top)> model{
        LayerD(dbn.layer(0)), LayerD(dbn.layer(1)), log_z_top};
    StopSignal stop(stop_poll);
    bound_rows(model, V, true, 0, 0, 0, bound, error, &log_p, stop);
  });
  return log_p;
}

}  // namespace rgflow::estimate
