// AIS at MNIST width (784 visible units) with the default Salakhutdinov & Murray schedule
// (14,501 temperatures, 100 chains) against exact enumeration of a 20-unit hidden layer.
// Reverse AIS starts from exact samples: h ~ p(h) by enumerating all 2^20 hidden states, then
// v ~ p(v | h). Label "long" (excluded from the default suite; `ctest -L long`).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "rgflow/estimate/ais.hpp"
#include "rgflow/estimate/exact.hpp"
#include "support/random_rbm.hpp"

namespace rgflow::estimate {
namespace {

// A sparse, MNIST-like model: mostly-off pixels (a ≈ −2), weights N(0, 0.15²), hidden biases −1.
Rbm mnist_like_rbm(Index nh, std::uint64_t seed) {
  Rbm rbm(784, nh);
  Rng rng(seed, 3);
  for (Index i = 0; i < rbm.weights().size(); ++i) {
    rbm.weights().data()[i] = static_cast<float>(0.15 * rng.normal());
  }
  for (Index i = 0; i < 784; ++i) rbm.visible_bias()[i] = static_cast<float>(-2.0 + 0.7 * rng.normal());
  rbm.hidden_bias().setConstant(-1.0f);
  return rbm;
}

TEST(AisLong, DefaultScheduleAtMnistWidthMatchesEnumeration) {
  const Rbm rbm = mnist_like_rbm(20, 5);
  const double exact = exact_log_partition(rbm);
  const MatrixF samples = test::exact_samples_by_hidden(rbm, 2000, 6);
  const Rbm base = base_rate_model(rbm, samples);

  AisOptions options;  // default schedule, 100 chains
  options.seed = 8;
  const AisResult forward = ais_log_partition(rbm, base, options);
  const AisResult reverse = reverse_ais_log_partition(rbm, base, samples, options);
  EXPECT_EQ(forward.n_betas, 14501u);
  for (const AisResult* r : {&forward, &reverse}) {
    EXPECT_LT(std::fabs(r->log_z.mean - exact), 4.0 * r->log_z.error)
        << r->log_z.mean << " ± " << r->log_z.error << " vs exact " << exact;
    EXPECT_LT(std::fabs(r->log_z.mean - exact), 0.1);
    EXPECT_GT(r->effective_sample_size, 50.0);
  }
  // The 3σ brackets of the two directions overlap around the exact value.
  EXPECT_LT(forward.log_z_lower3, exact);
  EXPECT_GT(reverse.log_z_upper3, exact);
}

}  // namespace
}  // namespace rgflow::estimate
