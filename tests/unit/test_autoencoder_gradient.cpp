// Tied-weight autoencoders: the reconstruction loss and the contractive penalty gradients against
// central finite differences (float64), float against float64, bit-identical training for any
// thread count, learning against a baseline, stacks, files and bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "rgflow/autoencoder/autoencoder.hpp"
#include "rgflow/autoencoder/file.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/core/rng.hpp"
#include "unit/test_io_support.hpp"

namespace rgflow::autoencoder {
namespace {

TiedLayer<double> random_layer(Index n, Index m, std::uint64_t seed) {
  Rng rng(seed, 0);
  TiedLayer<double> L;
  L.weights.resize(n, m);
  for (Index k = 0; k < L.weights.size(); ++k) L.weights.data()[k] = rng.normal() * 0.7;
  L.hidden_bias.resize(m);
  L.visible_bias.resize(n);
  for (Index j = 0; j < m; ++j) L.hidden_bias(j) = rng.normal() * 0.3;
  for (Index i = 0; i < n; ++i) L.visible_bias(i) = rng.normal() * 0.3;
  return L;
}

Mat<double> random_unit(Index rows, Index cols, std::uint64_t seed, bool binary) {
  Rng rng(seed, 1);
  Mat<double> X(rows, cols);
  for (Index k = 0; k < X.size(); ++k) {
    const double u = rng.uniform_double();
    X.data()[k] = binary ? (u < 0.4 ? 1.0 : 0.0) : u;
  }
  return X;
}

double objective(const TiedLayer<double>& L, const Mat<double>& X, const Mat<double>& Xin, double lambda) {
  const BatchGradient<double> g = batch_gradient(L, X, Xin, lambda);
  return g.loss + g.penalty;
}

// Every parameter's analytic derivative against (f(θ + h) − f(θ − h)) / 2h.
void check_gradient(const TiedLayer<double>& L0, const Mat<double>& X, const Mat<double>& Xin, double lambda) {
  const BatchGradient<double> g = batch_gradient(L0, X, Xin, lambda, 2);
  const double h = 1e-6;
  const auto compare = [&](double analytic, auto&& perturb, const char* what, Index k) {
    TiedLayer<double> plus = L0, minus = L0;
    perturb(plus, h);
    perturb(minus, -h);
    const double numeric = (objective(plus, X, Xin, lambda) - objective(minus, X, Xin, lambda)) / (2 * h);
    EXPECT_NEAR(analytic, numeric, 1e-7 * (1.0 + std::fabs(numeric))) << what << " " << k << " lambda " << lambda;
  };
  for (Index k = 0; k < L0.weights.size(); ++k) {
    compare(g.weights.data()[k], [k](TiedLayer<double>& L, double d) { L.weights.data()[k] += d; }, "W", k);
  }
  for (Index j = 0; j < L0.n_out(); ++j) {
    compare(g.hidden_bias(j), [j](TiedLayer<double>& L, double d) { L.hidden_bias(j) += d; }, "b", j);
  }
  for (Index i = 0; i < L0.n_in(); ++i) {
    compare(g.visible_bias(i), [i](TiedLayer<double>& L, double d) { L.visible_bias(i) += d; }, "c", i);
  }
}

TEST(AutoencoderGradient, ReconstructionMatchesFiniteDifferences) {
  const TiedLayer<double> L = random_layer(7, 5, 1);
  const Mat<double> X = random_unit(4, 7, 2, false);
  check_gradient(L, X, X, 0.0);
}

TEST(AutoencoderGradient, DenoisingMatchesFiniteDifferences) {
  // A fixed mask: the encoder sees x̃ (some inputs zeroed), the loss compares with the clean x.
  const TiedLayer<double> L = random_layer(7, 5, 3);
  const Mat<double> X = random_unit(4, 7, 4, true);
  Mat<double> Xin = X;
  Xin(0, 1) = Xin(1, 3) = Xin(2, 0) = Xin(3, 6) = 0.0;
  check_gradient(L, X, Xin, 0.0);
}

TEST(AutoencoderGradient, ContractivePenaltyMatchesFiniteDifferences) {
  const TiedLayer<double> L = random_layer(6, 9, 5);
  const Mat<double> X = random_unit(5, 6, 6, false);
  check_gradient(L, X, X, 0.3);
  check_gradient(L, X, X, 5.0);
  // The penalty itself: λ Σ_j (h_j(1 − h_j))² Σ_i W_ij², averaged over rows, directly.
  const double lambda = 0.3;
  double direct = 0.0;
  for (Index r = 0; r < X.rows(); ++r) {
    for (Index j = 0; j < L.n_out(); ++j) {
      const double a = X.row(r).dot(L.weights.col(j)) + L.hidden_bias(j);
      const double hj = 1.0 / (1.0 + std::exp(-a));
      direct += lambda * std::pow(hj * (1 - hj), 2) * L.weights.col(j).squaredNorm();
    }
  }
  EXPECT_NEAR(batch_gradient(L, X, X, lambda).penalty, direct / X.rows(), 1e-12);
}

TEST(AutoencoderGradient, FloatAgreesWithDouble) {
  const TiedLayer<double> Ld = random_layer(30, 20, 7);
  const Mat<double> X = random_unit(16, 30, 8, true);
  TiedLayer<float> Lf{Ld.weights.cast<float>(), Ld.hidden_bias.cast<float>(), Ld.visible_bias.cast<float>()};
  const BatchGradient<double> gd = batch_gradient(Ld, X, X, 0.1);
  const BatchGradient<float> gf = batch_gradient(Lf, Mat<float>(X.cast<float>()), Mat<float>(X.cast<float>()), 0.1);
  EXPECT_NEAR(gf.loss, gd.loss, 1e-4 * gd.loss);
  EXPECT_LT((gf.weights.cast<double>() - gd.weights).cwiseAbs().maxCoeff(), 1e-4 * (1 + gd.weights.cwiseAbs().maxCoeff()));
}

// Binary rows: noisy copies of 4 random prototypes.
MatrixF prototypes_data(Index rows, Index cols, std::uint64_t seed) {
  Rng rng(seed, 2);
  MatrixF protos(4, cols);
  for (Index k = 0; k < protos.size(); ++k) protos.data()[k] = rng.uniform() < 0.3f ? 1.0f : 0.0f;
  MatrixF X(rows, cols);
  for (Index r = 0; r < rows; ++r) {
    const Index p = static_cast<Index>(rng.below(4));
    for (Index c = 0; c < cols; ++c) X(r, c) = rng.uniform() < 0.05f ? 1.0f - protos(p, c) : protos(p, c);
  }
  return X;
}

TEST(AutoencoderTrain, BitIdenticalForAnyThreadCount) {
  const MatrixF X = prototypes_data(200, 784, 9);
  TrainOptions o;
  o.hidden = {64};  // 100 × 784 × 64 multiply-adds: the products are split among threads
  o.epochs = 1;
  o.corruption = 0.2;
  o.contraction = 0.01;
  o.seed = 3;
  o.threads = 1;
  const Autoencoder one = train(X, o);
  o.threads = 2;
  const Autoencoder two = train(X, o);
  EXPECT_EQ(one.layers[0].weights, two.layers[0].weights);
  EXPECT_EQ(one.layers[0].hidden_bias, two.layers[0].hidden_bias);
  EXPECT_EQ(one.layers[0].visible_bias, two.layers[0].visible_bias);
}

TEST(AutoencoderFlow, IteratedReconstructionMeasuresEveryStep) {
  const MatrixF X = prototypes_data(50, 30, 4);
  TrainOptions o;
  o.hidden = {6};
  o.epochs = 2;
  o.seed = 1;
  const Autoencoder ae = train(X, o);
  MatrixF x = X;
  const std::vector<ReconstructionStep> steps = iterate_reconstruction(ae, x, 3);
  ASSERT_EQ(steps.size(), 3u);
  // By hand: x_t = reconstruct(x_{t-1}); the rms of the rows' norms.
  MatrixF prev = X;
  for (int t = 1; t <= 3; ++t) {
    const MatrixF next = ae.reconstruct(prev);
    EXPECT_EQ(steps[t - 1].step, t);
    EXPECT_DOUBLE_EQ(steps[t - 1].rms_change, std::sqrt((next - prev).squaredNorm() / 50.0));
    EXPECT_DOUBLE_EQ(steps[t - 1].rms_distance_to_data, std::sqrt((next - X).squaredNorm() / 50.0));
    prev = next;
  }
  EXPECT_EQ(x, prev);
  EXPECT_EQ(steps[0].rms_change, steps[0].rms_distance_to_data);  // x_0 is the data
  MatrixF same = X;
  EXPECT_TRUE(iterate_reconstruction(ae, same, 0).empty());
  EXPECT_EQ(same, X);
  EXPECT_THROW(iterate_reconstruction(ae, same, -1), Error);
}

TEST(AutoencoderTrain, LearnsBetterThanTheIndependentPixelBaseline) {
  // The best model ignoring the code predicts each pixel by its mean p: loss Σ_i H(p_i). Four
  // prototypes with 5 % noise are far more compressible; 16 hidden units must beat it by far.
  const MatrixF X = prototypes_data(600, 40, 10);
  const VectorF p = X.colwise().mean().transpose();
  double baseline = 0.0;
  for (Index i = 0; i < p.size(); ++i) {
    const double q = std::clamp(static_cast<double>(p(i)), 1e-12, 1 - 1e-12);
    baseline -= q * std::log(q) + (1 - q) * std::log(1 - q);
  }
  TrainOptions o;
  o.hidden = {16};
  o.epochs = 30;
  o.batch_size = 20;
  o.learning_rate = 0.1;
  o.seed = 1;
  for (double corruption : {0.0, 0.3}) {
    o.corruption = corruption;
    const Autoencoder ae = train(X, o);
    EXPECT_LT(reconstruction_loss(ae, X), 0.5 * baseline) << "corruption " << corruption;
  }
}

TEST(AutoencoderTrain, StackReconstructsThroughEveryLayer) {
  const MatrixF X = prototypes_data(300, 30, 11);
  TrainOptions o;
  o.hidden = {12, 4};
  o.epochs = 5;
  o.batch_size = 25;
  const Autoencoder ae = train(X, o);
  ASSERT_EQ(ae.layers.size(), 2u);
  EXPECT_EQ(ae.encode(X).cols(), 4);
  const MatrixF R = ae.reconstruct(X);
  EXPECT_EQ(R.rows(), X.rows());
  EXPECT_EQ(R.cols(), X.cols());
  EXPECT_TRUE((R.array() > 0.0f && R.array() < 1.0f).all());
  // One layer: the reported loss is the batch loss of the clean data.
  const Autoencoder bottom{{ae.layers[0]}};
  const BatchGradient<float> g = batch_gradient(ae.layers[0], X, X, 0.0);
  EXPECT_NEAR(reconstruction_loss(bottom, X), g.loss, 1e-4 * g.loss);
}

TEST(AutoencoderFile, RoundTripAndBadInput) {
  const test::TempDir dir;
  const MatrixF X = prototypes_data(50, 12, 12);
  TrainOptions o;
  o.hidden = {5, 3};
  o.epochs = 2;
  const Autoencoder ae = train(X, o);
  save_model(dir.file("ae.h5"), ae, {{"note", "test"}});
  std::map<std::string, std::string> attrs;
  const Autoencoder back = load_model(dir.file("ae.h5"), &attrs);
  ASSERT_EQ(back.layers.size(), 2u);
  EXPECT_EQ(back.layers[1].weights, ae.layers[1].weights);
  EXPECT_EQ(back.reconstruct(X), ae.reconstruct(X));
  EXPECT_EQ(attrs.at("note"), "test");
  EXPECT_THROW(load_model(dir.file("missing.h5")), FileError);
  MatrixF bad = X;
  bad(3, 4) = 1.5f;
  EXPECT_THROW(train(bad, o), Error);
  bad(3, 4) = std::nanf("");
  EXPECT_THROW(train(bad, o), Error);
  o.learning_rate = 0.0;
  EXPECT_THROW(train(X, o), Error);
  o.learning_rate = 0.1;
  o.corruption = 1.0;
  EXPECT_THROW(train(X, o), Error);
  EXPECT_THROW(ae.encode(MatrixF::Zero(2, 11)), Error);
}

}  // namespace
}  // namespace rgflow::autoencoder
