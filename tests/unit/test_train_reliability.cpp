// Reliability of the readers of every file kind rgflow writes (issue #20, docs/reliability.md):
// random 1–4-byte corruptions of a model, a checkpoint, a DBN file, lattice and generic datasets
// (HDF5), NPY and CSV are refused with a FileError (HDF5: always, by the seal) and never crash;
// checkpoints whose sampler state is not what the method keeps are refused; sampling in chunks
// (how the CLI polls Ctrl-C) gives the same bits as one call.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "rgflow/core/error.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/io/dataset.hpp"
#include "rgflow/io/dbn_file.hpp"
#include "rgflow/io/hdf5.hpp"
#include "rgflow/io/model.hpp"
#include "rgflow/train/monitor_log.hpp"
#include "rgflow/sample/tempering.hpp"
#include "rgflow/train/trainer.hpp"
#include "test_io_support.hpp"
#include "test_train_support.hpp"

namespace rgflow::train {
namespace {

using test::prototype_data;
using test::read_bytes;
using test::TrainTempDir;
using test::write_bytes;
using sample::geometric_ladder;
using sample::ParallelTempering;

Checkpoint trained_checkpoint(Method method, Index epochs = 2) {
  TrainConfig c;
  c.method = method;
  c.tap_persistent = true;  // TAP: persistent magnetisations, so there is state to check
  c.epochs = static_cast<int>(epochs);
  c.batch_size = 10;
  c.seed = 11;
  const MatrixF data = prototype_data(40, UnitType::bernoulli, 3);
  Rbm rbm(8, 4, UnitType::bernoulli, UnitType::bernoulli);
  Trainer trainer(rbm, c, data);
  while (!trainer.finished()) trainer.run_epoch();
  return trainer.checkpoint();
}

// Applies `count` random corruptions of 1–4 bytes (each byte replaced by a different value) to
// `good` and calls `read` on each; returns how many were refused with a FileError. Any other
// exception fails the test; a crash ends it.
int corrupt_and_read(const std::string& good, const std::string& path, int count,
                     std::uint64_t seed, const std::function<void()>& read) {
  Rng rng(seed, 20);
  int refused = 0;
  for (int trial = 0; trial < count; ++trial) {
    std::string bytes = good;
    const int n = 1 + static_cast<int>(rng.below(4));
    for (int k = 0; k < n; ++k) {
      const auto at = static_cast<std::size_t>(rng.below(bytes.size()));
      bytes[at] = static_cast<char>(bytes[at] ^ static_cast<char>(1 + rng.below(255)));
    }
    write_bytes(path, bytes);
    try {
      read();
    } catch (const FileError&) {
      ++refused;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "trial " << trial << ": not a FileError: " << e.what();
    }
  }
  return refused;
}

constexpr int kCorruptions = 200;

TEST(TrainReliability, CorruptedHdf5FilesOfEveryKindAreRefused) {
  TrainTempDir dir;
  const Checkpoint checkpoint = trained_checkpoint(Method::pcd);
  save_checkpoint(dir.file("checkpoint.h5"), checkpoint);
  io::save_rbm(dir.file("model.h5"), checkpoint.rbm, {{"seed", "11"}});
  io::save_dbn(dir.file("dbn.h5"), Dbn({checkpoint.rbm, Rbm(4, 2, UnitType::bernoulli,
                                                             UnitType::bernoulli)}));
  MatrixF spins = prototype_data(30, UnitType::spin, 4);
  spins.conservativeResize(30, 4);  // 2 x 2 lattices
  io::save_dataset(dir.file("spins.h5"), spins, {{"temperature", "2.5"}}, Index{2});
  io::save_dataset(dir.file("data.h5"), prototype_data(30, UnitType::bernoulli, 5),
                   {{"seed", "5"}});
  const std::string bad = dir.file("bad.h5");
  struct Kind {
    const char* file;
    std::function<void()> read;
  };
  const Kind kinds[] = {
      {"model.h5", [&] { io::load_rbm(bad); }},
      {"checkpoint.h5", [&] { load_checkpoint(bad); }},
      {"dbn.h5", [&] { io::load_dbn(bad); }},
      {"spins.h5", [&] { io::load_dataset(bad); }},
      {"data.h5", [&] { io::load_dataset(bad); }},
  };
  for (const Kind& kind : kinds) {
    SCOPED_TRACE(kind.file);
    const std::string good = read_bytes(dir.file(kind.file));
    write_bytes(bad, good);
    ASSERT_NO_THROW(kind.read());  // the intact file reads
    EXPECT_EQ(corrupt_and_read(good, bad, kCorruptions, 7, kind.read), kCorruptions);
  }
}

TEST(TrainReliability, CorruptedNpyAndCsvNeverCrash) {
  TrainTempDir dir;
  const MatrixF data = prototype_data(30, UnitType::bernoulli, 6);
  io::save_matrix(dir.file("x.npy"), data);
  io::save_matrix(dir.file("x.csv"), data);
  for (const char* ext : {".npy", ".csv"}) {
    SCOPED_TRACE(ext);
    const std::string bad = dir.file(std::string("bad") + ext);
    const std::string good = read_bytes(dir.file(std::string("x") + ext));
    // Text and raw data have no checksum: a changed digit can still read. Every outcome must be
    // a dataset or a FileError, never a crash or another exception.
    const int refused =
        corrupt_and_read(good, bad, kCorruptions, 8, [&] { io::load_dataset(bad); });
    EXPECT_GT(refused, 0);
  }
}

TEST(TrainReliability, CheckpointSamplerStateMustMatchTheMethod) {
  TrainTempDir dir;
  const auto refused = [&](const Checkpoint& c, const std::string& fragment) {
    const std::string path = dir.file("c.h5");
    // Written with the raw h5 layer: save_checkpoint validates the model, not the chains.
    save_checkpoint(path, c);
    EXPECT_FILE_ERROR(load_checkpoint(path), path, fragment);
  };
  Checkpoint pcd = trained_checkpoint(Method::pcd);
  ASSERT_GT(pcd.persistent_chains.size(), 0);
  pcd.persistent_chains(1, 2) = 0.5f;
  refused(pcd, "'/train/persistent_chains' holds 0.5 at row 1, column 2; expected a bernoulli state");

  Checkpoint tap = trained_checkpoint(Method::tap2);
  ASSERT_GT(tap.persistent_chains.size(), 0);
  EXPECT_NO_THROW({
    save_checkpoint(dir.file("tap.h5"), tap);
    load_checkpoint(dir.file("tap.h5"));
  });  // magnetisations in [0, 1] are what TAP keeps
  tap.persistent_chains(0, 0) = 1.5f;
  refused(tap, "expected a bernoulli magnetisation in [0, 1]");

  Checkpoint cd = trained_checkpoint(Method::cd);
  cd.persistent_chains = MatrixF::Zero(2, 8);
  refused(cd, "a CD checkpoint holds persistent chains");
}

TEST(TrainReliability, ChunkedSamplingEqualsOneCall) {
  Rbm rbm(8, 5, UnitType::spin, UnitType::bernoulli);
  Rng init(3);
  for (Index i = 0; i < rbm.weights().size(); ++i) {
    rbm.weights().data()[i] = static_cast<float>(init.normal());
  }
  const MatrixF start = prototype_data(6, UnitType::spin, 9);
  // Gibbs: one call of 23 steps, and 23 calls of one step (rbm sample's Ctrl-C polling).
  MatrixF v1 = start, v2 = start, h1, h2;
  Rng r1(5), r2(5);
  rbm.gibbs(v1, h1, 23, r1);
  for (int k = 0; k < 23; ++k) rbm.gibbs(v2, h2, 1, r2);
  EXPECT_EQ(v1, v2);
  EXPECT_EQ(r1.state(), r2.state());
  // Parallel tempering: 37 steps at once, and chunks of 16, 16, 5.
  ParallelTempering a(geometric_ladder(4, 0.3)), b(geometric_ladder(4, 0.3));
  a.reset(start);
  b.reset(start);
  Rng ra(6), rb(6);
  a.run(rbm, 37, ra);
  for (const int steps : {16, 16, 5}) b.run(rbm, steps, rb);
  EXPECT_EQ(a.cold_states(), b.cold_states());
  EXPECT_EQ(a.state().replicas, b.state().replicas);
  EXPECT_EQ(a.state().attempts, b.state().attempts);
  EXPECT_EQ(a.state().accepts, b.state().accepts);
}

TEST(TrainReliability, ResumedLogDropsRowsAfterTheCheckpoint) {
  TrainTempDir dir;
  // A run killed after epoch 5 whose last checkpoint holds 3 epochs, in the middle of a row.
  const std::string csv = dir.file("log.csv");
  write_bytes(csv, "epoch,reconstruction_error,pll_mean,pll_error,free_energy_train,"
                   "free_energy_validation,free_energy_gap,momentum,seconds\n"
                   "1,a\n2,b\n3,c\n4,d\n5,e\n6,0.1");
  EpochStats s;
  s.epoch = 4;
  {
    MonitorLog log(csv, /*append=*/true, /*keep_epochs=*/3);
    log.write(s);
  }
  const std::string text = read_bytes(csv);
  EXPECT_EQ(text.substr(text.find('\n') + 1, 14), "1,a\n2,b\n3,c\n4,");
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 5);
  const std::string jsonl = dir.file("log.jsonl");
  write_bytes(jsonl, "{\"epoch\": 1}\n{\"epoch\": 2}\n{\"epo");
  {
    MonitorLog log(jsonl, true, 1);
    log.write(s);
  }
  const std::string lines = read_bytes(jsonl);
  EXPECT_EQ(lines.substr(0, 13), "{\"epoch\": 1}\n");
  EXPECT_EQ(std::count(lines.begin(), lines.end(), '\n'), 2);
  EXPECT_NE(lines.find("\"epoch\":4"), std::string::npos) << lines;
}

}  // namespace
}  // namespace rgflow::train
