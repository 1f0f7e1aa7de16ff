#include "rgflow/hopfield/network.hpp"

#include <fmt/format.h>

#include <Eigen/SVD>
#include <cmath>
#include <limits>
#include <utility>

#include "rgflow/core/error.hpp"
#include "rgflow/core/serial_eigen.hpp"

namespace rgflow::hopfield {

std::string_view to_string(Rule rule) {
  return rule == Rule::hebb ? "hebb" : "pseudo-inverse";
}

Rule parse_rule(std::string_view name) {
  if (name == "hebb") return Rule::hebb;
  if (name == "pseudo-inverse") return Rule::pseudo_inverse;
  throw Error(fmt::format("unknown learning rule '{}' (hebb | pseudo-inverse)", name));
}

namespace {

// The first (row, column) whose entry is not ±1, or (−1, −1).
std::pair<Index, Index> first_non_spin(const MatrixF& m) {
  for (Index r = 0; r < m.rows(); ++r) {
    for (Index c = 0; c < m.cols(); ++c) {
      if (m(r, c) != 1.0f && m(r, c) != -1.0f) return {r, c};
    }
  }
  return {-1, -1};
}

}  // namespace

Network::Network(MatrixF patterns, Rule rule) : patterns_(std::move(patterns)), rule_(rule) {
  if (patterns_.rows() == 0 || patterns_.cols() == 0) throw Error("no patterns to store");
  const auto [r, c] = first_non_spin(patterns_);
  if (r >= 0) {
    throw Error(fmt::format("pattern {} neuron {}: value {} is not a spin (-1 or +1)", r, c,
                            patterns_(r, c)));
  }
  const SerialEigen serial;
  const Index N = n_neurons();
  if (rule_ == Rule::hebb) {
    // N·J = ΞᵀΞ: sums of ±1 below 2^24 are exact in a float product.
    const MatrixF gram = patterns_.transpose() * patterns_;
    scaled_ = gram.cast<double>();
    scale_ = static_cast<double>(N);
  } else {
    // Projector onto the row span of Ξ: J = V_r V_rᵀ from the thin SVD Ξ = U S Vᵀ, keeping the
    // singular values above max(P, N)·ε·s_max (the usual numerical-rank cut).
    const MatrixD xi = patterns_.cast<double>();
    Eigen::BDCSVD<Eigen::MatrixXd> svd(xi, Eigen::ComputeThinV);
    const auto& s = svd.singularValues();
    const double cut = static_cast<double>(std::max(xi.rows(), xi.cols())) *
                       std::numeric_limits<double>::epsilon() * (s.size() > 0 ? s(0) : 0.0);
    Index rank = 0;
    while (rank < s.size() && s(rank) > cut) ++rank;
    const Eigen::MatrixXd v = svd.matrixV().leftCols(rank);
    scaled_ = v * v.transpose();
    scale_ = 1.0;
  }
}

MatrixD Network::couplings() const { return scaled_ / scale_; }

VectorD Network::energy(const MatrixF& states) const {
  check_states(states, "states");
  const MatrixD s = states.cast<double>();
  const MatrixD field = s * scaled_;  // J is symmetric
  return -0.5 * (s.array() * field.array()).rowwise().sum().matrix() / scale_;
}

double Network::diagonal_constant() const { return 0.5 * scaled_.diagonal().sum() / scale_; }

VectorD Network::energy_zero_diagonal(const MatrixF& states) const {
  return (energy(states).array() + diagonal_constant()).matrix();
}

MatrixD Network::overlaps(const MatrixF& states) const {
  check_states(states, "states");
  return (states.cast<double>() * patterns_.cast<double>().transpose()) /
         static_cast<double>(n_neurons());
}

void Network::check_states(const MatrixF& states, const std::string& source) const {
  if (states.cols() != n_neurons()) {
    throw FileError(source, fmt::format("rows have {} values, the network has {} neurons",
                                        states.cols(), n_neurons()));
  }
  const auto [r, c] = first_non_spin(states);
  if (r >= 0) {
    throw FileError(source, fmt::format("row {} column {}: value {} is not a spin (-1 or +1)", r,
                                        c, states(r, c)));
  }
}

}  // namespace rgflow::hopfield
