// CD-k / PCD-k training of convolutional RBMs (include/rgflow/conv/train.hpp).
#include "rgflow/conv/train.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <span>
#include <cmath>
#include <numeric>
#include <optional>
#include <vector>

#include "rgflow/conv/log_partition.hpp"
#include "rgflow/conv/tempering.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/train/adam.hpp"

namespace rgflow::conv {

namespace {

constexpr Index kBlockRows = 16;

ConvStatistics zero_statistics(const ConvShape& s) {
  return {MatrixD::Zero(s.channels, s.kernel_size()), VectorD::Zero(s.channels), 0.0};
}

void add_scaled(ConvStatistics& into, const ConvStatistics& x, double scale) {
  into.kernels += scale * x.kernels;
  into.hidden += scale * x.hidden;
  into.visible += scale * x.visible;
}

// Adds weight · T(v, m) (unnormalised: without the 1/L²) for one row.
template <class T>
void accumulate_row(const ConvRbm& model, const float* v, const T* m, double weight, ConvStatistics& out) {
  const ConvShape& s = model.shape();
  const Index P = s.positions(), KK = s.kernel_size();
  const std::int32_t* patch = model.patch_index().data();
  for (Index c = 0; c < s.channels; ++c) {
    double hsum = 0.0;
    for (Index p = 0; p < P; ++p) {
      const double mh = weight * static_cast<double>(m[c * P + p]);
      hsum += mh;
      const std::int32_t* idx = patch + p * KK;
      for (Index k = 0; k < KK; ++k) out.kernels(c, k) += mh * static_cast<double>(v[idx[k]]);
    }
    out.hidden[c] += hsum;
  }
  double vs = 0.0;
  for (Index i = 0; i < model.n_visible(); ++i) vs += static_cast<double>(v[i]);
  out.visible += weight * vs;
}

}  // namespace

namespace {

// The unnormalised statistics Σ T(v, E[h|v]) of each block of kBlockRows rows of V (row 0 starts a
// block), each block summed row by row.
std::vector<ConvStatistics> block_sums(const ConvRbm& model, const MatrixF& V) {
  const Index n_blocks = (V.rows() + kBlockRows - 1) / kBlockRows;
  std::vector<ConvStatistics> blocks(static_cast<std::size_t>(n_blocks), zero_statistics(model.shape()));
  if (n_blocks == 0) return blocks;
  MatrixF mean;
  model.hidden_mean(V, mean);
  const bool parallel = n_blocks > 1 && V.rows() * model.n_hidden() * model.shape().kernel_size() >= (Index{1} << 16);
#pragma omp parallel for schedule(static) if (parallel)
  for (Index b = 0; b < n_blocks; ++b) {
    for (Index r = b * kBlockRows; r < std::min(V.rows(), (b + 1) * kBlockRows); ++r) {
      accumulate_row(model, V.row(r).data(), mean.row(r).data(), 1.0, blocks[static_cast<std::size_t>(b)]);
    }
  }
  return blocks;
}

// The mean over `rows` rows from their blocks' sums, added in block order.
ConvStatistics mean_of_blocks(const ConvRbm& model, const std::vector<ConvStatistics>& blocks, Index rows) {
  ConvStatistics out = zero_statistics(model.shape());
  const double scale = 1.0 / (static_cast<double>(rows) * static_cast<double>(model.n_visible()));
  for (const ConvStatistics& b : blocks) add_scaled(out, b, scale);
  return out;
}

}  // namespace

ConvStatistics mean_statistics(const ConvRbm& model, const MatrixF& V) {
  if (V.rows() == 0) throw Error("no rows to average statistics over");
  return mean_of_blocks(model, block_sums(model, V), V.rows());
}

ConvStatistics exact_model_statistics(const ConvRbm& model) {
  const Index n = model.n_visible();
  if (n > kMaxExactUnits) {
    throw Error(fmt::format("exact model statistics enumerate the {} visible units (at most {})", n, kMaxExactUnits));
  }
  const double log_z = exact_log_partition(model);
  const std::uint64_t total = std::uint64_t{1} << n;
  const std::uint64_t chunk = std::min<std::uint64_t>(total, 4096);
  const auto n_chunks = static_cast<std::int64_t>(total / chunk);
  const float off = model.visible_type() == UnitType::spin ? -1.0f : 0.0f;
  std::vector<ConvStatistics> parts(static_cast<std::size_t>(n_chunks), zero_statistics(model.shape()));
#pragma omp parallel
  {
    MatrixF v(1, n);
    std::vector<double> phi(static_cast<std::size_t>(model.n_hidden())), mean(phi.size());
#pragma omp for schedule(static)
    for (std::int64_t ch = 0; ch < n_chunks; ++ch) {
      for (std::uint64_t s = 0; s < chunk; ++s) {
        const std::uint64_t index = static_cast<std::uint64_t>(ch) * chunk + s;
        for (Index i = 0; i < n; ++i) v(0, i) = ((index >> i) & 1U) ? 1.0f : off;
        const double p = std::exp(-model.free_energy_visible_row(v.data(), phi.data()) - log_z);
        with_binary_units(model.hidden_type(), [&](auto u) {  // E[h | v] from the float64 field
          for (std::size_t j = 0; j < phi.size(); ++j) mean[j] = decltype(u)::mean(phi[j]);
        });
        accumulate_row(model, v.data(), mean.data(), p, parts[static_cast<std::size_t>(ch)]);
      }
    }
  }
  ConvStatistics out = zero_statistics(model.shape());
  for (const ConvStatistics& part : parts) add_scaled(out, part, 1.0 / static_cast<double>(n));
  return out;
}

std::string_view to_string(ConvMethod m) {
  switch (m) {
    case ConvMethod::cd: return "cd";
    case ConvMethod::pcd: return "pcd";
    case ConvMethod::pt: return "pt";
  }
  return "?";
}

ConvMethod parse_conv_method(std::string_view name) {
  if (name == "cd") return ConvMethod::cd;
  if (name == "pcd") return ConvMethod::pcd;
  if (name == "pt") return ConvMethod::pt;
  throw Error(fmt::format("unknown training method '{}' (cd, pcd or pt)", name));
}

void ConvTrainOptions::check() const {
  if (k < 1 || k > 100000) throw Error(fmt::format("Gibbs steps k = {} must be in [1, 100000]", k));
  if (epochs < 0 || epochs > 10'000'000) throw Error(fmt::format("epochs {} must be in [0, 10^7]", epochs));
  if (batch_size < 1 || batch_size > (1 << 24)) throw Error(fmt::format("batch size {} must be >= 1", batch_size));
  if (!(learning_rate > 0.0) || !std::isfinite(learning_rate)) {
    throw Error(fmt::format("learning rate {} must be > 0", learning_rate));
  }
  if (final_learning_rate >= 0.0 && (!(final_learning_rate > 0.0) || !std::isfinite(final_learning_rate))) {
    throw Error(fmt::format("final learning rate {} must be > 0", final_learning_rate));
  }
  if (warmup_epochs < 0 || warmup_epochs > 10'000'000) {
    throw Error(fmt::format("warm-up epochs {} must be in [0, 10^7]", warmup_epochs));
  }
  if (!(momentum >= 0.0 && momentum < 1.0)) throw Error(fmt::format("momentum {} must be in [0, 1)", momentum));
  if (!(adam_beta1 >= 0.0 && adam_beta1 < 1.0)) throw Error(fmt::format("Adam beta1 {} must be in [0, 1)", adam_beta1));
  if (!(adam_beta2 >= 0.0 && adam_beta2 < 1.0)) throw Error(fmt::format("Adam beta2 {} must be in [0, 1)", adam_beta2));
  if (!(adam_epsilon > 0.0) || !std::isfinite(adam_epsilon)) {
    throw Error(fmt::format("Adam epsilon {} must be > 0", adam_epsilon));
  }
  if (!(weight_decay >= 0.0) || !std::isfinite(weight_decay)) {
    throw Error(fmt::format("weight decay {} must be >= 0", weight_decay));
  }
  if (chains < 1 || chains > (1 << 20)) throw Error(fmt::format("chains {} must be in [1, 2^20]", chains));
  if (!(weight_std >= 0.0f) || !std::isfinite(weight_std)) throw Error("initial weight std must be >= 0");
  if (!(centering_rate > 0.0 && centering_rate <= 1.0)) {
    throw Error(fmt::format("centering rate {} must be in (0, 1]", centering_rate));
  }
  if (replicas < 2 || replicas > 1000) throw Error(fmt::format("replicas {} must be in [2, 1000]", replicas));
  if (!(pt_beta_min > 0.0 && pt_beta_min < 1.0)) {
    throw Error(fmt::format("lowest inverse temperature {} must be in (0, 1)", pt_beta_min));
  }
}

ConvStatistics centred_gradient(const ConvStatistics& g, const ConvOffsets& o) {
  ConvStatistics out = g;
  for (Index c = 0; c < g.kernels.rows(); ++c) {
    out.kernels.row(c).array() -= o.visible * g.hidden[c] + o.hidden[c] * g.visible;
  }
  return out;
}

ConvStatistics centred_direction(const ConvStatistics& g, const ConvOffsets& o) {
  if (o.hidden.size() != g.hidden.size()) throw Error("centering offsets and gradient shapes disagree");
  ConvStatistics out = centred_gradient(g, o);
  const VectorD kernel_sums = out.kernels.rowwise().sum();
  out.hidden = g.hidden - o.visible * kernel_sums;
  out.visible = g.visible - o.hidden.dot(kernel_sums);
  return out;
}

ConvOffsets batch_offsets(const ConvShape& shape, const ConvStatistics& positive) {
  ConvOffsets o;
  o.set = true;
  o.visible = positive.visible;
  const double s2 = static_cast<double>(shape.stride * shape.stride);
  o.hidden = shape.stride == 1 ? VectorD(s2 * positive.hidden) : VectorD(VectorD::Zero(shape.channels));
  return o;
}

namespace {

bool same_shape(const ConvStatistics& a, const ConvShape& s) {
  return a.kernels.rows() == s.channels && a.kernels.cols() == s.kernel_size() && a.hidden.size() == s.channels;
}

}  // namespace

ConvOptimizer::ConvOptimizer(const ConvShape& shape, const ConvTrainOptions& options) : options_(options) {
  options_.check();
  state_.first = zero_statistics(shape);
  if (options_.optimizer == train::OptimizerKind::adam) state_.second = zero_statistics(shape);
}

ConvOptimizer::ConvOptimizer(const ConvShape& shape, const ConvTrainOptions& options, ConvOptimizerState state)
    : ConvOptimizer(shape, options) {
  const bool adam = options_.optimizer == train::OptimizerKind::adam;
  if (!same_shape(state.first, shape) || (adam && !same_shape(state.second, shape)) || state.steps < 0 ||
      (state.offsets.set && state.offsets.hidden.size() != shape.channels)) {
    throw Error("the optimizer state does not fit the model's shape or optimizer");
  }
  if (!adam) state.second = ConvStatistics{};
  state_ = std::move(state);
}

void ConvOptimizer::step(ConvRbm& model, const ConvStatistics& raw_gradient, double lr, const ConvStatistics* positive) {
  ConvStatistics& m = state_.first;
  if (model.kernels().rows() != m.kernels.rows() || model.kernels().cols() != m.kernels.cols() ||
      raw_gradient.kernels.rows() != m.kernels.rows() || raw_gradient.kernels.cols() != m.kernels.cols() ||
      raw_gradient.hidden.size() != m.hidden.size()) {
    throw Error("conv optimizer: model, gradient and optimizer shapes disagree");
  }
  const bool biases = !options_.z2;
  const bool centred = options_.centering && biases;
  if (centred && positive == nullptr) throw Error("conv optimizer: centering needs the batch's statistics");
  ConvOffsets& offsets = state_.offsets;
  if (centred && !offsets.set) offsets = batch_offsets(model.shape(), *positive);
  const ConvStatistics centred_g = centred ? centred_direction(raw_gradient, offsets) : ConvStatistics{};
  const ConvStatistics& gradient = centred ? centred_g : raw_gradient;
  if (centred) {
    const ConvOffsets batch = batch_offsets(model.shape(), *positive);
    const double nu = options_.centering_rate;
    offsets.visible = (1.0 - nu) * offsets.visible + nu * batch.visible;
    offsets.hidden = (1.0 - nu) * offsets.hidden + nu * batch.hidden;
  }
  const MatrixD g_kernels = gradient.kernels - options_.weight_decay * model.kernels().cast<double>();
  if (options_.optimizer == train::OptimizerKind::sgd) {
    const double mu = options_.momentum;
    m.kernels = mu * m.kernels + lr * g_kernels;
    if (biases) {
      m.hidden = mu * m.hidden + lr * gradient.hidden;
      m.visible = mu * m.visible + lr * gradient.visible;
    }
    model.kernels() = (model.kernels().cast<double>() + m.kernels).cast<float>();
    model.hidden_bias() = (model.hidden_bias().cast<double>() + m.hidden).cast<float>();
    model.visible_bias() = static_cast<float>(model.visible_bias() + m.visible);
    return;
  }
  ConvStatistics& v = state_.second;
  state_.steps += 1;
  const double b1 = options_.adam_beta1, b2 = options_.adam_beta2, eps = options_.adam_epsilon;
  const double c1 = train::adam_correction(b1, state_.steps), c2 = train::adam_correction(b2, state_.steps);
  MatrixD kernels = model.kernels().cast<double>();
  train::adam_block(kernels, g_kernels, m.kernels, v.kernels, lr, b1, b2, c1, c2, eps);
  model.kernels() = kernels.cast<float>();
  if (!biases) return;
  VectorD hidden = model.hidden_bias().cast<double>();
  train::adam_block(hidden, gradient.hidden, m.hidden, v.hidden, lr, b1, b2, c1, c2, eps);
  model.hidden_bias() = hidden.cast<float>();
  using Scalar1 = Eigen::Map<Eigen::Matrix<double, 1, 1>>;
  double visible = model.visible_bias();
  train::adam_block(Scalar1(&visible), Eigen::Map<const Eigen::Matrix<double, 1, 1>>(&gradient.visible),
                    Scalar1(&m.visible), Scalar1(&v.visible), lr, b1, b2, c1, c2, eps);
  model.visible_bias() = static_cast<float>(visible);
}

namespace {

// The checks of a resumed state against the model, data and options (train() header).
void check_state(const ConvTrainState& s, const ConvRbm& model, Index rows, const ConvTrainOptions& options) {
  if (s.epochs_done < 0 || s.epochs_done > options.epochs) {
    throw Error(fmt::format("the training state has {} epochs done, more than the {} epochs of the run", s.epochs_done,
                            options.epochs));
  }
  if (static_cast<Index>(s.order.size()) != rows) {
    throw Error(fmt::format("the training state orders {} rows, the data have {}", s.order.size(), rows));
  }
  std::vector<bool> seen(static_cast<std::size_t>(rows), false);
  for (const std::int64_t i : s.order) {
    if (i < 0 || i >= rows || seen[static_cast<std::size_t>(i)]) throw Error("the training state's row order is not a permutation");
    seen[static_cast<std::size_t>(i)] = true;
  }
  const Index chains = options.method == ConvMethod::cd ? 0
                       : options.method == ConvMethod::pt ? options.chains * options.replicas
                                                          : options.chains;
  if (s.chains.rows() != chains || (chains > 0 && s.chains.cols() != model.n_visible())) {
    throw Error(fmt::format("the training state has {} x {} chains, the run needs {} x {}", s.chains.rows(),
                            s.chains.cols(), chains, model.n_visible()));
  }
}

// The blocks and rows of an n-row set that rank `rank` of `ranks` holds (train.hpp header).
struct RowPart {
  Index first_block = 0, blocks = 0;  // blocks [first_block, first_block + blocks)
  Index lo = 0, hi = 0;               // rows [lo, hi)
  Index rows() const { return hi - lo; }
};

RowPart row_part(Index n, int rank, int ranks) {
  const Index nb = (n + kBlockRows - 1) / kBlockRows;
  const Index b0 = nb * rank / ranks, b1 = nb * (rank + 1) / ranks;
  return {b0, b1 - b0, std::min(n, b0 * kBlockRows), std::min(n, b1 * kBlockRows)};
}

// V holds rows [lo, lo + V.rows()) of a `total`-row set: h ~ p(h | v) with the words those rows
// draw when the whole set is sampled (row i's at i·n_hidden, conv_rbm.hpp); rng is left after the
// whole set's words, as one sweep over the set leaves it.
void sample_hidden_part(const ConvRbm& model, const MatrixF& V, MatrixF& H, Rng& rng, Index lo, Index total) {
  if (V.rows() > 0) {
    Rng local = rng.advanced(static_cast<std::uint64_t>(lo * model.n_hidden()));
    model.sample_hidden(V, H, local);
  }
  rng = rng.advanced(static_cast<std::uint64_t>(total * model.n_hidden()));
}

// ConvRbm::gibbs on rows [lo, lo + V.rows()) of a `total`-row set, word for word.
void gibbs_part(const ConvRbm& model, MatrixF& V, MatrixF& H, int steps, Rng& rng, Index lo, Index total) {
  for (int t = 0; t < steps; ++t) {
    sample_hidden_part(model, V, H, rng, lo, total);
    if (V.rows() > 0) {
      Rng local = rng.advanced(static_cast<std::uint64_t>(lo * model.n_visible()));
      model.sample_visible(H, V, local);
    }
    rng = rng.advanced(static_cast<std::uint64_t>(total * model.n_visible()));
  }
}

// One update's per-block values: the mini-batch's statistics and reconstruction errors (sums of
// squared v − E[v | h] over the block's rows and sites) and the negative set's statistics.
struct UpdateBlocks {
  std::vector<ConvStatistics> positive;
  std::vector<double> recon;
  std::vector<ConvStatistics> negative;
};

void pack(const ConvStatistics& s, std::vector<double>& out) {
  out.insert(out.end(), s.kernels.data(), s.kernels.data() + s.kernels.size());
  out.insert(out.end(), s.hidden.data(), s.hidden.data() + s.hidden.size());
  out.push_back(s.visible);
}

ConvStatistics unpack(const ConvShape& shape, const double*& at) {
  ConvStatistics s = zero_statistics(shape);
  std::copy(at, at + s.kernels.size(), s.kernels.data());
  at += s.kernels.size();
  std::copy(at, at + s.hidden.size(), s.hidden.data());
  at += s.hidden.size();
  s.visible = *at++;
  return s;
}

// Every rank's blocks of this update, in block order, on every rank: each rank sends its own
// blocks' values (row_part of the batch's and of the negative set's rows) and receives the
// others' bit for bit. One rank: `mine` unchanged. Collective.
UpdateBlocks gather_blocks(const Communicator* comm, const ConvShape& shape, UpdateBlocks mine, Index batch_rows,
                           Index negative_rows) {
  const int ranks = comm != nullptr ? comm->size() : 1;
  if (ranks == 1) return mine;
  std::vector<double> values;
  for (std::size_t b = 0; b < mine.positive.size(); ++b) {
    pack(mine.positive[b], values);
    values.push_back(mine.recon[b]);
  }
  for (const ConvStatistics& s : mine.negative) pack(s, values);
  const std::vector<std::vector<std::byte>> all = comm->allgather(std::as_bytes(std::span<const double>(values)));
  const Index per_block = shape.channels * shape.kernel_size() + shape.channels + 1;
  UpdateBlocks out;
  std::vector<double> theirs;
  for (int r = 0; r < ranks; ++r) {
    const RowPart pb = row_part(batch_rows, r, ranks), pn = row_part(negative_rows, r, ranks);
    const auto expected = static_cast<std::size_t>(pb.blocks * (per_block + 1) + pn.blocks * per_block);
    const std::vector<std::byte>& bytes = all[static_cast<std::size_t>(r)];
    if (bytes.size() != expected * sizeof(double)) {
      throw Error(fmt::format("conv training: rank {} sent {} bytes of block statistics, expected {}", r,
                              bytes.size(), expected * sizeof(double)));
    }
    theirs.resize(expected);
    if (expected > 0) std::memcpy(theirs.data(), bytes.data(), bytes.size());
    const double* at = theirs.data();
    for (Index b = 0; b < pb.blocks; ++b) {
      out.positive.push_back(unpack(shape, at));
      out.recon.push_back(*at++);
    }
    for (Index b = 0; b < pn.blocks; ++b) out.negative.push_back(unpack(shape, at));
  }
  return out;
}

// M holds `groups` consecutive groups of equal size (PT's replicas; one for PCD), each split over
// the ranks by row_part: every rank's rows of every group, copied bit for bit to every rank.
// Collective.
void gather_rows(const Communicator& comm, MatrixF& M, Index groups) {
  const Index per_group = M.rows() / groups, cols = M.cols();
  const auto bytes_of = [&](const RowPart& part) {
    return static_cast<std::size_t>(groups * part.rows() * cols) * sizeof(float);
  };
  const RowPart mine = row_part(per_group, comm.rank(), comm.size());
  std::vector<float> values;
  values.reserve(static_cast<std::size_t>(groups * mine.rows() * cols));
  for (Index g = 0; g < groups; ++g) {
    const float* first = M.data() + (g * per_group + mine.lo) * cols;
    values.insert(values.end(), first, first + mine.rows() * cols);
  }
  const std::vector<std::vector<std::byte>> all = comm.allgather(std::as_bytes(std::span<const float>(values)));
  for (int r = 0; r < comm.size(); ++r) {
    const RowPart part = row_part(per_group, r, comm.size());
    const std::vector<std::byte>& bytes = all[static_cast<std::size_t>(r)];
    if (bytes.size() != bytes_of(part)) {
      throw Error(fmt::format("conv training: rank {} sent {} bytes of chain rows, expected {}", r, bytes.size(),
                              bytes_of(part)));
    }
    const std::size_t group_bytes = static_cast<std::size_t>(part.rows() * cols) * sizeof(float);
    for (Index g = 0; g < groups && group_bytes > 0; ++g) {
      std::memcpy(M.data() + (g * per_group + part.lo) * cols, bytes.data() + static_cast<std::size_t>(g) * group_bytes,
                  group_bytes);
    }
  }
}

// The element-wise sum over the ranks of integer counts (PT's swaps of each rank's chains): exact
// in any order. Collective.
std::vector<std::int64_t> sum_over_ranks(const Communicator& comm, const std::vector<std::int64_t>& mine) {
  const std::vector<std::vector<std::byte>> all = comm.allgather(std::as_bytes(std::span<const std::int64_t>(mine)));
  std::vector<std::int64_t> out(mine.size(), 0), theirs(mine.size());
  for (const std::vector<std::byte>& bytes : all) {
    if (bytes.size() != theirs.size() * sizeof(std::int64_t)) throw Error("conv training: swap counts of another size");
    if (!bytes.empty()) std::memcpy(theirs.data(), bytes.data(), bytes.size());
    for (std::size_t k = 0; k < out.size(); ++k) out[k] += theirs[k];
  }
  return out;
}

}  // namespace

void train(ConvRbm& model, const MatrixF& data, const ConvTrainOptions& options,
           const std::function<void(const ConvEpochReport&)>& on_epoch, const StopPoll& stop) {
  ConvTrainState state;
  train(model, data, options, state,
        [&](const ConvEpochReport& r, const ConvRbm&, const ConvTrainState&) {
          if (on_epoch) on_epoch(r);
        },
        stop);
}

void train(ConvRbm& model, const MatrixF& data, const ConvTrainOptions& options, ConvTrainState& state,
           const std::function<void(const ConvEpochReport&, const ConvRbm&, const ConvTrainState&)>& on_epoch,
           const StopPoll& stop) {
  options.check();
  model.validate();
  if (data.rows() == 0) throw Error("no training rows");
  model.check_visible_data(data, "the training data");
  if (options.z2 && (model.visible_type() != UnitType::spin || model.hidden_type() != UnitType::spin)) {
    throw Error("Z2 symmetry needs spin units on both layers");
  }
  const Index N = data.rows(), B = std::min(options.batch_size, N);
  const bool fresh = state.fresh();
  if (fresh) {
    if (options.initialize) {
      Rng init(options.seed, 3);
      model.initialize(init, &data, options.weight_std);
    }
    if (options.z2) {
      model.hidden_bias().setZero();
      model.visible_bias() = 0.0f;
    }
    state.shuffle = Rng(options.seed, 0).state();
    state.gibbs = Rng(options.seed, 1).state();
    state.chains.resize(0, 0);
    if (options.method != ConvMethod::cd) {
      Rng start(options.seed, 2);
      const float off = model.visible_type() == UnitType::spin ? -1.0f : 0.0f;
      const Index rows = options.chains * (options.method == ConvMethod::pt ? options.replicas : 1);
      state.chains.resize(rows, model.n_visible());
      for (Index i = 0; i < state.chains.size(); ++i) state.chains.data()[i] = start.uniform() < 0.5f ? off : 1.0f;
    }
    state.order.resize(static_cast<std::size_t>(N));
    std::iota(state.order.begin(), state.order.end(), std::int64_t{0});
    state.optimizer = ConvOptimizer(model.shape(), options).state();
  } else {
    check_state(state, model, N, options);
  }
  Rng shuffle = Rng::from_state(state.shuffle), gibbs = Rng::from_state(state.gibbs);
  ConvOptimizer optimizer(model.shape(), options, state.optimizer);
  std::optional<ConvTempering> tempering;
  if (options.method == ConvMethod::pt) tempering.emplace(options.replicas, options.pt_beta_min, options.chains);
  std::optional<double> final_rate;
  if (options.final_learning_rate > 0.0) final_rate = options.final_learning_rate;
  std::vector<std::int64_t>& perm = state.order;
  MatrixF& chains = state.chains;
  const Communicator* comm = options.communicator;
  if (comm != nullptr) check_communicator(*comm, "conv training");
  const int ranks = comm != nullptr ? comm->size() : 1, rank = comm != nullptr ? comm->rank() : 0;
  StopSignal signal(comm != nullptr ? with_peer_stops(*comm, stop) : stop);
  const Index nv = model.n_visible();
  MatrixF batch, negative, hidden, recon;
  for (int epoch = state.epochs_done + 1; epoch <= options.epochs; ++epoch) {
    const double lr = train::learning_rate_schedule(options.learning_rate, final_rate, options.schedule,
                                                    options.epochs, options.warmup_epochs, epoch - 1);
    for (Index i = N - 1; i > 0; --i) {
      std::swap(perm[static_cast<std::size_t>(i)], perm[static_cast<std::size_t>(shuffle.below(static_cast<std::uint64_t>(i + 1)))]);
    }
    double recon_sum = 0.0;
    const std::vector<std::int64_t> accepted_before = tempering ? tempering->accepted() : std::vector<std::int64_t>{};
    const std::int64_t proposed_before = tempering ? tempering->proposed() : 0;
    for (Index start = 0; start < N; start += B) {
      // This rank's rows of the batch (all of them on one rank), sampled with the whole batch's words.
      const Index rows = std::min(B, N - start);
      const RowPart part = row_part(rows, rank, ranks);
      batch.resize(part.rows(), nv);
      for (Index r = 0; r < part.rows(); ++r) {
        batch.row(r) = data.row(static_cast<Index>(perm[static_cast<std::size_t>(start + part.lo + r)]));
      }
      UpdateBlocks mine;
      mine.positive = block_sums(model, batch);
      sample_hidden_part(model, batch, hidden, gibbs, part.lo, rows);
      if (part.rows() > 0) model.visible_mean(hidden, recon);
      for (Index b = 0; b < part.blocks; ++b) {
        const Index lo = b * kBlockRows, n = std::min(part.rows() - lo, kBlockRows);
        mine.recon.push_back(static_cast<double>((batch.middleRows(lo, n) - recon.middleRows(lo, n)).squaredNorm()));
      }
      Index negative_rows = rows;
      if (options.method == ConvMethod::cd) {
        negative = batch;
        gibbs_part(model, negative, hidden, options.k, gibbs, part.lo, rows);
      } else if (options.method == ConvMethod::pcd) {
        negative_rows = chains.rows();
        const RowPart own = row_part(negative_rows, rank, ranks);
        negative = chains.middleRows(own.lo, own.rows());
        gibbs_part(model, negative, hidden, options.k, gibbs, own.lo, negative_rows);
        chains.middleRows(own.lo, own.rows()) = negative;
      } else {  // this rank's chains, every replica of them; rows [0, chains) are the β = 1 states
        negative_rows = options.chains;
        const RowPart own = row_part(negative_rows, rank, ranks);
        for (int t = 0; t < options.k; ++t) tempering->step(model, chains, gibbs, own.lo, own.hi);
        negative = chains.middleRows(own.lo, own.rows());
      }
      mine.negative = block_sums(model, negative);
      const UpdateBlocks blocks = gather_blocks(comm, model.shape(), std::move(mine), rows, negative_rows);
      for (const double r : blocks.recon) recon_sum += r / static_cast<double>(nv);
      const ConvStatistics positive = mean_of_blocks(model, blocks.positive, rows);
      const ConvStatistics neg = mean_of_blocks(model, blocks.negative, negative_rows);
      ConvStatistics gradient = positive;
      add_scaled(gradient, neg, -1.0);
      optimizer.step(model, gradient, lr, &positive);
      if (!model.kernels().allFinite() || !model.hidden_bias().allFinite() || !std::isfinite(model.visible_bias())) {
        throw Error(fmt::format("training diverged in epoch {} (a parameter is not finite): lower the learning rate", epoch));
      }
      if (signal.check()) throw Cancelled();
    }
    // PCD, PT: every rank's chain rows to every rank, so the state is complete everywhere; PT's
    // swap counts (integers) summed over the ranks.
    std::vector<std::int64_t> accepted;  // PT: this epoch's accepted swaps of each pair
    for (std::size_t k = 0; k < accepted_before.size(); ++k) accepted.push_back(tempering->accepted()[k] - accepted_before[k]);
    if (ranks > 1 && options.method != ConvMethod::cd) {
      gather_rows(*comm, chains, options.method == ConvMethod::pt ? options.replicas : 1);
      if (tempering) accepted = sum_over_ranks(*comm, accepted);
    }
    state.epochs_done = epoch;
    state.optimizer = optimizer.state();
    state.shuffle = shuffle.state();
    state.gibbs = gibbs.state();
    ConvEpochReport report{epoch, lr, recon_sum / static_cast<double>(N), {}};
    if (tempering) {
      const double proposed = static_cast<double>(tempering->proposed() - proposed_before);
      for (std::size_t k = 0; k < accepted_before.size(); ++k) {
        report.swap_acceptance.push_back(static_cast<double>(accepted[k]) / proposed);
      }
    }
    if (on_epoch) on_epoch(report, model, state);
  }
}

}  // namespace rgflow::conv
