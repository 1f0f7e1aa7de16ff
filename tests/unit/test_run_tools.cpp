// The service layer of the rg tools, Hopfield memories and convolutional RBMs (run/rg.hpp,
// run/hopfield.hpp, run/conv.hpp): each run is the library computation it stands for, with the
// same numbers, and bad requests name the quantity, never a CLI flag.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "rgflow/conv/conv_rbm.hpp"
#include "rgflow/conv/log_partition.hpp"
#include "rgflow/core/error.hpp"
#include "rgflow/hopfield/capacity.hpp"
#include "rgflow/hopfield/dynamics.hpp"
#include "rgflow/rg/flow_map.hpp"
#include "rgflow/run/conv.hpp"
#include "rgflow/run/hopfield.hpp"
#include "rgflow/run/rg.hpp"
#include "unit/test_error_support.hpp"
#include "unit/test_estimate_dbn_support.hpp"

namespace {

using namespace rgflow;

using test::error_of;

void expect_no_flag(const std::string& message) {
  EXPECT_FALSE(message.empty());
  EXPECT_EQ(message.find("--"), std::string::npos) << message;
}

MatrixF random_spins(Index n, Index d, std::uint64_t seed) {
  Rng rng(seed, 5);
  MatrixF x(n, d);
  for (Index i = 0; i < x.size(); ++i) x.data()[i] = rng.uniform() < 0.5 ? 1.0f : -1.0f;
  return x;
}

// The same numbers, bit for bit (NaN where the library gives NaN: T_PL of data with no order).
void expect_same(const stats::Result& a, const stats::Result& b) {
  const auto same = [](double x, double y) { return x == y || (std::isnan(x) && std::isnan(y)); };
  EXPECT_TRUE(same(a.mean, b.mean)) << a.mean << " vs " << b.mean;
  EXPECT_TRUE(same(a.error, b.error)) << a.error << " vs " << b.error;
}

TEST(RunRg, FlowIsTheLibrarysFlowOfTheDataInTheMapsUnits) {
  // A Bernoulli RBM on a 4x4 lattice: ±1 data go in as 0/1 and the flow is measured as spins.
  const Dbn dbn = test::random_dbn({16, 5}, {UnitType::bernoulli, UnitType::bernoulli}, 3);
  const MatrixF spins = random_spins(40, 16, 1);
  run::FlowRequest request;
  request.flow = {3, 7};
  request.keep = 2;
  const run::LoadedFlowMap map = run::LoadedFlowMap::rbm(dbn, Propagate::sample);
  const run::FlowRun r = run::flow(map, run::lattice_rows(spins, 4, 2.5), request);
  const rg::RbmFlowMap direct(dbn.layer(0), Propagate::sample);
  const std::vector<rg::FlowStep> expected = rg::iterate_flow(direct, spins, 4, {3, 7});
  ASSERT_EQ(r.steps.size(), expected.size());
  for (std::size_t t = 0; t < expected.size(); ++t) {
    expect_same(r.steps[t].observables.energy, expected[t].observables.energy);
    expect_same(r.steps[t].observables.abs_magnetization, expected[t].observables.abs_magnetization);
    expect_same(r.steps[t].observables.temperature_pseudo_likelihood,
                expected[t].observables.temperature_pseudo_likelihood);
  }
  EXPECT_EQ(r.rows, 40);
  EXPECT_EQ(r.data_temperature, 2.5);
  ASSERT_EQ(r.kept.rows(), 4 * 2);
  EXPECT_EQ(MatrixF(r.kept.topRows(2)), MatrixF(spins.topRows(2)));  // step 0: the data
  request.rows = 10;
  EXPECT_EQ(run::flow(map, run::lattice_rows(spins, 4), request).rows, 10);
}

TEST(RunRg, ReceptiveFieldsAreTheLibrarysLocality) {
  const Dbn dbn = test::random_dbn({16, 6, 3}, {UnitType::spin, UnitType::bernoulli, UnitType::spin}, 4);
  rg::LocalityOptions options;
  options.permutations = 20;
  options.seed = 2;
  const run::ReceptiveFieldsRun r = run::receptive_fields(dbn, 4, options);
  const auto expected = rg::receptive_field_locality(dbn, rg::Lattice::square(4), options);
  ASSERT_EQ(r.levels.size(), 2u);
  for (std::size_t k = 0; k < 2; ++k) {
    expect_same(r.levels[k].score, expected[k].score);
    expect_same(r.levels[k].null_score, expected[k].null_score);
  }
  const MatrixF tiles = run::receptive_field_tiles(r);
  EXPECT_EQ(tiles.rows(), 6 + 3);
  EXPECT_EQ(tiles.cols(), 16);
  EXPECT_EQ(tiles(7, 5), static_cast<float>(expected[1].fields(5, 1)));
}

TEST(RunRg, BadRequestsNameTheQuantityNotAFlag) {
  const Dbn dbn = test::random_dbn({16, 4}, {UnitType::spin, UnitType::bernoulli}, 5);
  expect_no_flag(error_of([&] { run::lattice_rows(random_spins(3, 15, 1), 4); }));
  expect_no_flag(error_of([&] { run::lattice_rows(random_spins(3, 16, 1), 0); }));
  expect_no_flag(error_of([&] { run::receptive_fields(dbn, 5, {}); }));
  expect_no_flag(error_of([&] { run::LoadedFlowMap::load(run::FlowMapKind::nmf, "x.h5", Propagate::sample); }));
  expect_no_flag(error_of([&] { run::LoadedFlowMap::load(run::FlowMapKind::hopfield, "x.h5", Propagate::mean, -1.0); }));
  expect_no_flag(error_of([&] { run::parse_flow_map("pca"); }));
  run::FreeEnergyFlowRequest request;
  request.temperature = -1.0;
  expect_no_flag(error_of([&] { run::free_energy_flow(dbn, run::lattice_rows(random_spins(5, 16, 2), 4), request); }));
  // Neither spins nor 0/1: a FileError naming the data.
  run::LatticeData half = run::lattice_rows(MatrixF::Constant(2, 16, 0.5f), 4, std::nullopt, "half.h5");
  try {
    run::to_spins(half);
    ADD_FAILURE() << "no FileError";
  } catch (const FileError& e) {
    EXPECT_NE(std::string(e.what()).find("half.h5"), std::string::npos) << e.what();
  }
}

TEST(RunHopfield, RecallIsTheDynamicsWithStatisticsOverProbes) {
  const hopfield::Network net(random_spins(4, 80, 9));
  run::RecallRequest request;
  request.probes = random_spins(7, 80, 10);
  request.dynamics = hopfield::make_dynamics("async", 0.0, 50, false, 1);
  request.seed = 3;
  const run::RecallRun r = run::recall(net, request);
  const hopfield::RecallResult direct = hopfield::recall(net, request.probes, request.dynamics, 3);
  EXPECT_EQ(r.states, direct.states);
  // Given probes: |overlap| with the pattern each probe ends closest to, mean over probes.
  const MatrixD m = net.overlaps(direct.states);
  double sum = 0.0;
  for (Index k = 0; k < 7; ++k) sum += m.row(k).cwiseAbs().maxCoeff();
  EXPECT_NEAR(r.overlap.mean, sum / 7, 1e-15);
  EXPECT_FALSE(r.from_patterns);
  // No flips: every probe starts on its own pattern (overlap 1) and stays there at low load.
  run::RecallRequest clean;
  clean.flip = 0.0;
  clean.dynamics = request.dynamics;
  const run::RecallRun c = run::recall(net, clean);
  EXPECT_EQ(c.initial_overlap.mean, 1.0);
  EXPECT_EQ(c.rows, 4);
  clean.flip = 1.5;
  expect_no_flag(error_of([&] { run::recall(net, clean); }));
}

TEST(RunHopfield, CriticalLoadsAreTheLibrarysCrossingsAndExtrapolations) {
  run::CapacityRequest request;
  request.sizes = {60, 120};
  request.options.loads = {0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35};
  request.options.trials = 3;
  request.options.seed = 2;
  request.threshold = 0.9;
  std::vector<Index> done;
  run::CapacityProgress progress;
  progress.curve_done = [&](std::size_t, const run::CapacityCurve& c) { done.push_back(c.neurons); };
  const run::CapacityRun r = run::capacity(request, progress);
  EXPECT_EQ(done, (std::vector<Index>{60, 120}));
  ASSERT_EQ(r.curves.size(), 2u);
  hopfield::CapacityOptions o = request.options;
  o.neurons = 120;
  const auto curve = hopfield::capacity_curve(o);
  expect_same(r.curves[1].critical_load, hopfield::crossing_load(curve, hopfield::Criterion::retrieved, 0.5));
  expect_same(r.curves[1].overlap_crossing, hopfield::crossing_load(curve, hopfield::Criterion::overlap, 0.9));
  ASSERT_EQ(r.extrapolations.size(), 4u);
  const auto fit = hopfield::extrapolate({60, 120}, {r.curves[0].critical_load, r.curves[1].critical_load}, 1.0);
  expect_same(r.extrapolations[1].second.intercept, fit.intercept);
  request.threshold = 2.0;
  expect_no_flag(error_of([&] { run::capacity(request); }));
  request.threshold = 0.9;
  request.sizes = {1};
  expect_no_flag(error_of([&] { run::capacity(request); }));
}

TEST(RunConv, AutomaticIsExactForSmallLayersAndBadRequestsNameNoFlag) {
  const conv::ConvRbm bonds = conv::ising_bond_model(3, 0.3);  // 9 spins, 18 hidden: exact
  run::ConvLogZRequest request;
  const run::ConvLogZRun z = run::conv_log_z(bonds, request);
  EXPECT_EQ(z.method, run::ConvLogZMethod::exact);
  EXPECT_EQ(z.log_z.mean, conv::exact_log_partition(bonds));
  EXPECT_EQ(z.log_z.error, 0.0);
  request.method = run::ConvLogZMethod::reverse_ais;
  expect_no_flag(error_of([&] { run::conv_log_z(bonds, request); }));
  request.method = run::ConvLogZMethod::ais;
  request.chains = 1;
  expect_no_flag(error_of([&] { run::conv_log_z(bonds, request); }));
  request.chains = 4;
  request.betas = 1;
  expect_no_flag(error_of([&] { run::conv_log_z(bonds, request); }));
  expect_no_flag(error_of([&] { run::parse_conv_log_z_method("tap"); }));
}

}  // namespace
