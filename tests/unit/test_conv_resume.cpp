// Checkpoints of convolutional RBM training (conv/checkpoint.hpp, conv/train.hpp ConvTrainState):
// a run stopped after an epoch and resumed from its checkpoint file (with another thread count)
// ends with the same bits as the uninterrupted run, for every method (CD, PCD, PT), optimiser
// (SGD, Adam with a schedule and warm-up), centring and Z2; damaged checkpoints and states that do
// not fit the data are refused with an error naming the problem.
#include <gtest/gtest.h>
#include <omp.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "rgflow/conv/checkpoint.hpp"
#include "rgflow/conv/file.hpp"
#include "rgflow/conv/train.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/io/hdf5.hpp"
#include "support/conv_exact.hpp"

namespace rgflow::conv {
namespace {

class ConvResume : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("rgflow_conv_resume_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    std::filesystem::remove_all(dir_);
    omp_set_num_threads(omp_get_num_procs());
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::filesystem::path dir_;
};

struct Crash {};  // thrown from the epoch callback: the run dies right after a checkpoint

void expect_same(const ConvRbm& a, const ConvRbm& b, const ConvTrainState& sa, const ConvTrainState& sb) {
  EXPECT_TRUE(a.kernels() == b.kernels());
  EXPECT_TRUE(a.hidden_bias() == b.hidden_bias());
  EXPECT_EQ(a.visible_bias(), b.visible_bias());
  EXPECT_EQ(sa.epochs_done, sb.epochs_done);
  EXPECT_TRUE(sa.chains == sb.chains);
  EXPECT_EQ(sa.order, sb.order);
  EXPECT_EQ(sa.shuffle, sb.shuffle);
  EXPECT_EQ(sa.gibbs, sb.gibbs);
  EXPECT_TRUE(sa.optimizer.first.kernels == sb.optimizer.first.kernels);
  EXPECT_TRUE(sa.optimizer.first.hidden == sb.optimizer.first.hidden);
  EXPECT_EQ(sa.optimizer.first.visible, sb.optimizer.first.visible);
  EXPECT_EQ(sa.optimizer.steps, sb.optimizer.steps);
  EXPECT_EQ(sa.optimizer.offsets.set, sb.optimizer.offsets.set);
  EXPECT_EQ(sa.optimizer.offsets.visible, sb.optimizer.offsets.visible);
  EXPECT_TRUE(sa.optimizer.offsets.hidden == sb.optimizer.offsets.hidden);
}

TEST_F(ConvResume, ResumedRunIsBitIdenticalToAnUninterruptedOne) {
  // 4×4: exact samples of the bond model. 8×8: random states, with batches and chains large
  // enough that the fields, statistics and PT swaps run in parallel regions (conv_rbm.cpp).
  const MatrixF rows4 = test::exact_samples(ising_bond_model(4, 0.3), 200, 2);
  MatrixF rows8(300, 64);
  Rng rng(9, 0);
  for (Index i = 0; i < rows8.size(); ++i) rows8.data()[i] = rng.uniform() < 0.5f ? -1.0f : 1.0f;
  struct Case {
    ConvMethod method;
    train::OptimizerKind optimizer;
    bool centering, z2;
    Index lattice = 4;
  };
  for (const Case& c : {Case{ConvMethod::cd, train::OptimizerKind::sgd, false, false},
                        Case{ConvMethod::pcd, train::OptimizerKind::sgd, true, false},
                        Case{ConvMethod::pcd, train::OptimizerKind::adam, true, false},
                        Case{ConvMethod::pt, train::OptimizerKind::adam, true, false},
                        Case{ConvMethod::pt, train::OptimizerKind::sgd, false, true},
                        Case{ConvMethod::pcd, train::OptimizerKind::adam, true, false, 8},
                        Case{ConvMethod::pt, train::OptimizerKind::sgd, true, false, 8}}) {
    const MatrixF& rows = c.lattice == 4 ? rows4 : rows8;
    SCOPED_TRACE(::testing::Message() << to_string(c.method) << " " << train::to_string(c.optimizer) << " centering "
                                      << c.centering << " z2 " << c.z2 << " L " << c.lattice);
    ConvTrainOptions o;
    o.method = c.method;
    o.optimizer = c.optimizer;
    o.centering = c.centering;
    o.z2 = c.z2;
    o.epochs = 4;
    o.batch_size = c.lattice == 4 ? 60 : 140;  // a short last batch
    o.chains = c.lattice == 4 ? 30 : 140;
    o.replicas = 3;
    o.learning_rate = c.optimizer == train::OptimizerKind::adam ? 0.01 : 0.05;
    o.final_learning_rate = o.learning_rate / 5;  // the schedule depends on the total epochs
    o.schedule = train::Schedule::cosine;
    o.warmup_epochs = 1;
    o.seed = 11;
    const ConvShape shape{c.lattice, 2, 1, 2};
    ConvRbm full(shape, UnitType::spin, UnitType::spin);
    ConvTrainState full_state;
    omp_set_num_threads(2);
    train(full, rows, o, full_state, {});

    // The same run, checkpointed after epoch 2 and killed there, on one thread.
    const std::string ckpt = path("run.h5");
    ConvRbm part(shape, UnitType::spin, UnitType::spin);
    ConvTrainState part_state;
    omp_set_num_threads(1);
    EXPECT_THROW(train(part, rows, o, part_state,
                       [&](const ConvEpochReport& r, const ConvRbm& m, const ConvTrainState& s) {
                         save_checkpoint(ckpt, {m, o, s, rows.rows(), data_checksum(rows)});
                         if (r.epoch == 2) throw Crash{};
                       }),
                 Crash);
    // Resumed from the file on two threads.
    ConvCheckpoint loaded = load_checkpoint(ckpt);
    EXPECT_EQ(loaded.state.epochs_done, 2);
    EXPECT_EQ(loaded.data_rows, rows.rows());
    EXPECT_EQ(loaded.data_checksum, data_checksum(rows));
    EXPECT_EQ(loaded.options.seed, o.seed);
    EXPECT_EQ(loaded.options.method, o.method);
    EXPECT_EQ(loaded.options.final_learning_rate, o.final_learning_rate);
    ConvTrainOptions resumed_options = loaded.options;
    resumed_options.initialize = false;  // as the CLI does: the model is the checkpoint's
    omp_set_num_threads(2);
    int epochs_seen = 0;
    train(loaded.model, rows, resumed_options, loaded.state,
          [&](const ConvEpochReport& r, const ConvRbm&, const ConvTrainState&) {
            EXPECT_EQ(r.epoch, 3 + epochs_seen);
            ++epochs_seen;
          });
    EXPECT_EQ(epochs_seen, 2);
    expect_same(full, loaded.model, full_state, loaded.state);
  }
}

TEST_F(ConvResume, RefusesStatesThatDoNotFitAndDamagedFiles) {
  const MatrixF rows = test::exact_samples(ising_bond_model(3, 0.3), 50, 1);
  ConvTrainOptions o;
  o.epochs = 2;
  o.batch_size = 25;
  o.chains = 10;
  o.centering = true;
  ConvRbm m(ConvShape{3, 2, 1, 2}, UnitType::spin, UnitType::spin);
  ConvTrainState s;
  train(m, rows, o, s, {});
  const std::string good = path("good.h5");
  save_checkpoint(good, {m, o, s, rows.rows(), data_checksum(rows)});
  // A checkpoint is also a conv model file.
  EXPECT_TRUE(load_model(good).kernels() == m.kernels());
  // The state checks of train(): other data, other chain counts, more epochs done than planned.
  ConvTrainState other = s;
  EXPECT_THROW(train(m, rows.topRows(40), o, other, {}), Error);
  other = s;
  other.chains.conservativeResize(5, Eigen::NoChange);
  EXPECT_THROW(train(m, rows, o, other, {}), Error);
  other = s;
  other.order[0] = other.order[1];
  EXPECT_THROW(train(m, rows, o, other, {}), Error);
  ConvTrainOptions fewer = o;
  fewer.epochs = 1;
  other = s;
  EXPECT_THROW(train(m, rows, fewer, other, {}), Error);
  EXPECT_NE(data_checksum(rows), data_checksum(-rows));
  // Files: a plain model file, a damaged dataset, a missing dataset, a bad chain state.
  const std::string plain = path("plain.h5");
  save_model(plain, m);
  EXPECT_THROW(load_checkpoint(plain), FileError);
  const auto damaged = [&](const std::string& name, const auto& edit) {
    const std::string p = path(name);
    ConvCheckpoint c{m, o, s, rows.rows(), data_checksum(rows)};
    edit(c);
    save_checkpoint(p, c);
    return p;
  };
  EXPECT_THROW(load_checkpoint(damaged("chains.h5", [](ConvCheckpoint& c) { c.state.chains(0, 0) = 0.5f; })), FileError);
  EXPECT_THROW(load_checkpoint(damaged("rows.h5", [](ConvCheckpoint& c) { c.data_rows = 7; })), FileError);
  EXPECT_THROW(load_checkpoint(damaged("offsets.h5",
                                       [](ConvCheckpoint& c) { c.state.optimizer.first.kernels(0, 0) = NAN; })),
               FileError);
  try {
    load_checkpoint(path("missing.h5"));
    FAIL() << "a missing file was read";
  } catch (const FileError& e) {
    EXPECT_NE(std::string(e.what()).find("missing.h5"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace rgflow::conv
