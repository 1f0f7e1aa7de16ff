#include "rgflow/hopfield/rbm_map.hpp"

#include <fmt/format.h>

#include <Eigen/Eigenvalues>
#include <cmath>
#include <numbers>

#include "rgflow/core/error.hpp"

namespace rgflow::hopfield {

Rbm to_rbm(const Network& net, double beta) {
  if (!(beta > 0.0 && std::isfinite(beta))) throw Error(fmt::format("beta {}: must be > 0 and finite", beta));
  const Index N = net.n_neurons();
  const MatrixD xi_t = net.patterns().cast<double>().transpose();  // N × P
  MatrixD B;
  if (net.rule() == Rule::hebb) {
    B = xi_t / std::sqrt(static_cast<double>(N));
  } else {
    // J = Ξᵀ (ΞΞᵀ)⁺ Ξ = B Bᵀ with B = Ξᵀ U Λ^{-1/2} over the non-zero eigenvalues of ΞΞᵀ (the same
    // cutoff as the Moore–Penrose inverse: λ > λ_max · P · ε).
    const MatrixD gram = xi_t.transpose() * xi_t;
    const Eigen::SelfAdjointEigenSolver<MatrixD> eig(gram);
    const VectorD& lambda = eig.eigenvalues();
    const double cutoff = lambda.maxCoeff() * static_cast<double>(gram.rows()) * 1e-12;
    Index rank = 0;
    for (Index k = 0; k < lambda.size(); ++k) rank += lambda[k] > cutoff ? 1 : 0;
    B.resize(N, rank);
    Index c = 0;
    for (Index k = 0; k < lambda.size(); ++k) {
      if (lambda[k] > cutoff) B.col(c++) = xi_t * eig.eigenvectors().col(k) / std::sqrt(lambda[k]);
    }
  }
  Rbm rbm(N, B.cols(), UnitType::spin, UnitType::gaussian);
  rbm.weights() = (std::sqrt(beta) * B).cast<float>();
  rbm.visible_bias().setZero();
  rbm.hidden_bias().setZero();
  rbm.hidden_sigma().setOnes();
  rbm.validate();
  return rbm;
}

double twin_log_partition_offset(Index hidden_units) {
  return 0.5 * static_cast<double>(hidden_units) * std::log(2.0 * std::numbers::pi);
}

HebbianTwin to_hopfield(const Rbm& rbm, double tolerance) {
  rbm.validate();
  if (rbm.visible_type() != UnitType::spin || rbm.hidden_type() != UnitType::gaussian) {
    throw Error(fmt::format("the RBM has {} visible and {} hidden units; a Hopfield twin has spin visible and "
                            "gaussian hidden units",
                            to_string(rbm.visible_type()), to_string(rbm.hidden_type())));
  }
  if (rbm.has_mask()) throw Error("the RBM has a connectivity mask; a Hopfield twin is fully connected");
  if (!rbm.visible_bias().isZero(0.0) || !rbm.hidden_bias().isZero(0.0)) {
    throw Error("the RBM has non-zero biases; a Hopfield twin has none");
  }
  if (!(rbm.hidden_sigma().array() == 1.0f).all()) {
    throw Error("the RBM's hidden sigma are not all 1; a Hopfield twin has unit-variance hidden units");
  }
  const MatrixF& W = rbm.weights();
  const double lo = W.cwiseAbs().minCoeff(), hi = W.cwiseAbs().maxCoeff();
  if (!(lo > 0.0) || (hi - lo) > tolerance * hi) {
    throw Error(fmt::format("the weights' magnitudes range over [{}, {}]: not +-a for one a, so not the twin of a "
                            "Hebbian network (relative tolerance {})",
                            lo, hi, tolerance));
  }
  const double a = W.cast<double>().cwiseAbs().mean();
  MatrixF patterns = W.transpose().unaryExpr([](float w) { return w > 0.0f ? 1.0f : -1.0f; });
  HebbianTwin out{Network(std::move(patterns), Rule::hebb), static_cast<double>(rbm.n_visible()) * a * a};
  return out;
}

}  // namespace rgflow::hopfield
