// The service layer for DBNs, couplings and the Ising engine (run/dbn.hpp, run/couplings.hpp,
// run/ising.hpp): each run equals the library calls it stands for, made by hand here (seeds per
// layer and per scan point, subsets, statistics), writes what it says, checks its requests before
// any work, and never names a command-line flag in an error.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "rgflow/core/error.hpp"
#include "rgflow/io/dataset.hpp"
#include "rgflow/io/dbn_file.hpp"
#include "rgflow/ising/exact.hpp"
#include "rgflow/ising/lattice.hpp"
#include "rgflow/run/couplings.hpp"
#include "rgflow/run/dbn.hpp"
#include "rgflow/run/ising.hpp"
#include "unit/test_error_support.hpp"
#include "unit/test_estimate_dbn_support.hpp"
#include "unit/test_io_support.hpp"

namespace {

using namespace rgflow;

using test::error_of;

MatrixF binary_rows(Index n, Index d, std::uint64_t seed) {
  Rng rng(seed, 3);
  MatrixF x(n, d);
  for (Index i = 0; i < x.size(); ++i) x.data()[i] = rng.uniform() < 0.4 ? 1.0f : 0.0f;
  return x;
}

void expect_same_bits(const Rbm& a, const Rbm& b) {
  ASSERT_EQ(a.weights().size(), b.weights().size());
  EXPECT_EQ(0, std::memcmp(a.weights().data(), b.weights().data(), sizeof(float) * static_cast<std::size_t>(a.weights().size())));
  EXPECT_TRUE(a.visible_bias() == b.visible_bias());
  EXPECT_TRUE(a.hidden_bias() == b.hidden_bias());
}

run::DbnTrainRequest dbn_request() {
  run::DbnTrainRequest r;
  r.data = binary_rows(60, 8, 1);
  r.data_source = "rows";
  r.propagate = Propagate::sample;
  r.seed = 40;
  for (const Index n : {5, 3}) {
    train::DbnLayerSpec spec;
    spec.n_hidden = n;
    spec.config.epochs = 2;
    spec.config.batch_size = 10;
    r.layers.push_back(spec);
  }
  return r;
}

TEST(RunDbn, TrainsLayerKWithSeedPlusKAsTheTrainerDoesByHand) {
  const run::DbnTrainRequest request = dbn_request();
  const run::DbnTrainRun result = run::train_dbn(request);
  train::DbnTrainOptions by_hand;
  by_hand.propagate = Propagate::sample;
  by_hand.layers = request.layers;
  by_hand.layers[0].config.seed = 40;
  by_hand.layers[1].config.seed = 41;
  const Dbn expected = train::train_dbn(request.data, UnitType::bernoulli, by_hand);
  ASSERT_EQ(result.dbn.n_layers(), 2);
  for (Index k = 0; k < 2; ++k) expect_same_bits(result.dbn.layer(k), expected.layer(k));
  EXPECT_EQ(result.epochs.size(), 4u);
  EXPECT_EQ(result.attributes.at("layers"), "8,5,3");
  EXPECT_EQ(result.attributes.at("seed"), "40");
  EXPECT_EQ(result.attributes.at("propagate"), "sample");
  ASSERT_EQ(result.layer_attributes.size(), 2u);
  EXPECT_EQ(result.layer_attributes[1].at("seed"), "41");
  EXPECT_EQ(nlohmann::json::parse(result.layer_attributes[1].at("train_config")).at("seed"), "41");
  const nlohmann::json j = result;
  EXPECT_EQ(j.at("layers"), (std::vector<Index>{8, 5, 3}));
  EXPECT_EQ(j.at("epochs").size(), 4u);
  EXPECT_EQ(j.at("epochs")[3].at("layer"), 1);

  // Extending the first layer with the second gives the same network.
  run::DbnTrainRequest extend = request;
  extend.start = Dbn({result.dbn.layer(0)});
  extend.layers.erase(extend.layers.begin());
  const run::DbnTrainRun extended = run::train_dbn(extend);
  expect_same_bits(extended.dbn.layer(1), expected.layer(1));
}

TEST(RunDbn, EveryLayerPassesTheQualityGateOnSampledStatesOfTheLayersBelow) {
  run::DbnTrainRequest request = dbn_request();
  request.propagate = Propagate::mean;  // trained on probabilities, scored on sampled states
  request.validation = binary_rows(30, 8, 2);
  const run::DbnTrainRun r = run::train_dbn(request);
  ASSERT_EQ(r.layer_fits.size(), 2u);
  ASSERT_TRUE(r.bottom_fit && r.layer_fits[0] && r.layer_fits[1]);
  EXPECT_EQ(r.layer_fits[0]->log_likelihood.mean, r.bottom_fit->log_likelihood.mean);
  // Layer 1 by hand: level-1 states drawn from the trained layer 0, log p(h) of the 5-3 RBM by
  // enumerating its 2^5 visible states, mean over the held-out rows, per unit.
  const Rbm& top = r.dbn.layer(1);
  Rng heldout_rng(r.configs[1].seed, run::kGateStream + 1);
  const MatrixF states = r.dbn.up(request.validation, 1, Propagate::sample, heldout_rng);
  ASSERT_TRUE((states.array() == 0.0f || states.array() == 1.0f).all());
  const VectorD all = top.free_energy_visible(test::all_states(5, UnitType::bernoulli));
  const double log_z = std::log((-all.array() + all.minCoeff()).exp().sum()) - all.minCoeff();
  const VectorD f = top.free_energy_visible(states);
  const double expected = (-f.array() - log_z).mean() / 5.0;
  const run::FitReport& fit = *r.layer_fits[1];
  EXPECT_EQ(fit.rows, "validation");
  EXPECT_EQ(fit.n_rows, 30);
  EXPECT_EQ(fit.log_z.method, estimate::LogZMethod::exact);
  EXPECT_NEAR(fit.log_likelihood.mean, expected, 1e-9);
  const nlohmann::json j = r;
  ASSERT_EQ(j.at("layer_fits").size(), 2u);
  EXPECT_EQ(j.at("layer_fits")[1].at("n_rows"), 30);
}

TEST(RunDbn, ChecksEveryLayerBeforeTrainingAndStopsWhenAsked) {
  run::DbnTrainRequest request = dbn_request();
  request.layers[1].config.learning_rate = -1.0f;
  int epochs = 0;
  run::DbnTrainCallbacks counting;
  counting.on_epoch = [&](const train::DbnProgress&) { ++epochs; };
  const std::string message = error_of([&] { run::train_dbn(request, counting); });
  EXPECT_NE(message.find("layer 1"), std::string::npos) << message;
  EXPECT_EQ(message.find("--"), std::string::npos) << message;
  EXPECT_EQ(epochs, 0);  // nothing trained before the bad layer was found

  run::DbnTrainCallbacks stop;
  stop.stop = [] { return true; };
  EXPECT_THROW(run::train_dbn(dbn_request(), stop), Cancelled);
}

TEST(RunDbn, FlowIsTheEstimatorsFlowAndTheBoundNeedsTwoLayers) {
  const Dbn dbn = test::random_dbn({6, 4, 3}, {UnitType::bernoulli, UnitType::bernoulli, UnitType::bernoulli}, 5);
  const MatrixF data = binary_rows(30, 6, 2);
  run::DbnFlowRequest request;
  request.flow.log_z.method = estimate::LogZMethod::exact;
  request.bound = estimate::BoundOptions{};
  const run::DbnFlowRun r = run::dbn_flow(dbn, data, request);
  const auto expected = estimate::free_energy_flow(dbn, data, request.flow);
  ASSERT_EQ(r.layers.size(), 2u);
  for (std::size_t k = 0; k < 2; ++k) {
    EXPECT_EQ(r.layers[k].free_energy.mean, expected[k].free_energy.mean);
    EXPECT_EQ(r.layers[k].log_z->mean, expected[k].log_z->mean);
  }
  const estimate::DbnBound bound = estimate::dbn_lower_bound(dbn, data, request.flow.log_z, *request.bound);
  ASSERT_TRUE(r.bound);
  EXPECT_EQ(r.bound->mean.mean, bound.mean.mean);
  const nlohmann::json j = r;
  EXPECT_EQ(j.at("samples"), 30);
  EXPECT_EQ(j.at("layers")[1].at("log_z_method"), "exact");
  EXPECT_TRUE(j.contains("lower_bound"));

  const Dbn deep = test::random_dbn({6, 4, 3, 2}, std::vector<UnitType>(4, UnitType::bernoulli), 6);
  const std::string message = error_of([&] { run::dbn_flow(deep, data, request); });
  EXPECT_EQ(message.find("--"), std::string::npos) << message;
}

TEST(RunCouplings, AreTheLibrarysCouplingsOfTheChosenLayerAndSubsets) {
  const Dbn dbn = test::random_dbn({9, 4, 3}, {UnitType::spin, UnitType::bernoulli, UnitType::spin}, 8);
  run::CouplingsRequest request;
  request.layer = 1;
  request.max_order = 3;
  request.options.side = rg::Side::hidden;
  const run::CouplingsRun r = run::couplings(dbn, request);
  const rg::CouplingTable expected =
      rg::effective_couplings(dbn.layer(1), rg::all_subsets(3, 3), request.options);
  ASSERT_EQ(r.table.couplings.size(), expected.couplings.size());
  for (std::size_t i = 0; i < expected.couplings.size(); ++i) {
    EXPECT_EQ(r.table.couplings[i].sites, expected.couplings[i].sites);
    EXPECT_EQ(r.table.couplings[i].value.mean, expected.couplings[i].value.mean);
  }
  EXPECT_EQ(r.n_sites, 3);
  EXPECT_TRUE(r.shapes.empty());
  const nlohmann::json j = r;
  EXPECT_EQ(j.at("side"), "hidden");
  EXPECT_FALSE(j.contains("by_displacement"));

  // A 3 x 3 lattice on the visible side of layer 0: the lattice subsets and the shape averages.
  run::CouplingsRequest lattice;
  lattice.lattice = 3;
  lattice.max_order = 4;
  const run::CouplingsRun l = run::couplings(dbn, lattice);
  const rg::Lattice square = rg::Lattice::square(3);
  const rg::CouplingTable table =
      rg::effective_couplings(dbn.layer(0), rg::lattice_subsets(square, 4, 0), lattice.options);
  ASSERT_EQ(l.table.couplings.size(), table.couplings.size());
  EXPECT_EQ(l.shapes.size(), rg::average_by_shape(table, square).size());
  EXPECT_EQ(nlohmann::json(l).at("lattice"), (std::vector<int>{3, 3}));
}

TEST(RunCouplings, BadRequestsNameTheQuantityNotAFlag) {
  const Dbn dbn = test::random_dbn({9, 4}, {UnitType::spin, UnitType::bernoulli}, 9);
  std::vector<run::CouplingsRequest> bad(5);
  bad[0].layer = 1;        // one layer only
  bad[1].lattice = 4;      // 16 sites, not 9
  bad[2].max_order = 7;
  bad[3].lattice = 3;
  bad[3].chain = true;     // two geometries
  bad[4].lattice = -2;
  for (const auto& request : bad) {
    const std::string message = error_of([&] { run::couplings(dbn, request); });
    EXPECT_FALSE(message.empty());
    EXPECT_EQ(message.find("--"), std::string::npos) << message;
  }
}

// Wolff chains with 20 thermalisation sweeps, as ising_request() asks for.
ising::RunConfig wolff_config(int L, double T, std::int64_t samples, int chains, std::uint64_t seed) {
  ising::RunConfig cfg;
  cfg.model = {L, T, 1.0, 0.0};
  cfg.algorithm = ising::Algorithm::wolff;
  cfg.samples = samples;
  cfg.thermalize = 20;
  cfg.chains = chains;
  cfg.seed = seed;
  return cfg;
}

run::IsingSampleRequest ising_request() {
  run::IsingSampleRequest r;
  r.sizes = {4};
  r.temperatures = {2.5};
  r.samples = 200;
  r.thermalize = 20;
  r.algorithm = ising::Algorithm::wolff;
  r.chains = 2;
  r.seed = 17;
  return r;
}

TEST(RunIsing, OnePointIsTheSamplerAndItsSummary) {
  run::IsingSampleRequest request = ising_request();
  request.keep_spins = true;
  const run::IsingSampleRun r = run::sample_ising(request);
  const ising::RunResult expected = ising::run(wolff_config(4, 2.5, 200, 2, 17));
  ASSERT_EQ(r.points.size(), 1u);
  const run::IsingPoint& p = r.points[0];
  EXPECT_EQ(p.run.spins, expected.spins);
  EXPECT_EQ(p.run.energy, expected.energy);
  const auto obs = ising::summarize(expected.energy, expected.magnetization, 2, 4, 2.5);
  EXPECT_EQ(p.observables.energy_per_spin.mean, obs.energy_per_spin.mean);
  EXPECT_EQ(p.observables.binder.error, obs.binder.error);
  // Kaufman's exact values of the zero-field ferromagnet.
  ASSERT_TRUE(p.exact);
  EXPECT_EQ(p.exact->energy_per_spin, ising::kaufman(4, 1.0 / 2.5).energy_per_spin);
  const nlohmann::json j = r;
  EXPECT_EQ(j.at("algorithm"), "wolff");
  EXPECT_EQ(j.at("chains"), 2);
  EXPECT_FALSE(j.contains("points"));
  // Without keep_spins the configurations are not returned.
  EXPECT_TRUE(run::sample_ising(ising_request()).points[0].run.spins.empty());
}

TEST(RunIsing, ScanPointsUseTheirScanSeedsAndWriteTheirFiles) {
  const test::TempDir dir;
  run::IsingSampleRequest request = ising_request();
  request.sizes = {4, 6};
  request.temperatures = {2.2, 2.4, 2.6};
  request.output = dir.file("scan.h5");
  request.provenance = {{"command", "test"}};
  const run::IsingSampleRun r = run::sample_ising(request);
  ASSERT_EQ(r.points.size(), 6u);
  EXPECT_EQ(r.crossings.size(), 1u);
  const run::IsingPoint& p = r.points[4];  // L = 6, T = 2.4
  EXPECT_EQ(p.seed, ising::scan_seed(17, 1, 1));
  EXPECT_EQ(p.output, dir.file("scan_L6_T2.4.h5"));
  EXPECT_EQ(run::scan_output_path("a/b.h5", 16, 2.269185, 3), "a/b_L16_T2.269.h5");
  EXPECT_EQ(run::scan_temperature_decimals({2.0, 2.2, 2.4}), 1);
  EXPECT_EQ(run::scan_temperature_decimals({2.25, 2.5}), 2);
  EXPECT_EQ(run::scan_temperature_decimals({2.2691853}), 6);           // capped at 6 when inexact
  EXPECT_EQ(run::scan_temperature_decimals({2.0000001, 2.0000002}), 7);  // more, to stay distinct
  run::IsingSampleRequest single = ising_request();
  single.sizes = {6};
  single.temperatures = {2.4};
  single.seed = p.seed;
  single.keep_spins = true;
  const run::IsingPoint alone = run::sample_ising(single).points[0];
  EXPECT_EQ(alone.observables.energy_per_spin.mean, p.observables.energy_per_spin.mean);
  const io::Dataset stored = io::load_dataset(p.output);
  ASSERT_EQ(stored.lattice_size, Index{6});
  for (Index i = 0; i < stored.data.size(); ++i) {
    ASSERT_EQ(stored.data.data()[i], static_cast<float>(alone.run.spins[static_cast<std::size_t>(i)]));
  }
  EXPECT_EQ(stored.attributes.at("seed"), std::to_string(p.seed));
  EXPECT_EQ(stored.attributes.at("scan_temperature_index"), "1");
  EXPECT_EQ(stored.attributes.at("command"), "test");
  EXPECT_EQ(nlohmann::json(r).at("points").size(), 6u);

  // Observing the stored file gives the sampler's numbers (energies recomputed from the spins).
  const run::IsingObserveRun seen = run::observe_ising(run::load_ising_lattice(p.output), {});
  EXPECT_EQ(seen.chains, 2);
  EXPECT_NEAR(seen.observables.energy_per_spin.mean, p.observables.energy_per_spin.mean, 1e-12);
  EXPECT_NEAR(seen.observables.susceptibility.mean, p.observables.susceptibility.mean, 1e-9);
}

TEST(RunIsing, ChecksEveryPointBeforeRunningAnyAndNamesNoFlag) {
  const test::TempDir dir;
  run::IsingSampleRequest request = ising_request();
  request.temperatures = {2.2, -1.0};
  request.output = dir.file("scan.h5");
  std::string message = error_of([&] { run::sample_ising(request); });
  EXPECT_EQ(message.find("--"), std::string::npos) << message;
  EXPECT_TRUE(dir.entries().empty());  // not even the first point's file

  request = ising_request();
  request.plot = dir.file("plot");
  message = error_of([&] { run::sample_ising(request); });  // a plot needs a scan
  EXPECT_EQ(message.find("--"), std::string::npos) << message;

  run::IsingSampleCallbacks stop;
  stop.stop = [] { return true; };
  EXPECT_THROW(run::sample_ising(ising_request(), stop), Cancelled);

  for (const auto& f : std::vector<std::function<void()>>{[] { run::ising_exact(1, 2.0, 1.0); },
                                                          [] { run::ising_exact(4, 0.0, 1.0); },
                                                          [] { run::ising_exact(4, 2.0, -1.0); }}) {
    message = error_of(f);
    EXPECT_EQ(message.find("--"), std::string::npos) << message;
  }
}

TEST(RunIsing, ExactValuesAreKaufmanOnsagerAndYang) {
  const double T = 2.1, J = 1.5, K = J / T;
  const run::IsingExactRun r = run::ising_exact(6, T, J);
  const ising::ExactFinite k = ising::kaufman(6, K);
  EXPECT_EQ(r.log_z, k.log_z);
  EXPECT_DOUBLE_EQ(r.free_energy_per_spin, -T * k.log_z / 36.0);
  EXPECT_DOUBLE_EQ(r.energy_per_spin, J * k.energy_per_spin);
  EXPECT_EQ(r.spontaneous_magnetization, ising::yang_magnetization(K));
  EXPECT_DOUBLE_EQ(r.critical_temperature, J * 2.0 / std::log(1.0 + std::sqrt(2.0)));
  const nlohmann::json j = r;
  EXPECT_EQ(j.at("log_z").at("error"), 0.0);
}

TEST(RunIsing, BlockAndMcrgOfStoredConfigurations) {
  const test::TempDir dir;
  const run::IsingLattice sampled = run::sample_lattice(wolff_config(8, 2.27, 120, 3, 4));
  EXPECT_FALSE(sampled.from_file);
  EXPECT_EQ(sampled.dataset.attributes.at("chains"), "3");

  run::block_ising(sampled, 2, rg::BlockRule::majority, 5, dir.file("b.h5"), {{"command", "test"}});
  const run::IsingLattice blocked = run::load_ising_lattice(dir.file("b.h5"));
  EXPECT_EQ(blocked.L, 4);
  EXPECT_EQ(blocked.spins, rg::block_spins_batch(sampled.spins, 120, 8, 2, rg::BlockRule::majority, 5));
  EXPECT_EQ(blocked.dataset.attributes.at("block_factor"), "2");
  const std::string message = error_of([&] {
    run::block_ising(sampled, 3, rg::BlockRule::majority, 5, dir.file("c.h5"), {});
  });
  EXPECT_EQ(message.find("--"), std::string::npos) << message;
  EXPECT_FALSE(std::filesystem::exists(dir.file("c.h5")));

  run::IsingMcrgRequest request;
  request.options.levels = 1;
  const run::IsingMcrgRun r = run::mcrg_ising(sampled, request);
  rg::McrgOptions by_hand = request.options;
  by_hand.chains = 3;  // from the sampled run
  const auto steps = rg::mcrg(sampled.spins, 120, 8, by_hand);
  ASSERT_EQ(r.steps.size(), 1u);
  EXPECT_EQ(r.steps[0].y_t.mean, steps[0].y_t.mean);
  EXPECT_EQ(r.steps[0].y_h.error, steps[0].y_h.error);
  EXPECT_EQ(nlohmann::json(r).at("rule"), "majority");
  request.chains = 500;  // more chains than samples
  EXPECT_THROW(run::mcrg_ising(sampled, request), Error);
}

}  // namespace
