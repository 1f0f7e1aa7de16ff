// AIS on a model *trained on MNIST* (issue #4): a 784×20 Bernoulli RBM trained briefly with PCD-1
// on binarized MNIST, then forward AIS (default Salakhutdinov & Murray schedule, 100 chains) and
// reverse AIS (chains started from held-out test digits) against exact enumeration of the 2^20
// hidden states. A trained model has the correlated, multi-modal structure that random weights
// lack, which is where AIS under-estimates log Z if the schedule is too short.
//
// Needs ../shared/data/binarized_mnist; skips with a message when it is absent. Label "heavy"
// (about 20 s in release): part of the default release suite, left out of the sanitizer run.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>

#include "rgflow/estimate/ais.hpp"
#include "rgflow/estimate/exact.hpp"
#include "rgflow/io/dataset.hpp"
#include "rgflow/train/trainer.hpp"

namespace rgflow {
namespace {

std::string shared_data(const std::string& relative) {
  return std::string(RGFLOW_SHARED_DATA_DIR) + "/" + relative;
}

TEST(AisMnist, TrainedModelMatchesEnumeration) {
  const std::string train_path = shared_data("binarized_mnist/binarized_mnist_train.amat.gz");
  const std::string test_path = shared_data("binarized_mnist/binarized_mnist_test.amat.gz");
  if (!std::filesystem::exists(train_path) || !std::filesystem::exists(test_path)) {
    GTEST_SKIP() << "shared data not found: " << train_path;
  }
  // 10,000 training digits, 3 epochs of PCD-1: enough to move far from initialisation (the
  // weights develop stroke-like filters and log Z grows by hundreds of nats) in about a second.
  const MatrixF train = io::load_dataset(train_path).data.topRows(10000);
  const MatrixF test = io::load_dataset(test_path).data.topRows(500);

  Rbm rbm(784, 20);
  train::TrainConfig config;
  config.method = train::Method::pcd;
  config.epochs = 3;
  config.learning_rate = 0.05f;
  config.momentum_initial = 0.0f;
  config.momentum_final = 0.0f;
  config.seed = 11;
  {
    train::Trainer trainer(rbm, config, train);
    while (!trainer.finished()) trainer.run_epoch();
  }
  ASSERT_GT(rbm.weights().cwiseAbs().maxCoeff(), 0.5f) << "the model did not train";

  const double exact = estimate::exact_log_partition(rbm);
  const Rbm base = estimate::base_rate_model(rbm, train);
  estimate::AisOptions options;  // default schedule (14,501 temperatures), 100 chains
  options.seed = 12;
  const estimate::AisResult forward = estimate::ais_log_partition(rbm, base, options);
  const estimate::AisResult reverse = estimate::reverse_ais_log_partition(rbm, base, test, options);
  ASSERT_EQ(forward.n_betas, 14501u);
  std::printf("exact log Z %.4f  AIS %.4f +- %.4f  reverse AIS %.4f +- %.4f\n", exact,
              forward.log_z.mean, forward.log_z.error, reverse.log_z.mean, reverse.log_z.error);

  // |AIS − exact| within 3 of the reported standard errors, both directions.
  for (const estimate::AisResult* r : {&forward, &reverse}) {
    ASSERT_GT(r->log_z.error, 0.0);
    EXPECT_LT(std::fabs(r->log_z.mean - exact), 3.0 * r->log_z.error)
        << r->log_z.mean << " ± " << r->log_z.error << " vs exact " << exact;
  }
  // Reverse AIS over-estimates in expectation: it must not fall below exact − 3σ.
  EXPECT_GT(reverse.log_z.mean, exact - 3.0 * reverse.log_z.error);
}

}  // namespace
}  // namespace rgflow
