// Checkpoints: 4 uninterrupted epochs == 2 epochs, save, load, 2 more (bitwise, for CD and PCD,
// with the sparsity target so that every piece of optimizer state is exercised); the file is also
// a model file; missing or corrupt checkpoints are FileErrors naming the file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <ostream>
#include <nlohmann/json.hpp>

#include "rgflow/core/error.hpp"
#include "rgflow/io/hdf5.hpp"
#include "rgflow/io/model.hpp"
#include "rgflow/train/trainer.hpp"
#include "test_train_support.hpp"

namespace rgflow::train {
namespace {

using test::prototype_data;

TrainConfig resume_config(Method method) {
  TrainConfig c;
  c.method = method;
  c.steps = 2;
  c.epochs = 4;
  c.batch_size = 15;  // 70 rows: the last batch of each epoch is partial
  c.learning_rate = 0.05f;
  c.momentum_switch_epoch = 3;  // switches after the resume point
  c.l2 = 1e-3f;
  c.l1 = 1e-4f;
  c.sparsity_target = 0.2f;
  c.seed = 31337;
  c.monitor_rows = 30;
  return c;
}

void expect_same_checkpoint(const Checkpoint& a, const Checkpoint& b) {
  EXPECT_EQ(a.rbm.weights(), b.rbm.weights());
  EXPECT_EQ(a.rbm.visible_bias(), b.rbm.visible_bias());
  EXPECT_EQ(a.rbm.hidden_bias(), b.rbm.hidden_bias());
  EXPECT_EQ(a.rbm.visible_type(), b.rbm.visible_type());
  EXPECT_EQ(a.rbm.hidden_type(), b.rbm.hidden_type());
  EXPECT_EQ(a.epochs_done, b.epochs_done);
  EXPECT_EQ(a.rng, b.rng);
  const OptimizerState& x = a.optimizer;
  const OptimizerState& y = b.optimizer;
  EXPECT_EQ(x.weight_velocity, y.weight_velocity);
  EXPECT_EQ(x.visible_velocity, y.visible_velocity);
  EXPECT_EQ(x.hidden_velocity, y.hidden_velocity);
  EXPECT_EQ(x.weight_second_moment, y.weight_second_moment);
  EXPECT_EQ(x.visible_second_moment, y.visible_second_moment);
  EXPECT_EQ(x.hidden_second_moment, y.hidden_second_moment);
  EXPECT_EQ(x.steps, y.steps);
  EXPECT_EQ(x.visible_offset, y.visible_offset);
  EXPECT_EQ(x.hidden_offset, y.hidden_offset);
  EXPECT_EQ(a.persistent_chains, b.persistent_chains);
  EXPECT_EQ(x.hidden_activity, y.hidden_activity);
  EXPECT_EQ(nlohmann::json(a.config), nlohmann::json(b.config));
}

struct ResumeCase {
  Method method;
  UnitType units;
  OptimizerKind optimizer = OptimizerKind::sgd;
  bool centering = false;
  Symmetry symmetry = Symmetry::none;
};

void PrintTo(const ResumeCase& c, std::ostream* os) {
  *os << to_string(c.method) << "/" << to_string(c.units) << "/" << to_string(c.optimizer)
      << (c.centering ? "/centred" : "") << "/" << to_string(c.symmetry);
}

class TrainResume : public ::testing::TestWithParam<ResumeCase> {};

TEST_P(TrainResume, TwoPlusCheckpointPlusTwoEqualsFourBitwise) {
  const auto [method, units, optimizer, centering, symmetry] = GetParam();
  test::TrainTempDir dir;
  const MatrixF train = prototype_data(70, units, 21);
  const MatrixF validation = prototype_data(25, units, 22);
  TrainConfig c = resume_config(method);
  c.optimizer = optimizer;
  c.centering = centering;
  c.symmetry = symmetry;
  if (symmetry == Symmetry::z2) c.sparsity_target.reset();

  Rbm straight(8, 3, units, units);
  Trainer full(straight, c, train, &validation);
  std::vector<EpochStats> full_stats;
  while (!full.finished()) full_stats.push_back(full.run_epoch());

  Rbm first(8, 3, units, units);
  Trainer part(first, c, train, &validation);
  part.run_epoch();
  part.run_epoch();
  const std::string path = dir.file("ckpt.h5");
  const Checkpoint saved = part.checkpoint();
  save_checkpoint(path, saved);
  const Checkpoint loaded = load_checkpoint(path);
  expect_same_checkpoint(saved, loaded);
  if (method == Method::pcd) {
    EXPECT_EQ(loaded.persistent_chains.rows(), 15);  // one chain per row of a full batch
  } else {
    EXPECT_EQ(loaded.persistent_chains.size(), 0);
  }
  EXPECT_EQ(loaded.optimizer.hidden_activity.size(), symmetry == Symmetry::z2 ? 0 : 3);
  EXPECT_EQ(loaded.optimizer.visible_offset.size(), centering ? 8 : 0);
  EXPECT_EQ(loaded.optimizer.steps, optimizer == OptimizerKind::adam ? 10 : 0);  // 2 × 5 batches

  Rbm resumed(2, 2);  // overwritten by the checkpoint's model
  Trainer rest(resumed, loaded, train, &validation);
  EXPECT_EQ(rest.epochs_done(), 2);
  std::vector<EpochStats> rest_stats;
  while (!rest.finished()) rest_stats.push_back(rest.run_epoch());

  expect_same_checkpoint(full.checkpoint(), rest.checkpoint());
  EXPECT_EQ(straight.weights(), resumed.weights());
  // The monitors of the resumed epochs are those of the uninterrupted run too.
  ASSERT_EQ(rest_stats.size(), 2u);
  for (std::size_t e = 0; e < 2; ++e) {
    EXPECT_EQ(rest_stats[e].epoch, full_stats[e + 2].epoch);
    EXPECT_EQ(rest_stats[e].momentum, full_stats[e + 2].momentum);
    EXPECT_EQ(rest_stats[e].reconstruction_error.mean, full_stats[e + 2].reconstruction_error.mean);
    EXPECT_EQ(rest_stats[e].pseudo_log_likelihood.mean, full_stats[e + 2].pseudo_log_likelihood.mean);
    ASSERT_EQ(rest_stats[e].free_energy_gap.has_value(), full_stats[e + 2].free_energy_gap.has_value());
    if (rest_stats[e].free_energy_gap) {
      EXPECT_EQ(rest_stats[e].free_energy_gap->mean, full_stats[e + 2].free_energy_gap->mean);
      EXPECT_EQ(rest_stats[e].free_energy_gap->error, full_stats[e + 2].free_energy_gap->error);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Methods, TrainResume,
                         ::testing::Values(ResumeCase{Method::cd, UnitType::bernoulli},
                                           ResumeCase{Method::pcd, UnitType::bernoulli},
                                           ResumeCase{Method::pcd, UnitType::spin},
                                           ResumeCase{Method::pcd, UnitType::bernoulli,
                                                      OptimizerKind::adam, true},
                                           ResumeCase{Method::cd, UnitType::spin,
                                                      OptimizerKind::sgd, true},
                                           ResumeCase{Method::pcd, UnitType::spin,
                                                      OptimizerKind::adam, false, Symmetry::z2}),
                         [](const auto& param_info) {
                           const ResumeCase& c = param_info.param;
                           return to_string(c.method) + "_" + std::string(to_string(c.units)) +
                                  "_" + to_string(c.optimizer) + (c.centering ? "_centred" : "") +
                                  (c.symmetry == Symmetry::z2 ? "_z2" : "");
                         });

TEST(TrainCheckpoint, IsAlsoAModelFile) {
  test::TrainTempDir dir;
  const MatrixF train = prototype_data(30, UnitType::bernoulli, 23);
  Rbm rbm(8, 3);
  Trainer trainer(rbm, resume_config(Method::pcd), train);
  trainer.run_epoch();
  const std::string path = dir.file("ckpt.h5");
  save_checkpoint(path, trainer.checkpoint());
  std::map<std::string, std::string> attributes;
  const Rbm model = io::load_rbm(path, &attributes);
  EXPECT_EQ(model.weights(), rbm.weights());
  EXPECT_EQ(model.hidden_bias(), rbm.hidden_bias());
  EXPECT_EQ(attributes.at("seed"), "31337");
  // The configuration is stored as JSON text on /train.
  const io::h5::File file = io::h5::File::open(path);
  const auto config = nlohmann::json::parse(file.string_attribute("/train", "config"));
  EXPECT_EQ(config.at("method"), "pcd");
  EXPECT_EQ(file.int_attribute("/train", "epochs_done"), 1);
}

void expect_file_error(const std::string& path, const std::string& fragment) {
  try {
    load_checkpoint(path);
    ADD_FAILURE() << "loaded " << path;
  } catch (const FileError& e) {
    EXPECT_EQ(e.path(), path);
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

void write_fake_checkpoint(const std::string& path, const std::string& config_text,
                           Index weight_velocity_rows) {
  io::h5::File f = io::h5::File::create(path);
  const Rbm r(4, 2);
  f.write("/rbm/weights", r.weights());
  f.write("/rbm/visible_bias", r.visible_bias());
  f.write("/rbm/hidden_bias", r.hidden_bias());
  f.set_attribute("/rbm", "visible_type", std::string("bernoulli"));
  f.set_attribute("/rbm", "hidden_type", std::string("bernoulli"));
  f.set_attribute("/rbm", "format_version", std::int64_t{1});
  f.write("/train/rng", std::vector<std::uint64_t>{1, 0, 5, 2});
  f.write("/train/weight_velocity", MatrixF(MatrixF::Zero(weight_velocity_rows, 2)));
  f.write("/train/visible_velocity", VectorF(VectorF::Zero(4)));
  f.write("/train/hidden_velocity", VectorF(VectorF::Zero(2)));
  f.set_attribute("/train", "config", config_text);
  f.set_attribute("/train", "epochs_done", std::int64_t{1});
  f.set_attribute("/train", "checkpoint_format_version", std::int64_t{1});
  f.close();
}

TEST(TrainCheckpoint, MissingOrCorruptFilesAreFileErrors) {
  test::TrainTempDir dir;
  expect_file_error(dir.file("missing.h5"), "");
  const std::string garbage = dir.file("garbage.h5");
  std::ofstream(garbage) << "this is not an HDF5 file";
  expect_file_error(garbage, "");

  // A model file without /train is not a checkpoint.
  const std::string model = dir.file("model.h5");
  io::save_rbm(model, Rbm(4, 2));
  expect_file_error(model, "/train");

  // Hand-made checkpoints with one defect each.
  const std::string wrong_shape = dir.file("wrong_shape.h5");
  write_fake_checkpoint(wrong_shape, nlohmann::json(TrainConfig{}).dump(), 2);
  expect_file_error(wrong_shape, "weight_velocity");
  const std::string bad_json = dir.file("bad_json.h5");
  write_fake_checkpoint(bad_json, "{\"method\": ", 4);
  expect_file_error(bad_json, "config");
  const std::string bad_config = dir.file("bad_config.h5");
  write_fake_checkpoint(bad_config, R"({"learning_rate": -1})", 4);
  expect_file_error(bad_config, "learning rate");
}

TEST(TrainCheckpoint, RefusesToSaveInvalidState) {
  test::TrainTempDir dir;
  const MatrixF train = prototype_data(30, UnitType::bernoulli, 24);
  Rbm rbm(8, 3);
  Trainer trainer(rbm, resume_config(Method::cd), train);
  Checkpoint c = trainer.checkpoint();
  c.config.learning_rate = -1.0f;
  const std::string path = dir.file("refused.h5");
  EXPECT_THROW(save_checkpoint(path, c), FileError);
  EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace rgflow::train
