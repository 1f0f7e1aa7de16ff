// Data-parallel training of convolutional RBMs (ConvTrainOptions::communicator; conv/train.hpp,
// issue #19, docs/scaling.md): on 1, 2, 3 and 5 ranks (threads of a LocalGroup, as MPI processes
// would be) every rank ends with the single-process model, optimiser state, PCD chains, data order,
// stream positions and epoch reports bit for bit — CD and PCD, SGD and Adam, centred and Z2,
// and parallel tempering (chains, swap acceptance), with batches and chain sets that are not
// multiples of the 16-row blocks and more ranks than blocks; a state taken on 2 ranks resumes on 3
// to the serial run; a failing rank or a stop on one rank ends every rank (no deadlock).
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "rgflow/comm/local.hpp"
#include "rgflow/conv/conv_rbm.hpp"
#include "rgflow/conv/train.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/core/rng.hpp"
#include "support/local_ranks.hpp"

namespace rgflow::conv {
namespace {

template <class A>
bool same_bits(const A& a, const A& b) {
  using T = typename A::Scalar;
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         (a.size() == 0 || std::memcmp(a.data(), b.data(), sizeof(T) * static_cast<std::size_t>(a.size())) == 0);
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

bool same_statistics(const ConvStatistics& a, const ConvStatistics& b) {
  return same_bits(a.kernels, b.kernels) && same_bits(a.hidden, b.hidden) && same_bits(a.visible, b.visible);
}

MatrixF random_states(Index rows, Index cols, std::uint64_t seed, bool spin) {
  Rng rng(seed, 1);
  MatrixF m(rows, cols);
  for (Index r = 0; r < rows; ++r) {
    for (Index c = 0; c < cols; ++c) {
      const bool on = rng.uniform_double() < (c % 3 == 0 ? 0.7 : 0.35);
      m(r, c) = on ? 1.0f : (spin ? -1.0f : 0.0f);
    }
  }
  return m;
}

// What one rank ends with.
struct Trained {
  ConvRbm model;
  ConvTrainState state;
  std::vector<double> recon;  // each epoch's reconstruction error
  std::vector<std::vector<double>> swaps;  // PT: each epoch's swap acceptance of each pair
};

void expect_same(const Trained& a, const Trained& b, const std::string& what) {
  SCOPED_TRACE(what);
  EXPECT_TRUE(same_bits(a.model.kernels(), b.model.kernels()));
  EXPECT_TRUE(same_bits(a.model.hidden_bias(), b.model.hidden_bias()));
  EXPECT_TRUE(same_bits(static_cast<double>(a.model.visible_bias()), static_cast<double>(b.model.visible_bias())));
  const ConvOptimizerState &oa = a.state.optimizer, &ob = b.state.optimizer;
  EXPECT_TRUE(same_statistics(oa.first, ob.first));
  EXPECT_TRUE(same_statistics(oa.second, ob.second));
  EXPECT_EQ(oa.steps, ob.steps);
  EXPECT_EQ(oa.offsets.set, ob.offsets.set);
  EXPECT_TRUE(same_bits(oa.offsets.visible, ob.offsets.visible));
  EXPECT_TRUE(same_bits(oa.offsets.hidden, ob.offsets.hidden));
  EXPECT_TRUE(same_bits(a.state.chains, b.state.chains));
  EXPECT_EQ(a.state.order, b.state.order);
  EXPECT_EQ(a.state.shuffle, b.state.shuffle);
  EXPECT_EQ(a.state.gibbs, b.state.gibbs);
  EXPECT_EQ(a.state.epochs_done, b.state.epochs_done);
  ASSERT_EQ(a.recon.size(), b.recon.size());
  for (std::size_t e = 0; e < a.recon.size(); ++e) EXPECT_TRUE(same_bits(a.recon[e], b.recon[e])) << "epoch " << e + 1;
  EXPECT_EQ(a.swaps, b.swaps);  // ratios of integer counts: equal counts give equal bits
}

struct Case {
  const char* name;
  ConvShape shape;
  UnitType type;
  ConvTrainOptions options;
};

std::vector<Case> cases() {
  ConvTrainOptions base;
  base.epochs = 3;
  base.batch_size = 40;  // 90 rows: batches of 40, 40, 10 rows = 3, 3, 1 blocks
  base.chains = 37;      // 3 blocks, the last of 5 rows
  base.seed = 6;
  base.learning_rate = 0.05;
  std::vector<Case> out;
  {
    Case c{"cd-2 sgd spin", ConvShape{6, 3, 1, 2}, UnitType::spin, base};
    c.options.method = ConvMethod::cd;
    c.options.k = 2;
    c.options.weight_decay = 1e-3;
    out.push_back(c);
  }
  {
    Case c{"pcd adam centred bernoulli, cosine", ConvShape{6, 3, 1, 2}, UnitType::bernoulli, base};
    c.options.method = ConvMethod::pcd;
    c.options.optimizer = train::OptimizerKind::adam;
    c.options.learning_rate = 0.01;
    c.options.final_learning_rate = 0.002;
    c.options.schedule = train::Schedule::cosine;
    c.options.centering = true;
    out.push_back(c);
  }
  {
    Case c{"pcd-3 sgd z2, stride 2", ConvShape{6, 2, 2, 3}, UnitType::spin, base};
    c.options.method = ConvMethod::pcd;
    c.options.k = 3;
    c.options.z2 = true;
    out.push_back(c);
  }
  {
    Case c{"pt-2, 4 replicas, 21 chains", ConvShape{6, 3, 1, 2}, UnitType::spin, base};
    c.options.method = ConvMethod::pt;
    c.options.k = 2;
    c.options.replicas = 4;
    c.options.pt_beta_min = 0.3;
    c.options.chains = 21;  // 2 blocks: two ranks hold chains, the others every replica of none
    out.push_back(c);
  }
  return out;
}

Trained train_on(const Case& c, const MatrixF& data, const Communicator* comm, int epochs, const Trained* from = nullptr) {
  Trained run;
  run.model = from != nullptr ? from->model : ConvRbm(c.shape, c.type, c.type);
  if (from != nullptr) {
    run.state = from->state;
    run.recon = from->recon;
    run.swaps = from->swaps;
  }
  ConvTrainOptions o = c.options;
  o.epochs = epochs;
  o.communicator = comm;
  train(run.model, data, o, run.state,
        [&](const ConvEpochReport& r, const ConvRbm&, const ConvTrainState&) {
          run.recon.push_back(r.reconstruction_error);
          run.swaps.push_back(r.swap_acceptance);
        });
  return run;
}

TEST(ConvRanks, EveryRankCountTrainsTheSingleProcessModel) {
  for (const Case& c : cases()) {
    const MatrixF data = random_states(90, c.shape.n_visible(), 3, c.type == UnitType::spin);
    const Trained serial = train_on(c, data, nullptr, c.options.epochs);
    EXPECT_GT(serial.model.kernels().cwiseAbs().maxCoeff(), 1e-3f) << c.name;  // it did train
    if (c.options.method == ConvMethod::pt) {  // swaps were proposed and some accepted
      ASSERT_EQ(serial.swaps.back().size(), 3u);
      EXPECT_GT(serial.swaps.back()[0], 0.0);
    }
    for (const int size : {1, 2, 3, 5}) {  // 5 ranks: the last batch's one block leaves four idle
      std::vector<Trained> got(static_cast<std::size_t>(size));
      test::run_guarded(size, [&](const Communicator& comm) {
        got[static_cast<std::size_t>(comm.rank())] = train_on(c, data, &comm, c.options.epochs);
      });
      for (int r = 0; r < size; ++r) {
        expect_same(got[static_cast<std::size_t>(r)], serial,
                    std::string(c.name) + ", rank " + std::to_string(r) + " of " + std::to_string(size));
      }
    }
  }
}

TEST(ConvRanks, AStateFromTwoRanksResumesOnThree) {
  const Case c = cases()[1];
  const MatrixF data = random_states(90, c.shape.n_visible(), 3, false);
  Case constant = c;  // a schedule runs over the epoch total, which the resume raises
  constant.options.final_learning_rate = -1.0;
  const Trained serial = train_on(constant, data, nullptr, 4);
  std::vector<Trained> first(2);
  test::run_guarded(2, [&](const Communicator& comm) {
    first[static_cast<std::size_t>(comm.rank())] = train_on(constant, data, &comm, 2);
  });
  std::vector<Trained> resumed(3);
  test::run_guarded(3, [&](const Communicator& comm) {
    resumed[static_cast<std::size_t>(comm.rank())] = train_on(constant, data, &comm, 4, &first[1]);
  });
  for (const Trained& r : resumed) expect_same(r, serial, "2 ranks, then 3");
}

TEST(ConvRanks, AFailingOrStoppedRankEndsEveryRank) {
  const Case c = cases()[1];
  const MatrixF data = random_states(90, c.shape.n_visible(), 3, false);
  for (const int size : {2, 3}) {
    // Rank 1 fails after its first epoch (a checkpoint it could not write): every rank exits 2.
    std::vector<int> failed(static_cast<std::size_t>(size), -1);
    test::run_guarded(size, [&](const Communicator& comm) {
      ConvRbm model(c.shape, c.type, c.type);
      ConvTrainState state;
      ConvTrainOptions o = c.options;
      o.epochs = 1000;
      o.communicator = &comm;
      failed[static_cast<std::size_t>(comm.rank())] = test::end_of_job(comm, [&] {
        train(model, data, o, state, [&](const ConvEpochReport& r, const ConvRbm&, const ConvTrainState&) {
          if (comm.rank() == 1 && r.epoch == 1) throw Error("rank 1: cannot write the checkpoint");
        });
      }).status;
    });
    EXPECT_EQ(failed, std::vector<int>(static_cast<std::size_t>(size), 2)) << size << " ranks";

    // Rank 0's stop poll fires (Ctrl-C): every rank ends interrupted.
    std::vector<int> stopped(static_cast<std::size_t>(size), -1);
    test::run_guarded(size, [&](const Communicator& comm) {
      ConvRbm model(c.shape, c.type, c.type);
      ConvTrainOptions o = c.options;
      o.epochs = 100000;
      o.communicator = &comm;
      int polls = 0;
      const StopPoll stop = [&] { return comm.rank() == 0 && ++polls > 3; };
      stopped[static_cast<std::size_t>(comm.rank())] = test::end_of_job(comm, [&] {
        train(model, data, o, {}, stop);
      }).status;
    });
    EXPECT_EQ(stopped, std::vector<int>(static_cast<std::size_t>(size), 130)) << size << " ranks";
  }
}

}  // namespace
}  // namespace rgflow::conv
