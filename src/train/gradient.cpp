#include "rgflow/train/gradient.hpp"

#include <algorithm>
#include <cstring>
#include <cmath>
#include <fmt/format.h>
#include <numeric>
#include <vector>
#include <stdexcept>

#include "rgflow/core/error.hpp"
#include "rgflow/core/gemm.hpp"
#include "rgflow/estimate/tap.hpp"

#include "shard_tree.hpp"

#include "chunked_gibbs.hpp"
#include "sgd_kernel.hpp"

namespace rgflow::train {

Gradient::Gradient(Index n_visible, Index n_hidden)
    : dW(MatrixF::Zero(n_visible, n_hidden)),
      da(VectorF::Zero(n_visible)),
      db(VectorF::Zero(n_hidden)),
      batch_visible_mean(VectorF::Zero(n_visible)),
      batch_hidden_mean(VectorF::Zero(n_hidden)) {}

void Gradient::resize_binary(Index n_visible, Index n_hidden) {
  dW.resize(n_visible, n_hidden);
  da.resize(n_visible);
  db.resize(n_hidden);
  batch_visible_mean.resize(n_visible);
  batch_hidden_mean.resize(n_hidden);
  d_log_sigma.resize(0);
}

void Gradient::set_zero() {
  dW.setZero();
  da.setZero();
  db.setZero();
  batch_visible_mean.setZero();
  batch_hidden_mean.setZero();
}

void GradientEstimator::set_persistent_chains(const MatrixF& chains) {
  if (chains.size() != 0) {
    throw Error("this gradient estimator keeps no persistent chains");
  }
}

void GradientEstimator::set_shards(int shards, const Communicator* comm) {
  if (shards != 1 || (comm != nullptr && comm->size() > 1)) {
    throw Error(fmt::format("this gradient estimator does not split its batch into row shards "
                            "(shards {}, {} ranks): row shards need methods cd or pcd",
                            shards, comm != nullptr ? comm->size() : 1));
  }
}

EstimatorState GradientEstimator::state() const {
  EstimatorState s;
  s.chains = persistent_chains();
  return s;
}

void GradientEstimator::restore(const EstimatorState& state) {
  if (state.hidden.size() != 0 || state.tempering.has_value()) {
    throw Error("this gradient estimator keeps no hidden magnetisations or tempering ladder");
  }
  set_persistent_chains(state.chains);
}

namespace {

void check_batch(const Rbm& rbm, const MatrixF& batch) {
  if (batch.rows() < 1 || batch.cols() != rbm.n_visible()) {
    throw Error(fmt::format("gradient: batch is {}x{} but the model has {} visible units",
                            batch.rows(), batch.cols(), rbm.n_visible()));
  }
}

// Binary units: ⟨v hᵀ⟩_data − ⟨v hᵀ⟩_model by column chunks of dW (as the fields), with the hidden
// bias terms; the visible ones by chunks of the visible layer (a worksharing construct, as those of
// chunked_gibbs.hpp). `grad` must be sized.
// The rows may be a shard of the batch and of the chains: inv_b and inv_c are the reciprocals of
// the whole batch's and chains' row counts.
template <class Out>
void binary_gradient(const Eigen::Ref<const MatrixF>& batch,
                     const Eigen::Ref<const MatrixF>& positive_hidden_mean,
                     const Eigen::Ref<const MatrixF>& V,
                     const Eigen::Ref<const MatrixF>& negative_hidden_mean, float inv_b, float inv_c,
                     const std::vector<Index>& hc, const std::vector<Index>& vc, Out& grad,
                     const FusedWeightStep* fused) {
  detail::for_chunks(hc, [&](Index j0, Index nj) {
    auto dW = grad.dW.middleCols(j0, nj);
    gemm::product(inv_b, batch, true, positive_hidden_mean.middleCols(j0, nj), false, 0.0f, dW);
    gemm::product(-inv_c, V, true, negative_hidden_mean.middleCols(j0, nj), false, 1.0f, dW);
    if (fused != nullptr) {
      // The block of dW is still in this core's cache: step its weights now (no reader of W is
      // left in this update: the fields ended at the barriers before).
      const FusedWeightStep& f = *fused;
      for (Index i = 0; i < dW.rows(); ++i) {
        detail::sgd_momentum(f.velocity->row(i).data() + j0, f.weights->row(i).data() + j0,
                             dW.row(i).data(), nj, f.momentum, f.learning_rate);
      }
    }
    grad.batch_hidden_mean.segment(j0, nj) =
        positive_hidden_mean.middleCols(j0, nj).colwise().sum().transpose() * inv_b;
    grad.db.segment(j0, nj) = grad.batch_hidden_mean.segment(j0, nj) -
                              negative_hidden_mean.middleCols(j0, nj).colwise().sum().transpose() * inv_c;
  });
  detail::for_chunks(vc, [&](Index i0, Index ni) {
    grad.batch_visible_mean.segment(i0, ni) =
        batch.middleCols(i0, ni).colwise().sum().transpose() * inv_b;
    grad.da.segment(i0, ni) = grad.batch_visible_mean.segment(i0, ni) -
                              V.middleCols(i0, ni).colwise().sum().transpose() * inv_c;
  });
}

// The tree's leaf for row shard s of S (shard_tree.hpp): binary_gradient on the shard's rows of
// the batch and of the chains, on the update's team.
void shard_leaf(const MatrixF& batch, const MatrixF& positive_hidden_mean,
                const Eigen::Ref<const MatrixF>& V, const MatrixF& negative_hidden_mean, int s, int S,
                float inv_b, float inv_c, const std::vector<Index>& hc, const std::vector<Index>& vc,
                int threads, detail::GradientNode& g) {
  const auto [b0, nb] = detail::shard_rows(batch.rows(), s, S);
  const auto [c0, nc] = detail::shard_rows(V.rows(), s, S);
#pragma omp parallel num_threads(threads)
  binary_gradient(batch.middleRows(b0, nb), positive_hidden_mean.middleRows(b0, nb),
                  V.middleRows(c0, nc), negative_hidden_mean.middleRows(c0, nc), inv_b, inv_c, hc,
                  vc, g, nullptr);
}

}  // namespace

void mean_statistics(const Rbm& rbm, const MatrixF& visible, const MatrixF& hidden_mean,
                     bool log_sigma, MeanStatistics& out) {
  if (visible.rows() < 1 || visible.rows() != hidden_mean.rows() ||
      visible.cols() != rbm.n_visible() || hidden_mean.cols() != rbm.n_hidden()) {
    throw Error(fmt::format("statistics: states are {}x{} and {}x{}, the model is {} x {}",
                            visible.rows(), visible.cols(), hidden_mean.rows(), hidden_mean.cols(),
                            rbm.n_visible(), rbm.n_hidden()));
  }
  const float inv = 1.0f / static_cast<float>(visible.rows());
  dispatch(rbm.visible_units(), rbm.hidden_units(), [&](auto vis, auto hid) {
    using Vis = decltype(vis);
    using Hid = decltype(hid);
    // Binary units: t(x) = s(x) = x, no copies.
    if constexpr (!Vis::has_sigma && !Hid::has_sigma) {
      out.weights.noalias() = (visible.transpose() * hidden_mean) * inv;
      out.visible = visible.colwise().sum().transpose() * inv;
      out.hidden = hidden_mean.colwise().sum().transpose() * inv;
    } else {
      const MatrixF tv = rbm.visible_statistic(visible);
      const MatrixF th = rbm.hidden_statistic(hidden_mean);
      out.weights.noalias() = (tv.transpose() * th) * inv;
      const auto bias_mean = [&](const auto& u, const MatrixF& x) {
        VectorD acc = VectorD::Zero(x.cols());
        for (Index r = 0; r < x.rows(); ++r) {
          for (Index i = 0; i < x.cols(); ++i) acc[i] += u.bias_statistic(i, x(r, i));
        }
        return VectorF((acc / static_cast<double>(x.rows())).cast<float>());
      };
      out.visible = bias_mean(vis, visible);
      out.hidden = bias_mean(hid, hidden_mean);
    }
    out.log_sigma.resize(0);
    if constexpr (Vis::has_sigma) {
      if (log_sigma) {
        // (W t(E[h|v]))_i per row: one GEMM.
        const MatrixF input = rbm.hidden_statistic(hidden_mean) * rbm.weights().transpose();
        VectorD acc = VectorD::Zero(rbm.n_visible());
        for (Index r = 0; r < visible.rows(); ++r) {
          for (Index i = 0; i < visible.cols(); ++i) {
            acc[i] += vis.log_sigma_statistic(i, visible(r, i), input(r, i));
          }
        }
        out.log_sigma = (acc / static_cast<double>(visible.rows())).cast<float>();
      }
    }
  });
}

void positive_phase(const Rbm& rbm, const MatrixF& batch, MatrixF& hidden_mean, Gradient& grad) {
  check_batch(rbm, batch);
  rbm.hidden_mean(batch, hidden_mean);
  MeanStatistics s;
  mean_statistics(rbm, batch, hidden_mean, rbm.learn_sigma(), s);
  const float inv_b = 1.0f / static_cast<float>(batch.rows());
  grad.dW = std::move(s.weights);
  grad.da = std::move(s.visible);
  grad.db = std::move(s.hidden);
  grad.d_log_sigma = std::move(s.log_sigma);
  grad.batch_visible_mean = batch.colwise().sum().transpose() * inv_b;
  grad.batch_hidden_mean = hidden_mean.colwise().sum().transpose() * inv_b;
}

void subtract_negative_phase(const Rbm& rbm, const MatrixF& visible, const MatrixF& hidden_mean,
                             Gradient& grad) {
  MeanStatistics s;
  mean_statistics(rbm, visible, hidden_mean, grad.d_log_sigma.size() != 0, s);
  grad.dW -= s.weights;
  grad.da -= s.visible;
  grad.db -= s.hidden;
  if (grad.d_log_sigma.size() != 0) grad.d_log_sigma -= s.log_sigma;
}

ContrastiveDivergence::ContrastiveDivergence(int steps, bool persistent, bool hidden_state)
    : steps_(steps), persistent_(persistent), hidden_state_(persistent && hidden_state) {
  if (steps < 1) throw Error(fmt::format("Gibbs steps per update must be >= 1 (got {})", steps));
  if (hidden_state && !persistent) throw Error("hidden-state chains need persistent (PCD) chains");
}

void ContrastiveDivergence::set_persistent_chains(const MatrixF& chains) {
  if (!persistent_) {
    GradientEstimator::set_persistent_chains(chains);
    return;
  }
  chains_ = chains;
  chain_hidden_.resize(0, 0);  // hidden-state PCD: drawn from p(h | chains) by the next estimate()
}

EstimatorState ContrastiveDivergence::state() const {
  EstimatorState s;
  s.chains = chains_;
  if (hidden_state_) s.hidden = chain_hidden_;
  return s;
}

void ContrastiveDivergence::restore(const EstimatorState& state) {
  if (state.tempering.has_value()) throw Error("CD / PCD keeps no tempering ladder");
  if (!hidden_state_) {
    if (state.hidden.size() != 0) {
      throw Error("this PCD keeps visible chains only (saved with hidden-state chains?)");
    }
    set_persistent_chains(state.chains);
    return;
  }
  if (state.hidden.size() != 0 && state.hidden.rows() != state.chains.rows()) {
    throw Error(fmt::format("PCD state: {} visible but {} hidden chain rows", state.chains.rows(),
                            state.hidden.rows()));
  }
  chains_ = state.chains;
  chain_hidden_ = state.hidden;
}

void ContrastiveDivergence::estimate(const Rbm& rbm, const MatrixF& batch, Rng& rng,
                                     Gradient& grad) {
  if (batch.rows() < 1 || batch.cols() != rbm.n_visible()) {
    throw Error(fmt::format("gradient: batch is {}x{} but the model has {} visible units",
                            batch.rows(), batch.cols(), rbm.n_visible()));
  }
  if (persistent_ && chains_.size() != 0 && chains_.cols() != rbm.n_visible()) {
    throw Error(fmt::format("gradient: persistent chains have {} columns but the model has {} "
                            "visible units", chains_.cols(), rbm.n_visible()));
  }
  if (hidden_state_ && chain_hidden_.size() != 0 &&
      (chain_hidden_.cols() != rbm.n_hidden() || chain_hidden_.rows() != chains_.rows())) {
    throw Error(fmt::format("gradient: hidden chain state is {}x{} for {} chains of a model with {} "
                            "hidden units", chain_hidden_.rows(), chain_hidden_.cols(),
                            chains_.rows(), rbm.n_hidden()));
  }
  if (persistent_ && chains_.size() == 0) chains_ = batch;
  if (rbm.binary()) {
    estimate_binary(rbm, batch, rng, grad);
  } else {
    if (hidden_state_) throw Error("hidden-state PCD supports binary (bernoulli / spin) units only");
    if (shards_ > 1 || (comm_ != nullptr && comm_->size() > 1)) {
      throw Error("row shards (and training on several ranks) need binary (bernoulli / spin) units");
    }
    estimate_general(rbm, batch, rng, grad);
  }
}

// Any unit types (Gaussian ones): Rbm's conditionals (single-threaded GEMMs) and the statistics of
// the unit policies.
void ContrastiveDivergence::estimate_general(const Rbm& rbm, const MatrixF& batch, Rng& rng,
                                             Gradient& grad) {
  MatrixF& V = persistent_ ? chains_ : negative_visible_;
  int remaining = steps_;
  if (persistent_) {
    rbm.hidden_mean(batch, positive_hidden_mean_);
  } else {
    // CD: the first hidden sample of the chain is drawn from the same field as the positive
    // phase, so compute both in one pass (saves one V·W product per update).
    rbm.sample_hidden(batch, hidden_sample_, rng, &positive_hidden_mean_);
    rbm.sample_visible(hidden_sample_, V, rng);
    remaining -= 1;
  }
  rbm.gibbs(V, hidden_sample_, remaining, rng);
  rbm.hidden_mean(V, negative_hidden_mean_);

  const float inv_b = 1.0f / static_cast<float>(batch.rows());
  MeanStatistics s;
  mean_statistics(rbm, batch, positive_hidden_mean_, rbm.learn_sigma(), s);
  grad.dW = std::move(s.weights);
  grad.da = std::move(s.visible);
  grad.db = std::move(s.hidden);
  grad.d_log_sigma = std::move(s.log_sigma);
  grad.batch_visible_mean = batch.colwise().sum().transpose() * inv_b;
  grad.batch_hidden_mean = positive_hidden_mean_.colwise().sum().transpose() * inv_b;
  subtract_negative_phase(rbm, V, negative_hidden_mean_, grad);
}

// Binary units: the whole update in one OpenMP region (rbm/chunked_gibbs.hpp), drawing exactly
// the words of the single-threaded order — CD: h_0 | batch, v_1, then (h, v) per further step;
// visible-state PCD: (h, v) per step from the chains; hidden-state PCD: v then h per step from
// the stored hidden samples (plus, once, h_0 | chains to start them) — so results do not depend
// on the thread count. Entry (r, i) of a phase draws word r·cols + i of that phase's words
// whichever row shard holds row r, so the samples do not depend on the shards either; with more
// than one shard each forms its own gradient (binary_gradient on its rows) and ShardTree::combine
// adds them in the fixed tree, over the ranks of comm_ when there are several (shard_tree.hpp).
void ContrastiveDivergence::estimate_binary(const Rbm& rbm, const MatrixF& batch, Rng& rng,
                                            Gradient& grad) {
  MatrixF& V = persistent_ ? chains_ : negative_visible_;
  const Index b = batch.rows();
  const Index c = persistent_ ? chains_.rows() : b;
  const Index nv = rbm.n_visible();
  const Index nh = rbm.n_hidden();
  const UnitType vt = rbm.visible_type();
  const UnitType ht = rbm.hidden_type();
  if (!persistent_) V.resize(c, nv);
  positive_hidden_mean_.resize(b, nh);
  negative_hidden_mean_.resize(c, nh);
  hidden_sample_.resize(c, nh);
  grad.resize_binary(nv, nh);
  const bool start_hidden = hidden_state_ && chain_hidden_.size() == 0;
  if (hidden_state_) chain_hidden_.resize(c, nh);

  const std::uint64_t hw = static_cast<std::uint64_t>(c * nh);
  const std::uint64_t vw = static_cast<std::uint64_t>(c * nv);
  std::uint64_t words = static_cast<std::uint64_t>(steps_) * (hw + vw);
  if (start_hidden) words += hw;
  const int threads = detail::update_threads(std::max(b, c), nv, nh);
  const std::vector<Index> hc = detail::gemm_chunks(nh);
  const std::vector<Index> vc = detail::gemm_chunks(nv);
  const Rng stream = rng;
  const float inv_b = 1.0f / static_cast<float>(b);
  const float inv_c = 1.0f / static_cast<float>(c);
  const int S = shards_;
  const int ranks = comm_ != nullptr ? comm_->size() : 1;
  const int rank = comm_ != nullptr ? comm_->rank() : 0;
  const int my_first = detail::first_shard(S, rank, ranks);
  const int my_last = detail::first_shard(S, rank + 1, ranks);
  const auto rows = detail::shard_rows;

#pragma omp parallel num_threads(threads)
  for (int s = my_first; s < my_last; ++s) {
    const auto [b0, nb] = rows(b, s, S);
    const auto [c0, nc] = rows(c, s, S);
    auto Vs = V.middleRows(c0, nc);
    auto hidden = hidden_sample_.middleRows(c0, nc);
    auto positive = positive_hidden_mean_.middleRows(b0, nb);
    auto negative = negative_hidden_mean_.middleRows(c0, nc);
    const auto data = batch.middleRows(b0, nb);
    // Words of this shard's first row in each phase.
    const std::uint64_t h_first = static_cast<std::uint64_t>(c0 * nh);
    const std::uint64_t v_first = static_cast<std::uint64_t>(c0 * nv);
    std::uint64_t at = 0;
    const auto hidden_step = [&](Eigen::Ref<MatrixF> H, float* mean) {
      detail::hidden_field(rbm, Vs, H, hc);
      detail::sample_rows(ht, H, stream, at + h_first, mean);
      at += hw;
    };
    const auto visible_step = [&](const Eigen::Ref<const MatrixF>& H) {
      detail::visible_field(rbm, H, Vs, vc);
      detail::sample_rows(vt, Vs, stream, at + v_first, nullptr);
      at += vw;
    };
    if (hidden_state_) {
      auto chain_hidden = chain_hidden_.middleRows(c0, nc);
      if (start_hidden) hidden_step(chain_hidden, nullptr);
      detail::hidden_field(rbm, data, positive, hc);
      detail::mean_rows(ht, positive);
      for (int k = 0; k < steps_; ++k) {
        visible_step(chain_hidden);
        // The last step's hidden sample is the next update's chain state, and its means are
        // the negative statistics: one product gives both.
        hidden_step(chain_hidden, k + 1 == steps_ ? negative.data() : nullptr);
      }
    } else {
      int remaining = steps_;
      if (persistent_) {
        detail::hidden_field(rbm, data, positive, hc);
        detail::mean_rows(ht, positive);
      } else {
        // CD: h_0 is drawn from the positive phase's own field (one product for both).
        detail::hidden_field(rbm, data, hidden, hc);
        detail::sample_rows(ht, hidden, stream, at + h_first, positive.data());
        at += hw;
        visible_step(hidden);
        remaining -= 1;
      }
      for (int k = 0; k < remaining; ++k) {
        hidden_step(hidden, nullptr);
        visible_step(hidden);
      }
      detail::hidden_field(rbm, Vs, negative, hc);
      detail::mean_rows(ht, negative);
    }
    if (S == 1 && ranks == 1) {
      binary_gradient(batch, positive_hidden_mean_, V, negative_hidden_mean_, inv_b, inv_c, hc, vc,
                      grad, grad.fused_step ? &*grad.fused_step : nullptr);
    }
  }
  rng = stream.advanced(words);
  if (S == 1 && ranks == 1) {
    grad.weights_stepped = grad.fused_step.has_value();
    return;
  }

  // Each shard's gradient, added in the fixed tree (over the ranks) with the weight step fused
  // into the root, and the chains' rows of every rank's shards (shard_tree.hpp).
  const auto leaf = [&](int s, detail::GradientNode& g) {
    shard_leaf(batch, positive_hidden_mean_, V, negative_hidden_mean_, s, S, inv_b, inv_c, hc, vc,
               threads, g);
  };
  const auto chain_rows = [&](int r) { return detail::rank_rows(c, S, r, ranks); };
  const auto visible_bytes = [&](int r) {
    return static_cast<std::size_t>(chain_rows(r).second * nv) * sizeof(float);
  };
  const auto hidden_bytes = [&](int r) {
    return hidden_state_ ? static_cast<std::size_t>(chain_rows(r).second * nh) * sizeof(float) : 0;
  };
  detail::ShardExtras chains;
  chains.bytes = [&](int r) { return visible_bytes(r) + hidden_bytes(r); };
  chains.write = [&](std::span<std::byte> out) {
    const Index r0 = chain_rows(rank).first;
    std::memcpy(out.data(), chains_.data() + r0 * nv, visible_bytes(rank));
    if (hidden_state_) {
      std::memcpy(out.data() + visible_bytes(rank), chain_hidden_.data() + r0 * nh, hidden_bytes(rank));
    }
  };
  chains.read = [&](int r, std::span<const std::byte> in) {
    const Index r0 = chain_rows(r).first;
    if (visible_bytes(r) > 0) std::memcpy(chains_.data() + r0 * nv, in.data(), visible_bytes(r));
    if (hidden_bytes(r) > 0) {
      std::memcpy(chain_hidden_.data() + r0 * nh, in.data() + visible_bytes(r), hidden_bytes(r));
    }
  };
  if (!tree_) tree_ = std::make_unique<detail::ShardTree>();
  tree_->combine(comm_, S, nv, nh, threads, leaf, grad, persistent_ && ranks > 1 ? &chains : nullptr);
}

ContrastiveDivergence::~ContrastiveDivergence() = default;

namespace {
// The row-shard settings an estimator that splits its rows accepts (set_shards).
void check_shards(int shards, const Communicator* comm) {
  if (shards < 1 || shards > kMaxShards) {
    throw Error(fmt::format("shards must be in [1, {}] (got {})", kMaxShards, shards));
  }
  if (comm != nullptr) check_communicator(*comm, "gradient estimator");
}
}  // namespace

void ContrastiveDivergence::set_shards(int shards, const Communicator* comm) {
  check_shards(shards, comm);
  shards_ = shards;
  comm_ = comm;
}

// ---------------------------------------------------------------------------------------------
// TAP / EMF

TapEstimator::TapEstimator(int order, int iterations, double damping, bool persistent,
                           Index chains, double reseed_fraction, std::uint64_t seed)
    : order_(order),
      iterations_(iterations),
      damping_(damping),
      persistent_(persistent),
      chains_(chains),
      reseed_fraction_(reseed_fraction),
      reseed_rng_(seed, kTapReseedStream) {
  if (order < 1 || order > 3) throw Error(fmt::format("TAP order must be 1, 2 or 3 (got {})", order));
  if (iterations < 1) {
    throw Error(fmt::format("TAP iterations must be >= 1 (got {})", iterations));
  }
  if (!(damping >= 0.0 && damping < 1.0)) {
    throw Error(fmt::format("TAP damping must be in [0, 1) (got {})", damping));
  }
  if (chains < 0) throw Error(fmt::format("TAP chains must be >= 0 (got {})", chains));
  if (!(reseed_fraction >= 0.0 && reseed_fraction <= 1.0)) {
    throw Error(fmt::format("TAP re-seed fraction must be in [0, 1] (got {})", reseed_fraction));
  }
}

void TapEstimator::set_persistent_chains(const MatrixF& chains) {
  if (!persistent_) {
    GradientEstimator::set_persistent_chains(chains);
    return;
  }
  visible_ = chains;
  hidden_.resize(0, 0);  // recomputed as E[h | m_v] by the next estimate()
}

EstimatorState TapEstimator::state() const {
  EstimatorState s;
  if (persistent_) {
    s.chains = visible_;
    s.hidden = hidden_;
    s.reseed_rng = reseed_rng_.state();
  }
  return s;
}

void TapEstimator::restore(const EstimatorState& state) {
  if (state.tempering.has_value()) throw Error("the TAP estimator keeps no tempering ladder");
  if (!persistent_) {
    if (state.chains.size() != 0 || state.hidden.size() != 0 || state.reseed_rng) {
      throw Error("non-persistent TAP training keeps no magnetisations");
    }
    return;
  }
  if (state.hidden.size() != 0 && state.hidden.rows() != state.chains.rows()) {
    throw Error(fmt::format("TAP state: {} visible but {} hidden magnetisation rows",
                            state.chains.rows(), state.hidden.rows()));
  }
  visible_ = state.chains;
  hidden_ = state.hidden;
  // Checkpoints written before re-seeding existed carry no stream: it starts afresh.
  if (state.reseed_rng) reseed_rng_ = Rng::from_state(*state.reseed_rng);
}

void TapEstimator::begin_epoch() {
  epoch_stats_ = ParticleStats{};
  epoch_stats_.min_distinct = -1;  // none counted yet
}

std::optional<ParticleStats> TapEstimator::particle_stats() const {
  if (!persistent_ || visible_.rows() == 0 || hidden_.rows() != visible_.rows()) return std::nullopt;
  ParticleStats s = epoch_stats_;
  s.particles = visible_.rows();
  s.distinct = count_distinct_particles(visible_, hidden_, kTapDistinctTolerance);
  if (s.min_distinct < 0) s.min_distinct = s.distinct;
  // RMS distance from the centroid over particles and units, visible and hidden together.
  const Eigen::MatrixXd v = visible_.cast<double>();
  const Eigen::MatrixXd h = hidden_.cast<double>();
  const double sum = (v.rowwise() - v.colwise().mean()).squaredNorm() +
                     (h.rowwise() - h.colwise().mean()).squaredNorm();
  s.spread = std::sqrt(sum / static_cast<double>(v.size() + h.size()));
  return s;
}

void TapEstimator::reseed_collapsed(const Rbm& rbm, const MatrixF& batch) {
  const Index n = visible_.rows();
  const Index distinct = count_distinct_particles(visible_, hidden_, kTapDistinctTolerance, &duplicates_);
  if (epoch_stats_.min_distinct < 0 || distinct < epoch_stats_.min_distinct) {
    epoch_stats_.min_distinct = distinct;
  }
  const auto wanted = static_cast<Index>(std::ceil(reseed_fraction_ * static_cast<double>(n)));
  if (distinct >= wanted || duplicates_.empty()) return;
  // A fresh permutation of the batch rows (Fisher–Yates), taken in order, cycling.
  rows_.resize(static_cast<std::size_t>(batch.rows()));
  std::iota(rows_.begin(), rows_.end(), Index{0});
  for (Index i = batch.rows() - 1; i > 0; --i) {
    const auto j = static_cast<Index>(reseed_rng_.below(static_cast<std::uint64_t>(i) + 1));
    std::swap(rows_[static_cast<std::size_t>(i)], rows_[static_cast<std::size_t>(j)]);
  }
  MatrixF restarted(static_cast<Index>(duplicates_.size()), batch.cols());
  for (std::size_t k = 0; k < duplicates_.size(); ++k) {
    restarted.row(static_cast<Index>(k)) = batch.row(rows_[k % rows_.size()]);
  }
  MatrixF restarted_hidden;
  rbm.hidden_mean(restarted, restarted_hidden);
  for (std::size_t k = 0; k < duplicates_.size(); ++k) {
    visible_.row(duplicates_[k]) = restarted.row(static_cast<Index>(k));
    hidden_.row(duplicates_[k]) = restarted_hidden.row(static_cast<Index>(k));
  }
  epoch_stats_.reseeded += static_cast<Index>(duplicates_.size());
  epoch_stats_.reseedings += 1;
}

void TapEstimator::estimate(const Rbm& rbm, const MatrixF& batch, Rng& /*rng*/, Gradient& grad) {
  positive_phase(rbm, batch, positive_hidden_mean_, grad);
  if (!persistent_) {
    visible_ = batch;
    hidden_ = positive_hidden_mean_;
  } else {
    if (visible_.size() == 0) {
      const Index n = chains_ > 0 ? chains_ : batch.rows();
      visible_.resize(n, batch.cols());
      for (Index p = 0; p < n; ++p) visible_.row(p) = batch.row(p % batch.rows());
    }
    if (visible_.cols() != rbm.n_visible()) {
      throw Error(fmt::format("gradient: TAP magnetisations have {} columns but the model has {} "
                              "visible units", visible_.cols(), rbm.n_visible()));
    }
    if (hidden_.rows() != visible_.rows() || hidden_.cols() != rbm.n_hidden()) {
      rbm.hidden_mean(visible_, hidden_);
    }
    reseed_collapsed(rbm, batch);
  }
  // ∂ log Z_TAP/∂θ comes in the units of mean_statistics (the positive phase's).
  const bool learn = grad.d_log_sigma.size() != 0;
  estimate::tap_sweeps(rbm, order_, iterations_, damping_, visible_, hidden_);
  estimate::tap_negative_phase(rbm, order_, visible_, hidden_, neg_w_, neg_a_, neg_b_,
                               learn ? &neg_log_sigma_ : nullptr);
  grad.dW -= neg_w_;
  grad.da -= neg_a_;
  grad.db -= neg_b_;
  if (learn) grad.d_log_sigma -= neg_log_sigma_;
}

// ---------------------------------------------------------------------------------------------
// Parallel tempering

TemperingEstimator::TemperingEstimator(int steps, std::vector<double> betas, bool adaptive)
    : steps_(steps), pt_(std::move(betas), adaptive) {
  if (steps < 1) throw Error(fmt::format("PT steps per update must be >= 1 (got {})", steps));
}

void TemperingEstimator::set_persistent_chains(const MatrixF& chains) {
  TemperingState s = pt_.state();
  s.replicas = chains;
  pt_.restore(std::move(s));
}

EstimatorState TemperingEstimator::state() const {
  EstimatorState s;
  s.chains = pt_.state().replicas;
  s.tempering = pt_.state();
  s.tempering->replicas.resize(0, 0);  // stored once, in `chains`
  return s;
}

void TemperingEstimator::restore(const EstimatorState& state) {
  if (state.hidden.size() != 0) throw Error("parallel tempering keeps no hidden magnetisations");
  TemperingState s = state.tempering ? *state.tempering : pt_.state();
  s.replicas = state.chains;
  pt_.restore(std::move(s));
}

void TemperingEstimator::set_shards(int shards, const Communicator* comm) {
  check_shards(shards, comm);
  shards_ = shards;
  comm_ = comm;
}

// Binary units only (ParallelTempering checks): the PT steps of this rank's chains
// (ParallelTempering::run_chains, its own OpenMP region), then the positive phase, the negative
// phase's E[h | v] of the β = 1 replicas (from the fields the sampler computed) and the gradient
// in one region, as PCD's. Row shards (set_shards): shard s of S holds batch rows and chains
// [n·s/S, n·(s+1)/S) — every replica of its chains, as the swaps never mix chains — and rank r of
// N the shards [S·r/N, S·(r+1)/N) (shard_tree.hpp). A chain's swap uniforms and sweep words sit at
// offsets fixed by (step, chain, replica) in the one-process layout, and its products are cut
// inside its shard, so its states are the same bits on any number of ranks; each shard's gradient
// comes from its β = 1 rows and its batch rows, the shards' gradients are added in the fixed tree
// (ShardTree::combine, the weight step fused into the root), and each rank sends its accepted
// swaps per pair (integers, summed exactly) and its chains' rows of every replica with its nodes,
// so every rank holds the whole sampler state — ladder, counters and replicas — after every
// update.
void TemperingEstimator::estimate(const Rbm& rbm, const MatrixF& batch, Rng& rng,
                                  Gradient& grad) {
  check_batch(rbm, batch);
  if (!pt_.initialized()) pt_.reset(batch);
  const Index nv = rbm.n_visible();
  const Index nh = rbm.n_hidden();
  const UnitType ht = rbm.hidden_type();
  const Index b = batch.rows();
  const Index c = pt_.chains();
  const int S = shards_;
  const int ranks = comm_ != nullptr ? comm_->size() : 1;
  const int rank = comm_ != nullptr ? comm_->rank() : 0;
  const int my_first = detail::first_shard(S, rank, ranks);
  const int my_last = detail::first_shard(S, rank + 1, ranks);
  std::vector<Index> pieces;
  for (int s = my_first; s <= my_last; ++s) pieces.push_back(detail::shard_row(c, s, S));
  std::vector<std::uint64_t> accepts = pt_.run_chains(rbm, steps_, rng, pieces);

  positive_hidden_mean_.resize(b, nh);
  negative_hidden_mean_ = pt_.cold_hidden_field();
  grad.resize_binary(nv, nh);
  const int threads = detail::update_threads(std::max(b, c), nv, nh);
  const std::vector<Index> hc = detail::gemm_chunks(nh);
  const std::vector<Index> vc = detail::gemm_chunks(nv);
  const auto cold = pt_.cold_view();
  const float inv_b = 1.0f / static_cast<float>(b);
  const float inv_c = 1.0f / static_cast<float>(c);
  const auto rows = detail::shard_rows;
  const bool whole = S == 1 && ranks == 1;
#pragma omp parallel num_threads(threads)
  for (int s = my_first; s < my_last; ++s) {
    const auto [b0, nb] = rows(b, s, S);
    const auto [c0, nc] = rows(c, s, S);
    auto positive = positive_hidden_mean_.middleRows(b0, nb);
    detail::hidden_field(rbm, batch.middleRows(b0, nb), positive, hc);
    detail::mean_rows(ht, positive);
    detail::mean_rows(ht, negative_hidden_mean_.middleRows(c0, nc));
    if (whole) {
      binary_gradient(batch, positive_hidden_mean_, cold, negative_hidden_mean_, inv_b, inv_c, hc,
                      vc, grad, grad.fused_step ? &*grad.fused_step : nullptr);
    }
  }
  if (whole) {
    pt_.add_swaps(steps_, accepts);
    grad.weights_stepped = grad.fused_step.has_value();
    return;
  }

  // Each shard's gradient, added in the fixed tree (over the ranks) with the weight step fused
  // into the root, with every rank's swap counts and chain rows (shard_tree.hpp).
  const auto leaf = [&](int s, detail::GradientNode& g) {
    shard_leaf(batch, positive_hidden_mean_, cold, negative_hidden_mean_, s, S, inv_b, inv_c, hc,
               vc, threads, g);
  };
  const int k = pt_.replicas();
  MatrixF& replicas = pt_.replica_states();
  const auto chain_rows = [&](int r) { return detail::rank_rows(c, S, r, ranks); };
  const std::size_t count_bytes = accepts.size() * sizeof(std::uint64_t);
  const auto row_bytes = [&](int r) {
    return static_cast<std::size_t>(chain_rows(r).second * nv) * sizeof(float);
  };
  detail::ShardExtras extras;
  extras.bytes = [&](int r) { return count_bytes + static_cast<std::size_t>(k) * row_bytes(r); };
  extras.write = [&](std::span<std::byte> out) {
    const auto [r0, n] = chain_rows(rank);
    std::memcpy(out.data(), accepts.data(), count_bytes);
    for (int q = 0; q < k && n > 0; ++q) {
      std::memcpy(out.data() + count_bytes + static_cast<std::size_t>(q) * row_bytes(rank),
                  replicas.row(q * c + r0).data(), row_bytes(rank));
    }
  };
  std::vector<std::uint64_t> theirs(accepts.size());
  std::vector<std::uint64_t> total = accepts;
  extras.read = [&](int r, std::span<const std::byte> in) {
    const auto [r0, n] = chain_rows(r);
    std::memcpy(theirs.data(), in.data(), count_bytes);
    for (std::size_t p = 0; p < theirs.size(); ++p) total[p] += theirs[p];
    for (int q = 0; q < k && n > 0; ++q) {
      std::memcpy(replicas.row(q * c + r0).data(),
                  in.data() + count_bytes + static_cast<std::size_t>(q) * row_bytes(r), row_bytes(r));
    }
  };
  if (!tree_) tree_ = std::make_unique<detail::ShardTree>();
  tree_->combine(comm_, S, nv, nh, threads, leaf, grad, ranks > 1 ? &extras : nullptr);
  pt_.add_swaps(steps_, total);
}

TemperingEstimator::~TemperingEstimator() = default;

std::unique_ptr<GradientEstimator> make_gradient_estimator(const TrainConfig& config) {
  switch (config.method) {
    case Method::cd: return std::make_unique<ContrastiveDivergence>(config.steps, false);
    case Method::pcd:
      return std::make_unique<ContrastiveDivergence>(config.steps, true, config.pcd_hidden_state);
    case Method::tap1:
    case Method::tap2:
    case Method::tap3:
      return std::make_unique<TapEstimator>(tap_order(config.method), config.tap_iterations,
                                            config.tap_damping, config.tap_persistent,
                                            config.tap_chains, config.tap_reseed_fraction,
                                            config.seed);
    case Method::pt:
      return std::make_unique<TemperingEstimator>(
          config.steps, geometric_ladder(config.pt_replicas, config.pt_beta_min),
          config.pt_adaptive);
  }
  throw std::logic_error("unknown training method");
}

}  // namespace rgflow::train
