#pragma once
// Shared by the tests of data-parallel training (tests/unit/test_train_shards*.cpp; header only):
// bit-for-bit comparison of matrices and checkpoints, the random binary rows they train on, one
// training run on a communicator (or none), the traffic of one epoch per rank, and a rank failing
// mid-epoch.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "rgflow/comm/communicator.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/core/rng.hpp"
#include "rgflow/rbm/rbm.hpp"
#include "rgflow/train/gradient.hpp"
#include "rgflow/train/trainer.hpp"
#include "support/local_ranks.hpp"

namespace rgflow::test {

template <class A>
bool same_bits(const A& a, const A& b) {
  // (memcmp of empty matrices would pass it their null data pointers)
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         (a.size() == 0 ||
          std::memcmp(a.data(), b.data(), sizeof(float) * static_cast<std::size_t>(a.size())) == 0);
}

// rows × cols states, unit c on with probability 0.7 when c % 3 == 0, else 0.25 (off: 0, or −1).
inline MatrixF binary_rows(Index rows, Index cols, std::uint64_t seed, bool spin = false) {
  Rng rng(seed, 1);
  MatrixF m(rows, cols);
  for (Index r = 0; r < rows; ++r) {
    for (Index c = 0; c < cols; ++c) {
      const bool on = rng.uniform_double() < (c % 3 == 0 ? 0.7 : 0.25);
      m(r, c) = on ? 1.0f : (spin ? -1.0f : 0.0f);
    }
  }
  return m;
}

// A tempering ladder and its swap counters, exactly.
inline void expect_same_tempering(const sample::TemperingState& a, const sample::TemperingState& b) {
  EXPECT_EQ(a.betas, b.betas);  // exact doubles
  EXPECT_EQ(a.attempts, b.attempts);
  EXPECT_EQ(a.accepts, b.accepts);
  EXPECT_EQ(a.adaptations, b.adaptations);
}

// Everything a run carries forward (Checkpoint), compared bit for bit (PT: the tempering ladder
// and swap counters too, when either has them).
inline void expect_same_state(const train::Checkpoint& a, const train::Checkpoint& b,
                              const std::string& what) {
  SCOPED_TRACE(what);
  EXPECT_TRUE(same_bits(a.rbm.weights(), b.rbm.weights()));
  EXPECT_TRUE(same_bits(a.rbm.visible_bias(), b.rbm.visible_bias()));
  EXPECT_TRUE(same_bits(a.rbm.hidden_bias(), b.rbm.hidden_bias()));
  EXPECT_TRUE(same_bits(a.optimizer.weight_velocity, b.optimizer.weight_velocity));
  EXPECT_TRUE(same_bits(a.optimizer.visible_velocity, b.optimizer.visible_velocity));
  EXPECT_TRUE(same_bits(a.optimizer.hidden_velocity, b.optimizer.hidden_velocity));
  EXPECT_TRUE(same_bits(a.optimizer.weight_second_moment, b.optimizer.weight_second_moment));
  EXPECT_TRUE(same_bits(a.optimizer.visible_offset, b.optimizer.visible_offset));
  EXPECT_TRUE(same_bits(a.optimizer.hidden_offset, b.optimizer.hidden_offset));
  EXPECT_EQ(a.optimizer.steps, b.optimizer.steps);
  EXPECT_TRUE(same_bits(a.persistent_chains, b.persistent_chains));
  EXPECT_TRUE(same_bits(a.persistent_hidden, b.persistent_hidden));
  EXPECT_EQ(a.tempering.has_value(), b.tempering.has_value());
  if (a.tempering && b.tempering) expect_same_tempering(*a.tempering, *b.tempering);
  EXPECT_EQ(a.rng.counter, b.rng.counter);
  EXPECT_EQ(a.epochs_done, b.epochs_done);
}

// Two estimates of one gradient that differ only by the order of float additions: each member
// within `bound` of the other, and a real gradient (not zeros).
inline void expect_same_gradient_within(const train::Gradient& a, const train::Gradient& b,
                                        double bound) {
  EXPECT_LE((a.dW - b.dW).cwiseAbs().maxCoeff(), bound);
  EXPECT_LE((a.da - b.da).cwiseAbs().maxCoeff(), bound);
  EXPECT_LE((a.db - b.db).cwiseAbs().maxCoeff(), bound);
  EXPECT_LE((a.batch_visible_mean - b.batch_visible_mean).cwiseAbs().maxCoeff(), bound);
  EXPECT_LE((a.batch_hidden_mean - b.batch_hidden_mean).cwiseAbs().maxCoeff(), bound);
  EXPECT_GT(a.dW.cwiseAbs().maxCoeff(), 1e-3);
}

// A training configuration of the tests and the unit type of its model.
struct ShardCase {
  const char* name;
  train::TrainConfig config;
  UnitType type = UnitType::bernoulli;
};

// `epochs` epochs of a data.cols() × 24 RBM (from `from` when given) on `comm` (null: one process).
inline train::Checkpoint train_on(const ShardCase& c, const MatrixF& data, const Communicator* comm,
                                  int epochs, const train::Checkpoint* from = nullptr) {
  Rbm rbm(data.cols(), 24, c.type, c.type);
  std::unique_ptr<train::Trainer> t =
      from != nullptr ? std::make_unique<train::Trainer>(rbm, *from, data)
                      : std::make_unique<train::Trainer>(rbm, c.config, data);
  t->set_communicator(comm);
  for (int e = 0; e < epochs; ++e) t->run_epoch();
  return t->checkpoint();
}

// The same on each of `size` in-process ranks: every rank's checkpoint.
inline std::vector<train::Checkpoint> train_on_ranks(int size, const ShardCase& c,
                                                     const MatrixF& data, int epochs,
                                                     const train::Checkpoint* from = nullptr) {
  std::vector<train::Checkpoint> got(static_cast<std::size_t>(size));
  run_guarded(size, [&](const Communicator& comm) {
    got[static_cast<std::size_t>(comm.rank())] = train_on(c, data, &comm, epochs, from);
  });
  return got;
}

// Every rank of 1, 2, 3 and 5 ranks (5: more ranks than 4 shards, one forms none) ends `epochs`
// epochs of `c` in `serial`'s state, bit for bit.
inline void expect_every_rank_count_trains(const ShardCase& c, const MatrixF& data,
                                           const train::Checkpoint& serial, int epochs) {
  for (const int size : {1, 2, 3, 5}) {
    const std::vector<train::Checkpoint> got = train_on_ranks(size, c, data, epochs);
    for (int r = 0; r < size; ++r) {
      expect_same_state(got[static_cast<std::size_t>(r)], serial,
                        std::string(c.name) + ", rank " + std::to_string(r) + " of " +
                            std::to_string(size));
    }
  }
}

// The collectives and bytes of one epoch of `c` on each of `size` ranks.
inline std::vector<CommTraffic> epoch_traffic(const ShardCase& c, const MatrixF& data, int size) {
  std::vector<CommTraffic> traffic(static_cast<std::size_t>(size));
  run_guarded(size, [&](const Communicator& comm) {
    Rbm rbm(data.cols(), 24, c.type, c.type);
    train::Trainer t(rbm, c.config, data);
    t.set_communicator(&comm);
    const CommTraffic before = comm.traffic();
    t.run_epoch();
    traffic[static_cast<std::size_t>(comm.rank())] = {
        comm.traffic().collectives - before.collectives,
        comm.traffic().bytes_sent - before.bytes_sent,
        comm.traffic().bytes_received - before.bytes_received};
  });
  return traffic;
}

// The bytes of one tree node of an nv × nh model as it travels: dW, da, db and the two batch
// means, each run padded to 16 floats (64-byte aligned members, src/train/shard_tree.hpp).
inline std::int64_t tree_node_bytes(std::int64_t nv, std::int64_t nh) {
  const auto pad = [](std::int64_t n) { return (n + 15) / 16 * 16; };
  return (pad(nv * nh) + 2 * pad(nv) + 2 * pad(nh)) * static_cast<std::int64_t>(sizeof(float));
}
// The bytes sent after a rank's nodes (chains, counts), padded to 64 as they travel.
inline std::int64_t padded_extra_bytes(std::int64_t bytes) { return (bytes + 63) / 64 * 64; }

// One epoch of `c` on 2 ranks: one collective per update, and each rank sends and receives exactly
// `payload` bytes per update.
inline void expect_epoch_traffic(const ShardCase& c, const MatrixF& data, std::int64_t payload) {
  const std::int64_t updates = (data.rows() + c.config.batch_size - 1) / c.config.batch_size;
  for (const CommTraffic& t : epoch_traffic(c, data, 2)) {
    EXPECT_EQ(t.collectives, updates);
    EXPECT_EQ(t.bytes_sent, updates * payload);
    EXPECT_EQ(t.bytes_received, updates * payload);
  }
}

// Rank 1 of 2 and of 3 throws after its second update: every rank must end with status 2 (no
// deadlock, no rank finishing the epoch).
inline void expect_a_failing_rank_stops_every_rank(const ShardCase& c, const MatrixF& data) {
  for (const int size : {2, 3}) {
    std::vector<int> outcome(static_cast<std::size_t>(size), 0);
    run_guarded(size, [&](const Communicator& comm) {
      Rbm rbm(data.cols(), 24, c.type, c.type);
      train::Trainer t(rbm, c.config, data);
      t.set_communicator(&comm);
      const JobOutcome out = end_of_job(comm, [&] {
        t.run_epoch([&](Index done, Index) {
          if (comm.rank() == 1 && done == 2) throw Error("rank 1: a bad row");
        });
        ADD_FAILURE() << "rank " << comm.rank() << " finished the epoch";
      });
      outcome[static_cast<std::size_t>(comm.rank())] = out.status;
    });
    EXPECT_EQ(outcome, std::vector<int>(static_cast<std::size_t>(size), 2)) << size << " ranks";
  }
}

}  // namespace rgflow::test
