// CD-k / PCD-k training of convolutional RBMs (include/rgflow/conv/train.hpp).
#include "rgflow/conv/train.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "rgflow/conv/log_partition.hpp"
#include "rgflow/core/error.hpp"

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

ConvStatistics mean_statistics(const ConvRbm& model, const MatrixF& V) {
  if (V.rows() == 0) throw Error("no rows to average statistics over");
  MatrixF mean;
  model.hidden_mean(V, mean);
  const Index n_blocks = (V.rows() + kBlockRows - 1) / kBlockRows;
  std::vector<ConvStatistics> blocks(static_cast<std::size_t>(n_blocks), zero_statistics(model.shape()));
  const bool parallel = n_blocks > 1 && V.rows() * model.n_hidden() * model.shape().kernel_size() >= (Index{1} << 16);
#pragma omp parallel for schedule(static) if (parallel)
  for (Index b = 0; b < n_blocks; ++b) {
    for (Index r = b * kBlockRows; r < std::min(V.rows(), (b + 1) * kBlockRows); ++r) {
      accumulate_row(model, V.row(r).data(), mean.row(r).data(), 1.0, blocks[static_cast<std::size_t>(b)]);
    }
  }
  ConvStatistics out = zero_statistics(model.shape());
  const double scale = 1.0 / (static_cast<double>(V.rows()) * static_cast<double>(model.n_visible()));
  for (const ConvStatistics& b : blocks) add_scaled(out, b, scale);
  return out;
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

std::string_view to_string(ConvMethod m) { return m == ConvMethod::cd ? "cd" : "pcd"; }

ConvMethod parse_conv_method(std::string_view name) {
  if (name == "cd") return ConvMethod::cd;
  if (name == "pcd") return ConvMethod::pcd;
  throw Error(fmt::format("unknown training method '{}' (cd or pcd)", name));
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
  if (!(momentum >= 0.0 && momentum < 1.0)) throw Error(fmt::format("momentum {} must be in [0, 1)", momentum));
  if (!(weight_decay >= 0.0) || !std::isfinite(weight_decay)) {
    throw Error(fmt::format("weight decay {} must be >= 0", weight_decay));
  }
  if (chains < 1 || chains > (1 << 20)) throw Error(fmt::format("chains {} must be in [1, 2^20]", chains));
  if (!(weight_std >= 0.0f) || !std::isfinite(weight_std)) throw Error("initial weight std must be >= 0");
}

void train(ConvRbm& model, const MatrixF& data, const ConvTrainOptions& options,
           const std::function<void(const ConvEpochReport&)>& on_epoch, const StopPoll& stop) {
  options.check();
  model.validate();
  if (data.rows() == 0) throw Error("no training rows");
  model.check_visible_data(data, "the training data");
  if (options.z2 && (model.visible_type() != UnitType::spin || model.hidden_type() != UnitType::spin)) {
    throw Error("Z2 symmetry needs spin units on both layers");
  }
  if (options.initialize) {
    Rng init(options.seed, 3);
    model.initialize(init, &data, options.weight_std);
  }
  if (options.z2) {
    model.hidden_bias().setZero();
    model.visible_bias() = 0.0f;
  }
  Rng shuffle(options.seed, 0), gibbs(options.seed, 1);
  MatrixF chains;
  if (options.method == ConvMethod::pcd) {
    Rng start(options.seed, 2);
    const float off = model.visible_type() == UnitType::spin ? -1.0f : 0.0f;
    chains.resize(options.chains, model.n_visible());
    for (Index i = 0; i < chains.size(); ++i) chains.data()[i] = start.uniform() < 0.5f ? off : 1.0f;
  }
  ConvStatistics velocity = zero_statistics(model.shape());
  const Index N = data.rows(), B = std::min(options.batch_size, N);
  std::vector<Index> perm(static_cast<std::size_t>(N));
  std::iota(perm.begin(), perm.end(), Index{0});
  StopSignal signal(stop);
  MatrixF batch, negative, hidden, recon;
  for (int epoch = 1; epoch <= options.epochs; ++epoch) {
    double lr = options.learning_rate;
    if (options.final_learning_rate > 0.0 && options.epochs > 1) {
      const double f = static_cast<double>(epoch - 1) / static_cast<double>(options.epochs - 1);
      lr = options.learning_rate * std::pow(options.final_learning_rate / options.learning_rate, f);
    }
    for (Index i = N - 1; i > 0; --i) {
      std::swap(perm[static_cast<std::size_t>(i)], perm[static_cast<std::size_t>(shuffle.below(static_cast<std::uint64_t>(i + 1)))]);
    }
    double recon_sum = 0.0;
    for (Index start = 0; start < N; start += B) {
      const Index rows = std::min(B, N - start);
      batch.resize(rows, model.n_visible());
      for (Index r = 0; r < rows; ++r) batch.row(r) = data.row(perm[static_cast<std::size_t>(start + r)]);
      const ConvStatistics positive = mean_statistics(model, batch);
      model.sample_hidden(batch, hidden, gibbs);
      model.visible_mean(hidden, recon);
      recon_sum += (batch - recon).squaredNorm() / static_cast<double>(model.n_visible());
      if (options.method == ConvMethod::cd) {
        negative = batch;
        model.gibbs(negative, hidden, options.k, gibbs);
      } else {
        model.gibbs(chains, hidden, options.k, gibbs);
        negative = chains;
      }
      const ConvStatistics neg = mean_statistics(model, negative);
      velocity.kernels = options.momentum * velocity.kernels +
                         lr * (positive.kernels - neg.kernels - options.weight_decay * model.kernels().cast<double>());
      if (!options.z2) {
        velocity.hidden = options.momentum * velocity.hidden + lr * (positive.hidden - neg.hidden);
        velocity.visible = options.momentum * velocity.visible + lr * (positive.visible - neg.visible);
      }
      model.kernels() = (model.kernels().cast<double>() + velocity.kernels).cast<float>();
      model.hidden_bias() = (model.hidden_bias().cast<double>() + velocity.hidden).cast<float>();
      model.visible_bias() = static_cast<float>(model.visible_bias() + velocity.visible);
      if (!model.kernels().allFinite() || !model.hidden_bias().allFinite() || !std::isfinite(model.visible_bias())) {
        throw Error(fmt::format("training diverged in epoch {} (a parameter is not finite): lower the learning rate", epoch));
      }
      if (signal.check()) throw Cancelled();
    }
    if (on_epoch) on_epoch({epoch, lr, recon_sum / static_cast<double>(N)});
  }
}

}  // namespace rgflow::conv
