#include "rgflow/rbm/dbn.hpp"

#include <fmt/format.h>

#include <utility>

#include "rgflow/core/error.hpp"

namespace rgflow {

std::string_view to_string(Propagate p) { return p == Propagate::mean ? "mean" : "sample"; }

Propagate parse_propagate(std::string_view name) {
  if (name == "mean" || name == "probabilities") return Propagate::mean;
  if (name == "sample" || name == "samples") return Propagate::sample;
  throw Error(fmt::format("unknown propagation '{}' (expected 'mean' or 'sample')", name));
}

namespace {

void check_chain(const Rbm& below, const Rbm& above, Index k) {
  if (above.n_visible() != below.n_hidden()) {
    throw Error(fmt::format("DBN layer {} has {} visible units but layer {} has {} hidden units",
                            k, above.n_visible(), k - 1, below.n_hidden()));
  }
  if (above.visible_type() != below.hidden_type()) {
    throw Error(fmt::format("DBN layer {} has {} visible units but layer {} has {} hidden units", k,
                            to_string(above.visible_type()), k - 1, to_string(below.hidden_type())));
  }
}

}  // namespace

Dbn::Dbn(std::vector<Rbm> layers) : layers_(std::move(layers)) { validate(); }

Dbn Dbn::with_sizes(const std::vector<Index>& sizes, const std::vector<UnitType>& types) {
  if (sizes.size() < 2) throw Error("a DBN needs at least two level sizes (one layer)");
  if (types.size() != 1 && types.size() != sizes.size()) {
    throw Error(fmt::format("a DBN with {} levels needs 1 or {} unit types (got {})", sizes.size(),
                            sizes.size(), types.size()));
  }
  auto type = [&](std::size_t k) { return types.size() == 1 ? types[0] : types[k]; };
  std::vector<Rbm> layers;
  for (std::size_t k = 0; k + 1 < sizes.size(); ++k) {
    layers.emplace_back(sizes[k], sizes[k + 1], type(k), type(k + 1));
  }
  return Dbn(std::move(layers));
}

const Rbm& Dbn::layer(Index k) const {
  if (k < 0 || k >= n_layers()) {
    throw Error(fmt::format("DBN layer {} does not exist (the DBN has {} layers)", k, n_layers()));
  }
  return layers_[static_cast<std::size_t>(k)];
}

Rbm& Dbn::layer(Index k) {
  return const_cast<Rbm&>(static_cast<const Dbn&>(*this).layer(k));
}

void Dbn::add_layer(Rbm rbm) {
  rbm.validate();
  if (!layers_.empty()) check_chain(layers_.back(), rbm, n_layers());
  layers_.push_back(std::move(rbm));
}

Index Dbn::n_visible() const { return layers_.empty() ? 0 : layers_.front().n_visible(); }

std::vector<Index> Dbn::level_sizes() const {
  std::vector<Index> sizes;
  if (layers_.empty()) return sizes;
  sizes.push_back(layers_.front().n_visible());
  for (const Rbm& rbm : layers_) sizes.push_back(rbm.n_hidden());
  return sizes;
}

UnitType Dbn::level_type(Index level) const {
  check_level(level);
  return level == 0 ? layers_.front().visible_type() : layer(level - 1).hidden_type();
}

void Dbn::validate() const {
  if (layers_.empty()) throw Error("a DBN needs at least one layer");
  for (Index k = 0; k < n_layers(); ++k) {
    try {
      layers_[static_cast<std::size_t>(k)].validate();
    } catch (const Error& e) {
      throw Error(fmt::format("DBN layer {}: {}", k, e.what()));
    }
    if (k > 0) check_chain(layers_[static_cast<std::size_t>(k - 1)], layers_[static_cast<std::size_t>(k)], k);
  }
}

void Dbn::check_level(Index level) const {
  if (layers_.empty()) throw Error("the DBN has no layers");
  if (level < 0 || level > n_layers()) {
    throw Error(fmt::format("DBN level {} does not exist (levels 0..{})", level, n_layers()));
  }
}

MatrixF Dbn::up(const MatrixF& V, Index level, Propagate mode, Rng& rng) const {
  check_level(level);
  if (V.cols() != n_visible()) {
    throw Error(fmt::format("data has {} columns but the DBN has {} visible units", V.cols(),
                            n_visible()));
  }
  MatrixF x = V;
  MatrixF next;
  for (Index k = 0; k < level; ++k) {
    if (mode == Propagate::mean) {
      layer(k).hidden_mean(x, next);
    } else {
      layer(k).sample_hidden(x, next, rng);
    }
    x.swap(next);
  }
  return x;
}

MatrixF Dbn::up_mean(const MatrixF& V, Index level) const {
  Rng unused;  // Propagate::mean draws nothing
  return up(V, level, Propagate::mean, unused);
}

MatrixF Dbn::down(const MatrixF& X, Index level, Rng& rng, bool mean_visible) const {
  check_level(level);
  const Index width = level == 0 ? n_visible() : layer(level - 1).n_hidden();
  if (X.cols() != width) {
    throw Error(fmt::format("rows at DBN level {} need {} columns (got {})", level, width, X.cols()));
  }
  MatrixF x = X;
  MatrixF next;
  for (Index k = level; k >= 1; --k) {
    const Rbm& rbm = layer(k - 1);
    if (k == 1 && mean_visible) {
      rbm.visible_mean(x, next);
    } else {
      rbm.sample_visible(x, next, rng);
    }
    x.swap(next);
  }
  return x;
}

MatrixF Dbn::generate(const MatrixF& top_start, int gibbs_steps, Rng& rng, bool mean_visible) const {
  validate();
  if (gibbs_steps < 0) throw Error(fmt::format("gibbs steps must be >= 0 (got {})", gibbs_steps));
  const Rbm& top = layers_.back();
  if (top_start.cols() != top.n_visible()) {
    throw Error(fmt::format("the top RBM's chains need {} columns (got {})", top.n_visible(),
                            top_start.cols()));
  }
  const Index top_level = n_layers() - 1;
  MatrixF x = top_start;
  if (gibbs_steps == 0) return down(x, top_level, rng, mean_visible);
  MatrixF h;
  // All sweeps but the last sample x; the last one may return E[x | h] for a 1-layer DBN.
  top.gibbs(x, h, gibbs_steps - 1, rng);
  top.sample_hidden(x, h, rng);
  if (top_level == 0 && mean_visible) {
    top.visible_mean(h, x);
    return x;
  }
  top.sample_visible(h, x, rng);
  return down(x, top_level, rng, mean_visible);
}

MatrixF Dbn::generate(Index n, int gibbs_steps, Rng& rng, bool mean_visible) const {
  validate();
  if (n < 0) throw Error(fmt::format("number of samples must be >= 0 (got {})", n));
  const Rbm& top = layers_.back();
  MatrixF start(n, top.n_visible());
  const bool spin = top.visible_type() == UnitType::spin;
  for (Index i = 0; i < start.size(); ++i) {
    const bool on = rng.uniform() < 0.5f;
    start.data()[i] = on ? 1.0f : (spin ? -1.0f : 0.0f);
  }
  return generate(start, gibbs_steps, rng, mean_visible);
}

}  // namespace rgflow
